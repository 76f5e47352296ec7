//===- CudaRuntime.cpp - CUDA driver wrappers for compiled code -----------===//
//
// The mgpu* functions that MLIR 22's gpu-to-llvm and convert-nvgpu-to-nvvm
// emit calls to, written against the CUDA driver API. libcuda.so.1 is
// loaded with dlopen at first use (never linked), so this library loads on
// machines without a GPU. Failures never abort and never print: the first
// one is kept as the runtime's sticky error (RuntimeError.h), and later
// calls become no-ops that return null handles. Built without cuda.h,
// CudaRuntimeStubs.cpp takes its place.
//
//===----------------------------------------------------------------------===//

#include "RuntimeError.h"

#include "mha/Runtime/MemRefDescriptor.h"
#include "mha/Runtime/Runtime.h"

#include <cuda.h>
#include <dlfcn.h>

#include <atomic>
#include <cstring>
#include <initializer_list>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

using namespace mha::runtime;

namespace {

//===----------------------------------------------------------------------===//
// The driver
//===----------------------------------------------------------------------===//

// Driver entry points, resolved with dlsym. cuda.h #defines many API names to
// versioned symbols (cuMemAlloc -> cuMemAlloc_v2, cuStreamDestroy ->
// cuStreamDestroy_v2, ...). The names below go through those macros, so each
// member, and the symbol looked up (MHA_STRINGIFY), is the versioned one
// whose prototype cuda.h declares; `#name` (in MHA_CU) keeps the documented
// name for error messages.
#define MHA_CUDA_REQUIRED(X)                                                   \
  X(cuGetErrorName)                                                            \
  X(cuGetErrorString)                                                          \
  X(cuInit)                                                                    \
  X(cuDeviceGetCount)                                                          \
  X(cuDeviceGet)                                                               \
  X(cuDeviceGetName)                                                           \
  X(cuDeviceGetAttribute)                                                      \
  X(cuDevicePrimaryCtxRetain)                                                  \
  X(cuCtxGetCurrent)                                                           \
  X(cuCtxSetCurrent)                                                           \
  X(cuCtxSynchronize)                                                          \
  X(cuModuleLoadData)                                                          \
  X(cuModuleLoadDataEx)                                                        \
  X(cuModuleUnload)                                                            \
  X(cuModuleGetFunction)                                                       \
  X(cuFuncSetAttribute)                                                        \
  X(cuLaunchKernel)                                                            \
  X(cuStreamCreate)                                                            \
  X(cuStreamDestroy)                                                           \
  X(cuStreamSynchronize)                                                       \
  X(cuStreamWaitEvent)                                                         \
  X(cuEventCreate)                                                             \
  X(cuEventDestroy)                                                            \
  X(cuEventSynchronize)                                                        \
  X(cuEventRecord)                                                             \
  X(cuEventElapsedTime)                                                        \
  X(cuMemAlloc)                                                                \
  X(cuMemAllocManaged)                                                         \
  X(cuMemFree)                                                                 \
  X(cuMemcpyAsync)                                                             \
  X(cuMemcpyHtoD)                                                              \
  X(cuMemsetD32Async)                                                          \
  X(cuMemsetD16Async)                                                          \
  X(cuMemHostRegister)                                                         \
  X(cuMemHostUnregister)

// Newer than the rest (CUDA 12): missing ones fail only when used. Built
// with older headers, cluster launches and TMA descriptors are unavailable.
#if CUDA_VERSION >= 12000
#define MHA_HAVE_CUDA_12 1
#define MHA_CUDA_OPTIONAL(X)                                                   \
  X(cuLaunchKernelEx)                                                          \
  X(cuTensorMapEncodeTiled)
#else
#define MHA_HAVE_CUDA_12 0
#define MHA_CUDA_OPTIONAL(X)
#endif

#define MHA_STRINGIFY_TOKENS(tokens) #tokens
#define MHA_STRINGIFY(name) MHA_STRINGIFY_TOKENS(name)

constexpr const char *kDriverLibrary = "libcuda.so.1";

struct Driver {
#define MHA_DECLARE(name) decltype(&::name) name = nullptr;
  MHA_CUDA_REQUIRED(MHA_DECLARE)
  MHA_CUDA_OPTIONAL(MHA_DECLARE)
#undef MHA_DECLARE
  /// Why the GPU cannot be used (no driver, cuInit failed), or empty.
  std::string unusable;
  int deviceCount = 0;
};

std::string errorMessage(const Driver &d, CUresult result, const char *api,
                         const std::string &detail = "") {
  const char *name = nullptr, *text = nullptr;
  if (d.cuGetErrorName)
    d.cuGetErrorName(result, &name);
  if (d.cuGetErrorString)
    d.cuGetErrorString(result, &text);
  std::string message = "CUDA error ";
  message += name ? name : "CUresult " + std::to_string(result);
  if (text)
    message += std::string(" (") + text + ")";
  message += std::string(" in ") + api;
  if (!detail.empty())
    message += " (" + detail + ")";
  return message;
}

/// Records a failed call; true on success.
bool check(const Driver &d, CUresult result, const char *api,
           const std::string &detail = "") {
  if (result == CUDA_SUCCESS)
    return true;
  setError(errorMessage(d, result, api, detail));
  return false;
}

/// Same for releases: CUDA_ERROR_DEINITIALIZED is benign there (module
/// unloads and stream destroys run from global destructors at process exit,
/// when the driver may already be shutting down).
bool checkRelease(const Driver &d, CUresult result, const char *api) {
  if (result == CUDA_ERROR_DEINITIALIZED)
    return true;
  return check(d, result, api);
}

#define MHA_CU(d, name, ...) check(d, (d).name(__VA_ARGS__), #name)
#define MHA_CU_RELEASE(d, name, ...)                                           \
  checkRelease(d, (d).name(__VA_ARGS__), #name)

void load(Driver &d) {
  void *handle = dlopen(kDriverLibrary, RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char *why = dlerror();
    d.unusable = std::string("cannot load the CUDA driver library ") +
                 kDriverLibrary + ": " + (why ? why : "unknown error") +
                 "; is the NVIDIA driver installed?";
    return;
  }
#define MHA_RESOLVE(name)                                                      \
  d.name =                                                                     \
      reinterpret_cast<decltype(d.name)>(dlsym(handle, MHA_STRINGIFY(name)));
  MHA_CUDA_REQUIRED(MHA_RESOLVE)
  MHA_CUDA_OPTIONAL(MHA_RESOLVE)
#undef MHA_RESOLVE
  // cuEventElapsedTime_v2 is CUDA 12.8+; the original has the same type.
  if (!d.cuEventElapsedTime)
    d.cuEventElapsedTime = reinterpret_cast<decltype(d.cuEventElapsedTime)>(
        dlsym(handle, "cuEventElapsedTime"));
  std::string missing;
#define MHA_REQUIRE(name)                                                      \
  if (!d.name)                                                                 \
    missing += std::string(missing.empty() ? "" : ", ") + MHA_STRINGIFY(name);
  MHA_CUDA_REQUIRED(MHA_REQUIRE)
#undef MHA_REQUIRE
  if (!missing.empty()) {
    d.unusable = std::string("the CUDA driver library ") + kDriverLibrary +
                 " does not export " + missing +
                 "; the NVIDIA driver is too old";
    return;
  }
  if (CUresult r = d.cuInit(0)) {
    d.unusable = errorMessage(d, r, "cuInit");
    return;
  }
  if (CUresult r = d.cuDeviceGetCount(&d.deviceCount))
    d.unusable = errorMessage(d, r, "cuDeviceGetCount");
}

// Never destroyed (like all state here): the wrappers run from global
// destructors at process exit.
Driver &driver() {
  static Driver *d = [] {
    auto *d = new Driver;
    load(*d);
    return d;
  }();
  return *d;
}

//===----------------------------------------------------------------------===//
// Devices and contexts
//===----------------------------------------------------------------------===//

std::atomic<int> defaultDevice{0};

struct State {
  std::mutex mutex;
  /// Primary contexts, retained once per device and never released.
  std::map<int, CUcontext> contexts;
  /// Dynamic shared memory each kernel was configured for.
  std::unordered_map<CUfunction, int32_t> sharedMemory;
  /// TMA descriptors copied to the device, by device and contents.
  std::map<std::string, CUdeviceptr> tensorMaps;
};

State &state() {
  static State *s = new State;
  return *s;
}

bool checkDevice(const Driver &d, int device) {
  if (device >= 0 && device < d.deviceCount)
    return true;
  setError("CUDA device " + std::to_string(device) +
           " does not exist (the driver reports " +
           std::to_string(d.deviceCount) + " device" +
           (d.deviceCount == 1 ? "" : "s") + ")");
  return false;
}

CUcontext primaryContext(Driver &d, int device) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  auto it = s.contexts.find(device);
  if (it != s.contexts.end())
    return it->second;
  CUdevice handle;
  CUcontext context = nullptr;
  if (!checkDevice(d, device) || !MHA_CU(d, cuDeviceGet, &handle, device) ||
      !MHA_CU(d, cuDevicePrimaryCtxRetain, &context, handle))
    return nullptr;
  s.contexts[device] = context;
  return context;
}

/// Makes the primary context of the default device current on the calling
/// thread.
bool makeCurrent(Driver &d, bool release) {
  CUcontext context = primaryContext(d, defaultDevice.load());
  if (!context)
    return false;
  CUcontext current = nullptr;
  if (d.cuCtxGetCurrent(&current) == CUDA_SUCCESS && current == context)
    return true;
  return release ? MHA_CU_RELEASE(d, cuCtxSetCurrent, context)
                 : MHA_CU(d, cuCtxSetCurrent, context);
}

/// The driver, ready for a call on the calling thread; null (and the error
/// set) when the GPU cannot be used, and null while an error is pending:
/// after a failure, calls that create or enqueue work are skipped.
Driver *enter() {
  if (hasError())
    return nullptr;
  Driver &d = driver();
  if (!d.unusable.empty()) {
    setError(d.unusable);
    return nullptr;
  }
  return makeCurrent(d, /*release=*/false) ? &d : nullptr;
}

/// For calls that release or wait on a valid handle: they run even while an
/// error is pending, so a failed run neither leaks nor leaves copies into
/// host memory in flight.
Driver *enterForRelease() {
  Driver &d = driver();
  if (!d.unusable.empty())
    return nullptr; // Nothing can have been created.
  return makeCurrent(d, /*release=*/true) ? &d : nullptr;
}

/// Enables `bytes` of dynamic shared memory for `function` (needed above the
/// default 48 KiB), once per function and size.
bool configureSharedMemory(Driver &d, CUfunction function, int32_t bytes) {
  if (bytes < 0) {
    setError("invalid kernel launch: " + std::to_string(bytes) +
             " bytes of dynamic shared memory");
    return false;
  }
  if (bytes == 0)
    return true;
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  int32_t &configured = s.sharedMemory[function];
  if (configured >= bytes)
    return true;
  int device = defaultDevice.load(), limit = 0;
  CUdevice handle;
  if (!MHA_CU(d, cuDeviceGet, &handle, device) ||
      !MHA_CU(d, cuDeviceGetAttribute, &limit,
              CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN, handle))
    return false;
  if (bytes > limit) {
    setError("invalid kernel launch: " + std::to_string(bytes) +
             " bytes of dynamic shared memory requested, CUDA device " +
             std::to_string(device) + " allows at most " +
             std::to_string(limit) + " per block");
    return false;
  }
  if (!MHA_CU(d, cuFuncSetAttribute, function,
              CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes))
    return false;
  configured = bytes;
  return true;
}

/// Checks grid/block/cluster sizes (index values) and narrows them.
bool launchDims(const char *what, std::initializer_list<intptr_t> dims,
                unsigned *out) {
  for (intptr_t v : dims) {
    if (v <= 0 || v > intptr_t(UINT32_MAX)) {
      setError(std::string("invalid kernel launch: ") + what + " size " +
               std::to_string(v));
      return false;
    }
    *out++ = unsigned(v);
  }
  return true;
}

//===----------------------------------------------------------------------===//
// Kernel timing
//===----------------------------------------------------------------------===//

struct Timing {
  std::atomic<bool> enabled{false};
  std::mutex mutex;
  std::vector<std::pair<CUevent, CUevent>> pending;
};

Timing &timing() {
  static Timing *t = new Timing;
  return *t;
}

/// Runs `launch` between two recorded events when timing is enabled.
template <typename Launch>
void timedLaunch(Driver &d, CUstream stream, Launch launch) {
  if (!timing().enabled.load()) {
    launch();
    return;
  }
  CUevent start = nullptr, stop = nullptr;
  bool ok = MHA_CU(d, cuEventCreate, &start, CU_EVENT_DEFAULT) &&
            MHA_CU(d, cuEventCreate, &stop, CU_EVENT_DEFAULT) &&
            MHA_CU(d, cuEventRecord, start, stream) && launch() &&
            MHA_CU(d, cuEventRecord, stop, stream);
  if (ok) {
    std::lock_guard<std::mutex> lock(timing().mutex);
    timing().pending.emplace_back(start, stop);
    return;
  }
  if (start)
    d.cuEventDestroy(start);
  if (stop)
    d.cuEventDestroy(stop);
}

CUdeviceptr devicePointer(void *p) { return reinterpret_cast<CUdeviceptr>(p); }

} // namespace

