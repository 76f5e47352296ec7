//===- RuntimeError.cpp - Errors of the runtime and of compiled code ------===//

#include "RuntimeError.h"

#include <atomic>
#include <cinttypes>
#include <cstdio>
#include <mutex>

using namespace mha::runtime;

namespace {
//===----------------------------------------------------------------------===//
// The process-wide sticky error (CUDA wrappers)
//===----------------------------------------------------------------------===//

struct ErrorState {
  std::mutex mutex;
  std::atomic<bool> pending{false};
  std::string message;
};

// Never destroyed: wrappers may run from global destructors at process exit
// (the JIT's and AOT libraries' module unloads), after this library's own
// static objects would be gone.
ErrorState &state() {
  static ErrorState *s = new ErrorState;
  return *s;
}

//===----------------------------------------------------------------------===//
// Call status (compiled code)
//===----------------------------------------------------------------------===//

/// The status of the current call of compiled code on one thread. The
/// generated code passes its address to the OpenMP workers of the call, so
/// every report of the call lands here whatever thread makes it. Trivially
/// destructible: the CUDA wrappers may report from global destructors.
struct CallStatus {
  /// 0 until an error is claimed; then the claimant writes `message` and
  /// publishes `kind`.
  std::atomic<int32_t> claimed;
  std::atomic<int32_t> kind;
  char message[512];

  void clear() {
    claimed.store(0, std::memory_order_relaxed);
    kind.store(MHA_RUNTIME_ERROR_NONE, std::memory_order_release);
    message[0] = 0;
  }
};

CallStatus &threadStatus() {
  thread_local CallStatus status{{0}, {MHA_RUNTIME_ERROR_NONE}, {0}};
  return status;
}
} // namespace

bool mha::runtime::hasError() {
  return state().pending.load(std::memory_order_acquire);
}

void mha::runtime::setError(const std::string &message) {
  reportCallError(&threadStatus(), MHA_RUNTIME_ERROR_DEVICE, message);
  ErrorState &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (s.pending.load(std::memory_order_relaxed))
    return;
  s.message = message;
  s.pending.store(true, std::memory_order_release);
}

void mha::runtime::reportCallError(void *status, MhaRuntimeErrorKind kind,
                                   const std::string &message) {
  auto *s = static_cast<CallStatus *>(status);
  int32_t expected = 0;
  if (!s->claimed.compare_exchange_strong(expected, 1,
                                          std::memory_order_acq_rel))
    return;
  std::snprintf(s->message, sizeof(s->message), "%s", message.c_str());
  s->kind.store(kind, std::memory_order_release);
}

//===----------------------------------------------------------------------===//
// C ABI
//===----------------------------------------------------------------------===//

extern "C" const char *mhaRuntimeGetLastError(void) {
  CallStatus &call = threadStatus();
  if (call.kind.load(std::memory_order_acquire) != MHA_RUNTIME_ERROR_NONE)
    return call.message;
  ErrorState &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  return s.pending.load(std::memory_order_relaxed) ? s.message.c_str()
                                                   : nullptr;
}

extern "C" int mhaRuntimeGetErrorKind(void) {
  int32_t kind = threadStatus().kind.load(std::memory_order_acquire);
  if (kind != MHA_RUNTIME_ERROR_NONE)
    return kind;
  return hasError() ? MHA_RUNTIME_ERROR_DEVICE : MHA_RUNTIME_ERROR_NONE;
}

extern "C" void mhaRuntimeClearError(void) {
  threadStatus().clear();
  ErrorState &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  s.pending.store(false, std::memory_order_release);
  s.message.clear();
}

extern "C" void *mhaRuntimeBeginCall(void) {
  CallStatus &status = threadStatus();
  status.clear();
  return &status;
}

extern "C" void *mhaRuntimeCallStatus(void) { return &threadStatus(); }

extern "C" int32_t mhaRuntimeCallFailed(void *status) {
  return static_cast<CallStatus *>(status)->claimed.load(
             std::memory_order_acquire) != 0;
}

extern "C" void mhaRuntimeReportShapeMismatch(void *status, const char *what,
                                              int64_t actual,
                                              const char *expectedFrom,
                                              int64_t expected) {
  char buffer[64];
  std::string message = "shape mismatch: ";
  message += what;
  std::snprintf(buffer, sizeof(buffer), " is %" PRId64 ", but ", actual);
  message += buffer;
  message += expectedFrom;
  std::snprintf(buffer, sizeof(buffer), " %" PRId64, expected);
  message += buffer;
  reportCallError(status, MHA_RUNTIME_ERROR_SHAPE_MISMATCH, message);
}
