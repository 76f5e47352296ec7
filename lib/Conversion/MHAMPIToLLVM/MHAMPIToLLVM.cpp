//===- MHAMPIToLLVM.cpp - convert-mha-mpi-to-llvm
//--------------------------===//
//
// Upstream's MPI-to-LLVM patterns plus the non-blocking point-to-point ops
// they lack in MLIR 22 (mpi.isend, mpi.irecv, mpi.wait), for the Open MPI
// ABI: handles are pointers to `ompi_predefined_*` globals, MPI_Request is a
// pointer and MPI_STATUS_IGNORE is null. mpi.allreduce is lowered here too
// for Open MPI, whose reduction globals upstream misnames.
//
//===----------------------------------------------------------------------===//

#include "mha/Conversion/MHAMPIToLLVM/MHAMPIToLLVM.h"

#include "mlir/Conversion/LLVMCommon/ConversionTarget.h"
#include "mlir/Conversion/LLVMCommon/MemRefBuilder.h"
#include "mlir/Conversion/LLVMCommon/Pattern.h"
#include "mlir/Conversion/LLVMCommon/TypeConverter.h"
#include "mlir/Conversion/MPIToLLVM/MPIToLLVM.h"
#include "mlir/Dialect/DLTI/DLTI.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MPI/IR/MPI.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Transforms/DialectConversion.h"

#include <limits>

#define DEBUG_TYPE "convert-mha-mpi-to-llvm"

namespace mlir::mha {
#define GEN_PASS_DEF_CONVERTMHAMPITOLLVM
#include "mha/Conversion/Passes.h.inc"
} // namespace mlir::mha

using namespace mlir;

namespace {
/// Declares (once) and returns `name(args...) -> i32`.
LLVM::LLVMFuncOp getOrInsertFunction(OpBuilder &b, ModuleOp module,
                                     StringRef name, ArrayRef<Type> args) {
  if (auto f = module.lookupSymbol<LLVM::LLVMFuncOp>(name))
    return f;
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(module.getBody());
  return LLVM::LLVMFuncOp::create(
      b, module.getLoc(), name,
      LLVM::LLVMFunctionType::get(b.getI32Type(), args));
}

/// The address of Open MPI's predefined MPI_BYTE.
Value getByteDatatype(OpBuilder &b, Location loc, ModuleOp module) {
  constexpr StringRef name = "ompi_mpi_byte";
  if (!module.lookupSymbol<LLVM::GlobalOp>(name)) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(module.getBody());
    auto type = LLVM::LLVMStructType::getOpaque("ompi_predefined_datatype_t",
                                                b.getContext());
    LLVM::GlobalOp::create(b, loc, type, /*isConstant=*/false,
                           LLVM::Linkage::External, name, Attribute());
  }
  return LLVM::AddressOfOp::create(
      b, loc, LLVM::LLVMPointerType::get(b.getContext()), name);
}

/// The MPI_Comm handle of a converted !mpi.comm (an i64 holding the pointer).
Value getComm(OpBuilder &b, Location loc, Value comm) {
  return LLVM::IntToPtrOp::create(
      b, loc, LLVM::LLVMPointerType::get(b.getContext()), comm);
}

/// Shared lowering of mpi.isend and mpi.irecv.
template <typename Op>
struct PointToPointLowering : public ConvertOpToLLVMPattern<Op> {
  PointToPointLowering(const LLVMTypeConverter &converter, StringRef callee)
      : ConvertOpToLLVMPattern<Op>(converter), callee(callee) {}

