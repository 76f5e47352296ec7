//===- MHA.cpp - C API of mha-mlir ----------------------------------------===//
//
// Wraps mlir::mha::runner::JitFunction behind the plain C interface declared
// in include/mha-c/MHA.h.
//
// GPU functions: JitFunction::compile loads the GPU binary (the module-load
// constructor runs there), which needs the CUDA driver. Without a usable
// driver (no libcuda.so.1, no device) mhaCompile still lowers the module
// (kernels to cubin with ptxas), so compilation works anywhere, and returns a
// function whose runs fail with the CUDA runtime's message.
//
//===----------------------------------------------------------------------===//

#include "mha-c/MHA.h"

#include "mha/InitAll.h"
#include "mha/Runner/Compare.h"
#include "mha/Runner/FlopModel.h"
#include "mha/Runner/Flops.h"
#include "mha/Runner/JitSession.h"
#include "mha/Runtime/Runtime.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

using namespace mlir;
using namespace mlir::mha::runner;

struct MhaContext {
  MLIRContext context;
  // Diagnostic handlers are per context: compile one module at a time.
  std::mutex mutex;

  explicit MhaContext(const DialectRegistry &registry)
      : context(registry, MLIRContext::Threading::DISABLED) {
    context.loadAllAvailableDialects();
  }
};

struct MhaTensor {
  HostTensor tensor;
};

struct MhaFunction {
  // Null for a gpu function compiled without a usable CUDA driver: then
  // `unusable` holds why, and runs fail with MHA_ERROR_RUNTIME.
  std::unique_ptr<JitFunction> jit;
  std::string unusable;
  double compileSeconds = 0;
  EntrySignature signature;
  PipelineKind pipeline = PipelineKind::CPU;
  // Signature shapes with -1 for dynamic dims, as the header promises.
  std::vector<std::vector<int64_t>> argShapes, resultShapes;
  // FLOPs per call in terms of the argument shapes (FlopModel.h); unset when
  // unknown.
  std::optional<std::vector<FlopTerm>> flops;
  // Results of the last mhaFunctionRun; an entry is empty once taken.
  std::vector<std::optional<HostTensor>> results;
  // Calls running now (mhaFunctionGetCallsInFlight).
  std::atomic<int64_t> inFlight{0};
};

namespace {
MhaDType toC(DType dtype) {
  switch (dtype) {
  case DType::F32:
    return MHA_DTYPE_F32;
  case DType::F16:
    return MHA_DTYPE_F16;
  case DType::BF16:
    return MHA_DTYPE_BF16;
  case DType::I1:
    return MHA_DTYPE_I1;
  }
  return MHA_DTYPE_F32;
}

std::optional<DType> fromC(MhaDType dtype) {
  switch (dtype) {
  case MHA_DTYPE_F32:
    return DType::F32;
  case MHA_DTYPE_F16:
    return DType::F16;
  case MHA_DTYPE_BF16:
    return DType::BF16;
  case MHA_DTYPE_I1:
    return DType::I1;
  default:
    return std::nullopt;
  }
}

char *copyString(const std::string &s) {
  char *out = static_cast<char *>(std::malloc(s.size() + 1));
  if (out)
    std::memcpy(out, s.c_str(), s.size() + 1);
  return out;
}

MhaStatus fail(char **error, MhaStatus status, const std::string &message) {
  if (error)
    *error = copyString(message);
  return status;
}

std::vector<int64_t> cShape(const std::vector<int64_t> &shape) {
  std::vector<int64_t> out(shape);
  for (int64_t &d : out)
    if (ShapedType::isDynamic(d))
      d = MHA_DYNAMIC_DIM;
  return out;
}

std::string describe(MhaDType dtype, int64_t rank, const int64_t *shape) {
  std::string s;
  const char *name = mhaDTypeName(dtype);
  s += name ? name : "?";
  s += "[";
  for (int64_t i = 0; i < rank; ++i)
    s += (i ? "x" : "") + std::to_string(shape[i]);
  return s + "]";
}

/// Checks a caller buffer and views it as a TensorRef (no copy: compiled
/// code never writes its arguments); `needData`: a null data pointer of a
/// non-empty buffer is an error. `what` names the buffer in errors (built
/// only then: this runs on every call).
template <typename What>
MhaStatus toTensorRef(const MhaBuffer &buffer, What what,
                      std::optional<TensorRef> &out, char **error,
                      bool needData = true) {
  std::optional<DType> dtype = fromC(buffer.dtype);
  if (!dtype)
    return fail(error, MHA_ERROR_INVALID_ARGUMENT,
                what() + ": unknown dtype " +
                    std::to_string(int(buffer.dtype)));
  if (buffer.rank < 0 || (buffer.rank > 0 && !buffer.shape))
    return fail(error, MHA_ERROR_INVALID_ARGUMENT,
                what() + ": invalid rank or null shape");
  std::vector<int64_t> shape(buffer.shape, buffer.shape + buffer.rank);
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0)
      return fail(error, MHA_ERROR_INVALID_ARGUMENT,
                  what() + ": negative dimension in " +
                      describe(buffer.dtype, buffer.rank, buffer.shape));
    n *= d;
  }
  if (needData && n && !buffer.data)
    return fail(error, MHA_ERROR_INVALID_ARGUMENT, what() + ": null data");
  out.emplace(*dtype, std::move(shape), buffer.data);
  return MHA_SUCCESS;
}

