//===- RuntimeTest.cpp - libmha_runtime through its C ABI -----------------===//
//
// The CPU helpers (allocation tracking, memrefCopy), the sticky error, and
// the CUDA wrappers where no GPU can be used (this machine: no
// libcuda.so.1). Tests that need a real GPU are integration tests.
//
//===----------------------------------------------------------------------===//

#include "mha/Runtime/Runtime.h"

#include "gtest/gtest.h"

#include <dlfcn.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <set>
#include <string>
#include <thread>
#include <vector>

extern "C" int mhaRuntimeCHeaderSmokeTest(void);

namespace {

/// A ranked memref descriptor { allocated, aligned, offset, sizes, strides }
/// as the LLVM lowering lays it out, over `data`.
struct TestMemRef {
  std::vector<int64_t> words;
  MhaUnrankedMemRef unranked;

  TestMemRef(void *data, int64_t offset, std::vector<int64_t> sizes,
             std::vector<int64_t> strides) {
    words.push_back(reinterpret_cast<intptr_t>(data));
    words.push_back(reinterpret_cast<intptr_t>(data));
    words.push_back(offset);
    words.insert(words.end(), sizes.begin(), sizes.end());
    words.insert(words.end(), strides.begin(), strides.end());
    unranked = {int64_t(sizes.size()), words.data()};
  }
};

/// Whether a CUDA driver can be loaded here (then the no-driver assertions
/// do not apply).
bool driverLoadable() {
  void *handle = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (handle)
    dlclose(handle);
  return handle != nullptr;
}

class RuntimeTest : public ::testing::Test {
protected:
  void SetUp() override { mhaRuntimeClearError(); }
  void TearDown() override { mhaRuntimeClearError(); }
};

//===----------------------------------------------------------------------===//
// Allocation
//===----------------------------------------------------------------------===//

TEST_F(RuntimeTest, AllocatesAndTracks) {
  void *p = _mlir_memref_to_llvm_alloc(100);
  ASSERT_NE(p, nullptr);
  std::memset(p, 1, 100);
  void *empty = _mlir_memref_to_llvm_alloc(0);
  EXPECT_NE(empty, nullptr);
  // Owned buffers are released exactly once.
  EXPECT_EQ(mhaRuntimeReleaseResult(p), 1);
  EXPECT_EQ(mhaRuntimeReleaseResult(p), 0);
  EXPECT_EQ(mhaRuntimeReleaseResult(empty), 1);
}

TEST_F(RuntimeTest, AlignedAllocation) {
  for (uint64_t alignment : {1, 2, 8, 16, 32, 64, 128, 4096}) {
    for (uint64_t size : {0, 1, 7, 64, 1000}) {
      void *p = _mlir_memref_to_llvm_aligned_alloc(alignment, size);
      ASSERT_NE(p, nullptr) << alignment << " " << size;
      EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % alignment, 0u)
          << "alignment " << alignment << ", size " << size;
      if (size)
        std::memset(p, 0xab, size);
      EXPECT_EQ(mhaRuntimeReleaseResult(p), 1);
    }
  }
  // A non-power-of-two request still gets a usable, tracked buffer.
  void *odd = _mlir_memref_to_llvm_aligned_alloc(48, 100);
  ASSERT_NE(odd, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(odd) % 16, 0u);
  EXPECT_EQ(mhaRuntimeReleaseResult(odd), 1);
}

TEST_F(RuntimeTest, ReleaseIgnoresBuffersItDoesNotOwn) {
  float input[4] = {1, 2, 3, 4};
  static const float constant[2] = {5, 6};
  std::vector<float> heap(8);
  EXPECT_EQ(mhaRuntimeReleaseResult(input), 0);
  EXPECT_EQ(mhaRuntimeReleaseResult(const_cast<float *>(constant)), 0);
  EXPECT_EQ(mhaRuntimeReleaseResult(heap.data()), 0);
  EXPECT_EQ(mhaRuntimeReleaseResult(nullptr), 0);
  EXPECT_EQ(input[0], 1.0f);
}

