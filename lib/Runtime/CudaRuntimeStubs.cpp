//===- CudaRuntimeStubs.cpp - mgpu* functions without CUDA ----------------===//
//
// The CUDA wrappers of libmha_runtime when it is built without the CUDA
// driver API headers (lib/Runtime/CMakeLists.txt picks this file instead of
// CudaRuntime.cpp): every GPU call fails cleanly with the runtime's sticky
// error, and the functions that only release or wait do nothing.
//
//===----------------------------------------------------------------------===//

#include "RuntimeError.h"

#include "mha/Runtime/Runtime.h"

#include <cstddef>
#include <cstdint>

using namespace mha::runtime;

namespace {
void noCuda() { setError("mha_runtime was built without CUDA support"); }
} // namespace

extern "C" int mhaRuntimeHasCudaSupport(void) { return 0; }
extern "C" int mhaRuntimeDeviceCount(void) {
  noCuda();
  return 0;
}
extern "C" int mhaRuntimeDeviceName(int, char *buf, int len) {
  if (buf && len > 0)
    buf[0] = '\0';
  noCuda();
  return -1;
}
extern "C" int64_t mhaRuntimeNumSMs(int64_t fallback) { return fallback; }
extern "C" int mhaRuntimeComputeCapability(int) {
  noCuda();
  return -1;
}
extern "C" int mhaRuntimeSynchronize(void) {
  noCuda();
  return -1;
}
extern "C" void mhaRuntimeSetKernelTiming(int) {}
extern "C" double mhaRuntimeTakeKernelMilliseconds(void) { return 0.0; }

extern "C" void *mgpuModuleLoad(void *, uint64_t) {
  noCuda();
  return nullptr;
}
extern "C" void *mgpuModuleLoadJIT(void *, int32_t) {
  noCuda();
  return nullptr;
}
extern "C" void mgpuModuleUnload(void *) {}
extern "C" void *mgpuModuleGetFunction(void *, const char *) {
  noCuda();
  return nullptr;
}
extern "C" void mgpuLaunchKernel(void *, intptr_t, intptr_t, intptr_t, intptr_t,
                                 intptr_t, intptr_t, int32_t, void *, void **,
                                 void **, size_t) {
  noCuda();
}
extern "C" void mgpuLaunchClusterKernel(void *, intptr_t, intptr_t, intptr_t,
                                        intptr_t, intptr_t, intptr_t, intptr_t,
                                        intptr_t, intptr_t, int32_t, void *,
                                        void **, void **) {
  noCuda();
}
extern "C" void mhaRuntimeSetCallStream(int, void *) {}
extern "C" void *mgpuStreamCreate(void) {
  noCuda();
  return nullptr;
}
extern "C" void mgpuStreamDestroy(void *) {}
extern "C" void mgpuStreamSynchronize(void *) {}
extern "C" void mgpuStreamWaitEvent(void *, void *) { noCuda(); }
extern "C" void *mgpuEventCreate(void) {
  noCuda();
  return nullptr;
}
extern "C" void mgpuEventDestroy(void *) {}
extern "C" void mgpuEventSynchronize(void *) {}
extern "C" void mgpuEventRecord(void *, void *) { noCuda(); }
extern "C" void *mgpuMemAlloc(uint64_t, void *, uint8_t) {
  noCuda();
  return nullptr;
}
extern "C" void mgpuMemFree(void *, void *) {}
extern "C" void mgpuMemcpy(void *, void *, size_t, void *) { noCuda(); }
extern "C" void mgpuMemset32(void *, uint32_t, size_t, void *) { noCuda(); }
extern "C" void mgpuMemset16(void *, uint16_t, size_t, void *) { noCuda(); }
extern "C" void mgpuMemHostRegister(void *, uint64_t) { noCuda(); }
extern "C" void mgpuMemHostRegisterMemRef(int64_t, void *, int64_t) {
  noCuda();
}
extern "C" void mgpuMemHostUnregister(void *) {}
extern "C" void mgpuMemHostUnregisterMemRef(int64_t, void *, int64_t) {}
extern "C" void mgpuSetDefaultDevice(int32_t) {}
extern "C" void *mgpuTensorMapEncodeTiledMemref(int64_t, void *, int64_t,
                                                int64_t, int64_t, int64_t,
                                                int64_t, int64_t *) {
  noCuda();
  return nullptr;
}
extern "C" void mhaRuntimeEncodeTensorMap2D(void *, int64_t, void *, int64_t,
                                            int64_t, int64_t, int64_t,
                                            int64_t) {
  noCuda();
}
