//===- MHAToLinalg.cpp - convert-mha-to-linalg ----------------------------===//
//
// The reference (unfused) semantics of mha.attention in linalg on tensors.
// Every step is a plain linalg.generic so that the result is easy to audit and
// serves as the oracle for the fused pipelines.
//
//===----------------------------------------------------------------------===//

#include "mha/Conversion/MHAToLinalg/MHAToLinalg.h"
#include "mha/Dialect/MHA/IR/MHAOps.h"
#include "mha/Dialect/MHA/Utils/BuilderUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/DialectConversion.h"

#include <limits>

#define DEBUG_TYPE "convert-mha-to-linalg"

namespace mlir::mha {
#define GEN_PASS_DEF_CONVERTMHATOLINALG
#include "mha/Conversion/Passes.h.inc"
} // namespace mlir::mha

using namespace mlir;
using namespace mlir::mha;

namespace {
using utils::IteratorType;

/// `lhs - rhs` as an index value, folded when both are static.
Value indexSub(OpBuilder &b, Location loc, OpFoldResult lhs, OpFoldResult rhs) {
  std::optional<int64_t> l = getConstantIntValue(lhs);
  std::optional<int64_t> r = getConstantIntValue(rhs);
  if (l && r)
    return arith::ConstantIndexOp::create(b, loc, *l - *r);
  return arith::SubIOp::create(b, loc,
                               getValueOrCreateConstantIndexOp(b, loc, lhs),
                               getValueOrCreateConstantIndexOp(b, loc, rhs));
}

/// Map from the iteration space `(d0..d<numDims-1>)` to the given dims.
AffineMap dimsMap(MLIRContext *ctx, unsigned numDims,
                  ArrayRef<AffineExpr> results) {
  return AffineMap::get(numDims, /*symbolCount=*/0, results, ctx);
}

/// The K/V head of query head `h`: `h floordiv G`, or just `h` without GQA.
AffineExpr kvHead(AffineExpr h, int64_t groupSize) {
  return groupSize == 1 ? h : h.floorDiv(groupSize);
}

/// Indexing map of a mask broadcast to the [B, H, Sq, Skv] iteration space:
/// static size-1 dims read index 0, the others follow the iteration.
AffineMap maskMap(MLIRContext *ctx, RankedTensorType maskType) {
  SmallVector<AffineExpr> exprs;
  for (unsigned i = 0; i < 4; ++i)
    exprs.push_back(maskType.getDimSize(i) == 1 ? getAffineConstantExpr(0, ctx)
                                                : getAffineDimExpr(i, ctx));
  return dimsMap(ctx, 4, exprs);
}

struct AttentionOpLowering : OpConversionPattern<AttentionOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(AttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    Value q = adaptor.getQuery(), k = adaptor.getKey(), v = adaptor.getValue();
    Value mask = adaptor.getMask();
    auto qType = cast<RankedTensorType>(q.getType());
    auto kType = cast<RankedTensorType>(k.getType());
    auto vType = cast<RankedTensorType>(v.getType());
    auto resultType = cast<RankedTensorType>(op.getType());
    RankedTensorType maskType =
        mask ? cast<RankedTensorType>(mask.getType()) : RankedTensorType();
    // A static non-1 mask dim equals the score dim it broadcasts to.
    auto maskDim = [&](unsigned i) -> int64_t {
      if (!maskType || maskType.getDimSize(i) == 1)
        return ShapedType::kDynamic;
      return maskType.getDimSize(i);
    };

    // Problem sizes. H and Dv are static (verified).
    OpFoldResult bSize =
        dimSize(rewriter, loc,
                {qType.getDimSize(0), kType.getDimSize(0), vType.getDimSize(0),
                 resultType.getDimSize(0), maskDim(0)},
                q, 0);
    OpFoldResult hSize = rewriter.getIndexAttr(qType.getDimSize(1));
    OpFoldResult sqSize = dimSize(
        rewriter, loc,
        {qType.getDimSize(2), resultType.getDimSize(2), maskDim(2)}, q, 2);
    OpFoldResult skvSize =
        dimSize(rewriter, loc,
                {kType.getDimSize(2), vType.getDimSize(2), maskDim(3)}, k, 2);
    OpFoldResult dvSize = rewriter.getIndexAttr(vType.getDimSize(3));
    int64_t group = op.getGroupSize();

    SmallVector<OpFoldResult> scoreSizes = {bSize, hSize, sqSize, skvSize};
    SmallVector<OpFoldResult> rowSizes = {bSize, hSize, sqSize};
    SmallVector<OpFoldResult> accSizes = {bSize, hSize, sqSize, dvSize};

    Type f32 = rewriter.getF32Type();
    Value zero = f32Constant(rewriter, loc, 0.0f);
    Value negInf =
        f32Constant(rewriter, loc, -std::numeric_limits<float>::infinity());

    AffineExpr d0, d1, d2, d3, d4;
    bindDims(ctx, d0, d1, d2, d3, d4);
    AffineMap id4 = rewriter.getMultiDimIdentityMap(4);
    AffineMap row4 = dimsMap(ctx, 4, {d0, d1, d2});

    // 1. scores[b,h,i,j] = sum_d q[b,h,i,d] * k[b,h/G,j,d] over (b,h,i,j,d).
    Value scores = filledTensor(rewriter, loc, scoreSizes, zero);
    scores =
        linalg::GenericOp::create(
            rewriter, loc, scores.getType(), ValueRange{q, k},
            ValueRange{scores},
            ArrayRef<AffineMap>{
                dimsMap(ctx, 5, {d0, d1, d2, d4}),
                dimsMap(ctx, 5, {d0, kvHead(d1, group), d3, d4}),
                dimsMap(ctx, 5, {d0, d1, d2, d3})},
            ArrayRef<IteratorType>{kPar, kPar, kPar, kPar, kRed},
            [](OpBuilder &b, Location l, ValueRange args) {
              Value prod = arith::MulFOp::create(b, l, toF32(b, l, args[0]),
                                                 toF32(b, l, args[1]));
              linalg::YieldOp::create(
                  b, l, ValueRange{arith::AddFOp::create(b, l, args[2], prod)});
            })
            .getResult(0);

    // 2. scale, mask and causal, elementwise and in place on the scores.
    Value scale =
        f32Constant(rewriter, loc, static_cast<float>(op.getEffectiveScale()));
    Value causalOffset =
        op.getCausal() ? indexSub(rewriter, loc, skvSize, sqSize) : Value();
    SmallVector<Value> maskInputs;
    SmallVector<AffineMap> maskMaps;
    if (mask) {
      maskInputs.push_back(mask);
      maskMaps.push_back(maskMap(ctx, maskType));
    }
    maskMaps.push_back(id4);
    scores =
        linalg::GenericOp::create(
            rewriter, loc, scores.getType(), maskInputs, ValueRange{scores},
            maskMaps, ArrayRef<IteratorType>{kPar, kPar, kPar, kPar},
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value s = arith::MulFOp::create(b, l, scale, args.back());
              if (mask && maskType.getElementType().isInteger(1))
                s = arith::SelectOp::create(b, l, args[0], s, negInf);
              else if (mask)
                s = arith::AddFOp::create(b, l, s, toF32(b, l, args[0]));
              if (causalOffset) {
                // Bottom-right aligned: key j is hidden iff j > i + Skv - Sq.
                Value i = linalg::IndexOp::create(b, l, 2);
                Value j = linalg::IndexOp::create(b, l, 3);
                Value last = arith::AddIOp::create(b, l, i, causalOffset);
                Value hidden = arith::CmpIOp::create(
                    b, l, arith::CmpIPredicate::sgt, j, last);
                s = arith::SelectOp::create(b, l, hidden, negInf, s);
              }
              linalg::YieldOp::create(b, l, ValueRange{s});
            })
            .getResult(0);