//===----------------------------------------------------------------------===//
// Queries
//===----------------------------------------------------------------------===//

extern "C" int mhaRuntimeHasCudaSupport(void) { return 1; }

extern "C" int mhaRuntimeDeviceCount(void) {
  Driver &d = driver();
  if (!d.unusable.empty()) {
    setError(d.unusable);
    return 0;
  }
  return d.deviceCount;
}

extern "C" int mhaRuntimeDeviceName(int device, char *buf, int len) {
  Driver &d = driver();
  if (!d.unusable.empty()) {
    setError(d.unusable);
    return -1;
  }
  if (!buf || len <= 0) {
    setError("mhaRuntimeDeviceName: no buffer for the name");
    return -1;
  }
  CUdevice handle;
  if (!checkDevice(d, device) || !MHA_CU(d, cuDeviceGet, &handle, device) ||
      !MHA_CU(d, cuDeviceGetName, buf, len, handle))
    return -1;
  buf[len - 1] = '\0';
  return 0;
}

extern "C" int mhaRuntimeComputeCapability(int device) {
  Driver &d = driver();
  if (!d.unusable.empty()) {
    setError(d.unusable);
    return -1;
  }
  CUdevice handle;
  int major = 0, minor = 0;
  if (!checkDevice(d, device) || !MHA_CU(d, cuDeviceGet, &handle, device) ||
      !MHA_CU(d, cuDeviceGetAttribute, &major,
              CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, handle) ||
      !MHA_CU(d, cuDeviceGetAttribute, &minor,
              CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, handle))
    return -1;
  return 10 * major + minor;
}

