//===- PartitionAttention.cpp - mha-partition-attention
//--------------------===//
//
// Turns an mha.attention annotated by mha-shard-attention into the program of
// one process of the grid: local heads for a split of the heads, a ring over
// the K/V blocks merged by log-sum-exp for a split of the sequence.
//
// Upstream `shard-partition` partitions ops through ShardingInterface, whose
// model (parallel and reduction loops, a reduction finished by a collective)
// cannot express a softmax over a split key axis: that reduction needs the
// running maximum and sum, so the ring is built here.
//
//===----------------------------------------------------------------------===//

#include "HeadParallelLayer.h"

#include "mha/Dialect/MHA/IR/MHAOps.h"
#include "mha/Dialect/MHA/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Shard/IR/ShardDialect.h"
#include "mlir/Dialect/Shard/IR/ShardOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

#include <limits>

#define DEBUG_TYPE "mha-partition-attention"

namespace mlir::mha {
#define GEN_PASS_DEF_MHAPARTITIONATTENTION
#include "mha/Dialect/MHA/Transforms/Passes.h.inc"
} // namespace mlir::mha

using namespace mlir;
using namespace mlir::mha;

namespace {
/// The split of one annotated attention.
struct Split {
  shard::GridOp grid;
  int64_t dim; // 1: heads, 2: sequence.
  int64_t n;
  /// Decode: the query (and the result) are replicated, K/V split.
  bool replicatedQuery = false;
};

/// Marks a function whose sequence blocks are in the zig-zag layout: rank r
/// holds chunks r and 2N-1-r of 2N.
constexpr llvm::StringLiteral kZigZagAttr = "mha.zigzag";

/// The sharding of the annotation `value` (a `shard.shard ...
/// annotate_for_users` of a function argument), or failure.
FailureOr<Split> getSplit(AttentionOp op, SymbolTableCollection &symbols) {
  std::optional<Split> split;
  bool replicatedQuery = false;
  for (Value operand : {op.getQuery(), op.getKey(), op.getValue()}) {
    auto annotation = operand.getDefiningOp<shard::ShardOp>();
    if (!annotation)
      return failure();
    if (!annotation.getAnnotateForUsers() ||
        !isa<BlockArgument>(annotation.getSrc()))
      return op.emitOpError("mha-partition-attention: the query, key and "
                            "value must be annotated function arguments");
    auto shardingOp =
        annotation.getSharding().getDefiningOp<shard::ShardingOp>();
    if (!shardingOp)
      return op.emitOpError("mha-partition-attention: the sharding must be "
                            "a shard.sharding op");
    shard::GridOp grid = shard::getGrid(shardingOp, symbols);
    ArrayRef<shard::GridAxesAttr> axes = shardingOp.getSplitAxes().getAxes();
    if (operand == op.getQuery() &&
        llvm::all_of(axes, [](auto a) { return a.empty(); }) &&
        shardingOp.getStaticHaloSizes().empty() &&
        shardingOp.getStaticShardedDimsOffsets().empty()) {
      replicatedQuery = true;
      continue;
    }
    int64_t dim = -1;
    for (auto [i, a] : llvm::enumerate(axes)) {
      if (a.empty())
        continue;
      if (dim != -1 || a.asArrayRef() != ArrayRef<int16_t>{0})
        return op.emitOpError("mha-partition-attention: only one tensor "
                              "axis split over grid axis 0 is supported");
      dim = i;
    }
    if (!grid || grid.getRank() != 1 || (dim != 1 && dim != 2) ||
        !shardingOp.getStaticHaloSizes().empty() ||
        !shardingOp.getStaticShardedDimsOffsets().empty())
      return op.emitOpError("mha-partition-attention: only an even split of "
                            "the heads (1) or the sequence (2) over a 1-D "
                            "grid is supported");
    Split s{grid, dim, grid.getShape()[0]};
    if (split && (split->dim != s.dim || split->grid != s.grid))
      return op.emitOpError("mha-partition-attention: the query, key and "
                            "value must have the same sharding");
    split = s;
  }
  if (replicatedQuery && split->dim != 2)
    return op.emitOpError("mha-partition-attention: a replicated query needs "
                          "the keys and values split by the sequence");
  split->replicatedQuery = replicatedQuery;
  return *split;
}

RankedTensorType localType(Type type, const Split &split) {
  auto tensor = cast<RankedTensorType>(type);
  SmallVector<int64_t> shape(tensor.getShape());
  shape[split.dim] /= split.n;
  return tensor.clone(shape);
}

Value fill(OpBuilder &b, Location loc, ArrayRef<int64_t> shape, float value) {
  Value empty = tensor::EmptyOp::create(b, loc, shape, b.getF32Type());
  Value c = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(value));
  return linalg::FillOp::create(b, loc, c, empty).getResult(0);
}

