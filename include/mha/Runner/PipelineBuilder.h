//===- PipelineBuilder.h - Build an mha pipeline by kind --------*- C++ -*-===//
//
// The one place that maps a pipeline kind (cpu, reference, gpu) and the
// pipeline's textual options to a pass list, shared by the JIT (mha-run,
// the C API) and the ahead-of-time compiler (mha-compile).
//
//===----------------------------------------------------------------------===//

#ifndef MHA_RUNNER_PIPELINEBUILDER_H
#define MHA_RUNNER_PIPELINEBUILDER_H

#include "mlir/Support/LLVM.h"
#include "llvm/ADT/StringRef.h"

#include <optional>

namespace mlir {
class OpPassManager;
namespace mha::runner {

enum class PipelineKind { Reference, CPU, GPU };

/// "reference", "cpu", "gpu".
llvm::StringRef pipelineName(PipelineKind kind);
/// The inverse of pipelineName; std::nullopt for any other name.
std::optional<PipelineKind> parsePipelineKind(llvm::StringRef name);
/// The registered pipeline: "mha-reference-pipeline", "mha-cpu-pipeline",
/// "mha-gpu-pipeline".
llvm::StringRef pipelineRegistryName(PipelineKind kind);

/// f32 lanes of the widest vector unit of the host CPU: 16 (AVX-512F),
/// 8 (AVX2) or 4.
int64_t hostVectorWidth();

/// Appends the pipeline of `kind`, configured with `options` (the pipeline's
/// textual option syntax, e.g. "q-tile=64 threads=2"), to `pm`. The pipeline
/// is looked up in the pass registry (registering everything mha knows
/// first), so options are parsed and checked exactly as mha-opt does.
///
/// The CPU pipeline vectorises for `vectorWidth` f32 lanes (default: the
/// host's, see hostVectorWidth) unless `options` sets `vector-width`.
/// Errors (unknown option, pipeline not available in this build) are
/// written to `errors`.
LogicalResult buildPipelineForKind(OpPassManager &pm, PipelineKind kind,
                                   llvm::StringRef options,
                                   llvm::raw_ostream &errors,
                                   std::optional<int64_t> vectorWidth = {});

} // namespace mha::runner
} // namespace mlir

#endif // MHA_RUNNER_PIPELINEBUILDER_H
