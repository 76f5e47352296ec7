//===- ScoreModifiers.h - Attention variants in the kernels -----*- C++ -*-===//
//
// What the attention kernels apply to a score besides q.k, in the op's order
// (MHAOps.td): scale, softcap, ALiBi, then the masks (causal, window, the
// mask operand), then the softmax with sinks and the lse result. The kernels
// call small hooks:
//  - keyRange: the keys a block of queries can see (causal, window and an
//    affine mask_mod trim the kv loop at both ends);
//  - tileIsFull / tileIsEmpty: whether a kv tile needs no per-element mask
//    for a range of queries (only partial tiles select), or causal, the
//    window or an affine mask_mod hides all of it from them (the kernel
//    skips it);
//  - rowModifiers / modifyScore: per-row values (aligned query position,
//    ALiBi slope, sink) and the transformed score of one element, in the
//    kernels' log2 units (scale * log2(e) folded in);
//  - rowInverse / storeLse: the row epilogue with the sink in the
//    denominator and the natural-log lse.
// Scores stay f32 whatever the element type. Costs: docs/gpu-codegen.md,
// "Variants".
//
//===----------------------------------------------------------------------===//

#ifndef MHA_LIB_CONVERSION_MHATOGPU_SCOREMODIFIERS_H
#define MHA_LIB_CONVERSION_MHATOGPU_SCOREMODIFIERS_H

#include "KernelBuilder.h"

#include "mha/Dialect/MHA/Utils/MaskModAnalysis.h"

namespace mlir::mha::kernels {

/// The right bound of the visible keys relative to the aligned query
/// position i' = i + Skv - Sq (causal is a right bound of 0, and a window's
/// right side may tighten it), or -1 when unbounded.
int64_t effectiveRightBound(const AttentionKernelConfig &cfg);

/// The op's mask_mod as an affine formula of (q_idx, kv_idx)
/// (MaskModAnalysis.h); nullopt without one or when it is data dependent.
std::optional<MaskFormula> affineMaskMod(const AttentionKernelConfig &cfg);

/// The keys [begin, end) that queries [minQ, maxQ] can see (clamped to
/// [0, Skv]; begin >= end when none): by causal, the window and an affine
/// mask_mod's kvRangeOf.
std::pair<Value, Value> keyRange(KernelBuilder &kb, Value minQ, Value maxQ,
                                 Value sq, Value skv);

/// Whether every query of [minQ, maxQ] sees every key of [t0, t0 + n): the
/// tile lies within Skv and the causal and window bounds, an affine mask_mod
/// shows the whole rectangle (classifyTile) and there is no mask operand or
/// data-dependent mask_mod. Such a tile is computed without per-element
/// selects, and without evaluating mask_mod.
Value tileIsFull(KernelBuilder &kb, Value t0, int64_t n, Value minQ, Value maxQ,
                 Value sq, Value skv);

/// Whether causal, the window or an affine mask_mod (classifyTile) hides
/// every key of [t0, t0 + n) from every query of [minQ, maxQ]; a
/// data-dependent mask_mod and the mask operand are not looked at. A kernel
/// skips such a tile entirely (no QK^T, no exp), with a predicate that is
/// uniform over the threads that share the tile. Within keyRange of the
/// same queries, only an affine mask_mod can make a tile empty.
Value tileIsEmpty(KernelBuilder &kb, Value t0, int64_t n, Value minQ,
                  Value maxQ, Value sq, Value skv);

/// Whether tileIsEmpty can be true for some tile: causal, a window or an
/// affine mask_mod.
bool mayHaveEmptyTiles(const AttentionKernelConfig &cfg);

/// Per-row values of the modifiers: the row's query (head, index q) for
/// score_mod, the aligned query position i' (with ALiBi), the ALiBi slope and
/// the sink logit in log2 units; null where the op has none.
struct RowModifiers {
  Value head, q;
  Value alignedQ, slope, sink;
};
RowModifiers rowModifiers(KernelBuilder &kb, const KernelArgs &a,
                          const RowRef &row);

/// The ALiBi distance j - i' of key `key0` as f32 (null without ALiBi); the
/// kernels compute it once per row and tile and add constant key offsets.
Value alibiDistance(KernelBuilder &kb, const RowModifiers &rm, Value key0);

/// The score in log2 units of the raw product `raw` = q.k of key `key0 +
/// offset`: scale, softcap c * tanh(s / c), ALiBi slope * (j - i') and the
/// score_mod region (on the natural-log score). `distance` is
/// alibiDistance(key0).
Value modifyScore(KernelBuilder &kb, const KernelArgs &a, Value raw,
                  const RowModifiers &rm, Value distance, Value key0,
                  int64_t offset);

/// The mask_mod region at (batch, head, q, key), with q and key clamped into
/// range so that captured tensors are read in bounds: true when visible.
Value applyMaskMod(KernelBuilder &kb, const KernelArgs &a, Value head, Value q,
                   Value key);

/// The values the modifier regions of `op` capture that its kernel takes as
/// arguments (scalar constants are cloned into the kernel instead), and the
/// argument type of each (a memref of the same shape for a tensor).
SmallVector<Value> kernelCaptures(Operation *op);
Type kernelCaptureType(Value capture);

/// Fails, with one error naming the culprit, when the modifier regions of
/// `op` hold what a kernel cannot run: ops outside arith, math, index and
/// scf, captured tensors read other than by tensor.extract / tensor.dim,
/// captures that are neither ranked tensors nor scalars.
LogicalResult verifyModifiersForKernel(Operation *op, StringRef pass);

/// At the kernel's entry: maps the captures of `cfg.modifiers` to the kernel
/// arguments `args` (kernelCaptures order) in `a.captures`.
void mapCaptures(OpBuilder &b, Location loc, const AttentionKernelConfig &cfg,
                 ValueRange args, KernelArgs &a);

/// After the body is built: reads of captured tensors become memref loads of
/// the kernel arguments, and math functions of the regions (tanh, exp, erf,
/// ...) become polynomials, so that no libdevice call is left.
void finalizeModifiers(gpu::GPUFuncOp fn);

/// 1 / (l + exp2(sink - m)) of a row with running max `m` and sum `l` (log2
/// units), 0 for a row that saw no key. Sinks are added by the combine
/// kernel with split-kv.
Value rowInverse(KernelBuilder &kb, const RowModifiers &rm, Value m, Value l);

/// With an lse result and no split-kv: when `write` (and the row exists),
/// stores the row's natural-log lse (m + log2 l) * ln 2, -inf when l = 0.
void storeLse(KernelBuilder &kb, const KernelArgs &a, const RowRef &row,
              Value m, Value l, Value write);

} // namespace mlir::mha::kernels

#endif // MHA_LIB_CONVERSION_MHATOGPU_SCOREMODIFIERS_H
