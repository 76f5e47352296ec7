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
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <limits>
#include <optional>

#define DEBUG_TYPE "mha-split-kv"

namespace mlir::mha {
#define GEN_PASS_DEF_MHASPLITKV
#include "mha/Dialect/MHA/Transforms/Passes.h.inc"
} // namespace mlir::mha

using namespace mlir;
using namespace mlir::mha;

namespace {
using utils::IteratorType;

/// An f32 `tensor.empty` of `sizes`.
Value emptyF32(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes) {
  return tensor::EmptyOp::create(b, loc, sizes, b.getF32Type());
}

/// Whether a variant of `op` changes scores or masks element by element
/// with the (query, head) of the row: window, ALiBi, score_mod, mask_mod.
/// Packed rows (several heads) and keys in lanes do not support those.
bool hasRowVariants(AttentionOp op, const AttentionShape &s) {
  return s.hasWindow() || op.getAlibi() || op.hasScoreMod() || op.hasMaskMod();
}

/// Whether the queries of one GQA group can be the rows of one tile (see
/// flash::buildOnlineSoftmax): causal only with one query (bottom-right
/// causal hides nothing from the last query), a mask must give every
/// packed row its own row or all of them the same one, and no variant may
/// depend on the row's head or query (softcap, sinks and lse may: sinks and
/// lse are per row after the loop).
bool canPackHeads(AttentionOp op, const AttentionShape &s) {
  if (s.group <= 1 || hasRowVariants(op, s))
    return false;
  if (s.causal && s.sq != 1)
    return false;
  if (s.hasMask() && s.sq != 1 && s.isMaskBroadcast(1) != s.isMaskBroadcast(2))
    return false;
  return true;
}

/// Most splits the cost model picks (a dynamic Skv is bounded by nothing
/// else): more than any CPU has workers.
constexpr int64_t kMaxAutomaticSplits = 1024;

/// Bytes of K and V that one (batch, K/V head) reads, or nullopt for a
/// dynamic Skv.
std::optional<int64_t> kvBytesPerHead(const AttentionShape &s) {
  if (!s.hasStaticSkv())
    return std::nullopt;
  int64_t elt = std::max<int64_t>(1, s.elementType.getIntOrFloatBitWidth() / 8);
  return s.skv * (s.headDim + s.valueDim) * elt;
}

/// The split count of `kv-splits = 0`, from a cost model of a memory-bound
/// decode step on `threads` workers (see docs/cpu-codegen.md):
///  - the unsplit kernel has tasks = B * (heads per task) equal tasks; with
///    `s` splits each of the tasks * s pieces streams 1/s of a head, and the
///    workers finish after ceildiv(tasks * s, threads) rounds of pieces:
///    time(s) ~ ceildiv(tasks * s, threads) / s heads. The count taken is
///    the smallest s of least time, so splits are added only while they
///    fill idle workers: none once tasks is a multiple of threads, enough to
///    give every worker a task when there are fewer tasks than workers, and
///    a few to even out the last round otherwise (8 tasks on 6 workers take
///    2 rounds unsplit, 4/3 with 3 splits);
///  - each split must stream at least `minSplitBytes` of K/V, so that its
///    fixed cost (a task of the parallel loop, its scratch tiles, its share
///    of the combine: a few microseconds) stays small next to its streaming
///    time. Short caches get fewer splits, down to 1: small shapes never pay
///    for a split that cannot pay off.
/// A dynamic B counts as 1 (the decode case); a dynamic Skv is assumed long.
int64_t automaticSplits(const AttentionShape &s, int64_t headsPerBatch,
                        int64_t threads, int64_t minSplitBytes,
                        int64_t kvTile) {
  int64_t batch = ShapedType::isDynamic(s.batch) ? 1 : s.batch;
  int64_t tasks = batch * headsPerBatch;
  if (tasks % threads == 0)
    return 1;
  // At most `threads` splits (they balance any task count) and
  // kMaxAutomaticSplits (the partial tensors grow with the count).
  int64_t most = std::min(threads, kMaxAutomaticSplits);
  if (std::optional<int64_t> bytes = kvBytesPerHead(s)) {
    most = std::min(most, *bytes / minSplitBytes);
    most = std::min(most, llvm::divideCeilSigned(s.skv, kvTile));
  }
  // time(s) = rounds(s) / s, compared as rounds(s) * best < rounds(best) * s.
  int64_t best = 1;
  auto rounds = [&](int64_t n) {
    return llvm::divideCeilSigned(tasks * n, threads);
  };
  for (int64_t n = 2; n <= most; ++n)
    if (rounds(n) * best < rounds(best) * n)
      best = n;
  return best;
}

/// Vector ops of one polynomial exp (its temporaries and steps).
constexpr int64_t kExpVectorOps = 20;

/// Whether a decode tile of `rows` queries should keep its keys in the
/// vector lanes of `width` f32 (scores [rows, keys], K packed as K^T) rather
/// than its rows (scores [keys, rows]), from the vector ops per key of each
/// layout (docs/cpu-codegen.md, "Keys in lanes"):
///  - [keys, rows]: ceildiv(rows, width) vectors of rows, each D broadcast
///    FMAs (S^T = K . Q^T) and an exp;
///  - [rows, keys]: the transpose of the K tile (per width x width block
///    `width` loads and stores and log2(width) shuffles per row), and per row
///    D / width FMAs, and 1 / width of an exp, a max and a sum.
/// P . V is the same FMA micro-kernel in both. Only attention without a
/// causal mask (or a single query, which it hides nothing from) and a static
/// D that `width` divides (whole transposed blocks) qualify.
bool keysInLanes(const AttentionShape &s, int64_t rows, int64_t width) {
  if (width <= 1 || (s.causal && s.sq != 1) ||
      ShapedType::isDynamic(s.headDim) || s.headDim % width != 0)
    return false;
  int64_t d = s.headDim;
  int64_t rowLanes = llvm::divideCeilSigned(rows, width) * (d + kExpVectorOps);
  int64_t transpose = d * (2 + llvm::Log2_64_Ceil(width));
  int64_t keyLanes =
      llvm::divideCeilSigned(transpose + rows * (d + kExpVectorOps + 2), width);
  return keyLanes < rowLanes;
}

struct SplitKVPattern : OpRewritePattern<AttentionOp> {
  SplitKVPattern(MLIRContext *ctx, const MHASplitKVOptions &options,
                 int64_t threads)
      : OpRewritePattern(ctx, /*benefit=*/1), options(options),
        threads(threads) {}

  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override {
    AttentionShape shape = AttentionShape::get(op);
    int64_t sq = shape.sq;
    if (ShapedType::isDynamic(sq) || sq > options.splitMaxSq || sq <= 0)
      return rewriter.notifyMatchFailure(op,
                                         "needs a static Sq <= split-max-sq");
    // One task per K/V head with its group's queries packed, else per head.
    int64_t group =
        options.packHeads && canPackHeads(op, shape) ? shape.group : 1;
    // Keys in lanes: not with softcap or the row variants (the kv loop
    // builds those on [keys, rows] tiles only).
    bool keyLanes = !shape.softcap && !hasRowVariants(op, shape) &&
                    keysInLanes(shape, group * sq, options.vectorWidth);
    int64_t kvt = std::max<int64_t>(1, shape.hasStaticSkv()
                                           ? std::min(options.kvTile, shape.skv)
                                           : options.kvTile);
    // Keys in lanes: whole vectors of keys per tile (a short cache gets one
    // padded tile).
    if (keyLanes)
      kvt = llvm::alignTo(kvt, options.vectorWidth);
    int64_t splits = options.kvSplits != 0
                         ? options.kvSplits
                         : automaticSplits(shape, shape.numHeads / group,
                                           threads, options.minSplitBytes, kvt);
    if (splits == 1 && group == 1 && !keyLanes)
      return rewriter.notifyMatchFailure(
          op, "one split of one head: left for mha-tile-attention");

    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    // One query tile holding every query (of the group).
    flash::AttentionTiling t =
        flash::getAttentionTiling(rewriter, op, /*qTile=*/sq, options.kvTile);
    if (keyLanes) {
      t.kvt = kvt;
      t.fullKvTiles = shape.hasStaticSkv() && shape.skv % kvt == 0;
    }
    if (sq == 1) {
      // Bottom-right causal hides no key from a single query.
      t.shape.causal = false;
      t.causalOffset = {};
    }
    // A data-dependent mask_mod: the class of every (query tile, kv tile),
    // up front. Splits start on kv tiles, so each split reads its own.
    flash::buildMaskTileTable(rewriter, loc, t);
    OpFoldResult batchSize = t.sizes.batch, headsSize = t.sizes.numHeads,
                 sqSize = t.sizes.sq, dvSize = t.sizes.valueDim;
    OpFoldResult taskHeads = rewriter.getIndexAttr(shape.numHeads / group);
    OpFoldResult groupSize = rewriter.getIndexAttr(group);
    OpFoldResult rows = rewriter.getIndexAttr(group * sq);
    OpFoldResult zeroIdx = rewriter.getIndexAttr(0),
                 oneIdx = rewriter.getIndexAttr(1);
    AffineExpr d0, s0;
    bindDims(ctx, d0);
    bindSymbols(ctx, s0);
    // The task's first query head.
    auto firstHead = [&](Value hIv) -> OpFoldResult {
      return affine::makeComposedFoldedAffineApply(rewriter, loc, d0 * group,
                                                   {OpFoldResult(hIv)});
    };
    // The [group * Sq, ...] state of a task as [group, Sq, ...] (the rows
    // are head-major).
    auto unpackRows = [&](Value v) -> Value {
      if (group == 1)
        return v;
      auto type = cast<RankedTensorType>(v.getType());
      SmallVector<int64_t> shape2 = {group, sq};
      llvm::append_range(shape2, type.getShape().drop_front());
      SmallVector<ReassociationIndices> assoc = {{0, 1}};
      for (int64_t i = 1; i < type.getRank(); ++i)
        assoc.push_back({i + 1});
      return tensor::ExpandShapeOp::create(
          rewriter, loc, RankedTensorType::get(shape2, type.getElementType()),
          v, assoc);
    };

    // The [group * Sq] values of a per-head [H] tensor for the task's rows:
    // row r belongs to head h0 + r / Sq.
    auto perRow = [&](Value perHead, OpFoldResult h0) -> Value {
      Value heads = tensor::ExtractSliceOp::create(
          rewriter, loc, RankedTensorType::get({group}, rewriter.getF32Type()),
          perHead, ArrayRef<OpFoldResult>{h0},
          ArrayRef<OpFoldResult>{groupSize}, ArrayRef<OpFoldResult>{oneIdx});
      Value rows2 = generic(
          rewriter, loc, heads, emptyF32(rewriter, loc, {groupSize, sqSize}),
          {dimsMap(ctx, 2, {0}), rewriter.getMultiDimIdentityMap(2)},
          {kPar, kPar},
          [](OpBuilder &, Location, ValueRange args) { return args[0]; });
      return tensor::CollapseShapeOp::create(
          rewriter, loc, rows2, SmallVector<ReassociationIndices>{{0, 1}});
    };
    Value negInf = t.negInf;
    // lse = m + log(l), -inf where no key was visible (l = 0).
    auto logSumExp = [&](OpBuilder &b, Location l, Value m, Value sum) {
      Value empty =
          arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ, sum, t.zero);
      Value v = arith::AddFOp::create(b, l, m, math::LogOp::create(b, l, sum));
      return arith::SelectOp::create(b, l, empty, negInf, v).getResult();
    };

