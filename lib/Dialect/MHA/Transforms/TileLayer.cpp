//===- TileLayer.cpp - mha-tile-layer -------------------------------------===//
//
// Lowers a whole attention layer for the CPU back end into parallel blocks of
// projections that write queries, keys and values straight into the head
// layout [B, H, S, D] of mha.attention (bias and rounding fused into the
// block), and an output projection that reads [B, H, Sq, Dv] head by head.
// The decomposition into 2-D matmuls plus transposes costs two extra passes
// over every projection (bias, transpose), each scalar and serial.
//
//===----------------------------------------------------------------------===//

#include "mha/Dialect/MHA/IR/MHAOps.h"
#include "mha/Dialect/MHA/Transforms/Passes.h"
#include "mha/Dialect/MHA/Utils/BuilderUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#define DEBUG_TYPE "mha-tile-layer"

namespace mlir::mha {
#define GEN_PASS_DEF_MHATILELAYER
#include "mha/Dialect/MHA/Transforms/Passes.h.inc"
} // namespace mlir::mha

using namespace mlir;
using namespace mlir::mha;

namespace {

/// The largest divisor of `size` that is at most `limit` (at least 1).
int64_t largestDivisorAtMost(int64_t size, int64_t limit) {
  for (int64_t t = std::min(size, limit); t > 1; --t)
    if (size % t == 0)
      return t;
  return 1;
}

/// Columns per block of a projection to `heads` heads of `dim`: whole heads
/// when `limit` holds one, else a divisor of `dim`, so that a block never
/// straddles a head boundary partially.
int64_t headBlockCols(int64_t heads, int64_t dim, int64_t limit) {
  if (limit >= dim)
    return dim * largestDivisorAtMost(heads, limit / dim);
  return largestDivisorAtMost(dim, limit);
}

/// One input projection: x [B, S, E] x w [E, heads*dim] (+ bias) into
/// [B, heads, S, dim].
struct InputProjection {
  Value w, bias;
  int64_t heads, dim;
};

class LayerTiler {
public:
  LayerTiler(RewriterBase &rewriter, Location loc, Type elt)
      : b(rewriter), loc(loc), elt(elt), f32(rewriter.getF32Type()) {}