TEST_F(RuntimeTest, FreeStopsTracking) {
  void *p = _mlir_memref_to_llvm_aligned_alloc(64, 256);
  ASSERT_NE(p, nullptr);
  _mlir_memref_to_llvm_free(p);
  // Freed by the compiled code: no longer a result to release.
  EXPECT_EQ(mhaRuntimeReleaseResult(p), 0);
  _mlir_memref_to_llvm_free(nullptr);
}

//===----------------------------------------------------------------------===//
// memrefCopy
//===----------------------------------------------------------------------===//

TEST_F(RuntimeTest, CopiesStrided2D) {
  // src: the 3x4 block at [1, 2] of a row-major 5x8 matrix.
  std::vector<float> big(5 * 8);
  std::iota(big.begin(), big.end(), 0.0f);
  std::vector<float> out(3 * 4, -1.0f);
  TestMemRef src(big.data(), 1 * 8 + 2, {3, 4}, {8, 1});
  TestMemRef dst(out.data(), 0, {3, 4}, {4, 1});
  memrefCopy(sizeof(float), &src.unranked, &dst.unranked);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 4; ++j)
      EXPECT_EQ(out[i * 4 + j], big[(i + 1) * 8 + (j + 2)]) << i << "," << j;

  // Into a transposed (column-major) destination.
  std::vector<float> transposed(4 * 3, -1.0f);
  TestMemRef dstT(transposed.data(), 0, {3, 4}, {1, 3});
  memrefCopy(sizeof(float), &src.unranked, &dstT.unranked);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 4; ++j)
      EXPECT_EQ(transposed[j * 3 + i], big[(i + 1) * 8 + (j + 2)]);
}

TEST_F(RuntimeTest, CopiesStrided3D) {
  // src: every other element along the last dim of a 2x3x8 i16 array, with a
  // permuted layout; dst: a contiguous 2x3x4 array behind an offset.
  std::vector<int16_t> data(2 * 3 * 8);
  std::iota(data.begin(), data.end(), int16_t(0));
  std::vector<int16_t> out(5 + 2 * 3 * 4, -1);
  TestMemRef src(data.data(), 1, {2, 3, 4}, {24, 8, 2});
  TestMemRef dst(out.data(), 5, {2, 3, 4}, {12, 4, 1});
  memrefCopy(sizeof(int16_t), &src.unranked, &dst.unranked);
  for (int a = 0; a < 2; ++a)
    for (int b = 0; b < 3; ++b)
      for (int c = 0; c < 4; ++c)
        EXPECT_EQ(out[5 + a * 12 + b * 4 + c], data[1 + a * 24 + b * 8 + c * 2])
            << a << "," << b << "," << c;
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(out[i], -1) << "wrote before the offset";

  // Contiguous to contiguous, and a size-1 dim with an arbitrary stride.
  std::vector<int16_t> copy(2 * 3 * 8, 0);
  TestMemRef whole(data.data(), 0, {2, 1, 24}, {24, 999, 1});
  TestMemRef wholeOut(copy.data(), 0, {2, 1, 24}, {24, 24, 1});
  memrefCopy(sizeof(int16_t), &whole.unranked, &wholeOut.unranked);
  EXPECT_EQ(copy, data);
}

TEST_F(RuntimeTest, CopiesRank0AndEmpty) {
  double a = 3.5, b = 0.0;
  TestMemRef src(&a, 0, {}, {});
  TestMemRef dst(&b, 0, {}, {});
  memrefCopy(sizeof(double), &src.unranked, &dst.unranked);
  EXPECT_EQ(b, 3.5);

  float none[1] = {7.0f};
  TestMemRef emptySrc(none, 0, {0, 4}, {4, 1});
  TestMemRef emptyDst(none, 0, {0, 4}, {4, 1});
  memrefCopy(sizeof(float), &emptySrc.unranked, &emptyDst.unranked);
  EXPECT_EQ(none[0], 7.0f);
}

