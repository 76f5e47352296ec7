/*===- Runtime.h - C ABI of libmha_runtime ------------------------*- C -*-===*\
|*                                                                            *|
|* The functions that code compiled by mha-mlir calls at run time, and a few  *|
|* queries for the programs that run it:                                      *|
|*                                                                            *|
|*  - the CUDA driver wrappers (mgpu*) that MLIR 22's gpu-to-llvm and         *|
|*    convert-nvgpu-to-nvvm emit calls to, written against the CUDA driver    *|
|*    API; libcuda.so.1 is loaded with dlopen at first use, so the library    *|
|*    loads (and the CPU helpers work) on machines without a GPU;             *|
|*  - the CPU helpers of the memref lowering (_mlir_memref_to_llvm_*,         *|
|*    memrefCopy), with tracking of the buffers the compiled code allocates;  *|
|*  - a process-wide sticky error, device queries and kernel timing.          *|
|*                                                                            *|
|* Plain C (C99), no LLVM/MLIR or CUDA headers: ahead-of-time libraries link  *|
|* libmha_runtime.so and nothing else of the project.                         *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef MHA_RUNTIME_RUNTIME_H
#define MHA_RUNTIME_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#define MHA_RUNTIME_EXPORT __declspec(dllexport)
#else
#define MHA_RUNTIME_EXPORT __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/*===----------------------------------------------------------------------===*
 * Errors
 *
 * The wrappers never abort and never print. The first failure (a CUDA error,
 * a missing driver, a bad argument) is kept as a process-wide message, e.g.
 *   CUDA error CUDA_ERROR_NO_DEVICE (no CUDA-capable device is detected)
 *   in cuInit
 * and later GPU calls become no-ops that return null handles, so compiled
 * code runs to its end without crashing. Callers check the error after the
 * compiled function returns. Releases (mgpuMemFree, mgpuStreamDestroy, ...)
 * of valid handles still run after an error.
 *===----------------------------------------------------------------------===*/

/* The first error since the last mhaRuntimeClearError(), or NULL. The
 * string stays valid until mhaRuntimeClearError(). */
MHA_RUNTIME_EXPORT const char *mhaRuntimeGetLastError(void);
/* Forgets the error; GPU calls work again (if the driver is usable). */
MHA_RUNTIME_EXPORT void mhaRuntimeClearError(void);

/*===----------------------------------------------------------------------===*
 * Devices
 *===----------------------------------------------------------------------===*/

/* 1 if the library was built with the CUDA driver API headers, else 0 (then
 * every GPU call fails with "mha_runtime was built without CUDA support"). */
MHA_RUNTIME_EXPORT int mhaRuntimeHasCudaSupport(void);
/* The number of CUDA devices; 0 with the error set when there is no usable
 * driver (libcuda.so.1 missing, cuInit failing). */
MHA_RUNTIME_EXPORT int mhaRuntimeDeviceCount(void);
/* Writes the NUL-terminated name of `device` into buf[0..len); 0 on
 * success, -1 with the error set. */
MHA_RUNTIME_EXPORT int mhaRuntimeDeviceName(int device, char *buf, int len);
/* 10 * major + minor (e.g. 90 for sm_90), or -1 with the error set. */
MHA_RUNTIME_EXPORT int mhaRuntimeComputeCapability(int device);
/* Waits for all work on the current device; 0 on success, -1 with the
 * error set. */
MHA_RUNTIME_EXPORT int mhaRuntimeSynchronize(void);

/*===----------------------------------------------------------------------===*
 * Kernel timing (benchmarks)
 *
 * While enabled, mgpuLaunchKernel and mgpuLaunchClusterKernel record a CUDA
 * event pair around each launch on the launch's stream.
 *===----------------------------------------------------------------------===*/

MHA_RUNTIME_EXPORT void mhaRuntimeSetKernelTiming(int enable);
/* Waits for the recorded launches and returns their summed device time in
 * milliseconds since the previous call (0 when none), then starts a new sum;
 * -1 with the error set on failure. */
MHA_RUNTIME_EXPORT double mhaRuntimeTakeKernelMilliseconds(void);

/*===----------------------------------------------------------------------===*
 * CPU helpers (the memref lowering with use-generic-functions)
 *===----------------------------------------------------------------------===*/

MHA_RUNTIME_EXPORT void *_mlir_memref_to_llvm_alloc(uint64_t size);
MHA_RUNTIME_EXPORT void *_mlir_memref_to_llvm_aligned_alloc(uint64_t alignment,
                                                            uint64_t size);
MHA_RUNTIME_EXPORT void _mlir_memref_to_llvm_free(void *ptr);

/* Frees `allocated` (the first field of a returned memref descriptor) when
 * the compiled code allocated it and has not freed it, and returns 1;
 * returns 0 and does nothing otherwise (an alias of an input, a constant, a
 * pointer already released). */
MHA_RUNTIME_EXPORT int mhaRuntimeReleaseResult(void *allocated);

/* An unranked memref as the LLVM lowering passes it: the rank and a pointer
 * to the ranked descriptor { allocated, aligned, offset, sizes[rank],
 * strides[rank] } (all pointer-sized). */
typedef struct MhaUnrankedMemRef {
  int64_t rank;
  void *descriptor;
} MhaUnrankedMemRef;

/* memref.copy of non-identity layouts (same ABI as MLIR's C runner utils):
 * copies the elements of `src` into `dst` (same shape, any strides). */
