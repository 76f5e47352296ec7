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
  PassPipelineRegistration<GPUPipelineOptions>(
      "mha-gpu-pipeline",
      "Fused FlashAttention-2 GPU kernels (tensor cores for f16/bf16) lowered "
      "through NVVM to a cubin, host code to the LLVM dialect calling the "
      "mha runtime",
      buildGPUPipeline);
}
