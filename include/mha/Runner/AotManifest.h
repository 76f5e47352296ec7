//===- AotManifest.h - What an ahead-of-time library contains ---*- C++ -*-===//
//
// mha-compile embeds a manifest in every object and shared library it
// writes (the exported function `const char *mha_aot_manifest(void)`
// returns it as JSON) and generates the C header of the library from it.
// mha-aot-check reads it back to build inputs, call the entries, verify
// them with the C++ oracle and count FLOPs, without MLIR.
//
//===----------------------------------------------------------------------===//

#ifndef MHA_RUNNER_AOTMANIFEST_H
#define MHA_RUNNER_AOTMANIFEST_H

#include "mha/Runner/FlopModel.h"
#include "mha/Runner/HostTensor.h"
#include "mha/Runner/OracleSpec.h"

#include "llvm/Support/Error.h"

#include <optional>
#include <string>
#include <vector>

namespace mlir::mha::runner {

/// An argument or result of a manifest entry (dynamic dims are -1).
using AotTensor = TensorSpec;

struct AotEntry {
  std::string name; // the func.func symbol
  std::vector<AotTensor> args, results;
  /// Set when the entry is one mha op applied to its arguments.
  std::optional<OracleSpec> oracle;
  /// FLOPs per call; unset when a dim cannot be expressed from the
  /// arguments (or the entry has no attention or matmul).
  std::optional<std::vector<FlopTerm>> flops;

  /// The C symbol: "_mlir_ciface_" + name.
  std::string symbol() const { return "_mlir_ciface_" + name; }
};

struct AotManifest {
  /// Version of this format; parseManifest rejects other versions.
  static constexpr int64_t kFormatVersion = 1;
  std::string compiler; // "mha-compile 0.1.0"
  std::string source;   // the input file
  std::string pipeline; // "cpu", "reference" or "gpu"
  std::string pipelineOptions;
  std::string triple, cpu;
  std::vector<AotEntry> entries;

  const AotEntry *lookup(llvm::StringRef name) const;
};

/// The symbol of the manifest function every library exports.
inline constexpr const char *kManifestSymbol = "mha_aot_manifest";

/// One line of JSON (keys sorted).
std::string serializeManifest(const AotManifest &manifest);
/// Parses and validates (dtypes, oracle argument positions) a manifest.
llvm::Expected<AotManifest> parseManifest(llvm::StringRef text);

/// Checks that `inputs` match the entry's arguments (count, dtype, static
/// dims); errors name the argument position.
llvm::Error checkInputs(const AotEntry &entry,
                        llvm::ArrayRef<HostTensor> inputs);

/// The C header of a library: memref descriptor structs, one
/// `_mlir_ciface_NAME` prototype per entry with the tensor shapes and the
/// ownership rule of results in comments, and the prototypes of
/// mha_aot_manifest and the runtime functions callers need.
/// `headerName` (e.g. "attention.h") names the include guard;
/// `libraryName` the object or library the header describes.
std::string generateCHeader(const AotManifest &manifest,
                            llvm::StringRef headerName,
                            llvm::StringRef libraryName);

} // namespace mlir::mha::runner

#endif // MHA_RUNNER_AOTMANIFEST_H
