//===- MemRefDescriptor.h - Ranked memref descriptors of host tensors ----===//
//
// The C ABI of a ranked memref as compiled code takes and returns it
// ({allocated, aligned, offset, sizes[R], strides[R]}), kept as a flat array
// of 64-bit words since every field is pointer-sized. Shared by the JIT and
// mha-aot-check (which must not depend on MLIR).
//
//===----------------------------------------------------------------------===//

#ifndef MHA_RUNNER_MEMREFDESCRIPTOR_H
#define MHA_RUNNER_MEMREFDESCRIPTOR_H

#include "mha/Runner/HostTensor.h"

namespace mlir::mha::runner {

/// Words of the descriptor of a rank-`rank` memref.
inline size_t descriptorWords(size_t rank) { return 3 + 2 * rank; }

/// The descriptor of a C-order tensor at `data` (no copy).
std::vector<int64_t> contiguousDescriptor(const void *data,
                                          const std::vector<int64_t> &shape);

/// Copies the memref described by `words` (any strides) into a new C-order
/// tensor of `dtype`.
HostTensor copyFromDescriptor(DType dtype, const int64_t *words, size_t rank);

} // namespace mlir::mha::runner

#endif // MHA_RUNNER_MEMREFDESCRIPTOR_H
