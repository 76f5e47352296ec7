//===- CpuRuntime.cpp - CPU helpers of compiled code ----------------------===//
//
// The allocation functions of the memref lowering (use-generic-functions),
// with tracking of the live buffers and an optional limit on their bytes,
// the report of a failed allocation, and memrefCopy.
//
//===----------------------------------------------------------------------===//

#include "RuntimeError.h"

#include "mha/Runtime/MemRefDescriptor.h"
#include "mha/Runtime/Runtime.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace {
/// The limit of MHA_RUNTIME_ALLOCATION_LIMIT (bytes; 0 or unset: none).
uint64_t limitFromEnvironment() {
  const char *text = std::getenv("MHA_RUNTIME_ALLOCATION_LIMIT");
  if (!text || !*text)
    return 0;
  char *end = nullptr;
  errno = 0;
  unsigned long long value = std::strtoull(text, &end, 10);
  if (errno || *end || text[0] == '-') {
    std::fprintf(stderr,
                 "mha_runtime: ignoring MHA_RUNTIME_ALLOCATION_LIMIT='%s' "
                 "(expected a number of bytes)\n",
                 text);
    return 0;
  }
  return value;
}

// The pipelines lower memref.alloc/dealloc to these generic functions, so
// the runtime knows which returned buffers the compiled code allocated (and
// the caller must free) as opposed to constants or aliases of the inputs,
// and how many bytes they hold (for the allocation limit).
struct AllocTracker {
  std::mutex mutex;
  std::unordered_map<void *, uint64_t> live;
  uint64_t liveBytes = 0;
  uint64_t limit = limitFromEnvironment();

  /// Whether `size` more bytes stay within the limit; reserves them.
  bool reserve(uint64_t size) {
    std::lock_guard<std::mutex> lock(mutex);
    if (limit && (size > limit || liveBytes > limit - size))
      return false;
    liveBytes += size;
    return true;
  }
  void unreserve(uint64_t size) {
    std::lock_guard<std::mutex> lock(mutex);
    liveBytes -= size;
  }
  void *track(void *p, uint64_t size) {
    if (!p) {
      unreserve(size);
      return nullptr;
    }
    std::lock_guard<std::mutex> lock(mutex);
    live.emplace(p, size);
    return p;
  }
  bool release(void *p) {
    if (!p)
      return false;
    std::lock_guard<std::mutex> lock(mutex);
    auto it = live.find(p);
    if (it == live.end())
      return false;
    liveBytes -= it->second;
    live.erase(it);
    return true;
  }
};

// Never destroyed: compiled code may free buffers from global destructors.
AllocTracker &tracker() {
  static AllocTracker *t = new AllocTracker;
  return *t;
}
} // namespace

extern "C" void *_mlir_memref_to_llvm_alloc(uint64_t size) {
  uint64_t bytes = size ? size : 1;
  if (!tracker().reserve(bytes))
    return nullptr;
  return tracker().track(std::malloc(bytes), bytes);
}

extern "C" void *_mlir_memref_to_llvm_aligned_alloc(uint64_t alignment,
                                                    uint64_t size) {
  // posix_memalign wants a power of two that is a multiple of sizeof(void *).
  uint64_t align = sizeof(void *);
  while (align < alignment && align < (uint64_t(1) << 62))
    align *= 2;
  uint64_t bytes = std::max<uint64_t>(size, 1);
  if (bytes > UINT64_MAX - align)
    return nullptr;
  uint64_t rounded = (bytes + align - 1) / align * align;
  if (!tracker().reserve(rounded))
    return nullptr;
  void *p = nullptr;
  if (posix_memalign(&p, align, rounded) != 0)
    p = nullptr;
  return tracker().track(p, rounded);
}

extern "C" void _mlir_memref_to_llvm_free(void *ptr) {
  tracker().release(ptr);
  std::free(ptr);
}

extern "C" void mhaRuntimeSetAllocationLimit(uint64_t bytes) {
  std::lock_guard<std::mutex> lock(tracker().mutex);
  tracker().limit = bytes;
}

extern "C" uint64_t mhaRuntimeGetAllocationLimit(void) {
  std::lock_guard<std::mutex> lock(tracker().mutex);
  return tracker().limit;
}

extern "C" void mhaRuntimeReportAllocationFailure(void *status,
                                                  uint64_t bytes) {
  char buffer[160];
  uint64_t limit = mhaRuntimeGetAllocationLimit();
  if (limit)
    std::snprintf(buffer, sizeof(buffer),
                  "out of memory: compiled code could not allocate %" PRIu64
                  " bytes (allocation limit %" PRIu64 " bytes)",
                  bytes, limit);
  else
    std::snprintf(buffer, sizeof(buffer),
                  "out of memory: compiled code could not allocate %" PRIu64
                  " bytes",
                  bytes);
  mha::runtime::reportCallError(status, MHA_RUNTIME_ERROR_OUT_OF_MEMORY,
                                buffer);
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
