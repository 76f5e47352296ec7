//===- AttentionShape.h - The problem of one mha.attention ------*- C++ -*-===//
//
// One description of an mha.attention's dimensions and operand roles, for
// every lowering: the sizes read from the operand types (static, the most
// static view of all operands), and the same sizes as index values for
// builders (dynamic ones from `tensor.dim` or `memref.dim`). After IREE's
// AttentionOpDetail, for the fixed [B, H, S, D] layout of the mha dialect.
//
//===----------------------------------------------------------------------===//

#ifndef MHA_DIALECT_MHA_UTILS_ATTENTIONSHAPE_H
#define MHA_DIALECT_MHA_UTILS_ATTENTIONSHAPE_H

#include "mlir/IR/AffineExpr.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"

namespace mlir::mha {
class AttentionOp;

/// The sizes of an attention as index values: static sizes are attributes,
/// dynamic ones `tensor.dim` / `memref.dim` of the operand that carries them.
struct AttentionSizes {
  OpFoldResult batch, numHeads, numKvHeads, sq, skv, headDim, valueDim;

  /// [B, H, Sq, Dv]: the result.
  SmallVector<OpFoldResult> getResultSizes() const {
    return {batch, numHeads, sq, valueDim};
  }
  /// [B, H, Sq, Skv]: the scores, and the mask before broadcasting.
  SmallVector<OpFoldResult> getScoreSizes() const {
    return {batch, numHeads, sq, skv};
  }
};

/// The problem of one `mha.attention`: q [B, H, Sq, D], k [B, Hkv, Skv, D],
/// v [B, Hkv, Skv, Dv], an optional mask broadcastable to [B, H, Sq, Skv], and
/// the result [B, H, Sq, Dv]. Query head h reads K/V head h / group, with
/// group = H / Hkv.
struct AttentionShape {
  /// The description of a verified `op`.
  static AttentionShape get(AttentionOp op);

  /// Sizes, ShapedType::kDynamic where no operand knows them. H, Hkv, D and
  /// Dv are always static (verified).
  int64_t batch, numHeads, numKvHeads, sq, skv, headDim, valueDim;
  /// Query heads per K/V head: H / Hkv.
  int64_t group;
  /// Of query, key, value and result (one type, verified).
  Type elementType;
  /// Null without a mask.
  RankedTensorType maskType;
  bool causal;
  /// The `scale` attribute or 1/sqrt(D).
  double scale;
  /// Variants: window bounds (-1 unbounded), softcap, ALiBi slopes and sink
  /// operands, the log-sum-exp result.
  int64_t windowLeft = -1, windowRight = -1;
  std::optional<double> softcap;
  bool hasAlibi = false, hasSinks = false, returnsLse = false;
  bool hasWindow() const { return windowLeft >= 0 || windowRight >= 0; }
  /// Whether scores depend on the aligned query position i + Skv - Sq.
  bool needsAlignedQuery() const { return causal || hasWindow() || hasAlibi; }

  bool hasStaticSq() const { return !ShapedType::isDynamic(sq); }
  bool hasStaticSkv() const { return !ShapedType::isDynamic(skv); }

  bool hasMask() const { return static_cast<bool>(maskType); }
  /// An i1 mask selects scores (true keeps them); a float mask is added.
  bool hasBoolMask() const {
    return maskType && maskType.getElementType().isInteger(1);
  }
  /// Whether mask dim `dim` (of [B, H, Sq, Skv]) is a static 1 that is
  /// broadcast: it is read at index 0 whatever the score index.
  bool isMaskBroadcast(unsigned dim) const {
    return maskType && maskType.getDimSize(dim) == 1;
  }
  /// The mask indices of score [b, h, i, j] (`scoreIndices`): broadcast dims
  /// become 0.
  SmallVector<AffineExpr>
  getMaskIndices(ArrayRef<AffineExpr> scoreIndices) const;

  /// The K/V head of query head `h`: `h floordiv group`, or `h` without GQA.
  AffineExpr getKvHead(AffineExpr h) const {
    return group == 1 ? h : h.floorDiv(group);
  }

  /// The sizes as index values, at the insertion point of `b`. Dynamic B and
  /// Sq come from dims 0 and 2 of `query`, a dynamic Skv from dim 2 of `key`:
  /// the op's operands, or tensors or memrefs of the same shapes (the
  /// operands of a conversion pattern, the buffers they were copied to).
  AttentionSizes getSizes(OpBuilder &b, Location loc, Value query,
                          Value key) const;
};

/// Emits one error on `op` naming the first variant (window, softcap, alibi,
/// sinks, lse) that `lowering` does not implement, and fails; succeeds when
/// `op` has none. `supported` lists the variants `lowering` implements.
LogicalResult refuseUnsupportedVariants(AttentionOp op, StringRef lowering,
                                        ArrayRef<StringRef> supported = {});

} // namespace mlir::mha

#endif // MHA_DIALECT_MHA_UTILS_ATTENTIONSHAPE_H