//===----------------------------------------------------------------------===//
// Errors and the CUDA wrappers without a driver
//===----------------------------------------------------------------------===//

TEST_F(RuntimeTest, AllocationLimitCountsLiveBytes) {
  ASSERT_EQ(mhaRuntimeGetAllocationLimit(), 0u);
  mhaRuntimeSetAllocationLimit(1000);
  void *a = _mlir_memref_to_llvm_alloc(600);
  EXPECT_NE(a, nullptr);
  // 600 + 600 > 1000; aligned sizes are rounded up to the alignment.
  EXPECT_EQ(_mlir_memref_to_llvm_alloc(600), nullptr);
  EXPECT_EQ(_mlir_memref_to_llvm_aligned_alloc(64, 420), nullptr); // 448
  void *b = _mlir_memref_to_llvm_aligned_alloc(64, 380);           // 384
  EXPECT_NE(b, nullptr);
  _mlir_memref_to_llvm_free(b);
  // Released buffers no longer count.
  EXPECT_EQ(mhaRuntimeReleaseResult(a), 1);
  void *c = _mlir_memref_to_llvm_alloc(1000);
  EXPECT_NE(c, nullptr);
  _mlir_memref_to_llvm_free(c);
  // Sizes that overflow fail instead of wrapping.
  EXPECT_EQ(_mlir_memref_to_llvm_aligned_alloc(64, UINT64_MAX - 8), nullptr);
  mhaRuntimeSetAllocationLimit(0);
  EXPECT_EQ(_mlir_memref_to_llvm_aligned_alloc(64, UINT64_MAX - 8), nullptr);
}

TEST_F(RuntimeTest, ReusedBlocksAreTrackedAsNewOnes) {
  // A freed block may serve the next allocation of its size on the thread
  // (the per-thread cache): it is then live again, counts against the limit
  // again, and releases once; a freed (cached) block never releases.
  void *a = _mlir_memref_to_llvm_aligned_alloc(64, 256);
  ASSERT_NE(a, nullptr);
  _mlir_memref_to_llvm_free(a);
  EXPECT_EQ(mhaRuntimeReleaseResult(a), 0);
  mhaRuntimeSetAllocationLimit(300);
  void *b = _mlir_memref_to_llvm_aligned_alloc(64, 256);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(b) % 64, 0u);
  EXPECT_EQ(_mlir_memref_to_llvm_aligned_alloc(64, 256), nullptr); // 512
  EXPECT_EQ(mhaRuntimeReleaseResult(b), 1);
  EXPECT_EQ(mhaRuntimeReleaseResult(b), 0);
  void *c = _mlir_memref_to_llvm_aligned_alloc(64, 256);
  EXPECT_NE(c, nullptr);
  _mlir_memref_to_llvm_free(c);
  mhaRuntimeSetAllocationLimit(0);
  // Different sizes and alignments never share a block.
  void *d = _mlir_memref_to_llvm_aligned_alloc(128, 256);
  void *e = _mlir_memref_to_llvm_alloc(256);
  ASSERT_NE(d, nullptr);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(d) % 128, 0u);
  std::memset(d, 1, 256);
  std::memset(e, 2, 256);
  EXPECT_EQ(static_cast<unsigned char *>(d)[255], 1);
  _mlir_memref_to_llvm_free(d);
  _mlir_memref_to_llvm_free(e);
}

