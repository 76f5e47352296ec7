//===- Symbols.cpp - The runtime's functions, by name, for JITs -----------===//

#include "mha/Runtime/Runtime.h"

#define MHA_SYMBOL(name)                                                       \
  { #name, reinterpret_cast < void *>(&name) }

extern "C" const MhaRuntimeSymbol *mhaRuntimeSymbols(void) {
  static const MhaRuntimeSymbol symbols[] = {
      // CPU helpers.
      MHA_SYMBOL(_mlir_memref_to_llvm_alloc),
      MHA_SYMBOL(_mlir_memref_to_llvm_aligned_alloc),
      MHA_SYMBOL(_mlir_memref_to_llvm_free),
      MHA_SYMBOL(memrefCopy),
      // Call status (mha-lower-runtime-checks).
      MHA_SYMBOL(mhaRuntimeBeginCall),
      MHA_SYMBOL(mhaRuntimeCallStatus),
      MHA_SYMBOL(mhaRuntimeCallFailed),
      MHA_SYMBOL(mhaRuntimeReportShapeMismatch),
      MHA_SYMBOL(mhaRuntimeReportAllocationFailure),
      // CUDA driver wrappers.
      MHA_SYMBOL(mgpuModuleLoad),
      MHA_SYMBOL(mgpuModuleLoadJIT),
      MHA_SYMBOL(mgpuModuleUnload),
      MHA_SYMBOL(mgpuModuleGetFunction),
      MHA_SYMBOL(mgpuLaunchKernel),
      MHA_SYMBOL(mgpuLaunchClusterKernel),
      MHA_SYMBOL(mgpuStreamCreate),
      MHA_SYMBOL(mgpuStreamDestroy),
      MHA_SYMBOL(mgpuStreamSynchronize),
      MHA_SYMBOL(mgpuStreamWaitEvent),
      MHA_SYMBOL(mgpuEventCreate),
      MHA_SYMBOL(mgpuEventDestroy),
      MHA_SYMBOL(mgpuEventSynchronize),
      MHA_SYMBOL(mgpuEventRecord),
      MHA_SYMBOL(mgpuMemAlloc),
      MHA_SYMBOL(mgpuMemFree),
      MHA_SYMBOL(mgpuMemcpy),
      MHA_SYMBOL(mgpuMemset32),
      MHA_SYMBOL(mgpuMemset16),
      MHA_SYMBOL(mgpuMemHostRegister),
      MHA_SYMBOL(mgpuMemHostRegisterMemRef),
      MHA_SYMBOL(mgpuMemHostUnregister),
      MHA_SYMBOL(mgpuMemHostUnregisterMemRef),
      MHA_SYMBOL(mgpuSetDefaultDevice),
      MHA_SYMBOL(mgpuTensorMapEncodeTiledMemref),
      MHA_SYMBOL(mhaRuntimeEncodeTensorMap2D),
      MHA_SYMBOL(mhaRuntimeNumSMs),
      {nullptr, nullptr},
  };
  return symbols;
}