    if (splits == 1) {
      // Packed heads, no split: normalise in the task, into the result.
      auto resultType = op.getResult().getType();
      Type elemType = resultType.getElementType();
      SmallVector<Value> inits = {
          emptyTensor(rewriter, loc, resultType, t.sizes.getResultSizes())};
      if (Value lse = op.getLse())
        inits.push_back(emptyTensor(rewriter, loc,
                                    cast<RankedTensorType>(lse.getType()),
                                    {batchSize, headsSize, sqSize}));
      auto forall = scf::ForallOp::create(
          rewriter, loc, ArrayRef<OpFoldResult>{batchSize, taskHeads}, inits,
          /*mapping=*/std::nullopt);
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPoint(forall.getTerminator());
      Value bIv = forall.getInductionVars()[0];
      Value hIv = forall.getInductionVars()[1];
      OpFoldResult h0 = firstHead(hIv);
      Value h0Val = getValueOrCreateConstantIndexOp(rewriter, loc, h0);
      flash::OnlineSoftmaxState st = flash::buildOnlineSoftmax(
          rewriter, loc, t, bIv, h0Val, zeroIdx, rows, {}, {}, group, keyLanes,
          options.prefetchTiles);
      Value zero = t.zero;
      AffineMap id1 = rewriter.getMultiDimIdentityMap(1);
      AffineMap id2 = rewriter.getMultiDimIdentityMap(2);
      AffineMap rowOf2 = AffineMap::get(2, 0, {d0}, ctx);
      // One reciprocal per row, then o = l == 0 ? 0 : acc * (1 / l). A sink
      // adds exp(sink - m) to l.
      SmallVector<Value> invInputs = {st.l};
      if (Value sinks = op.getSinks())
        invInputs.append({st.m, perRow(sinks, h0)});
      SmallVector<AffineMap> invMaps(invInputs.size() + 1, id1);
      Value inverse = generic(
          rewriter, loc, invInputs, st.row, invMaps, {kPar},
          [&](OpBuilder &b, Location l, ValueRange args) -> Value {
            Value den = args[0];
            if (args.size() > 2)
              den = arith::AddFOp::create(
                  b, l, den,
                  math::ExpOp::create(
                      b, l, arith::SubFOp::create(b, l, args[2], args[1])));
            return arith::DivFOp::create(b, l, f32Constant(b, l, 1.0f), den);
          });
      Value init = tensor::EmptyOp::create(
          rewriter, loc, ArrayRef<OpFoldResult>{rows, dvSize}, elemType);
      Value o = generic(rewriter, loc, ValueRange{st.acc, st.l, inverse}, init,
                        {id2, rowOf2, rowOf2, id2}, {kPar, kPar},
                        [&](OpBuilder &b, Location l, ValueRange args) {
                          Value empty = arith::CmpFOp::create(
                              b, l, arith::CmpFPredicate::OEQ, args[1], zero);
                          Value r =
                              arith::MulFOp::create(b, l, args[0], args[2]);
                          r = arith::SelectOp::create(b, l, empty, zero, r);
                          if (elemType != rewriter.getF32Type())
                            r = arith::TruncFOp::create(b, l, elemType, r);
                          return r;
                        });
      o = unpackRows(o);
      Value lse;
      if (op.getLse())
        lse = unpackRows(
            generic(rewriter, loc, ValueRange{st.m, st.l},
                    emptyF32(rewriter, loc, {rows}), {id1, id1, id1}, {kPar},
                    [&](OpBuilder &b, Location l, ValueRange args) {
                      return logSumExp(b, l, args[0], args[1]);
                    }));
      rewriter.setInsertionPointToEnd(forall.getTerminator().getBody());
      tensor::ParallelInsertSliceOp::create(
          rewriter, loc, o, forall.getRegionIterArgs()[0],
          ArrayRef<OpFoldResult>{bIv, h0, zeroIdx, zeroIdx},
          ArrayRef<OpFoldResult>{oneIdx, groupSize, sqSize, dvSize},
          SmallVector<OpFoldResult>(4, oneIdx));
      if (lse)
        tensor::ParallelInsertSliceOp::create(
            rewriter, loc, lse, forall.getRegionIterArgs()[1],
            ArrayRef<OpFoldResult>{bIv, h0, zeroIdx},
            ArrayRef<OpFoldResult>{oneIdx, groupSize, sqSize},
            SmallVector<OpFoldResult>(3, oneIdx));
      rewriter.replaceOp(op, forall.getResults());
      return success();
    }