TEST_F(RuntimeTest, AllocationsFromManyThreads) {
  // Blocks allocated on one thread and freed on another (as an OpenMP
  // worker's buffer freed by the caller), under a limit that every thread
  // checks at once: the live bytes return to zero, so the whole limit is
  // available afterwards.
  constexpr int kThreads = 8, kRounds = 2000;
  mhaRuntimeSetAllocationLimit(kThreads * 5 * 512);
  // Thread t passes its fourth block to thread t+1 through slots[t+1].
  std::vector<std::atomic<void *>> slots(kThreads);
  std::vector<int> failures(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRounds; ++i) {
        void *p[4];
        for (int j = 0; j < 4; ++j) {
          p[j] = j % 2 ? _mlir_memref_to_llvm_alloc(100 + 16 * j)
                       : _mlir_memref_to_llvm_aligned_alloc(64, 512);
          if (!p[j]) {
            ++failures[t];
            continue;
          }
          std::memset(p[j], t, 100);
        }
        for (int j = 0; j < 4; ++j)
          if (p[j] && static_cast<unsigned char *>(p[j])[99] != t)
            ++failures[t];
        for (int j = 0; j < 3; ++j)
          _mlir_memref_to_llvm_free(p[j]);
        _mlir_memref_to_llvm_free(slots[(t + 1) % kThreads].exchange(p[3]));
      }
    });
  for (std::thread &t : threads)
    t.join();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(failures[t], 0) << "thread " << t;
    _mlir_memref_to_llvm_free(slots[t].exchange(nullptr));
  }
  void *all = _mlir_memref_to_llvm_alloc(kThreads * 5 * 512);
  EXPECT_NE(all, nullptr) << "live bytes leaked";
  EXPECT_EQ(mhaRuntimeReleaseResult(all), 1);
  mhaRuntimeSetAllocationLimit(0);
}

TEST_F(RuntimeTest, CallStatusTakesTheFirstReportOfItsThread) {
  void *status = mhaRuntimeBeginCall();
  EXPECT_EQ(mhaRuntimeCallStatus(), status);
  EXPECT_EQ(mhaRuntimeCallFailed(status), 0);
  EXPECT_EQ(mhaRuntimeGetErrorKind(), MHA_RUNTIME_ERROR_NONE);
  mhaRuntimeReportShapeMismatch(status, "dimension 0 (batch size B) of 'key'",
                                1, "'query' has", 2);
  mhaRuntimeReportAllocationFailure(status, 64); // a consequence: ignored
  EXPECT_EQ(mhaRuntimeCallFailed(status), 1);
  EXPECT_EQ(mhaRuntimeGetErrorKind(), MHA_RUNTIME_ERROR_SHAPE_MISMATCH);
  EXPECT_STREQ(mhaRuntimeGetLastError(),
               "shape mismatch: dimension 0 (batch size B) of 'key' is 1, but "
               "'query' has 2");

  // Another thread has its own status, and reports into this one land here.
  std::string other = "unset";
  std::thread([&] {
    other = mhaRuntimeGetLastError() ? "error" : "none";
    mhaRuntimeReportAllocationFailure(mhaRuntimeBeginCall(), 128);
  }).join();
  EXPECT_EQ(other, "none");
  EXPECT_EQ(mhaRuntimeGetErrorKind(), MHA_RUNTIME_ERROR_SHAPE_MISMATCH);

  // The next call starts clean.
  status = mhaRuntimeBeginCall();
  EXPECT_EQ(mhaRuntimeGetLastError(), nullptr);
  mhaRuntimeReportAllocationFailure(status, 128);
  EXPECT_EQ(mhaRuntimeGetErrorKind(), MHA_RUNTIME_ERROR_OUT_OF_MEMORY);
  EXPECT_STREQ(mhaRuntimeGetLastError(),
               "out of memory: compiled code could not allocate 128 bytes");
  mhaRuntimeClearError();
  EXPECT_EQ(mhaRuntimeGetErrorKind(), MHA_RUNTIME_ERROR_NONE);
}

TEST_F(RuntimeTest, ErrorIsClearable) {
  EXPECT_EQ(mhaRuntimeGetLastError(), nullptr);
  // A device that cannot exist fails with or without a driver.
  EXPECT_EQ(mhaRuntimeComputeCapability(-1), -1);
  ASSERT_NE(mhaRuntimeGetLastError(), nullptr);
  mhaRuntimeClearError();
  EXPECT_EQ(mhaRuntimeGetLastError(), nullptr);
}