/// Merges the attention `o` (element type T) of one block with log-sum-exp
/// `lse` into the f32 accumulator `acc` whose log-sum-exp is `m`: returns
/// the new accumulator and log-sum-exp. Rows that saw no key keep 0 and
/// -inf (never NaN).
std::pair<Value, Value> merge(OpBuilder &b, Location loc, Value acc, Value m,
                              Value o, Value lse) {
  auto accType = cast<RankedTensorType>(acc.getType());
  auto lseType = cast<RankedTensorType>(lse.getType());
  MLIRContext *ctx = b.getContext();
  auto id3 = AffineMap::getMultiDimIdentityMap(3, ctx);
  auto id4 = AffineMap::getMultiDimIdentityMap(4, ctx);
  auto row = AffineMap::get(4, 0,
                            {getAffineDimExpr(0, ctx), getAffineDimExpr(1, ctx),
                             getAffineDimExpr(2, ctx)},
                            ctx);
  Value ninf = arith::ConstantOp::create(
      b, loc, b.getF32FloatAttr(-std::numeric_limits<float>::infinity()));
  Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0));
  // m' = max + log(exp(m - max) + exp(lse - max)), -inf when both are.
  Value newM =
      linalg::GenericOp::create(
          b, loc, lseType, ValueRange{m, lse},
          ValueRange{tensor::EmptyOp::create(b, loc, lseType.getShape(),
                                             b.getF32Type())},
          ArrayRef<AffineMap>{id3, id3, id3},
          SmallVector<utils::IteratorType>(3, utils::IteratorType::parallel),
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            Value mx = arith::MaximumFOp::create(nb, nl, args[0], args[1]);
            Value empty = arith::CmpFOp::create(
                nb, nl, arith::CmpFPredicate::OEQ, mx, ninf);
            Value safe = arith::SelectOp::create(nb, nl, empty, zero, mx);
            Value e0 = math::ExpOp::create(
                nb, nl, arith::SubFOp::create(nb, nl, args[0], safe));
            Value e1 = math::ExpOp::create(
                nb, nl, arith::SubFOp::create(nb, nl, args[1], safe));
            Value sum = arith::AddFOp::create(nb, nl, e0, e1);
            Value r = arith::AddFOp::create(nb, nl, safe,
                                            math::LogOp::create(nb, nl, sum));
            r = arith::SelectOp::create(nb, nl, empty, ninf, r);
            linalg::YieldOp::create(nb, nl, r);
          })
          .getResult(0);
  // acc' = acc * exp(m - m') + o * exp(lse - m').
  Value newAcc =
      linalg::GenericOp::create(
          b, loc, accType, ValueRange{acc, o, m, lse, newM},
          ValueRange{tensor::EmptyOp::create(b, loc, accType.getShape(),
                                             b.getF32Type())},
          ArrayRef<AffineMap>{id4, id4, row, row, row, id4},
          SmallVector<utils::IteratorType>(4, utils::IteratorType::parallel),
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            Value ov = args[1];
            if (ov.getType() != nb.getF32Type())
              ov = arith::ExtFOp::create(nb, nl, nb.getF32Type(), ov);
            Value empty = arith::CmpFOp::create(
                nb, nl, arith::CmpFPredicate::OEQ, args[4], ninf);
            Value safe = arith::SelectOp::create(nb, nl, empty, zero, args[4]);
            Value w0 = math::ExpOp::create(
                nb, nl, arith::SubFOp::create(nb, nl, args[2], safe));
            Value w1 = math::ExpOp::create(
                nb, nl, arith::SubFOp::create(nb, nl, args[3], safe));
            Value r = arith::AddFOp::create(
                nb, nl, arith::MulFOp::create(nb, nl, args[0], w0),
                arith::MulFOp::create(nb, nl, ov, w1));
            r = arith::SelectOp::create(nb, nl, empty, zero, r);
            linalg::YieldOp::create(nb, nl, r);
          })
          .getResult(0);
  return {newAcc, newM};
}

Value roundTo(OpBuilder &b, Location loc, Value acc,
              RankedTensorType resultType);

/// The local operands of one rank.
struct Locals {
  Value q, k, v;
  /// Optional; the mask holds the rank's query rows (or all of them when
  /// broadcast) and every key column, except in a decode step, where it
  /// holds the rank's key columns.
  Value mask, alibi, sinks;
};

/// The local results: the attention and its log-sum-exp (f32).
struct Results {
  Value o, lse;
};

