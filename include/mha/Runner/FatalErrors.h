//===- FatalErrors.h - LLVM fatal errors as recoverable errors --*- C++ -*-===//
//
// LLVM reports some errors (a target it cannot generate code for, a broken
// invariant in a back end) with report_fatal_error, which ends the process:
// a Python interpreter with it. The library entry points (the JIT, so the C
// API and Python) run the pipelines and code generation through
// runRecoveringFatalErrors, which turns such an error on the calling thread
// into an llvm::Error; the tools install a handler that prints it as their
// one error line. Inputs are checked before LLVM sees them wherever we can
// (GPUChip::checkFeatures, the pipeline options); this is the safety net.
// LLVM Support only.
//
//===----------------------------------------------------------------------===//

#ifndef MHA_RUNNER_FATALERRORS_H
#define MHA_RUNNER_FATALERRORS_H

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace mlir::mha::runner {

/// Installs the process's LLVM fatal-error handler (once; later calls only
/// set what it does outside runRecoveringFatalErrors): with a `toolName`,
/// a fatal error prints "<toolName>: error: <message>" and exits with
/// `exitCode`; without one, LLVM's own "LLVM ERROR: <message>" and exit.
void installFatalErrorHandler(llvm::StringRef toolName = "", int exitCode = 2);

/// Runs `fn`. A fatal LLVM error on this thread inside it returns an error
/// with LLVM's message instead of ending the process; `fn`'s frames are
/// abandoned, as llvm::CrashRecoveryContext does, so what it was building
/// must be discarded, and what those frames owned is leaked (LLVM's message
/// string among it; scripts/lsan-suppressions.txt tells LeakSanitizer).
/// Fatal errors on other threads are not caught.
llvm::Error runRecoveringFatalErrors(llvm::function_ref<void()> fn);

} // namespace mlir::mha::runner

#endif // MHA_RUNNER_FATALERRORS_H
