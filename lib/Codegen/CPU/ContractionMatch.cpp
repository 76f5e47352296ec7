//===- ContractionMatch.cpp - Contractions the micro-kernels take ---------===//
//
// The matchers shared by the f32 and bf16 micro-kernel passes.
//
//===----------------------------------------------------------------------===//

#include "ContractionMatch.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlir::mha;

Value cpu::matchRowScale(linalg::GenericOp op) {
  if (!op || !op->hasOneUse() || !op.hasPureTensorSemantics() ||
      op.getNumDpsInputs() != 1 || op.getNumDpsInits() != 1 ||
      op.getNumLoops() != 2 || op.getNumParallelLoops() != 2)
    return Value();
  MLIRContext *ctx = op.getContext();
  AffineMap rowMap = AffineMap::get(2, 0, {getAffineDimExpr(0, ctx)}, ctx);
  if (op.getIndexingMapsArray() !=
      SmallVector<AffineMap>{rowMap, AffineMap::getMultiDimIdentityMap(2, ctx)})
    return Value();
  Block *body = op.getBlock();
  auto mul = dyn_cast<arith::MulFOp>(&body->front());
  if (!mul || body->getOperations().size() != 2 ||
      body->getTerminator()->getOperand(0) != mul.getResult())
    return Value();
  Value in = body->getArgument(0), out = body->getArgument(1);
  if (!((mul.getLhs() == in && mul.getRhs() == out) ||
        (mul.getLhs() == out && mul.getRhs() == in)))
    return Value();
  if (!getElementTypeOrSelf(in.getType()).isF32())
    return Value();
  return op.getDpsInputOperand(0)->get();
}

/// `v`, looking through one arith.extf.
static Value stripExt(Value v) {
  if (auto ext = v.getDefiningOp<arith::ExtFOp>())
    return ext.getIn();
  return v;
}

FailureOr<cpu::Contraction> cpu::matchContraction(linalg::GenericOp op) {
  if (!op.hasPureTensorSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1 || op.getNumLoops() != 3 ||
      op.getNumReductionLoops() != 1)
    return failure();
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (llvm::any_of(ranges, ShapedType::isDynamic))
    return failure();
  OpOperand *c = op.getDpsInitOperand(0);
  if (!getElementTypeOrSelf(c->get().getType()).isF32())
    return failure();

  // Body: yield addf(out, mulf(ext?(in0), ext?(in1))), in any order.
  Block *body = op.getBlock();
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  auto add = yield.getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add)
    return failure();
  Value outArg = body->getArgument(2);
  Value prodVal = add.getLhs() == outArg   ? add.getRhs()
                  : add.getRhs() == outArg ? add.getLhs()
                                           : Value();
  auto mul = prodVal ? prodVal.getDefiningOp<arith::MulFOp>() : nullptr;
  if (!mul)
    return failure();
  Value x = stripExt(mul.getLhs()), y = stripExt(mul.getRhs());
  if (!((x == body->getArgument(0) && y == body->getArgument(1)) ||
        (x == body->getArgument(1) && y == body->getArgument(0))))
    return failure();
  // Nothing else in the body (extf, mulf, addf, yield).
  for (Operation &inner : body->without_terminator())
    if (!isa<arith::ExtFOp, arith::MulFOp, arith::AddFOp>(inner))
      return failure();

  auto dimPos = [](AffineExpr e) -> int {
    auto dim = dyn_cast<AffineDimExpr>(e);
    return dim ? static_cast<int>(dim.getPosition()) : -1;
  };
  AffineMap cMap = op.getMatchingIndexingMap(c);
  if (cMap.getNumResults() != 2)
    return failure();
  int m = dimPos(cMap.getResult(0)), n = dimPos(cMap.getResult(1));
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  if (m < 0 || n < 0 || m == n ||
      iterators[m] != utils::IteratorType::parallel ||
      iterators[n] != utils::IteratorType::parallel)
    return failure();
  int k = 3 - m - n;
  Contraction result{static_cast<unsigned>(m),
                     static_cast<unsigned>(n),
                     static_cast<unsigned>(k),
                     ranges[m],
                     ranges[n],
                     ranges[k],
                     nullptr,
                     nullptr,
                     c,
                     false};
  for (OpOperand *in : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(in);
    if (map.getNumResults() != 2)
      return failure();
    int r0 = dimPos(map.getResult(0)), r1 = dimPos(map.getResult(1));
    if (r0 == k && r1 == n && !result.b) {
      result.b = in;
    } else if ((r0 == m && r1 == k) || (r0 == k && r1 == m)) {
      result.a = in;
      result.aIsMK = r0 == m;
    } else {
      return failure();
    }
  }
  if (!result.a || !result.b)
    return failure();
  return result;
}

Value cpu::buildLoop(
    OpBuilder &b, Location loc, int64_t lb, int64_t ub, int64_t step,
    Value dest, function_ref<Value(OpBuilder &, Location, Value, Value)> body) {
  if (ub - lb <= 0)
    return dest;
  if (ub - lb <= step)
    return body(b, loc, arith::ConstantIndexOp::create(b, loc, lb), dest);
  auto forOp = scf::ForOp::create(
      b, loc, arith::ConstantIndexOp::create(b, loc, lb),
      arith::ConstantIndexOp::create(b, loc, ub),
      arith::ConstantIndexOp::create(b, loc, step), ValueRange{dest},
      [&](OpBuilder &nb, Location l, Value iv, ValueRange args) {
        scf::YieldOp::create(nb, l, body(nb, l, iv, args[0]));
      });
  return forOp.getResult(0);
}
