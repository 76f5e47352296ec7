//===- FoldCausalMask.cpp - mha-fold-causal-mask --------------------------===//
//
// Replaces a constant i1 mask that is exactly the causal mask by the `causal`
// attribute, which the fused pipelines turn into skipped tiles.
//
//===----------------------------------------------------------------------===//

#include "mha/Dialect/MHA/IR/MHAOps.h"
#include "mha/Dialect/MHA/Transforms/Passes.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"

#define DEBUG_TYPE "mha-fold-causal-mask"

namespace mlir::mha {
#define GEN_PASS_DEF_MHAFOLDCAUSALMASK
#include "mha/Dialect/MHA/Transforms/Passes.h.inc"
} // namespace mlir::mha

using namespace mlir;
using namespace mlir::mha;

namespace {
/// True when `mask` is a constant i1 tensor of shape [B or 1, H or 1, sq, skv]
/// with at most `maxElements` elements that keeps key j for query i exactly
/// when j <= i + skv - sq (what `causal` keeps).
bool isCausalMask(Value mask, int64_t sq, int64_t skv, int64_t maxElements) {
  DenseElementsAttr attr;
  if (!matchPattern(mask, m_Constant(&attr)) ||
      !attr.getElementType().isInteger(1))
    return false;
  // A broadcast query or key dimension cannot be causal unless the mask is
  // all true, which canonicalization already drops.
  ShapedType type = attr.getType();
  if (type.getDimSize(2) != sq || type.getDimSize(3) != skv ||
      type.getNumElements() > maxElements)
    return false;
  int64_t index = 0;
  for (bool keep : attr.getValues<bool>()) {
    int64_t i = index / skv % sq, j = index % skv;
    ++index;
    if (keep != (j <= i + skv - sq))
      return false;
  }
  return true;
}

struct MHAFoldCausalMaskPass
    : mha::impl::MHAFoldCausalMaskBase<MHAFoldCausalMaskPass> {
  using MHAFoldCausalMaskBase::MHAFoldCausalMaskBase;

  void runOnOperation() override {
    getOperation()->walk([&](AttentionOp op) {
      int64_t sq = op.getQuery().getType().getDimSize(2);
      int64_t skv = op.getKey().getType().getDimSize(2);
      Value mask = op.getMask();
      if (!mask || ShapedType::isDynamic(sq) || ShapedType::isDynamic(skv) ||
          !isCausalMask(mask, sq, skv, maxMaskElements))
        return;
      op.getMaskMutable().clear();
      op.setCausal(true);
    });
  }
};
} // namespace
