//===- OnlineSoftmax.cpp - shared kv-loop builder -------------------------===//
//
// The online-softmax kv loop of one (batch, head, query tile) on tensors,
// shared by mha-tile-attention and mha-split-kv. Everything inside the kv loop
// works on STATIC, padded f32 tiles so that later passes can vectorise it
// whatever the problem sizes:
//  - Q^T: [D, q-tile], transposed, pre-scaled and widened once per query tile;
//  - K and V: [kv-tile, D] / [kv-tile, Dv] widened per kv step (f32 full tiles
//    are read in place), zero beyond the real keys;
//  - the scores are kept transposed, S^T = K . Q^T : [kv-tile, q-tile], so
//    that both contractions have a contiguous vector dimension (queries for
//    S^T, Dv for P . V) and the row max / row sum reduce across rows, not
//    within a vector. Padded keys get -inf. Decode tiles of few rows may
//    keep them as S = Q . K^T : [q-tile, kv-tile] instead (keys in the vector
//    lanes, K packed transposed; see mha-split-kv).
// Every temporary lives in destination-passing style so that one-shot
// bufferization keeps the kv loop free of allocations.
//
//===----------------------------------------------------------------------===//

#include "OnlineSoftmax.h"

#include "mha/Dialect/MHA/Utils/BuilderUtils.h"
#include "mha/Dialect/MHA/Utils/Modifiers.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Matchers.h"

#include "llvm/Support/Threading.h"

#include <limits>
#include <optional>

using namespace mlir;
using namespace mlir::mha;
using namespace mlir::mha::flash;

namespace {
using utils::IteratorType;

int64_t staticOr(OpFoldResult ofr) {
  return getConstantIntValue(ofr).value_or(ShapedType::kDynamic);
}

RankedTensorType tensorType(ArrayRef<OpFoldResult> sizes, Type elt) {
  SmallVector<int64_t> shape = llvm::map_to_vector(sizes, staticOr);
  return RankedTensorType::get(shape, elt);
}

/// A fresh buffer of static `shape` that CSE cannot merge with another.
Value allocTensor(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                  Type elt) {
  return bufferization::AllocTensorOp::create(
      b, loc, RankedTensorType::get(shape, elt), ValueRange{});
}

/// The [rows, cols] tile in f32 padded with zero rows up to the static size of
/// `buf`. A full f32 tile is used in place.
Value packRows(OpBuilder &b, Location loc, Value tile, Value buf,
               OpFoldResult rows, OpFoldResult cols, bool full) {
  auto tileType = cast<RankedTensorType>(tile.getType());
  if (full && tileType.getElementType().isF32())
    return tile;
  Value dest = full ? buf : fill(b, loc, f32Constant(b, loc, 0.0f), buf);
  Value corner = cornerSlice(b, loc, dest, {rows, cols});
  // A plain copy stays a linalg.copy: canonicalization would turn an
  // identity linalg.generic into a tensor.insert_slice (a memref.copy).
  Value packed;
  if (tileType.getElementType().isF32()) {
    packed = linalg::CopyOp::create(b, loc, corner.getType(), tile, corner)
                 .getResult(0);
  } else {
    AffineMap id2 = b.getMultiDimIdentityMap(2);
    packed = generic(b, loc, tile, corner, {id2, id2}, {kPar, kPar},
                     [](OpBuilder &nb, Location l, ValueRange args) {
                       return toF32(nb, l, args[0]);
                     });
  }
  return insertCorner(b, loc, packed, dest, {rows, cols});
}

/// `cap * tanh(s / cap)` on the score tiles. The kv loop pays this per score,
/// so tanh is not `1 - 2 / (exp(2x) + 1)` (softcapScore: an exp and an exact
/// division, which has a fraction of the throughput of a multiply-add) but
/// the rational approximation of upstream's math-polynomial-approximation
/// (Eigen's): an odd degree-13 polynomial over an even degree-6 one on
/// x = s / cap clamped to +-7.905 (where tanh is +-1 in f32), at most 3.5e-7
/// from tanh. Its one division is `arcp ninf`: q >= 4.9e-3 and p are finite,
/// so the backend may use a reciprocal estimate and a Newton step. The
/// clamps are compare-and-selects, which keep a NaN score NaN.
Value fastSoftcap(OpBuilder &b, Location loc, Value s, double cap) {
  auto cst = [&](double v) {
    return f32Constant(b, loc, static_cast<float>(v));
  };
  Value x = arith::MulFOp::create(b, loc, s, cst(1.0 / cap));
  Value hi = cst(7.90531110763549805), lo = cst(-7.90531110763549805);
  x = arith::SelectOp::create(
      b, loc, arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x, hi),
      hi, x);
  x = arith::SelectOp::create(
      b, loc, arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, lo),
      lo, x);
  Value x2 = arith::MulFOp::create(b, loc, x, x);
  auto horner = [&](ArrayRef<double> coeffs) {
    Value r = cst(coeffs.back());
    for (double c : llvm::reverse(coeffs.drop_back()))
      r = math::FmaOp::create(b, loc, r, x2, cst(c));
    return r;
  };
  Value p = arith::MulFOp::create(
      b, loc, x,
      horner({4.89352455891786e-03, 6.37261928875436e-04, 1.48572235717979e-05,
              5.12229709037114e-08, -8.60467152213735e-11, 2.00018790482477e-13,
              -2.76076847742355e-16}));
  Value q = horner({4.89352518554385e-03, 2.26843463243900e-03,
                    1.18534705686654e-04, 1.19825839466702e-06});
  Value t = arith::DivFOp::create(b, loc, p, q,
                                  arith::FastMathFlags::arcp |
                                      arith::FastMathFlags::ninf |
                                      arith::FastMathFlags::contract);
  return arith::MulFOp::create(b, loc, t, cst(cap));
}

/// Static scratch tiles of one query tile (k and v only when packing).
struct Scratch {
  Value scores, row, k, v;
  /// The ALiBi bias of the tile's keys, [keys] (with ALiBi only).
  Value bias;
};
struct Positions {
  OpFoldResult batch, head, kvHead, q0, qT, kvEnd, dSize, dvSize, causalOffset;
  /// Skv - Sq when the window or ALiBi need it, else null.
  OpFoldResult alignOffset;
  /// The ALiBi slope of the head (f32) and the local key / query positions
  /// as f32 [kvt] / [qt] tensors, or null.
  Value alibiSlope, keyPos, queryPos;
  /// Whether the scores carry ALiBi without its per-query term (see
  /// KvStep::alibiKeyBias): with ALiBi and no score_mod.
  bool alibiPerKey = false;
  /// Query heads [head, head + headGroup) packed as the rows of the tile
  /// (head-major, then query); 1 = one head.
  int64_t headGroup = 1;
};

/// Builds one online-softmax step of a query tile.
struct KvStep {
  Value q, k, v, mask, qPacked;
  Scratch scratch;
  Positions pos;
  const AttentionShape &shape;
  int64_t qt, kvt;
  bool fullKvTiles;
  Value zero, negInf;
  /// Scores as [qt, kvt] (keys in the vector lanes; Q packed as [qt, D], K
  /// packed transposed as [D, kvt]) instead of [kvt, qt].
  bool keyMajor = false;
  /// Software prefetch of the K and V tile this many kv tiles ahead (0:
  /// none), see prefetchTile.
  int64_t prefetchTiles = 0;

  /// Prefetches (into every cache level) each cache line of the rows of
  /// `t` ([B, Hkv, Skv, E]) for keys [k0 + prefetchTiles * kvt, + kvt) of
  /// this task's K/V head, keys clamped to pos.kvEnd - 1. The hardware
  /// prefetchers follow a plain stream, but the decode step reads K by
  /// 16-row column blocks (the transpose) and V by column strips of the
  /// micro-kernel: the first touch of each line then waits for memory while
  /// the products are idle. Requested one tile ahead, the lines arrive
  /// while the current tile computes. Prefetches never fault and change no
  /// value.
  void prefetchTile(OpBuilder &b, Location loc, Value t, Value k0) const {
    auto type = cast<RankedTensorType>(t.getType());
    int64_t e = type.getDimSize(3);
    int64_t bytes = std::max<int64_t>(1, type.getElementTypeBitWidth() / 8);
    // Elements per 64-byte cache line.
    int64_t line = std::max<int64_t>(1, 64 / bytes);
    auto memrefType = MemRefType::get(
        type.getShape(), type.getElementType(),
        StridedLayoutAttr::get(b.getContext(), ShapedType::kDynamic,
                               SmallVector<int64_t>(4, ShapedType::kDynamic)));
    Value buf = bufferization::ToBufferOp::create(b, loc, memrefType, t,
                                                  /*read_only=*/true);
    Value first = arith::AddIOp::create(
        b, loc, k0,
        arith::ConstantIndexOp::create(b, loc, prefetchTiles * kvt));
    Value last = arith::SubIOp::create(
        b, loc, getValueOrCreateConstantIndexOp(b, loc, pos.kvEnd),
        arith::ConstantIndexOp::create(b, loc, 1));
    Value batch = getValueOrCreateConstantIndexOp(b, loc, pos.batch);
    Value head = getValueOrCreateConstantIndexOp(b, loc, pos.kvHead);
    scf::ForOp::create(
        b, loc, arith::ConstantIndexOp::create(b, loc, 0),
        arith::ConstantIndexOp::create(b, loc, kvt),
        arith::ConstantIndexOp::create(b, loc, 1), ValueRange{},
        [&](OpBuilder &nb, Location l, Value j, ValueRange) {
          Value key = arith::MinSIOp::create(
              nb, l, arith::AddIOp::create(nb, l, first, j), last);
          for (int64_t c = 0; c < e; c += line)
            memref::PrefetchOp::create(
                nb, l, buf,
                ValueRange{batch, head, key,
                           arith::ConstantIndexOp::create(nb, l, c)},
                /*isWrite=*/false, /*localityHint=*/3, /*isDataCache=*/true);
          scf::YieldOp::create(nb, l);
        });
  }

