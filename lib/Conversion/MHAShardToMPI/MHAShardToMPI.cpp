//===- MHAShardToMPI.cpp - convert-mha-shard-to-mpi -----------------------===//
//
// Lowers the ring shifts of partitioned attention (`shard.shift ... rotate`
// on a 1-D grid) to mpi.isend/irecv with the waits deferred to the first use
// of the shifted value, so that the transfer overlaps the work in between,
// and the all-reduce of a head-parallel layer to mpi.allreduce.
//
//===----------------------------------------------------------------------===//

#include "mha/Conversion/MHAShardToMPI/MHAShardToMPI.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/DLTI/DLTI.h"
#include "mlir/Dialect/MPI/IR/MPI.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Shard/IR/ShardDialect.h"
#include "mlir/Dialect/Shard/IR/ShardOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define DEBUG_TYPE "convert-mha-shard-to-mpi"

namespace mlir::mha {
#define GEN_PASS_DEF_CONVERTMHASHARDTOMPI
#include "mha/Conversion/Passes.h.inc"
} // namespace mlir::mha

using namespace mlir;

namespace {
/// Memory effects of the non-blocking mpi ops, which MLIR 22 does not
/// declare (buffer deallocation refuses ops without them). Each also writes
/// the default resource: communication is a side effect, so they are never
/// removed or reordered. A send buffer stays alive until its wait because
/// deallocation frees buffers at the end of their block, after the waits.
template <typename Op, bool Writes>
struct PointToPointEffects : public MemoryEffectOpInterface::ExternalModel<
                                 PointToPointEffects<Op, Writes>, Op> {
  void
  getEffects(Operation *op,
             SmallVectorImpl<MemoryEffects::EffectInstance> &effects) const {
    OpOperand &ref = cast<Op>(op).getRefMutable();
    if (Writes)
      effects.emplace_back(MemoryEffects::Write::get(), &ref);
    else
      effects.emplace_back(MemoryEffects::Read::get(), &ref);
    effects.emplace_back(MemoryEffects::Write::get());
  }
};

struct WaitEffects
    : public MemoryEffectOpInterface::ExternalModel<WaitEffects, mpi::Wait> {
  void
  getEffects(Operation *op,
             SmallVectorImpl<MemoryEffects::EffectInstance> &effects) const {
    effects.emplace_back(MemoryEffects::Write::get());
  }
};

constexpr llvm::StringLiteral kImplementationKey = "MPI:Implementation";

/// The op of `block` that is or contains the first user of `value`, or the
/// terminator when `value` has no user in `block`.
Operation *firstUseIn(Block *block, Value value) {
  Operation *first = nullptr;
  for (Operation *user : value.getUsers()) {
    Operation *op = block->findAncestorOpInBlock(*user);
    if (op && (!first || op->isBeforeInBlock(first)))
      first = op;
  }
  return first ? first : block->getTerminator();
}

LogicalResult lowerShift(shard::ShiftOp shift, int32_t tag,
                         SymbolTableCollection &symbols) {
  shard::GridOp grid = shard::getGrid(shift, symbols);
  if (!grid || grid.getRank() != 1 || ShapedType::isDynamic(grid.getShape()[0]))
    return shift.emitOpError("convert-mha-shard-to-mpi: only shifts on a "
                             "static 1-D grid are supported");
  if (!shift.getRotate())
    return shift.emitOpError(
        "convert-mha-shard-to-mpi: only rotating shifts are supported");
  auto type = cast<RankedTensorType>(shift.getInput().getType());
  if (!type.hasStaticShape())
    return shift.emitOpError(
        "convert-mha-shard-to-mpi: the shifted tensor must be static");
  int64_t n = grid.getShape()[0];
  int64_t offset = ((shift.getOffset() % n) + n) % n;

  OpBuilder b(shift);
  Location loc = shift.getLoc();
  MLIRContext *ctx = b.getContext();
  Value comm = mpi::CommWorldOp::create(b, loc, mpi::CommType::get(ctx));
  Value rank =
      mpi::CommRankOp::create(b, loc, /*retval=*/Type(), b.getI32Type(), comm)
          .getRank();
  auto i32 = [&](int64_t v) -> Value {
    return arith::ConstantIntOp::create(b, loc, b.getI32Type(), v);
  };
  Value size = i32(n);
  Value dest = arith::RemUIOp::create(
      b, loc, arith::AddIOp::create(b, loc, rank, i32(offset)), size);
  Value source = arith::RemUIOp::create(
      b, loc, arith::AddIOp::create(b, loc, rank, i32(n - offset)), size);
  auto memrefType = MemRefType::get(type.getShape(), type.getElementType());
  auto sendBuffer = bufferization::ToBufferOp::create(
      b, loc, memrefType, shift.getInput(), /*read_only=*/true);
  Value recvBuffer = memref::AllocOp::create(b, loc, memrefType);
  Value tagValue = i32(tag);
  auto requestType = mpi::RequestType::get(ctx);
  Value send = mpi::ISendOp::create(b, loc, /*retval=*/Type(), requestType,
                                    sendBuffer, tagValue, dest, comm)
                   .getReq();
  Value recv = mpi::IRecvOp::create(b, loc, /*retval=*/Type(), requestType,
                                    recvBuffer, tagValue, source, comm)
                   .getReq();

  b.setInsertionPoint(firstUseIn(shift->getBlock(), shift.getResult()));
  mpi::Wait::create(b, loc, /*retval=*/Type(), send);
  mpi::Wait::create(b, loc, /*retval=*/Type(), recv);
  Value result = bufferization::ToTensorOp::create(
      b, loc, type, recvBuffer, /*restrict=*/true, /*writable=*/true);
  shift.getResult().replaceAllUsesWith(result);
  shift.erase();
  return success();
}

/// The all-reduce that finishes a head-parallel layer's output projection:
/// mpi.allreduce from the input's buffer into a new one. The grid is the
/// world's processes, as for the shifts.
LogicalResult lowerAllReduce(shard::AllReduceOp op,
                             SymbolTableCollection &symbols) {
  shard::GridOp grid = shard::getGrid(op, symbols);
  if (!grid || grid.getRank() != 1 || ShapedType::isDynamic(grid.getShape()[0]))
    return op.emitOpError("convert-mha-shard-to-mpi: only all-reduces on a "
                          "static 1-D grid are supported");
  auto type = dyn_cast<RankedTensorType>(op.getInput().getType());
  if (!type || !type.hasStaticShape() || op.getResult().getType() != type)
    return op.emitOpError("convert-mha-shard-to-mpi: only all-reduces of a "
                          "static tensor into the same type are supported");
  mpi::MPI_ReductionOpEnum reduction;
  switch (op.getReduction()) {
  case shard::ReductionKind::Sum:
    reduction = mpi::MPI_ReductionOpEnum::MPI_SUM;
    break;
  case shard::ReductionKind::Max:
    reduction = mpi::MPI_ReductionOpEnum::MPI_MAX;
    break;
  case shard::ReductionKind::Min:
    reduction = mpi::MPI_ReductionOpEnum::MPI_MIN;
    break;
  case shard::ReductionKind::Product:
    reduction = mpi::MPI_ReductionOpEnum::MPI_PROD;
    break;
  default:
    return op.emitOpError("convert-mha-shard-to-mpi: only sum, max, min and "
                          "product all-reduces are supported");
  }
  OpBuilder b(op);
  Location loc = op.getLoc();
  Value comm =
      mpi::CommWorldOp::create(b, loc, mpi::CommType::get(b.getContext()));
  auto memrefType = MemRefType::get(type.getShape(), type.getElementType());
  auto sendBuffer = bufferization::ToBufferOp::create(
      b, loc, memrefType, op.getInput(), /*read_only=*/true);
  Value recvBuffer = memref::AllocOp::create(b, loc, memrefType);
  mpi::AllReduceOp::create(b, loc, /*retval=*/Type(), sendBuffer, recvBuffer,
                           reduction, comm);
  Value result = bufferization::ToTensorOp::create(
      b, loc, type, recvBuffer, /*restrict=*/true, /*writable=*/true);
  op.getResult().replaceAllUsesWith(result);
  op.erase();
  return success();
}

/// mpi.allreduce reads its send buffer and writes its receive buffer (MLIR
/// 22 declares no effects on it either).
struct AllReduceEffects
    : public MemoryEffectOpInterface::ExternalModel<AllReduceEffects,
                                                    mpi::AllReduceOp> {
  void
  getEffects(Operation *op,
             SmallVectorImpl<MemoryEffects::EffectInstance> &effects) const {
    auto allReduce = cast<mpi::AllReduceOp>(op);
    effects.emplace_back(MemoryEffects::Read::get(),
                         &allReduce.getSendbufMutable());
    effects.emplace_back(MemoryEffects::Write::get(),
                         &allReduce.getRecvbufMutable());
    effects.emplace_back(MemoryEffects::Write::get());
  }
};

} // namespace

