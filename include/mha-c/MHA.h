/*===- MHA.h - C API of mha-mlir ------------------------------------------===*\
|*                                                                            *|
|* Compile an MLIR module containing mha ops with one of the project's        *|
|* pipelines ('cpu', 'reference', 'gpu'), query the entry function's          *|
|* signature and run it on host buffers (gpu functions copy them to the       *|
|* device and back). Plain C: no MLIR or LLVM headers.                        *|
|*                                                                            *|
|* Ownership: every object created by an mha*Create / mhaCompile /            *|
|* mhaFunctionTakeResult call is freed with the matching *Destroy call;       *|
|* error strings are freed with mhaStringFree. A context may be used from     *|
|* several threads (compilation is serialised); a function handle must not be *|
|* run from two threads at once (its results live in the handle). GPU         *|
|* compiles and runs are serialised process-wide (the CUDA runtime's error    *|
|* state is process-wide).                                                    *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef MHA_C_MHA_H
#define MHA_C_MHA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define MHA_CAPI_EXPORTED __attribute__((visibility("default")))
#else
#define MHA_CAPI_EXPORTED
#endif

/* Element types (the element types of mha ops). i1 is one byte per element,
 * as NumPy's bool. */
typedef enum MhaDType {
  MHA_DTYPE_F32 = 0,
  MHA_DTYPE_F16 = 1,
  MHA_DTYPE_BF16 = 2,
  MHA_DTYPE_I1 = 3,
  /* What the signature queries return for an index out of range. */
  MHA_DTYPE_INVALID = -1,
  /* Not a dtype: makes every int a valid MhaDType value in C++ as in C, so
   * that any value a caller passes is rejected, not undefined behaviour. */
  MHA_DTYPE_MAX_ENUM = 0x7fffffff
} MhaDType;

typedef enum MhaStatus {
  MHA_SUCCESS = 0,
  /* Bad argument: null pointer, unknown pipeline, index out of range, input
   * count/dtype/shape mismatch, output buffer too small. Also from a run
   * whose inputs' dynamic sizes violate a relation of an op (checked by the
   * compiled code at entry, before it reads them); the message starts
   * "run failed: shape mismatch: " and names the argument, the dimension
   * and both sizes, e.g. "dimension 0 (batch size B) of 'key' (argument 1)
   * is 1, but 'query' (argument 0) has 2". */
  MHA_ERROR_INVALID_ARGUMENT = 1,
  /* Parsing, verification, the entry signature or the pipeline failed; the
   * error string holds the MLIR diagnostics. Also: a gpu function's binary
   * could not be loaded on a usable CUDA device (the CUDA error, e.g.
   * CUDA_ERROR_NO_BINARY_FOR_GPU for a `chip` the device cannot run). */
  MHA_ERROR_COMPILE = 2,
  /* The compiled code could not be called or failed while running; for gpu
   * functions the error string holds the CUDA runtime's message, e.g.
   * "cannot load the CUDA driver library libcuda.so.1: ...; is the NVIDIA
   * driver installed?" or "CUDA error CUDA_ERROR_NO_DEVICE (...) in cuInit". */
  MHA_ERROR_RUNTIME = 3,
  /* An allocation of the compiled code failed while running (no memory, or
   * beyond the limit of mhaRuntimeSetAllocationLimit / the environment
   * variable MHA_RUNTIME_ALLOCATION_LIMIT); the message starts
   * "run failed: out of memory: " with the size. */
  MHA_ERROR_OUT_OF_MEMORY = 4
} MhaStatus;

/* Marks a dynamic dimension in a signature. */
#define MHA_DYNAMIC_DIM ((int64_t)-1)

typedef struct MhaContext MhaContext;
typedef struct MhaFunction MhaFunction;
typedef struct MhaTensor MhaTensor;

/* A caller-owned, dense, C-order buffer. */
typedef struct MhaBuffer {
  void *data;
  MhaDType dtype;
  int64_t rank;
  const int64_t *shape; /* rank entries */
} MhaBuffer;

/*===--- Miscellaneous ---------------------------------------------------===*/

