//===- RuntimeError.h - Runtime and compiled-code errors --------*- C++ -*-===//
//
// Internal to libmha_runtime: the process-wide sticky error of the CUDA
// wrappers and the per-thread status of calls of compiled code; see
// include/mha/Runtime/Runtime.h.
//
//===----------------------------------------------------------------------===//

#ifndef MHA_LIB_RUNTIME_RUNTIMEERROR_H
#define MHA_LIB_RUNTIME_RUNTIMEERROR_H

#include "mha/Runtime/Runtime.h"

#include <string>

namespace mha::runtime {

/// True while an error is pending (a cheap check for every wrapper).
bool hasError();

/// Records `message` unless an error is already pending (the first one wins:
/// later failures are usually consequences of it), as the process-wide
/// error and as a device error of the calling thread's call.
void setError(const std::string &message);

/// Records `message` of `kind` in the call status `status` unless it
/// already holds an error; safe from several threads at once (the OpenMP
/// workers of one call).
void reportCallError(void *status, MhaRuntimeErrorKind kind,
                     const std::string &message);

} // namespace mha::runtime

#endif // MHA_LIB_RUNTIME_RUNTIMEERROR_H