/// `x[..., rows, cols]` of a rank-4 `x`: `rows` and `cols` are (offset,
/// size) pairs along dims 2 and 3; a dim of size 1 (broadcast) is kept.
Value slice23(OpBuilder &b, Location loc, Value x,
              std::pair<OpFoldResult, int64_t> rows,
              std::pair<OpFoldResult, int64_t> cols) {
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<OpFoldResult> offsets(4, b.getIndexAttr(0)),
      strides(4, b.getIndexAttr(1)), sizes;
  for (int64_t d : type.getShape())
    sizes.push_back(b.getIndexAttr(d));
  for (auto [d, range] : {std::pair{2, rows}, std::pair{3, cols}}) {
    if (type.getDimSize(d) == 1)
      continue;
    offsets[d] = range.first;
    sizes[d] = b.getIndexAttr(range.second);
  }
  return tensor::ExtractSliceOp::create(b, loc, x, offsets, sizes, strides);
}

/// The result of the merged accumulator: with sinks, scaled by
/// 1 / (1 + exp(s[h] - m)) (the sink's share of the softmax denominator,
/// which the lse leaves out), then rounded once to `resultType`.
Value finish(OpBuilder &b, Location loc, Value acc, Value m, Value sinks,
             RankedTensorType resultType) {
  if (sinks) {
    MLIRContext *ctx = b.getContext();
    auto id4 = AffineMap::getMultiDimIdentityMap(4, ctx);
    auto row =
        AffineMap::get(4, 0,
                       {getAffineDimExpr(0, ctx), getAffineDimExpr(1, ctx),
                        getAffineDimExpr(2, ctx)},
                       ctx);
    auto head = AffineMap::get(4, 0, {getAffineDimExpr(1, ctx)}, ctx);
    auto accType = cast<RankedTensorType>(acc.getType());
    acc =
        linalg::GenericOp::create(
            b, loc, accType, ValueRange{acc, m, sinks},
            ValueRange{tensor::EmptyOp::create(b, loc, accType.getShape(),
                                               b.getF32Type())},
            ArrayRef<AffineMap>{id4, row, head, id4},
            SmallVector<utils::IteratorType>(4, utils::IteratorType::parallel),
            [&](OpBuilder &nb, Location nl, ValueRange args) {
              Value one =
                  arith::ConstantOp::create(nb, nl, nb.getF32FloatAttr(1));
              Value e = math::ExpOp::create(
                  nb, nl, arith::SubFOp::create(nb, nl, args[2], args[1]));
              // m = -inf (no key): acc / inf = 0.
              Value r = arith::DivFOp::create(
                  nb, nl, args[0], arith::AddFOp::create(nb, nl, one, e));
              linalg::YieldOp::create(nb, nl, r);
            })
            .getResult(0);
  }
  return roundTo(b, loc, acc, resultType);
}

/// (rank - t) mod N: the rank whose K/V block a rank holds in step t.
Value sourceAt(OpBuilder &b, Location loc, Value rank, Value t, int64_t n) {
  Value cn = arith::ConstantIndexOp::create(b, loc, n);
  Value sum = arith::AddIOp::create(b, loc, rank, cn);
  return arith::RemUIOp::create(b, loc, arith::SubIOp::create(b, loc, sum, t),
                                cn);
}

/// The local attention of one step: the op's scale, softcap and ALiBi
/// slopes, with its lse; causal only where asked (the ring decides what is
/// visible).
Results attendBlock(OpBuilder &b, AttentionOp op, RankedTensorType oType,
                    Value q, Value k, Value v, Value mask, Value alibi,
                    bool causal) {
  auto lseType =
      RankedTensorType::get(oType.getShape().take_front(3), b.getF32Type());
  auto a = AttentionOp::create(b, op.getLoc(), TypeRange{oType, lseType}, q, k,
                               v, mask, alibi,
                               /*sinks=*/Value(), op.getScaleAttr(),
                               causal ? UnitAttr::get(b.getContext()) : nullptr,
                               /*window=*/nullptr, op.getSoftcapAttr());
  return {a.getResult(), a.getLse()};
}

