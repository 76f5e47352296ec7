//===- ExternDynamicShared.cpp - Dynamic shared memory as an extern -------===//
//
// Makes the zero-sized shared globals that convert-gpu-to-nvvm creates for
// gpu.dynamic_shared_memory external, so that NVPTX declares them as the
// kernel's dynamic shared memory instead of a one-byte static variable that
// overlaps the kernel's other static shared variables.
//
//===----------------------------------------------------------------------===//

#include "mha/Conversion/MHAToGPU/MHAToGPU.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"

namespace mlir::mha {
#define GEN_PASS_DEF_MHAEXTERNDYNAMICSHARED
#include "mha/Conversion/Passes.h.inc"
} // namespace mlir::mha

#define DEBUG_TYPE "mha-extern-dynamic-shared"

using namespace mlir;

namespace {

/// A zero-sized array in the shared address space defined in this module:
/// what convert-gpu-to-nvvm makes of gpu.dynamic_shared_memory.
bool isDynamicSharedMemory(LLVM::GlobalOp global) {
  auto array = dyn_cast<LLVM::LLVMArrayType>(global.getGlobalType());
  return global.getAddrSpace() == int(NVVM::NVVMMemorySpace::Shared) &&
         array && array.getNumElements() == 0 &&
         global.getLinkage() != LLVM::Linkage::External;
}

struct ExternDynamicShared
    : mha::impl::MHAExternDynamicSharedBase<ExternDynamicShared> {
  using Base::Base;

  void runOnOperation() override {
    if (alignment <= 0 || !llvm::isPowerOf2_64(alignment)) {
      emitError(getOperation().getLoc())
          << "mha-extern-dynamic-shared: alignment must be a power of two, "
             "got "
          << int64_t(alignment);
      return signalPassFailure();
    }
    for (auto global : getOperation().getOps<LLVM::GlobalOp>()) {
      if (!isDynamicSharedMemory(global))
        continue;
      global.setLinkage(LLVM::Linkage::External);
      global.setAlignment(std::max<uint64_t>(global.getAlignment().value_or(1),
                                             uint64_t(alignment)));
    }
  }
};

} // namespace
