//===- CpuRuntime.cpp - CPU helpers of compiled code ----------------------===//
//
// The allocation functions of the memref lowering (use-generic-functions),
// with tracking of the live buffers, and memrefCopy.
//
//===----------------------------------------------------------------------===//

#include "mha/Runtime/MemRefDescriptor.h"
#include "mha/Runtime/Runtime.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <unordered_set>
#include <vector>

namespace {
// The pipelines lower memref.alloc/dealloc to these generic functions, so
// the runtime knows which returned buffers the compiled code allocated (and
// the caller must free) as opposed to constants or aliases of the inputs.
struct AllocTracker {
  std::mutex mutex;
  std::unordered_set<void *> live;

  void *track(void *p) {
    if (p) {
      std::lock_guard<std::mutex> lock(mutex);
      live.insert(p);
    }
    return p;
  }
  bool release(void *p) {
    if (!p)
      return false;
    std::lock_guard<std::mutex> lock(mutex);
    return live.erase(p) != 0;
  }
};

// Never destroyed: compiled code may free buffers from global destructors.
AllocTracker &tracker() {
  static AllocTracker *t = new AllocTracker;
  return *t;
}
} // namespace

extern "C" void *_mlir_memref_to_llvm_alloc(uint64_t size) {
  return tracker().track(std::malloc(size ? size : 1));
}

extern "C" void *_mlir_memref_to_llvm_aligned_alloc(uint64_t alignment,
                                                    uint64_t size) {
  // posix_memalign wants a power of two that is a multiple of sizeof(void *).
  uint64_t align = sizeof(void *);
  while (align < alignment)
    align *= 2;
  uint64_t rounded = (std::max<uint64_t>(size, 1) + align - 1) / align * align;
  void *p = nullptr;
  if (posix_memalign(&p, align, rounded) != 0)
    return nullptr;
  return tracker().track(p);
}

extern "C" void _mlir_memref_to_llvm_free(void *ptr) {
  tracker().release(ptr);
  std::free(ptr);
}

extern "C" int mhaRuntimeReleaseResult(void *allocated) {
  if (!tracker().release(allocated))
    return 0;
  std::free(allocated);
  return 1;
}

using mha::runtime::Descriptor;

extern "C" void memrefCopy(int64_t elementSize, MhaUnrankedMemRef *src,
                           MhaUnrankedMemRef *dst) {
  int64_t rank = src->rank;
  Descriptor s{static_cast<const int64_t *>(src->descriptor), rank};
  Descriptor d{static_cast<const int64_t *>(dst->descriptor), rank};
  char *from = s.base(elementSize), *to = d.base(elementSize);
  if (rank == 0) {
    std::memcpy(to, from, elementSize);
    return;
  }
  for (int64_t i = 0; i < rank; ++i)
    if (s.size(i) == 0)
      return;

  // Collapse the innermost dims that are contiguous in both memrefs (dims of
  // size 1 have any stride) into one block copied with memcpy.
  int64_t inner = rank - 1, block = 1;
  while (inner >= 0 && (s.size(inner) == 1 || (s.stride(inner) == block &&
                                               d.stride(inner) == block))) {
    block *= s.size(inner);
    --inner;
  }
  if (inner < 0) {
    std::memcpy(to, from, block * elementSize);
    return;
  }
  size_t blockBytes = block * elementSize;

  // Walk the remaining dims [0, inner] as an odometer.
  std::vector<int64_t> index(inner + 1, 0);
  int64_t srcOffset = 0, dstOffset = 0;
  while (true) {
    std::memcpy(to + dstOffset * elementSize, from + srcOffset * elementSize,
                blockBytes);
    int64_t dim = inner;
    for (; dim >= 0; --dim) {
      srcOffset += s.stride(dim);
      dstOffset += d.stride(dim);
      if (++index[dim] < s.size(dim))
        break;
      srcOffset -= s.stride(dim) * s.size(dim);
      dstOffset -= d.stride(dim) * s.size(dim);
      index[dim] = 0;
    }
    if (dim < 0)
      return;
  }
}
