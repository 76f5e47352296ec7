//===- AttentionShape.cpp - The problem of one mha.attention --------------===//

#include "mha/Dialect/MHA/Utils/AttentionShape.h"

#include "mha/Dialect/MHA/IR/MHAOps.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::mha;

namespace {
/// The first static size in `sizes`: operands may disagree on static-ness,
/// and the most static view wins.
int64_t firstStatic(std::initializer_list<int64_t> sizes) {
  for (int64_t s : sizes)
    if (!ShapedType::isDynamic(s))
      return s;
  return ShapedType::kDynamic;
}

/// `size` as an attribute when static, else `dim` of `shaped` (a tensor or a
/// memref).
OpFoldResult sizeOf(OpBuilder &b, Location loc, int64_t size, Value shaped,
                    unsigned dim) {
  if (!ShapedType::isDynamic(size))
    return b.getIndexAttr(size);
  if (isa<BaseMemRefType>(shaped.getType()))
    return memref::DimOp::create(b, loc, shaped, dim).getResult();
  return tensor::DimOp::create(b, loc, shaped, dim).getResult();
}
} // namespace

AttentionShape AttentionShape::get(AttentionOp op) {
  RankedTensorType q = op.getQuery().getType(), k = op.getKey().getType(),
                   v = op.getValue().getType(), o = op.getResult().getType();
  AttentionShape s;
  if (Value mask = op.getMask())
    s.maskType = cast<RankedTensorType>(mask.getType());
  // A mask dim that is not broadcast has the size of its score dim.
  auto maskDim = [&](unsigned i) {
    return s.maskType && !s.isMaskBroadcast(i) ? s.maskType.getDimSize(i)
                                               : ShapedType::kDynamic;
  };
  s.batch = firstStatic({q.getDimSize(0), k.getDimSize(0), v.getDimSize(0),
                         o.getDimSize(0), maskDim(0)});
  s.numHeads = q.getDimSize(1);
  s.numKvHeads = k.getDimSize(1);
  s.sq = firstStatic({q.getDimSize(2), o.getDimSize(2), maskDim(2)});
  s.skv = firstStatic({k.getDimSize(2), v.getDimSize(2), maskDim(3)});
  s.headDim = q.getDimSize(3);
  s.valueDim = v.getDimSize(3);
  s.group = op.getGroupSize();
  s.elementType = q.getElementType();
  s.causal = op.getCausal();
  s.scale = op.getEffectiveScale();
  std::tie(s.windowLeft, s.windowRight) = op.getWindowBounds();
  if (std::optional<APFloat> cap = op.getSoftcap())
    s.softcap = cap->convertToDouble();
  s.hasAlibi = static_cast<bool>(op.getAlibi());
  s.hasSinks = static_cast<bool>(op.getSinks());
  s.returnsLse = static_cast<bool>(op.getLse());
  return s;
}

SmallVector<AffineExpr>
AttentionShape::getMaskIndices(ArrayRef<AffineExpr> scoreIndices) const {
  assert(scoreIndices.size() == 4 && "expected [b, h, i, j]");
  SmallVector<AffineExpr> indices;
  for (auto [dim, index] : llvm::enumerate(scoreIndices))
    indices.push_back(isMaskBroadcast(dim)
                          ? getAffineConstantExpr(0, index.getContext())
                          : index);
  return indices;
}

AttentionSizes AttentionShape::getSizes(OpBuilder &b, Location loc, Value query,
                                        Value key) const {
  AttentionSizes sizes;
  sizes.batch = sizeOf(b, loc, batch, query, 0);
  sizes.numHeads = b.getIndexAttr(numHeads);
  sizes.numKvHeads = b.getIndexAttr(numKvHeads);
  sizes.sq = sizeOf(b, loc, sq, query, 2);
  sizes.skv = sizeOf(b, loc, skv, key, 2);
  sizes.headDim = b.getIndexAttr(headDim);
  sizes.valueDim = b.getIndexAttr(valueDim);
  return sizes;
}

LogicalResult
mlir::mha::refuseUnsupportedVariants(AttentionOp op, StringRef lowering,
                                     ArrayRef<StringRef> supported) {
  for (StringRef name : op.getVariantNames()) {
    if (llvm::is_contained(supported, name))
      continue;
    return op.emitOpError()
           << "variant '" << name << "' is not supported by " << lowering
           << " yet; use the reference pipeline (--pipeline=reference)";
  }
  return success();
}