  /// Every projection of `projs` from the rows of `x` ([B, S, E], S and E
  /// static) in one scf.forall over blocks of [rows, cols]; returns one
  /// [B, heads, S, dim] tensor per projection.
  SmallVector<Value> projectInputs(Value x, ArrayRef<InputProjection> projs,
                                   int64_t rows, int64_t cols, int64_t depth) {
    auto xType = cast<RankedTensorType>(x.getType());
    int64_t s = xType.getDimSize(1), e = xType.getDimSize(2);
    int64_t heads = projs.front().heads, dim = projs.front().dim;
    OpFoldResult batch = tensor::getMixedSize(b, loc, x, 0);
    SmallVector<Value> inits;
    for (const InputProjection &p : projs) {
      SmallVector<OpFoldResult> shape = {batch, b.getIndexAttr(p.heads),
                                         b.getIndexAttr(s),
                                         b.getIndexAttr(p.dim)};
      inits.push_back(freshTensor(shape));
    }
    SmallVector<OpFoldResult> ubs = {batch, b.getIndexAttr(s),
                                     b.getIndexAttr(heads * dim)};
    SmallVector<OpFoldResult> steps = {b.getIndexAttr(1), b.getIndexAttr(rows),
                                       b.getIndexAttr(cols)};
    SmallVector<OpFoldResult> lbs(3, b.getIndexAttr(0));
    auto forall = scf::ForallOp::create(b, loc, lbs, ubs, steps, inits,
                                        /*mapping=*/std::nullopt);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(forall.getBody());
    Value bi = forall.getInductionVar(0), si = forall.getInductionVar(1),
          nj = forall.getInductionVar(2);
    // Where the block lands in [B, heads, S, dim]: `groups` whole heads from
    // head nj / dim, or `cols` columns of one head from column nj % dim.
    int64_t groups = cols >= dim ? cols / dim : 1;
    int64_t width = std::min(cols, dim);
    Value dimC = arith::ConstantIndexOp::create(b, loc, dim);
    Value head = arith::DivUIOp::create(b, loc, nj, dimC);
    Value col = arith::RemUIOp::create(b, loc, nj, dimC);

    SmallVector<Value> results;
    for (auto [proj, iterArg] : llvm::zip(projs, forall.getRegionIterArgs())) {
      const InputProjection &p = proj;
      Value out = iterArg;
      SmallVector<OpFoldResult> offsets = {bi, head, si, col};
      SmallVector<OpFoldResult> sizes = {
          b.getIndexAttr(1), b.getIndexAttr(groups), b.getIndexAttr(rows),
          b.getIndexAttr(width)};
      SmallVector<OpFoldResult> ones(4, b.getIndexAttr(1));
      // [groups, rows, width], or [rows, width] for one head.
      SmallVector<int64_t> tileShape;
      if (groups > 1)
        tileShape.push_back(groups);
      tileShape.append({rows, width});
      auto tileType = RankedTensorType::get(tileShape, elt);
      Value bias;
      if (p.bias)
        bias = tensor::ExtractSliceOp::create(
            b, loc, RankedTensorType::get({cols}, getElementTypeOrSelf(p.bias)),
            p.bias, ArrayRef<OpFoldResult>{nj},
            ArrayRef<OpFoldResult>{b.getIndexAttr(cols)},
            ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
      // f32 blocks of one head accumulate in the result itself.
      bool inPlace = elt == f32 && groups == 1;
      Value dest;
      if (inPlace)
        dest = tensor::ExtractSliceOp::create(b, loc, tileType, out, offsets,
                                              sizes, ones);
      Value acc = accumulate(
          dest, rows, cols, e, depth, inPlace ? bias : Value(),
          [&](OpFoldResult kc, int64_t chunk) -> std::pair<Value, Value> {
            Value lhs = tensor::ExtractSliceOp::create(
                b, loc, RankedTensorType::get({rows, chunk}, elt), x,
                ArrayRef<OpFoldResult>{bi, si, kc},
                ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(rows),
                                       b.getIndexAttr(chunk)},
                ArrayRef<OpFoldResult>(ones).take_front(3));
            Value rhs = tensor::ExtractSliceOp::create(
                b, loc, p.w, ArrayRef<OpFoldResult>{kc, nj},
                ArrayRef<OpFoldResult>{b.getIndexAttr(chunk),
                                       b.getIndexAttr(cols)},
                ArrayRef<OpFoldResult>(ones).take_front(2));
            return {lhs, rhs};
          });
      Value tile =
          inPlace ? acc
                  : epilogue(acc, inPlace ? Value() : bias, groups, rows, width,
                             tensor::ExtractSliceOp::create(
                                 b, loc, tileType, out, offsets, sizes, ones));
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(forall.getTerminator().getBody());
      tensor::ParallelInsertSliceOp::create(b, loc, tile, out, offsets, sizes,
                                            ones);
    }
    return SmallVector<Value>(forall.getResults());
  }

