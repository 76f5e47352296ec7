//===- HeadParallelLayer.cpp - Shard a layer by its heads -----------------===//
//
// Megatron-style tensor parallelism of `mha.multi_head_attention`: rank r
// owns heads [r*H/N, (r+1)*H/N) and KV heads [r*Hkv/N, (r+1)*Hkv/N). The
// columns of W_q, W_k, W_v (and of their biases) are head-major, so its
// heads are one contiguous column block (column-parallel); the rows of W_o
// are head-major too, so its heads' share of the output projection is one
// row block (row-parallel). The attention needs no communication; the
// partial output projections sum to the layer's output with one all-reduce.
//
//===----------------------------------------------------------------------===//

#include "HeadParallelLayer.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Shard/IR/ShardDialect.h"
#include "mlir/Dialect/Shard/IR/ShardOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/MapVector.h"

using namespace mlir;
using namespace mlir::mha;

namespace {
/// Not split: the whole tensor on every rank.
constexpr int64_t kReplicated = -1;

/// One operand of the layer and the tensor dimension split by the heads.
struct Role {
  StringRef name;
  OpOperand *operand;
  int64_t dim;
};

/// The operands of `op` with their split: Q/K/V weights by columns and
/// their biases, W_o by rows, everything else replicated. A mask with one
/// entry per head is split by its heads; a head-broadcast one is not.
SmallVector<Role> getRoles(MultiHeadAttentionOp op) {
  SmallVector<Role> roles = {
      {"query_input", &op.getQueryInputMutable(), kReplicated},
      {"kv_input", &op.getKvInputMutable(), kReplicated},
      {"wq", &op.getWqMutable(), 1},
      {"wk", &op.getWkMutable(), 1},
      {"wv", &op.getWvMutable(), 1},
      {"wo", &op.getWoMutable(), 0}};
  if (!op.getBiases().empty()) {
    MutableArrayRef<OpOperand> biases = op.getBiasesMutable();
    roles.push_back({"bq", &biases[0], 0});
    roles.push_back({"bk", &biases[1], 0});
    roles.push_back({"bv", &biases[2], 0});
    roles.push_back({"bo", &biases[3], kReplicated});
  }
  if (Value mask = op.getMask()) {
    int64_t heads = cast<RankedTensorType>(mask.getType()).getDimSize(1);
    roles.push_back(
        {"mask", &op.getMaskMutable()[0], heads == 1 ? kReplicated : 1});
  }
  // Per-query-head vectors go with their heads.
  if (op.getAlibi())
    roles.push_back({"alibi", &op.getAlibiMutable()[0], 0});
  if (op.getSinks())
    roles.push_back({"sinks", &op.getSinksMutable()[0], 0});
  return roles;
}

StringRef describe(int64_t dim) {
  if (dim == kReplicated)
    return "replicated";
  return dim == 0 ? "split along dimension 0 (row-parallel)"
                  : "split along dimension 1 (column-parallel)";
}

Value createSharding(OpBuilder &b, Location loc, StringRef grid, int64_t dim) {
  MLIRContext *ctx = b.getContext();
  // Replicated is `[[]]`: MLIR 22 prints `[]` but cannot parse it back.
  SmallVector<shard::GridAxesAttr> axes(std::max<int64_t>(dim + 1, 1),
                                        DenseI16ArrayAttr::get(ctx, {}));
  if (dim != kReplicated)
    axes[dim] = DenseI16ArrayAttr::get(ctx, {0});
  return shard::ShardingOp::create(b, loc, FlatSymbolRefAttr::get(ctx, grid),
                                   axes);
}

/// The split of a `shard.sharding`: the tensor dim on grid axis 0,
/// kReplicated, or failure for anything else (halos, several axes).
FailureOr<int64_t> getSplitDim(shard::ShardingOp sharding) {
  if (!sharding.getStaticHaloSizes().empty() ||
      !sharding.getStaticShardedDimsOffsets().empty() ||
      !sharding.getDynamicHaloSizes().empty() ||
      !sharding.getDynamicShardedDimsOffsets().empty())
    return failure();
  int64_t dim = kReplicated;
  for (auto [i, axes] : llvm::enumerate(sharding.getSplitAxes().getAxes())) {
    if (axes.empty())
      continue;
    if (dim != kReplicated || axes.asArrayRef() != ArrayRef<int16_t>{0})
      return failure();
    dim = i;
  }
  return dim;
}

bool isReplicated(shard::ShardingOp sharding) {
  FailureOr<int64_t> dim = getSplitDim(sharding);
  return succeeded(dim) && *dim == kReplicated;
}

/// `x` converted element-wise to `type` (same shape), `bias` (1-D, along the
/// last dim) added first when given.
Value convert(OpBuilder &b, Location loc, Value x, RankedTensorType type,
              Value bias) {
  MLIRContext *ctx = b.getContext();
  int64_t rank = type.getRank();
  SmallVector<Value> inputs = {x};
  SmallVector<AffineMap> maps = {AffineMap::getMultiDimIdentityMap(rank, ctx)};
  if (bias) {
    inputs.push_back(bias);
    maps.push_back(AffineMap::get(rank, 0, getAffineDimExpr(rank - 1, ctx)));
  }
  maps.push_back(AffineMap::getMultiDimIdentityMap(rank, ctx));
  Value init =
      tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType());
  auto castTo = [&](OpBuilder &nb, Location nl, Value v, Type to) -> Value {
    unsigned from = v.getType().getIntOrFloatBitWidth();
    if (v.getType() == to)
      return v;
    if (from < to.getIntOrFloatBitWidth())
      return arith::ExtFOp::create(nb, nl, to, v);
    return arith::TruncFOp::create(nb, nl, to, v);
  };
  return linalg::GenericOp::create(
             b, loc, type, inputs, ValueRange{init}, maps,
             SmallVector<utils::IteratorType>(rank,
                                              utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               Value r = args[0];
               if (bias) {
                 Type acc = r.getType();
                 r = arith::AddFOp::create(nb, nl, r,
                                           castTo(nb, nl, args[1], acc));
               }
               linalg::YieldOp::create(
                   nb, nl, castTo(nb, nl, r, type.getElementType()));
             })
      .getResult(0);
}
} // namespace