/// ALiBi on a block: the local attention adds `slopes[h] * (j - i')` in the
/// block's own positions, which differ from the global distance by
/// `offset` (an index: key start - query start - (Skv - Sq) + (block Skv -
/// block Sq)), the same for every score of a row. A constant added to a
/// row's scores leaves its softmax as it is and adds itself to its lse:
/// so `lse + slopes[h] * offset` is the block's global lse. -inf stays.
Value shiftLse(OpBuilder &b, Location loc, Value lse, Value slopes,
               Value offset) {
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(lse.getType());
  auto id3 = AffineMap::getMultiDimIdentityMap(3, ctx);
  auto head = AffineMap::get(3, 0, {getAffineDimExpr(1, ctx)}, ctx);
  Value c = arith::SIToFPOp::create(
      b, loc, b.getF32Type(),
      arith::IndexCastOp::create(b, loc, b.getI64Type(), offset));
  return linalg::GenericOp::create(
             b, loc, type, ValueRange{lse, slopes},
             ValueRange{tensor::EmptyOp::create(b, loc, type.getShape(),
                                                b.getF32Type())},
             ArrayRef<AffineMap>{id3, head, id3},
             SmallVector<utils::IteratorType>(3, utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               Value r = arith::AddFOp::create(
                   nb, nl, args[0], arith::MulFOp::create(nb, nl, args[1], c));
               linalg::YieldOp::create(nb, nl, r);
             })
      .getResult(0);
}

/// The ring: N steps of local attention on the K/V block at hand, merged by
/// log-sum-exp, the next block shifted in while the step computes. A mask
/// keeps every key column on each rank: step t takes the columns of the
/// block it attends to, that of rank (rank - t) mod N.
Results buildRing(OpBuilder &b, AttentionOp op, const Locals &in,
                  const Split &split) {
  Location loc = op.getLoc();
  auto resultType = localType(op.getResult().getType(), split);
  ArrayRef<int64_t> oShape = resultType.getShape();
  SmallVector<int64_t> lseShape(oShape.take_front(3));
  int64_t rows = cast<RankedTensorType>(in.q.getType()).getDimSize(2);
  int64_t block = cast<RankedTensorType>(in.k.getType()).getDimSize(2);
  bool maskColumns =
      in.mask && cast<RankedTensorType>(in.mask.getType()).getDimSize(3) != 1;
  Value rank;
  if (maskColumns || in.alibi)
    rank = shard::ProcessLinearIndexOp::create(
        b, loc, shard::GridOp(split.grid).getSymName());
  auto cst = [&](OpBuilder &nb, int64_t c) -> Value {
    return arith::ConstantIndexOp::create(nb, loc, c);
  };

  auto attend = [&](OpBuilder &nb, Value t, Value kb, Value vb) {
    Value mask = in.mask;
    if (maskColumns) {
      Value offset =
          arith::MulIOp::create(nb, loc, sourceAt(nb, loc, rank, t, split.n),
                                arith::ConstantIndexOp::create(nb, loc, block));
      mask =
          slice23(nb, loc, mask, {nb.getIndexAttr(0), rows}, {offset, block});
    }
    Results r = attendBlock(nb, op, resultType, in.q, kb, vb, mask, in.alibi,
                            /*causal=*/false);
    if (in.alibi) {
      // Keys from source * block, queries from rank * rows.
      int64_t sq = rows * split.n, skv = block * split.n;
      Value keys = arith::MulIOp::create(
          nb, loc, sourceAt(nb, loc, rank, t, split.n), cst(nb, block));
      Value queries = arith::MulIOp::create(nb, loc, rank, cst(nb, rows));
      Value offset = arith::AddIOp::create(
          nb, loc, arith::SubIOp::create(nb, loc, keys, queries),
          cst(nb, (block - rows) - (skv - sq)));
      r.lse = shiftLse(nb, loc, r.lse, in.alibi, offset);
    }
    return std::pair<Value, Value>{r.o, r.lse};
  };
  auto shift = [&](OpBuilder &nb, Value x) -> Value {
    return shard::ShiftOp::create(nb, loc, x.getType(),
                                  shard::GridOp(split.grid).getSymName(),
                                  ArrayRef<int16_t>{0}, x, llvm::APInt(64, 0),
                                  /*offset=*/1, /*rotate=*/true);
  };

  Value k = in.k, v = in.v;
  Value acc = fill(b, loc, oShape, 0.0f);
  Value m = fill(b, loc, lseShape, -std::numeric_limits<float>::infinity());
  if (split.n > 1) {
    Value lb = arith::ConstantIndexOp::create(b, loc, 0);
    Value ub = arith::ConstantIndexOp::create(b, loc, split.n - 1);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    auto loop = scf::ForOp::create(
        b, loc, lb, ub, one, ValueRange{k, v, acc, m},
        [&](OpBuilder &nb, Location, Value t, ValueRange args) {
          // Issued before the step's attention, waited for at the yield.
          Value kn = shift(nb, args[0]);
          Value vn = shift(nb, args[1]);
          auto [o, lse] = attend(nb, t, args[0], args[1]);
          auto [acc2, m2] = merge(nb, loc, args[2], args[3], o, lse);
          scf::YieldOp::create(nb, loc, ValueRange{kn, vn, acc2, m2});
        });
    k = loop.getResult(0);
    v = loop.getResult(1);
    acc = loop.getResult(2);
    m = loop.getResult(3);
  }
  auto [o, lse] =
      attend(b, arith::ConstantIndexOp::create(b, loc, split.n - 1), k, v);
  std::tie(acc, m) = merge(b, loc, acc, m, o, lse);
  return {finish(b, loc, acc, m, in.sinks, resultType), m};
}