  /// y [B, Sq, E] = o [B, H, Sq, Dv] (heads concatenated) x wo (+ bias), in
  /// one scf.forall over [rows, cols] blocks whose reduction runs over one
  /// head's `depth` columns of o at a time.
  Value projectOutput(Value o, Value wo, Value bias, int64_t rows, int64_t cols,
                      int64_t depth) {
    auto oType = cast<RankedTensorType>(o.getType());
    int64_t heads = oType.getDimSize(1), s = oType.getDimSize(2),
            dv = oType.getDimSize(3);
    int64_t e = cast<RankedTensorType>(wo.getType()).getDimSize(1);
    OpFoldResult batch = tensor::getMixedSize(b, loc, o, 0);
    SmallVector<OpFoldResult> shape = {batch, b.getIndexAttr(s),
                                       b.getIndexAttr(e)};
    Value init = freshTensor(shape);
    SmallVector<OpFoldResult> steps = {b.getIndexAttr(1), b.getIndexAttr(rows),
                                       b.getIndexAttr(cols)};
    SmallVector<OpFoldResult> lbs(3, b.getIndexAttr(0));
    auto forall = scf::ForallOp::create(b, loc, lbs, shape, steps,
                                        ValueRange{init}, std::nullopt);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(forall.getBody());
    Value bi = forall.getInductionVar(0), si = forall.getInductionVar(1),
          nj = forall.getInductionVar(2);
    Value out = forall.getRegionIterArgs()[0];
    SmallVector<OpFoldResult> offsets = {bi, si, nj};
    SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1), b.getIndexAttr(rows),
                                       b.getIndexAttr(cols)};
    SmallVector<OpFoldResult> ones(4, b.getIndexAttr(1));
    auto tileType = RankedTensorType::get({rows, cols}, elt);
    Value biasTile;
    if (bias)
      biasTile = tensor::ExtractSliceOp::create(
          b, loc, RankedTensorType::get({cols}, getElementTypeOrSelf(bias)),
          bias, ArrayRef<OpFoldResult>{nj},
          ArrayRef<OpFoldResult>{b.getIndexAttr(cols)},
          ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
    // f32 blocks reduced in one chunk accumulate in the result itself.
    // With several chunks the micro-kernels reload and store the
    // accumulators once per chunk; rows of y are E floats apart (16 KiB at
    // E = 4096: every row of a micro-kernel block on one L1 and a few L2
    // sets, so each reload missed), so they accumulate in a contiguous
    // [rows, cols] tile and one epilogue pass adds the bias and writes y.
    bool inPlace = elt == f32 && depth >= heads * dv;
    Value dest;
    if (inPlace)
      dest = tensor::ExtractSliceOp::create(
          b, loc, tileType, out, offsets, sizes, ArrayRef(ones).take_front(3));
    Value dvC = arith::ConstantIndexOp::create(b, loc, dv);
    Value acc = accumulate(
        dest, rows, cols, heads * dv, depth, inPlace ? biasTile : Value(),
        [&](OpFoldResult kc, int64_t chunk) -> std::pair<Value, Value> {
          // Chunks never straddle heads: depth divides dv.
          Value k = getValueOrCreateConstantIndexOp(b, loc, kc);
          Value head = arith::DivUIOp::create(b, loc, k, dvC);
          Value col = arith::RemUIOp::create(b, loc, k, dvC);
          Value lhs = tensor::ExtractSliceOp::create(
              b, loc, RankedTensorType::get({rows, chunk}, elt), o,
              ArrayRef<OpFoldResult>{bi, head, si, col},
              ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1),
                                     b.getIndexAttr(rows),
                                     b.getIndexAttr(chunk)},
              ones);
          Value rhs = tensor::ExtractSliceOp::create(
              b, loc, wo, ArrayRef<OpFoldResult>{kc, nj},
              ArrayRef<OpFoldResult>{b.getIndexAttr(chunk),
                                     b.getIndexAttr(cols)},
              ArrayRef(ones).take_front(2));
          return {lhs, rhs};
        });
    Value tile = inPlace ? acc
                         : epilogue(acc, biasTile, /*groups=*/1, rows, cols,
                                    tensor::ExtractSliceOp::create(
                                        b, loc, tileType, out, offsets, sizes,
                                        ArrayRef(ones).take_front(3)));
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(forall.getTerminator().getBody());
    tensor::ParallelInsertSliceOp::create(b, loc, tile, out, offsets, sizes,
                                          ArrayRef(ones).take_front(3));
    return forall.getResult(0);
  }