extern "C" int64_t mhaRuntimeNumSMs(int64_t fallback) {
  // Compiled code asks before its first GPU call: no error of its own (the
  // calls that follow report a missing driver or device).
  Driver &d = driver();
  int device = defaultDevice.load(), count = 0;
  CUdevice handle;
  if (!d.unusable.empty() || device < 0 || device >= d.deviceCount ||
      d.cuDeviceGet(&handle, device) != CUDA_SUCCESS ||
      d.cuDeviceGetAttribute(&count, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT,
                             handle) != CUDA_SUCCESS ||
      count <= 0)
    return fallback;
  return count;
}

extern "C" int mhaRuntimeSynchronize(void) {
  Driver &d = driver();
  if (!d.unusable.empty()) {
    setError(d.unusable);
    return -1;
  }
  if (!makeCurrent(d, /*release=*/false) ||
      !check(d, d.cuCtxSynchronize(), "cuCtxSynchronize"))
    return -1;
  return 0;
}

//===----------------------------------------------------------------------===//
// Kernel timing
//===----------------------------------------------------------------------===//

extern "C" void mhaRuntimeSetKernelTiming(int enable) {
  timing().enabled.store(enable != 0);
}

extern "C" double mhaRuntimeTakeKernelMilliseconds(void) {
  std::vector<std::pair<CUevent, CUevent>> pending;
  {
    std::lock_guard<std::mutex> lock(timing().mutex);
    pending.swap(timing().pending);
  }
  if (pending.empty())
    return 0.0;
  Driver *d = enterForRelease();
  if (!d) {
    setError("mhaRuntimeTakeKernelMilliseconds: the CUDA driver is not usable");
    return -1.0;
  }
  double total = 0.0;
  bool ok = true;
  for (auto [start, stop] : pending) {
    float ms = 0.0f;
    ok = ok && MHA_CU(*d, cuEventSynchronize, stop) &&
         MHA_CU(*d, cuEventElapsedTime, &ms, start, stop);
    total += ms;
    d->cuEventDestroy(start);
    d->cuEventDestroy(stop);
  }
  return ok ? total : -1.0;
}

