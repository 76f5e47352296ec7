//===- ToolSupport.cpp - Command-line plumbing of the mha tools ----------===//

#include "ToolSupport.h"

#include "mha/Runner/FatalErrors.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <unistd.h>

using namespace mlir::mha;

static std::string &toolName() {
  static std::string name = "mha";
  return name;
}

void tool::setToolName(llvm::StringRef name) { toolName() = name.str(); }

namespace {
/// Captures what is written to file descriptor 2 while it lives: llvm::cl
/// reports a bad option value ("for the --bench option: requires a value!")
/// on llvm::errs() whatever stream ParseCommandLineOptions is given.
class CaptureStderr {
public:
  CaptureStderr() {
    llvm::errs().flush();
    std::fflush(stderr);
    file = std::tmpfile();
    saved = file ? ::dup(2) : -1;
    if (saved >= 0)
      ::dup2(::fileno(file), 2);
  }
  /// Restores stderr and returns what was written to it.
  std::string take() {
    std::string text;
    if (saved < 0)
      return text;
    llvm::errs().flush();
    std::fflush(stderr);
    ::dup2(saved, 2);
    ::close(saved);
    saved = -1;
    std::rewind(file);
    char buffer[4096];
    while (size_t n = std::fread(buffer, 1, sizeof(buffer), file))
      text.append(buffer, n);
    return text;
  }
  ~CaptureStderr() {
    take();
    if (file)
      std::fclose(file);
  }

private:
  std::FILE *file = nullptr;
  int saved = -1;
};
} // namespace

void tool::parseCommandLine(int argc, char **argv, llvm::StringRef name,
                            llvm::cl::OptionCategory &category,
                            llvm::StringRef overview) {
  setToolName(name);
  // An LLVM fatal error left unchecked is still one error line and exit 2.
  runner::installFatalErrorHandler(name, kUsageError);
  llvm::cl::HideUnrelatedOptions(category);
  std::string errors;
  llvm::raw_string_ostream os(errors);
  bool parsed;
  {
    CaptureStderr capture;
    parsed = llvm::cl::ParseCommandLineOptions(
        argc, argv, (name + ": " + overview + "\n").str(), &os);
    errors = capture.take() + errors;
  }
  if (parsed) {
    llvm::errs() << errors; // warnings, if any
    return;
  }
  // "mha-run: Unknown command line argument ..." and "mha-run: for the
  // --bench option: requires a value!" -> one error line naming the flag.
  llvm::StringRef first;
  for (llvm::StringRef line : llvm::split(errors, '\n'))
    if (!(first = line.trim()).empty())
      break;
  first.consume_front(name);
  first.consume_front(": ");
  if (first.consume_front("for the ")) {
    auto [flag, message] = first.split(" option: ");
    fail(flag + ": " + message.rtrim("!") + " (see " + name + " --help)");
  }
  if (first.empty())
    fail("invalid command line (see " + name + " --help)");
  fail(first);
}

void tool::rejectEmpty(const llvm::cl::Option &option,
                       llvm::ArrayRef<std::string> values) {
  for (const std::string &value : values)
    if (value.empty())
      fail("--" + option.ArgStr + "=: expected a name, got an empty value");
}

static tool::FailHook &failHook() {
  static tool::FailHook hook = nullptr;
  return hook;
}

void tool::setFailHook(FailHook hook) { failHook() = hook; }

void tool::fail(const llvm::Twine &message, int exitCode) {
  if (FailHook hook = failHook()) {
    failHook() = nullptr;
    hook(message.str(), exitCode);
  }
  llvm::errs() << toolName() << ": error: " << message << "\n";
  std::exit(exitCode);
}

std::pair<size_t, std::string>
tool::splitIndexed(llvm::StringRef flag, llvm::StringRef text, bool allowBare) {
  auto [lhs, rhs] = text.split('=');
  size_t index;
  if (!text.contains('=') || lhs.getAsInteger(10, index)) {
    if (allowBare && !text.contains('='))
      return {0, text.str()};
    fail("--" + flag + "=" + text + ": expected N=FILE with N a 0-based " +
         (flag == "input" ? "argument" : "result") + " position");
  }
  if (rhs.empty())
    fail("--" + flag + "=" + text + ": missing file name");
  return {index, rhs.str()};
}

double tool::medianOf(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}
