//===- CPUPipeline.cpp - mha-cpu-pipeline ---------------------------------===//

#include "mha/Pipelines/Pipelines.h"

#include "mha/Dialect/MHA/Transforms/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void mlir::mha::buildCPUPipeline(OpPassManager &pm,
                                 const CPUPipelineOptions &options) {
  pm.addPass(createMHADecomposeMultiHeadAttention());
  // Short queries first: split their kv range across workers; everything
  // else is left to the tiled loop nest.
  if (options.kvSplits != 0) {
    MHASplitKVOptions split;
    split.splits = options.kvSplits;
    split.maxSq = options.splitMaxSq;
    split.kvTile = options.kvTile;
    pm.addPass(createMHASplitKV(split));
  }
  // Layer projections: parallel [64, 64] output blocks, vectorised below.
  pm.addPass(createMHATileProjections());
  MHATileAttentionOptions tile;
  tile.qTile = options.qTile;
  tile.kvTile = options.kvTile;
  pm.addPass(createMHATileAttention(tile));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());

  // 0 leaves the loop nest scalar; a negative width reaches the passes,
  // which reject it.
  int64_t width = options.vectorWidth;
  if (width != 0) {
    // Register blocks of `rows` x (2 * width) accumulators: 16 of the 32
    // AVX-512 registers, 8 of the 16 AVX2 ones.
    MHAVectorizeContractionsOptions contractions;
    contractions.vectorWidth = width;
    contractions.rows = options.microKernelRows
                            ? int64_t(options.microKernelRows)
                            : (width >= 16 ? 8 : 4);
    contractions.vectors =
        options.microKernelVectors ? int64_t(options.microKernelVectors) : 2;
    pm.addPass(createMHAVectorizeContractions(contractions));
    MHAVectorizeRowsOptions rows;
    rows.maxVectorSize = 4 * width;
    rows.transposeTile = width >= 16 ? 16 : width;
    pm.addPass(createMHAVectorizeRows(rows));
    pm.addPass(createCanonicalizerPass());
    pm.addPass(createCSEPass());
  }

  LowerToLLVMOptions lower;
  lower.parallel = true;
  lower.numThreads = options.threads;
  lower.vector = width != 0;
  buildLowerToLLVMPipeline(pm, lower);
}