//===----------------------------------------------------------------------===//
// Modules and launches
//===----------------------------------------------------------------------===//

extern "C" void *mgpuModuleLoad(void *data, uint64_t size) {
  Driver *d = enter();
  CUmodule module = nullptr;
  if (d && !check(*d, d->cuModuleLoadData(&module, data), "cuModuleLoadData",
                  "loading a GPU binary of " + std::to_string(size) + " bytes"))
    module = nullptr;
  return module;
}

extern "C" void *mgpuModuleLoadJIT(void *data, int32_t optLevel) {
  Driver *d = enter();
  if (!d)
    return nullptr;
  char log[8192] = {0};
  CUjit_option options[] = {CU_JIT_ERROR_LOG_BUFFER,
                            CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
                            CU_JIT_OPTIMIZATION_LEVEL};
  void *values[] = {log, reinterpret_cast<void *>(sizeof(log)),
                    reinterpret_cast<void *>(intptr_t(optLevel))};
  CUmodule module = nullptr;
  CUresult result = d->cuModuleLoadDataEx(&module, data, 3, options, values);
  if (result != CUDA_SUCCESS) {
    std::string detail = "JIT-compiling PTX";
    if (log[0])
      detail += ": " + std::string(log);
    check(*d, result, "cuModuleLoadDataEx", detail);
    return nullptr;
  }
  return module;
}