    // 3. Row max over j.
    Value rowMax = filledTensor(rewriter, loc, rowSizes, negInf);
    rowMax = linalg::GenericOp::create(
                 rewriter, loc, rowMax.getType(), ValueRange{scores},
                 ValueRange{rowMax}, ArrayRef<AffineMap>{id4, row4},
                 ArrayRef<IteratorType>{kPar, kPar, kPar, kRed},
                 [](OpBuilder &b, Location l, ValueRange args) {
                   linalg::YieldOp::create(b, l,
                                           ValueRange{arith::MaximumFOp::create(
                                               b, l, args[0], args[1])});
                 })
                 .getResult(0);

    // 4. p = exp(s - max). A row that sees no key has max = -inf; subtracting
    // 0 instead keeps every p at exp(-inf) = 0 rather than NaN.
    Value probs = linalg::GenericOp::create(
                      rewriter, loc, scores.getType(), ValueRange{rowMax},
                      ValueRange{scores}, ArrayRef<AffineMap>{row4, id4},
                      ArrayRef<IteratorType>{kPar, kPar, kPar, kPar},
                      [&](OpBuilder &b, Location l, ValueRange args) {
                        Value empty = arith::CmpFOp::create(
                            b, l, arith::CmpFPredicate::OEQ, args[0], negInf);
                        Value m =
                            arith::SelectOp::create(b, l, empty, zero, args[0]);
                        Value p = math::ExpOp::create(
                            b, l, arith::SubFOp::create(b, l, args[1], m));
                        linalg::YieldOp::create(b, l, ValueRange{p});
                      })
                      .getResult(0);

