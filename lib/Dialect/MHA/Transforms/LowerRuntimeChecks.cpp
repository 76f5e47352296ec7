//===- LowerRuntimeChecks.cpp - mha-lower-runtime-checks ------------------===//
//
// Gives functions in the LLVM dialect an error exit: failed mha.check_size
// ops and failed allocations report to the calling thread's call status of
// libmha_runtime and leave the function (or, inside an OpenMP loop, the
// iteration) instead of reading out of bounds or dereferencing null.
//
//===----------------------------------------------------------------------===//

#include "mha/Dialect/MHA/IR/MHAOps.h"
#include "mha/Dialect/MHA/Transforms/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringSet.h"

#define DEBUG_TYPE "mha-lower-runtime-checks"

namespace mlir::mha {
#define GEN_PASS_DEF_MHALOWERRUNTIMECHECKS
#include "mha/Dialect/MHA/Transforms/Passes.h.inc"
} // namespace mlir::mha

using namespace mlir;
using namespace mlir::mha;

namespace {
constexpr StringLiteral kAlloc = "_mlir_memref_to_llvm_alloc";
constexpr StringLiteral kAlignedAlloc = "_mlir_memref_to_llvm_aligned_alloc";
constexpr StringLiteral kBeginCall = "mhaRuntimeBeginCall";
constexpr StringLiteral kCallStatus = "mhaRuntimeCallStatus";
constexpr StringLiteral kCallFailed = "mhaRuntimeCallFailed";
constexpr StringLiteral kReportShape = "mhaRuntimeReportShapeMismatch";
constexpr StringLiteral kReportAlloc = "mhaRuntimeReportAllocationFailure";

/// Failure branches are taken at most once per call.
constexpr int32_t kLikelyWeight = (1 << 20) - 1;

class ErrorPathBuilder {
public:
  ErrorPathBuilder(ModuleOp module, bool allocations)
      : module(module), allocations(allocations) {}

  /// Finds the functions that may fail: those holding a check, an
  /// allocation or a call of a function that may fail.
  void findFailingFunctions() {
    bool changed = true;
    while (changed) {
      changed = false;
      for (auto fn : module.getOps<LLVM::LLVMFuncOp>()) {
        if (fn.isExternal() || mayFail.contains(fn.getSymName()))
          continue;
        if (fn.walk([&](Operation *op) {
                return isFailurePoint(op) ? WalkResult::interrupt()
                                          : WalkResult::advance();
              }).wasInterrupted()) {
          mayFail.insert(fn.getSymName());
          changed = true;
        }
      }
    }
  }

  LogicalResult run() {
    findFailingFunctions();
    for (auto fn : llvm::to_vector(module.getOps<LLVM::LLVMFuncOp>()))
      if (!fn.isExternal() && failed(instrument(fn)))
        return failure();
    return success();
  }

private:
  bool isFailurePoint(Operation *op) const {
    if (isa<CheckSizeOp>(op))
      return true;
    auto call = dyn_cast<LLVM::CallOp>(op);
    std::optional<StringRef> callee = call ? call.getCallee() : std::nullopt;
    if (!callee)
      return false;
    if (*callee == kAlloc || *callee == kAlignedAlloc)
      return allocations;
    return mayFail.contains(*callee);
  }

  /// The call status of the function (fetched at its entry): public
  /// functions are called by hosts, so a call starts with a clear status.
  LogicalResult instrument(LLVM::LLVMFuncOp fn) {
    bool isPublic = fn.getLinkage() == LLVM::Linkage::External;
    bool fails = mayFail.contains(fn.getSymName());
    if (!isPublic && !fails)
      return success();
    Location loc = fn.getLoc();
    OpBuilder b(fn.getBody());
    b.setInsertionPointToStart(&fn.getBody().front());
    Value status =
        call(b, loc, isPublic ? kBeginCall : kCallStatus, {}, ptrType())
            .getResult();
    if (!fails)
      return success();

    SmallVector<Operation *> points;
    fn.walk([&](Operation *op) {
      if (isFailurePoint(op))
        points.push_back(op);
    });
    // Top-level ops whose regions hold failure points: the status is tested
    // after them.
    llvm::SetVector<Operation *> regionOps;
    Region *body = &fn.getBody();
    llvm::DenseMap<Region *, Block *> exits;
    for (Operation *point : points) {
      Region *region = point->getParentRegion();
      FailureOr<Block *> exit = getExit(fn, region, exits);
      if (failed(exit))
        return point->emitOpError()
               << "may fail inside a '" << region->getParentOp()->getName()
               << "' region, which mha-lower-runtime-checks cannot leave "
                  "(supported: the function body, omp.loop_nest)";
      if (region != body)
        regionOps.insert(body->findAncestorOpInRegion(*point));
      guard(point, status, *exit);
    }
    if (!regionOps.empty()) {
      Block *exit = *getExit(fn, body, exits);
      for (Operation *op : regionOps)
        guardAfter(op, testStatus(status), {}, exit);
    }
    return success();
  }