  /// The scores of the packed K tile `kp` into `s`: S^T = K . Q^T, or with
  /// keys in lanes S = Q . K^T (s[i, j] += qp[i, d] * kp[d, j], the
  /// micro-kernel's n dim is then the keys).
  Value scoreProduct(OpBuilder &b, Location loc, Value kp, Value s) const {
    if (!keyMajor)
      return scores(b, loc, kp, qPacked, s);
    MLIRContext *ctx = b.getContext();
    return contraction(b, loc, qPacked, kp, s,
                       {dimsMap(ctx, 3, {0, 2}), dimsMap(ctx, 3, {2, 1}),
                        dimsMap(ctx, 3, {0, 1})},
                       {kPar, kPar, kRed});
  }

  /// The op's mask_mod (analysed) and the data-dependent tile classes
  /// (AttentionTiling::maskTable), when there are.
  mutable AttentionOp op;
  const MaskModInfo *maskMod = nullptr;
  Value maskTable;
  /// The kv tile of maskTable (a multiple of kvt).
  int64_t tableKvt = 0;
  /// Whether tiles known to be empty are skipped (see buildOnlineSoftmax).
  bool skipEmpty = true;
  /// The last query of the tile, and Sq - 1 / Skv - 1 when a tile may be
  /// padded (the modifiers then see clamped indices).
  Value qLast, sqLast, skvLast;

  /// (b, h, q_idx, kv_idx) of local key j and query i of the tile at k0.
  /// Padded positions are clamped into range: their scores are discarded,
  /// but a modifier may read tensors there.
  SmallVector<Value> modifierIndices(OpBuilder &b, Location loc, Value k0,
                                     Value j, Value i) const {
    Value qi = arith::AddIOp::create(
        b, loc, getValueOrCreateConstantIndexOp(b, loc, pos.q0), i);
    if (sqLast)
      qi = arith::MinSIOp::create(b, loc, qi, sqLast);
    Value kj = arith::AddIOp::create(b, loc, k0, j);
    if (skvLast)
      kj = arith::MinSIOp::create(b, loc, kj, skvLast);
    return {getValueOrCreateConstantIndexOp(b, loc, pos.batch),
            getValueOrCreateConstantIndexOp(b, loc, pos.head), qi, kj};
  }

  /// s[j, i] += kp[j, d] * qp[d, i]: S^T = K . Q^T.
  static Value scores(OpBuilder &b, Location loc, Value kp, Value qp, Value s) {
    MLIRContext *ctx = b.getContext();
    return contraction(b, loc, kp, qp, s,
                       {dimsMap(ctx, 3, {0, 2}), dimsMap(ctx, 3, {2, 1}),
                        dimsMap(ctx, 3, {0, 1})},
                       {kPar, kPar, kRed});
  }

  /// acc[i, e] * corr[i] + sum_j p[j, i] * vp[j, e].
  static Value accumulate(OpBuilder &b, Location loc, Value p, Value vp,
                          Value corr, Value acc, bool keyMajor = false) {
    MLIRContext *ctx = b.getContext();
    AffineMap id2 = b.getMultiDimIdentityMap(2);
    AffineMap row2 = AffineMap::get(2, 0, {getAffineDimExpr(0, ctx)}, ctx);
    acc = generic(b, loc, corr, acc, {row2, id2}, {kPar, kPar},
                  [](OpBuilder &nb, Location l, ValueRange args) -> Value {
                    return arith::MulFOp::create(nb, l, args[1], args[0]);
                  });
    // P is [kvt, qt], or [qt, kvt] with keys in lanes.
    return contraction(b, loc, p, vp, acc,
                       {dimsMap(ctx, 3,
                                keyMajor ? ArrayRef<unsigned>{0, 2}
                                         : ArrayRef<unsigned>{2, 0}),
                        dimsMap(ctx, 3, {2, 1}), dimsMap(ctx, 3, {0, 1})},
                       {kPar, kPar, kRed});
  }

  /// Static [sizes] slice of `t` at `offsets`.
  static Value slice(OpBuilder &b, Location loc, Value t,
                     ArrayRef<int64_t> offsets, ArrayRef<int64_t> sizes) {
    SmallVector<OpFoldResult> offs, szs, ones;
    for (auto [o, sz] : llvm::zip(offsets, sizes)) {
      offs.push_back(b.getIndexAttr(o));
      szs.push_back(b.getIndexAttr(sz));
      ones.push_back(b.getIndexAttr(1));
    }
    if (llvm::all_of(offsets, [](int64_t o) { return o == 0; }) &&
        cast<RankedTensorType>(t.getType()).getShape() == sizes)
      return t;
    return tensor::ExtractSliceOp::create(b, loc, t, offs, szs, ones);
  }
  static Value insert(OpBuilder &b, Location loc, Value src, Value dest,
                      ArrayRef<int64_t> offsets) {
    if (src.getType() == dest.getType())
      return src;
    auto type = cast<RankedTensorType>(src.getType());
    SmallVector<OpFoldResult> offs, szs, ones;
    for (auto [o, sz] : llvm::zip(offsets, type.getShape())) {
      offs.push_back(b.getIndexAttr(o));
      szs.push_back(b.getIndexAttr(sz));
      ones.push_back(b.getIndexAttr(1));
    }
    return tensor::InsertSliceOp::create(b, loc, src, dest, offs, szs, ones);
  }

  /// Rows of a triangular block of the peeled diagonal tile: the largest
  /// of 32, 16, 8 that splits the tile in at least two, else the tile.
  int64_t diagonalBlock() const {
    for (int64_t blk : {32, 16, 8})
      if (qt % blk == 0 && qt / blk >= 2)
        return blk;
    return qt;
  }

  /// The f32 K and V tiles of keys [k0, k0 + kvT).
  std::pair<Value, Value> packKV(OpBuilder &b, Location loc, Value k0,
                                 OpFoldResult kvT) const {
    Value kTile =
        headTile(b, loc, k, pos.batch, pos.kvHead, k0, kvT, pos.dSize);
    Value vTile =
        headTile(b, loc, v, pos.batch, pos.kvHead, k0, kvT, pos.dvSize);
    if (keyMajor) {
      // K^T [D, kvt], widened; V of full tiles in place (P . V widens as it
      // loads).
      Value dest = fullKvTiles ? scratch.k : fill(b, loc, zero, scratch.k);
      Value corner = cornerSlice(b, loc, dest, {pos.dSize, kvT});
      MLIRContext *ctx = b.getContext();
      AffineMap transposed2 = AffineMap::get(
          2, 0, {getAffineDimExpr(1, ctx), getAffineDimExpr(0, ctx)}, ctx);
      Value kT = generic(
          b, loc, kTile, corner, {transposed2, b.getMultiDimIdentityMap(2)},
          {kPar, kPar}, [](OpBuilder &nb, Location l, ValueRange args) {
            return toF32(nb, l, args[0]);
          });
      kT = insertCorner(b, loc, kT, dest, {pos.dSize, kvT});
      if (fullKvTiles)
        return {kT, vTile};
      return {kT, packRows(b, loc, vTile, scratch.v, kvT, pos.dvSize, false)};
    }
    return {packRows(b, loc, kTile, scratch.k, kvT, pos.dSize, fullKvTiles),
            packRows(b, loc, vTile, scratch.v, kvT, pos.dvSize, fullKvTiles)};
  }

