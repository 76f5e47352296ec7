//===- Npy.h - NumPy .npy reading and writing -------------------*- C++ -*-===//
//
// Version 1.0-3.0 .npy files, little-endian, C order: '<f4' (f32), '<f2'
// (f16), '|b1' (bool) and bfloat16 as ml_dtypes saves it. Any other dtype,
// big-endian data or Fortran order is rejected with a message naming the file.
//
//===----------------------------------------------------------------------===//

#ifndef MHA_RUNNER_NPY_H
#define MHA_RUNNER_NPY_H

#include "mha/Runner/HostTensor.h"

#include "llvm/Support/Error.h"

namespace mlir::mha::runner {

/// Parses the bytes of a .npy file; `name` is used in error messages.
llvm::Expected<HostTensor> parseNpy(llvm::StringRef contents,
                                    llvm::StringRef name);
/// Reads a .npy file.
llvm::Expected<HostTensor> readNpy(llvm::StringRef path);
/// Serialises `tensor` as a version 1.0 .npy file.
std::string serializeNpy(const HostTensor &tensor);
/// Writes `tensor` to `path`.
llvm::Error writeNpy(llvm::StringRef path, const HostTensor &tensor);

} // namespace mlir::mha::runner

#endif // MHA_RUNNER_NPY_H
