//===- MHAToLinalg.cpp - convert-mha-to-linalg ----------------------------===//
//
// The reference (unfused) semantics of mha.attention in linalg on tensors.
// Every step is a plain linalg.generic so that the result is easy to audit and
// serves as the oracle for the fused pipelines.
//
//===----------------------------------------------------------------------===//

#include "mha/Conversion/MHAToLinalg/MHAToLinalg.h"
#include "mha/Dialect/MHA/IR/MHAOps.h"
#include "mha/Dialect/MHA/Utils/AttentionShape.h"
#include "mha/Dialect/MHA/Utils/BuilderUtils.h"
#include "mha/Dialect/MHA/Utils/Modifiers.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/DialectConversion.h"

#include <array>
#include <limits>

#define DEBUG_TYPE "convert-mha-to-linalg"

namespace mlir::mha {
#define GEN_PASS_DEF_CONVERTMHATOLINALG
#include "mha/Conversion/Passes.h.inc"
} // namespace mlir::mha

using namespace mlir;
using namespace mlir::mha;

namespace {
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

/// Map from the iteration space `(d0..d<numDims-1>)` to `results`.
AffineMap exprsMap(MLIRContext *ctx, unsigned numDims,
                   ArrayRef<AffineExpr> results) {
  return AffineMap::get(numDims, /*symbolCount=*/0, results, ctx);
}

/// The steps of the reference lowering of one mha.attention, each one
/// `linalg.generic` over the materialised [B, H, Sq, Skv] scores or their
/// [B, H, Sq] row statistics, all in f32. Iteration spaces are
/// (b, h, i, j) for scores and (b, h, i, j|e, reduction) for contractions.
class ReferenceAttention {
public:
  ReferenceAttention(OpBuilder &b, Location loc, AttentionOp op,
                     const AttentionShape &shape, Value q, Value k, Value v,
                     Value mask, Value alibi, Value sinks)
      : b(b), loc(loc), ctx(b.getContext()), op(op), shape(shape), q(q), k(k),
        v(v), mask(mask), alibi(alibi), sinks(sinks),
        sizes(shape.getSizes(b, loc, q, k)), zero(f32Constant(b, loc, 0.0f)),
        negInf(f32Constant(b, loc, -std::numeric_limits<float>::infinity())) {
    bindDims(ctx, d0, d1, d2, d3, d4);
    id4 = b.getMultiDimIdentityMap(4);
    row4 = exprsMap(ctx, 4, {d0, d1, d2});
    head4 = exprsMap(ctx, 4, {d1});
  }

  /// scores[b,h,i,j] = sum_d q[b,h,i,d] * k[b,h/G,j,d] over (b,h,i,j,d).
  Value buildScores() {
    Value init = filledTensor(b, loc, sizes.getScoreSizes(), zero);
    return buildHeadContraction(q, k, {d3, d4}, init);
  }

