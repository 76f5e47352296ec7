//===- Modifiers.h - Inlining the score_mod / mask_mod regions --*- C++ -*-===//
//
// Every lowering that implements the programmable modifiers of mha.attention
// clones the op's score_mod / mask_mod region at the point where it has one
// score (or one (b, h, q_idx, kv_idx) position): inside a linalg.generic
// body, an scf loop, scalar vector code or a GPU kernel.
//
//===----------------------------------------------------------------------===//

#ifndef MHA_DIALECT_MHA_UTILS_MODIFIERS_H
#define MHA_DIALECT_MHA_UTILS_MODIFIERS_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"

namespace mlir::mha {
class AttentionOp;

/// Clones the `score_mod` body of `op` at the insertion point of `b`, with
/// the block arguments bound to `score` (f32) and `idx` = (b, h, q_idx,
/// kv_idx), and returns the yielded f32 score. Indices that are not `index`
/// (e.g. i32 / i64 GPU ids) are cast with `arith.index_cast`. `captures`
/// optionally remaps values defined above the region (e.g. to kernel
/// arguments); unmapped ones are used as they are. Returns `score` when
/// `op` has no score_mod.
Value inlineScoreMod(OpBuilder &b, Location loc, AttentionOp op, Value score,
                     ValueRange idx, const IRMapping *captures = nullptr);

/// Clones the `mask_mod` body of `op` like `inlineScoreMod`, with the block
/// arguments bound to `idx` = (b, h, q_idx, kv_idx), and returns the yielded
/// i1 (true: visible). Returns a null Value when `op` has no mask_mod.
Value inlineMaskMod(OpBuilder &b, Location loc, AttentionOp op, ValueRange idx,
                    const IRMapping *captures = nullptr);

/// The values defined above `op` that its modifier regions use (captured
/// tensors and scalars), in a deterministic order: what a lowering into an
/// isolated region (a GPU kernel) must pass in and map with `captures`.
SmallVector<Value> getModifierCaptures(AttentionOp op);

} // namespace mlir::mha

#endif // MHA_DIALECT_MHA_UTILS_MODIFIERS_H
