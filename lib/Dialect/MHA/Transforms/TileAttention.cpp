//===- TileAttention.cpp - mha-tile-attention -----------------------------===//
//
// Rewrites mha.attention into a FlashAttention-2 loop nest on tensors: an
// scf.forall over (batch, head, query tile) around an scf.for over key/value
// tiles that carries the running row max, row sum and output accumulator in
// f32 (online softmax). The only score tensor is one [kv-tile, q-tile] tile,
// so the [Sq, Skv] matrix is never materialised. The kv loop is built by
// OnlineSoftmax.cpp; this file adds the parallel loop nest around it and the
// final normalisation, written in place into the output tile.
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

#define DEBUG_TYPE "mha-tile-attention"

namespace mlir::mha {
#define GEN_PASS_DEF_MHATILEATTENTION
#include "mha/Dialect/MHA/Transforms/Passes.h.inc"
} // namespace mlir::mha

using namespace mlir;
using namespace mlir::mha;

namespace {
/// The causal query tile that parallel iteration `j` of `n` computes: tile
/// j/2 when j is even, n - 1 - j/2 when odd (0, n-1, 1, n-2, ...). Causal
/// tile t sees about t + 1 kv tiles, so in the natural order a contiguous
/// chunk of iterations (what OpenMP's static schedule gives each thread)
/// holds either the cheap or the expensive tiles: with 2 threads on one
/// head, 3x more work on one than the other. Here every two consecutive
/// iterations do the same work (n + 1 tiles), so each thread's chunk is
/// balanced to within one tile, whatever the thread count.
Value balancedQueryTile(OpBuilder &b, Location loc, Value j, OpFoldResult n) {
  MLIRContext *ctx = b.getContext();
  AffineExpr d0, s0;
  bindDims(ctx, d0);
  bindSymbols(ctx, s0);
  Value low = getValueOrCreateConstantIndexOp(
      b, loc,
      affine::makeComposedFoldedAffineApply(b, loc, d0.floorDiv(2), {j}));
  Value high = getValueOrCreateConstantIndexOp(
      b, loc,
      affine::makeComposedFoldedAffineApply(b, loc, s0 - 1 - d0.floorDiv(2),
                                            {OpFoldResult(j), n}));
  Value odd = arith::TruncIOp::create(
      b, loc, b.getI1Type(),
      arith::IndexCastUIOp::create(b, loc, b.getI64Type(), j));
  return arith::SelectOp::create(b, loc, odd, high, low);
}

/// The query tile of `op` for q-tile = 0 (docs/cpu-codegen.md, "Tiles").
/// Every query tile reads all K and V of its head and packs V's micro-kernel
/// panels once, so those bytes per flop fall as 1 / q-tile: take 128 rather
/// than 64 where (1) one kv step's working set (Q^T, the accumulator, S^T,
/// the K and V tiles, all f32) fits half of L2, (2) 128 and the kv tile are
/// multiples of one another (the causal diagonal stays peeled), (3) Sq is
/// longer than 64 (dynamic: assumed long) and (4) B * H * ceil(Sq / 128)
/// keeps at least kTasksPerThread tasks per thread, so that the static
/// schedule stays balanced (dynamic sizes: assumed large), and (5) there is
/// no causal mask or window: the peeled diagonal of a 128-row tile is four
/// triangular blocks, which doubled the compile time of a causal op for a
/// gain within the noise.
int64_t chooseQueryTile(AttentionOp op, int64_t kvTile, int64_t l2Bytes,
                        int64_t threads) {
  constexpr int64_t kSmall = 64, kLarge = 128, kTasksPerThread = 4;
  AttentionShape shape = AttentionShape::get(op);
  if (shape.causal || shape.hasWindow())
    return kSmall;
  auto q = cast<RankedTensorType>(op.getQuery().getType());
  auto v = cast<RankedTensorType>(op.getValue().getType());
  int64_t b = q.getDimSize(0), h = q.getDimSize(1), sq = q.getDimSize(2),
          d = q.getDimSize(3), dv = v.getDimSize(3);
  if (ShapedType::isDynamic(d) || ShapedType::isDynamic(dv))
    return kSmall;
  if (kLarge % kvTile != 0 && kvTile % kLarge != 0)
    return kSmall;
  int64_t workingSet = 4 * (kLarge * (d + dv + kvTile) + kvTile * (d + dv));
  if (workingSet > l2Bytes / 2)
    return kSmall;
  if (!ShapedType::isDynamic(sq) && sq <= kSmall)
    return kSmall;
  if (!ShapedType::isDynamic(b) && !ShapedType::isDynamic(sq) &&
      b * h * llvm::divideCeil(sq, kLarge) < kTasksPerThread * threads)
    return kSmall;
  return kLarge;
}

struct TileAttentionPattern : OpRewritePattern<AttentionOp> {
  TileAttentionPattern(MLIRContext *ctx, int64_t qTile, int64_t kvTile,
                       int64_t l2Bytes, int64_t threads)
      : OpRewritePattern(ctx), qTile(qTile), kvTile(kvTile), l2Bytes(l2Bytes),
        threads(threads) {}

  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    auto resultType = op.getResult().getType();
    int64_t q =
        qTile > 0 ? qTile : chooseQueryTile(op, kvTile, l2Bytes, threads);
    flash::AttentionTiling t =
        flash::getAttentionTiling(rewriter, op, q, kvTile);
    int64_t qt = t.qt;
    Type f32 = rewriter.getF32Type();
    Type elemType = resultType.getElementType();
    Value zero = t.zero;
    AffineExpr d0, s0;
    bindDims(ctx, d0);
    bindSymbols(ctx, s0);