  /// scale, softcap, ALiBi, score_mod, then the masks (mask operand,
  /// causal, window, mask_mod), elementwise and in place on the scores. The
  /// modifier regions are inlined with (b, h, i, j) = linalg.index 0..3.
  Value buildScaledAndMasked(Value scores) {
    Value scale = f32Constant(b, loc, static_cast<float>(shape.scale));
    // i' - i = Skv - Sq: the bottom-right alignment of causal, window, ALiBi.
    Value alignOffset = shape.needsAlignedQuery()
                            ? indexSub(b, loc, sizes.skv, sizes.sq)
                            : Value();
    SmallVector<Value> inputs;
    SmallVector<AffineMap> maps;
    if (mask) {
      inputs.push_back(mask);
      maps.push_back(exprsMap(ctx, 4, shape.getMaskIndices({d0, d1, d2, d3})));
    }
    if (alibi) {
      inputs.push_back(alibi);
      maps.push_back(head4);
    }
    maps.push_back(id4);
    bool boolMask = shape.hasBoolMask();
    return generic(
        b, loc, inputs, scores, maps, {kPar, kPar, kPar, kPar},
        [&](OpBuilder &nb, Location l, ValueRange args) {
          Value s = arith::MulFOp::create(nb, l, scale, args.back());
          if (shape.softcap)
            s = softcapScore(nb, l, s, *shape.softcap);
          // The aligned query position i' and the key j, built on first use.
          Value ip, j;
          auto aligned = [&] {
            if (ip)
              return;
            Value i = linalg::IndexOp::create(nb, l, 2);
            j = linalg::IndexOp::create(nb, l, 3);
            ip = arith::AddIOp::create(nb, l, i, alignOffset);
          };
          if (alibi) {
            aligned();
            s = arith::AddFOp::create(
                nb, l, s, alibiBias(nb, l, args[mask ? 1 : 0], j, ip));
          }
          // The raw (b, h, q_idx, kv_idx) of the modifiers, built once.
          SmallVector<Value> idx;
          auto indices = [&]() -> ValueRange {
            if (idx.empty())
              for (unsigned d = 0; d < 4; ++d)
                idx.push_back(linalg::IndexOp::create(nb, l, d));
            return idx;
          };
          if (op.hasScoreMod())
            s = inlineScoreMod(nb, l, op, s, indices());
          if (mask && boolMask)
            s = arith::SelectOp::create(nb, l, args[0], s, negInf);
          else if (mask)
            s = arith::AddFOp::create(nb, l, s, toF32(nb, l, args[0]));
          if (alignOffset)
            aligned();
          if (shape.causal) {
            Value hidden =
                arith::CmpIOp::create(nb, l, arith::CmpIPredicate::sgt, j, ip);
            s = arith::SelectOp::create(nb, l, hidden, negInf, s);
          }
          if (Value hidden = isOutsideWindow(nb, l, ip, j, shape.windowLeft,
                                             shape.windowRight))
            s = arith::SelectOp::create(nb, l, hidden, negInf, s);
          if (op.hasMaskMod())
            s = arith::SelectOp::create(
                nb, l, inlineMaskMod(nb, l, op, indices()), s, negInf);
          return s;
        });
  }

  /// The row max over j, starting from the row's sink logit when there are
  /// sinks (so that exp(sink - max) cannot overflow).
  Value buildRowMax(Value scores) {
    Value init = filledTensor(b, loc, rowSizes(), negInf);
    if (sinks)
      init = generic(b, loc, sinks, init,
                     {exprsMap(ctx, 3, {d1}), b.getMultiDimIdentityMap(3)},
                     {kPar, kPar, kPar},
                     [](OpBuilder &, Location, ValueRange args) -> Value {
                       return args[0];
                     });
    return generic(b, loc, scores, init, {id4, row4}, {kPar, kPar, kPar, kRed},
                   [](OpBuilder &nb, Location l, ValueRange args) -> Value {
                     return arith::MaximumFOp::create(nb, l, args[0], args[1]);
                   });
  }

  /// p = exp(s - max), in place on the scores. A row that sees no key has
  /// max = -inf; subtracting 0 instead keeps every p at exp(-inf) = 0 rather
  /// than NaN.
  Value buildProbabilities(Value scores, Value rowMax) {
    return generic(
        b, loc, rowMax, scores, {row4, id4}, {kPar, kPar, kPar, kPar},
        [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
          Value empty = arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OEQ,
                                              args[0], negInf);
          Value m = arith::SelectOp::create(nb, l, empty, zero, args[0]);
          return math::ExpOp::create(nb, l,
                                     arith::SubFOp::create(nb, l, args[1], m));
        });
  }

  /// The row sum over j.
  Value buildRowSum(Value probs) {
    Value init = filledTensor(b, loc, rowSizes(), zero);
    return generic(b, loc, probs, init, {id4, row4}, {kPar, kPar, kPar, kRed},
                   [](OpBuilder &nb, Location l, ValueRange args) -> Value {
                     return arith::AddFOp::create(nb, l, args[0], args[1]);
                   });
  }

  /// The softmax denominator: the row sum plus exp(sink - max) with sinks.
  Value buildDenominator(Value rowSum, Value rowMax) {
    if (!sinks)
      return rowSum;
    AffineMap id3 = b.getMultiDimIdentityMap(3);
    return generic(b, loc, ValueRange{sinks, rowMax}, rowSum,
                   {exprsMap(ctx, 3, {d1}), id3, id3}, {kPar, kPar, kPar},
                   [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
                     Value e = math::ExpOp::create(
                         nb, l, arith::SubFOp::create(nb, l, args[0], args[1]));
                     return arith::AddFOp::create(nb, l, args[2], e);
                   });
  }

