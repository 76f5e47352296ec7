//===- ToolSupport.h - Shared command-line plumbing of the mha tools -----===//
//
// Error reporting and argument helpers that mha-run and mha-aot-check share
// (LLVM Support only: mha-aot-check must not depend on MLIR).
//
//===----------------------------------------------------------------------===//

#ifndef MHA_RUNNER_TOOLSUPPORT_H
#define MHA_RUNNER_TOOLSUPPORT_H

#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Error.h"

#include <string>
#include <utility>
#include <vector>

namespace mlir::mha::tool {

/// The name that prefixes error lines ("mha-run: error: ...").
void setToolName(llvm::StringRef name);

/// Sets the tool name, shows only `category`'s options in --help and parses
/// the command line; a parse error is one line (see fail).
void parseCommandLine(int argc, char **argv, llvm::StringRef toolName,
                      llvm::cl::OptionCategory &category,
                      llvm::StringRef overview);

/// A usage or input error: printed as one line, exit 2.
[[noreturn]] void fail(const llvm::Twine &message);

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

#endif // MHA_RUNNER_TOOLSUPPORT_H