LogicalResult mlir::mha::checkLayerShardable(MultiHeadAttentionOp op,
                                             int64_t n) {
  int64_t hkv = op.getNumKvHeadsOrDefault();
  // H is a multiple of Hkv: N dividing Hkv keeps each KV head on the rank
  // of its query heads.
  if (hkv % n != 0)
    return op.emitOpError("mha-shard-attention: the layer's ")
           << (op.getNumKvHeads() ? "num_kv_heads " : "num_heads ") << hkv
           << " is not a multiple of grid-size " << n
           << " (a rank keeps whole KV heads with their query heads)";
  // A replicated operand may be computed (every rank computes it whole); a
  // split one is given to each rank as its shard.
  for (const Role &role : getRoles(op))
    if (role.dim != kReplicated && !isa<BlockArgument>(role.operand->get()))
      return op.emitOpError("mha-shard-attention: the layer's ")
             << role.name
             << " must be an argument of the function (each rank is given "
                "its shard)";
  // The all-reduce moves the whole [B, Sq, E] result.
  if (!op.getType().hasStaticShape())
    return op.emitOpError("mha-shard-attention: the layer's result must have "
                          "a static shape to be all-reduced, got ")
           << op.getType();
  if (Value mask = op.getMask())
    if (cast<RankedTensorType>(mask.getType()).isDynamicDim(1))
      return op.emitOpError("mha-shard-attention: the mask's head dimension "
                            "must be static");
  return success();
}

void mlir::mha::annotateLayerByHeads(MultiHeadAttentionOp op, StringRef grid) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  llvm::SmallDenseMap<int64_t, Value> shardings;
  auto getSharding = [&](int64_t dim) {
    Value &s = shardings[dim];
    if (!s)
      s = createSharding(b, loc, grid, dim);
    return s;
  };
  for (const Role &role : getRoles(op))
    role.operand->set(shard::ShardOp::create(b, loc, role.operand->get(),
                                             getSharding(role.dim),
                                             /*annotate_for_users=*/true));
  Value replicated = getSharding(kReplicated);
  b.setInsertionPointAfter(op);
  auto annotated = shard::ShardOp::create(b, loc, op.getResult(), replicated);
  op.getResult().replaceAllUsesExcept(annotated, annotated);
}