/// libmha_runtime keeps the first failure of compiled code as a
/// process-wide sticky error, which every JIT compile and run clears first
/// and reads at the end. GPU work (probing the driver, loading binaries,
/// runs) holds this exclusively so that no other compile or run clears its
/// error in between; CPU compiles and runs share it.
std::shared_mutex &runtimeErrorMutex() {
  static std::shared_mutex mutex;
  return mutex;
}

struct RuntimeLock {
  explicit RuntimeLock(PipelineKind kind) {
    if (kind == PipelineKind::GPU)
      exclusive = std::unique_lock<std::shared_mutex>(runtimeErrorMutex());
    else
      shared = std::shared_lock<std::shared_mutex>(runtimeErrorMutex());
  }
  std::unique_lock<std::shared_mutex> exclusive;
  std::shared_lock<std::shared_mutex> shared;
};

/// Why GPU functions cannot be loaded or run here (the CUDA runtime's
/// message: no libcuda.so.1, cuInit failing, no device), or "" when a CUDA
/// device is usable. The caller holds runtimeErrorMutex() exclusively.
std::string cudaUnusableReason() {
  mhaRuntimeClearError();
  int devices = mhaRuntimeDeviceCount();
  const char *error = mhaRuntimeGetLastError();
  std::string reason = error ? error : "";
  mhaRuntimeClearError();
  if (devices > 0)
    return "";
  if (reason.empty())
    reason = "no CUDA device is available (the CUDA driver reports 0 "
             "devices)";
  return reason;
}

} // namespace

//===----------------------------------------------------------------------===//
// Miscellaneous, verification and benchmark conventions
//===----------------------------------------------------------------------===//

const char *mhaVersion(void) { return MHA_VERSION; }

const char *mhaDTypeName(MhaDType dtype) {
  std::optional<DType> d = fromC(dtype);
  return d ? dtypeName(*d).data() : nullptr;
}

size_t mhaDTypeSize(MhaDType dtype) {
  std::optional<DType> d = fromC(dtype);
  return d ? dtypeSize(*d) : 0;
}

void mhaStringFree(char *string) { std::free(string); }

MhaStatus mhaDefaultTolerance(MhaDType dtype, double *atol, double *rtol) {
  std::optional<DType> d = fromC(dtype);
  if (!d)
    return MHA_ERROR_INVALID_ARGUMENT;
  Tolerance tolerance = Tolerance::defaultFor(*d);
  if (atol)
    *atol = tolerance.atol;
  if (rtol)
    *rtol = tolerance.rtol;
  return MHA_SUCCESS;
}

double mhaAttentionFlops(int64_t b, int64_t h, int64_t sq, int64_t skv,
                         int64_t d, int64_t dv, int causal) {
  return attentionFlops(b, h, sq, skv, d, dv, causal != 0);
}

//===----------------------------------------------------------------------===//
// Context
//===----------------------------------------------------------------------===//

MhaContext *mhaContextCreate(void) {
  DialectRegistry registry;
  mlir::mha::registerAllDialects(registry);
  return new (std::nothrow) MhaContext(registry);
}

void mhaContextDestroy(MhaContext *context) { delete context; }