MHA_RUNTIME_EXPORT void memrefCopy(int64_t elementSize, MhaUnrankedMemRef *src,
                                   MhaUnrankedMemRef *dst);

/*===----------------------------------------------------------------------===*
 * CUDA driver wrappers (called by the host code of the gpu pipeline)
 *
 * Handles are the driver's (CUmodule, CUfunction, CUstream, CUevent) as
 * opaque pointers; device pointers are CUdeviceptr values. Signatures are the
 * ones MLIR 22 declares (index -> intptr_t, i8/i16/i32 -> fixed-width ints).
 *===----------------------------------------------------------------------===*/

/* A cubin or fatbin image of `size` bytes (gpu.binary, format bin/fatbin). */
MHA_RUNTIME_EXPORT void *mgpuModuleLoad(void *data, uint64_t size);
/* NUL-terminated PTX, JIT-compiled by the driver (format isa). */
MHA_RUNTIME_EXPORT void *mgpuModuleLoadJIT(void *data, int32_t optLevel);
MHA_RUNTIME_EXPORT void mgpuModuleUnload(void *module);
MHA_RUNTIME_EXPORT void *mgpuModuleGetFunction(void *module, const char *name);

MHA_RUNTIME_EXPORT void
mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY, intptr_t gridZ,
                 intptr_t blockX, intptr_t blockY, intptr_t blockZ,
                 int32_t sharedMemoryBytes, void *stream, void **params,
                 void **extra, size_t paramsCount);
/* Thread-block clusters (sm_90+). */
MHA_RUNTIME_EXPORT void
mgpuLaunchClusterKernel(void *function, intptr_t clusterX, intptr_t clusterY,
                        intptr_t clusterZ, intptr_t gridX, intptr_t gridY,
                        intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                        intptr_t blockZ, int32_t sharedMemoryBytes,
                        void *stream, void **params, void **extra);

MHA_RUNTIME_EXPORT void *mgpuStreamCreate(void);
MHA_RUNTIME_EXPORT void mgpuStreamDestroy(void *stream);
MHA_RUNTIME_EXPORT void mgpuStreamSynchronize(void *stream);
MHA_RUNTIME_EXPORT void mgpuStreamWaitEvent(void *stream, void *event);

MHA_RUNTIME_EXPORT void *mgpuEventCreate(void);
MHA_RUNTIME_EXPORT void mgpuEventDestroy(void *event);
MHA_RUNTIME_EXPORT void mgpuEventSynchronize(void *event);
MHA_RUNTIME_EXPORT void mgpuEventRecord(void *event, void *stream);

/* Device memory; managed memory (cuMemAllocManaged) when hostShared != 0. */
MHA_RUNTIME_EXPORT void *mgpuMemAlloc(uint64_t sizeBytes, void *stream,
                                      uint8_t hostShared);
MHA_RUNTIME_EXPORT void mgpuMemFree(void *ptr, void *stream);
MHA_RUNTIME_EXPORT void mgpuMemcpy(void *dst, void *src, size_t sizeBytes,
                                   void *stream);
MHA_RUNTIME_EXPORT void mgpuMemset32(void *dst, uint32_t value, size_t count,
                                     void *stream);
MHA_RUNTIME_EXPORT void mgpuMemset16(void *dst, uint16_t value, size_t count,
                                     void *stream);

/* Page-locks host memory (gpu.host_register). The MemRef variants take a
 * ranked descriptor of `rank` with a dense layout. */
MHA_RUNTIME_EXPORT void mgpuMemHostRegister(void *ptr, uint64_t sizeBytes);
MHA_RUNTIME_EXPORT void mgpuMemHostRegisterMemRef(int64_t rank,
                                                  void *descriptor,
                                                  int64_t elementSizeBytes);
MHA_RUNTIME_EXPORT void mgpuMemHostUnregister(void *ptr);
MHA_RUNTIME_EXPORT void mgpuMemHostUnregisterMemRef(int64_t rank,
                                                    void *descriptor,
                                                    int64_t elementSizeBytes);

/* The device that later calls use (gpu.set_default_device); 0 by default. */
MHA_RUNTIME_EXPORT void mgpuSetDefaultDevice(int32_t device);

/* A TMA descriptor (nvgpu.tma.create.descriptor, sm_90+) for the memref
 * `descriptor` of `rank`, copied to device memory; returns its device
 * address. Enum values are CUDA's CUtensorMap* ones; boxDims[rank] is in
 * memref order. */
MHA_RUNTIME_EXPORT void *mgpuTensorMapEncodeTiledMemref(
    int64_t rank, void *descriptor, int64_t dataType, int64_t interleave,
    int64_t swizzle, int64_t l2Promotion, int64_t oobFill, int64_t *boxDims);

/*===----------------------------------------------------------------------===*
 * Symbol table (for JITs)
 *===----------------------------------------------------------------------===*/

typedef struct MhaRuntimeSymbol {
  const char *name;
  void *address;
} MhaRuntimeSymbol;

/* Every function above that compiled code may call (the mgpu* wrappers,
 * _mlir_memref_to_llvm_*, memrefCopy), terminated by {NULL, NULL}: a JIT
 * registers these addresses so lowered code binds to this library. */
MHA_RUNTIME_EXPORT const MhaRuntimeSymbol *mhaRuntimeSymbols(void);

#ifdef __cplusplus
}
#endif

#endif /* MHA_RUNTIME_RUNTIME_H */
