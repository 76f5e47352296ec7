//===- CPUPipeline.cpp - mha-cpu-pipeline ---------------------------------===//

#include "mha/Pipelines/Pipelines.h"

#include "mha/Codegen/CPU/Passes.h"
#include "mha/Dialect/MHA/Transforms/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

#include <algorithm>
#include <numeric>

using namespace mlir;

/// Most vector registers one op of mha-vectorize-rows spans (its
/// max-vector-size is this many vectors). LLVM splits a wider vector op into
/// register-sized pieces: a few pieces per op give the core independent work,
/// while the temporaries of the polynomial exp of every piece still fit the
/// register file.
static constexpr int64_t kRowOpVectorRegisters = 4;

/// Largest square tile of the transposing copies of mha-vectorize-rows: the
/// 16 x 16 shuffle transpose of AVX-512; narrower targets use one vector per
/// row of the square.
static constexpr int64_t kMaxTransposeTile = 16;

void mlir::mha::buildCPUPipeline(OpPassManager &pm,
                                 const CPUPipelineOptions &options,
                                 const CPUTarget &target) {
  // Run-time checks of dynamic sizes, before any pass relies on them.
  pm.addPass(createMHAInsertShapeChecks());
  // Layer projections: parallel output blocks, vectorised below. The
  // reduction is split so that one micro-kernel panel of the weights,
  // [depth, micro-kernel-vectors * width] floats, fills at most half of L1
  // (the other half for the rows of x and the accumulators).
  MHATileProjectionsOptions projections;
  int64_t panelRowBytes =
      (options.microKernelVectors ? options.microKernelVectors
                                  : target.getMicroKernelVectors()) *
      (options.vectorWidth > 0 ? options.vectorWidth
                               : target.getVectorWidth()) *
      4;
  projections.blockDepth = std::max<int64_t>(
      16, target.getCaches().l1Bytes / 2 / std::max<int64_t>(4, panelRowBytes));
  // Square output blocks as large as keep one chunk of x ([block, depth])
  // and of the weights ([depth, block]) in half of L2: every weight byte
  // fetched from memory then serves `block` rows of x, not 64.
  projections.blockRows = 64;
  for (int64_t block : {256, 128})
    if (2 * block * projections.blockDepth * 4 <=
        target.getCaches().l2Bytes / 2) {
      projections.blockRows = block;
      break;
    }
  projections.blockCols = projections.blockRows;
  // Layers of static sizes: projections in parallel blocks that write and
  // read the head layout; the others are decomposed into matmuls.
  MHATileLayerOptions layer;
  layer.blockRows = projections.blockRows;
  layer.blockCols = projections.blockCols;
  layer.blockDepth = projections.blockDepth;
  pm.addPass(createMHATileLayer(layer));
  pm.addPass(createMHADecomposeMultiHeadAttention());
  // Short queries first: the decode kernel (GQA groups packed, the kv range
  // split across workers where the cost model says it pays); everything
  // else is left to the tiled loop nest.
  MHASplitKVOptions split;
  split.kvSplits = options.kvSplits;
  split.splitMaxSq = options.splitMaxSq;
  split.kvTile = options.kvTile;
  split.threads = options.threads;
  split.minSplitBytes = options.minSplitBytes;
  split.packHeads = options.packHeads;
  split.prefetchTiles = options.prefetchTiles;
  // The width of the vectorised code picks the decode tile's score layout
  // (keys or rows in the lanes); scalar code keeps rows.
  int64_t vectorWidth =
      options.vectorWidth == 0 ? target.getVectorWidth() : options.vectorWidth;
  split.vectorWidth =
      options.keysInLanes ? std::max<int64_t>(vectorWidth, 0) : 0;
  pm.addPass(createMHASplitKV(split));
  pm.addPass(createMHATileProjections(projections));
  // q-tile 0: the tile model picks 128 or 64 per op from L2 and threads.
  MHATileAttentionOptions tile;
  tile.qTile = options.qTile;
  tile.kvTile = options.kvTile;
  tile.l2Bytes = target.getCaches().l2Bytes;
  tile.threads = options.threads;
  pm.addPass(createMHATileAttention(tile));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());

  // 0 takes the target's width, 1 leaves the loop nest scalar; a negative
  // width reaches the passes, which reject it.
  int64_t width =
      options.vectorWidth == 0 ? target.getVectorWidth() : options.vectorWidth;
  bool vectorize = width != 1;
  bool useBF16Dot = width == 16 && options.bf16Dot != BF16Dot::Off &&
                    (options.bf16Dot == BF16Dot::On ? target.hasBF16Dot()
                                                    : target.prefersBF16Dot());
  if (vectorize) {
    // Register blocks of rows x (vectors * width) accumulators, from the
    // target's register file unless given.
    MHAVectorizeContractionsOptions contractions;
    contractions.vectorWidth = width;
    int64_t rows = options.microKernelRows;
    int64_t vectors = options.microKernelVectors;
    contractions.microKernelRows =
        rows ? rows
             : target.getMicroKernelRows(std::gcd(
                   // The model's q tiles (128, 64) are multiples of 64.
                   options.qTile > 0 ? options.qTile.getValue() : 64,
                   options.kvTile.getValue()));
    contractions.microKernelVectors =
        vectors ? vectors : target.getMicroKernelVectors();
    contractions.packB = options.packB;
    contractions.l1Bytes = target.getCaches().l1Bytes;
    contractions.l1Ways = target.getCaches().l1Ways;
    // bf16 data: vdpbf16ps micro-kernels (16 lanes) where the target has
    // them; the contractions they leave get f32 FMAs.
    if (useBF16Dot) {
      MHAVectorizeBF16ContractionsOptions bf16;
      bf16.microKernelRows = contractions.microKernelRows;
      bf16.microKernelVectors = contractions.microKernelVectors;
      pm.addPass(createMHAVectorizeBF16Contractions(bf16));
    }
    pm.addPass(createMHAVectorizeContractions(contractions));
    MHAVectorizeRowsOptions rowOps;
    rowOps.maxVectorSize = kRowOpVectorRegisters * width;
    rowOps.transposeTile = std::min(width, kMaxTransposeTile);
    pm.addPass(createMHAVectorizeRows(rowOps));
    pm.addPass(createCanonicalizerPass());
    pm.addPass(createCSEPass());
  }

  LowerToLLVMOptions lower = LowerToLLVMOptions::forTarget(target);
  lower.parallel = true;
  lower.numThreads = options.threads;
  lower.vector = vectorize;
  lower.x86Vector = vectorize && useBF16Dot;
  buildLowerToLLVMPipeline(pm, lower);
}
