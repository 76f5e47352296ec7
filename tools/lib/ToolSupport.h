//===- ToolSupport.h - Command-line plumbing of the mha tools ---*- C++ -*-===//
//
// Error reporting and argument helpers that mha-run, mha-compile and
// mha-aot-check share. Tool-only code (it parses the command line and
// exits), so it lives in the tools' own library, outside the runner
// libraries that libMHACAPI embeds. LLVM Support only: mha-aot-check must
// not depend on MLIR.
//
//===----------------------------------------------------------------------===//

#ifndef MHA_TOOLS_TOOLSUPPORT_H
#define MHA_TOOLS_TOOLSUPPORT_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Error.h"

#include <string>
#include <utility>
#include <vector>

namespace mlir::mha::tool {

/// Exit status of a usage or input error.
constexpr int kUsageError = 2;

/// The name that prefixes error lines ("mha-run: error: ...").
void setToolName(llvm::StringRef name);

/// Sets the tool name, shows only `category`'s options in --help and parses
/// the command line; a parse error is one line (see fail).
void parseCommandLine(int argc, char **argv, llvm::StringRef toolName,
                      llvm::cl::OptionCategory &category,
                      llvm::StringRef overview);

/// Fails naming `option` when one of the `values` it was given is empty
/// (`--entry=`), which would otherwise mean "the default".
void rejectEmpty(const llvm::cl::Option &option,
                 llvm::ArrayRef<std::string> values);

/// Prints `message` as one error line and exits with `exitCode` (default: a
/// usage or input error).
[[noreturn]] void fail(const llvm::Twine &message, int exitCode = kUsageError);

/// Called by `fail` (once: it is cleared first) before it prints; it may
/// report and end the process itself (an MPI rank ends its job), or return
/// to let `fail` print and exit. Null (the default) does nothing.
using FailHook = void (*)(const std::string &message, int exitCode);
void setFailHook(FailHook hook);

inline void failOn(llvm::Error err, const llvm::Twine &context = "") {
  if (err)
    fail(context + llvm::toString(std::move(err)));
}

template <typename T>
T check(llvm::Expected<T> value, const llvm::Twine &context = "") {
  if (!value)
    fail(context + llvm::toString(value.takeError()));
  return std::move(*value);
}

/// Splits "--flag=N=VALUE"'s "N=VALUE"; `allowBare` accepts "VALUE" as
/// index 0. Malformed text fails naming the flag.
std::pair<size_t, std::string>
splitIndexed(llvm::StringRef flag, llvm::StringRef text, bool allowBare);

double medianOf(std::vector<double> values);

} // namespace mlir::mha::tool

#endif // MHA_TOOLS_TOOLSUPPORT_H