//===----------------------------------------------------------------------===//
// Compilation
//===----------------------------------------------------------------------===//

MhaStatus mhaCompile(MhaContext *context, const char *mlirText, int64_t length,
                     const char *entry, const char *pipeline,
                     const char *options, MhaFunction **function,
                     char **error) {
  return mhaCompileForTarget(context, mlirText, length, entry, pipeline,
                             options, nullptr, nullptr, function, error);
}

MhaStatus mhaCompileForTarget(MhaContext *context, const char *mlirText,
                              int64_t length, const char *entry,
                              const char *pipeline, const char *options,
                              const char *targetCpu, const char *targetFeatures,
                              MhaFunction **function, char **error) {
  if (error)
    *error = nullptr;
  if (function)
    *function = nullptr;
  if (!context || !mlirText || !function)
    return fail(error, MHA_ERROR_INVALID_ARGUMENT,
                "mhaCompile: context, text and function must not be null");
  std::string pipelineName = pipeline ? pipeline : "cpu";
  std::optional<PipelineKind> kind = parsePipelineKind(pipelineName);
  if (!kind)
    return fail(error, MHA_ERROR_INVALID_ARGUMENT,
                "unknown pipeline '" + pipelineName +
                    "': expected 'cpu', 'reference' or 'gpu'");
  llvm::StringRef text(mlirText, length < 0 ? std::strlen(mlirText)
                                            : static_cast<size_t>(length));

  std::lock_guard<std::mutex> lock(context->mutex);
  MLIRContext *ctx = &context->context;

  // Parse and verify; diagnostics (with the source line) go to a string.
  std::string diagnostics;
  llvm::raw_string_ostream diagOS(diagnostics);
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(text, "<input>"), llvm::SMLoc());
  OwningOpRef<ModuleOp> module;
  {
    SourceMgrDiagnosticHandler handler(sourceMgr, ctx, diagOS);
    module = parseSourceFile<ModuleOp>(sourceMgr, ctx);
  }
  if (!module)
    return fail(error, MHA_ERROR_COMPILE,
                "invalid MLIR input:\n" + diagnostics);

  auto signature =
      getEntrySignature(*module, entry ? llvm::StringRef(entry) : "");
  if (!signature)
    return fail(error, MHA_ERROR_COMPILE,
                llvm::toString(signature.takeError()));

  llvm::StringRef pipelineOptions = options ? llvm::StringRef(options) : "";
  TargetFlags target{targetCpu ? targetCpu : "",
                     targetFeatures ? targetFeatures : ""};
  std::unique_ptr<JitFunction> jit;
  std::string unusable;
  double seconds = 0;
  if (*kind == PipelineKind::GPU) {
    RuntimeLock lock(*kind);
    unusable = cudaUnusableReason();
  }
  if (unusable.empty()) {
    // JitFunction::compile clears and reads the runtime's error (a gpu
    // function's binary is loaded here).
    RuntimeLock lock(*kind);
    auto compiled = JitFunction::compile(*module, *signature, *kind,
                                         pipelineOptions, target);
    if (!compiled)
      return fail(error, MHA_ERROR_COMPILE,
                  llvm::toString(compiled.takeError()));
    jit = std::move(*compiled);
    seconds = jit->getCompileSeconds();
  } else {
    // No usable CUDA device: lower (and serialise the kernels) only.
    auto start = std::chrono::steady_clock::now();
    auto lowered =
        lowerEntry(*module, *signature, *kind, pipelineOptions, target);
    if (!lowered)
      return fail(error, MHA_ERROR_COMPILE,
                  llvm::toString(lowered.takeError()));
    std::chrono::duration<double> elapsed =
        std::chrono::steady_clock::now() - start;
    seconds = elapsed.count();
  }

  auto *result = new (std::nothrow) MhaFunction();
  if (!result)
    return fail(error, MHA_ERROR_OUT_OF_MEMORY, "out of memory");
  result->jit = std::move(jit);
  result->unusable = std::move(unusable);
  result->compileSeconds = seconds;
  result->flops =
      collectFlopTerms(module->lookupSymbol<func::FuncOp>(signature->name));
  result->signature = std::move(*signature);
  result->pipeline = *kind;
  for (const TensorSpec &spec : result->signature.args)
    result->argShapes.push_back(cShape(spec.shape));
  for (const TensorSpec &spec : result->signature.results)
    result->resultShapes.push_back(cShape(spec.shape));
  *function = result;
  return MHA_SUCCESS;
}

