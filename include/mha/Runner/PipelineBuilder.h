//===- PipelineBuilder.h - Build an mha pipeline by kind --------*- C++ -*-===//
//
// The one place that maps a pipeline kind (cpu, reference, gpu) and the
// pipeline's textual options to a pass list, shared by the JIT (mha-run,
// the C API) and the ahead-of-time compiler (mha-compile).
//
//===----------------------------------------------------------------------===//

#ifndef MHA_RUNNER_PIPELINEBUILDER_H
#define MHA_RUNNER_PIPELINEBUILDER_H

#include "mha/Target/CPUTarget.h"
#include "mha/Target/GPUChip.h"

#include "mlir/Support/LLVM.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <optional>

namespace mlir {
class OpPassManager;
namespace mha::runner {

enum class PipelineKind { Reference, CPU, GPU };

/// "reference", "cpu", "gpu".
llvm::StringRef pipelineName(PipelineKind kind);
/// The inverse of pipelineName; std::nullopt for any other name.
std::optional<PipelineKind> parsePipelineKind(llvm::StringRef name);

/// The CPU target that a tool's --target-cpu / --target-features name
/// (empty: the pipeline options decide, and their default is the host), and
/// the GPU chip the caller compiles for.
struct TargetFlags {
  std::string cpu;
  std::string features;
  /// The chip of a GPU pipeline whose options name none (the JIT: the GPU
  /// it runs on); unset, the option's default.
  std::optional<GPUChip> gpuChip;
};

/// Appends the pipeline of `kind`, configured with `options` (the pipeline's
/// textual option syntax, e.g. "q-tile=64 threads=2") and `target`, to
/// `pm`. Options are parsed and checked as mha-opt does; a target given both
/// in `target` and in `options` is an error. Returns the CPU target the
/// pipeline generates (host) code for, which the caller compiles the LLVM
/// IR for; the error names the bad option, CPU or feature.
llvm::Expected<CPUTarget> buildPipelineForKind(OpPassManager &pm,
                                               PipelineKind kind,
                                               llvm::StringRef options,
                                               const TargetFlags &target = {});

} // namespace mha::runner
} // namespace mlir

#endif // MHA_RUNNER_PIPELINEBUILDER_H