  /// lse = max + log(sum) over the visible keys (the sink excluded): -inf
  /// for rows that see no key (sum = 0), where max is taken as 0 as in
  /// buildProbabilities.
  Value buildLogSumExp(Value rowSum, Value rowMax, RankedTensorType lseType) {
    AffineMap id3 = b.getMultiDimIdentityMap(3);
    Value init = emptyTensor(b, loc, lseType, rowSizes());
    return generic(b, loc, ValueRange{rowSum, rowMax}, init, {id3, id3, id3},
                   {kPar, kPar, kPar},
                   [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
                     Value empty = arith::CmpFOp::create(
                         nb, l, arith::CmpFPredicate::OEQ, args[1], negInf);
                     Value m =
                         arith::SelectOp::create(nb, l, empty, zero, args[1]);
                     Value log = math::LogOp::create(nb, l, args[0]);
                     return arith::AddFOp::create(nb, l, m, log);
                   });
  }

  /// acc[b,h,i,e] = sum_j p[b,h,i,j] * v[b,h/G,j,e] over (b,h,i,e,j).
  Value buildWeightedValues(Value probs) {
    Value init = filledTensor(b, loc, sizes.getResultSizes(), zero);
    return buildHeadContraction(probs, v, {d4, d3}, init);
  }

  /// o = acc / sum in `resultType`, 0 for rows without a visible key
  /// (sum == 0, acc == 0).
  Value buildNormalized(Value acc, Value rowSum, RankedTensorType resultType) {
    Value out = emptyTensor(b, loc, resultType, sizes.getResultSizes());
    Type elemType = resultType.getElementType();
    return generic(b, loc, ValueRange{acc, rowSum}, out, {id4, row4, id4},
                   {kPar, kPar, kPar, kPar},
                   [&](OpBuilder &nb, Location l, ValueRange args) {
                     return divideOrZero(nb, l, args[0], args[1], zero,
                                         elemType);
                   });
  }

private:
  /// init[b,h,i,x] += lhs[b,h,i,y] * rhs[b,h/G,...] over the loops
  /// (b,h,i,x,y) = (d0..d4), where `rhsRows` indexes the last two dims of the
  /// K/V operand `rhs`: (x, y) for K, (y, x) for V.
  Value buildHeadContraction(Value lhs, Value rhs,
                             std::array<AffineExpr, 2> rhsRows, Value init) {
    return contraction(
        b, loc, lhs, rhs, init,
        {exprsMap(ctx, 5, {d0, d1, d2, d4}),
         exprsMap(ctx, 5, {d0, shape.getKvHead(d1), rhsRows[0], rhsRows[1]}),
         exprsMap(ctx, 5, {d0, d1, d2, d3})},
        {kPar, kPar, kPar, kPar, kRed});
  }

  SmallVector<OpFoldResult> rowSizes() const {
    return {sizes.batch, sizes.numHeads, sizes.sq};
  }

  OpBuilder &b;
  Location loc;
  MLIRContext *ctx;
  AttentionOp op;
  const AttentionShape &shape;
  Value q, k, v, mask, alibi, sinks;
  AttentionSizes sizes;
  /// f32 constants.
  Value zero, negInf;
  AffineExpr d0, d1, d2, d3, d4;
  /// (b, h, i, j) -> (b, h, i, j), -> (b, h, i) and -> (h).
  AffineMap id4, row4, head4;
};

struct AttentionOpLowering : OpConversionPattern<AttentionOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(AttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    AttentionShape shape = AttentionShape::get(op);
    ReferenceAttention lowering(rewriter, op.getLoc(), op, shape,
                                adaptor.getQuery(), adaptor.getKey(),
                                adaptor.getValue(), adaptor.getMask(),
                                adaptor.getAlibi(), adaptor.getSinks());
    Value scores = lowering.buildScores();
    scores = lowering.buildScaledAndMasked(scores);
    Value rowMax = lowering.buildRowMax(scores);
    Value probs = lowering.buildProbabilities(scores, rowMax);
    Value rowSum = lowering.buildRowSum(probs);
    Value acc = lowering.buildWeightedValues(probs);
    Value den = lowering.buildDenominator(rowSum, rowMax);
    SmallVector<Value> results = {
        lowering.buildNormalized(acc, den, op.getResult().getType())};
    if (shape.returnsLse)
      results.push_back(lowering.buildLogSumExp(
          rowSum, rowMax, cast<RankedTensorType>(op.getLse().getType())));
    rewriter.replaceOp(op, results);
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
