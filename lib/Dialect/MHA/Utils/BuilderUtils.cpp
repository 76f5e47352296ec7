//===- BuilderUtils.cpp - IR building helpers of the mha lowerings --------===//

#include "mha/Dialect/MHA/Utils/BuilderUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

Value mlir::mha::f32Constant(OpBuilder &b, Location loc, float value) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(value));
}

Value mlir::mha::toF32(OpBuilder &b, Location loc, Value v) {
  if (v.getType().isF32())
    return v;
  return arith::ExtFOp::create(b, loc, b.getF32Type(), v);
}

Value mlir::mha::multiplyAdd(OpBuilder &b, Location loc, Value acc, Value x,
                             Value y) {
  Value prod =
      arith::MulFOp::create(b, loc, toF32(b, loc, x), toF32(b, loc, y));
  return arith::AddFOp::create(b, loc, acc, prod);
}

Value mlir::mha::isFutureKey(OpBuilder &b, Location loc, Value i, Value j,
                             Value offset) {
  Value last = arith::AddIOp::create(b, loc, i, offset);
  return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, j, last);
}

Value mlir::mha::divideOrZero(OpBuilder &b, Location loc, Value num, Value den,
                              Value zero, Type elemType) {
  Value empty =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, den, zero);
  Value o = arith::DivFOp::create(b, loc, num, den);
  o = arith::SelectOp::create(b, loc, empty, zero, o);
  if (!elemType.isF32())
    o = arith::TruncFOp::create(b, loc, elemType, o);
  return o;
}

Value mlir::mha::fill(OpBuilder &b, Location loc, Value value, Value dest) {
  return linalg::FillOp::create(b, loc, ValueRange{value}, ValueRange{dest})
      .getResult(0);
}

Value mlir::mha::filledTensor(OpBuilder &b, Location loc,
                              ArrayRef<OpFoldResult> sizes, Value value) {
  return fill(b, loc, value,
              tensor::EmptyOp::create(b, loc, sizes, value.getType()));
}

Value mlir::mha::emptyTensor(OpBuilder &b, Location loc, RankedTensorType type,
                             ArrayRef<OpFoldResult> sizes) {
  SmallVector<Value> dynamicSizes;
  for (auto [i, size] : llvm::enumerate(sizes))
    if (type.isDynamicDim(i))
      dynamicSizes.push_back(getValueOrCreateConstantIndexOp(b, loc, size));
  return tensor::EmptyOp::create(b, loc, type, dynamicSizes);
}

AffineMap mlir::mha::dimsMap(MLIRContext *ctx, unsigned numDims,
                             ArrayRef<unsigned> dims) {
  SmallVector<AffineExpr> exprs;
  for (unsigned dim : dims)
    exprs.push_back(getAffineDimExpr(dim, ctx));
  return AffineMap::get(numDims, /*symbolCount=*/0, exprs, ctx);
}

Value mlir::mha::generic(
    OpBuilder &b, Location loc, ValueRange ins, Value out,
    ArrayRef<AffineMap> maps, ArrayRef<utils::IteratorType> iterators,
    function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  return linalg::GenericOp::create(
             b, loc, out.getType(), ins, ValueRange{out}, maps, iterators,
             [&](OpBuilder &nb, Location l, ValueRange args) {
               linalg::YieldOp::create(nb, l, ValueRange{body(nb, l, args)});
             })
      .getResult(0);
}

Value mlir::mha::contraction(OpBuilder &b, Location loc, Value x, Value y,
                             Value acc, ArrayRef<AffineMap> maps,
                             ArrayRef<utils::IteratorType> iterators) {
  return generic(b, loc, ValueRange{x, y}, acc, maps, iterators,
                 [](OpBuilder &nb, Location l, ValueRange args) {
                   return multiplyAdd(nb, l, args[2], args[0], args[1]);
                 });
}

Value mlir::mha::softcapScore(OpBuilder &b, Location loc, Value s, double cap) {
  Value x2 = arith::MulFOp::create(
      b, loc, s, f32Constant(b, loc, static_cast<float>(2.0 / cap)));
  Value e = math::ExpOp::create(b, loc, x2);
  Value one = f32Constant(b, loc, 1.0f);
  Value frac = arith::DivFOp::create(b, loc, f32Constant(b, loc, 2.0f),
                                     arith::AddFOp::create(b, loc, e, one));
  Value t = arith::SubFOp::create(b, loc, one, frac);
  return arith::MulFOp::create(b, loc, t,
                               f32Constant(b, loc, static_cast<float>(cap)));
}

Value mlir::mha::isOutsideWindow(OpBuilder &b, Location loc, Value ip, Value j,
                                 int64_t left, int64_t right) {
  Value hidden;
  auto orWith = [&](Value c) {
    hidden = hidden ? arith::OrIOp::create(b, loc, hidden, c).getResult() : c;
  };
  if (left >= 0) {
    Value first = arith::SubIOp::create(
        b, loc, ip, arith::ConstantIndexOp::create(b, loc, left));
    orWith(arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, j, first));
  }
  if (right >= 0) {
    Value last = arith::AddIOp::create(
        b, loc, ip, arith::ConstantIndexOp::create(b, loc, right));
    orWith(arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, j, last));
  }
  return hidden;
}

Value mlir::mha::alibiBias(OpBuilder &b, Location loc, Value slope, Value j,
                           Value ip) {
  Value dist = arith::SubIOp::create(b, loc, j, ip);
  dist = arith::IndexCastOp::create(b, loc, b.getI64Type(), dist);
  Value f = arith::SIToFPOp::create(b, loc, b.getF32Type(), dist);
  return arith::MulFOp::create(b, loc, slope, f);
}
