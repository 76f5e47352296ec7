//===- Registration.cpp - Register the mha pipelines ----------------------===//

#include "mha/Pipelines/Pipelines.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"

using namespace mlir;

void mlir::mha::registerMHAPipelines() {
  PassPipelineRegistration<ReferencePipelineOptions>(
      "mha-reference-pipeline",
      "Unfused reference lowering of mha ops to the LLVM dialect (the oracle "
      "of mha-run --verify)",
      buildReferencePipeline);
  PassPipelineRegistration<CPUPipelineOptions>(
      "mha-cpu-pipeline",
      "Fused, tiled (FlashAttention-2), vectorised and multi-threaded "
      "lowering of mha ops to the LLVM dialect for CPUs",
      buildCPUPipeline);
}