extern "C" void mgpuModuleUnload(void *module) {
  if (!module)
    return;
  Driver *d = enterForRelease();
  if (!d)
    return;
  {
    // Function handles of the module die with it.
    std::lock_guard<std::mutex> lock(state().mutex);
    state().sharedMemory.clear();
  }
  MHA_CU_RELEASE(*d, cuModuleUnload, static_cast<CUmodule>(module));
}

extern "C" void *mgpuModuleGetFunction(void *module, const char *name) {
  Driver *d = enter();
  if (!d)
    return nullptr;
  if (!module) {
    setError(std::string("cannot get GPU kernel '") + (name ? name : "") +
             "': its module is not loaded (loading the GPU binary failed)");
    return nullptr;
  }
  CUfunction function = nullptr;
  if (!check(*d,
             d->cuModuleGetFunction(&function, static_cast<CUmodule>(module),
                                    name),
             "cuModuleGetFunction",
             std::string("kernel '") + (name ? name : "") + "'"))
    return nullptr;
  return function;
}

extern "C" void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                                 intptr_t gridZ, intptr_t blockX,
                                 intptr_t blockY, intptr_t blockZ,
                                 int32_t sharedMemoryBytes, void *stream,
                                 void **params, void **extra,
                                 size_t /*paramsCount*/) {
  Driver *d = enter();
  if (!d)
    return;
  if (!function) {
    setError("mgpuLaunchKernel: no kernel function");
    return;
  }
  unsigned dims[6];
  auto f = static_cast<CUfunction>(function);
  auto s = static_cast<CUstream>(stream);
  if (!launchDims("grid", {gridX, gridY, gridZ}, dims) ||
      !launchDims("block", {blockX, blockY, blockZ}, dims + 3) ||
      !configureSharedMemory(*d, f, sharedMemoryBytes))
    return;
  timedLaunch(*d, s, [&] {
    return MHA_CU(*d, cuLaunchKernel, f, dims[0], dims[1], dims[2], dims[3],
                  dims[4], dims[5], unsigned(sharedMemoryBytes), s, params,
                  extra);
  });
}

extern "C" void mgpuLaunchClusterKernel(void *function, intptr_t clusterX,
                                        intptr_t clusterY, intptr_t clusterZ,
                                        intptr_t gridX, intptr_t gridY,
                                        intptr_t gridZ, intptr_t blockX,
                                        intptr_t blockY, intptr_t blockZ,
                                        int32_t sharedMemoryBytes, void *stream,
                                        void **params, void **extra) {
  Driver *d = enter();
  if (!d)
    return;
  if (!function) {
    setError("mgpuLaunchClusterKernel: no kernel function");
    return;
  }
#if !MHA_HAVE_CUDA_12
  setError("cluster launches need CUDA 12; mha_runtime was built with the "
           "headers of CUDA " +
           std::to_string(CUDA_VERSION));
#else
  if (!d->cuLaunchKernelEx) {
    setError("cluster launches need cuLaunchKernelEx (CUDA 12), which the "
             "NVIDIA driver does not export");
    return;
  }
  unsigned dims[9];
  auto f = static_cast<CUfunction>(function);
  auto s = static_cast<CUstream>(stream);
  if (!launchDims("cluster", {clusterX, clusterY, clusterZ}, dims) ||
      !launchDims("grid", {gridX, gridY, gridZ}, dims + 3) ||
      !launchDims("block", {blockX, blockY, blockZ}, dims + 6) ||
      !configureSharedMemory(*d, f, sharedMemoryBytes))
    return;
  // Clusters of more than 8 blocks are "non-portable" and must be allowed.
  if (dims[0] * dims[1] * dims[2] > 8 &&
      !MHA_CU(*d, cuFuncSetAttribute, f,
              CU_FUNC_ATTRIBUTE_NON_PORTABLE_CLUSTER_SIZE_ALLOWED, 1))
    return;
  CUlaunchAttribute attribute;
  std::memset(&attribute, 0, sizeof(attribute));
  attribute.id = CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION;
  attribute.value.clusterDim.x = dims[0];
  attribute.value.clusterDim.y = dims[1];
  attribute.value.clusterDim.z = dims[2];
  CUlaunchConfig config;
  std::memset(&config, 0, sizeof(config));
  config.gridDimX = dims[3];
  config.gridDimY = dims[4];
  config.gridDimZ = dims[5];
  config.blockDimX = dims[6];
  config.blockDimY = dims[7];
  config.blockDimZ = dims[8];
  config.sharedMemBytes = unsigned(sharedMemoryBytes);
  config.hStream = s;
  config.attrs = &attribute;
  config.numAttrs = 1;
  timedLaunch(*d, s, [&] {
    return MHA_CU(*d, cuLaunchKernelEx, &config, f, params, extra);
  });
#endif
}

