//===- CPUPipeline.cpp - mha-cpu-pipeline ---------------------------------===//

#include "mha/Pipelines/Pipelines.h"

#include "mha/Dialect/MHA/Transforms/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void mlir::mha::buildCPUPipeline(OpPassManager &pm,
                                 const CPUPipelineOptions &options) {
  pm.addPass(createMHADecomposeMultiHeadAttention());
  MHATileAttentionOptions tile;
  tile.qTile = options.qTile;
  tile.kvTile = options.kvTile;
  pm.addPass(createMHATileAttention(tile));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  LowerToLLVMOptions lower;
  lower.parallel = true;
  lower.numThreads = options.threads;
  buildLowerToLLVMPipeline(pm, lower);
}