/// `acc` (f32) as `resultType`, rounded once.
Value roundTo(OpBuilder &b, Location loc, Value acc,
              RankedTensorType resultType) {
  ArrayRef<int64_t> oShape = resultType.getShape();
  if (resultType.getElementType() == b.getF32Type())
    return acc;
  auto id4 = AffineMap::getMultiDimIdentityMap(4, b.getContext());
  return linalg::GenericOp::create(
             b, loc, resultType, ValueRange{acc},
             ValueRange{tensor::EmptyOp::create(b, loc, oShape,
                                                resultType.getElementType())},
             ArrayRef<AffineMap>{id4, id4},
             SmallVector<utils::IteratorType>(4, utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               Value r = arith::TruncFOp::create(
                   nb, nl, resultType.getElementType(), args[0]);
               linalg::YieldOp::create(nb, nl, r);
             })
      .getResult(0);
}

/// Decode: the attention of the whole query with the local K/V block (and
/// the local columns of a mask), then N - 1 steps that pass the partial
/// results (o, lse) around the ring and merge each, so that every rank ends
/// with the full, replicated result.
Results buildDecode(OpBuilder &b, AttentionOp op, const Locals &in,
                    const Split &split) {
  Location loc = op.getLoc();
  auto resultType = cast<RankedTensorType>(op.getResult().getType());
  ArrayRef<int64_t> oShape = resultType.getShape();
  SmallVector<int64_t> lseShape(oShape.take_front(3));
  Results local = attendBlock(b, op, resultType, in.q, in.k, in.v, in.mask,
                              in.alibi, /*causal=*/false);
  if (in.alibi) {
    // The query is the last position, Skv - 1; the block's keys start at
    // rank * block: offset = (rank + 1) * block - Skv.
    int64_t block = cast<RankedTensorType>(in.k.getType()).getDimSize(2);
    Value rank = shard::ProcessLinearIndexOp::create(
        b, loc, shard::GridOp(split.grid).getSymName());
    Value end = arith::MulIOp::create(
        b, loc,
        arith::AddIOp::create(b, loc, rank,
                              arith::ConstantIndexOp::create(b, loc, 1)),
        arith::ConstantIndexOp::create(b, loc, block));
    Value offset = arith::SubIOp::create(
        b, loc, end, arith::ConstantIndexOp::create(b, loc, block * split.n));
    local.lse = shiftLse(b, loc, local.lse, in.alibi, offset);
  }
  auto shift = [&](OpBuilder &nb, Value x) -> Value {
    return shard::ShiftOp::create(
        nb, loc, x.getType(), shard::GridOp(split.grid).getSymName(),
        ArrayRef<int16_t>{0}, x, llvm::APInt(64, 0), /*offset=*/1,
        /*rotate=*/true);
  };
  Value acc = fill(b, loc, oShape, 0.0f);
  Value m = fill(b, loc, lseShape, -std::numeric_limits<float>::infinity());
  std::tie(acc, m) = merge(b, loc, acc, m, local.o, local.lse);
  if (split.n > 1) {
    Value lb = arith::ConstantIndexOp::create(b, loc, 0);
    Value ub = arith::ConstantIndexOp::create(b, loc, split.n - 1);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    auto loop = scf::ForOp::create(
        b, loc, lb, ub, one, ValueRange{local.o, local.lse, acc, m},
        [&](OpBuilder &nb, Location, Value, ValueRange args) {
          Value o = shift(nb, args[0]);
          Value lse = shift(nb, args[1]);
          auto [acc2, m2] = merge(nb, loc, args[2], args[3], o, lse);
          scf::YieldOp::create(nb, loc, ValueRange{o, lse, acc2, m2});
        });
    acc = loop.getResult(2);
    m = loop.getResult(3);
  }
  return {finish(b, loc, acc, m, in.sinks, resultType), m};
}

