//===- ReferencePipeline.cpp - mha-reference-pipeline ---------------------===//

#include "mha/Pipelines/Pipelines.h"

#include "mha/Conversion/Passes.h"
#include "mha/Dialect/MHA/Transforms/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void mlir::mha::buildReferencePipeline(OpPassManager &pm,
                                       const ReferencePipelineOptions &) {
  pm.addPass(createMHADecomposeMultiHeadAttention());
  pm.addPass(createConvertMHAToLinalg());
  pm.addPass(createCanonicalizerPass());
  buildLowerToLLVMPipeline(pm);
}

void mlir::mha::registerMHAPipelines() {
  PassPipelineRegistration<ReferencePipelineOptions>(
      "mha-reference-pipeline",
      "Unfused reference lowering of mha ops to the LLVM dialect (the oracle "
      "of mha-run --verify)",
      buildReferencePipeline);
  PassPipelineRegistration<CPUPipelineOptions>(
      "mha-cpu-pipeline",
      "Fused, tiled (FlashAttention-2) and multi-threaded lowering of mha ops "
      "to the LLVM dialect for CPUs",
      buildCPUPipeline);
}