//===----------------------------------------------------------------------===//
// Streams and events
//===----------------------------------------------------------------------===//

namespace {
/// The caller's stream of this thread's calls (mhaRuntimeSetCallStream).
struct CallStream {
  bool active;
  void *stream;
};
CallStream &callStream() {
  thread_local CallStream s{false, nullptr};
  return s;
}
} // namespace

extern "C" void mhaRuntimeSetCallStream(int active, void *stream) {
  callStream() = CallStream{active != 0, active ? stream : nullptr};
}

extern "C" void *mgpuStreamCreate(void) {
  if (callStream().active)
    return callStream().stream;
  Driver *d = enter();
  CUstream stream = nullptr;
  if (d && !MHA_CU(*d, cuStreamCreate, &stream, CU_STREAM_NON_BLOCKING))
    stream = nullptr;
  return stream;
}

extern "C" void mgpuStreamDestroy(void *stream) {
  if (callStream().active && stream == callStream().stream)
    return; // the caller's
  Driver *d = stream ? enterForRelease() : nullptr;
  if (d)
    MHA_CU_RELEASE(*d, cuStreamDestroy, static_cast<CUstream>(stream));
}

extern "C" void mgpuStreamSynchronize(void *stream) {
  // The caller's stream may be the legacy default stream (null).
  bool callers = callStream().active && stream == callStream().stream;
  Driver *d = stream || callers ? enterForRelease() : nullptr;
  if (d)
    MHA_CU_RELEASE(*d, cuStreamSynchronize, static_cast<CUstream>(stream));
}

extern "C" void mgpuStreamWaitEvent(void *stream, void *event) {
  Driver *d = enter();
  if (d && stream && event)
    MHA_CU(*d, cuStreamWaitEvent, static_cast<CUstream>(stream),
           static_cast<CUevent>(event), 0);
}

extern "C" void *mgpuEventCreate(void) {
  Driver *d = enter();
  CUevent event = nullptr;
  if (d && !MHA_CU(*d, cuEventCreate, &event, CU_EVENT_DISABLE_TIMING))
    event = nullptr;
  return event;
}

extern "C" void mgpuEventDestroy(void *event) {
  Driver *d = event ? enterForRelease() : nullptr;
  if (d)
    MHA_CU_RELEASE(*d, cuEventDestroy, static_cast<CUevent>(event));
}

extern "C" void mgpuEventSynchronize(void *event) {
  Driver *d = event ? enterForRelease() : nullptr;
  if (d)
    MHA_CU_RELEASE(*d, cuEventSynchronize, static_cast<CUevent>(event));
}

extern "C" void mgpuEventRecord(void *event, void *stream) {
  Driver *d = enter();
  if (d && event)
    MHA_CU(*d, cuEventRecord, static_cast<CUevent>(event),
           static_cast<CUstream>(stream));
}

//===----------------------------------------------------------------------===//
// Memory
//===----------------------------------------------------------------------===//

extern "C" void *mgpuMemAlloc(uint64_t sizeBytes, void * /*stream*/,
                              uint8_t hostShared) {
  Driver *d = enter();
  if (!d || sizeBytes == 0)
    return nullptr;
  CUdeviceptr ptr = 0;
  std::string detail = std::to_string(sizeBytes) + " bytes";
  bool ok =
      hostShared != 0
          ? check(*d,
                  d->cuMemAllocManaged(&ptr, sizeBytes, CU_MEM_ATTACH_GLOBAL),
                  "cuMemAllocManaged", detail)
          : check(*d, d->cuMemAlloc(&ptr, sizeBytes), "cuMemAlloc", detail);
  return ok ? reinterpret_cast<void *>(ptr) : nullptr;
}

extern "C" void mgpuMemFree(void *ptr, void * /*stream*/) {
  Driver *d = ptr ? enterForRelease() : nullptr;
  if (d)
    MHA_CU_RELEASE(*d, cuMemFree, devicePointer(ptr));
}

extern "C" void mgpuMemcpy(void *dst, void *src, size_t sizeBytes,
                           void *stream) {
  Driver *d = enter();
  if (!d || sizeBytes == 0)
    return;
  if (!dst || !src) {
    setError("mgpuMemcpy: null pointer");
    return;
  }
  MHA_CU(*d, cuMemcpyAsync, devicePointer(dst), devicePointer(src), sizeBytes,
         static_cast<CUstream>(stream));
}