    OpFoldResult splitsSize = rewriter.getIndexAttr(splits);
    // chunk = ceil(ceil(Skv / splits) / kvt) * kvt: whole kv tiles per split,
    // so that each split starts on a tile boundary.
    OpFoldResult chunk = affine::makeComposedFoldedAffineApply(
        rewriter, loc, s0.ceilDiv(splits).ceilDiv(t.kvt) * t.kvt,
        {t.sizes.skv});

    // Partial results: per split, the running max and sum [B, H, splits, Sq]
    // and the unnormalised accumulator [B, H, splits, Sq, Dv], all f32.
    Value mInit =
        emptyF32(rewriter, loc, {batchSize, headsSize, splitsSize, sqSize});
    Value lInit =
        emptyF32(rewriter, loc, {batchSize, headsSize, splitsSize, sqSize});
    Value accInit = emptyF32(
        rewriter, loc, {batchSize, headsSize, splitsSize, sqSize, dvSize});

    auto forall = scf::ForallOp::create(
        rewriter, loc, ArrayRef<OpFoldResult>{batchSize, taskHeads, splitsSize},
        ValueRange{mInit, lInit, accInit}, /*mapping=*/std::nullopt);
    {
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPoint(forall.getTerminator());
      Value bIv = forall.getInductionVars()[0];
      Value hIv = forall.getInductionVars()[1];
      Value sIv = forall.getInductionVars()[2];
      OpFoldResult h0 = group == 1 ? OpFoldResult(hIv) : firstHead(hIv);
      Value h0Val = getValueOrCreateConstantIndexOp(rewriter, loc, h0);
      OpFoldResult kvBegin = affine::makeComposedFoldedAffineApply(
          rewriter, loc, d0 * s0, {OpFoldResult(sIv), chunk});
      OpFoldResult splitEnd = affine::makeComposedFoldedAffineApply(
          rewriter, loc, (d0 + 1) * s0, {OpFoldResult(sIv), chunk});
      flash::OnlineSoftmaxState st = flash::buildOnlineSoftmax(
          rewriter, loc, t, bIv, h0Val, zeroIdx, group == 1 ? sqSize : rows,
          kvBegin, splitEnd, group, keyLanes, options.prefetchTiles);
      Value m = unpackRows(st.m), l = unpackRows(st.l),
            acc = unpackRows(st.acc);

      rewriter.setInsertionPointToEnd(forall.getTerminator().getBody());
      ValueRange outs = forall.getRegionIterArgs();
      SmallVector<OpFoldResult> rowOffsets = {bIv, h0, sIv, zeroIdx};
      SmallVector<OpFoldResult> rowSizes = {oneIdx, groupSize, oneIdx, sqSize};
      SmallVector<OpFoldResult> ones4(4, oneIdx), ones5(5, oneIdx);
      tensor::ParallelInsertSliceOp::create(rewriter, loc, m, outs[0],
                                            rowOffsets, rowSizes, ones4);
      tensor::ParallelInsertSliceOp::create(rewriter, loc, l, outs[1],
                                            rowOffsets, rowSizes, ones4);
      tensor::ParallelInsertSliceOp::create(
          rewriter, loc, acc, outs[2],
          ArrayRef<OpFoldResult>{bIv, h0, sIv, zeroIdx, zeroIdx},
          ArrayRef<OpFoldResult>{oneIdx, groupSize, oneIdx, sqSize, dvSize},
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
    // A sink joins the denominator once, in the combine: L + exp(sink - M),
    // kept 0 for rows that saw no key (their output is 0).
    Value den = rowSum;
    AffineMap id3 = rewriter.getMultiDimIdentityMap(3);
    if (Value sinks = op.getSinks()) {
      den = generic(rewriter, loc, ValueRange{rowSum, mMax, sinks},
                    emptyF32(rewriter, loc, rowSizes),
                    {id3, id3, dimsMap(ctx, 3, {1}), id3}, {kPar, kPar, kPar},
                    [&](OpBuilder &b, Location l, ValueRange args) -> Value {
                      Value empty = arith::CmpFOp::create(
                          b, l, arith::CmpFPredicate::OEQ, args[0], zero);
                      Value sink = math::ExpOp::create(
                          b, l, arith::SubFOp::create(b, l, args[2], args[1]));
                      return arith::SelectOp::create(
                          b, l, empty, zero,
                          arith::AddFOp::create(b, l, args[0], sink));
                    });
    }
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
        rewriter, loc, ValueRange{acc, den}, init,
        {id4o, dimsMap(ctx, 4, {0, 1, 2}), id4o}, {kPar, kPar, kPar, kPar},
        [&](OpBuilder &b, Location l, ValueRange args) {
          return divideOrZero(b, l, args[0], args[1], zero, elemType);
        });
    SmallVector<Value> results = {o};
    if (Value lse = op.getLse())
      results.push_back(
          generic(rewriter, loc, ValueRange{mMax, rowSum},
                  emptyTensor(rewriter, loc,
                              cast<RankedTensorType>(lse.getType()), rowSizes),
                  {id3, id3, id3}, {kPar, kPar, kPar},
                  [&](OpBuilder &b, Location l, ValueRange args) {
                    return logSumExp(b, l, args[0], args[1]);
                  }));
    rewriter.replaceOp(op, results);
    return success();
  }