  /// Adds the mask to the real [kvT, qT] corner of the scores. Broadcast
  /// mask dims are sliced at 0 and read at index 0.
  Value applyMask(OpBuilder &b, Location loc, Value s, Value k0,
                  OpFoldResult kvT) const {
    MLIRContext *ctx = b.getContext();
    OpFoldResult zeroIdx = b.getIndexAttr(0), oneIdx = b.getIndexAttr(1);
    auto bc = [&](unsigned i) { return shape.isMaskBroadcast(i); };
    RankedTensorType maskType = shape.maskType;
    OpFoldResult rows = bc(2) ? oneIdx : pos.qT;
    OpFoldResult cols = bc(3) ? oneIdx : kvT;
    // Scores are [key, query] (or [query, key] with keys in lanes); the mask
    // tile is [query, key].
    AffineExpr key = getAffineDimExpr(keyMajor ? 1 : 0, ctx),
               query = getAffineDimExpr(keyMajor ? 0 : 1, ctx);
    SmallVector<AffineExpr> indices =
        shape.getMaskIndices({query, query, query, key});
    AffineMap maskMap = AffineMap::get(2, 0, {indices[2], indices[3]}, ctx);
    Value maskTile;
    if (pos.headGroup == 1) {
      maskTile = tensor::ExtractSliceOp::create(
          b, loc, tensorType({rows, cols}, maskType.getElementType()), mask,
          ArrayRef<OpFoldResult>{
              bc(0) ? zeroIdx : pos.batch, bc(1) ? zeroIdx : pos.head,
              bc(2) ? zeroIdx : pos.q0, bc(3) ? zeroIdx : OpFoldResult(k0)},
          ArrayRef<OpFoldResult>{oneIdx, oneIdx, rows, cols},
          ArrayRef<OpFoldResult>{oneIdx, oneIdx, oneIdx, oneIdx});
    } else {
      // Packed heads (see buildOnlineSoftmax): the mask is either one row
      // for every packed row (broadcast heads, one query) or [group, Sq]
      // rows that collapse to the packed rows.
      int64_t sq = bc(2) ? 1 : shape.sq;
      bool oneRow = bc(1);
      OpFoldResult groupSize = b.getIndexAttr(oneRow ? 1 : pos.headGroup);
      Value slice = tensor::ExtractSliceOp::create(
          b, loc,
          tensorType({groupSize, b.getIndexAttr(sq), cols},
                     maskType.getElementType()),
          mask,
          ArrayRef<OpFoldResult>{bc(0) ? zeroIdx : pos.batch,
                                 oneRow ? zeroIdx : pos.head, zeroIdx,
                                 bc(3) ? zeroIdx : OpFoldResult(k0)},
          ArrayRef<OpFoldResult>{oneIdx, groupSize, b.getIndexAttr(sq), cols},
          ArrayRef<OpFoldResult>{oneIdx, oneIdx, oneIdx, oneIdx});
      maskTile = tensor::CollapseShapeOp::create(
          b, loc, slice, SmallVector<ReassociationIndices>{{0, 1}, {2}});
      AffineExpr row = oneRow ? b.getAffineConstantExpr(0) : query;
      maskMap = AffineMap::get(2, 0, {row, indices[3]}, ctx);
    }
    bool boolMask = shape.hasBoolMask();
    SmallVector<OpFoldResult> sizes = {kvT, pos.qT};
    if (keyMajor)
      std::swap(sizes[0], sizes[1]);
    Value corner = cornerSlice(b, loc, s, sizes);
    corner = generic(
        b, loc, maskTile, corner, {maskMap, b.getMultiDimIdentityMap(2)},
        {kPar, kPar}, [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
          if (boolMask)
            return arith::SelectOp::create(nb, l, args[0], args[1], negInf);
          return arith::AddFOp::create(nb, l, args[1], toF32(nb, l, args[0]));
        });
    return insertCorner(b, loc, corner, s, sizes);
  }

  /// The ALiBi bias of keys [k0, k0 + kvt) in f32, [kvt]: slope * (k0 + j -
  /// q0') with q0' = q0 + (Skv - Sq), the aligned position of the tile's first
  /// query. The exact bias slope * (j' - i') of key j' = k0 + j and query
  /// i' = q0' + i is this minus slope * i: a term constant along each query's
  /// row, which the softmax cannot see. So without score_mod (the only reader
  /// of exact scores) the tile carries only this per-key part, one add per
  /// score, and buildOnlineSoftmax takes slope * i off the running max after
  /// the loop (`Positions::alibiPerKey`); with score_mod the per-query term is
  /// added too.
  Value alibiKeyBias(OpBuilder &b, Location loc, Value k0) const {
    MLIRContext *ctx = b.getContext();
    AffineExpr d0, s0, s1;
    bindDims(ctx, d0);
    bindSymbols(ctx, s0, s1);
    Value base = getValueOrCreateConstantIndexOp(
        b, loc,
        affine::makeComposedFoldedAffineApply(
            b, loc, d0 - s0 - s1, {OpFoldResult(k0), pos.q0, pos.alignOffset}));
    base = arith::IndexCastOp::create(b, loc, b.getI64Type(), base);
    base = arith::SIToFPOp::create(b, loc, b.getF32Type(), base);
    AffineMap id1 = b.getMultiDimIdentityMap(1);
    return generic(b, loc, pos.keyPos, scratch.bias, {id1, id1}, {kPar},
                   [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
                     Value dist = arith::AddFOp::create(nb, l, args[0], base);
                     return arith::MulFOp::create(nb, l, pos.alibiSlope, dist);
                   });
  }

  /// The map from the score dims to the key (query) dim.
  AffineMap keyDimMap(MLIRContext *ctx) const {
    return dimsMap(ctx, 2, {keyMajor ? 1u : 0u});
  }
  AffineMap queryDimMap(MLIRContext *ctx) const {
    return dimsMap(ctx, 2, {keyMajor ? 0u : 1u});
  }

  /// Whether the per-key ALiBi bias of a tile is added by the softmax's max
  /// and exp passes rather than by a pass of its own: when nothing else
  /// modifies the scores.
  bool biasInSoftmax() const {
    return pos.alibiSlope && !shape.softcap && !op.hasScoreMod();
  }

  /// softcap, ALiBi (`bias`, the tile's alibiKeyBias) and score_mod on the
  /// scores of keys [k0, ...), in place: they come before every mask. Without
  /// softcap and score_mod, ALiBi is left to the softmax (biasInSoftmax).
  Value modifyScores(OpBuilder &b, Location loc, Value s, Value k0,
                     Value bias) const {
    bool scoreMod = op.hasScoreMod();
    if (!shape.softcap && !scoreMod)
      return s;
    MLIRContext *ctx = b.getContext();
    // The positions come in as f32 tensors rather than linalg.index: on
    // [1, qt] tiles only the query index would be left, and mha-vectorize-rows
    // keeps an output plus a term of the innermost index alone scalar.
    SmallVector<Value> inputs;
    SmallVector<AffineMap> maps;
    if (bias) {
      inputs.push_back(bias);
      maps.push_back(keyDimMap(ctx));
      if (!pos.alibiPerKey) {
        inputs.push_back(pos.queryPos);
        maps.push_back(queryDimMap(ctx));
      }
    }
    maps.push_back(b.getMultiDimIdentityMap(2));
    return generic(
        b, loc, inputs, s, maps, {kPar, kPar},
        [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
          Value v = args.back();
          if (shape.softcap)
            v = fastSoftcap(nb, l, v, *shape.softcap);
          if (bias) {
            v = arith::AddFOp::create(nb, l, v, args[0]);
            // The exact score: minus slope * i (see alibiKeyBias).
            if (!pos.alibiPerKey)
              v = arith::SubFOp::create(
                  nb, l, v,
                  arith::MulFOp::create(nb, l, pos.alibiSlope, args[1]));
          }
          // score_mod after ALiBi, before the masks.
          if (scoreMod) {
            Value key = linalg::IndexOp::create(nb, l, keyMajor ? 1 : 0);
            Value query = linalg::IndexOp::create(nb, l, keyMajor ? 0 : 1);
            v = inlineScoreMod(nb, l, op, v,
                               modifierIndices(nb, l, k0, key, query));
          }
          return v;
        });
  }

  /// -inf for keys j the tile does not have (j >= kvTVal, when set), for
  /// keys in the future of query i (j > i + diag, when set) and for keys
  /// outside the window (j < i + winLeft or j > i + winRight, when set).
  /// With `maskK0` (the tile's first key) also for keys mask_mod hides.
  Value hide(OpBuilder &b, Location loc, Value s, Value kvTVal, Value diag,
             Value winLeft = {}, Value winRight = {}, Value maskK0 = {}) const {
    return generic(
        b, loc, ValueRange{}, s, {b.getMultiDimIdentityMap(2)}, {kPar, kPar},
        [&](OpBuilder &bb, Location ll, ValueRange args) -> Value {
          Value j = linalg::IndexOp::create(bb, ll, keyMajor ? 1 : 0);
          Value hidden;
          auto orWith = [&](Value c) {
            hidden = hidden
                         ? arith::OrIOp::create(bb, ll, hidden, c).getResult()
                         : c;
          };
          if (kvTVal)
            hidden = arith::CmpIOp::create(bb, ll, arith::CmpIPredicate::sge, j,
                                           kvTVal);
          Value i;
          if (diag || winLeft || winRight || maskK0)
            i = linalg::IndexOp::create(bb, ll, keyMajor ? 0 : 1);
          if (maskK0) {
            Value visible = inlineMaskMod(
                bb, ll, op, modifierIndices(bb, ll, maskK0, j, i));
            orWith(arith::XOrIOp::create(
                bb, ll, visible,
                arith::ConstantIntOp::create(bb, ll, bb.getI1Type(), 1)));
          }
          if (diag)
            orWith(isFutureKey(bb, ll, i, j, diag));
          if (winRight)
            orWith(isFutureKey(bb, ll, i, j, winRight));
          if (winLeft) {
            Value first = arith::AddIOp::create(bb, ll, i, winLeft);
            orWith(arith::CmpIOp::create(bb, ll, arith::CmpIPredicate::slt, j,
                                         first));
          }
          return arith::SelectOp::create(bb, ll, hidden, negInf, args[0]);
        });
  }