  LogicalResult
  matchAndRewrite(Op op, typename Op::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto memrefType = cast<MemRefType>(op.getRef().getType());
    Type element = memrefType.getElementType();
    if (!memrefType.hasStaticShape() || !element.isIntOrFloat())
      return rewriter.notifyMatchFailure(
          op, "needs a static buffer of integers or floats");
    int64_t bytes = memrefType.getNumElements() *
                    llvm::divideCeil(element.getIntOrFloatBitWidth(), 8);
    if (bytes > std::numeric_limits<int32_t>::max())
      return op.emitOpError("convert-mha-mpi-to-llvm: a buffer of ")
             << bytes << " bytes exceeds an MPI count (2^31 - 1)";

    auto module = op->template getParentOfType<ModuleOp>();
    auto ptrType = LLVM::LLVMPointerType::get(rewriter.getContext());
    // The request lives in the entry block: one slot per op, not per call.
    auto func = op->template getParentOfType<FunctionOpInterface>();
    Value request;
    {
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPointToStart(&func.getFunctionBody().front());
      Value one = LLVM::ConstantOp::create(rewriter, loc, rewriter.getI64Type(),
                                           rewriter.getI64IntegerAttr(1));
      // MPI_Request is a pointer in Open MPI.
      request = LLVM::AllocaOp::create(rewriter, loc, ptrType, ptrType, one);
    }

    MemRefDescriptor desc(adaptor.getRef());
    Value buffer = LLVM::GEPOp::create(
        rewriter, loc, ptrType, this->getTypeConverter()->convertType(element),
        desc.alignedPtr(rewriter, loc), ValueRange{desc.offset(rewriter, loc)});
    Value count = LLVM::ConstantOp::create(rewriter, loc, rewriter.getI32Type(),
                                           rewriter.getI32IntegerAttr(bytes));
    Value datatype = getByteDatatype(rewriter, loc, module);
    Value comm = getComm(rewriter, loc, adaptor.getComm());
    Type i32 = rewriter.getI32Type();
    LLVM::LLVMFuncOp fn = getOrInsertFunction(
        rewriter, module, callee,
        {ptrType, i32, ptrType, i32, i32, ptrType, ptrType});
    // MPI_Isend(buf, count, type, dest, tag, comm, &req), MPI_Irecv(buf,
    // count, type, source, tag, comm, &req).
    Value peer = adaptor.getOperands()[2];
    auto call =
        LLVM::CallOp::create(rewriter, loc, fn,
                             ValueRange{buffer, count, datatype, peer,
                                        adaptor.getTag(), comm, request});
    SmallVector<Value> results;
    if (op.getRetval())
      results.push_back(call.getResult());
    results.push_back(request);
    rewriter.replaceOp(op, results);
    return success();
  }

  std::string callee;
};

struct WaitLowering : public ConvertOpToLLVMPattern<mpi::Wait> {
  using ConvertOpToLLVMPattern::ConvertOpToLLVMPattern;

  LogicalResult
  matchAndRewrite(mpi::Wait op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto ptrType = LLVM::LLVMPointerType::get(rewriter.getContext());
    LLVM::LLVMFuncOp fn =
        getOrInsertFunction(rewriter, op->getParentOfType<ModuleOp>(),
                            "MPI_Wait", {ptrType, ptrType});
    // MPI_STATUS_IGNORE is a null pointer in Open MPI.
    Value status = LLVM::ZeroOp::create(rewriter, loc, ptrType);
    auto call = LLVM::CallOp::create(rewriter, loc, fn,
                                     ValueRange{adaptor.getReq(), status});
    if (op.getRetval())
      rewriter.replaceOp(op, call.getResult());
    else
      rewriter.eraseOp(op);
    return success();
  }
};

/// The address of Open MPI's predefined object `name` (a datatype or an op).
Value getPredefined(OpBuilder &b, Location loc, ModuleOp module, StringRef name,
                    StringRef structName) {
  if (!module.lookupSymbol<LLVM::GlobalOp>(name)) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(module.getBody());
    auto type = LLVM::LLVMStructType::getOpaque(structName, b.getContext());
    LLVM::GlobalOp::create(b, loc, type, /*isConstant=*/false,
                           LLVM::Linkage::External, name, Attribute());
  }
  return LLVM::AddressOfOp::create(
      b, loc, LLVM::LLVMPointerType::get(b.getContext()), name);
}

/// mpi.allreduce for Open MPI. MLIR 22's pattern names the predefined
/// reductions `ompi_mpi_sum`, ..., which Open MPI does not define (its
/// globals are `ompi_mpi_op_sum`, ...), so it wins over that one.
struct AllReduceLowering : public ConvertOpToLLVMPattern<mpi::AllReduceOp> {
  AllReduceLowering(const LLVMTypeConverter &converter)
      : ConvertOpToLLVMPattern(converter, /*benefit=*/2) {}