    OpFoldResult numQTiles = affine::makeComposedFoldedAffineApply(
        rewriter, loc, s0.ceilDiv(qt), {t.sizes.sq});
    // A data-dependent mask_mod: classify every tile once, up front.
    flash::buildMaskTileTable(rewriter, loc, t);
    SmallVector<Value> inits = {
        emptyTensor(rewriter, loc, resultType, t.sizes.getResultSizes())};
    if (Value lse = op.getLse())
      inits.push_back(
          emptyTensor(rewriter, loc, cast<RankedTensorType>(lse.getType()),
                      {t.sizes.batch, t.sizes.numHeads, t.sizes.sq}));

    auto forall = scf::ForallOp::create(
        rewriter, loc,
        ArrayRef<OpFoldResult>{t.sizes.batch, t.sizes.numHeads, numQTiles},
        inits, /*mapping=*/std::nullopt);
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPoint(forall.getTerminator());
    Value bIv = forall.getInductionVars()[0];
    Value hIv = forall.getInductionVars()[1];
    Value qIv = forall.getInductionVars()[2];
    if (t.shape.causal)
      qIv = balancedQueryTile(rewriter, loc, qIv, numQTiles);
    Value out = forall.getRegionIterArgs()[0];

    // Query tile [q0, q0 + qT) of head h.
    OpFoldResult q0 =
        affine::makeComposedFoldedAffineApply(rewriter, loc, d0 * qt, {qIv});
    OpFoldResult qT =
        t.fullQTiles
            ? rewriter.getIndexAttr(qt)
            : affine::makeComposedFoldedAffineMin(
                  rewriter, loc,
                  AffineMap::get(
                      1, 1, {rewriter.getAffineConstantExpr(qt), s0 - d0 * qt},
                      ctx),
                  {qIv, t.sizes.sq});
    flash::OnlineSoftmaxState st =
        flash::buildOnlineSoftmax(rewriter, loc, t, bIv, hIv, q0, qT);
    SmallVector<Value> state = {st.m, st.l, st.acc};
    OpFoldResult dvSize = t.sizes.valueDim;
    AffineMap id2 = rewriter.getMultiDimIdentityMap(2);

    // o = acc * (1 / l), or 0 for rows that saw no key (l == 0), for the
    // real rows only, written straight into the result tile. One division per
    // query, into the scratch row. A sink adds exp(sink - m) to l there.
    AffineMap id1 = rewriter.getMultiDimIdentityMap(1);
    Value sink;
    if (Value sinks = op.getSinks())
      sink = tensor::ExtractOp::create(rewriter, loc, sinks, hIv);
    SmallVector<Value> invInputs = {state[1]};
    SmallVector<AffineMap> invMaps = {id1, id1};
    if (sink) {
      invInputs.push_back(state[0]);
      invMaps.push_back(id1);
    }
    Value inverse = generic(
        rewriter, loc, invInputs, st.row, invMaps, {kPar},
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          Value den = args[0];
          if (sink)
            den = arith::AddFOp::create(
                b, l, den,
                math::ExpOp::create(
                    b, l, arith::SubFOp::create(b, l, sink, args[1])));
          return arith::DivFOp::create(b, l, f32Constant(b, l, 1.0f), den);
        });
    Value acc = flash::cornerSlice(rewriter, loc, state[2], {qT, dvSize});
    Value rowSum = flash::cornerSlice(rewriter, loc, state[1], {qT});
    inverse = flash::cornerSlice(rewriter, loc, inverse, {qT});
    Value outTile =
        flash::headTile(rewriter, loc, out, bIv, hIv, q0, qT, dvSize);
    AffineMap rowOf2 = AffineMap::get(2, 0, {d0}, ctx);
    Value o = generic(rewriter, loc, ValueRange{acc, rowSum, inverse}, outTile,
                      {id2, rowOf2, rowOf2, id2}, {kPar, kPar},
                      [&](OpBuilder &b, Location l, ValueRange args) {
                        Value empty = arith::CmpFOp::create(
                            b, l, arith::CmpFPredicate::OEQ, args[1], zero);
                        Value r = arith::MulFOp::create(b, l, args[0], args[2]);
                        r = arith::SelectOp::create(b, l, empty, zero, r);
                        if (elemType != f32)
                          r = arith::TruncFOp::create(b, l, elemType, r);
                        return r;
                      });

