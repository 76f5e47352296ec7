//===- MemRefDescriptor.h - Ranked memref descriptors -----------*- C++ -*-===//
//
// The one definition of the C ABI of a ranked memref as compiled code takes
// and returns it: { allocated, aligned, offset, sizes[R], strides[R] }, read
// and written as 64-bit words since every field is pointer-sized. The
// runtime reads descriptors with it; the runner (JIT and mha-aot-check)
// builds argument descriptors and reads result descriptors with it.
//
// Header-only C++ with no LLVM, MLIR or project library behind it: the
// runtime must stay free of them.
//
//===----------------------------------------------------------------------===//

#ifndef MHA_RUNTIME_MEMREFDESCRIPTOR_H
#define MHA_RUNTIME_MEMREFDESCRIPTOR_H

#include <cstddef>
#include <cstdint>

namespace mha::runtime {

/// Words of the descriptor of a rank-`rank` memref.
constexpr size_t descriptorWords(size_t rank) { return 3 + 2 * rank; }

/// A view of a ranked descriptor's words.
struct Descriptor {
  const int64_t *words;
  int64_t rank;

  /// The pointer that was allocated (what a deallocation releases).
  void *allocated() const { return reinterpret_cast<void *>(words[0]); }
  /// The first element: aligned pointer + offset.
  char *base(int64_t elementSize) const {
    return reinterpret_cast<char *>(words[1]) + words[2] * elementSize;
  }
  int64_t size(int64_t d) const { return words[3 + d]; }
  int64_t stride(int64_t d) const { return words[3 + rank + d]; }
};

/// Writes into `words` (descriptorWords(rank) of them) the descriptor of
/// the C-order buffer `data` of `shape` (identity layout, offset 0).
inline void writeContiguousDescriptor(int64_t *words, const void *data,
                                      const int64_t *shape, int64_t rank) {
  words[0] = words[1] = reinterpret_cast<int64_t>(data);
  words[2] = 0;
  int64_t stride = 1;
  for (int64_t i = rank; i-- > 0;) {
    words[3 + i] = shape[i];
    words[3 + rank + i] = stride;
    stride *= shape[i];
  }
}

} // namespace mha::runtime

#endif // MHA_RUNTIME_MEMREFDESCRIPTOR_H