void mhaFunctionDestroy(MhaFunction *function) { delete function; }

//===----------------------------------------------------------------------===//
// Signature
//===----------------------------------------------------------------------===//

const char *mhaFunctionGetName(const MhaFunction *function) {
  return function ? function->signature.name.c_str() : nullptr;
}

const char *mhaFunctionGetPipeline(const MhaFunction *function) {
  return function ? pipelineName(function->pipeline).data() : nullptr;
}

double mhaFunctionGetCompileSeconds(const MhaFunction *function) {
  return function ? function->compileSeconds : 0.0;
}

int64_t mhaFunctionGetNumArgs(const MhaFunction *function) {
  return function ? int64_t(function->signature.args.size()) : -1;
}

int64_t mhaFunctionGetNumResults(const MhaFunction *function) {
  return function ? int64_t(function->signature.results.size()) : -1;
}

namespace {
const TensorSpec *spec(const MhaFunction *function, int64_t index,
                       bool result) {
  if (!function)
    return nullptr;
  const auto &specs =
      result ? function->signature.results : function->signature.args;
  if (index < 0 || index >= int64_t(specs.size()))
    return nullptr;
  return &specs[index];
}
} // namespace

int64_t mhaFunctionGetArgRank(const MhaFunction *function, int64_t index) {
  const TensorSpec *s = spec(function, index, false);
  return s ? int64_t(s->shape.size()) : -1;
}

MhaDType mhaFunctionGetArgDType(const MhaFunction *function, int64_t index) {
  const TensorSpec *s = spec(function, index, false);
  return s ? toC(s->dtype) : MHA_DTYPE_INVALID;
}

const int64_t *mhaFunctionGetArgShape(const MhaFunction *function,
                                      int64_t index) {
  if (!spec(function, index, false))
    return nullptr;
  return function->argShapes[index].data();
}

int64_t mhaFunctionGetResultRank(const MhaFunction *function, int64_t index) {
  const TensorSpec *s = spec(function, index, true);
  return s ? int64_t(s->shape.size()) : -1;
}

MhaDType mhaFunctionGetResultDType(const MhaFunction *function, int64_t index) {
  const TensorSpec *s = spec(function, index, true);
  return s ? toC(s->dtype) : MHA_DTYPE_INVALID;
}

const int64_t *mhaFunctionGetResultShape(const MhaFunction *function,
                                         int64_t index) {
  if (!spec(function, index, true))
    return nullptr;
  return function->resultShapes[index].data();
}

namespace {
/// Checks `numInputs` caller buffers against the function's arguments
/// (count, dtype, rank, static dims) and views them as TensorRefs.
MhaStatus toInputs(const MhaFunction &function, const MhaBuffer *inputs,
                   int64_t numInputs, std::vector<TensorRef> &out, char **error,
                   bool needData = true) {
  const EntrySignature &sig = function.signature;
  if (size_t(numInputs) != sig.args.size())
    return fail(error, MHA_ERROR_INVALID_ARGUMENT,
                "@" + sig.name + " takes " + std::to_string(sig.args.size()) +
                    " arguments, but " + std::to_string(numInputs) +
                    " inputs were given");
  out.reserve(numInputs);
  for (int64_t i = 0; i < numInputs; ++i) {
    auto what = [&] {
      return "argument " + std::to_string(i) + " (" + sig.args[i].describe() +
             ")";
    };
    std::optional<TensorRef> ref;
    if (MhaStatus s = toTensorRef(inputs[i], what, ref, error, needData))
      return s;
    out.push_back(std::move(*ref));
  }
  if (llvm::Error err = checkInputs(sig, out))
    return fail(error, MHA_ERROR_INVALID_ARGUMENT,
                llvm::toString(std::move(err)));
  return MHA_SUCCESS;
}
} // namespace