  /// The online-softmax update of (m, l) by the scores `s`, which become P
  /// in place. Returns {corr, m_new, l_new, P}. A `keyBias` (the per-key ALiBi
  /// bias, see biasInSoftmax) is added to every score by the max and exp
  /// passes, which read the tile anyway.
  SmallVector<Value> softmax(OpBuilder &b, Location loc, Value s, Value m,
                             Value rowSum, Value keyBias = {}) const {
    MLIRContext *ctx = b.getContext();
    AffineMap id2 = b.getMultiDimIdentityMap(2);
    // The query dim of the scores, and the iterators of a reduction over
    // keys: the outer dim of S^T, or the inner dim of S (keys in lanes: one
    // horizontal reduction per row).
    AffineMap col2 =
        AffineMap::get(2, 0, {getAffineDimExpr(keyMajor ? 0 : 1, ctx)}, ctx);
    SmallVector<IteratorType> overKeys = {kRed, kPar};
    if (keyMajor)
      std::swap(overKeys[0], overKeys[1]);
    // Row max of the tile (a reduction over keys).
    // maxnumf, not maximumf: it lowers to far fewer instructions, and a NaN
    // score it skips still turns the whole row NaN through exp(S - m).
    SmallVector<Value> scores = {s};
    SmallVector<AffineMap> scoreMaps = {id2};
    if (keyBias) {
      scores.push_back(keyBias);
      scoreMaps.push_back(keyDimMap(ctx));
    }
    // The score with its key's bias, if any.
    auto biased = [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
      if (!keyBias)
        return args[0];
      return arith::AddFOp::create(nb, l, args[0], args[1]);
    };
    Value tileMax = fill(b, loc, negInf, scratch.row);
    SmallVector<AffineMap> maxMaps = scoreMaps;
    maxMaps.push_back(col2);
    tileMax = generic(b, loc, scores, tileMax, maxMaps, overKeys,
                      [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
                        return arith::MaxNumFOp::create(
                            nb, l, biased(nb, l, args), args.back());
                      });

    // Per query, in place: m_new = max(m, tileMax); the scratch row becomes
    // the correction exp(m - m_new); l *= correction.
    AffineMap id1 = b.getMultiDimIdentityMap(1);
    auto update = linalg::GenericOp::create(
        b, loc, TypeRange{tileMax.getType(), m.getType(), rowSum.getType()},
        ValueRange{}, ValueRange{tileMax, m, rowSum},
        ArrayRef<AffineMap>{id1, id1, id1}, ArrayRef<IteratorType>{kPar},
        [&](OpBuilder &nb, Location l, ValueRange args) {
          Value mNew = arith::MaxNumFOp::create(nb, l, args[1], args[0]);
          Value corr = math::ExpOp::create(
              nb, l, arith::SubFOp::create(nb, l, args[1], mNew));
          Value lNew = arith::MulFOp::create(nb, l, args[2], corr);
          linalg::YieldOp::create(nb, l, ValueRange{corr, mNew, lNew});
        });
    Value corr = update.getResult(0), mNew = update.getResult(1);
    rowSum = update.getResult(2);

    // P = exp(S - m_new), in place on S.
    SmallVector<Value> expInputs = {mNew};
    SmallVector<AffineMap> expMaps = {col2};
    if (keyBias) {
      expInputs.push_back(keyBias);
      expMaps.push_back(keyDimMap(ctx));
    }
    expMaps.push_back(id2);
    Value p =
        generic(b, loc, expInputs, s, expMaps, {kPar, kPar},
                [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
                  Value score = args.back();
                  if (keyBias)
                    score = arith::AddFOp::create(nb, l, score, args[1]);
                  return math::ExpOp::create(
                      nb, l, arith::SubFOp::create(nb, l, score, args[0]));
                });

    // l += rowsum(P).
    rowSum = generic(b, loc, p, rowSum, {id2, col2}, overKeys,
                     [](OpBuilder &nb, Location l, ValueRange args) -> Value {
                       return arith::AddFOp::create(nb, l, args[1], args[0]);
                     });
    return {corr, mNew, rowSum, p};
  }

  /// The number of real keys of the tile at k0.
  OpFoldResult kvTileSize(OpBuilder &b, Location loc, Value k0) const {
    MLIRContext *ctx = b.getContext();
    AffineExpr d0, s0;
    bindDims(ctx, d0);
    bindSymbols(ctx, s0);
    if (fullKvTiles)
      return b.getIndexAttr(kvt);
    return affine::makeComposedFoldedAffineMin(
        b, loc,
        AffineMap::get(1, 1, {b.getAffineConstantExpr(kvt), s0 - d0}, ctx),
        {k0, pos.kvEnd});
  }

  /// The mask_mod class of the tile at k0: (every element visible, none
  /// visible) as i1, or both null when it is not known.
  std::pair<Value, Value> classify(OpBuilder &b, Location loc, Value k0,
                                   OpFoldResult kvT) const {
    if (maskMod->formula) {
      Value kLast = arith::SubIOp::create(
          b, loc,
          arith::AddIOp::create(b, loc, k0,
                                getValueOrCreateConstantIndexOp(b, loc, kvT)),
          arith::ConstantIndexOp::create(b, loc, 1));
      return classifyTile(b, loc, *maskMod->formula,
                          getValueOrCreateConstantIndexOp(b, loc, pos.q0),
                          qLast, k0, kLast);
    }
    if (!maskTable)
      return {Value(), Value()};
    MLIRContext *ctx = b.getContext();
    AffineExpr d0;
    bindDims(ctx, d0);
    Value zeroIdx = arith::ConstantIndexOp::create(b, loc, 0);
    Value qTile =
        getValueOrCreateConstantIndexOp(b, loc,
                                        affine::makeComposedFoldedAffineApply(
                                            b, loc, d0.floorDiv(qt), {pos.q0}));
    Value kTile = getValueOrCreateConstantIndexOp(
        b, loc,
        affine::makeComposedFoldedAffineApply(b, loc, d0.floorDiv(tableKvt),
                                              {k0}));
    Value cls = tensor::ExtractOp::create(
        b, loc, maskTable,
        ValueRange{maskMod->usesBatch
                       ? getValueOrCreateConstantIndexOp(b, loc, pos.batch)
                       : zeroIdx,
                   maskMod->usesHead
                       ? getValueOrCreateConstantIndexOp(b, loc, pos.head)
                       : zeroIdx,
                   qTile, kTile});
    auto is = [&](int64_t v) -> Value {
      return arith::CmpIOp::create(
          b, loc, arith::CmpIPredicate::eq, cls,
          arith::ConstantIntOp::create(b, loc, b.getI8Type(), v));
    };
    return {is(2), is(0)};
  }

  /// The step over keys [k0, k0 + kvT). Returns the new (m, l, acc). With a
  /// mask_mod, a tile that none of its elements sees is skipped and only
  /// tiles that are not known to be full select per element.
  SmallVector<Value> build(OpBuilder &b, Location loc, Value k0,
                           ValueRange iterArgs) const {
    if (!maskMod)
      return buildStep(b, loc, k0, iterArgs, kvTileSize(b, loc, k0), Value());
    OpFoldResult kvT = kvTileSize(b, loc, k0);
    auto [allTrue, allFalse] = classify(b, loc, k0, kvT);
    Value one = arith::ConstantIntOp::create(b, loc, b.getI1Type(), 1);
    Value partial =
        allTrue ? arith::XOrIOp::create(b, loc, allTrue, one).getResult() : one;
    if (!skipEmpty || !allFalse || matchPattern(allFalse, m_Zero()))
      return buildStep(b, loc, k0, iterArgs, kvT, partial);
    auto ifOp = scf::IfOp::create(
        b, loc, allFalse,
        [&](OpBuilder &nb, Location l) {
          scf::YieldOp::create(nb, l, iterArgs);
        },
        [&](OpBuilder &nb, Location l) {
          scf::YieldOp::create(nb, l,
                               buildStep(nb, l, k0, iterArgs, kvT, partial));
        });
    return ifOp.getResults();
  }