/* "0.1.0". */
MHA_CAPI_EXPORTED const char *mhaVersion(void);
/* "f32", "f16", "bf16", "i1"; NULL for an unknown value. */
MHA_CAPI_EXPORTED const char *mhaDTypeName(MhaDType dtype);
/* Bytes per element (i1: 1); 0 for an unknown value. */
MHA_CAPI_EXPORTED size_t mhaDTypeSize(MhaDType dtype);
/* Frees an error string returned by this API (NULL is a no-op). */
MHA_CAPI_EXPORTED void mhaStringFree(char *string);

/*===--- Verification and benchmark conventions --------------------------===*/

/* The tolerance results of `dtype` are verified with by default (mha-run
 * and mha-aot-check --verify, the Python tests): an element passes when
 * |actual - expected| <= atol + rtol * |expected|; i1 is exact. Stores it in
 * *atol and *rtol (either may be NULL); MHA_ERROR_INVALID_ARGUMENT for an
 * unknown dtype. */
MHA_CAPI_EXPORTED MhaStatus mhaDefaultTolerance(MhaDType dtype, double *atol,
                                                double *rtol);
/* FLOPs of one attention as the benchmarks count them (mha-run and
 * mha-aot-check --bench): 2*b*h*sq*skv*(d+dv), i.e. 4*b*h*sq*skv*d when
 * dv = d, halved when `causal` is nonzero (the FlashAttention convention). */
MHA_CAPI_EXPORTED double mhaAttentionFlops(int64_t b, int64_t h, int64_t sq,
                                           int64_t skv, int64_t d, int64_t dv,
                                           int causal);

/*===--- Context ---------------------------------------------------------===*/

/* An MLIR context with the mha dialect and every dialect the pipelines use.
 * Returns NULL only on allocation failure. */
MHA_CAPI_EXPORTED MhaContext *mhaContextCreate(void);
/* Functions compiled in the context must be destroyed first. */
MHA_CAPI_EXPORTED void mhaContextDestroy(MhaContext *context);

/*===--- Compilation -----------------------------------------------------===*/

/* Parses `mlirText` (`length` bytes; -1 for NUL-terminated), selects the
 * entry function (`entry`, or the only public function when NULL or ""),
 * lowers it with `pipeline` ("cpu", "reference" or "gpu"; NULL means "cpu")
 * and `options` (the pipeline's textual options, e.g. "threads=2 q-tile=64"
 * for cpu, "chip=sm_80 kernel=auto kv-splits=0" for gpu; NULL or "" for
 * none) and JIT-compiles it for the host.
 *
 * "gpu" (mha-gpu-pipeline) compiles the attention into CUDA kernels
 * (cubin for `chip`, default: device 0's compute capability, sm_90a without
 * a device; built with the CUDA toolkit's ptxas) called
 * by host code that copies the inputs to the device and the results back.
 * When a CUDA device is usable, the GPU binary is also loaded here. Without
 * one (no NVIDIA driver / libcuda.so.1, or no device) compilation still
 * succeeds on any machine with ptxas, and every mhaFunctionRun of the
 * function returns MHA_ERROR_RUNTIME with the CUDA runtime's message.
 *
 * On success stores the function in *function and returns MHA_SUCCESS. On
 * failure stores NULL, and, when `error` is not NULL, a message (with the
 * MLIR diagnostics) that the caller frees with mhaStringFree. */
MHA_CAPI_EXPORTED MhaStatus mhaCompile(MhaContext *context,
                                       const char *mlirText, int64_t length,
                                       const char *entry, const char *pipeline,
                                       const char *options,
                                       MhaFunction **function, char **error);
/* mhaCompile for a CPU target: `targetCpu` is an LLVM CPU name ("x86-64",
 * "x86-64-v3", "skylake-avx512", "znver4", ...; NULL or "" for the host) and
 * `targetFeatures` LLVM features added or removed ("+avx512bf16,-avx512f";
 * NULL or "" for none). The vector width, micro-kernel shape, FMA and float
 * conversions follow from the target. Code for a CPU whose features this
 * host lacks cannot be JIT-run: MHA_ERROR_COMPILE names the missing ones,
 * as it names an unknown CPU or feature. For the gpu pipeline the target is
 * the CPU of the host-side code. */