MhaStatus mhaFunctionGetFlops(const MhaFunction *function,
                              const MhaBuffer *inputs, int64_t numInputs,
                              double *flops, char **error) {
  if (error)
    *error = nullptr;
  if (!function || !flops || (numInputs > 0 && !inputs) || numInputs < 0)
    return fail(error, MHA_ERROR_INVALID_ARGUMENT,
                "mhaFunctionGetFlops: null function, inputs or flops");
  std::vector<TensorRef> refs;
  if (MhaStatus s = toInputs(*function, inputs, numInputs, refs, error, false))
    return s;
  std::vector<std::vector<int64_t>> shapes;
  for (const TensorRef &r : refs)
    shapes.push_back(r.shape);
  std::optional<double> count =
      function->flops ? evaluateFlops(*function->flops, shapes) : std::nullopt;
  if (!count)
    return fail(error, MHA_ERROR_INVALID_ARGUMENT,
                "the FLOPs of @" + function->signature.name +
                    " are not known (it has no attention or matmul, or a "
                    "dim that is neither static nor a dim of an argument)");
  *flops = *count;
  return MHA_SUCCESS;
}

//===----------------------------------------------------------------------===//
// Running
//===----------------------------------------------------------------------===//

namespace {
/// Counts a call in MhaFunction::inFlight while it lives.
struct InFlight {
  explicit InFlight(MhaFunction &f) : f(f) {
    f.inFlight.fetch_add(1, std::memory_order_relaxed);
  }
  ~InFlight() { f.inFlight.fetch_sub(1, std::memory_order_relaxed); }
  MhaFunction &f;
};

/// One call on host buffers: its results go to `out`. Reads only immutable
/// state of `function` (reentrant).
MhaStatus runHost(MhaFunction *function, const MhaBuffer *inputs,
                  int64_t numInputs, std::vector<HostTensor> &out,
                  char **error) {
  InFlight counted(*function);
  std::vector<TensorRef> hostInputs;
  if (MhaStatus s = toInputs(*function, inputs, numInputs, hostInputs, error))
    return s;
  RuntimeLock lock(function->pipeline);
  if (!function->jit) {
    // Compiled without a usable CUDA device; the driver state does not
    // change within a process, but report what the runtime says now.
    std::string reason = cudaUnusableReason();
    return fail(error, MHA_ERROR_RUNTIME,
                "run failed: " +
                    (reason.empty()
                         ? "the function was compiled while no CUDA device "
                           "was usable (" +
                               function->unusable + "); compile it again"
                         : reason));
  }
  auto results = function->jit->run(hostInputs);
  if (!results) {
    auto [kind, message] = takeRunError(results.takeError());
    MhaStatus status =
        kind == RunErrorKind::ShapeMismatch ? MHA_ERROR_INVALID_ARGUMENT
        : kind == RunErrorKind::OutOfMemory ? MHA_ERROR_OUT_OF_MEMORY
                                            : MHA_ERROR_RUNTIME;
    return fail(error, status, "run failed: " + message);
  }
  out = std::move(*results);
  return MHA_SUCCESS;
}
} // namespace

MhaStatus mhaFunctionRun(MhaFunction *function, const MhaBuffer *inputs,
                         int64_t numInputs, char **error) {
  if (error)
    *error = nullptr;
  if (!function || (numInputs > 0 && !inputs) || numInputs < 0)
    return fail(error, MHA_ERROR_INVALID_ARGUMENT,
                "mhaFunctionRun: null function or inputs");
  function->results.clear();
  std::vector<HostTensor> results;
  if (MhaStatus s = runHost(function, inputs, numInputs, results, error))
    return s;
  for (HostTensor &t : results)
    function->results.emplace_back(std::move(t));
  return MHA_SUCCESS;
}

MhaStatus mhaFunctionCall(MhaFunction *function, const MhaBuffer *inputs,
                          int64_t numInputs, MhaTensor **results,
                          int64_t numResults, char **error) {
  if (error)
    *error = nullptr;
  if (results)
    for (int64_t i = 0; i < numResults; ++i)
      results[i] = nullptr;
  if (!function || (numInputs > 0 && !inputs) || numInputs < 0 ||
      (numResults > 0 && !results))
    return fail(error, MHA_ERROR_INVALID_ARGUMENT,
                "mhaFunctionCall: null function, inputs or results");
  if (size_t(numResults) != function->signature.results.size())
    return fail(error, MHA_ERROR_INVALID_ARGUMENT,
                "@" + function->signature.name + " has " +
                    std::to_string(function->signature.results.size()) +
                    " results, but room for " + std::to_string(numResults) +
                    " was given");
  std::vector<HostTensor> out;
  if (MhaStatus s = runHost(function, inputs, numInputs, out, error))
    return s;
  for (int64_t i = 0; i < numResults; ++i) {
    results[i] = new (std::nothrow) MhaTensor{std::move(out[i])};
    if (!results[i]) {
      for (int64_t j = 0; j < i; ++j) {
        delete results[j];
        results[j] = nullptr;
      }
      return fail(error, MHA_ERROR_OUT_OF_MEMORY,
                  "out of memory taking the results");
    }
  }
  return MHA_SUCCESS;
}