  /// One step on a visited tile; `maskPartial` (i1) is set when the op has
  /// a mask_mod and tells whether the tile needs its per-element select.
  SmallVector<Value> buildStep(OpBuilder &b, Location loc, Value k0,
                               ValueRange iterArgs, OpFoldResult kvT,
                               Value maskPartial) const {
    MLIRContext *ctx = b.getContext();
    Value m = iterArgs[0], rowSum = iterArgs[1], acc = iterArgs[2];
    AffineExpr d0, d1, s0;
    bindDims(ctx, d0, d1);
    bindSymbols(ctx, s0);
    if (prefetchTiles > 0)
      prefetchTile(b, loc, k, k0);
    auto [kPacked, vPacked] = packKV(b, loc, k0, kvT);

    Value s = scoreProduct(b, loc, kPacked, fill(b, loc, zero, scratch.scores));
    Value bias = pos.alibiSlope ? alibiKeyBias(b, loc, k0) : Value();
    s = modifyScores(b, loc, s, k0, bias);
    if (mask)
      s = applyMask(b, loc, s, k0, kvT);

    // Keys the tile does not have and, on tiles that straddle the
    // diagonal, keys in the future of the query get -inf. Full tiles below
    // the diagonal skip this entirely.
    Value diag, kvTVal, apply;
    if (pos.causalOffset) {
      // Local key j is hidden from local query i iff j > i + diag, with
      // diag = q0 + (Skv - Sq) - k0; the tile straddles the diagonal when
      // its last key is hidden from its first query.
      diag = getValueOrCreateConstantIndexOp(
          b, loc,
          affine::makeComposedFoldedAffineApply(
              b, loc, d0 + s0 - d1, {pos.q0, k0, pos.causalOffset}));
      Value lastKey = getValueOrCreateConstantIndexOp(
          b, loc, affine::makeComposedFoldedAffineApply(b, loc, d0 - 1, {kvT}));
      apply = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, lastKey,
                                    diag);
    }
    // The window: local key j is hidden from local query i iff
    // j < i + winLeft or j > i + winRight, with winLeft = q0 + (Skv - Sq) -
    // left - k0 and winRight = q0 + (Skv - Sq) + right - k0. Only tiles
    // across a window edge pay for the select: the left edge cuts the tile
    // when its first key is hidden from its last query, the right edge when
    // its last key is hidden from its first query.
    Value winLeft, winRight;
    auto orApply = [&](Value c) {
      apply = apply ? arith::OrIOp::create(b, loc, apply, c).getResult() : c;
    };
    if (shape.windowLeft >= 0) {
      winLeft = getValueOrCreateConstantIndexOp(
          b, loc,
          affine::makeComposedFoldedAffineApply(b, loc,
                                                d0 + s0 - d1 - shape.windowLeft,
                                                {pos.q0, k0, pos.alignOffset}));
      Value lastQuery = getValueOrCreateConstantIndexOp(
          b, loc,
          affine::makeComposedFoldedAffineApply(b, loc, d0 - 1, {pos.qT}));
      orApply(arith::CmpIOp::create(
          b, loc, arith::CmpIPredicate::slt,
          arith::ConstantIndexOp::create(b, loc, 0),
          arith::AddIOp::create(b, loc, lastQuery, winLeft)));
    }
    if (shape.windowRight >= 0) {
      winRight = getValueOrCreateConstantIndexOp(
          b, loc,
          affine::makeComposedFoldedAffineApply(
              b, loc, d0 + s0 - d1 + shape.windowRight,
              {pos.q0, k0, pos.alignOffset}));
      Value lastKey = getValueOrCreateConstantIndexOp(
          b, loc, affine::makeComposedFoldedAffineApply(b, loc, d0 - 1, {kvT}));
      orApply(arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, lastKey,
                                    winRight));
    }
    if (!fullKvTiles) {
      kvTVal = getValueOrCreateConstantIndexOp(b, loc, kvT);
      Value partial =
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, kvTVal,
                                arith::ConstantIndexOp::create(b, loc, kvt));
      apply = apply ? arith::OrIOp::create(b, loc, apply, partial).getResult()
                    : partial;
    }
    if (maskPartial)
      orApply(maskPartial);
    if (apply) {
      auto ifOp = scf::IfOp::create(
          b, loc, apply,
          [&](OpBuilder &nb, Location l) {
            scf::YieldOp::create(nb, l,
                                 hide(nb, l, s, kvTVal, diag, winLeft, winRight,
                                      maskPartial ? k0 : Value()));
          },
          [&](OpBuilder &nb, Location l) { scf::YieldOp::create(nb, l, s); });
      s = ifOp.getResult(0);
    }

    SmallVector<Value> sm =
        softmax(b, loc, s, m, rowSum, biasInSoftmax() ? bias : Value());
    if (prefetchTiles > 0)
      prefetchTile(b, loc, v, k0);
    acc = accumulate(b, loc, sm[3], vPacked, sm[0], acc, keyMajor);
    return {sm[1], sm[2], acc};
  }

  /// The peeled diagonal tile of an aligned causal query tile: keys
  /// [k0, k0 + kvt) with local key j visible to local query i iff j <= i.
  /// Both contractions run by triangular blocks of `blk` queries: block r
  /// only needs keys [0, (r + 1) * blk), which skips almost half of the
  /// tile's work; the rest of S^T gets -inf and P = 0 there.
  SmallVector<Value> buildDiagonal(OpBuilder &b, Location loc, Value k0,
                                   ValueRange state) const {
    Value m = state[0], rowSum = state[1], acc = state[2];
    int64_t d = cast<RankedTensorType>(qPacked.getType()).getDimSize(0);
    int64_t dv = cast<RankedTensorType>(acc.getType()).getDimSize(1);
    auto [kPacked, vPacked] = packKV(b, loc, k0, b.getIndexAttr(kvt));
    int64_t blk = diagonalBlock();

    Value s = scratch.scores;
    for (int64_t r = 0; r * blk < qt; ++r) {
      int64_t keys = (r + 1) * blk, col = r * blk;
      Value block = fill(b, loc, zero, slice(b, loc, s, {0, col}, {keys, blk}));
      block = scores(b, loc, slice(b, loc, kPacked, {0, 0}, {keys, d}),
                     slice(b, loc, qPacked, {0, col}, {d, blk}), block);
      s = insert(b, loc, block, s, {0, col});
    }
    Value bias = pos.alibiSlope ? alibiKeyBias(b, loc, k0) : Value();
    s = modifyScores(b, loc, s, k0, bias);
    if (mask)
      s = applyMask(b, loc, s, k0, b.getIndexAttr(kvt));
    s = hide(b, loc, s, Value(), arith::ConstantIndexOp::create(b, loc, 0),
             Value(), Value(), maskMod ? k0 : Value());

    SmallVector<Value> sm =
        softmax(b, loc, s, m, rowSum, biasInSoftmax() ? bias : Value());
    for (int64_t r = 0; r * blk < qt; ++r) {
      int64_t keys = (r + 1) * blk, row = r * blk;
      Value block =
          accumulate(b, loc, slice(b, loc, sm[3], {0, row}, {keys, blk}),
                     slice(b, loc, vPacked, {0, 0}, {keys, dv}),
                     slice(b, loc, sm[0], {row}, {blk}),
                     slice(b, loc, acc, {row, 0}, {blk, dv}));
      acc = insert(b, loc, block, acc, {row, 0});
    }
    return {sm[1], sm[2], acc};
  }
};
} // namespace