private:
  /// A new tensor of `shape`: an allocation, not a tensor.empty, so that CSE
  /// never merges the results of two projections into one buffer (a forall
  /// of one iteration is folded away and its results become insert_slices
  /// into the init).
  Value freshTensor(ArrayRef<OpFoldResult> shape) {
    auto [staticShape, dynamic] = decomposeMixedValues(shape);
    return bufferization::AllocTensorOp::create(
        b, loc, RankedTensorType::get(staticShape, elt), dynamic);
  }

  using Operands =
      function_ref<std::pair<Value, Value>(OpFoldResult, int64_t chunk)>;

  /// The f32 [rows, cols] accumulation of `length` reduction steps in chunks
  /// of `depth`, started at the broadcast `bias` (or zero) in `dest` (or a
  /// fresh tensor when null). `operands` gives the [rows, chunk] and
  /// [chunk, cols] slices at a reduction offset.
  Value accumulate(Value dest, int64_t rows, int64_t cols, int64_t length,
                   int64_t depth, Value bias, Operands operands) {
    if (!dest)
      dest =
          tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{rows, cols}, f32);
    Value init;
    if (bias) {
      MLIRContext *ctx = b.getContext();
      SmallVector<AffineMap> maps = {
          AffineMap::get(2, 0, getAffineDimExpr(1, ctx)),
          b.getMultiDimIdentityMap(2)};
      init = linalg::GenericOp::create(
                 b, loc, TypeRange{dest.getType()}, ValueRange{bias},
                 ValueRange{dest}, maps,
                 SmallVector<utils::IteratorType>(
                     2, utils::IteratorType::parallel),
                 [&](OpBuilder &nb, Location nloc, ValueRange args) {
                   linalg::YieldOp::create(nb, nloc, args[0]);
                 })
                 .getResult(0);
    } else {
      Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(f32));
      init = linalg::FillOp::create(b, loc, ValueRange{zero}, ValueRange{dest})
                 .getResult(0);
    }
    if (depth >= length) {
      auto [lhs, rhs] = operands(b.getIndexAttr(0), length);
      return contract(lhs, rhs, init);
    }
    auto loop = scf::ForOp::create(
        b, loc, arith::ConstantIndexOp::create(b, loc, 0),
        arith::ConstantIndexOp::create(b, loc, length),
        arith::ConstantIndexOp::create(b, loc, depth), ValueRange{init},
        [&](OpBuilder &nb, Location nloc, Value kc, ValueRange args) {
          OpBuilder::InsertionGuard g(b);
          b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
          auto [lhs, rhs] = operands(kc, depth);
          scf::YieldOp::create(b, nloc, contract(lhs, rhs, args[0]));
        });
    return loop.getResult(0);
  }

  /// acc += lhs [m, k] x rhs [k, n], widened to f32: the 2-D contraction the
  /// micro-kernels take.
  Value contract(Value lhs, Value rhs, Value acc) {
    MLIRContext *ctx = b.getContext();
    AffineExpr m, n, k;
    bindDims(ctx, m, n, k);
    SmallVector<AffineMap> maps = {AffineMap::get(3, 0, {m, k}, ctx),
                                   AffineMap::get(3, 0, {k, n}, ctx),
                                   AffineMap::get(3, 0, {m, n}, ctx)};
    SmallVector<utils::IteratorType> iterators = {
        utils::IteratorType::parallel, utils::IteratorType::parallel,
        utils::IteratorType::reduction};
    return contraction(b, loc, lhs, rhs, acc, maps, iterators);
  }

  /// Writes the f32 accumulators `acc` [rows, groups * width] (+ `bias`
  /// [groups * width]) rounded to the element type into `dest`, laid out
  /// [groups, rows, width] (or [rows, width] for one group): the head split
  /// and the epilogue in one vectorisable pass over the block.
  Value epilogue(Value acc, Value bias, int64_t groups, int64_t rows,
                 int64_t width, Value dest) {
    MLIRContext *ctx = b.getContext();
    SmallVector<Value> ins;
    SmallVector<AffineMap> maps;
    int64_t rank = groups > 1 ? 3 : 2;
    if (groups > 1) {
      // (g, r, w): acc [rows, groups, width], bias [groups, width].
      acc = tensor::ExpandShapeOp::create(
          b, loc, RankedTensorType::get({rows, groups, width}, f32), acc,
          ArrayRef<ReassociationIndices>{{0}, {1, 2}});
      ins.push_back(acc);
      maps.push_back(
          AffineMap::get(3, 0,
                         {getAffineDimExpr(1, ctx), getAffineDimExpr(0, ctx),
                          getAffineDimExpr(2, ctx)},
                         ctx));
      if (bias) {
        bias = tensor::ExpandShapeOp::create(
            b, loc,
            RankedTensorType::get({groups, width},
                                  getElementTypeOrSelf(bias.getType())),
            bias, ArrayRef<ReassociationIndices>{{0, 1}});
        ins.push_back(bias);
        maps.push_back(AffineMap::get(
            3, 0, {getAffineDimExpr(0, ctx), getAffineDimExpr(2, ctx)}, ctx));
      }
    } else {
      ins.push_back(acc);
      maps.push_back(b.getMultiDimIdentityMap(2));
      if (bias) {
        ins.push_back(bias);
        maps.push_back(AffineMap::get(2, 0, getAffineDimExpr(1, ctx)));
      }
    }
    maps.push_back(b.getMultiDimIdentityMap(rank));
    bool hasBias = static_cast<bool>(bias);
    return linalg::GenericOp::create(
               b, loc, TypeRange{dest.getType()}, ins, ValueRange{dest}, maps,
               SmallVector<utils::IteratorType>(rank,
                                                utils::IteratorType::parallel),
               [&](OpBuilder &nb, Location nloc, ValueRange args) {
                 Value sum = args[0];
                 if (hasBias) {
                   Value bv = args[1];
                   if (bv.getType() != f32)
                     bv = arith::ExtFOp::create(nb, nloc, f32, bv);
                   sum = arith::AddFOp::create(nb, nloc, sum, bv);
                 }
                 if (elt != f32)
                   sum = arith::TruncFOp::create(nb, nloc, elt, sum);
                 linalg::YieldOp::create(nb, nloc, sum);
               })
        .getResult(0);
  }

  RewriterBase &b;
  Location loc;
  Type elt, f32;
};

