//===- FatalErrors.cpp - LLVM fatal errors as recoverable errors ----------===//

#include "mha/Runner/FatalErrors.h"

#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/raw_ostream.h"

#include <csetjmp>
#include <cstdlib>
#include <mutex>
#include <string>

using namespace mlir::mha::runner;

namespace {
/// Where a fatal error on this thread goes back to, and its message.
struct RecoveryPoint {
  std::jmp_buf buffer;
  std::string message;
};
thread_local RecoveryPoint *recoveryPoint = nullptr;

std::mutex toolMutex;
std::string toolName;
int toolExitCode = 2;

void handleFatalError(void *, const char *reason, bool) {
  if (RecoveryPoint *point = recoveryPoint) {
    point->message = reason;
    std::longjmp(point->buffer, 1);
  }
  std::string name;
  int exitCode;
  {
    std::lock_guard<std::mutex> lock(toolMutex);
    name = toolName;
    exitCode = toolExitCode;
  }
  if (name.empty()) {
    // What LLVM prints without a handler; LLVM then exits.
    llvm::errs() << "LLVM ERROR: " << reason << "\n";
    return;
  }
  llvm::errs() << name << ": error: " << reason << "\n";
  std::exit(exitCode);
}
} // namespace

void mlir::mha::runner::installFatalErrorHandler(llvm::StringRef name,
                                                 int exitCode) {
  static std::once_flag once;
  std::call_once(once,
                 [] { llvm::install_fatal_error_handler(handleFatalError); });
  if (name.empty())
    return;
  std::lock_guard<std::mutex> lock(toolMutex);
  toolName = name.str();
  toolExitCode = exitCode;
}

llvm::Error
mlir::mha::runner::runRecoveringFatalErrors(llvm::function_ref<void()> fn) {
  installFatalErrorHandler();
  RecoveryPoint point;
  RecoveryPoint *outer = recoveryPoint;
  recoveryPoint = &point;
  if (setjmp(point.buffer) != 0) {
    recoveryPoint = outer;
    return llvm::createStringError("LLVM error: " + point.message);
  }
  fn();
  recoveryPoint = outer;
  return llvm::Error::success();
}
