//===- TileAttention.cpp - mha-tile-attention -----------------------------===//
//
// Rewrites mha.attention into a FlashAttention-2 loop nest on tensors: an
// scf.forall over (batch, head, query tile) around an scf.for over key/value
// tiles that carries the running row max, row sum and output accumulator in
// f32 (online softmax). The only score tensor is one [qT, kvT] tile, so the
// [Sq, Skv] matrix is never materialised. Every temporary lives in
// destination-passing style so that one-shot bufferization keeps the kv loop
// free of allocations and writes each output tile in place.
//
//===----------------------------------------------------------------------===//

#include "mha/Dialect/MHA/IR/MHAOps.h"
#include "mha/Dialect/MHA/Transforms/Passes.h"

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
#include <optional>

#define DEBUG_TYPE "mha-tile-attention"

namespace mlir::mha {
#define GEN_PASS_DEF_MHATILEATTENTION
#include "mha/Dialect/MHA/Transforms/Passes.h.inc"
} // namespace mlir::mha

using namespace mlir;
using namespace mlir::mha;

namespace {
using utils::IteratorType;

constexpr IteratorType kPar = IteratorType::parallel;
constexpr IteratorType kRed = IteratorType::reduction;

/// A size known statically by any of `known`, else `tensor.dim %t, dim`.
OpFoldResult dimSize(OpBuilder &b, Location loc, ArrayRef<int64_t> known,
                     Value t, unsigned dim) {
  for (int64_t s : known)
    if (!ShapedType::isDynamic(s))
      return b.getIndexAttr(s);
  return tensor::DimOp::create(b, loc, t, dim).getResult();
}

Value f32Constant(OpBuilder &b, Location loc, float value) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(value));
}

/// Extends f16/bf16 to the f32 accumulation type.
Value toF32(OpBuilder &b, Location loc, Value v) {
  if (v.getType().isF32())
    return v;
  return arith::ExtFOp::create(b, loc, b.getF32Type(), v);
}

/// `m`, or 0 when `m` is -inf: exp(x - safe(m)) is then exp(-inf) = 0 for the
/// rows that have seen no key, instead of exp(-inf + inf) = NaN.
Value safeMax(OpBuilder &b, Location loc, Value m, Value negInf, Value zero) {
  Value empty =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, m, negInf);
  return arith::SelectOp::create(b, loc, empty, zero, m);
}

int64_t staticOr(OpFoldResult ofr) {
  return getConstantIntValue(ofr).value_or(ShapedType::kDynamic);
}

RankedTensorType tensorType(ArrayRef<OpFoldResult> sizes, Type elt) {
  SmallVector<int64_t> shape = llvm::map_to_vector(sizes, staticOr);
  return RankedTensorType::get(shape, elt);
}

/// `tensor.empty` of `sizes`.
Value emptyTensor(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                  Type elt) {
  return tensor::EmptyOp::create(b, loc, sizes, elt);
}

/// A fresh buffer of `sizes` that CSE cannot merge with another.
Value allocTensor(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                  Type elt) {
  SmallVector<Value> dynSizes;
  for (OpFoldResult size : sizes)
    if (auto v = dyn_cast<Value>(size))
      dynSizes.push_back(v);
  return bufferization::AllocTensorOp::create(b, loc, tensorType(sizes, elt),
                                              dynSizes);
}

Value fill(OpBuilder &b, Location loc, Value value, Value dest) {
  return linalg::FillOp::create(b, loc, ValueRange{value}, ValueRange{dest})
      .getResult(0);
}