    rewriter.setInsertionPointToEnd(forall.getTerminator().getBody());
    OpFoldResult zeroIdx = rewriter.getIndexAttr(0),
                 oneIdx = rewriter.getIndexAttr(1);
    tensor::ParallelInsertSliceOp::create(
        rewriter, loc, o, out, ArrayRef<OpFoldResult>{bIv, hIv, q0, zeroIdx},
        ArrayRef<OpFoldResult>{oneIdx, oneIdx, qT, dvSize},
        ArrayRef<OpFoldResult>{oneIdx, oneIdx, oneIdx, oneIdx});

    // lse = m + log(l) over the visible keys, -inf for rows that saw none.
    if (op.getLse()) {
      OpBuilder::InsertionGuard lseGuard(rewriter);
      rewriter.setInsertionPoint(forall.getTerminator());
      Value lseTile = tensor::ExtractSliceOp::create(
          rewriter, loc, forall.getRegionIterArgs()[1],
          ArrayRef<OpFoldResult>{bIv, hIv, q0},
          ArrayRef<OpFoldResult>{oneIdx, oneIdx, qT},
          ArrayRef<OpFoldResult>{oneIdx, oneIdx, oneIdx});
      lseTile = tensor::CollapseShapeOp::create(
          rewriter, loc, lseTile, SmallVector<ReassociationIndices>{{0, 1, 2}});
      Value negInf = t.negInf;
      Value lse = generic(
          rewriter, loc,
          ValueRange{flash::cornerSlice(rewriter, loc, state[0], {qT}), rowSum},
          lseTile, {id1, id1, id1}, {kPar},
          [&](OpBuilder &b, Location l, ValueRange args) -> Value {
            Value empty = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ,
                                                args[1], zero);
            Value v = arith::AddFOp::create(b, l, args[0],
                                            math::LogOp::create(b, l, args[1]));
            return arith::SelectOp::create(b, l, empty, negInf, v);
          });
      rewriter.setInsertionPointToEnd(forall.getTerminator().getBody());
      tensor::ParallelInsertSliceOp::create(
          rewriter, loc, lse, forall.getRegionIterArgs()[1],
          ArrayRef<OpFoldResult>{bIv, hIv, q0},
          ArrayRef<OpFoldResult>{oneIdx, oneIdx, qT},
          ArrayRef<OpFoldResult>{oneIdx, oneIdx, oneIdx});
    }

    rewriter.replaceOp(op, forall.getResults());
    return success();
  }

  int64_t qTile;
  int64_t kvTile;
  int64_t l2Bytes;
  /// Resolved: at least 1.
  int64_t threads;
};

struct MHATileAttentionPass
    : mha::impl::MHATileAttentionBase<MHATileAttentionPass> {
  using MHATileAttentionBase::MHATileAttentionBase;

  void runOnOperation() override {
    int64_t q = qTile, kv = kvTile;
    if (q < 0 || kv <= 0 || l2Bytes <= 0 || threads < 0) {
      getOperation()->emitError()
          << "mha-tile-attention: q-tile and threads must not be negative, "
             "kv-tile and l2-bytes must be positive, got q-tile="
          << q << " kv-tile=" << kv << " l2-bytes=" << int64_t(l2Bytes)
          << " threads=" << int64_t(threads);
      return signalPassFailure();
    }
    RewritePatternSet patterns(&getContext());
    populateTileAttentionPatterns(patterns, q, kv, l2Bytes, threads);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};
} // namespace

void mlir::mha::populateTileAttentionPatterns(RewritePatternSet &patterns,
                                              int64_t qTile, int64_t kvTile,
                                              int64_t l2Bytes,
                                              int64_t threads) {
  assert(qTile >= 0 && kvTile > 0 && l2Bytes > 0 && threads >= 0 &&
         "invalid mha-tile-attention options");
  patterns.add<TileAttentionPattern>(patterns.getContext(), qTile, kvTile,
                                     l2Bytes,
                                     flash::resolveThreadCount(threads));
}
