//===- AttentionKernels.cpp - Fused attention kernels in the gpu dialect --===//
//
// The entry points of AttentionKernels.h: the attention kernels' common
// signature, then the body of the chosen kernel (MMAKernel.cpp,
// WGMMAKernel.cpp, SIMTKernel.cpp). All keep the online-softmax state in f32
// registers and work in the exp2 domain with scale * log2(e) folded into the
// scores; each can split the kv range for flash-decoding (BlockPlan), whose
// partial results CombineKernel.cpp merges.
//
//===----------------------------------------------------------------------===//

#include "AttentionKernels.h"

#include "KernelBuilder.h"
#include "ScoreModifiers.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "llvm/Support/ErrorHandling.h"

using namespace mlir;
using namespace mlir::mha;
using namespace mlir::mha::kernels;

int64_t AttentionKernelConfig::sharedMemoryBytes() const {
  switch (kind) {
  case AttentionKernelKind::Mma:
    return mmaSharedMemoryBytes(*this);
  case AttentionKernelKind::Wgmma:
    return wgmmaSharedMemoryBytes(*this);
  case AttentionKernelKind::Simt:
    return simtSharedMemoryBytes(*this);
  case AttentionKernelKind::Auto:
    break;
  }
  llvm_unreachable("the kernel kind is resolved before kernels are built");
}

/// The argument types buildAttentionKernel documents.
static SmallVector<Type>
attentionKernelInputs(MLIRContext *ctx, const AttentionKernelConfig &cfg) {
  Type idx = IndexType::get(ctx), f32 = Float32Type::get(ctx);
  SmallVector<Type> inputs = {flatType(cfg.elementType),
                              flatType(cfg.elementType),
                              flatType(cfg.elementType)};
  if (cfg.mask != MaskKind::None)
    inputs.push_back(flatType(cfg.maskElementType));
  if (cfg.alibi)
    inputs.push_back(flatType(f32));
  if (cfg.sinks && !cfg.splitKV)
    inputs.push_back(flatType(f32));
  if (cfg.splitKV)
    inputs.append({flatType(f32), flatType(f32)});
  else
    inputs.push_back(flatType(cfg.elementType));
  if (cfg.lse && !cfg.splitKV)
    inputs.push_back(flatType(f32));
  inputs.append(cfg.splitKV ? 4 : 3, idx);
  if (cfg.mask != MaskKind::None)
    inputs.append(4, idx);
  inputs.append(cfg.captureTypes.begin(), cfg.captureTypes.end());
  // TMA descriptors travel as the pointers they lower to: convert-gpu-to-
  // nvvm cannot convert nvgpu types in a kernel signature.
  if (cfg.kind == AttentionKernelKind::Wgmma)
    inputs.append(3, LLVM::LLVMPointerType::get(ctx));
  return inputs;
}

/// The arguments of the kernel `fn`, by name; the wgmma kernel's pointers are
/// cast back to TMA descriptors at its entry.
static KernelArgs bindArguments(OpBuilder &builder, Location loc,
                                gpu::GPUFuncOp fn,
                                const AttentionKernelConfig &cfg) {
  KernelArgs args;
  Block &entry = fn.getBody().front();
  unsigned i = 0;
  args.q = entry.getArgument(i++);
  args.k = entry.getArgument(i++);
  args.v = entry.getArgument(i++);
  if (cfg.mask != MaskKind::None)
    args.mask = entry.getArgument(i++);
  if (cfg.alibi)
    args.alibi = entry.getArgument(i++);
  if (cfg.sinks && !cfg.splitKV)
    args.sinks = entry.getArgument(i++);
  if (cfg.splitKV) {
    args.partial = entry.getArgument(i++);
    args.lse = entry.getArgument(i++);
  } else {
    args.out = entry.getArgument(i++);
    if (cfg.lse)
      args.lseOut = entry.getArgument(i++);
  }
  ++i; // B: the bodies take the batch from the grid's z extent
  args.sq = entry.getArgument(i++);
  args.skv = entry.getArgument(i++);
  if (cfg.splitKV)
    args.splits = entry.getArgument(i++);
  if (cfg.mask != MaskKind::None)
    for (int d = 0; d < 4; ++d)
      args.maskStrides.push_back(entry.getArgument(i++));
  if (cfg.modifiers) {
    OpBuilder::InsertionGuard guard(builder);
    builder.setInsertionPointToStart(&entry);
    mapCaptures(builder, loc, cfg,
                entry.getArguments().slice(i, cfg.captureTypes.size()), args);
    i += cfg.captureTypes.size();
  }
  if (cfg.kind == AttentionKernelKind::Wgmma) {
    OpBuilder::InsertionGuard guard(builder);
    builder.setInsertionPointToStart(&entry);
    auto asDescriptor = [&](Value ptr, int64_t rows) {
      Type type = tmaDescriptorType(builder.getContext(), cfg, rows);
      return UnrealizedConversionCastOp::create(builder, loc, type, ptr)
          .getResult(0);
    };
    args.qTensorMap = asDescriptor(entry.getArgument(i++), cfg.blockM());
    args.kTensorMap = asDescriptor(entry.getArgument(i++), cfg.blockN);
    args.vTensorMap = asDescriptor(entry.getArgument(i++), cfg.blockN);
  }
  return args;
}

gpu::GPUFuncOp
mlir::mha::buildAttentionKernel(OpBuilder &builder, Location loc,
                                gpu::GPUModuleOp module, StringRef name,
                                const AttentionKernelConfig &config) {
  gpu::GPUFuncOp fn = createKernel(
      builder, loc, module, name,
      attentionKernelInputs(builder.getContext(), config), config.numThreads());
  KernelArgs args = bindArguments(builder, loc, fn, config);
  ImplicitLocOpBuilder b(loc, builder.getContext());
  b.setInsertionPointToEnd(&fn.getBody().front());
  switch (config.kind) {
  case AttentionKernelKind::Mma:
    buildMmaBody(b, config, args);
    break;
  case AttentionKernelKind::Wgmma:
    buildWgmmaBody(b, config, args);
    break;
  case AttentionKernelKind::Simt:
    buildSimtBody(b, config, args);
    break;
  case AttentionKernelKind::Auto:
    llvm_unreachable("the kernel kind is resolved before kernels are built");
  }
  gpu::ReturnOp::create(b);
  if (config.modifiers)
    finalizeModifiers(fn);
  return fn;
}