void mlir::mha::registerMPIMemoryEffectModels(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, mpi::MPIDialect *) {
    mpi::ISendOp::attachInterface<PointToPointEffects<mpi::ISendOp, false>>(
        *ctx);
    mpi::IRecvOp::attachInterface<PointToPointEffects<mpi::IRecvOp, true>>(
        *ctx);
    mpi::Wait::attachInterface<WaitEffects>(*ctx);
    mpi::AllReduceOp::attachInterface<AllReduceEffects>(*ctx);
  });
}

namespace {
/// The rank in MPI_COMM_WORLD (the grid is the world's processes).
void lowerLinearIndex(shard::ProcessLinearIndexOp op) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  Value comm =
      mpi::CommWorldOp::create(b, loc, mpi::CommType::get(b.getContext()));
  Value rank =
      mpi::CommRankOp::create(b, loc, /*retval=*/Type(), b.getI32Type(), comm)
          .getRank();
  Value index = arith::IndexCastOp::create(b, loc, b.getIndexType(), rank);
  op.getResult().replaceAllUsesWith(index);
  op.erase();
}

struct ConvertMHAShardToMPI
    : public mha::impl::ConvertMHAShardToMPIBase<ConvertMHAShardToMPI> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTableCollection symbols;
    bool any = false;
    SmallVector<shard::ProcessLinearIndexOp> indices;
    module.walk([&](shard::ProcessLinearIndexOp op) {
      if (shard::getGrid(op, symbols).getRank() == 1)
        indices.push_back(op);
    });
    for (shard::ProcessLinearIndexOp op : indices)
      lowerLinearIndex(op);
    any = !indices.empty();
    WalkResult walk = module.walk([&](FunctionOpInterface func) {
      int32_t tag = 0;
      SmallVector<shard::ShiftOp> shifts;
      func.walk([&](shard::ShiftOp shift) { shifts.push_back(shift); });
      for (shard::ShiftOp shift : shifts) {
        if (failed(lowerShift(shift, tag++, symbols)))
          return WalkResult::interrupt();
        any = true;
      }
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return signalPassFailure();
    SmallVector<shard::AllReduceOp> allReduces;
    module.walk([&](shard::AllReduceOp op) { allReduces.push_back(op); });
    for (shard::AllReduceOp op : allReduces) {
      if (failed(lowerAllReduce(op, symbols)))
        return signalPassFailure();
      any = true;
    }

    // Grids nothing refers to any more (a split of the heads has no shifts).
    for (auto grid : llvm::make_early_inc_range(module.getOps<shard::GridOp>()))
      if (SymbolTable::symbolKnownUseEmpty(grid, module))
        grid.erase();
    if (!any)
      return;

    // The ABI the LLVM lowering of the mpi ops targets.
    MLIRContext *ctx = module.getContext();
    auto key = StringAttr::get(ctx, kImplementationKey);
    auto entry = DataLayoutEntryAttr::get(key, StringAttr::get(ctx, "OpenMPI"));
    if (auto map = module->getAttrOfType<MapAttr>(DLTIDialect::kMapAttrName)) {
      SmallVector<DataLayoutEntryInterface> entries;
      for (DataLayoutEntryInterface e : map.getEntries())
        if (e.getKey() != DataLayoutEntryKey(key))
          entries.push_back(e);
      entries.push_back(entry);
      module->setAttr(DLTIDialect::kMapAttrName, MapAttr::get(ctx, entries));
    } else {
      module->setAttr(DLTIDialect::kMapAttrName, MapAttr::get(ctx, {entry}));
    }
  }
};
} // namespace