/// The leading [sizes] corner of `t`, or `t` itself when it already has that
/// shape. Scratch tiles are allocated once at their largest size outside the
/// kv loop and sliced per iteration so that the loop body allocates nothing.
Value cornerSlice(OpBuilder &b, Location loc, Value t,
                  ArrayRef<OpFoldResult> sizes) {
  auto type = cast<RankedTensorType>(t.getType());
  RankedTensorType want = tensorType(sizes, type.getElementType());
  if (want == type && type.hasStaticShape())
    return t;
  SmallVector<OpFoldResult> zeros(sizes.size(), b.getIndexAttr(0));
  SmallVector<OpFoldResult> ones(sizes.size(), b.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(b, loc, want, t, zeros, sizes, ones);
}

/// `[1, 1, rows, cols]` at `[b, h, row0, 0]` of a [B, H, S, D] tensor, as a
/// rank-2 tensor.
Value headTile(OpBuilder &b, Location loc, Value t, OpFoldResult batch,
               OpFoldResult head, OpFoldResult row0, OpFoldResult rows,
               OpFoldResult cols) {
  Type elt = cast<RankedTensorType>(t.getType()).getElementType();
  OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
  return tensor::ExtractSliceOp::create(
      b, loc, tensorType({rows, cols}, elt), t,
      ArrayRef<OpFoldResult>{batch, head, row0, zero},
      ArrayRef<OpFoldResult>{one, one, rows, cols},
      ArrayRef<OpFoldResult>{one, one, one, one});
}

struct TileAttentionPattern : OpRewritePattern<AttentionOp> {
  TileAttentionPattern(MLIRContext *ctx, int64_t qTile, int64_t kvTile)
      : OpRewritePattern(ctx), qTile(qTile), kvTile(kvTile) {}

  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override {
    if (qTile <= 0 || kvTile <= 0)
      return rewriter.notifyMatchFailure(op, "tile sizes must be positive");
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    Value q = op.getQuery(), k = op.getKey(), v = op.getValue();
    Value mask = op.getMask();
    auto qType = cast<RankedTensorType>(q.getType());
    auto kType = cast<RankedTensorType>(k.getType());
    auto vType = cast<RankedTensorType>(v.getType());
    auto resultType = cast<RankedTensorType>(op.getType());
    RankedTensorType maskType =
        mask ? cast<RankedTensorType>(mask.getType()) : RankedTensorType();
    // A static size-1 mask dim broadcasts; any other dim follows the scores.
    auto maskBroadcast = [&](unsigned i) {
      return maskType && maskType.getDimSize(i) == 1;
    };
    auto maskDim = [&](unsigned i) -> int64_t {
      if (!maskType || maskBroadcast(i))
        return ShapedType::kDynamic;
      return maskType.getDimSize(i);
    };

    // Problem sizes. H, Hkv, D and Dv are static (verified).
    OpFoldResult bSize =
        dimSize(rewriter, loc,
                {qType.getDimSize(0), kType.getDimSize(0), vType.getDimSize(0),
                 resultType.getDimSize(0), maskDim(0)},
                q, 0);
    int64_t numHeads = qType.getDimSize(1);
    OpFoldResult sqSize = dimSize(
        rewriter, loc,
        {qType.getDimSize(2), resultType.getDimSize(2), maskDim(2)}, q, 2);
    OpFoldResult skvSize =
        dimSize(rewriter, loc,
                {kType.getDimSize(2), vType.getDimSize(2), maskDim(3)}, k, 2);
    OpFoldResult dSize = rewriter.getIndexAttr(qType.getDimSize(3));
    OpFoldResult dvSize = rewriter.getIndexAttr(vType.getDimSize(3));
    int64_t group = op.getGroupSize();
    std::optional<int64_t> sqStatic = getConstantIntValue(sqSize);
    std::optional<int64_t> skvStatic = getConstantIntValue(skvSize);
    bool causal = op.getCausal();

    // A tile never exceeds a static sequence: tiny shapes get static tiles.
    int64_t qt =
        sqStatic ? std::max<int64_t>(1, std::min(qTile, *sqStatic)) : qTile;
    int64_t kvt =
        skvStatic ? std::max<int64_t>(1, std::min(kvTile, *skvStatic)) : kvTile;
    // Every query tile is full when qt divides a static Sq.
    bool fullQTiles = sqStatic && *sqStatic % qt == 0;
    // Every kv tile is full when kvt divides every possible loop bound: Skv,
    // and with causal trimming q0 + qT + (Skv - Sq), which is a multiple of
    // kvt when qt and Skv - Sq are.
    bool fullKvTiles = skvStatic && *skvStatic % kvt == 0;
    if (causal)
      fullKvTiles = fullKvTiles && fullQTiles && qt % kvt == 0 &&
                    (*skvStatic - *sqStatic) % kvt == 0;

    Type f32 = rewriter.getF32Type();
    Type elemType = resultType.getElementType();
    Value zero = f32Constant(rewriter, loc, 0.0f);
    Value negInf =
        f32Constant(rewriter, loc, -std::numeric_limits<float>::infinity());
    Value scale =
        f32Constant(rewriter, loc, static_cast<float>(op.getEffectiveScale()));

    AffineExpr d0, d1, s0, s1;
    bindDims(ctx, d0, d1);
    bindSymbols(ctx, s0, s1);
    // Causal: global query i sees global key j iff j <= i + (Skv - Sq).
    OpFoldResult causalOffset;
    if (causal)
      causalOffset = affine::makeComposedFoldedAffineApply(
          rewriter, loc, s0 - s1, {skvSize, sqSize});

    OpFoldResult numQTiles = affine::makeComposedFoldedAffineApply(
        rewriter, loc, s0.ceilDiv(qt), {sqSize});
    SmallVector<OpFoldResult> resultSizes = {
        bSize, rewriter.getIndexAttr(numHeads), sqSize, dvSize};
    SmallVector<Value> resultDyn;
    for (auto [i, size] : llvm::enumerate(resultSizes))
      if (resultType.isDynamicDim(i))
        resultDyn.push_back(
            getValueOrCreateConstantIndexOp(rewriter, loc, size));
    Value init = tensor::EmptyOp::create(rewriter, loc, resultType, resultDyn);

    auto forall = scf::ForallOp::create(
        rewriter, loc,
        ArrayRef<OpFoldResult>{bSize, rewriter.getIndexAttr(numHeads),
                               numQTiles},
        ValueRange{init}, /*mapping=*/std::nullopt);
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPoint(forall.getTerminator());
    Value bIv = forall.getInductionVars()[0];
    Value hIv = forall.getInductionVars()[1];
    Value qIv = forall.getInductionVars()[2];
    Value out = forall.getRegionIterArgs()[0];

    // Query tile [q0, q0 + qT) of head h; its K/V head is h floordiv G.
    OpFoldResult q0 =
        affine::makeComposedFoldedAffineApply(rewriter, loc, d0 * qt, {qIv});
    OpFoldResult qT =
        fullQTiles
            ? rewriter.getIndexAttr(qt)
            : affine::makeComposedFoldedAffineMin(
                  rewriter, loc,
                  AffineMap::get(
                      1, 1, {rewriter.getAffineConstantExpr(qt), s0 - d0 * qt},
                      ctx),
                  {qIv, sqSize});
    OpFoldResult kvHead = group == 1
                              ? OpFoldResult(hIv)
                              : affine::makeComposedFoldedAffineApply(
                                    rewriter, loc, d0.floorDiv(group), {hIv});
    Value qTileVal = headTile(rewriter, loc, q, bIv, hIv, q0, qT, dSize);

    // Loop-carried state: m = -inf, l = 0, acc = 0, all f32.
    Value m0 =
        fill(rewriter, loc, negInf, emptyTensor(rewriter, loc, {qT}, f32));
    Value l0 = fill(rewriter, loc, zero, emptyTensor(rewriter, loc, {qT}, f32));
    Value acc0 = fill(rewriter, loc, zero,
                      emptyTensor(rewriter, loc, {qT, dvSize}, f32));
    // Scratch for the scores and one row, once per query tile at the full
    // static tile size (partial tiles use a corner). They are alloc_tensor,
    // not tensor.empty: CSE would merge equal-shaped empties, then the fills
    // inside the loop with the iter_args' initial fills, forcing a copy per
    // kv step.
    Value scoreBuf = allocTensor(
        rewriter, loc, {rewriter.getIndexAttr(qt), rewriter.getIndexAttr(kvt)},
        f32);
    Value rowBuf = allocTensor(rewriter, loc, {rewriter.getIndexAttr(qt)}, f32);

    // Causal trimming: no row of this tile sees a key at or beyond
    // q0 + qT + (Skv - Sq). A negative bound means no visible key at all.
    OpFoldResult kvEnd = skvSize;
    if (causal) {
      kvEnd = affine::makeComposedFoldedAffineMin(
          rewriter, loc, AffineMap::get(2, 2, {s0, d0 + d1 + s0 - s1}, ctx),
          {q0, qT, skvSize, sqSize});
      if (!sqStatic || !skvStatic || *sqStatic > *skvStatic)
        kvEnd = affine::makeComposedFoldedAffineMax(
            rewriter, loc,
            AffineMap::get(1, 0, {rewriter.getAffineConstantExpr(0), d0}, ctx),
            {kvEnd});
    }

    auto loop = scf::ForOp::create(
        rewriter, loc, arith::ConstantIndexOp::create(rewriter, loc, 0),
        getValueOrCreateConstantIndexOp(rewriter, loc, kvEnd),
        arith::ConstantIndexOp::create(rewriter, loc, kvt),
        ValueRange{m0, l0, acc0},
        [&](OpBuilder &b, Location l, Value k0, ValueRange iterArgs) {
          SmallVector<Value> next = buildKvStep(
              b, l, k0, iterArgs, {q, k, v, mask, qTileVal, scoreBuf, rowBuf},
              {bIv, hIv, kvHead, q0, qT, kvEnd, dSize, dvSize, causalOffset},
              fullKvTiles ? std::optional<int64_t>(kvt) : std::nullopt, kvt,
              scale, zero, negInf, maskType);
          scf::YieldOp::create(b, l, next);
        });

    // o = acc / l, or 0 for rows that saw no key (l == 0, acc == 0), written
    // straight into the result tile.
    Value acc = loop.getResult(2), rowSum = loop.getResult(1);
    Value outTile = headTile(rewriter, loc, out, bIv, hIv, q0, qT, dvSize);
    AffineMap id2 = rewriter.getMultiDimIdentityMap(2);
    AffineMap rowOf2 = AffineMap::get(2, 0, {d0}, ctx);
    Value o = linalg::GenericOp::create(
                  rewriter, loc, outTile.getType(), ValueRange{acc, rowSum},
                  ValueRange{outTile}, ArrayRef<AffineMap>{id2, rowOf2, id2},
                  ArrayRef<IteratorType>{kPar, kPar},
                  [&](OpBuilder &b, Location l, ValueRange args) {
                    Value empty = arith::CmpFOp::create(
                        b, l, arith::CmpFPredicate::OEQ, args[1], zero);
                    Value r = arith::DivFOp::create(b, l, args[0], args[1]);
                    r = arith::SelectOp::create(b, l, empty, zero, r);
                    if (elemType != f32)
                      r = arith::TruncFOp::create(b, l, elemType, r);
                    linalg::YieldOp::create(b, l, ValueRange{r});
                  })
                  .getResult(0);

    rewriter.setInsertionPointToEnd(forall.getTerminator().getBody());
    OpFoldResult zeroIdx = rewriter.getIndexAttr(0),
                 oneIdx = rewriter.getIndexAttr(1);
    tensor::ParallelInsertSliceOp::create(
        rewriter, loc, o, out, ArrayRef<OpFoldResult>{bIv, hIv, q0, zeroIdx},
        ArrayRef<OpFoldResult>{oneIdx, oneIdx, qT, dvSize},
        ArrayRef<OpFoldResult>{oneIdx, oneIdx, oneIdx, oneIdx});

    rewriter.replaceOp(op, forall.getResults());
    return success();
  }

private:
  struct Operands {
    Value q, k, v, mask, qTile, scoreBuf, rowBuf;
  };
  struct Positions {
    OpFoldResult batch, head, kvHead, q0, qT, kvEnd, dSize, dvSize,
        causalOffset;
  };

  /// One online-softmax step over keys [k0, k0 + kvT). Returns the new
  /// (m, l, acc).
  static SmallVector<Value>
  buildKvStep(OpBuilder &b, Location loc, Value k0, ValueRange iterArgs,
              const Operands &ops, const Positions &pos,
              std::optional<int64_t> fullKvTile, int64_t kvt, Value scale,
              Value zero, Value negInf, RankedTensorType maskType) {
    MLIRContext *ctx = b.getContext();
    Value m = iterArgs[0], rowSum = iterArgs[1], acc = iterArgs[2];
    AffineExpr d0, d1, d2, s0;
    bindDims(ctx, d0, d1, d2);
    bindSymbols(ctx, s0);

    OpFoldResult kvT =
        fullKvTile
            ? b.getIndexAttr(*fullKvTile)
            : affine::makeComposedFoldedAffineMin(
                  b, loc,
                  AffineMap::get(1, 1, {b.getAffineConstantExpr(kvt), s0 - d0},
                                 ctx),
                  {k0, pos.kvEnd});
    Value kTile =
        headTile(b, loc, ops.k, pos.batch, pos.kvHead, k0, kvT, pos.dSize);
    Value vTile =
        headTile(b, loc, ops.v, pos.batch, pos.kvHead, k0, kvT, pos.dvSize);

    AffineMap id2 = b.getMultiDimIdentityMap(2);
    AffineMap row2 = AffineMap::get(2, 0, {d0}, ctx);
    auto map3 = [&](ArrayRef<AffineExpr> e) {
      return AffineMap::get(3, 0, e, ctx);
    };

    // S = Q . K^T, accumulated in f32.
    Value s =
        fill(b, loc, zero, cornerSlice(b, loc, ops.scoreBuf, {pos.qT, kvT}));
    s = linalg::GenericOp::create(
            b, loc, s.getType(), ValueRange{ops.qTile, kTile}, ValueRange{s},
            ArrayRef<AffineMap>{map3({d0, d2}), map3({d1, d2}), map3({d0, d1})},
            ArrayRef<IteratorType>{kPar, kPar, kRed},
            [](OpBuilder &nb, Location l, ValueRange args) {
              Value prod = arith::MulFOp::create(nb, l, toF32(nb, l, args[0]),
                                                 toF32(nb, l, args[1]));
              linalg::YieldOp::create(
                  nb, l,
                  ValueRange{arith::AddFOp::create(nb, l, args[2], prod)});
            })
            .getResult(0);

    // Scale, mask and (on diagonal tiles) causal, in place on S. Broadcast
    // mask dims are sliced at 0 and read at index 0.
    Value maskTile;
    AffineMap maskMap;
    if (ops.mask) {
      OpFoldResult zeroIdx = b.getIndexAttr(0), oneIdx = b.getIndexAttr(1);
      auto bc = [&](unsigned i) { return maskType.getDimSize(i) == 1; };
      OpFoldResult rows = bc(2) ? oneIdx : pos.qT;
      OpFoldResult cols = bc(3) ? oneIdx : kvT;
      maskTile = tensor::ExtractSliceOp::create(
          b, loc, tensorType({rows, cols}, maskType.getElementType()), ops.mask,
          ArrayRef<OpFoldResult>{
              bc(0) ? zeroIdx : pos.batch, bc(1) ? zeroIdx : pos.head,
              bc(2) ? zeroIdx : pos.q0, bc(3) ? zeroIdx : OpFoldResult(k0)},
          ArrayRef<OpFoldResult>{oneIdx, oneIdx, rows, cols},
          ArrayRef<OpFoldResult>{oneIdx, oneIdx, oneIdx, oneIdx});
      maskMap = AffineMap::get(2, 0,
                               {bc(2) ? b.getAffineConstantExpr(0) : d0,
                                bc(3) ? b.getAffineConstantExpr(0) : d1},
                               ctx);
    }
    bool boolMask = maskType && maskType.getElementType().isInteger(1);
    // `diag` = q0 + (Skv - Sq) - k0: local key j is hidden from local row i
    // iff j > i + diag.
    auto buildEpilogue = [&](OpBuilder &nb, Location l, Value scores,
                             Value diag) {
      SmallVector<Value> inputs;
      SmallVector<AffineMap> maps;
      if (maskTile) {
        inputs.push_back(maskTile);
        maps.push_back(maskMap);
      }
      maps.push_back(id2);
      return linalg::GenericOp::create(
                 nb, l, scores.getType(), inputs, ValueRange{scores}, maps,
                 ArrayRef<IteratorType>{kPar, kPar},
                 [&](OpBuilder &bb, Location ll, ValueRange args) {
                   Value x = arith::MulFOp::create(bb, ll, scale, args.back());
                   if (maskTile && boolMask)
                     x = arith::SelectOp::create(bb, ll, args[0], x, negInf);
                   else if (maskTile)
                     x = arith::AddFOp::create(bb, ll, x,
                                               toF32(bb, ll, args[0]));
                   if (diag) {
                     Value i = linalg::IndexOp::create(bb, ll, 0);
                     Value j = linalg::IndexOp::create(bb, ll, 1);
                     Value last = arith::AddIOp::create(bb, ll, i, diag);
                     Value hidden = arith::CmpIOp::create(
                         bb, ll, arith::CmpIPredicate::sgt, j, last);
                     x = arith::SelectOp::create(bb, ll, hidden, negInf, x);
                   }
                   linalg::YieldOp::create(bb, ll, ValueRange{x});
                 })
          .getResult(0);
    };
    if (pos.causalOffset) {
      // Only tiles that straddle the diagonal need the per-element select:
      // the last key k0 + kvT - 1 is hidden from the first row q0.
      Value diag = getValueOrCreateConstantIndexOp(
          b, loc,
          affine::makeComposedFoldedAffineApply(
              b, loc, d0 + s0 - d1, {pos.q0, k0, pos.causalOffset}));
      Value lastKey = getValueOrCreateConstantIndexOp(
          b, loc, affine::makeComposedFoldedAffineApply(b, loc, d0 - 1, {kvT}));
      Value straddles = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt,
                                              lastKey, diag);
      auto ifOp = scf::IfOp::create(
          b, loc, straddles,
          [&](OpBuilder &nb, Location l) {
            scf::YieldOp::create(nb, l, buildEpilogue(nb, l, s, diag));
          },
          [&](OpBuilder &nb, Location l) {
            scf::YieldOp::create(nb, l, buildEpilogue(nb, l, s, Value()));
          });
      s = ifOp.getResult(0);
    } else {
      s = buildEpilogue(b, loc, s, Value());
    }

    // Row max of the tile, into the scratch row.
    Value tileMax =
        fill(b, loc, negInf, cornerSlice(b, loc, ops.rowBuf, {pos.qT}));
    tileMax =
        linalg::GenericOp::create(
            b, loc, tileMax.getType(), ValueRange{s}, ValueRange{tileMax},
            ArrayRef<AffineMap>{id2, row2}, ArrayRef<IteratorType>{kPar, kRed},
            [](OpBuilder &nb, Location l, ValueRange args) {
              linalg::YieldOp::create(nb, l,
                                      ValueRange{arith::MaximumFOp::create(
                                          nb, l, args[0], args[1])});
            })
            .getResult(0);

    // Per row, in place: m_new = max(m, tileMax); the scratch row becomes the
    // correction exp(m - m_new); l *= correction.
    AffineMap id1 = b.getMultiDimIdentityMap(1);
    auto update = linalg::GenericOp::create(
        b, loc, TypeRange{tileMax.getType(), m.getType(), rowSum.getType()},
        ValueRange{}, ValueRange{tileMax, m, rowSum},
        ArrayRef<AffineMap>{id1, id1, id1}, ArrayRef<IteratorType>{kPar},
        [&](OpBuilder &nb, Location l, ValueRange args) {
          Value mNew = arith::MaximumFOp::create(nb, l, args[1], args[0]);
          Value corr = math::ExpOp::create(
              nb, l,
              arith::SubFOp::create(nb, l, args[1],
                                    safeMax(nb, l, mNew, negInf, zero)));
          Value lNew = arith::MulFOp::create(nb, l, args[2], corr);
          linalg::YieldOp::create(nb, l, ValueRange{corr, mNew, lNew});
        });
    Value corr = update.getResult(0), mNew = update.getResult(1);
    rowSum = update.getResult(2);

    // P = exp(S - m_new), in place on S.
    Value p =
        linalg::GenericOp::create(
            b, loc, s.getType(), ValueRange{mNew}, ValueRange{s},
            ArrayRef<AffineMap>{row2, id2}, ArrayRef<IteratorType>{kPar, kPar},
            [&](OpBuilder &nb, Location l, ValueRange args) {
              Value x = arith::SubFOp::create(
                  nb, l, args[1], safeMax(nb, l, args[0], negInf, zero));
              linalg::YieldOp::create(
                  nb, l, ValueRange{math::ExpOp::create(nb, l, x)});
            })
            .getResult(0);

    // l += rowsum(P).
    rowSum =
        linalg::GenericOp::create(
            b, loc, rowSum.getType(), ValueRange{p}, ValueRange{rowSum},
            ArrayRef<AffineMap>{id2, row2}, ArrayRef<IteratorType>{kPar, kRed},
            [](OpBuilder &nb, Location l, ValueRange args) {
              linalg::YieldOp::create(
                  nb, l,
                  ValueRange{arith::AddFOp::create(nb, l, args[1], args[0])});
            })
            .getResult(0);

    // acc = acc * correction + P . V.
    acc =
        linalg::GenericOp::create(
            b, loc, acc.getType(), ValueRange{corr}, ValueRange{acc},
            ArrayRef<AffineMap>{row2, id2}, ArrayRef<IteratorType>{kPar, kPar},
            [](OpBuilder &nb, Location l, ValueRange args) {
              linalg::YieldOp::create(
                  nb, l,
                  ValueRange{arith::MulFOp::create(nb, l, args[1], args[0])});
            })
            .getResult(0);
    acc =
        linalg::GenericOp::create(
            b, loc, acc.getType(), ValueRange{p, vTile}, ValueRange{acc},
            ArrayRef<AffineMap>{map3({d0, d2}), map3({d2, d1}), map3({d0, d1})},
            ArrayRef<IteratorType>{kPar, kPar, kRed},
            [](OpBuilder &nb, Location l, ValueRange args) {
              Value prod =
                  arith::MulFOp::create(nb, l, args[0], toF32(nb, l, args[1]));
              linalg::YieldOp::create(
                  nb, l,
                  ValueRange{arith::AddFOp::create(nb, l, args[2], prod)});
            })
            .getResult(0);

    return {mNew, rowSum, acc};
  }

  int64_t qTile;
  int64_t kvTile;
};

struct MHATileAttentionPass
    : mha::impl::MHATileAttentionBase<MHATileAttentionPass> {
  using MHATileAttentionBase::MHATileAttentionBase;

  void runOnOperation() override {
    int64_t q = qTile, kv = kvTile;
    if (q <= 0 || kv <= 0) {
      getOperation()->emitError()
          << "mha-tile-attention: q-tile and kv-tile must be positive, got "
             "q-tile="
          << q << " kv-tile=" << kv;
      return signalPassFailure();
    }
    RewritePatternSet patterns(&getContext());
    populateTileAttentionPatterns(patterns, q, kv);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};
} // namespace

void mlir::mha::populateTileAttentionPatterns(RewritePatternSet &patterns,
                                              int64_t qTile, int64_t kvTile) {
  patterns.add<TileAttentionPattern>(patterns.getContext(), qTile, kvTile);
}
