//===- Registration.cpp - Register the mha pipelines ----------------------===//

#include "mha/Pipelines/Pipelines.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"

using namespace mlir;
using namespace mlir::mha;

namespace {
/// Registers a pipeline whose options name a CPU target: the options are
/// checked and the target is resolved once, so a bad option, an unknown CPU
/// or feature, or a GPU chip LLVM cannot target is a pipeline-parsing error
/// (mha-opt exits non-zero), not a failure of a pass or a fatal LLVM error.
template <typename Options>
void registerTargetPipeline(StringRef arg, StringRef description,
                            void (*build)(OpPassManager &, const Options &,
                                          const CPUTarget &)) {
  registerPassPipeline(
      arg, description,
      [arg, build](OpPassManager &pm, StringRef text,
                   function_ref<LogicalResult(const Twine &)> errorHandler) {
        Options options;
        if (llvm::Error err = options.parse(text, arg))
          return errorHandler(arg + ": " + llvm::toString(std::move(err)));
        if (llvm::Error err = checkPipelineOptions(options))
          return errorHandler(arg + ": " + llvm::toString(std::move(err)));
        llvm::Expected<CPUTarget> target = getCPUTarget(options);
        if (!target)
          return errorHandler(arg + ": " + llvm::toString(target.takeError()));
        build(pm, options, *target);
        return success();
      },
      [](function_ref<void(const detail::PassOptions &)> handler) {
        handler(Options());
      });
}
} // namespace

void mlir::mha::registerMHAPipelines() {
  registerTargetPipeline<ReferencePipelineOptions>(
      "mha-reference-pipeline",
      "Unfused reference lowering of mha ops to the LLVM dialect (the oracle "
      "of mha-run --verify)",
      buildReferencePipeline);
  registerTargetPipeline<CPUPipelineOptions>(
      "mha-cpu-pipeline",
      "Fused, tiled (FlashAttention-2), vectorised and multi-threaded "
      "lowering of mha ops to the LLVM dialect for CPUs",
      buildCPUPipeline);
  registerTargetPipeline<GPUPipelineOptions>(
      "mha-gpu-pipeline",
      "Fused FlashAttention-2 GPU kernels (tensor cores for f16/bf16) lowered "
      "through NVVM to a cubin, host code to the LLVM dialect calling the "
      "mha runtime",
      buildGPUPipeline);
}