Value flash::cornerSlice(OpBuilder &b, Location loc, Value t,
                         ArrayRef<OpFoldResult> sizes) {
  auto type = cast<RankedTensorType>(t.getType());
  RankedTensorType want = tensorType(sizes, type.getElementType());
  if (want == type && type.hasStaticShape())
    return t;
  SmallVector<OpFoldResult> zeros(sizes.size(), b.getIndexAttr(0));
  SmallVector<OpFoldResult> ones(sizes.size(), b.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(b, loc, want, t, zeros, sizes, ones);
}

Value flash::insertCorner(OpBuilder &b, Location loc, Value corner, Value dest,
                          ArrayRef<OpFoldResult> sizes) {
  if (corner.getType() == dest.getType())
    return corner;
  SmallVector<OpFoldResult> zeros(sizes.size(), b.getIndexAttr(0));
  SmallVector<OpFoldResult> ones(sizes.size(), b.getIndexAttr(1));
  return tensor::InsertSliceOp::create(b, loc, corner, dest, zeros, sizes,
                                       ones);
}

Value flash::headTile(OpBuilder &b, Location loc, Value t, OpFoldResult batch,
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

int64_t flash::resolveThreadCount(int64_t threads) {
  if (threads > 0)
    return threads;
  return std::max(1u, llvm::hardware_concurrency().compute_thread_count());
}

flash::AttentionTiling flash::getAttentionTiling(OpBuilder &rewriter,
                                                 AttentionOp op, int64_t qTile,
                                                 int64_t kvTile) {
  Location loc = op.getLoc();
  MLIRContext *ctx = op.getContext();
  AttentionTiling t;
  t.op = op;
  t.shape = AttentionShape::get(op);
  t.sizes = t.shape.getSizes(rewriter, loc, op.getQuery(), op.getKey());
  // A window with right = 0 is causal (which trims and peels better), and
  // causal makes any right bound redundant.
  if (t.shape.windowRight == 0)
    t.shape.causal = true;
  if (t.shape.causal)
    t.shape.windowRight = -1;
  const AttentionShape &s = t.shape;

  // A tile never exceeds a static sequence: tiny shapes get small tiles.
  t.qt = s.hasStaticSq() ? std::max<int64_t>(1, std::min(qTile, s.sq)) : qTile;
  t.kvt =
      s.hasStaticSkv() ? std::max<int64_t>(1, std::min(kvTile, s.skv)) : kvTile;
  // Every query tile is full when qt divides a static Sq.
  t.fullQTiles = s.hasStaticSq() && s.sq % t.qt == 0;
  // Every kv tile is full when kvt divides every possible loop bound: Skv,
  // and with causal trimming q0 + qT + (Skv - Sq), which is a multiple of
  // kvt when qt and Skv - Sq are.
  t.fullKvTiles = s.hasStaticSkv() && s.skv % t.kvt == 0;
  // The window trims both ends of the kv loop: its start is rounded down to
  // a tile, its end q0 + qT + (Skv - Sq) + right is a multiple of kvt when
  // right is too.
  if (s.causal || s.windowRight >= 0)
    t.fullKvTiles = t.fullKvTiles && t.fullQTiles && t.qt % t.kvt == 0 &&
                    (s.skv - s.sq) % t.kvt == 0 &&
                    std::max<int64_t>(s.windowRight, 0) % t.kvt == 0;

  if (op.hasMaskMod())
    t.maskMod = analyzeMaskMod(op);

  t.zero = f32Constant(rewriter, loc, 0.0f);
  t.negInf =
      f32Constant(rewriter, loc, -std::numeric_limits<float>::infinity());
  t.scale = f32Constant(rewriter, loc, static_cast<float>(s.scale));

  AffineExpr s0, s1;
  bindSymbols(ctx, s0, s1);
  // Causal: global query i sees global key j iff j <= i + (Skv - Sq).
  if (s.needsAlignedQuery())
    t.alignOffset = affine::makeComposedFoldedAffineApply(
        rewriter, loc, s0 - s1, {t.sizes.skv, t.sizes.sq});
  if (s.causal)
    t.causalOffset = t.alignOffset;
  return t;
}

flash::OnlineSoftmaxState flash::buildOnlineSoftmax(
    OpBuilder &rewriter, Location loc, const AttentionTiling &t, Value bIv,
    Value hIv, OpFoldResult q0, OpFoldResult qT, OpFoldResult kvBegin,
    OpFoldResult splitEnd, int64_t headGroup, bool keysInLanes,
    int64_t prefetchTiles) {
  MLIRContext *ctx = rewriter.getContext();
  AttentionOp op = t.op;
  const AttentionShape &shape = t.shape;
  Value q = op.getQuery(), k = op.getKey(), v = op.getValue();
  Value mask = op.getMask();
  int64_t qt = t.qt, kvt = t.kvt, d = shape.headDim, dv = shape.valueDim;
  bool fullQTiles = t.fullQTiles, fullKvTiles = t.fullKvTiles;
  // Packed heads: the tile is every query of `headGroup` heads.
  if (headGroup > 1) {
    qt = headGroup * shape.sq;
    fullQTiles = true;
  }
  bool causal = shape.causal;
  OpFoldResult dSize = t.sizes.headDim, dvSize = t.sizes.valueDim,
               skvSize = t.sizes.skv, sqSize = t.sizes.sq,
               causalOffset = t.causalOffset;
  Value zero = t.zero, negInf = t.negInf, scale = t.scale;
  Type f32 = rewriter.getF32Type();
  bool split = static_cast<bool>(kvBegin);

  AffineExpr d0, d1, s0, s1;
  bindDims(ctx, d0, d1);
  bindSymbols(ctx, s0, s1);

  OpFoldResult kvHead = affine::makeComposedFoldedAffineApply(
      rewriter, loc, shape.getKvHead(d0), {hIv});
  Value alibiSlope, keyPos, queryPos, diagKeyPos;
  if (Value slopes = op.getAlibi()) {
    alibiSlope = tensor::ExtractOp::create(rewriter, loc, slopes, hIv);
    auto positions = [&](int64_t n) {
      return generic(rewriter, loc, ValueRange{},
                     allocTensor(rewriter, loc, {n}, f32),
                     {rewriter.getMultiDimIdentityMap(1)}, {kPar},
                     [](OpBuilder &b, Location l, ValueRange) -> Value {
                       Value i = linalg::IndexOp::create(b, l, 0);
                       i = arith::IndexCastOp::create(b, l, b.getI64Type(), i);
                       return arith::SIToFPOp::create(b, l, b.getF32Type(), i);
                     });
    };
    keyPos = positions(kvt);
    queryPos = positions(qt);
    diagKeyPos = kvt == qt ? queryPos : positions(qt);
  }
  Value qTileVal;
  if (headGroup == 1) {
    qTileVal = headTile(rewriter, loc, q, bIv, hIv, q0, qT, dSize);
  } else {
    // Heads are the outer dim of [B, H, Sq, D], so the queries of
    // consecutive heads are consecutive rows: [group, Sq, D] -> [qt, D].
    OpFoldResult zeroIdx = rewriter.getIndexAttr(0),
                 oneIdx = rewriter.getIndexAttr(1);
    Value slice = tensor::ExtractSliceOp::create(
        rewriter, loc,
        RankedTensorType::get({headGroup, shape.sq, staticOr(dSize)},
                              shape.elementType),
        q, ArrayRef<OpFoldResult>{bIv, hIv, zeroIdx, zeroIdx},
        ArrayRef<OpFoldResult>{oneIdx, rewriter.getIndexAttr(headGroup),
                               rewriter.getIndexAttr(shape.sq), dSize},
        ArrayRef<OpFoldResult>{oneIdx, oneIdx, oneIdx, oneIdx});
    qTileVal = tensor::CollapseShapeOp::create(
        rewriter, loc, slice, SmallVector<ReassociationIndices>{{0, 1}, {2}});
  }

  // Q^T * scale in f32, [D, qt], zero beyond the real queries, once per
  // query tile: the scores need no scaling and the kv loop no widening.
  // With keys in lanes, Q stays [qt, D]: the dot products read its rows.
  AffineMap id2 = rewriter.getMultiDimIdentityMap(2);
  AffineMap transposed2 = AffineMap::get(2, 0, {d1, d0}, ctx);
  SmallVector<OpFoldResult> qCorner = {dSize, qT};
  if (keysInLanes)
    std::swap(qCorner[0], qCorner[1]);
  Value qBuf = allocTensor(
      rewriter, loc,
      keysInLanes ? ArrayRef<int64_t>{qt, d} : ArrayRef<int64_t>{d, qt}, f32);
  if (!fullQTiles)
    qBuf = fill(rewriter, loc, zero, qBuf);
  Value qPacked = generic(
      rewriter, loc, qTileVal, cornerSlice(rewriter, loc, qBuf, qCorner),
      {keysInLanes ? id2 : transposed2, id2}, {kPar, kPar},
      [&](OpBuilder &b, Location l, ValueRange args) -> Value {
        return arith::MulFOp::create(b, l, scale, toF32(b, l, args[0]));
      });
  qPacked = insertCorner(rewriter, loc, qPacked, qBuf, qCorner);

  // Loop-carried state, all f32 over the padded query tile. The running max
  // starts at the lowest finite float, not -inf: exp(s - m) is then never
  // exp(-inf + inf) = NaN, and a row that sees only -inf keeps l = 0.
  OpFoldResult qtSize = rewriter.getIndexAttr(qt);
  Value m0 = filledTensor(
      rewriter, loc, {qtSize},
      f32Constant(rewriter, loc, std::numeric_limits<float>::lowest()));
  Value l0 = filledTensor(rewriter, loc, {qtSize}, zero);
  Value acc0 = filledTensor(rewriter, loc, {qtSize, dvSize}, zero);
  // Scratch tiles, once per query tile. They are alloc_tensor, not
  // tensor.empty: CSE would merge equal-shaped empties, then the fills
  // inside the loop with the iter_args' initial fills, forcing a copy per
  // kv step.
  // Causal trimming: no row of this tile sees a key at or beyond
  // q0 + qT + (Skv - Sq). A negative bound means no visible key at all.
  OpFoldResult kvEnd = skvSize;
  // Aligned causal tiles (q-tile dividing Sq and Skv - Sq, and q-tile and
  // kv-tile multiples of one another): the keys of query tile q0 split into
  //  - [kvStart, A), A = (q0 + Skv - Sq) rounded down to a kv tile: whole kv
  //    tiles that every query of the tile sees, in the loop without select;
  //  - [A, q0 + Skv - Sq): fewer keys than a kv tile (only when kv-tile >
  //    q-tile), visible to every query too, in a second loop of q-tile keys;
  //  - [q0 + Skv - Sq, + q-tile): the one q-tile x q-tile tile with the
  //    diagonal at its corner, peeled and computed by triangular blocks.
  // So no tile beyond the diagonal is visited, and only the diagonal tile
  // selects, for any q-tile / kv-tile ratio. The peeled tile masks only the
  // causal diagonal: a window left edge may not cut it (left >= qt - 1).
  bool peelDiagonal = !split && causal && shape.hasStaticSq() &&
                      shape.hasStaticSkv() && shape.sq % qt == 0 &&
                      (shape.skv - shape.sq) % qt == 0 &&
                      (qt % kvt == 0 || kvt % qt == 0) &&
                      (shape.windowLeft < 0 || shape.windowLeft >= qt - 1);
  // The peeled schedule visits only whole tiles.
  bool stepFullKvTiles = fullKvTiles || peelDiagonal;
  // The tile between the kv loop and the diagonal: q-tile keys.
  bool tailLoop = peelDiagonal && kvt > qt;

  // Scratch tiles, once per query tile. They are alloc_tensor, not
  // tensor.empty: CSE would merge equal-shaped empties, then the fills
  // inside the loop with the iter_args' initial fills, forcing a copy per
  // kv step. K and V have the element type of Q (verified). The peeled
  // diagonal has q-tile keys: scratch of its own when kv-tile differs.
  auto makeScratch = [&](int64_t keys, bool full, bool row) {
    Scratch sc;
    sc.scores = allocTensor(rewriter, loc,
                            keysInLanes ? ArrayRef<int64_t>{qt, keys}
                                        : ArrayRef<int64_t>{keys, qt},
                            f32);
    if (row)
      sc.row = allocTensor(rewriter, loc, {qt}, f32);
    // Keys in lanes: K^T always, V only for partial tiles.
    if (keysInLanes) {
      sc.k = allocTensor(rewriter, loc, {d, keys}, f32);
      if (!full)
        sc.v = allocTensor(rewriter, loc, {keys, dv}, f32);
    } else if (!full || !shape.elementType.isF32()) {
      sc.k = allocTensor(rewriter, loc, {keys, d}, f32);
      sc.v = allocTensor(rewriter, loc, {keys, dv}, f32);
    }
    if (alibiSlope)
      sc.bias = allocTensor(rewriter, loc, {keys}, f32);
    return sc;
  };
  Scratch scratch = makeScratch(kvt, stepFullKvTiles, /*row=*/true);
  Scratch diagScratch = scratch;
  if (peelDiagonal && kvt != qt) {
    diagScratch = makeScratch(qt, /*full=*/true, /*row=*/false);
    diagScratch.row = scratch.row;
  }

  OpFoldResult diagStart, tailStart;
  if (peelDiagonal) {
    diagStart = affine::makeComposedFoldedAffineApply(rewriter, loc, d0 + s0,
                                                      {q0, causalOffset});
    kvEnd = diagStart;
    if (kvt > qt)
      kvEnd = affine::makeComposedFoldedAffineApply(
          rewriter, loc, d0.floorDiv(kvt) * kvt, {diagStart});
    tailStart = kvEnd;
    if (shape.sq > shape.skv)
      kvEnd = affine::makeComposedFoldedAffineMax(
          rewriter, loc,
          AffineMap::get(1, 0, {rewriter.getAffineConstantExpr(0), d0}, ctx),
          {kvEnd});
  } else if (causal) {
    kvEnd = affine::makeComposedFoldedAffineMin(
        rewriter, loc, AffineMap::get(2, 2, {s0, d0 + d1 + s0 - s1}, ctx),
        {q0, qT, skvSize, sqSize});
    if (!shape.hasStaticSq() || !shape.hasStaticSkv() || shape.sq > shape.skv)
      kvEnd = affine::makeComposedFoldedAffineMax(
          rewriter, loc,
          AffineMap::get(1, 0, {rewriter.getAffineConstantExpr(0), d0}, ctx),
          {kvEnd});
  }
  // Window trimming: no row of this tile sees a key at or beyond
  // q0 + qT + (Skv - Sq) + right, nor one before q0 + (Skv - Sq) - left,
  // which is rounded down to a tile so that tiles stay aligned. The tiles
  // outside [kvStart, kvEnd) are skipped without a look.
  if (shape.windowRight >= 0)
    kvEnd = affine::makeComposedFoldedAffineMin(
        rewriter, loc,
        AffineMap::get(2, 2, {s0, d0 + d1 + s1 + shape.windowRight}, ctx),
        {q0, qT, kvEnd, t.alignOffset});
  OpFoldResult kvStart = rewriter.getIndexAttr(0);
  if (shape.windowLeft >= 0)
    kvStart = affine::makeComposedFoldedAffineMax(
        rewriter, loc,
        AffineMap::get(1, 1,
                       {rewriter.getAffineConstantExpr(0),
                        (d0 + s0 - shape.windowLeft).floorDiv(kvt) * kvt},
                       ctx),
        {q0, t.alignOffset});
  // An affine mask_mod bounds the keys the tile's queries may see like a
  // window does, rounded out to whole tiles.
  Value qLast = arith::SubIOp::create(
      rewriter, loc,
      getValueOrCreateConstantIndexOp(rewriter, loc,
                                      affine::makeComposedFoldedAffineApply(
                                          rewriter, loc, d0 + d1, {q0, qT})),
      arith::ConstantIndexOp::create(rewriter, loc, 1));
  if (t.maskMod && t.maskMod->formula) {
    Value q0Val = getValueOrCreateConstantIndexOp(rewriter, loc, q0);
    auto [lo, hi] = kvRangeOf(rewriter, loc, *t.maskMod->formula, q0Val, qLast);
    Value tile = arith::ConstantIndexOp::create(rewriter, loc, kvt);
    if (hi) {
      Value end = arith::MulIOp::create(
          rewriter, loc, arith::CeilDivSIOp::create(rewriter, loc, hi, tile),
          tile);
      kvEnd = arith::MinSIOp::create(
                  rewriter, loc,
                  getValueOrCreateConstantIndexOp(rewriter, loc, kvEnd), end)
                  .getResult();
    }
    if (lo) {
      Value start = arith::MulIOp::create(
          rewriter, loc, arith::FloorDivSIOp::create(rewriter, loc, lo, tile),
          tile);
      kvStart =
          arith::MaxSIOp::create(
              rewriter, loc,
              getValueOrCreateConstantIndexOp(rewriter, loc, kvStart), start)
              .getResult();
    }
  }
  // A split visits only its own keys [kvBegin, min(kvEnd, splitEnd)).
  if (split)
    kvEnd = affine::makeComposedFoldedAffineMin(
        rewriter, loc, AffineMap::get(0, 2, {s0, s1}, ctx), {kvEnd, splitEnd});

  KvStep step{q,
              k,
              v,
              mask,
              qPacked,
              scratch,
              {bIv, hIv, kvHead, q0, qT, kvEnd, dSize, dvSize,
               peelDiagonal ? OpFoldResult() : causalOffset, t.alignOffset,
               alibiSlope, keyPos, queryPos},
              shape,
              qt,
              kvt,
              stepFullKvTiles,
              zero,
              negInf};
  step.pos.headGroup = headGroup;
  step.pos.alibiPerKey = alibiSlope && !op.hasScoreMod();
  step.op = op;
  if (t.maskMod)
    step.maskMod = &*t.maskMod;
  step.maskTable = t.maskTable;
  // A kv loop that folds to straight-line code (one static iteration) must
  // not skip its tile: the state the skip yields then comes from outside
  // any loop, which the buffer deallocation pipeline only handles with a
  // runtime helper call that keeps scf-to-openmp's alloca_scope (which
  // scf-to-cf cannot lower). That needs constant loop bounds: a single
  // query tile (q0 = 0), or bounds that do not depend on q0 at all.
  bool singleQTile = shape.hasStaticSq() && shape.sq <= qt;
  bool boundsDependOnQuery = causal || shape.windowLeft >= 0 ||
                             shape.windowRight >= 0 ||
                             (t.maskMod && t.maskMod->formula);
  bool multipleKvTiles = !shape.hasStaticSkv() || shape.skv > kvt;
  // A split's kv loop has bounds that depend on the split (not constant).
  step.skipEmpty =
      split || (!singleQTile && (boundsDependOnQuery || multipleKvTiles));
  step.tableKvt = t.kvt;
  step.qLast = qLast;
  if (op.hasScoreMod() || op.hasMaskMod()) {
    assert(headGroup == 1 && "modifiers with packed heads");
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    if (!fullQTiles)
      step.sqLast = arith::SubIOp::create(
          rewriter, loc, getValueOrCreateConstantIndexOp(rewriter, loc, sqSize),
          one);
    if (!stepFullKvTiles)
      step.skvLast = arith::SubIOp::create(
          rewriter, loc,
          getValueOrCreateConstantIndexOp(rewriter, loc, skvSize), one);
  }
  step.keyMajor = keysInLanes;
  assert((!keysInLanes ||
          (!peelDiagonal && !causal && !alibiSlope && !shape.softcap &&
           shape.windowLeft < 0 && shape.windowRight < 0 && !op.hasScoreMod() &&
           !op.hasMaskMod())) &&
         "keys in lanes: no causal mask, no variants");
  // Steps of q-tile keys: the tail loop and the diagonal.
  KvStep diagStep = step;
  diagStep.scratch = diagScratch;
  diagStep.kvt = qt;
  diagStep.pos.keyPos = diagKeyPos;
  // A split starts at its own first key or at the range's, whichever is
  // later (both are multiples of kvt).
  OpFoldResult loopStart =
      !split ? kvStart
      : isConstantIntValue(kvStart, 0)
          ? kvBegin
          : affine::makeComposedFoldedAffineMax(
                rewriter, loc, AffineMap::get(0, 2, {s0, s1}, ctx),
                {kvBegin, kvStart});
  // Keys in lanes with partial tiles: the whole tiles [start, fullEnd) read
  // in place, then at most one packed partial tile [fullEnd, kvEnd). The
  // start is a multiple of kvt, so fullEnd is too.
  OpFoldResult loopEnd = kvEnd;
  KvStep mainStep = step;
  // Only the loop over whole tiles prefetches: the tail is at most one tile.
  mainStep.prefetchTiles = keysInLanes ? prefetchTiles : 0;
  bool partialTail = keysInLanes && !stepFullKvTiles;
  if (partialTail) {
    loopEnd = affine::makeComposedFoldedAffineMax(
        rewriter, loc, AffineMap::get(1, 1, {d0, s0.floorDiv(kvt) * kvt}, ctx),
        {loopStart, kvEnd});
    mainStep.fullKvTiles = true;
  }
  auto loop = scf::ForOp::create(
      rewriter, loc, getValueOrCreateConstantIndexOp(rewriter, loc, loopStart),
      getValueOrCreateConstantIndexOp(rewriter, loc, loopEnd),
      arith::ConstantIndexOp::create(rewriter, loc, kvt),
      ValueRange{m0, l0, acc0},
      [&](OpBuilder &b, Location l, Value k0, ValueRange iterArgs) {
        scf::YieldOp::create(b, l, mainStep.build(b, l, k0, iterArgs));
      });
  SmallVector<Value> state = loop.getResults();
  if (partialTail) {
    auto tail = scf::ForOp::create(
        rewriter, loc, getValueOrCreateConstantIndexOp(rewriter, loc, loopEnd),
        getValueOrCreateConstantIndexOp(rewriter, loc, kvEnd),
        arith::ConstantIndexOp::create(rewriter, loc, kvt), state,
        [&](OpBuilder &b, Location l, Value k0, ValueRange iterArgs) {
          scf::YieldOp::create(b, l, step.build(b, l, k0, iterArgs));
        });
    state = tail.getResults();
  }
  if (tailLoop) {
    // Keys [A, q0 + Skv - Sq) by q-tile steps (none when the diagonal starts
    // on a kv tile), from the window's start when it is later; clamped at 0
    // when Sq > Skv.
    OpFoldResult tailEnd = diagStart;
    if (shape.windowLeft >= 0)
      tailStart = affine::makeComposedFoldedAffineMax(
          rewriter, loc,
          AffineMap::get(1, 1, {d0, (s0 - shape.windowLeft).floorDiv(qt) * qt},
                         ctx),
          {tailStart, diagStart});
    if (shape.sq > shape.skv) {
      AffineMap clamp =
          AffineMap::get(1, 0, {rewriter.getAffineConstantExpr(0), d0}, ctx);
      tailStart = affine::makeComposedFoldedAffineMax(rewriter, loc, clamp,
                                                      {tailStart});
      tailEnd =
          affine::makeComposedFoldedAffineMax(rewriter, loc, clamp, {tailEnd});
    }
    diagStep.pos.kvEnd = tailEnd;
    auto tail = scf::ForOp::create(
        rewriter, loc,
        getValueOrCreateConstantIndexOp(rewriter, loc, tailStart),
        getValueOrCreateConstantIndexOp(rewriter, loc, tailEnd),
        arith::ConstantIndexOp::create(rewriter, loc, qt), state,
        [&](OpBuilder &b, Location l, Value k0, ValueRange iterArgs) {
          scf::YieldOp::create(b, l, diagStep.build(b, l, k0, iterArgs));
        });
    state = tail.getResults();
  }
  if (peelDiagonal) {
    const KvStep &step = diagStep;
    Value k0 = getValueOrCreateConstantIndexOp(rewriter, loc, diagStart);
    if (shape.sq > shape.skv) {
      // Early query tiles of a prefill longer than the cache see no key.
      Value sees = arith::CmpIOp::create(
          rewriter, loc, arith::CmpIPredicate::sge, k0,
          arith::ConstantIndexOp::create(rewriter, loc, 0));
      auto ifOp = scf::IfOp::create(
          rewriter, loc, sees,
          [&](OpBuilder &b, Location l) {
            scf::YieldOp::create(b, l, step.buildDiagonal(b, l, k0, state));
          },
          [&](OpBuilder &b, Location l) { scf::YieldOp::create(b, l, state); });
      state = ifOp.getResults();
    } else {
      state = step.buildDiagonal(rewriter, loc, k0, state);
    }
  }
  // Scores with only the per-key part of ALiBi ran a max slope * i above
  // the exact one in row i (see KvStep::alibiKeyBias); l and acc are
  // relative to the max, so putting it right is all. A row that saw no key
  // keeps the lowest float (|slope * i| is far below its ulp).
  if (step.pos.alibiPerKey) {
    AffineMap id1 = rewriter.getMultiDimIdentityMap(1);
    state[0] = generic(rewriter, loc, queryPos, state[0], {id1, id1}, {kPar},
                       [&](OpBuilder &b, Location l, ValueRange args) -> Value {
                         return arith::SubFOp::create(
                             b, l, args[1],
                             arith::MulFOp::create(b, l, alibiSlope, args[0]));
                       });
  }
  return {state[0], state[1], state[2], scratch.row};
}

void flash::buildMaskTileTable(OpBuilder &b, Location loc, AttentionTiling &t) {
  if (!t.maskMod || t.maskMod->formula)
    return;
  MLIRContext *ctx = b.getContext();
  AffineExpr d0, s0;
  bindDims(ctx, d0);
  bindSymbols(ctx, s0);
  AttentionOp op = t.op;
  int64_t qt = t.qt, kvt = t.kvt;
  OpFoldResult one = b.getIndexAttr(1);
  OpFoldResult numQ = affine::makeComposedFoldedAffineApply(
      b, loc, s0.ceilDiv(qt), {t.sizes.sq});
  OpFoldResult numKv = affine::makeComposedFoldedAffineApply(
      b, loc, s0.ceilDiv(kvt), {t.sizes.skv});
  SmallVector<OpFoldResult> sizes = {
      t.maskMod->usesBatch ? t.sizes.batch : one,
      t.maskMod->usesHead ? t.sizes.numHeads : one, numQ, numKv};
  Type i8 = b.getI8Type();
  Value init = tensor::EmptyOp::create(b, loc, sizes, i8);
  auto forall =
      scf::ForallOp::create(b, loc, sizes, ValueRange{init}, std::nullopt);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(forall.getTerminator());
  SmallVector<Value> iv(forall.getInductionVars());
  // The tile's queries [q0, qEnd) and keys [k0, kEnd).
  auto range = [&](Value i, int64_t tile, OpFoldResult size) {
    OpFoldResult first =
        affine::makeComposedFoldedAffineApply(b, loc, d0 * tile, {i});
    OpFoldResult end = affine::makeComposedFoldedAffineMin(
        b, loc, AffineMap::get(1, 1, {d0 * tile + tile, s0}, ctx), {i, size});
    return std::pair{getValueOrCreateConstantIndexOp(b, loc, first),
                     getValueOrCreateConstantIndexOp(b, loc, end)};
  };
  Value q0, qEnd, k0, kEnd;
  std::tie(q0, qEnd) = range(iv[2], qt, t.sizes.sq);
  std::tie(k0, kEnd) = range(iv[3], kvt, t.sizes.skv);
  Value step = arith::ConstantIndexOp::create(b, loc, 1);
  Type i1 = b.getI1Type();
  // Whether any / every element is visible: the whole tile is evaluated, as
  // nothing less is sound for an arbitrary mask (its corners say nothing
  // about its inside).
  SmallVector<Value> anyAll = {arith::ConstantIntOp::create(b, loc, i1, 0),
                               arith::ConstantIntOp::create(b, loc, i1, 1)};
  auto rows = scf::ForOp::create(
      b, loc, q0, qEnd, step, anyAll,
      [&](OpBuilder &rb, Location rl, Value i, ValueRange rowAcc) {
        auto cols = scf::ForOp::create(
            rb, rl, k0, kEnd, step, rowAcc,
            [&](OpBuilder &cb, Location cl, Value j, ValueRange acc) {
              Value v = inlineMaskMod(cb, cl, op, {iv[0], iv[1], i, j});
              scf::YieldOp::create(
                  cb, cl,
                  ValueRange{arith::OrIOp::create(cb, cl, acc[0], v),
                             arith::AndIOp::create(cb, cl, acc[1], v)});
            });
        scf::YieldOp::create(rb, rl, cols.getResults());
      });
  Value any = rows.getResult(0), all = rows.getResult(1);
  auto i8c = [&](int64_t v) -> Value {
    return arith::ConstantIntOp::create(b, loc, i8, v);
  };
  Value cls = arith::SelectOp::create(
      b, loc, all, i8c(2),
      arith::SelectOp::create(b, loc, any, i8c(1), i8c(0)));
  Value elem = tensor::FromElementsOp::create(
      b, loc, RankedTensorType::get({1, 1, 1, 1}, i8), ValueRange{cls});
  b.setInsertionPointToEnd(forall.getTerminator().getBody());
  SmallVector<OpFoldResult> offsets(iv.begin(), iv.end());
  tensor::ParallelInsertSliceOp::create(
      b, loc, elem, forall.getRegionIterArgs()[0], offsets,
      SmallVector<OpFoldResult>(4, one), SmallVector<OpFoldResult>(4, one));
  t.maskTable = forall.getResult(0);
}
