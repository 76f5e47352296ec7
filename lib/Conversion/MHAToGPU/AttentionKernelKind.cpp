//===- AttentionKernelKind.cpp - The kernel families of MHAToGPU ----------===//

#include "mha/Conversion/MHAToGPU/AttentionKernelKind.h"

#include "llvm/Support/ErrorHandling.h"

using namespace mlir::mha;

llvm::StringRef
mlir::mha::stringifyAttentionKernelKind(AttentionKernelKind kind) {
  switch (kind) {
  case AttentionKernelKind::Auto:
    return "auto";
  case AttentionKernelKind::Mma:
    return "mma";
  case AttentionKernelKind::Wgmma:
    return "wgmma";
  case AttentionKernelKind::Simt:
    return "simt";
  }
  llvm_unreachable("unknown attention kernel kind");
}

llvm::cl::ValuesClass mlir::mha::attentionKernelKindValues() {
  auto value = [](AttentionKernelKind kind, llvm::StringRef help) {
    return llvm::cl::OptionEnumValue{stringifyAttentionKernelKind(kind),
                                     int(kind), help};
  };
  return llvm::cl::ValuesClass(
      {value(AttentionKernelKind::Auto,
             "mma when the op and the chip allow it, else simt"),
       value(AttentionKernelKind::Mma,
             "mma.sync tensor cores (sm_80+; f16/bf16 with D and Dv "
             "multiples of 16, at most 128)"),
       value(AttentionKernelKind::Wgmma,
             "warpgroup MMA + TMA (sm_90a; as mma; experimental: not yet run "
             "on hardware, so auto never picks it)"),
       value(AttentionKernelKind::Simt, "CUDA cores, any element type")});
}