  /// The block that leaves `region` after a failure: returns zeros from the
  /// function, or ends the iteration of an omp.loop_nest.
  FailureOr<Block *> getExit(LLVM::LLVMFuncOp fn, Region *region,
                             llvm::DenseMap<Region *, Block *> &exits) {
    if (Block *exit = exits.lookup(region))
      return exit;
    Operation *owner = region->getParentOp();
    if (owner != fn && !isa<omp::LoopNestOp>(owner))
      return failure();
    OpBuilder b(module.getContext());
    Block *exit = b.createBlock(region, region->end());
    Location loc = owner->getLoc();
    if (owner != fn) {
      omp::YieldOp::create(b, loc, ValueRange{});
    } else {
      Type result = fn.getFunctionType().getReturnType();
      if (isa<LLVM::LLVMVoidType>(result))
        LLVM::ReturnOp::create(b, loc, ValueRange{});
      else
        LLVM::ReturnOp::create(
            b, loc, LLVM::ZeroOp::create(b, loc, result).getResult());
    }
    exits[region] = exit;
    return exit;
  }

  /// Branches to `exit` after `point` when it failed, reporting why.
  void guard(Operation *point, Value status, Block *exit) {
    Location loc = point->getLoc();
    if (auto check = dyn_cast<CheckSizeOp>(point)) {
      auto failed = [&](OpBuilder &b) -> Value {
        return LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::ne,
                                    check.getActual(), check.getExpected());
      };
      auto report = [&](OpBuilder &b) {
        call(b, loc, kReportShape,
             {status, string(b, loc, check.getWhat()), check.getActual(),
              string(b, loc, check.getExpectedFrom()), check.getExpected()},
             {});
      };
      guardAfter(point, failed, report, exit);
      point->erase();
      return;
    }
    auto callOp = cast<LLVM::CallOp>(point);
    StringRef callee = *callOp.getCallee();
    if (callee == kAlloc || callee == kAlignedAlloc) {
      Value size = callOp.getArgOperands().back();
      Value result = callOp.getResult();
      auto failed = [&](OpBuilder &b) -> Value {
        Value null = LLVM::ZeroOp::create(b, loc, ptrType());
        return LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::eq, result,
                                    null);
      };
      auto report = [&](OpBuilder &b) {
        call(b, loc, kReportAlloc, {status, size}, {});
      };
      guardAfter(point, failed, report, exit);
      return;
    }
    // A call of a function that may fail has reported already.
    guardAfter(point, testStatus(status), {}, exit);
  }

  std::function<Value(OpBuilder &)> testStatus(Value status) {
    return [this, status](OpBuilder &b) -> Value {
      Location loc = status.getLoc();
      Value flag =
          call(b, loc, kCallFailed, {status}, b.getI32Type()).getResult();
      Value zero = LLVM::ConstantOp::create(b, loc, b.getI32Type(), 0);
      return LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::ne, flag, zero);
    };
  }

  /// Splits the block after `op`; a failed test branches through a block
  /// that calls `report` to `exit`.
  void guardAfter(Operation *op,
                  const std::function<Value(OpBuilder &)> &failed,
                  const std::function<void(OpBuilder &)> &report, Block *exit) {
    Block *block = op->getBlock();
    Block *next = block->splitBlock(op->getNextNode());
    OpBuilder b(op->getContext());
    b.setInsertionPointToEnd(block);
    Location loc = op->getLoc();
    Value cond = failed(b);
    Block *fail = b.createBlock(exit->getParent(), Region::iterator(exit));
    if (report)
      report(b);
    LLVM::BrOp::create(b, loc, ValueRange{}, exit);
    b.setInsertionPointToEnd(block);
    auto br = LLVM::CondBrOp::create(b, loc, cond, fail, ValueRange{}, next,
                                     ValueRange{});
    br.setBranchWeights(ArrayRef<int32_t>{1, kLikelyWeight});
  }

  Type ptrType() { return LLVM::LLVMPointerType::get(module.getContext()); }

  /// Declares runtime function `name` on first use and calls it.
  LLVM::CallOp call(OpBuilder &b, Location loc, StringRef name, ValueRange args,
                    Type result) {
    auto fn = module.lookupSymbol<LLVM::LLVMFuncOp>(name);
    if (!fn) {
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(module.getBody());
      Type ret = result ? result : LLVM::LLVMVoidType::get(b.getContext());
      fn = LLVM::LLVMFuncOp::create(
          b, module.getLoc(), name,
          LLVM::LLVMFunctionType::get(ret, llvm::to_vector(args.getTypes())));
    }
    return LLVM::CallOp::create(b, loc, fn, args);
  }

  /// The address of a NUL-terminated constant holding `text`.
  Value string(OpBuilder &b, Location loc, StringRef text) {
    LLVM::GlobalOp &global = strings[text];
    if (!global) {
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(module.getBody());
      std::string value = text.str();
      value.push_back('\0');
      auto type = LLVM::LLVMArrayType::get(b.getI8Type(), value.size());
      std::string name = "__mha_check_message_" + std::to_string(counter++);
      while (module.lookupSymbol(name))
        name = "__mha_check_message_" + std::to_string(counter++);
      global =
          LLVM::GlobalOp::create(b, module.getLoc(), type,
                                 /*isConstant=*/true, LLVM::Linkage::Internal,
                                 name, b.getStringAttr(value));
    }
    return LLVM::AddressOfOp::create(b, loc, global);
  }

  ModuleOp module;
  bool allocations;
  llvm::StringSet<> mayFail;
  llvm::MapVector<StringRef, LLVM::GlobalOp> strings;
  unsigned counter = 0;
};

struct MHALowerRuntimeChecksPass
    : mha::impl::MHALowerRuntimeChecksBase<MHALowerRuntimeChecksPass> {
  using Base::Base;
  void runOnOperation() override {
    if (failed(ErrorPathBuilder(getOperation(), allocations).run()))
      signalPassFailure();
  }
};
} // namespace