MHA_CAPI_EXPORTED MhaStatus mhaCompileForTarget(
    MhaContext *context, const char *mlirText, int64_t length,
    const char *entry, const char *pipeline, const char *options,
    const char *targetCpu, const char *targetFeatures, MhaFunction **function,
    char **error);
MHA_CAPI_EXPORTED void mhaFunctionDestroy(MhaFunction *function);

/*===--- Signature -------------------------------------------------------===*/

/* The entry function's name (without '@'); valid while `function` lives. */
MHA_CAPI_EXPORTED const char *mhaFunctionGetName(const MhaFunction *function);
/* "cpu", "reference" or "gpu". */
MHA_CAPI_EXPORTED const char *
mhaFunctionGetPipeline(const MhaFunction *function);
/* Seconds spent lowering and JIT-compiling (for a gpu function compiled
 * without a usable CUDA device: lowering and serialising the kernels). */
MHA_CAPI_EXPORTED double
mhaFunctionGetCompileSeconds(const MhaFunction *function);

MHA_CAPI_EXPORTED int64_t mhaFunctionGetNumArgs(const MhaFunction *function);
MHA_CAPI_EXPORTED int64_t mhaFunctionGetNumResults(const MhaFunction *function);
/* Argument / result `index` of the signature: element type, rank and shape
 * (MHA_DYNAMIC_DIM for dynamic dims). The shape pointer is valid while
 * `function` lives. Out-of-range indices return -1 (MHA_DTYPE_INVALID) /
 * NULL. */
MHA_CAPI_EXPORTED int64_t mhaFunctionGetArgRank(const MhaFunction *function,
                                                int64_t index);
MHA_CAPI_EXPORTED MhaDType mhaFunctionGetArgDType(const MhaFunction *function,
                                                  int64_t index);
MHA_CAPI_EXPORTED const int64_t *
mhaFunctionGetArgShape(const MhaFunction *function, int64_t index);
MHA_CAPI_EXPORTED int64_t mhaFunctionGetResultRank(const MhaFunction *function,
                                                   int64_t index);
MHA_CAPI_EXPORTED MhaDType
mhaFunctionGetResultDType(const MhaFunction *function, int64_t index);
MHA_CAPI_EXPORTED const int64_t *
mhaFunctionGetResultShape(const MhaFunction *function, int64_t index);

/* FLOPs of one call of `function` on inputs of the shapes of `inputs` (one
 * per argument; only dtype, rank and shape are read, data may be NULL), as
 * the benchmarks count them: mhaAttentionFlops per mha.attention, plus
 * 2*m*n*k per matmul (the projections of mha.multi_head_attention,
 * linalg.matmul). MHA_ERROR_INVALID_ARGUMENT when the inputs do not fit
 * the signature or the function's FLOPs are not known (no attention or
 * matmul, or a dim that is neither static nor a dim of an argument). */
MHA_CAPI_EXPORTED MhaStatus mhaFunctionGetFlops(const MhaFunction *function,
                                                const MhaBuffer *inputs,
                                                int64_t numInputs,
                                                double *flops, char **error);

/*===--- Running ---------------------------------------------------------===*/

/* Runs the function on `numInputs` caller buffers (read, never written, not
 * copied). Checks count, dtypes, ranks and static dims first; errors name
 * the argument position. The results are kept in `function` (replacing those
 * of the previous run) and read with mhaFunctionGetRunResult /
 * mhaFunctionCopyResult / mhaFunctionTakeResult.
 *
 * When the compiled code fails, no results are kept and the message starts
 * "run failed: "; the status says why:
 *   MHA_ERROR_INVALID_ARGUMENT  the dynamic sizes of the inputs disagree
 *                               ("shape mismatch: ...", see above);
 *   MHA_ERROR_OUT_OF_MEMORY     an allocation of the compiled code failed;
 *   MHA_ERROR_RUNTIME           the CUDA runtime failed (no driver, no
 *                               device, a CUDA error of a launch or copy).
 * Compiled code never aborts the process. Runs of different functions (or
 * of one function from threads that serialise them) on several threads
 * report each run's own error. */
MHA_CAPI_EXPORTED MhaStatus mhaFunctionRun(MhaFunction *function,
                                           const MhaBuffer *inputs,
                                           int64_t numInputs, char **error);