extern "C" void mgpuMemset32(void *dst, uint32_t value, size_t count,
                             void *stream) {
  Driver *d = enter();
  if (!d || count == 0)
    return;
  if (!dst) {
    setError("mgpuMemset32: null pointer");
    return;
  }
  MHA_CU(*d, cuMemsetD32Async, devicePointer(dst), value, count,
         static_cast<CUstream>(stream));
}

extern "C" void mgpuMemset16(void *dst, uint16_t value, size_t count,
                             void *stream) {
  Driver *d = enter();
  if (!d || count == 0)
    return;
  if (!dst) {
    setError("mgpuMemset16: null pointer");
    return;
  }
  MHA_CU(*d, cuMemsetD16Async, devicePointer(dst), value, count,
         static_cast<CUstream>(stream));
}

extern "C" void mgpuMemHostRegister(void *ptr, uint64_t sizeBytes) {
  Driver *d = enter();
  if (d && ptr && sizeBytes)
    MHA_CU(*d, cuMemHostRegister, ptr, sizeBytes, 0);
}

extern "C" void mgpuMemHostRegisterMemRef(int64_t rank, void *descriptor,
                                          int64_t elementSizeBytes) {
  if (hasError())
    return;
  Descriptor m{static_cast<const int64_t *>(descriptor), rank};
  // Only dense memrefs: one contiguous range of host memory.
  int64_t elements = 1;
  for (int64_t i = rank - 1; i >= 0; --i) {
    if (m.size(i) != 1 && m.stride(i) != elements) {
      setError("gpu.host_register: only memrefs with a dense layout can be "
               "registered (dim " +
               std::to_string(i) + " has stride " +
               std::to_string(m.stride(i)) + ", expected " +
               std::to_string(elements) + ")");
      return;
    }
    elements *= m.size(i);
  }
  mgpuMemHostRegister(m.base(elementSizeBytes), elements * elementSizeBytes);
}

extern "C" void mgpuMemHostUnregister(void *ptr) {
  Driver *d = ptr ? enterForRelease() : nullptr;
  if (!d)
    return;
  CUresult result = d->cuMemHostUnregister(ptr);
  // After a failure the memory may never have been registered.
  if (result != CUDA_ERROR_HOST_MEMORY_NOT_REGISTERED || !hasError())
    checkRelease(*d, result, "cuMemHostUnregister");
}

extern "C" void mgpuMemHostUnregisterMemRef(int64_t rank, void *descriptor,
                                            int64_t elementSizeBytes) {
  Descriptor m{static_cast<const int64_t *>(descriptor), rank};
  for (int64_t i = 0; i < rank; ++i)
    if (m.size(i) == 0)
      return;
  mgpuMemHostUnregister(m.base(elementSizeBytes));
}

extern "C" void mgpuSetDefaultDevice(int32_t device) {
  defaultDevice.store(device);
}

//===----------------------------------------------------------------------===//
// TMA descriptors
//===----------------------------------------------------------------------===//

#if MHA_HAVE_CUDA_12
/// cuTensorMapEncodeTiled into `map` with checks; false after an error.
/// Dims are innermost first; strides (bytes) are those of dims 1..rank-1.
static bool encodeTensorMap(Driver &d, CUtensorMap *map, int64_t dataType,
                            int64_t rank, void *global,
                            const cuuint64_t *globalDim,
                            const cuuint64_t *globalStrides,
                            const cuuint32_t *boxDim, int64_t interleave,
                            int64_t swizzle, int64_t l2Promotion,
                            int64_t oobFill) {
  if (!d.cuTensorMapEncodeTiled) {
    setError("TMA descriptors need cuTensorMapEncodeTiled (CUDA 12), which "
             "the NVIDIA driver does not export");
    return false;
  }
  cuuint32_t elementStrides[5] = {1, 1, 1, 1, 1};
  std::memset(map, 0, sizeof(*map));
  return check(d,
               d.cuTensorMapEncodeTiled(map, CUtensorMapDataType(dataType),
                                        cuuint32_t(rank), global, globalDim,
                                        globalStrides, boxDim, elementStrides,
                                        CUtensorMapInterleave(interleave),
                                        CUtensorMapSwizzle(swizzle),
                                        CUtensorMapL2promotion(l2Promotion),
                                        CUtensorMapFloatOOBfill(oobFill)),
               "cuTensorMapEncodeTiled");
}
#endif

/// Bytes per element of CUtensorMapDataType UINT8 .. TFLOAT32_FTZ, or 0.
static int64_t tensorMapElementBytes(int64_t dataType) {
  static const int64_t elementBytes[] = {1, 2, 4, 4, 8, 8, 2, 4, 8, 2, 4, 4, 4};
  constexpr int64_t numTypes = sizeof(elementBytes) / sizeof(elementBytes[0]);
  return dataType < 0 || dataType >= numTypes ? 0 : elementBytes[dataType];
}

