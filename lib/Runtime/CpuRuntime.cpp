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
#include <unordered_set>
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
//
// Compiled code allocates scratch buffers inside its parallel loops, often
// hundreds per call, so the common path takes no lock and no locked
// instruction: every block carries a header (size, alignment, state) in
// front of its buffer; each thread counts the bytes it allocates and frees
// in its own counter (summed only when a limit is set) and keeps the blocks
// it frees in a small cache that its next allocations of the same size and
// alignment reuse. Only blocks that come from or go back to malloc enter or
// leave the registry (a mutex-protected set), which mhaRuntimeReleaseResult
// consults before it reads the header of a pointer that may not be ours.

enum BlockState : uint32_t { Free = 0, Live = 1, Cached = 2 };

/// In front of every buffer: the buffer starts max(align, 32) bytes after
/// `base`.
struct alignas(16) BlockHeader {
  void *base;
  uint64_t bytes; // what the limit counts
  uint64_t align;
  std::atomic<uint32_t> state;
  uint32_t magic;
};
constexpr uint32_t kMagic = 0x6d686121;
constexpr uint64_t kMallocAlign = 16;

BlockHeader *headerOf(void *p) {
  return reinterpret_cast<BlockHeader *>(static_cast<char *>(p) -
                                         sizeof(BlockHeader));
}

struct Registry {
  std::mutex mutex;
  std::unordered_set<void *> blocks; // buffers (not bases) from malloc
  std::atomic<uint64_t> limit{limitFromEnvironment()};
};

// Never destroyed: compiled code may free buffers from global destructors.
Registry &registry() {
  static Registry *r = new Registry;
  return *r;
}
// Initialised when the library loads, not behind a guard on every call.
Registry &theRegistry = registry();

/// A new block from malloc (not yet reserved or registered), or null.
void *mallocBlock(uint64_t bytes, uint64_t align) {
  uint64_t offset = std::max<uint64_t>(align, sizeof(BlockHeader));
  if (bytes > UINT64_MAX - offset)
    return nullptr;
  void *base = nullptr;
  if (align <= kMallocAlign)
    base = std::malloc(offset + bytes);
  else if (posix_memalign(&base, align, offset + bytes) != 0)
    base = nullptr;
  if (!base)
    return nullptr;
  void *p = static_cast<char *>(base) + offset;
  BlockHeader *h = headerOf(p);
  h->base = base;
  h->bytes = bytes;
  h->align = align;
  h->state.store(Live, std::memory_order_relaxed);
  h->magic = kMagic;
  return p;
}

/// Unregisters and frees a block that is not live.
void freeBlock(void *p) {
  {
    std::lock_guard<std::mutex> lock(theRegistry.mutex);
    theRegistry.blocks.erase(p);
  }
  std::free(headerOf(p)->base);
}

// The per-thread cache of freed blocks (not with AddressSanitizer, which
// should see every reuse of memory as a new allocation).
#if defined(__SANITIZE_ADDRESS__)
#define MHA_RUNTIME_BLOCK_CACHE 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MHA_RUNTIME_BLOCK_CACHE 0
#endif
#endif
#ifndef MHA_RUNTIME_BLOCK_CACHE
#define MHA_RUNTIME_BLOCK_CACHE 1
#endif

/// The live bytes of one thread (written only by it, read when a limit is
/// checked). A block freed on another thread than the one that allocated it
/// makes the counters differ from each thread's holdings; only the sum
/// matters.
struct ByteCounter {
  std::atomic<int64_t> bytes{0};
  bool inUse = false;
};

struct ByteCounters {
  // Guards the list and reservations against a limit.
  std::mutex mutex;
  std::vector<ByteCounter *> counters; // never freed; reused
  std::atomic<int64_t> retired{0};     // counts of exited threads

  int64_t total() {
    int64_t sum = retired.load(std::memory_order_relaxed);
    for (ByteCounter *c : counters)
      sum += c->bytes.load(std::memory_order_relaxed);
    return sum;
  }
};

ByteCounters &byteCounters() {
  static ByteCounters *c = new ByteCounters; // never destroyed
  return *c;
}

/// A thread's allocator state: its byte counter and its cache of freed
/// blocks of at most kMaxBlock bytes (a call's scratch buffers: tiles, row
/// statistics; large results go back to malloc). Trivially destructible
/// and zero-initialised, so that it stays usable (`closed`: no counter, no
/// cache) after the thread's destructors ran.
struct ThreadState {
  static constexpr int kMaxBlocks = 32;
  static constexpr uint64_t kMaxBlock = 256 * 1024;
  struct Entry {
    uint64_t bytes, align;
    void *block;
  };
  Entry cache[kMaxBlocks];
  int count;
  ByteCounter *counter;
  bool closed;

  void open();
  void close();
  /// Adds `delta` to this thread's live bytes.
  void add(int64_t delta) {
    if (!counter && !closed)
      open();
    if (!counter) {
      byteCounters().retired.fetch_add(delta, std::memory_order_relaxed);
      return;
    }
    counter->bytes.store(counter->bytes.load(std::memory_order_relaxed) + delta,
                         std::memory_order_relaxed);
  }
  void *take(uint64_t bytes, uint64_t align) {
    for (int i = count - 1; i >= 0; --i) {
      if (cache[i].bytes == bytes && cache[i].align == align) {
        void *p = cache[i].block;
        cache[i] = cache[--count];
        headerOf(p)->state.store(Live, std::memory_order_relaxed);
        return p;
      }
    }
    return nullptr;
  }
  bool put(void *p, uint64_t bytes, uint64_t align) {
    if (!MHA_RUNTIME_BLOCK_CACHE || closed || bytes > kMaxBlock)
      return false;
    if (!counter)
      open();
    if (count == kMaxBlocks) {
      freeBlock(cache[0].block);
      cache[0] = cache[--count];
    }
    headerOf(p)->state.store(Cached, std::memory_order_relaxed);
    cache[count++] = Entry{bytes, align, p};
    return true;
  }
};