struct TileLayer : OpRewritePattern<MultiHeadAttentionOp> {
  TileLayer(MLIRContext *ctx, int64_t rows, int64_t cols, int64_t depth)
      : OpRewritePattern(ctx), blockRows(rows), blockCols(cols),
        blockDepth(depth) {}

  /// Rows per block of a sequence of `s` positions, or 0 when no divisor
  /// between 8 and block-rows exists.
  int64_t rowBlock(int64_t s) const {
    if (ShapedType::isDynamic(s))
      return 0;
    int64_t rows = largestDivisorAtMost(s, blockRows);
    return rows == s || rows >= 8 ? rows : 0;
  }

  LogicalResult matchAndRewrite(MultiHeadAttentionOp op,
                                PatternRewriter &rewriter) const override {
    Value xq = op.getQueryInput(), xkv = op.getKvInput();
    auto xqType = cast<RankedTensorType>(xq.getType());
    auto xkvType = cast<RankedTensorType>(xkv.getType());
    if (xqType.isDynamicDim(2) || xkvType.isDynamicDim(2))
      return rewriter.notifyMatchFailure(op, "dynamic embedding size");
    int64_t rowsQ = rowBlock(xqType.getDimSize(1));
    int64_t rowsKV = rowBlock(xkvType.getDimSize(1));
    if (!rowsQ || !rowsKV)
      return rewriter.notifyMatchFailure(op, "no static row block");
    int64_t h = op.getNumHeads(), hkv = op.getNumKvHeadsOrDefault();
    int64_t e = op.getWq().getType().getDimSize(0);
    int64_t d = op.getWq().getType().getDimSize(1) / h;
    int64_t dv = op.getWv().getType().getDimSize(1) / hkv;
    int64_t eo = op.getWo().getType().getDimSize(1);
    Type elt = xqType.getElementType();
    Location loc = op.getLoc();

    int64_t depthIn = blockDepth > 0 ? largestDivisorAtMost(e, blockDepth) : e;
    if (depthIn < 16)
      depthIn = e;
    int64_t depthOut =
        blockDepth > 0 ? largestDivisorAtMost(dv, blockDepth) : dv;
    // Block shapes of every forall, each with at least two blocks: a forall
    // of one iteration is folded into straight-line code, which neither the
    // micro-kernels nor the threads see.
    int64_t batch = xqType.getDimSize(0);
    bool selfQKV = xq == xkv && hkv == h && dv == d;
    int64_t colsQ = headBlockCols(h, d, blockCols);
    int64_t colsK = headBlockCols(hkv, d, blockCols);
    int64_t colsV = headBlockCols(hkv, dv, blockCols);
    int64_t rowsO = rowsQ, colsO = largestDivisorAtMost(eo, blockCols);
    auto split = [&](int64_t s, int64_t &rows, int64_t &cols,
                     function_ref<int64_t(int64_t)> narrower) {
      auto blocks = [&] {
        return (ShapedType::isDynamic(batch) ? 2 : batch) * (s / rows) *
               (cols ? narrower(0) / cols : 1);
      };
      while (blocks() < 2) {
        int64_t r = largestDivisorAtMost(s, rows / 2);
        int64_t c = narrower(cols / 2);
        if (r >= 8 && r < rows)
          rows = r;
        else if (c >= 1 && c < cols)
          cols = c;
        else
          return false;
      }
      return true;
    };
    // narrower(0) is the number of columns, narrower(limit) the block.
    auto headCols = [](int64_t heads, int64_t dim) {
      return [heads, dim](int64_t limit) {
        return limit == 0 ? heads * dim : headBlockCols(heads, dim, limit);
      };
    };
    auto plainCols = [eo](int64_t limit) {
      return limit == 0 ? eo : largestDivisorAtMost(eo, limit);
    };
    int64_t rowsK = rowsKV, rowsV = rowsKV;
    int64_t sq = xqType.getDimSize(1), skv = xkvType.getDimSize(1);
    if (!split(sq, rowsQ, colsQ, headCols(h, d)) ||
        !split(skv, rowsK, colsK, headCols(hkv, d)) ||
        !split(skv, rowsV, colsV, headCols(hkv, dv)) ||
        !split(sq, rowsO, colsO, plainCols))
      return rewriter.notifyMatchFailure(op, "a single block");

    LayerTiler tiler(rewriter, loc, elt);
    InputProjection q{op.getWq(), op.getBq(), h, d};
    InputProjection k{op.getWk(), op.getBk(), hkv, d};
    InputProjection v{op.getWv(), op.getBv(), hkv, dv};
    Value qh, kh, vh;
    if (selfQKV) {
      // Self-attention without GQA: Q, K and V from the same blocks of x.
      SmallVector<Value> qkv =
          tiler.projectInputs(xq, {q, k, v}, rowsQ, colsQ, depthIn);
      qh = qkv[0], kh = qkv[1], vh = qkv[2];
    } else {
      qh = tiler.projectInputs(xq, {q}, rowsQ, colsQ, depthIn)[0];
      if (dv == d && rowsK == rowsV && colsK == colsV) {
        SmallVector<Value> kv =
            tiler.projectInputs(xkv, {k, v}, rowsK, colsK, depthIn);
        kh = kv[0], vh = kv[1];
      } else {
        kh = tiler.projectInputs(xkv, {k}, rowsK, colsK, depthIn)[0];
        vh = tiler.projectInputs(xkv, {v}, rowsV, colsV, depthIn)[0];
      }
    }
    auto qhType = cast<RankedTensorType>(qh.getType());
    SmallVector<int64_t> oShape(qhType.getShape());
    oShape[3] = dv;
    Value o =
        op.createAttention(rewriter, loc, qhType.clone(oShape), qh, kh, vh)
            .getResult();
    Value y =
        tiler.projectOutput(o, op.getWo(), op.getBo(), rowsO, colsO, depthOut);
    if (y.getType() != op.getType())
      y = tensor::CastOp::create(rewriter, loc, op.getType(), y);
    rewriter.replaceOp(op, y);
    return success();
  }

  int64_t blockRows, blockCols, blockDepth;
};

struct MHATileLayerPass : mha::impl::MHATileLayerBase<MHATileLayerPass> {
  using MHATileLayerBase::MHATileLayerBase;

  void runOnOperation() override {
    if (blockRows <= 0 || blockCols <= 0 || blockDepth < 0) {
      getOperation()->emitError()
          << "mha-tile-layer: block-rows and block-cols must be positive and "
             "block-depth non-negative, got block-rows="
          << int64_t(blockRows) << " block-cols=" << int64_t(blockCols)
          << " block-depth=" << int64_t(blockDepth);
      return signalPassFailure();
    }
    RewritePatternSet patterns(&getContext());
    patterns.add<TileLayer>(&getContext(), blockRows, blockCols, blockDepth);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