extern "C" void *mgpuTensorMapEncodeTiledMemref(
    int64_t rank, void *descriptor, int64_t dataType, int64_t interleave,
    int64_t swizzle, int64_t l2Promotion, int64_t oobFill, int64_t *boxDims) {
  Driver *d = enter();
  if (!d)
    return nullptr;
#if !MHA_HAVE_CUDA_12
  setError("TMA descriptors need CUDA 12; mha_runtime was built with the "
           "headers of CUDA " +
           std::to_string(CUDA_VERSION));
  return nullptr;
#else
  int64_t bytes = tensorMapElementBytes(dataType);
  if (rank < 1 || rank > 5 || bytes == 0) {
    setError("mgpuTensorMapEncodeTiledMemref: unsupported rank " +
             std::to_string(rank) + " or data type " +
             std::to_string(dataType) + " (rank 1-5, CUtensorMapDataType " +
             "UINT8 to TFLOAT32_FTZ)");
    return nullptr;
  }
  Descriptor m{static_cast<const int64_t *>(descriptor), rank};
  // The driver orders dims innermost first; strides (in bytes) are given for
  // dims 1..rank-1.
  cuuint64_t globalDim[5] = {0}, globalStrides[5] = {0};
  cuuint32_t boxDim[5] = {0};
  for (int64_t r = 0; r < rank; ++r) {
    int64_t dim = rank - 1 - r;
    globalDim[r] = cuuint64_t(m.size(dim));
    boxDim[r] = cuuint32_t(boxDims[dim]);
    if (r > 0)
      globalStrides[r - 1] = cuuint64_t(m.stride(dim) * bytes);
  }
  CUtensorMap map;
  if (!encodeTensorMap(*d, &map, dataType, rank, m.base(bytes), globalDim,
                       globalStrides, boxDim, interleave, swizzle, l2Promotion,
                       oobFill))
    return nullptr;
  // Kernels read the descriptor from device memory. Equal descriptors (the
  // same tensor on every call of a function) share one copy, so repeated
  // runs neither leak nor allocate. The copy is synchronous for the host
  // only: the legacy stream it is on is unordered with non-blocking
  // streams, so it is waited for before the descriptor is handed out. (The
  // host code of convert-mha-to-gpu uses mhaRuntimeEncodeTensorMap2D and
  // copies on its own stream instead.)
  std::string key(reinterpret_cast<const char *>(&map), sizeof(map));
  key += "@" + std::to_string(defaultDevice.load());
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  CUdeviceptr &copy = s.tensorMaps[key];
  if (!copy && !(MHA_CU(*d, cuMemAlloc, &copy, sizeof(map)) &&
                 MHA_CU(*d, cuMemcpyHtoD, copy, &map, sizeof(map)) &&
                 MHA_CU(*d, cuStreamSynchronize, nullptr))) {
    if (copy)
      d->cuMemFree(copy);
    s.tensorMaps.erase(key);
    return nullptr;
  }
  return reinterpret_cast<void *>(copy);
#endif
}

extern "C" void mhaRuntimeEncodeTensorMap2D(void *map, int64_t dataType,
                                            void *global, int64_t rows,
                                            int64_t cols,
                                            int64_t rowStrideBytes,
                                            int64_t boxRows, int64_t boxCols) {
  Driver *d = enter();
  if (!d)
    return;
#if !MHA_HAVE_CUDA_12
  setError("TMA descriptors need CUDA 12; mha_runtime was built with the "
           "headers of CUDA " +
           std::to_string(CUDA_VERSION));
#else
  if (!map || tensorMapElementBytes(dataType) == 0) {
    setError("mhaRuntimeEncodeTensorMap2D: no output or unsupported data "
             "type " +
             std::to_string(dataType) +
             " (CUtensorMapDataType UINT8 to TFLOAT32_FTZ)");
    return;
  }
  cuuint64_t globalDim[2] = {cuuint64_t(cols), cuuint64_t(rows)};
  cuuint64_t globalStrides[1] = {cuuint64_t(rowStrideBytes)};
  cuuint32_t boxDim[2] = {cuuint32_t(boxCols), cuuint32_t(boxRows)};
  encodeTensorMap(*d, static_cast<CUtensorMap *>(map), dataType, 2, global,
                  globalDim, globalStrides, boxDim,
                  CU_TENSOR_MAP_INTERLEAVE_NONE, CU_TENSOR_MAP_SWIZZLE_NONE,
                  CU_TENSOR_MAP_L2_PROMOTION_NONE,
                  CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
#endif
}
