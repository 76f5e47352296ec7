//===- ShardAttention.cpp - mha-shard-attention
//----------------------------===//
//
// Annotates the query, key, value and result of mha.attention with a
// `shard.sharding` on a 1-D grid: the input of mha-partition-attention.
//
//===----------------------------------------------------------------------===//

#include "HeadParallelLayer.h"

#include "mha/Dialect/MHA/IR/MHAOps.h"
#include "mha/Dialect/MHA/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Shard/IR/ShardDialect.h"
#include "mlir/Dialect/Shard/IR/ShardOps.h"
#include "mlir/IR/Builders.h"

#define DEBUG_TYPE "mha-shard-attention"

namespace mlir::mha {
#define GEN_PASS_DEF_MHASHARDATTENTION
#include "mha/Dialect/MHA/Transforms/Passes.h.inc"
} // namespace mlir::mha

using namespace mlir;
using namespace mlir::mha;

namespace {
constexpr llvm::StringLiteral kGridName = "mha_grid";

/// True for a decode step split by the sequence: one query (Sq = 1), which
/// stays replicated while the keys and values are split.
bool isReplicatedQuery(AttentionOp op, int64_t dim) {
  return dim == 2 && op.getQuery().getType().getDimSize(2) == 1;
}

/// The tensor axis of `value` (an operand or result of `op`) that is split
/// over the grid when `op` is split along `dim`, or -1 when it stays whole.
/// A mask is split with the queries' rows (or, in a decode step, with the
/// keys' columns) unless it is broadcast along them; its key columns stay
/// whole on each rank, and the ring slices them per step.
int64_t splitAxisOf(AttentionOp op, Value value, int64_t dim) {
  bool decode = isReplicatedQuery(op, dim);
  if (value == op.getQuery() || value == op.getResult() || value == op.getLse())
    return decode ? -1 : dim;
  if (value == op.getKey() || value == op.getValue())
    return dim;
  if (value == op.getAlibi() || value == op.getSinks())
    return dim == 1 ? 0 : -1;
  auto mask = cast<RankedTensorType>(value.getType());
  int64_t axis = dim == 1 ? 1 : decode ? 3 : 2;
  return mask.getDimSize(axis) == 1 ? -1 : axis;
}

/// Checks that `op` can be partitioned along `dim` over `n` processes;
/// reports why not on `op`.
LogicalResult checkShardable(AttentionOp op, int64_t dim, int64_t n) {
  // The shards would see local indices in the modifier regions.
  if (op.hasScoreMod() || op.hasMaskMod())
    return op.emitOpError("mha-shard-attention: score_mod / mask_mod regions "
                          "are not supported on a sharded attention yet");
  // The heads split everything per head; the sequence ring knows masks,
  // softcap, sinks, ALiBi and the lse result, but not a window (whose
  // bounds would move with the blocks).
  if (dim == 2 && op.getWindow())
    return op.emitOpError("mha-shard-attention: a window on an attention "
                          "split by the sequence is not supported yet (split "
                          "the heads instead)");
  // A single query sees every key under causal (bottom-right aligned).
  if (op.getCausal() && dim == 2 && !isReplicatedQuery(op, dim)) {
    // The zig-zag layout: 2N chunks of equal length, one Sq = Skv axis.
    int64_t sq = op.getQuery().getType().getDimSize(2);
    int64_t skv = op.getKey().getType().getDimSize(2);
    if (sq != skv || ShapedType::isDynamic(sq))
      return op.emitOpError("mha-shard-attention: causal attention split by "
                            "the sequence needs static Sq = Skv, got ")
             << sq << " and " << skv;
    if (sq % (2 * n) != 0)
      return op.emitOpError("mha-shard-attention: causal attention split by "
                            "the sequence needs Sq divisible by 2 * grid-size "
                            "(the zig-zag layout), got ")
             << sq << " and grid-size " << n;
  }
  StringRef what = dim == 2 ? "sequence length" : "head count";
  for (auto [name, value] :
       {std::pair<StringRef, Value>{"query", op.getQuery()},
        {"key", op.getKey()},
        {"value", op.getValue()},
        {"mask", op.getMask()},
        {"alibi slopes", op.getAlibi()},
        {"sinks", op.getSinks()}}) {
    if (!value)
      continue;
    if (!isa<BlockArgument>(value))
      return op.emitOpError("mha-shard-attention: the ")
             << name << " must be an argument of the function";
    int64_t axis = splitAxisOf(op, value, dim);
    if (axis < 0)
      continue;
    int64_t size = cast<RankedTensorType>(value.getType()).getDimSize(axis);
    if (ShapedType::isDynamic(size))
      return op.emitOpError("mha-shard-attention: the ")
             << name << "'s " << what << " must be static";
    if (size % n != 0)
      return op.emitOpError("mha-shard-attention: the ")
             << name << "'s " << what << " " << size
             << " is not a multiple of grid-size " << n;
  }
  return success();
}

struct MHAShardAttention
    : public mha::impl::MHAShardAttentionBase<MHAShardAttention> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    int64_t dim;
    if (axis == "sequence")
      dim = 2;
    else if (axis == "heads")
      dim = 1;
    else {
      module.emitError("mha-shard-attention: axis must be 'sequence' or "
                       "'heads', got '")
          << axis << "'";
      return signalPassFailure();
    }
    if (gridSize < 1) {
      module.emitError("mha-shard-attention: grid-size must be >= 1, got ")
          << static_cast<int64_t>(gridSize);
      return signalPassFailure();
    }