ThreadState &threadState() {
  thread_local ThreadState state; // zero-initialised
  return state;
}

/// Closes the thread's state when the thread exits.
struct ThreadStateCloser {
  ThreadState *state;
  ~ThreadStateCloser() { state->close(); }
};

void ThreadState::open() {
  ByteCounters &all = byteCounters();
  {
    std::lock_guard<std::mutex> lock(all.mutex);
    for (ByteCounter *c : all.counters)
      if (!c->inUse) {
        counter = c;
        break;
      }
    if (!counter) {
      all.counters.push_back(new ByteCounter);
      counter = all.counters.back();
    }
    counter->inUse = true;
  }
  thread_local ThreadStateCloser closer{this};
}

void ThreadState::close() {
  while (count)
    freeBlock(cache[--count].block);
  ByteCounters &all = byteCounters();
  std::lock_guard<std::mutex> lock(all.mutex);
  all.retired.fetch_add(counter->bytes.exchange(0, std::memory_order_relaxed),
                        std::memory_order_relaxed);
  counter->inUse = false;
  counter = nullptr;
  closed = true;
}

/// Whether `size` more bytes stay within the limit; reserves them.
bool reserve(ThreadState &thread, uint64_t size) {
  if (!theRegistry.limit.load(std::memory_order_relaxed)) {
    thread.add(int64_t(size));
    return true;
  }
  if (!thread.counter && !thread.closed)
    thread.open();
  // Reservations against a limit are serialised, so that threads never
  // overcommit it together.
  ByteCounters &all = byteCounters();
  std::lock_guard<std::mutex> lock(all.mutex);
  uint64_t limit = theRegistry.limit.load(std::memory_order_relaxed);
  int64_t live = std::max<int64_t>(all.total(), 0);
  if (limit && (size > limit || uint64_t(live) > limit - size))
    return false;
  thread.add(int64_t(size));
  return true;
}

void *allocate(uint64_t bytes, uint64_t align) {
  ThreadState &thread = threadState();
  if (!reserve(thread, bytes))
    return nullptr;
  if (void *p = thread.take(bytes, align))
    return p;
  void *p = mallocBlock(bytes, align);
  if (!p) {
    thread.add(-int64_t(bytes));
    return nullptr;
  }
  std::lock_guard<std::mutex> lock(theRegistry.mutex);
  theRegistry.blocks.insert(p);
  return p;
}
} // namespace

extern "C" void *_mlir_memref_to_llvm_alloc(uint64_t size) {
  return allocate(size ? size : 1, kMallocAlign);
}

extern "C" void *_mlir_memref_to_llvm_aligned_alloc(uint64_t alignment,
                                                    uint64_t size) {
  // A power of two that is a multiple of sizeof(void *) (posix_memalign).
  uint64_t align = sizeof(void *);
  while (align < alignment && align < (uint64_t(1) << 62))
    align *= 2;
  uint64_t bytes = std::max<uint64_t>(size, 1);
  if (bytes > UINT64_MAX - align)
    return nullptr;
  uint64_t rounded = (bytes + align - 1) / align * align;
  return allocate(rounded, std::max(align, kMallocAlign));
}

extern "C" void _mlir_memref_to_llvm_free(void *ptr) {
  // Compiled code frees only what it allocated here.
  if (!ptr)
    return;
  BlockHeader *h = headerOf(ptr);
  // Only the holder of a live block frees it: no read-modify-write needed.
  if (h->magic != kMagic || h->state.load(std::memory_order_relaxed) != Live)
    return; // not ours, or already freed
  h->state.store(Free, std::memory_order_relaxed);
  ThreadState &thread = threadState();
  thread.add(-int64_t(h->bytes));
  if (!thread.put(ptr, h->bytes, h->align))
    freeBlock(ptr);
}

extern "C" void mhaRuntimeSetAllocationLimit(uint64_t bytes) {
  theRegistry.limit.store(bytes, std::memory_order_relaxed);
}

extern "C" uint64_t mhaRuntimeGetAllocationLimit(void) {
  return theRegistry.limit.load(std::memory_order_relaxed);
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
  if (!allocated)
    return 0;
  uint64_t bytes;
  {
    // Only a registered pointer has a header to read; a cached block is
    // registered but not live.
    std::lock_guard<std::mutex> lock(theRegistry.mutex);
    if (!theRegistry.blocks.count(allocated))
      return 0;
    BlockHeader *h = headerOf(allocated);
    uint32_t live = Live;
    if (!h->state.compare_exchange_strong(live, Free,
                                          std::memory_order_relaxed))
      return 0;
    bytes = h->bytes;
    theRegistry.blocks.erase(allocated);
  }
  threadState().add(-int64_t(bytes));
  std::free(headerOf(allocated)->base);
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