/// Causal ring attention on the zig-zag layout: the sequence is cut into 2N
/// chunks and rank r holds chunks r and 2N-1-r of Q, K and V (`mha-run`
/// lays them out so), so every rank has the same causal work. In each step
/// each (query chunk, key chunk) pair is fully visible (key chunk before the
/// query chunk), diagonal (causal within the chunk) or fully masked
/// (skipped), decided at run time from the rank and the step.
Results buildCausalRing(OpBuilder &b, AttentionOp op, const Locals &in,
                        const Split &split) {
  Location loc = op.getLoc();
  Value q = in.q, k = in.k, v = in.v;
  auto qType = cast<RankedTensorType>(q.getType());
  auto resultType = localType(op.getResult().getType(), split);
  int64_t chunk = qType.getDimSize(2) / 2;
  int64_t n = split.n;
  StringRef grid = shard::GridOp(split.grid).getSymName();

  // Half `h` of `x` along the sequence.
  auto half = [&](OpBuilder &nb, Value x, int64_t h) -> Value {
    auto type = cast<RankedTensorType>(x.getType());
    SmallVector<OpFoldResult> offsets(4, nb.getIndexAttr(0)),
        strides(4, nb.getIndexAttr(1)), sizes;
    for (int64_t d : type.getShape())
      sizes.push_back(nb.getIndexAttr(d));
    offsets[2] = nb.getIndexAttr(h * chunk);
    sizes[2] = nb.getIndexAttr(chunk);
    return tensor::ExtractSliceOp::create(nb, loc, x, offsets, sizes, strides);
  };
  SmallVector<int64_t> oShape(resultType.getShape());
  oShape[2] = chunk;
  auto oType = resultType.clone(oShape);
  SmallVector<int64_t> lseShape(oShape.begin(), oShape.begin() + 3);
  auto idx = [&](OpBuilder &nb, int64_t c) -> Value {
    return arith::ConstantIndexOp::create(nb, loc, c);
  };
  Value rank = shard::ProcessLinearIndexOp::create(b, loc, grid);
  // The global chunks of this rank's queries.
  Value qChunks[2] = {rank,
                      arith::SubIOp::create(b, loc, idx(b, 2 * n - 1), rank)};
  Value qHalves[2] = {half(b, q, 0), half(b, q, 1)};

  // Merges the attention of both query chunks with the K/V block that rank
  // `source` started with into (acc0, m0, acc1, m1).
  auto step = [&](OpBuilder &nb, Value source, Value kb, Value vb,
                  SmallVector<Value> state) {
    Value kChunks[2] = {
        source, arith::SubIOp::create(nb, loc, idx(nb, 2 * n - 1), source)};
    Value kHalves[2] = {half(nb, kb, 0), half(nb, kb, 1)};
    Value vHalves[2] = {half(nb, vb, 0), half(nb, vb, 1)};
    for (int qa = 0; qa < 2; ++qa) {
      for (int kc = 0; kc < 2; ++kc) {
        Value before = arith::CmpIOp::create(nb, loc, arith::CmpIPredicate::ult,
                                             kChunks[kc], qChunks[qa]);
        Value diagonal = arith::CmpIOp::create(
            nb, loc, arith::CmpIPredicate::eq, kChunks[kc], qChunks[qa]);
        // The mask's block of this pair: the query chunk's rows, the key
        // chunk's columns.
        Value mask;
        if (in.mask)
          mask = slice23(
              nb, loc, in.mask, {nb.getIndexAttr(qa * chunk), chunk},
              {arith::MulIOp::create(nb, loc, kChunks[kc], idx(nb, chunk))
                   .getResult(),
               chunk});
        auto attend = [&](OpBuilder &ib, bool causal) {
          Results r = attendBlock(ib, op, oType, qHalves[qa], kHalves[kc],
                                  vHalves[kc], mask, in.alibi, causal);
          // Chunk-local positions: the offset is (key chunk - query chunk)
          // * chunk (Sq = Skv).
          if (in.alibi)
            r.lse = shiftLse(
                ib, loc, r.lse, in.alibi,
                arith::MulIOp::create(
                    ib, loc,
                    arith::SubIOp::create(ib, loc, kChunks[kc], qChunks[qa]),
                    idx(ib, chunk)));
          scf::YieldOp::create(ib, loc, ValueRange{r.o, r.lse});
        };
        // Fully masked: nothing to merge (o = 0, lse = -inf).
        auto skip = [&](OpBuilder &ib, Location) {
          Value o = fill(ib, loc, oShape, 0.0f);
          if (oType.getElementType() != ib.getF32Type()) {
            Value e = tensor::EmptyOp::create(ib, loc, oShape,
                                              oType.getElementType());
            Value zero = arith::ConstantOp::create(
                ib, loc, ib.getFloatAttr(oType.getElementType(), 0.0));
            o = linalg::FillOp::create(ib, loc, zero, e).getResult(0);
          }
          Value lse =
              fill(ib, loc, lseShape, -std::numeric_limits<float>::infinity());
          scf::YieldOp::create(ib, loc, ValueRange{o, lse});
        };
        auto inner = [&](OpBuilder &ib, Location) {
          auto d = scf::IfOp::create(
              ib, loc, diagonal,
              [&](OpBuilder &jb, Location) { attend(jb, /*causal=*/true); },
              skip);
          scf::YieldOp::create(ib, loc, d.getResults());
        };
        auto pick = scf::IfOp::create(
            nb, loc, before,
            [&](OpBuilder &ib, Location) { attend(ib, /*causal=*/false); },
            inner);
        auto [acc, m] = merge(nb, loc, state[2 * qa], state[2 * qa + 1],
                              pick.getResult(0), pick.getResult(1));
        state[2 * qa] = acc;
        state[2 * qa + 1] = m;
      }
    }
    return state;
  };

  SmallVector<int64_t> accShape(oShape);
  SmallVector<Value> state = {
      fill(b, loc, accShape, 0.0f),
      fill(b, loc, lseShape, -std::numeric_limits<float>::infinity()),
      fill(b, loc, accShape, 0.0f),
      fill(b, loc, lseShape, -std::numeric_limits<float>::infinity())};
  auto shift = [&](OpBuilder &nb, Value x) -> Value {
    return shard::ShiftOp::create(nb, loc, x.getType(), grid,
                                  ArrayRef<int16_t>{0}, x, llvm::APInt(64, 0),
                                  /*offset=*/1, /*rotate=*/true);
  };
  if (n > 1) {
    SmallVector<Value> init = {k, v};
    init.append(state);
    auto loop = scf::ForOp::create(
        b, loc, idx(b, 0), idx(b, n - 1), idx(b, 1), init,
        [&](OpBuilder &nb, Location, Value t, ValueRange args) {
          Value kn = shift(nb, args[0]);
          Value vn = shift(nb, args[1]);
          SmallVector<Value> next =
              step(nb, sourceAt(nb, loc, rank, t, n), args[0], args[1],
                   SmallVector<Value>(args.drop_front(2)));
          SmallVector<Value> yield = {kn, vn};
          yield.append(next);
          scf::YieldOp::create(nb, loc, yield);
        });
    k = loop.getResult(0);
    v = loop.getResult(1);
    state = SmallVector<Value>(loop.getResults().drop_front(2));
  }
  state = step(b, sourceAt(b, loc, rank, idx(b, n - 1), n), k, v, state);

  // The two query chunks' results (and lse), side by side as the queries
  // were.
  auto join = [&](Value first, Value second) -> Value {
    auto half = cast<RankedTensorType>(first.getType());
    SmallVector<int64_t> shape(half.getShape());
    shape[2] *= 2;
    Value joined = tensor::EmptyOp::create(b, loc, shape, b.getF32Type());
    Value parts[2] = {first, second};
    for (auto [h, part] : llvm::enumerate(parts)) {
      SmallVector<OpFoldResult> offsets(shape.size(), b.getIndexAttr(0)),
          strides(shape.size(), b.getIndexAttr(1)), sizes;
      for (int64_t d : half.getShape())
        sizes.push_back(b.getIndexAttr(d));
      offsets[2] = b.getIndexAttr(h * chunk);
      joined = tensor::InsertSliceOp::create(b, loc, part, joined, offsets,
                                             sizes, strides);
    }
    return joined;
  };
  Value m = join(state[1], state[3]);
  return {finish(b, loc, join(state[0], state[2]), m, in.sinks, resultType), m};
}

