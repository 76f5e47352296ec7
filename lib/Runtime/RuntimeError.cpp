//===- RuntimeError.cpp - The process-wide sticky error -------------------===//

#include "RuntimeError.h"

#include "mha/Runtime/Runtime.h"

#include <atomic>
#include <mutex>

using namespace mha::runtime;

namespace {
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
} // namespace

bool mha::runtime::hasError() {
  return state().pending.load(std::memory_order_acquire);
}

void mha::runtime::setError(const std::string &message) {
  ErrorState &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (s.pending.load(std::memory_order_relaxed))
    return;
  s.message = message;
  s.pending.store(true, std::memory_order_release);
}

extern "C" const char *mhaRuntimeGetLastError(void) {
  ErrorState &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  return s.pending.load(std::memory_order_relaxed) ? s.message.c_str()
                                                   : nullptr;
}

extern "C" void mhaRuntimeClearError(void) {
  ErrorState &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  s.pending.store(false, std::memory_order_release);
  s.message.clear();
}
