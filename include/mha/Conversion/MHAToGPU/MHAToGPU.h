//===- MHAToGPU.h - mha.attention to fused GPU kernels ----------*- C++ -*-===//

#ifndef MHA_CONVERSION_MHATOGPU_MHATOGPU_H
#define MHA_CONVERSION_MHATOGPU_MHATOGPU_H

#include "mha/Conversion/MHAToGPU/AttentionKernelKind.h"
#include "mha/Target/GPUChip.h"

#include "mlir/Pass/Pass.h"

namespace mlir {
class DialectRegistry;
namespace mha {

#define GEN_PASS_DECL_CONVERTMHATOGPU
#define GEN_PASS_DECL_MHAEXTERNDYNAMICSHARED
#include "mha/Conversion/Passes.h.inc"

/// Declares the memory effects of gpu.launch_func (reads and writes its
/// memref operands), which buffer deallocation needs for the host code of
/// convert-mha-to-gpu.
void registerConvertMHAToGPUExternalModels(DialectRegistry &registry);

} // namespace mha
} // namespace mlir

#endif // MHA_CONVERSION_MHATOGPU_MHATOGPU_H
