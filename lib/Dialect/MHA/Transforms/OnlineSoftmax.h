//===- OnlineSoftmax.h - shared kv-loop builder -----------------*- C++ -*-===//
//
// The online-softmax kv loop of one (batch, head, query tile), shared by
// mha-tile-attention (the whole kv range, then normalisation) and mha-split-kv
// (one kv sub-range per split, then a log-sum-exp combine). Internal to
// MHATransforms.
//
//===----------------------------------------------------------------------===//

#ifndef MHA_LIB_DIALECT_MHA_TRANSFORMS_ONLINESOFTMAX_H
#define MHA_LIB_DIALECT_MHA_TRANSFORMS_ONLINESOFTMAX_H

#include "mha/Dialect/MHA/IR/MHAOps.h"
#include "mha/Dialect/MHA/Utils/AttentionShape.h"
#include "mha/Dialect/MHA/Utils/MaskModAnalysis.h"

#include "mlir/IR/Builders.h"

namespace mlir::mha::flash {

/// The leading [sizes] corner of `t`, or `t` itself when it already has that
/// shape. Padded scratch tiles hold partial tiles in their leading corner.
Value cornerSlice(OpBuilder &b, Location loc, Value t,
                  ArrayRef<OpFoldResult> sizes);

/// Inserts `corner` (a `cornerSlice` of `dest` of `sizes`) back into `dest`.
Value insertCorner(OpBuilder &b, Location loc, Value corner, Value dest,
                   ArrayRef<OpFoldResult> sizes);

/// `[1, 1, rows, cols]` at `[b, h, row0, 0]` of a [B, H, S, D] tensor, as a
/// rank-2 tensor.
Value headTile(OpBuilder &b, Location loc, Value t, OpFoldResult batch,
               OpFoldResult head, OpFoldResult row0, OpFoldResult rows,
               OpFoldResult cols);

/// Sizes and tiling facts of one `mha.attention`, computed once outside the
/// loop nest (this creates the f32 constants and the causal offset).
struct AttentionTiling {
  AttentionOp op;
  AttentionShape shape;
  /// B, Sq, Skv are static or `tensor.dim`s of the operands.
  AttentionSizes sizes;
  /// Static query / kv tile sizes, clamped to static sequence lengths.
  int64_t qt, kvt;
  /// Every query tile, every kv tile (from 0 in steps of kvt), is full.
  bool fullQTiles, fullKvTiles;
  /// Skv - Sq when causal, else null.
  OpFoldResult causalOffset;
  /// Skv - Sq (i' - i) when causal, window or ALiBi need it, else null.
  OpFoldResult alignOffset;
  /// f32 constants: 0, -inf and the softmax scale.
  Value zero, negInf, scale;
  /// The analysis of the op's mask_mod, when it has one.
  std::optional<MaskModInfo> maskMod;
  /// For a data-dependent mask_mod: the class of every (query tile, kv tile)
  /// as i8 (0 empty, 1 partial, 2 full), [B or 1, H or 1, q tiles, kv tiles]
  /// (batch and head only when the mask reads them); see buildMaskTileTable.
  Value maskTable;
};

/// The thread count the parallel loops run on: `threads`, or for 0 (the
/// OpenMP default) every hardware thread of this machine.
int64_t resolveThreadCount(int64_t threads);

/// Computes the tiling of `op` for tiles of `qTile` x `kvTile` (positive).
AttentionTiling getAttentionTiling(OpBuilder &b, AttentionOp op, int64_t qTile,
                                   int64_t kvTile);

/// For a data-dependent mask_mod, builds `t.maskTable` at the insertion
/// point of `b` (outside the loop nest): a parallel pre-pass that evaluates
/// the mask once per element of each tile and keeps only its class, so the
/// kv loop skips empty tiles and selects only in partial ones without an
/// Sq x Skv mask. Does nothing for an analysable mask or none.
void buildMaskTileTable(OpBuilder &b, Location loc, AttentionTiling &t);

/// The f32 online-softmax state of one query tile, padded to `qt` rows.
/// The running max `m` stays at the lowest float for rows that saw no key.
struct OnlineSoftmaxState {
  /// Running max [qt], running sum [qt], unnormalised accumulator [qt, Dv].
  Value m, l, acc;
  /// A [qt] f32 scratch tile the caller may reuse.
  Value row;
};

/// Builds, at the insertion point of `b`, the online softmax of queries
/// [q0, q0 + qT) of head `head` of batch `batch` over the keys the tile sees.
/// With `kvBegin` and `kvEnd` set (kvBegin a multiple of `t.kvt`), only keys
/// [kvBegin, min(kvEnd, end)) are visited, where `end` is Skv or the causal
/// bound; an empty range yields m = lowest, l = 0, acc = 0. Without them the
/// whole range is visited and the diagonal tile of an aligned causal tiling is
/// peeled, as mha-tile-attention does.
/// With `headGroup` > 1 (GQA decode), the tile's rows are all the queries of
/// heads [head, head + headGroup), which share one K/V head: row r is query
/// r mod Sq of head head + r / Sq, so each K/V tile is read once for the
/// group. This needs a static Sq (q0 = 0, qT = headGroup * Sq), no causal
/// mask unless Sq = 1 (`t.shape.causal` cleared by the caller), and a mask,
/// if any, broadcast over heads and queries alike or Sq = 1.
/// With `keysInLanes` (decode tiles of few rows, no causal mask, no variants)
/// the scores are kept as [rows, kv-tile] instead of [kv-tile, rows]: the
/// K tile is packed transposed ([D, kv-tile], keys contiguous) for S = Q . K^T,
/// the row max / exp / sum run across keys, and V of full kv tiles is read
/// in place, and with `prefetchTiles` > 0 the loop over whole kv tiles
/// prefetches the K and V tile that many tiles ahead.
OnlineSoftmaxState
buildOnlineSoftmax(OpBuilder &b, Location loc, const AttentionTiling &t,
                   Value batch, Value head, OpFoldResult q0, OpFoldResult qT,
                   OpFoldResult kvBegin = {}, OpFoldResult kvEnd = {},
                   int64_t headGroup = 1, bool keysInLanes = false,
                   int64_t prefetchTiles = 0);

} // namespace mlir::mha::flash

#endif // MHA_LIB_DIALECT_MHA_TRANSFORMS_ONLINESOFTMAX_H