/// The local type of the annotated function argument `annotation` (a
/// `shard.shard ... annotate_for_users`): its split axis divided by N.
Type localArgType(shard::ShardOp annotation, const Split &split) {
  auto type = cast<RankedTensorType>(annotation.getSrc().getType());
  auto sharding = annotation.getSharding().getDefiningOp<shard::ShardingOp>();
  SmallVector<int64_t> shape(type.getShape());
  for (auto [i, axes] : llvm::enumerate(sharding.getSplitAxes().getAxes()))
    if (!axes.empty())
      shape[i] /= split.n;
  return type.clone(shape);
}

LogicalResult partition(AttentionOp op, SymbolTableCollection &symbols) {
  // The local ops would see local indices in the modifier regions.
  if (op.hasScoreMod() || op.hasMaskMod())
    return op.emitOpError("mha-partition-attention: score_mod / mask_mod "
                          "regions are not supported on a partitioned "
                          "attention yet");
  FailureOr<Split> split = getSplit(op, symbols);
  if (failed(split))
    return failure();
  auto func = op->getParentOfType<func::FuncOp>();
  // Each result is used once, by its annotation, which the function returns.
  SmallVector<shard::ShardOp> resultAnnotations;
  for (Value result : op->getResults()) {
    if (!func || !result.hasOneUse())
      return op.emitOpError("mha-partition-attention: each result must have "
                            "one use, its annotation");
    auto annotation = dyn_cast<shard::ShardOp>(*result.getUsers().begin());
    if (!annotation || annotation.getAnnotateForUsers() ||
        !llvm::all_of(annotation->getUsers(),
                      [](Operation *u) { return isa<func::ReturnOp>(u); }))
      return op.emitOpError("mha-partition-attention: the annotated results "
                            "must be returned by the function");
    resultAnnotations.push_back(annotation);
  }

  // The annotated arguments become the local shards.
  SmallVector<Value> locals;
  for (Value operand : op->getOperands()) {
    auto annotation = operand.getDefiningOp<shard::ShardOp>();
    if (!annotation || !annotation.getAnnotateForUsers() ||
        !isa<BlockArgument>(annotation.getSrc()) ||
        !annotation.getSharding().getDefiningOp<shard::ShardingOp>())
      return op.emitOpError("mha-partition-attention: every operand must be "
                            "an annotated function argument");
    auto arg = cast<BlockArgument>(annotation.getSrc());
    if (!llvm::all_of(arg.getUsers(),
                      [](Operation *u) { return isa<shard::ShardOp>(u); }))
      return op.emitOpError("mha-partition-attention: argument #")
             << arg.getArgNumber() << " has uses besides its annotation";
    arg.setType(localArgType(annotation, *split));
    locals.push_back(arg);
  }
  Locals in{locals[0], locals[1], locals[2]};
  auto rest = ArrayRef<Value>(locals).drop_front(3);
  if (op.getMask()) {
    in.mask = rest.front();
    rest = rest.drop_front();
  }
  if (op.getAlibi()) {
    in.alibi = rest.front();
    rest = rest.drop_front();
  }
  if (op.getSinks())
    in.sinks = rest.front();

  OpBuilder b(op);
  Results results;
  if (split->dim == 1) {
    // Heads: no communication; a KV head stays with its query heads since
    // H/N and Hkv/N keep the group size H/Hkv, and every variant is per
    // head.
    SmallVector<Type> types;
    for (Value r : op->getResults())
      types.push_back(localType(r.getType(), *split));
    auto local = AttentionOp::create(b, op.getLoc(), types, in.q, in.k, in.v,
                                     in.mask, in.alibi, in.sinks,
                                     op.getScaleAttr(), op.getCausalAttr(),
                                     op.getWindowAttr(), op.getSoftcapAttr());
    results = {local.getResult(), local.getLse()};
  } else if (split->replicatedQuery) {
    results = buildDecode(b, op, in, *split);
  } else if (op.getCausal()) {
    results = buildCausalRing(b, op, in, *split);
    // The layout mha-run (or any caller) must give the blocks.
    func->setAttr(kZigZagAttr, UnitAttr::get(op.getContext()));
  } else {
    results = buildRing(b, op, in, *split);
  }
  resultAnnotations[0].getResult().replaceAllUsesWith(results.o);
  if (resultAnnotations.size() > 1)
    resultAnnotations[1].getResult().replaceAllUsesWith(results.lse);
  for (shard::ShardOp annotation : resultAnnotations)
    annotation.erase();
  SmallVector<Operation *> dead;
  for (Value operand : op->getOperands())
    dead.push_back(operand.getDefiningOp());
  op.erase();
  eraseDeadAnnotations(dead);
  // The signature follows the local arguments and results.
  updateFunctionType(func);
  return success();
}

struct MHAPartitionAttention
    : public mha::impl::MHAPartitionAttentionBase<MHAPartitionAttention> {
  void runOnOperation() override {
    SmallVector<AttentionOp> ops;
    getOperation().walk([&](AttentionOp op) { ops.push_back(op); });
    SymbolTableCollection symbols;
    for (AttentionOp op : ops) {
      // Attention without annotations stays as it is.
      if (!op.getQuery().getDefiningOp<shard::ShardOp>())
        continue;
      if (failed(partition(op, symbols)))
        return signalPassFailure();
    }
    // Layers split by their heads (HeadParallelLayer.cpp).
    SmallVector<MultiHeadAttentionOp> layers;
    getOperation().walk([&](MultiHeadAttentionOp op) { layers.push_back(op); });
    for (MultiHeadAttentionOp layer : layers)
      if (llvm::any_of(
              layer->getOperands(),
              [](Value v) { return v.getDefiningOp<shard::ShardOp>(); }) &&
          failed(partitionLayerByHeads(layer, symbols)))
        return signalPassFailure();
  }
};
} // namespace