/* Runs like mhaFunctionRun, but hands the results to the caller instead of
 * keeping them in `function`: results[i] (for each of `numResults`, which
 * must equal the number of results) receives a tensor the caller owns and
 * frees with mhaTensorDestroy; on failure every results[i] is NULL. The
 * call keeps no state in `function`, so calls of one function from several
 * threads run concurrently (mhaFunctionRun and the result accessors below
 * share the function's last results: callers serialise those). */
MHA_CAPI_EXPORTED MhaStatus mhaFunctionCall(MhaFunction *function,
                                            const MhaBuffer *inputs,
                                            int64_t numInputs,
                                            MhaTensor **results,
                                            int64_t numResults, char **error);
/* The number of calls of `function` running now (mhaFunctionRun,
 * mhaFunctionCall, mhaFunctionCallOnDevice, on any thread): a diagnostic
 * of concurrency; -1 for NULL. */
MHA_CAPI_EXPORTED int64_t
mhaFunctionGetCallsInFlight(const MhaFunction *function);

/* Runs a gpu function on buffers in device memory: inputs[i].data and
 * outputs[i].data are CUDA device pointers (of the runtime's device, 0),
 * `stream` a CUstream of that device (NULL: the legacy default stream) that
 * the call's copies and kernels are ordered on; it returns when they are
 * done. Each output's dtype and shape must equal the result's (checked
 * after the run for dynamic dims). No host copy of the inputs is made: the
 * compiled host code copies them device-to-device into its own buffers;
 * its results come back through host memory (the gpu pipeline's entry
 * takes host memrefs) and are copied into outputs[i] on `stream`.
 * MHA_ERROR_INVALID_ARGUMENT for a function of another pipeline, counts,
 * dtypes or shapes that do not fit, null data; MHA_ERROR_RUNTIME with the
 * CUDA runtime's message when no GPU or driver is usable or CUDA fails.
 * Reentrant like mhaFunctionCall (gpu calls run one at a time). */
MHA_CAPI_EXPORTED MhaStatus mhaFunctionCallOnDevice(
    MhaFunction *function, const MhaBuffer *inputs, int64_t numInputs,
    const MhaBuffer *outputs, int64_t numOutputs, void *stream, char **error);

/* Runs, then copies result i into outputs[i] for each of `numOutputs`
 * (which must equal the number of results): each output's dtype and shape
 * must equal the result's. The results kept in `function` are released. */
MHA_CAPI_EXPORTED MhaStatus mhaFunctionRunInto(
    MhaFunction *function, const MhaBuffer *inputs, int64_t numInputs,
    const MhaBuffer *outputs, int64_t numOutputs, char **error);

/* Result `index` of the last run, owned by `function`: fills *view (data,
 * dtype, rank, shape) valid until the next run, mhaFunctionTakeResult of the
 * same index or destruction. MHA_ERROR_INVALID_ARGUMENT when there is no such
 * result. */
MHA_CAPI_EXPORTED MhaStatus mhaFunctionGetRunResult(MhaFunction *function,
                                                    int64_t index,
                                                    MhaBuffer *view);
/* Copies result `index` of the last run into `dst` (at most `capacity`
 * bytes; MHA_ERROR_INVALID_ARGUMENT when it does not fit). */
MHA_CAPI_EXPORTED MhaStatus mhaFunctionCopyResult(MhaFunction *function,
                                                  int64_t index, void *dst,
                                                  size_t capacity);
/* Moves result `index` of the last run out of `function` into a tensor that
 * the caller owns (no copy); NULL when there is no such result. */
MHA_CAPI_EXPORTED MhaTensor *mhaFunctionTakeResult(MhaFunction *function,
                                                   int64_t index);

/*===--- Owned tensors ---------------------------------------------------===*/

/* A view of the tensor's data, dtype and shape, valid while it lives. */
MHA_CAPI_EXPORTED MhaBuffer mhaTensorGetBuffer(MhaTensor *tensor);
MHA_CAPI_EXPORTED size_t mhaTensorGetSizeInBytes(const MhaTensor *tensor);
MHA_CAPI_EXPORTED void mhaTensorDestroy(MhaTensor *tensor);

#ifdef __cplusplus
}
#endif

#endif /* MHA_C_MHA_H */