    SmallVector<AttentionOp> ops;
    module.walk([&](AttentionOp op) { ops.push_back(op); });
    // Layers split by their heads (HeadParallelLayer.cpp).
    SmallVector<MultiHeadAttentionOp> layers;
    module.walk([&](MultiHeadAttentionOp op) { layers.push_back(op); });
    if (ops.empty() && layers.empty())
      return;
    for (AttentionOp op : ops)
      if (failed(checkShardable(op, dim, gridSize)))
        return signalPassFailure();
    for (MultiHeadAttentionOp layer : layers) {
      if (dim != 1) {
        layer.emitOpError("mha-shard-attention: a multi_head_attention layer "
                          "is split by its heads (axis=heads), not by the ")
            << axis;
        return signalPassFailure();
      }
      if (failed(checkLayerShardable(layer, gridSize)))
        return signalPassFailure();
    }

    // One grid for the module; an existing one must have the same shape.
    OpBuilder builder(module.getBodyRegion());
    if (auto grid = module.lookupSymbol<shard::GridOp>(kGridName)) {
      if (grid.getShape() != ArrayRef<int64_t>{gridSize}) {
        grid.emitOpError("mha-shard-attention: @")
            << kGridName << " exists with another shape than ("
            << static_cast<int64_t>(gridSize) << ")";
        return signalPassFailure();
      }
    } else {
      builder.setInsertionPointToStart(module.getBody());
      shard::GridOp::create(builder, module.getLoc(), kGridName,
                            ArrayRef<int64_t>{gridSize});
    }

    MLIRContext *ctx = module.getContext();
    for (AttentionOp op : ops) {
      builder.setInsertionPoint(op);
      // One shard.sharding per split tensor axis (-1: replicated).
      llvm::SmallDenseMap<int64_t, Value> shardings;
      auto shardingFor = [&](Value value) {
        int64_t axis = splitAxisOf(op, value, dim);
        Value &sharding = shardings[axis];
        if (!sharding) {
          SmallVector<shard::GridAxesAttr> splitAxes(
              axis + 1, DenseI16ArrayAttr::get(ctx, {}));
          if (axis >= 0)
            splitAxes[axis] = DenseI16ArrayAttr::get(ctx, {0});
          sharding = shard::ShardingOp::create(
              builder, op.getLoc(), FlatSymbolRefAttr::get(ctx, kGridName),
              splitAxes);
        }
        return sharding;
      };
      SmallVector<Value> operandShardings, resultShardings;
      for (Value operand : op->getOperands())
        operandShardings.push_back(shardingFor(operand));
      for (Value result : op->getResults())
        resultShardings.push_back(shardingFor(result));
      for (auto [operand, sharding] :
           llvm::zip(op->getOpOperands(), operandShardings))
        operand.set(shard::ShardOp::create(builder, op.getLoc(), operand.get(),
                                           sharding,
                                           /*annotate_for_users=*/true));
      builder.setInsertionPointAfter(op);
      for (auto [result, sharding] :
           llvm::zip(op->getResults(), resultShardings)) {
        auto annotated =
            shard::ShardOp::create(builder, op.getLoc(), result, sharding);
        result.replaceAllUsesExcept(annotated, annotated);
      }
    }
    for (MultiHeadAttentionOp layer : layers)
      annotateLayerByHeads(layer, kGridName);
  }
};
} // namespace