  LogicalResult
  matchAndRewrite(mpi::AllReduceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto module = op->getParentOfType<ModuleOp>();
    FailureOr<Attribute> impl = dlti::query(module, {"MPI:Implementation"});
    auto implName = succeeded(impl) ? dyn_cast<StringAttr>(*impl) : nullptr;
    if (!implName || implName.getValue() != "OpenMPI")
      return rewriter.notifyMatchFailure(op, "not Open MPI");
    Location loc = op.getLoc();
    auto memrefType = cast<MemRefType>(op.getSendbuf().getType());
    Type element = memrefType.getElementType();
    StringRef datatype = element.isF32()   ? "ompi_mpi_float"
                         : element.isF64() ? "ompi_mpi_double"
                                           : "";
    if (datatype.empty() || !memrefType.hasStaticShape() ||
        op.getRecvbuf().getType() != memrefType)
      return op.emitOpError("convert-mha-mpi-to-llvm: mpi.allreduce needs "
                            "two static f32 or f64 buffers of one type, got ")
             << memrefType << " and " << op.getRecvbuf().getType();
    if (memrefType.getNumElements() > std::numeric_limits<int32_t>::max())
      return op.emitOpError("convert-mha-mpi-to-llvm: a buffer of ")
             << memrefType.getNumElements()
             << " elements exceeds an MPI count (2^31 - 1)";
    StringRef reduction;
    switch (op.getOp()) {
    case mpi::MPI_ReductionOpEnum::MPI_SUM:
      reduction = "ompi_mpi_op_sum";
      break;
    case mpi::MPI_ReductionOpEnum::MPI_MAX:
      reduction = "ompi_mpi_op_max";
      break;
    case mpi::MPI_ReductionOpEnum::MPI_MIN:
      reduction = "ompi_mpi_op_min";
      break;
    case mpi::MPI_ReductionOpEnum::MPI_PROD:
      reduction = "ompi_mpi_op_prod";
      break;
    default:
      return op.emitOpError("convert-mha-mpi-to-llvm: only MPI_SUM, MPI_MAX, "
                            "MPI_MIN and MPI_PROD all-reduces are supported");
    }

    auto ptrType = LLVM::LLVMPointerType::get(rewriter.getContext());
    Type llvmElement = getTypeConverter()->convertType(element);
    auto address = [&](Value memref) -> Value {
      MemRefDescriptor desc(memref);
      return LLVM::GEPOp::create(rewriter, loc, ptrType, llvmElement,
                                 desc.alignedPtr(rewriter, loc),
                                 ValueRange{desc.offset(rewriter, loc)});
    };
    Value send = address(adaptor.getSendbuf());
    Value recv = address(adaptor.getRecvbuf());
    Type i32 = rewriter.getI32Type();
    Value count = LLVM::ConstantOp::create(
        rewriter, loc, i32,
        rewriter.getI32IntegerAttr(memrefType.getNumElements()));
    Value type = getPredefined(rewriter, loc, module, datatype,
                               "ompi_predefined_datatype_t");
    Value reduce =
        getPredefined(rewriter, loc, module, reduction, "ompi_predefined_op_t");
    Value comm = getComm(rewriter, loc, adaptor.getComm());
    // MPI_Allreduce(sendbuf, recvbuf, count, datatype, op, comm).
    LLVM::LLVMFuncOp fn =
        getOrInsertFunction(rewriter, module, "MPI_Allreduce",
                            {ptrType, ptrType, i32, ptrType, ptrType, ptrType});
    auto call = LLVM::CallOp::create(
        rewriter, loc, fn, ValueRange{send, recv, count, type, reduce, comm});
    if (op.getRetval())
      rewriter.replaceOp(op, call.getResult());
    else
      rewriter.eraseOp(op);
    return success();
  }
};

struct ConvertMHAMPIToLLVM
    : public mha::impl::ConvertMHAMPIToLLVMBase<ConvertMHAMPIToLLVM> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    bool nonBlocking = false, any = false;
    module.walk([&](Operation *op) {
      if (!isa<mpi::MPIDialect>(op->getDialect()))
        return;
      any = true;
      nonBlocking |= isa<mpi::ISendOp, mpi::IRecvOp, mpi::Wait>(op);
    });
    if (!any)
      return;
    if (nonBlocking) {
      FailureOr<Attribute> impl = dlti::query(module, {"MPI:Implementation"});
      auto name = succeeded(impl) ? dyn_cast<StringAttr>(*impl) : nullptr;
      if (!name || name.getValue() != "OpenMPI") {
        module.emitError("convert-mha-mpi-to-llvm: mpi.isend, mpi.irecv and "
                         "mpi.wait are lowered for Open MPI only; mark the "
                         "module with #dlti.map<\"MPI:Implementation\" = "
                         "\"OpenMPI\">");
        return signalPassFailure();
      }
    }

    MLIRContext *ctx = &getContext();
    LLVMTypeConverter converter(ctx);
    converter.addConversion([ctx](mpi::RequestType) -> Type {
      return LLVM::LLVMPointerType::get(ctx);
    });
    RewritePatternSet patterns(ctx);
    mpi::populateMPIToLLVMConversionPatterns(converter, patterns);
    patterns.add<PointToPointLowering<mpi::ISendOp>>(converter, "MPI_Isend");
    patterns.add<PointToPointLowering<mpi::IRecvOp>>(converter, "MPI_Irecv");
    patterns.add<WaitLowering>(converter);
    patterns.add<AllReduceLowering>(converter);
    LLVMConversionTarget target(*ctx);
    target.addIllegalDialect<mpi::MPIDialect>();
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    if (failed(applyPartialConversion(module, target, std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