    Value rowSum = filledTensor(rewriter, loc, rowSizes, zero);
    rowSum =
        linalg::GenericOp::create(
            rewriter, loc, rowSum.getType(), ValueRange{probs},
            ValueRange{rowSum}, ArrayRef<AffineMap>{id4, row4},
            ArrayRef<IteratorType>{kPar, kPar, kPar, kRed},
            [](OpBuilder &b, Location l, ValueRange args) {
              linalg::YieldOp::create(
                  b, l,
                  ValueRange{arith::AddFOp::create(b, l, args[0], args[1])});
            })
            .getResult(0);

    // 5. acc[b,h,i,e] = sum_j p[b,h,i,j] * v[b,h/G,j,e] over (b,h,i,e,j).
    Value acc = filledTensor(rewriter, loc, accSizes, zero);
    acc =
        linalg::GenericOp::create(
            rewriter, loc, acc.getType(), ValueRange{probs, v}, ValueRange{acc},
            ArrayRef<AffineMap>{
                dimsMap(ctx, 5, {d0, d1, d2, d4}),
                dimsMap(ctx, 5, {d0, kvHead(d1, group), d4, d3}),
                dimsMap(ctx, 5, {d0, d1, d2, d3})},
            ArrayRef<IteratorType>{kPar, kPar, kPar, kPar, kRed},
            [](OpBuilder &b, Location l, ValueRange args) {
              Value prod =
                  arith::MulFOp::create(b, l, args[0], toF32(b, l, args[1]));
              linalg::YieldOp::create(
                  b, l, ValueRange{arith::AddFOp::create(b, l, args[2], prod)});
            })
            .getResult(0);

    // o = acc / sum, 0 for rows without a visible key (sum == 0, acc == 0).
    SmallVector<Value> dynSizes;
    for (auto [i, size] : llvm::enumerate(accSizes))
      if (resultType.isDynamicDim(i))
        dynSizes.push_back(
            getValueOrCreateConstantIndexOp(rewriter, loc, size));
    Value out = tensor::EmptyOp::create(rewriter, loc, resultType, dynSizes);
    Type elemType = resultType.getElementType();
    Value result = linalg::GenericOp::create(
                       rewriter, loc, resultType, ValueRange{acc, rowSum},
                       ValueRange{out}, ArrayRef<AffineMap>{id4, row4, id4},
                       ArrayRef<IteratorType>{kPar, kPar, kPar, kPar},
                       [&](OpBuilder &b, Location l, ValueRange args) {
                         Value empty = arith::CmpFOp::create(
                             b, l, arith::CmpFPredicate::OEQ, args[1], zero);
                         Value o =
                             arith::DivFOp::create(b, l, args[0], args[1]);
                         o = arith::SelectOp::create(b, l, empty, zero, o);
                         if (elemType != f32)
                           o = arith::TruncFOp::create(b, l, elemType, o);
                         linalg::YieldOp::create(b, l, ValueRange{o});
                       })
                       .getResult(0);

    rewriter.replaceOp(op, result);
    return success();
  }
};

struct ConvertMHAToLinalgPass
    : mha::impl::ConvertMHAToLinalgBase<ConvertMHAToLinalgPass> {
  void runOnOperation() override {
    // The layer op is decomposed by its own pass; leaving it behind silently
    // would hand an mha op to the rest of the pipeline.
    bool leftover = false;
    getOperation()->walk([&](MultiHeadAttentionOp op) {
      op.emitOpError("is not lowered by convert-mha-to-linalg; run "
                     "mha-decompose-multi-head-attention first");
      leftover = true;
    });
    if (leftover)
      return signalPassFailure();

    ConversionTarget target(getContext());
    target.addIllegalOp<AttentionOp>();
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    RewritePatternSet patterns(&getContext());
    populateMHAToLinalgConversionPatterns(patterns);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace

void mlir::mha::populateMHAToLinalgConversionPatterns(
    RewritePatternSet &patterns) {
  patterns.add<AttentionOpLowering>(patterns.getContext());
}
