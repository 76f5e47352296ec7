//===- CPUPipeline.cpp - mha-cpu-pipeline ---------------------------------===//

#include "mha/Pipelines/Pipelines.h"

#include "mha/Codegen/CPU/Passes.h"
#include "mha/Dialect/MHA/Transforms/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void mlir::mha::buildCPUPipeline(OpPassManager &pm,
                                 const CPUPipelineOptions &options,
                                 const CPUTarget &target) {
  pm.addPass(createMHADecomposeMultiHeadAttention());
  // Short queries first: split their kv range across workers; everything
  // else is left to the tiled loop nest.
  if (options.kvSplits != 1) {
    MHASplitKVOptions split;
    split.kvSplits = options.kvSplits;
    split.splitMaxSq = options.splitMaxSq;
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

  // 0 takes the target's width, 1 leaves the loop nest scalar; a negative
  // width reaches the passes, which reject it.
  int64_t width =
      options.vectorWidth == 0 ? target.getVectorWidth() : options.vectorWidth;
  bool vectorize = width != 1;
  if (vectorize) {
    // Register blocks of `rows` x (vectors * width) accumulators, from the
    // target's register file unless given.
    MHAVectorizeContractionsOptions contractions;
    contractions.vectorWidth = width;
    contractions.rows = options.microKernelRows
                            ? int64_t(options.microKernelRows)
                            : target.getMicroKernelRows();
    contractions.vectors = options.microKernelVectors
                               ? int64_t(options.microKernelVectors)
                               : target.getMicroKernelVectors();
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
  lower.vector = vectorize;
  lower.nativeF16Conversions = target.hasF16Conversions();
  lower.nativeBF16Conversions = target.hasBF16Conversions();
  lower.nativeFMA = target.hasFMA();
  buildLowerToLLVMPipeline(pm, lower);
}
