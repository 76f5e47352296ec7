//===- RuntimeError.h - The process-wide sticky error -----------*- C++ -*-===//
//
// Internal to libmha_runtime: the first failure is kept until
// mhaRuntimeClearError(); see include/mha/Runtime/Runtime.h.
//
//===----------------------------------------------------------------------===//

#ifndef MHA_LIB_RUNTIME_RUNTIMEERROR_H
#define MHA_LIB_RUNTIME_RUNTIMEERROR_H

#include <string>

namespace mha::runtime {

/// True while an error is pending (a cheap check for every wrapper).
bool hasError();

/// Records `message` unless an error is already pending (the first one wins:
/// later failures are usually consequences of it).
void setError(const std::string &message);

} // namespace mha::runtime

#endif // MHA_LIB_RUNTIME_RUNTIMEERROR_H
