//===- MemRefDescriptor.h - Ranked memref descriptors in the runtime -----===//
//
// The runtime reads memref descriptors without depending on the Runner
// library (it must stay free of LLVM/MLIR and of C++ libraries of the
// project).
//
//===----------------------------------------------------------------------===//

#ifndef MHA_LIB_RUNTIME_MEMREFDESCRIPTOR_H
#define MHA_LIB_RUNTIME_MEMREFDESCRIPTOR_H

#include <cstdint>

namespace mha_runtime {

/// A ranked descriptor { allocated, aligned, offset, sizes[R], strides[R] }
/// read as 64-bit words (every field is pointer-sized).
struct Descriptor {
  const int64_t *words;
  int64_t rank;
  char *base(int64_t elementSize) const {
    return reinterpret_cast<char *>(words[1]) + words[2] * elementSize;
  }
  int64_t size(int64_t d) const { return words[3 + d]; }
  int64_t stride(int64_t d) const { return words[3 + rank + d]; }
};

} // namespace mha_runtime

#endif // MHA_LIB_RUNTIME_MEMREFDESCRIPTOR_H
