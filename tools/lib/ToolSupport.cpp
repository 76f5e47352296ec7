//===- ToolSupport.cpp - Command-line plumbing of the mha tools ----------===//

#include "ToolSupport.h"

#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cstdlib>

using namespace mlir::mha;

static std::string &toolName() {
  static std::string name = "mha";
  return name;
}

void tool::setToolName(llvm::StringRef name) { toolName() = name.str(); }

void tool::parseCommandLine(int argc, char **argv, llvm::StringRef name,
                            llvm::cl::OptionCategory &category,
                            llvm::StringRef overview) {
  setToolName(name);
  llvm::cl::HideUnrelatedOptions(category);
  std::string errors;
  llvm::raw_string_ostream os(errors);
  if (llvm::cl::ParseCommandLineOptions(
          argc, argv, (name + ": " + overview + "\n").str(), &os))
    return;
  // "mha-run: Unknown command line argument ..." -> one error line.
  llvm::StringRef first = llvm::StringRef(errors).split('\n').first.ltrim();
  if (first.consume_front(name) && first.consume_front(": "))
    fail(first);
  fail(first);
}

void tool::fail(const llvm::Twine &message, int exitCode) {
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