  MHASplitKVOptions options;
  /// Resolved: at least 1.
  int64_t threads;
};

struct MHASplitKVPass : mha::impl::MHASplitKVBase<MHASplitKVPass> {
  using MHASplitKVBase::MHASplitKVBase;

  void runOnOperation() override {
    int64_t n = kvSplits, kv = kvTile;
    if (n < 0 || kv <= 0 || threads < 0 || minSplitBytes <= 0 ||
        vectorWidth < 0 || prefetchTiles < 0) {
      getOperation()->emitError()
          << "mha-split-kv: kv-splits, threads, vector-width and "
             "prefetch-tiles must not be negative, kv-tile and "
             "min-split-bytes must be positive, got kv-splits="
          << n << " kv-tile=" << kv << " threads=" << int64_t(threads)
          << " min-split-bytes=" << int64_t(minSplitBytes)
          << " vector-width=" << int64_t(vectorWidth)
          << " prefetch-tiles=" << int64_t(prefetchTiles);
      return signalPassFailure();
    }
    MHASplitKVOptions options;
    options.kvSplits = kvSplits;
    options.splitMaxSq = splitMaxSq;
    options.kvTile = kvTile;
    options.threads = threads;
    options.minSplitBytes = minSplitBytes;
    options.packHeads = packHeads;
    options.vectorWidth = vectorWidth;
    options.prefetchTiles = prefetchTiles;
    RewritePatternSet patterns(&getContext());
    populateSplitKVPatterns(patterns, options);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};
} // namespace

void mlir::mha::populateSplitKVPatterns(RewritePatternSet &patterns,
                                        const MHASplitKVOptions &options) {
  assert(options.kvSplits >= 0 && options.kvTile > 0 && options.threads >= 0 &&
         options.minSplitBytes > 0 && options.vectorWidth >= 0 &&
         options.prefetchTiles >= 0 && "invalid mha-split-kv options");
  patterns.add<SplitKVPattern>(patterns.getContext(), options,
                               flash::resolveThreadCount(options.threads));
}
