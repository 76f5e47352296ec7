//===- SplitKV.cpp - mha-split-kv -----------------------------------------===//
//
// Flash-decoding: rewrites an mha.attention with a short static query
// sequence into partial attentions over disjoint kv ranges, computed in
// parallel over (batch, head, split) with the online-softmax kv loop of
// mha-tile-attention, then combined with log-sum-exp.
//
//===----------------------------------------------------------------------===//

#include "mha/Dialect/MHA/IR/MHAOps.h"
#include "mha/Dialect/MHA/Transforms/Passes.h"
#include "mha/Dialect/MHA/Utils/AttentionShape.h"
#include "mha/Dialect/MHA/Utils/BuilderUtils.h"

#include "OnlineSoftmax.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

#include <limits>

#define DEBUG_TYPE "mha-split-kv"

namespace mlir::mha {
#define GEN_PASS_DEF_MHASPLITKV
#include "mha/Dialect/MHA/Transforms/Passes.h.inc"
} // namespace mlir::mha

using namespace mlir;
using namespace mlir::mha;

namespace {
using utils::IteratorType;

/// The split count of `kv-splits = 0`: enough parallel workers for a few
/// cores even when B * H is 1. Splits beyond the kv tiles are empty and cost
/// only their share of the combine.
constexpr int64_t kAutomaticKvSplits = 8;

/// An f32 `tensor.empty` of `sizes`.
Value emptyF32(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes) {
  return tensor::EmptyOp::create(b, loc, sizes, b.getF32Type());
}

struct SplitKVPattern : OpRewritePattern<AttentionOp> {
  SplitKVPattern(MLIRContext *ctx, int64_t splits, int64_t splitMaxSq,
                 int64_t kvTile)
      : OpRewritePattern(ctx, /*benefit=*/1), splits(splits),
        splitMaxSq(splitMaxSq), kvTile(kvTile) {}

  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override {
    // The combine knows neither sinks nor lse, and the window trims per
    // split; mha-tile-attention lowers such ops whole.
    if (op.hasVariants())
      return rewriter.notifyMatchFailure(op, "attention variants are not "
                                             "split");
    int64_t sq = AttentionShape::get(op).sq;
    if (ShapedType::isDynamic(sq) || sq > splitMaxSq || sq <= 0)
      return rewriter.notifyMatchFailure(op,
                                         "needs a static Sq <= split-max-sq");

    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    // One query tile holding every query.
    flash::AttentionTiling t =
        flash::getAttentionTiling(rewriter, op, /*qTile=*/sq, kvTile);
    int64_t kvt = t.kvt;
    OpFoldResult batchSize = t.sizes.batch, headsSize = t.sizes.numHeads,
                 sqSize = t.sizes.sq;
    OpFoldResult splitsSize = rewriter.getIndexAttr(splits);
    OpFoldResult zeroIdx = rewriter.getIndexAttr(0),
                 oneIdx = rewriter.getIndexAttr(1);

    // chunk = ceil(ceil(Skv / splits) / kvt) * kvt: whole kv tiles per split,
    // so that each split starts on a tile boundary.
    AffineExpr d0, s0;
    bindDims(ctx, d0);
    bindSymbols(ctx, s0);
    OpFoldResult chunk = affine::makeComposedFoldedAffineApply(
        rewriter, loc, s0.ceilDiv(splits).ceilDiv(kvt) * kvt, {t.sizes.skv});

    // Partial results: per split, the running max and sum [B, H, splits, Sq]
    // and the unnormalised accumulator [B, H, splits, Sq, Dv], all f32.
    Value mInit =
        emptyF32(rewriter, loc, {batchSize, headsSize, splitsSize, sqSize});
    Value lInit =
        emptyF32(rewriter, loc, {batchSize, headsSize, splitsSize, sqSize});
    Value accInit =
        emptyF32(rewriter, loc,
                 {batchSize, headsSize, splitsSize, sqSize, t.sizes.valueDim});

    auto forall = scf::ForallOp::create(
        rewriter, loc, ArrayRef<OpFoldResult>{batchSize, headsSize, splitsSize},
        ValueRange{mInit, lInit, accInit}, /*mapping=*/std::nullopt);
    {
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPoint(forall.getTerminator());
      Value bIv = forall.getInductionVars()[0];
      Value hIv = forall.getInductionVars()[1];
      Value sIv = forall.getInductionVars()[2];
      OpFoldResult kvBegin = affine::makeComposedFoldedAffineApply(
          rewriter, loc, d0 * s0, {OpFoldResult(sIv), chunk});
      OpFoldResult splitEnd = affine::makeComposedFoldedAffineApply(
          rewriter, loc, (d0 + 1) * s0, {OpFoldResult(sIv), chunk});
      flash::OnlineSoftmaxState st = flash::buildOnlineSoftmax(
          rewriter, loc, t, bIv, hIv, zeroIdx, sqSize, kvBegin, splitEnd);

      rewriter.setInsertionPointToEnd(forall.getTerminator().getBody());
      ValueRange outs = forall.getRegionIterArgs();
      SmallVector<OpFoldResult> rowOffsets = {bIv, hIv, sIv, zeroIdx};
      SmallVector<OpFoldResult> rowSizes = {oneIdx, oneIdx, oneIdx, sqSize};
      SmallVector<OpFoldResult> ones4(4, oneIdx), ones5(5, oneIdx);
      tensor::ParallelInsertSliceOp::create(rewriter, loc, st.m, outs[0],
                                            rowOffsets, rowSizes, ones4);
      tensor::ParallelInsertSliceOp::create(rewriter, loc, st.l, outs[1],
                                            rowOffsets, rowSizes, ones4);
      tensor::ParallelInsertSliceOp::create(
          rewriter, loc, st.acc, outs[2],
          ArrayRef<OpFoldResult>{bIv, hIv, sIv, zeroIdx, zeroIdx},
          ArrayRef<OpFoldResult>{oneIdx, oneIdx, oneIdx, sqSize,
                                 t.sizes.valueDim},
          ones5);
    }
    Value mPart = forall.getResult(0), lPart = forall.getResult(1),
          accPart = forall.getResult(2);

    // Combine. M = max_s m_s.
    Value lowest =
        f32Constant(rewriter, loc, std::numeric_limits<float>::lowest());
    Value zero = t.zero;
    SmallVector<OpFoldResult> rowSizes = {batchSize, headsSize, sqSize};
    Value maxInit = filledTensor(rewriter, loc, rowSizes, lowest);
    // Dims (b, h, i, s).
    AffineMap part4 = dimsMap(ctx, 4, {0, 1, 3, 2});
    AffineMap row4 = dimsMap(ctx, 4, {0, 1, 2});
    Value mMax = generic(
        rewriter, loc, mPart, maxInit, {part4, row4}, {kPar, kPar, kPar, kRed},
        [](OpBuilder &b, Location l, ValueRange args) {
          return arith::MaxNumFOp::create(b, l, args[0], args[1]);
        });
    // w_s = exp(m_s - M), in place on the partial maxima.
    AffineMap id4 = rewriter.getMultiDimIdentityMap(4);
    AffineMap rowOfPart = dimsMap(ctx, 4, {0, 1, 3});
    Value weights = generic(
        rewriter, loc, mMax, mPart, {rowOfPart, id4}, {kPar, kPar, kPar, kPar},
        [](OpBuilder &b, Location l, ValueRange args) -> Value {
          return math::ExpOp::create(
              b, l, arith::SubFOp::create(b, l, args[1], args[0]));
        });
    // L = sum_s l_s * w_s.
    Value sumInit = filledTensor(rewriter, loc, rowSizes, zero);
    Value rowSum = contraction(rewriter, loc, lPart, weights, sumInit,
                               {part4, part4, row4}, {kPar, kPar, kPar, kRed});
    // O = sum_s acc_s * w_s, dims (b, h, i, e, s).
    SmallVector<OpFoldResult> outSizes = t.sizes.getResultSizes();
    Value accInit2 = filledTensor(rewriter, loc, outSizes, zero);
    Value acc = contraction(rewriter, loc, accPart, weights, accInit2,
                            {dimsMap(ctx, 5, {0, 1, 4, 2, 3}),
                             dimsMap(ctx, 5, {0, 1, 4, 2}),
                             dimsMap(ctx, 5, {0, 1, 2, 3})},
                            {kPar, kPar, kPar, kPar, kRed});
    // o = L == 0 ? 0 : O / L, truncated to the result type.
    auto resultType = op.getResult().getType();
    Type elemType = resultType.getElementType();
    Value init = emptyTensor(rewriter, loc, resultType, outSizes);
    AffineMap id4o = rewriter.getMultiDimIdentityMap(4);
    Value o = generic(
        rewriter, loc, ValueRange{acc, rowSum}, init,
        {id4o, dimsMap(ctx, 4, {0, 1, 2}), id4o}, {kPar, kPar, kPar, kPar},
        [&](OpBuilder &b, Location l, ValueRange args) {
          return divideOrZero(b, l, args[0], args[1], zero, elemType);
        });
    rewriter.replaceOp(op, o);
    return success();
  }