TEST_F(RuntimeTest, NoDriver) {
  if (!mhaRuntimeHasCudaSupport()) {
    EXPECT_EQ(mhaRuntimeDeviceCount(), 0);
    EXPECT_STREQ(mhaRuntimeGetLastError(),
                 "mha_runtime was built without CUDA support");
    return;
  }
  if (driverLoadable())
    GTEST_SKIP() << "a CUDA driver (libcuda.so.1) is installed here";
  EXPECT_EQ(mhaRuntimeDeviceCount(), 0);
  const char *error = mhaRuntimeGetLastError();
  ASSERT_NE(error, nullptr);
  std::string message = error;
  EXPECT_NE(message.find("cannot load the CUDA driver library libcuda.so.1"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("is the NVIDIA driver installed?"), std::string::npos)
      << message;

  // The same error from the first GPU call after a clear.
  mhaRuntimeClearError();
  EXPECT_EQ(mgpuMemAlloc(1024, nullptr, 0), nullptr);
  ASSERT_NE(mhaRuntimeGetLastError(), nullptr);
  EXPECT_EQ(std::string(mhaRuntimeGetLastError()), message);

  char name[64] = "unchanged";
  EXPECT_EQ(mhaRuntimeDeviceName(0, name, sizeof(name)), -1);
  EXPECT_EQ(mhaRuntimeComputeCapability(0), -1);
  EXPECT_EQ(mhaRuntimeNumSMs(132), 132);
  EXPECT_EQ(mhaRuntimeSynchronize(), -1);
}

TEST_F(RuntimeTest, GpuCallsAfterAnErrorAreSafeNoOps) {
  if (mhaRuntimeDeviceCount() > 0)
    GTEST_SKIP() << "a CUDA device is usable here";
  ASSERT_NE(mhaRuntimeGetLastError(), nullptr);
  std::string first = mhaRuntimeGetLastError();

  // What lowered host code does, with the null handles the failed calls
  // returned: nothing crashes and the first error stays.
  static const char binary[] = "not a cubin";
  void *module = mgpuModuleLoad(const_cast<char *>(binary), sizeof(binary));
  EXPECT_EQ(module, nullptr);
  EXPECT_EQ(mgpuModuleLoadJIT(const_cast<char *>(binary), 2), nullptr);
  void *function = mgpuModuleGetFunction(module, "kernel");
  EXPECT_EQ(function, nullptr);
  void *stream = mgpuStreamCreate();
  EXPECT_EQ(stream, nullptr);
  void *device = mgpuMemAlloc(64, stream, 0);
  EXPECT_EQ(device, nullptr);
  EXPECT_EQ(mgpuMemAlloc(64, stream, 1), nullptr);
  float host[16] = {0};
  mgpuMemcpy(device, host, sizeof(host), stream);
  mgpuMemcpy(host, device, sizeof(host), stream);
  mgpuMemset32(device, 0x3f800000u, 16, stream);
  mgpuMemset16(device, 0x3c00u, 32, stream);
  void *event = mgpuEventCreate();
  EXPECT_EQ(event, nullptr);
  mgpuEventRecord(event, stream);
  mgpuStreamWaitEvent(stream, event);
  mgpuEventSynchronize(event);
  mgpuEventDestroy(event);
  void *params[] = {&device};
  mhaRuntimeSetKernelTiming(1);
  mgpuLaunchKernel(function, 1, 1, 1, 32, 1, 1, 0, stream, params, nullptr, 1);
  mgpuLaunchClusterKernel(function, 2, 1, 1, 2, 1, 1, 32, 1, 1, 0, stream,
                          params, nullptr);
  EXPECT_EQ(mhaRuntimeTakeKernelMilliseconds(), 0.0); // Nothing launched.
  mhaRuntimeSetKernelTiming(0);
  TestMemRef registered(host, 0, {4, 4}, {4, 1});
  mgpuMemHostRegisterMemRef(2, registered.words.data(), sizeof(float));
  mgpuMemHostUnregisterMemRef(2, registered.words.data(), sizeof(float));
  mgpuMemHostRegister(host, sizeof(host));
  mgpuMemHostUnregister(host);
  int64_t box[2] = {4, 4};
  EXPECT_EQ(mgpuTensorMapEncodeTiledMemref(2, registered.words.data(), 7, 0, 0,
                                           0, 0, box),
            nullptr);
  alignas(64) int64_t map[16];
  mhaRuntimeEncodeTensorMap2D(map, 9, device, 4, 4, 8, 4, 4);
  mgpuMemFree(device, stream);
  mgpuStreamSynchronize(stream);
  mgpuStreamDestroy(stream);
  mgpuModuleUnload(module);
  mgpuSetDefaultDevice(0);

  ASSERT_NE(mhaRuntimeGetLastError(), nullptr);
  EXPECT_EQ(std::string(mhaRuntimeGetLastError()), first);
  mhaRuntimeClearError();
  EXPECT_EQ(mhaRuntimeGetLastError(), nullptr);
}

TEST_F(RuntimeTest, MissingModuleIsReported) {
  if (mhaRuntimeDeviceCount() > 0)
    GTEST_SKIP() << "a CUDA device is usable here";
  mhaRuntimeClearError();
  // Without a pending error, every GPU call reports why the GPU is unusable.
  EXPECT_EQ(mgpuModuleGetFunction(nullptr, "kernel"), nullptr);
  EXPECT_NE(mhaRuntimeGetLastError(), nullptr);
}

//===----------------------------------------------------------------------===//
// The symbol table and the C header
//===----------------------------------------------------------------------===//

TEST_F(RuntimeTest, SymbolTableMatchesTheExports) {
  std::set<std::string> names;
  for (const MhaRuntimeSymbol *s = mhaRuntimeSymbols(); s->name; ++s) {
    EXPECT_TRUE(names.insert(s->name).second) << "duplicate " << s->name;
    ASSERT_NE(s->address, nullptr) << s->name;
    // The table's addresses are the library's exported functions.
    EXPECT_EQ(dlsym(RTLD_DEFAULT, s->name), s->address) << s->name;
  }
  for (const char *name : {"_mlir_memref_to_llvm_alloc",
                           "_mlir_memref_to_llvm_aligned_alloc",
                           "_mlir_memref_to_llvm_free",
                           "memrefCopy",
                           "mhaRuntimeBeginCall",
                           "mhaRuntimeCallStatus",
                           "mhaRuntimeCallFailed",
                           "mhaRuntimeReportShapeMismatch",
                           "mhaRuntimeReportAllocationFailure",
                           "mgpuModuleLoad",
                           "mgpuModuleLoadJIT",
                           "mgpuModuleUnload",
                           "mgpuModuleGetFunction",
                           "mgpuLaunchKernel",
                           "mgpuLaunchClusterKernel",
                           "mgpuStreamCreate",
                           "mgpuStreamDestroy",
                           "mgpuStreamSynchronize",
                           "mgpuStreamWaitEvent",
                           "mgpuEventCreate",
                           "mgpuEventDestroy",
                           "mgpuEventSynchronize",
                           "mgpuEventRecord",
                           "mgpuMemAlloc",
                           "mgpuMemFree",
                           "mgpuMemcpy",
                           "mgpuMemset32",
                           "mgpuMemset16",
                           "mgpuMemHostRegister",
                           "mgpuMemHostRegisterMemRef",
                           "mgpuMemHostUnregister",
                           "mgpuMemHostUnregisterMemRef",
                           "mgpuSetDefaultDevice",
                           "mgpuTensorMapEncodeTiledMemref",
                           "mhaRuntimeEncodeTensorMap2D",
                           "mhaRuntimeNumSMs"})
    EXPECT_TRUE(names.count(name)) << name;
}

TEST_F(RuntimeTest, HeaderCompilesAsC) {
  EXPECT_EQ(mhaRuntimeCHeaderSmokeTest(), 0);
}

} // namespace
