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
|*  - errors: the per-thread status of calls of compiled code (shape         *|
|*    mismatches, failed allocations) and a process-wide sticky error of the  *|
|*    CUDA wrappers; device queries and kernel timing.                        *|
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
 * Compiled code never aborts and never reads out of bounds on bad input:
 *
 *  - a call whose arguments' dynamic sizes disagree (e.g. query batch 2,
 *    key batch 1) fails its shape check at entry, before reading anything:
 *      shape mismatch: dimension 0 (batch size B) of 'key' (argument 1) is
 *      1, but 'query' (argument 0) has 2
 *  - a call whose allocation fails (no memory, or beyond the allocation
 *    limit below) stops instead of dereferencing NULL:
 *      out of memory: compiled code could not allocate 171798691840 bytes
 *  - the CUDA wrappers keep their first failure (a CUDA error, a missing
 *    driver, a bad argument) as a process-wide sticky error, e.g.
 *      CUDA error CUDA_ERROR_NO_DEVICE (no CUDA-capable device is
 *      detected) in cuInit
 *    and later GPU calls become no-ops that return null handles, so
 *    compiled code runs to its end without crashing. Releases
 *    (mgpuMemFree, mgpuStreamDestroy, ...) of valid handles still run.
 *
 * Every public function of compiled code clears the calling thread's call
 * status when it is entered; its OpenMP workers report into that status, so
 * concurrent calls from several threads each see their own errors. After a
 * call returns, on the same thread, mhaRuntimeGetErrorKind() says whether
 * it failed and mhaRuntimeGetLastError() why. A failed call's results are
 * not written: do not read or release them. Buffers it allocated before
 * the failure are not freed.
 *===----------------------------------------------------------------------===*/

typedef enum MhaRuntimeErrorKind {
  MHA_RUNTIME_ERROR_NONE = 0,
  /* The arguments' dynamic sizes violate a relation of the op. */
  MHA_RUNTIME_ERROR_SHAPE_MISMATCH = 1,
  /* An allocation of compiled code failed. */
  MHA_RUNTIME_ERROR_OUT_OF_MEMORY = 2,
  /* The CUDA driver or device failed (or is missing). */
  MHA_RUNTIME_ERROR_DEVICE = 3
} MhaRuntimeErrorKind;

/* The error of the last call of compiled code on this thread, else the
 * process-wide sticky error, else NULL. The string stays valid until the
 * next call of compiled code on this thread or mhaRuntimeClearError(). */
MHA_RUNTIME_EXPORT const char *mhaRuntimeGetLastError(void);
/* The MhaRuntimeErrorKind of mhaRuntimeGetLastError()'s error (0: none). */
MHA_RUNTIME_EXPORT int mhaRuntimeGetErrorKind(void);
/* Forgets this thread's call error and the process-wide error; GPU calls
 * work again (if the driver is usable). */
MHA_RUNTIME_EXPORT void mhaRuntimeClearError(void);

/* Makes allocations of compiled code fail once the buffers it holds would
 * exceed `bytes` in all (0: no limit, the default; the environment
 * variable MHA_RUNTIME_ALLOCATION_LIMIT sets the initial value). For tests
 * of the out-of-memory path, and to bound what compiled code may take. */
MHA_RUNTIME_EXPORT void mhaRuntimeSetAllocationLimit(uint64_t bytes);
MHA_RUNTIME_EXPORT uint64_t mhaRuntimeGetAllocationLimit(void);

/* Called by compiled code (mha-lower-runtime-checks), not by hosts: the
 * calling thread's call status, cleared (at the entry of a public
 * function) or not; whether it holds an error; the reports of a failed
 * shape check ("shape mismatch: <what> is <actual>, but <expectedFrom>
 * <expected>") and of a failed allocation. Reports are thread-safe; the
 * first one of a call wins. */
MHA_RUNTIME_EXPORT void *mhaRuntimeBeginCall(void);
MHA_RUNTIME_EXPORT void *mhaRuntimeCallStatus(void);
MHA_RUNTIME_EXPORT int32_t mhaRuntimeCallFailed(void *status);
MHA_RUNTIME_EXPORT void
mhaRuntimeReportShapeMismatch(void *status, const char *what, int64_t actual,
                              const char *expectedFrom, int64_t expected);
MHA_RUNTIME_EXPORT void mhaRuntimeReportAllocationFailure(void *status,
                                                          uint64_t bytes);

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

/* The streaming multiprocessors of the default device (the one that
 * gpu.set_default_device chose), or `fallback` without a usable device;
 * sets no error. Compiled code sizes its automatic flash-decoding splits
 * with it. */
MHA_RUNTIME_EXPORT int64_t mhaRuntimeNumSMs(int64_t fallback);
/* Waits for all work on the current device; 0 on success, -1 with the
 * error set. */
MHA_RUNTIME_EXPORT int mhaRuntimeSynchronize(void);

/* While `active` is non-zero, the gpu code that this thread runs works on
 * `stream` (a CUstream; NULL is the legacy default stream) instead of
 * streams of its own: mgpuStreamCreate returns it, mgpuStreamDestroy leaves
 * it alone, mgpuStreamSynchronize waits for it. How hosts run compiled code
 * on the stream of their tensors (mhaFunctionCallOnDevice). */
MHA_RUNTIME_EXPORT void mhaRuntimeSetCallStream(int active, void *stream);

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

/* Buffers carry a header in front (never pass them to free()); a thread
 * reuses the small buffers it freed (up to 32 of at most 256 KiB, not
 * under AddressSanitizer) without taking a lock: compiled code allocates
 * its scratch buffers inside its loops. */
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

/* Encodes the TMA descriptor (CUtensorMap, 128 bytes) of the row-major
 * [rows, cols] matrix at the device address `global` (rows
 * `rowStrideBytes` apart, CUtensorMapDataType `dataType`) with boxes of
 * boxRows x boxCols, no swizzle, into the 64-byte aligned host memory
 * `map`. The caller copies it to the device on the stream of the launches
 * that use it (and frees it): convert-mha-to-gpu's host code. */
MHA_RUNTIME_EXPORT void
mhaRuntimeEncodeTensorMap2D(void *map, int64_t dataType, void *global,
                            int64_t rows, int64_t cols, int64_t rowStrideBytes,
                            int64_t boxRows, int64_t boxCols);

/*===----------------------------------------------------------------------===*
 * Symbol table (for JITs)
 *===----------------------------------------------------------------------===*/

typedef struct MhaRuntimeSymbol {
  const char *name;
  void *address;
} MhaRuntimeSymbol;

/* Every function above that compiled code may call (the mgpu* wrappers,
 * _mlir_memref_to_llvm_*, memrefCopy, the call status), terminated by
 * {NULL, NULL}: a JIT registers these addresses so lowered code binds to
 * this library. */
MHA_RUNTIME_EXPORT const MhaRuntimeSymbol *mhaRuntimeSymbols(void);

#ifdef __cplusplus
}
#endif

#endif /* MHA_RUNTIME_RUNTIME_H */