  /// Resolved: at least 2.
  int64_t splits;
  int64_t splitMaxSq, kvTile;
};

struct MHASplitKVPass : mha::impl::MHASplitKVBase<MHASplitKVPass> {
  using MHASplitKVBase::MHASplitKVBase;

  void runOnOperation() override {
    int64_t n = kvSplits, kv = kvTile;
    if (n < 0 || kv <= 0) {
      getOperation()->emitError()
          << "mha-split-kv: kv-splits must not be negative and kv-tile must "
             "be positive, got kv-splits="
          << n << " kv-tile=" << kv;
      return signalPassFailure();
    }
    RewritePatternSet patterns(&getContext());
    populateSplitKVPatterns(patterns, kvSplits, splitMaxSq, kvTile);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};
} // namespace

void mlir::mha::populateSplitKVPatterns(RewritePatternSet &patterns,
                                        int64_t kvSplits, int64_t splitMaxSq,
                                        int64_t kvTile) {
  assert(kvSplits >= 0 && kvTile > 0 && "invalid mha-split-kv options");
  int64_t splits = kvSplits == 0 ? kAutomaticKvSplits : kvSplits;
  if (splits == 1)
    return;
  patterns.add<SplitKVPattern>(patterns.getContext(), splits, splitMaxSq,
                               kvTile);
}
