//===- ExternalModels.cpp - Effects of upstream ops -----------------------===//
//===//
//
// Memory-effect models for upstream ops that the host code of
// convert-mha-to-gpu uses and that declare no effects in MLIR 22, so that
// ownership-based buffer deallocation accepts that code.
//
//===----------------------------------------------------------------------===//

#include "mha/Conversion/MHAToGPU/MHAToGPU.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;

namespace {
/// gpu.launch_func reads and writes its memref operands and allocates or
/// frees nothing. Upstream declares no effects for it, which makes
/// ownership-based buffer deallocation reject the host code of
/// convert-mha-to-gpu. The launch also writes memory no operand names (its
/// operands may be plain pointers once memrefs are lowered), so it is never
/// dead code.
struct LaunchFuncMemoryEffects
    : public MemoryEffectOpInterface::ExternalModel<LaunchFuncMemoryEffects,
                                                    gpu::LaunchFuncOp> {
  void
  getEffects(Operation *op,
             SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
                 &effects) const {
    effects.emplace_back(MemoryEffects::Read::get());
    effects.emplace_back(MemoryEffects::Write::get());
    for (OpOperand &operand : op->getOpOperands()) {
      if (!isa<BaseMemRefType>(operand.get().getType()))
        continue;
      effects.emplace_back(MemoryEffects::Read::get(), &operand);
      effects.emplace_back(MemoryEffects::Write::get(), &operand);
    }
  }
};

/// nvgpu.tma.create.descriptor reads the shape and strides of its memref
/// (and allocates the descriptor outside of any memref). Upstream declares
/// no effects for it, which buffer deallocation rejects.
struct TmaCreateDescriptorMemoryEffects
    : public MemoryEffectOpInterface::ExternalModel<
          TmaCreateDescriptorMemoryEffects, nvgpu::TmaCreateDescriptorOp> {
  void
  getEffects(Operation *op,
             SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
                 &effects) const {
    effects.emplace_back(MemoryEffects::Read::get(), &op->getOpOperand(0));
    effects.emplace_back(MemoryEffects::Write::get());
  }
};
} // namespace

void mlir::mha::registerConvertMHAToGPUExternalModels(
    DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, gpu::GPUDialect *) {
    gpu::LaunchFuncOp::attachInterface<LaunchFuncMemoryEffects>(*ctx);
  });
  registry.addExtension(+[](MLIRContext *ctx, nvgpu::NVGPUDialect *) {
    nvgpu::TmaCreateDescriptorOp::attachInterface<
        TmaCreateDescriptorMemoryEffects>(*ctx);
  });
}