LogicalResult mlir::mha::partitionLayerByHeads(MultiHeadAttentionOp op,
                                               SymbolTableCollection &symbols) {
  auto func = op->getParentOfType<func::FuncOp>();
  if (!func)
    return op.emitOpError("mha-partition-attention: the layer must be in a "
                          "function");
  // The operands: annotated, with the Megatron split; the split ones are
  // function arguments, which become the rank's shards.
  shard::GridOp grid;
  SmallVector<Role> roles = getRoles(op);
  llvm::MapVector<BlockArgument, RankedTensorType> localTypes;
  SmallVector<Value> locals;
  for (const Role &role : roles) {
    auto annotation = role.operand->get().getDefiningOp<shard::ShardOp>();
    if (!annotation || !annotation.getAnnotateForUsers())
      return op.emitOpError("mha-partition-attention: the layer's ")
             << role.name << " must be annotated";
    auto sharding = annotation.getSharding().getDefiningOp<shard::ShardingOp>();
    shard::GridOp g = sharding ? shard::getGrid(sharding, symbols) : nullptr;
    if (!g || g.getRank() != 1 || ShapedType::isDynamic(g.getShape()[0]))
      return op.emitOpError("mha-partition-attention: the layer's ")
             << role.name
             << " must be sharded by a shard.sharding on a static 1-D grid";
    if (grid && g != grid)
      return op.emitOpError("mha-partition-attention: the layer's operands "
                            "must be sharded on one grid");
    grid = g;
    FailureOr<int64_t> dim = getSplitDim(sharding);
    if (failed(dim) || *dim != role.dim)
      return op.emitOpError("mha-partition-attention: the ")
             << role.name << " of a layer split by its heads must be "
             << describe(role.dim);
    auto arg = dyn_cast<BlockArgument>(annotation.getSrc());
    if (arg && arg.getOwner()->getParentOp() != func)
      arg = nullptr;
    if (role.dim == kReplicated && !arg) {
      locals.push_back(annotation.getSrc());
      continue;
    }
    if (!arg)
      return op.emitOpError("mha-partition-attention: the layer's ")
             << role.name << " must be a function argument (each rank is "
             << "given its shard)";
    // A replicated argument is whole on every rank: other uses keep it.
    // A split one becomes the shard: its only users are this layer's
    // annotations (a second layer sharing it would be split twice).
    if (role.dim != kReplicated &&
        !llvm::all_of(arg.getUsers(), [&](Operation *u) {
          return isa<shard::ShardOp>(u) &&
                 llvm::all_of(u->getUsers(),
                              [&](Operation *v) { return v == op; });
        }))
      return op.emitOpError("mha-partition-attention: argument #")
             << arg.getArgNumber() << " has uses besides its annotation";
    int64_t n = g.getShape()[0];
    auto type = cast<RankedTensorType>(arg.getType());
    SmallVector<int64_t> shape(type.getShape());
    if (role.dim != kReplicated) {
      if (shape[role.dim] % n != 0)
        return op.emitOpError("mha-partition-attention: the layer's ")
               << role.name << " dimension " << role.dim << " ("
               << shape[role.dim] << ") is not a multiple of the grid size "
               << n;
      shape[role.dim] /= n;
    }
    auto [it, inserted] = localTypes.insert({arg, type.clone(shape)});
    if (!inserted && it->second != type.clone(shape))
      return op.emitOpError("mha-partition-attention: argument #")
             << arg.getArgNumber() << " is split in two ways";
    locals.push_back(arg);
  }
  int64_t n = grid.getShape()[0];
  int64_t h = op.getNumHeads(), hkv = op.getNumKvHeadsOrDefault();
  if (hkv % n != 0)
    return op.emitOpError("mha-partition-attention: the layer's KV head "
                          "count ")
           << hkv << " is not a multiple of the grid size " << n;

  // The result: replicated, whole on every rank after the all-reduce, so
  // its users stay as they are.
  if (!op.getResult().hasOneUse())
    return op.emitOpError("mha-partition-attention: the layer's result must "
                          "have one use, its annotation");
  auto resultAnnotation =
      dyn_cast<shard::ShardOp>(*op.getResult().getUsers().begin());
  auto resultSharding =
      resultAnnotation
          ? resultAnnotation.getSharding().getDefiningOp<shard::ShardingOp>()
          : nullptr;
  if (!resultSharding || resultAnnotation.getAnnotateForUsers() ||
      !isReplicated(resultSharding))
    return op.emitOpError("mha-partition-attention: the layer's result must "
                          "be annotated replicated");

  for (auto [arg, type] : localTypes)
    arg.setType(type);

  // The layer on this rank's heads; its output projection is partial.
  OpBuilder b(op);
  Location loc = op.getLoc();
  RankedTensorType resultType = op.getType();
  Type elt = resultType.getElementType();
  auto local = [&](int64_t i) { return locals[i]; };
  auto localOf = [&](StringRef name) -> Value {
    for (auto [role, value] : llvm::zip(roles, locals))
      if (role.name == name)
        return value;
    return Value();
  };
  SmallVector<Value> biases;
  Value bo;
  if (!op.getBiases().empty()) {
    // The output bias is added once, after the all-reduce.
    bo = local(9);
    auto boType = cast<RankedTensorType>(bo.getType());
    Value zero = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(boType, b.getFloatAttr(elt, 0.0)));
    biases = {local(6), local(7), local(8), zero};
  }
  IntegerAttr numKvHeads =
      op.getNumKvHeads() ? b.getI64IntegerAttr(hkv / n) : nullptr;
  Value partial =
      MultiHeadAttentionOp::create(
          b, loc, resultType, local(0), local(1), local(2), local(3), local(4),
          local(5), biases, localOf("mask"), localOf("alibi"), localOf("sinks"),
          b.getI64IntegerAttr(h / n), numKvHeads, op.getScaleAttr(),
          op.getCausalAttr(), op.getWindowAttr(), op.getSoftcapAttr())
          .getResult();
  // Summed in f32 (MPI has no f16/bf16): each partial is rounded once by the
  // local layer, the sum once at the end.
  auto f32Type = resultType.clone(b.getF32Type());
  if (elt != b.getF32Type())
    partial = convert(b, loc, partial, f32Type, /*bias=*/Value());
  Value result = shard::AllReduceOp::create(b, loc, f32Type, grid.getSymName(),
                                            ArrayRef<shard::GridAxis>{0},
                                            partial, shard::ReductionKind::Sum);
  if (bo || elt != b.getF32Type())
    result = convert(b, loc, result, resultType, bo);

  resultAnnotation.getResult().replaceAllUsesWith(result);
  Value resultShardingValue = resultAnnotation.getSharding();
  resultAnnotation.erase();
  // One annotation may serve two operands (self-attention's input).
  SetVector<Operation *> annotations;
  for (const Role &role : roles)
    annotations.insert(role.operand->get().getDefiningOp());
  op.erase();
  eraseDeadAnnotations(annotations.getArrayRef(), resultShardingValue);
  updateFunctionType(func);
  return success();
}

void mlir::mha::eraseDeadAnnotations(ArrayRef<Operation *> annotations,
                                     ArrayRef<Value> shardings) {
  SetVector<Operation *> unique(llvm::from_range, annotations);
  SetVector<Value> candidates(llvm::from_range, shardings);
  for (Operation *annotation : unique) {
    if (!annotation->use_empty())
      continue;
    candidates.insert(cast<shard::ShardOp>(annotation).getSharding());
    annotation->erase();
  }
  for (Value sharding : candidates)
    if (sharding.use_empty())
      sharding.getDefiningOp()->erase();
}

void mlir::mha::updateFunctionType(func::FuncOp func) {
  auto ret = cast<func::ReturnOp>(func.getBody().back().getTerminator());
  func.setFunctionType(FunctionType::get(func.getContext(),
                                         func.getBody().getArgumentTypes(),
                                         ret.getOperandTypes()));
}
