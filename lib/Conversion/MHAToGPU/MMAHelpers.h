//===- MMAHelpers.h - Shared by the tensor-core kernels ---------*- C++ -*-===//
//
// The mma.sync (MMAKernel.cpp) and wgmma (WGMMAKernel.cpp) kernels give each
// warp 16 query rows and keep scores and accumulators in the mma.m16n8k16
// accumulator layout, so they share where a lane sits, the loop state, the
// online-softmax step and the epilogue.
//
// Fragment layouts of mma.m16n8k16 (PTX ISA), lane = 4 * g + t:
//   A (16x16, row major): 4 registers of 2 elements:
//       R0 = A[g][2t..2t+1], R1 = A[g+8][2t..], R2 = A[g][2t+8..],
//       R3 = A[g+8][2t+8..]
//   B (16x8, k x n):      R0 = B[2t..2t+1][g], R1 = B[2t+8..2t+9][g]
//   C (16x8, f32):        c0,c1 = C[g][2t..2t+1], c2,c3 = C[g+8][2t..]
// The C layout of two adjacent 8-key score tiles is the A layout of P for a
// 16-key step, so P never leaves registers in the mma.sync kernel. The wgmma
// accumulator of warp w is this C layout repeated over N / 8 column tiles.
//
//===----------------------------------------------------------------------===//

#ifndef MHA_LIB_CONVERSION_MHATOGPU_MMAHELPERS_H
#define MHA_LIB_CONVERSION_MHATOGPU_MMAHELPERS_H

#include "KernelBuilder.h"
#include "ScoreModifiers.h"

namespace mlir::mha::kernels {

/// Where a lane of a tensor-core kernel sits (lane = 4 g + t of warp w) and
/// its two rows, g and g + 8 of the warp's 16 (rA is row g in the block),
/// with their score modifiers; minQ and maxQ bound the queries of the warp
/// (of the block with split-kv), for tile classification.
struct LaneLayout {
  Value g, t, t2, rA;
  RowRef rows[2];
  RowModifiers mods[2];
  Value minQ, maxQ;
};

LaneLayout laneLayout(KernelBuilder &kb, KernelArgs &a, const BlockPlan &plan);

/// Butterfly reduction (max or sum) over the 4 lanes that share a row.
Value quadReduce(KernelBuilder &kb, Value x, bool isMax);

/// One online-softmax step of a lane's two rows: their new running max and
/// (lane-partial) sum, and the factor that rescales the old accumulators.
struct SoftmaxStep {
  Value m[2], l[2], alpha[2];
};

/// The loop-carried state of the tensor-core kernels, as the flat list an
/// scf.for carries: the running max of rows g and g + 8, their lane-partial
/// running sums, then one vector<4xf32> accumulator per 8 output columns
/// (elements 0, 1 of row g, then 2, 3 of row g + 8).
struct MmaLoopState {
  static constexpr unsigned kSum = 2, kAcc = 4;

  /// -inf, -inf, 0, 0, zero accumulators.
  static SmallVector<Value> initial(KernelBuilder &kb);
  static Value max(ValueRange state, int row) { return state[row]; }
  static Value sum(ValueRange state, int row) { return state[kSum + row]; }
  static Value acc(ValueRange state, int64_t tile) {
    return state[kAcc + tile];
  }
  /// The state after `step`, with accumulators `acc`.
  static SmallVector<Value> next(const SoftmaxStep &step, ValueRange acc);
};

/// The online-softmax step on a tile of raw scores `x` in the accumulator
/// layout (4 per 8-key tile: row g columns 2t, 2t + 1, then row g + 8):
/// scales them into log2 units with the score modifiers (modifyScore), masks
/// them where the tile is partial for the warp's rows (tileIsFull) and
/// replaces them with p = exp2(x - m).
/// `visible`: tileVisibility of the tile, when the caller has it.
SoftmaxStep softmaxTile(KernelBuilder &kb, KernelArgs &a, const BlockPlan &plan,
                        const LaneLayout &lanes, Value t0,
                        SmallVectorImpl<Value> &x, ValueRange state,
                        ArrayRef<Value> visible = {});

/// keyVisible of each of the lane's elements of the tile of keys from `t0`,
/// in the accumulator layout.
SmallVector<Value> tileVisibility(KernelBuilder &kb, KernelArgs &a,
                                  const LaneLayout &lanes, Value t0);

/// Whether any element of `bits` is true in any lane of the warp (an OR,
/// then XOR shuffles: warp-uniform).
Value warpAny(KernelBuilder &kb, ArrayRef<Value> bits);

/// The accumulators of `state` times the step's alpha of their row.
SmallVector<Value> rescaleAccumulators(KernelBuilder &kb, ValueRange state,
                                       const SoftmaxStep &step);

/// The epilogue: normalises the accumulators of the final loop state
/// `results` and stores rows g (elements 0, 1) and g + 8 (elements 2, 3);
/// lane t = 0 of each quad writes the row's log-sum-exp.
void storeMmaRows(KernelBuilder &kb, KernelArgs &a, const BlockPlan &plan,
                  const LaneLayout &lanes, ValueRange results);

} // namespace mlir::mha::kernels

#endif // MHA_LIB_CONVERSION_MHATOGPU_MMAHELPERS_H