MhaStatus mhaFunctionCallOnDevice(MhaFunction *function,
                                  const MhaBuffer *inputs, int64_t numInputs,
                                  const MhaBuffer *outputs, int64_t numOutputs,
                                  void *stream, char **error) {
  if (error)
    *error = nullptr;
  if (!function || (numInputs > 0 && !inputs) || numInputs < 0 ||
      (numOutputs > 0 && !outputs))
    return fail(error, MHA_ERROR_INVALID_ARGUMENT,
                "mhaFunctionCallOnDevice: null function, inputs or outputs");
  const EntrySignature &sig = function->signature;
  if (function->pipeline != PipelineKind::GPU)
    return fail(error, MHA_ERROR_INVALID_ARGUMENT,
                "mhaFunctionCallOnDevice: @" + sig.name + " was compiled " +
                    "for the " + pipelineName(function->pipeline).str() +
                    " pipeline; device buffers need a gpu function");
  if (size_t(numOutputs) != sig.results.size())
    return fail(error, MHA_ERROR_INVALID_ARGUMENT,
                "@" + sig.name + " has " + std::to_string(sig.results.size()) +
                    " results, but " + std::to_string(numOutputs) +
                    " output buffers were given");
  std::vector<TensorRef> outs;
  for (int64_t i = 0; i < numOutputs; ++i) {
    std::optional<TensorRef> ref;
    auto what = [&] { return "output " + std::to_string(i); };
    if (MhaStatus s = toTensorRef(outputs[i], what, ref, error))
      return s;
    outs.push_back(std::move(*ref));
  }
  std::vector<TensorRef> deviceInputs;
  if (MhaStatus s = toInputs(*function, inputs, numInputs, deviceInputs, error))
    return s;

  InFlight counted(*function);
  RuntimeLock lock(function->pipeline);
  if (!function->jit) {
    std::string reason = cudaUnusableReason();
    return fail(error, MHA_ERROR_RUNTIME,
                "run failed: " +
                    (reason.empty() ? function->unusable : reason));
  }
  // The compiled code's streams are the caller's while it runs.
  struct StreamScope {
    explicit StreamScope(void *stream) { mhaRuntimeSetCallStream(1, stream); }
    ~StreamScope() { mhaRuntimeSetCallStream(0, nullptr); }
  } scope(stream);
  auto results = function->jit->run(deviceInputs);
  if (!results) {
    auto [kind, message] = takeRunError(results.takeError());
    MhaStatus status =
        kind == RunErrorKind::ShapeMismatch ? MHA_ERROR_INVALID_ARGUMENT
        : kind == RunErrorKind::OutOfMemory ? MHA_ERROR_OUT_OF_MEMORY
                                            : MHA_ERROR_RUNTIME;
    return fail(error, status, "run failed: " + message);
  }
  for (int64_t i = 0; i < numOutputs; ++i) {
    const HostTensor &r = (*results)[i];
    if (outs[i].dtype != r.dtype || outs[i].shape != r.shape)
      return fail(error, MHA_ERROR_INVALID_ARGUMENT,
                  "output " + std::to_string(i) + ": expected " + r.describe() +
                      ", got " + outs[i].describe());
  }
  mhaRuntimeClearError();
  for (int64_t i = 0; i < numOutputs; ++i)
    if (!(*results)[i].bytes.empty())
      mgpuMemcpy(const_cast<void *>(outs[i].data),
                 const_cast<void *>((*results)[i].data()),
                 (*results)[i].bytes.size(), stream);
  mgpuStreamSynchronize(stream);
  if (const char *message = mhaRuntimeGetLastError()) {
    std::string text = message;
    mhaRuntimeClearError();
    return fail(error, MHA_ERROR_RUNTIME,
                "copying the results failed: " + text);
  }
  return MHA_SUCCESS;
}

int64_t mhaFunctionGetCallsInFlight(const MhaFunction *function) {
  return function ? function->inFlight.load(std::memory_order_relaxed) : -1;
}

MhaStatus mhaFunctionRunInto(MhaFunction *function, const MhaBuffer *inputs,
                             int64_t numInputs, const MhaBuffer *outputs,
                             int64_t numOutputs, char **error) {
  if (error)
    *error = nullptr;
  if (!function || (numOutputs > 0 && !outputs))
    return fail(error, MHA_ERROR_INVALID_ARGUMENT,
                "mhaFunctionRunInto: null function or outputs");
  if (size_t(numOutputs) != function->signature.results.size())
    return fail(error, MHA_ERROR_INVALID_ARGUMENT,
                "@" + function->signature.name + " has " +
                    std::to_string(function->signature.results.size()) +
                    " results, but " + std::to_string(numOutputs) +
                    " output buffers were given");
  if (MhaStatus s = mhaFunctionRun(function, inputs, numInputs, error))
    return s;
  MhaStatus status = MHA_SUCCESS;
  for (int64_t i = 0; i < numOutputs && status == MHA_SUCCESS; ++i) {
    const HostTensor &r = *function->results[i];
    const MhaBuffer &o = outputs[i];
    bool same = o.dtype == toC(r.dtype) && o.rank == int64_t(r.shape.size()) &&
                (o.rank == 0 || o.shape) && (r.bytes.empty() || o.data);
    for (int64_t d = 0; same && d < o.rank; ++d)
      same = o.shape[d] == r.shape[d];
    if (!same) {
      status =
          fail(error, MHA_ERROR_INVALID_ARGUMENT,
               "output " + std::to_string(i) + ": expected " + r.describe() +
                   ", got " + describe(o.dtype, o.rank, o.shape) +
                   (o.data ? "" : " with null data"));
      break;
    }
    if (!r.bytes.empty())
      std::memcpy(o.data, r.data(), r.bytes.size());
  }
  function->results.clear();
  return status;
}

MhaStatus mhaFunctionGetRunResult(MhaFunction *function, int64_t index,
                                  MhaBuffer *view) {
  if (!function || !view || index < 0 ||
      index >= int64_t(function->results.size()) || !function->results[index])
    return MHA_ERROR_INVALID_ARGUMENT;
  HostTensor &t = *function->results[index];
  *view = MhaBuffer{t.data(), toC(t.dtype), int64_t(t.shape.size()),
                    t.shape.data()};
  return MHA_SUCCESS;
}

MhaStatus mhaFunctionCopyResult(MhaFunction *function, int64_t index, void *dst,
                                size_t capacity) {
  if (!function || index < 0 || index >= int64_t(function->results.size()) ||
      !function->results[index])
    return MHA_ERROR_INVALID_ARGUMENT;
  const HostTensor &t = *function->results[index];
  if (t.bytes.size() > capacity || (!dst && !t.bytes.empty()))
    return MHA_ERROR_INVALID_ARGUMENT;
  if (!t.bytes.empty())
    std::memcpy(dst, t.data(), t.bytes.size());
  return MHA_SUCCESS;
}

MhaTensor *mhaFunctionTakeResult(MhaFunction *function, int64_t index) {
  if (!function || index < 0 || index >= int64_t(function->results.size()) ||
      !function->results[index])
    return nullptr;
  auto *tensor = new (std::nothrow) MhaTensor();
  if (!tensor)
    return nullptr;
  tensor->tensor = std::move(*function->results[index]);
  function->results[index].reset();
  return tensor;
}

//===----------------------------------------------------------------------===//
// Owned tensors
//===----------------------------------------------------------------------===//

MhaBuffer mhaTensorGetBuffer(MhaTensor *tensor) {
  if (!tensor)
    return MhaBuffer{nullptr, MHA_DTYPE_F32, 0, nullptr};
  HostTensor &t = tensor->tensor;
  return MhaBuffer{t.data(), toC(t.dtype), int64_t(t.shape.size()),
                   t.shape.data()};
}

size_t mhaTensorGetSizeInBytes(const MhaTensor *tensor) {
  return tensor ? tensor->tensor.bytes.size() : 0;
}

void mhaTensorDestroy(MhaTensor *tensor) { delete tensor; }
