//===- CAPITest.cpp - Tests of the mha C API ------------------------------===//
//
// Only the public C header is used, as a C client would: compile, query the
// signature, run (results owned by the handle, copied into caller memory or
// taken), errors with diagnostics, bad inputs. The gpu pipeline compiles
// anywhere (ptxas); its runs need an NVIDIA GPU and driver, and without one
// they fail with the CUDA runtime's message (tests that need a device skip).
//
//===----------------------------------------------------------------------===//

#include "mha-c/MHA.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstring>
#include <dlfcn.h>
#include <string>
#include <thread>
#include <vector>

extern "C" int mhaCHeaderSmokeTest(void);

namespace {

const char *kAttention = R"mlir(
func.func @sdpa(%q: tensor<1x2x3x4xf32>, %k: tensor<1x1x5x4xf32>,
                %v: tensor<1x1x5x6xf32>) -> tensor<1x2x3x6xf32> {
  %o = mha.attention %q, %k, %v {causal}
      : tensor<1x2x3x4xf32>, tensor<1x1x5x4xf32>, tensor<1x1x5x6xf32>
      -> tensor<1x2x3x6xf32>
  return %o : tensor<1x2x3x6xf32>
}
)mlir";

const char *kDynamic = R"mlir(
func.func @main(%q: tensor<?x2x?x4xf32>, %k: tensor<?x2x?x4xf32>,
                %v: tensor<?x2x?x4xf32>) -> tensor<?x2x?x4xf32> {
  %o = mha.attention %q, %k, %v
      : tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>
      -> tensor<?x2x?x4xf32>
  return %o : tensor<?x2x?x4xf32>
}
)mlir";

/// Plain attention with GQA and bottom-right causal alignment, in double.
std::vector<float> reference(const std::vector<float> &q,
                             const std::vector<float> &k,
                             const std::vector<float> &v, int64_t h,
                             int64_t hkv, int64_t sq, int64_t skv, int64_t d,
                             int64_t dv, bool causal) {
  std::vector<float> o(h * sq * dv, 0.0f);
  double scale = 1.0 / std::sqrt(double(d));
  for (int64_t hh = 0; hh < h; ++hh) {
    int64_t g = hh / (h / hkv);
    for (int64_t i = 0; i < sq; ++i) {
      std::vector<double> s(skv, -INFINITY);
      double mx = -INFINITY;
      for (int64_t j = 0; j < skv; ++j) {
        if (causal && j > i + (skv - sq))
          continue;
        double acc = 0;
        for (int64_t x = 0; x < d; ++x)
          acc += double(q[(hh * sq + i) * d + x]) * k[(g * skv + j) * d + x];
        s[j] = acc * scale;
        mx = std::max(mx, s[j]);
      }
      double sum = 0;
      for (int64_t j = 0; j < skv; ++j)
        sum += s[j] == -INFINITY ? 0 : std::exp(s[j] - mx);
      for (int64_t j = 0; j < skv; ++j) {
        if (s[j] == -INFINITY)
          continue;
        double p = std::exp(s[j] - mx) / sum;
        for (int64_t x = 0; x < dv; ++x)
          o[(hh * sq + i) * dv + x] += float(p * v[(g * skv + j) * dv + x]);
      }
    }
  }
  return o;
}

struct CudaDevices {
  int count = 0;
  int computeCapability = 0; // of device 0, e.g. 90
};

/// The usable CUDA devices, asked of the driver directly (as a client
/// would); none without libcuda.so.1 or when cuInit fails.
const CudaDevices &cudaDevices() {
  static CudaDevices devices = [] {
    CudaDevices d;
    void *handle = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!handle)
      return d;
    using InitFn = int (*)(unsigned);
    using CountFn = int (*)(int *);
    using AttributeFn = int (*)(int *, int, int);
    auto init = reinterpret_cast<InitFn>(dlsym(handle, "cuInit"));
    auto getCount =
        reinterpret_cast<CountFn>(dlsym(handle, "cuDeviceGetCount"));
    auto getAttribute =
        reinterpret_cast<AttributeFn>(dlsym(handle, "cuDeviceGetAttribute"));
    if (!init || !getCount || !getAttribute || init(0) != 0 ||
        getCount(&d.count) != 0 || d.count <= 0)
      return CudaDevices();
    int major = 0, minor = 0;
    getAttribute(&major, /*COMPUTE_CAPABILITY_MAJOR=*/75, 0);
    getAttribute(&minor, /*COMPUTE_CAPABILITY_MINOR=*/76, 0);
    d.computeCapability = 10 * major + minor;
    return d; // the driver stays loaded
  }();
  return devices;
}

int cudaDeviceCount() { return cudaDevices().count; }

/// gpu pipeline options for device 0 (the default chip, sm_90a, only runs
/// on sm_90).
std::string gpuOptions() {
  int cc = cudaDevices().computeCapability;
  return cc == 0 || cc == 90 ? "" : "chip=sm_" + std::to_string(cc);
}

bool driverLoadable() {
  void *handle = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (handle)
    dlclose(handle);
  return handle != nullptr;
}

std::vector<float> iota(size_t n, float step) {
  std::vector<float> out(n);
  for (size_t i = 0; i < n; ++i)
    out[i] = std::sin(float(i) * step);
  return out;
}

struct CAPITest : ::testing::Test {
  MhaContext *ctx = nullptr;
  void SetUp() override {
    ctx = mhaContextCreate();
    ASSERT_NE(ctx, nullptr);
  }
  void TearDown() override { mhaContextDestroy(ctx); }

  MhaFunction *compileOrDie(const char *text, const char *pipeline,
                            const char *options = nullptr) {
    MhaFunction *fn = nullptr;
    char *error = nullptr;
    MhaStatus s =
        mhaCompile(ctx, text, -1, nullptr, pipeline, options, &fn, &error);
    EXPECT_EQ(s, MHA_SUCCESS) << (error ? error : "");
    mhaStringFree(error);
    return fn;
  }
};

TEST(CAPIFromC, CompileAndRun) { EXPECT_EQ(mhaCHeaderSmokeTest(), 0); }

TEST_F(CAPITest, Misc) {
  EXPECT_STREQ(mhaDTypeName(MHA_DTYPE_BF16), "bf16");
  // Any int a C caller passes is a valid MhaDType value in C++ too (no
  // undefined behaviour for UBSan to report) and is rejected.
  EXPECT_EQ(mhaDTypeName(MhaDType(42)), nullptr);
  EXPECT_EQ(mhaDTypeName(MhaDType(-42)), nullptr);
  EXPECT_EQ(mhaDTypeName(MHA_DTYPE_INVALID), nullptr);
  EXPECT_EQ(mhaDTypeSize(MHA_DTYPE_MAX_ENUM), 0u);
  EXPECT_EQ(mhaDTypeSize(MHA_DTYPE_F16), 2u);
  EXPECT_EQ(mhaDTypeSize(MHA_DTYPE_I1), 1u);
  EXPECT_GT(std::strlen(mhaVersion()), 0u);
  mhaStringFree(nullptr);
}

TEST_F(CAPITest, DefaultTolerance) {
  double atol = -1, rtol = -1;
  ASSERT_EQ(mhaDefaultTolerance(MHA_DTYPE_F32, &atol, &rtol), MHA_SUCCESS);
  EXPECT_GT(atol, 0);
  EXPECT_GT(rtol, 0);
  // Lower precision, looser tolerance; i1 is exact.
  double f16 = 0, bf16 = 0;
  ASSERT_EQ(mhaDefaultTolerance(MHA_DTYPE_F16, &f16, nullptr), MHA_SUCCESS);
  ASSERT_EQ(mhaDefaultTolerance(MHA_DTYPE_BF16, nullptr, &bf16), MHA_SUCCESS);
  EXPECT_LT(atol, f16);
  EXPECT_GT(bf16, 0);
  ASSERT_EQ(mhaDefaultTolerance(MHA_DTYPE_I1, &atol, &rtol), MHA_SUCCESS);
  EXPECT_EQ(atol, 0);
  EXPECT_EQ(rtol, 0);
  EXPECT_EQ(mhaDefaultTolerance(MhaDType(42), &atol, &rtol),
            MHA_ERROR_INVALID_ARGUMENT);
}

TEST_F(CAPITest, AttentionFlops) {
  // B=4, H=16, S=4096, D=128: 4*4*16*4096*4096*128 = 2^39.
  EXPECT_EQ(mhaAttentionFlops(4, 16, 4096, 4096, 128, 128, 0), 0x1p39);
  EXPECT_EQ(mhaAttentionFlops(4, 16, 4096, 4096, 128, 128, 1), 0x1p38);
  // Dv != D: 2*B*H*Sq*Skv*(D+Dv); causal halves also when Sq != Skv.
  EXPECT_EQ(mhaAttentionFlops(1, 2, 100, 100, 64, 32, 0), 3840000);
  EXPECT_EQ(mhaAttentionFlops(1, 1, 3, 5, 8, 8, 1), 240);
}

TEST_F(CAPITest, FunctionFlops) {
  MhaFunction *fn = compileOrDie(kAttention, "reference");
  ASSERT_NE(fn, nullptr);
  // Only the shapes are read.
  int64_t qs[] = {1, 2, 3, 4}, ks[] = {1, 1, 5, 4}, vs[] = {1, 1, 5, 6};
  MhaBuffer in[] = {{nullptr, MHA_DTYPE_F32, 4, qs},
                    {nullptr, MHA_DTYPE_F32, 4, ks},
                    {nullptr, MHA_DTYPE_F32, 4, vs}};
  double flops = 0;
  char *error = nullptr;
  ASSERT_EQ(mhaFunctionGetFlops(fn, in, 3, &flops, &error), MHA_SUCCESS)
      << error;
  EXPECT_EQ(flops, mhaAttentionFlops(1, 2, 3, 5, 4, 6, 1));
  EXPECT_EQ(mhaFunctionGetFlops(fn, in, 2, &flops, &error),
            MHA_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(error).find("takes 3 arguments"), std::string::npos)
      << error;
  mhaStringFree(error);
  mhaFunctionDestroy(fn);

  // Dynamic dims come from the given shapes.
  MhaFunction *dyn = compileOrDie(kDynamic, "reference");
  ASSERT_NE(dyn, nullptr);
  int64_t q2[] = {2, 2, 3, 4}, k2[] = {2, 2, 7, 4};
  MhaBuffer in2[] = {{nullptr, MHA_DTYPE_F32, 4, q2},
                     {nullptr, MHA_DTYPE_F32, 4, k2},
                     {nullptr, MHA_DTYPE_F32, 4, k2}};
  ASSERT_EQ(mhaFunctionGetFlops(dyn, in2, 3, &flops, nullptr), MHA_SUCCESS);
  EXPECT_EQ(flops, mhaAttentionFlops(2, 2, 3, 7, 4, 4, 0));
  mhaFunctionDestroy(dyn);

  // No attention or matmul: nothing to count.
  MhaFunction *copy = compileOrDie(R"mlir(
func.func @id(%x: tensor<2xf32>) -> tensor<2xf32> {
  return %x : tensor<2xf32>
}
)mlir",
                                   "reference");
  ASSERT_NE(copy, nullptr);
  int64_t xs[] = {2};
  MhaBuffer x = {nullptr, MHA_DTYPE_F32, 1, xs};
  EXPECT_EQ(mhaFunctionGetFlops(copy, &x, 1, &flops, &error),
            MHA_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(error).find("FLOPs of @id are not known"),
            std::string::npos)
      << error;
  mhaStringFree(error);
  mhaFunctionDestroy(copy);
}

TEST_F(CAPITest, Signature) {
  MhaFunction *fn = compileOrDie(kAttention, "reference");
  ASSERT_NE(fn, nullptr);
  EXPECT_STREQ(mhaFunctionGetName(fn), "sdpa");
  EXPECT_STREQ(mhaFunctionGetPipeline(fn), "reference");
  EXPECT_GT(mhaFunctionGetCompileSeconds(fn), 0.0);
  ASSERT_EQ(mhaFunctionGetNumArgs(fn), 3);
  ASSERT_EQ(mhaFunctionGetNumResults(fn), 1);
  EXPECT_EQ(mhaFunctionGetArgDType(fn, 2), MHA_DTYPE_F32);
  EXPECT_EQ(mhaFunctionGetArgDType(fn, 99), MHA_DTYPE_INVALID);
  EXPECT_EQ(mhaFunctionGetResultDType(fn, -1), MHA_DTYPE_INVALID);
  ASSERT_EQ(mhaFunctionGetArgRank(fn, 2), 4);
  const int64_t *v = mhaFunctionGetArgShape(fn, 2);
  EXPECT_EQ(std::vector<int64_t>(v, v + 4), (std::vector<int64_t>{1, 1, 5, 6}));
  const int64_t *r = mhaFunctionGetResultShape(fn, 0);
  EXPECT_EQ(std::vector<int64_t>(r, r + 4), (std::vector<int64_t>{1, 2, 3, 6}));
  EXPECT_EQ(mhaFunctionGetArgRank(fn, 3), -1);
  EXPECT_EQ(mhaFunctionGetArgShape(fn, -1), nullptr);
  EXPECT_EQ(mhaFunctionGetResultShape(fn, 1), nullptr);
  mhaFunctionDestroy(fn);

  MhaFunction *dyn = compileOrDie(kDynamic, "cpu");
  ASSERT_NE(dyn, nullptr);
  const int64_t *q = mhaFunctionGetArgShape(dyn, 0);
  EXPECT_EQ(std::vector<int64_t>(q, q + 4),
            (std::vector<int64_t>{MHA_DYNAMIC_DIM, 2, MHA_DYNAMIC_DIM, 4}));
  mhaFunctionDestroy(dyn);
}

class CAPIRunTest : public CAPITest,
                    public ::testing::WithParamInterface<const char *> {};

TEST_P(CAPIRunTest, RunAllResultModes) {
  bool gpu = std::string(GetParam()) == "gpu";
  if (gpu && cudaDeviceCount() == 0)
    GTEST_SKIP() << "needs an NVIDIA GPU with its driver (libcuda.so.1)";
  std::string options = gpu ? gpuOptions() : "";
  MhaFunction *fn = compileOrDie(kAttention, GetParam(), options.c_str());
  ASSERT_NE(fn, nullptr);
  std::vector<float> q = iota(2 * 3 * 4, 0.37f), k = iota(5 * 4, 0.91f),
                     v = iota(5 * 6, 0.53f);
  int64_t qs[] = {1, 2, 3, 4}, ks[] = {1, 1, 5, 4}, vs[] = {1, 1, 5, 6};
  MhaBuffer in[] = {{q.data(), MHA_DTYPE_F32, 4, qs},
                    {k.data(), MHA_DTYPE_F32, 4, ks},
                    {v.data(), MHA_DTYPE_F32, 4, vs}};
  std::vector<float> expected =
      reference(q, k, v, 2, 1, 3, 5, 4, 6, /*causal=*/true);

  // Results owned by the handle.
  char *error = nullptr;
  ASSERT_EQ(mhaFunctionRun(fn, in, 3, &error), MHA_SUCCESS) << error;
  MhaBuffer view;
  ASSERT_EQ(mhaFunctionGetRunResult(fn, 0, &view), MHA_SUCCESS);
  EXPECT_EQ(view.dtype, MHA_DTYPE_F32);
  ASSERT_EQ(view.rank, 4);
  EXPECT_EQ(std::vector<int64_t>(view.shape, view.shape + 4),
            (std::vector<int64_t>{1, 2, 3, 6}));
  const float *o = static_cast<const float *>(view.data);
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_NEAR(o[i], expected[i], 1e-5) << i;
  EXPECT_EQ(mhaFunctionGetRunResult(fn, 1, &view), MHA_ERROR_INVALID_ARGUMENT);

  // Copied into caller memory.
  std::vector<float> copy(expected.size());
  EXPECT_EQ(mhaFunctionCopyResult(fn, 0, copy.data(), 4),
            MHA_ERROR_INVALID_ARGUMENT);
  ASSERT_EQ(mhaFunctionCopyResult(fn, 0, copy.data(), copy.size() * 4),
            MHA_SUCCESS);
  EXPECT_EQ(0, std::memcmp(copy.data(), o, copy.size() * 4));

  // Taken out of the handle.
  MhaTensor *taken = mhaFunctionTakeResult(fn, 0);
  ASSERT_NE(taken, nullptr);
  EXPECT_EQ(mhaFunctionTakeResult(fn, 0), nullptr);
  EXPECT_EQ(mhaTensorGetSizeInBytes(taken), expected.size() * 4);
  MhaBuffer tb = mhaTensorGetBuffer(taken);
  EXPECT_EQ(0, std::memcmp(copy.data(), tb.data, copy.size() * 4));
  mhaTensorDestroy(taken);

  // RunInto: straight into caller buffers, with shape checks.
  std::vector<float> into(expected.size(), -1.0f);
  int64_t os[] = {1, 2, 3, 6}, bad[] = {1, 2, 3, 5};
  MhaBuffer out = {into.data(), MHA_DTYPE_F32, 4, os};
  ASSERT_EQ(mhaFunctionRunInto(fn, in, 3, &out, 1, &error), MHA_SUCCESS)
      << error;
  EXPECT_EQ(0, std::memcmp(copy.data(), into.data(), copy.size() * 4));
  MhaBuffer wrong = {into.data(), MHA_DTYPE_F32, 4, bad};
  EXPECT_EQ(mhaFunctionRunInto(fn, in, 3, &wrong, 1, &error),
            MHA_ERROR_INVALID_ARGUMENT);
  ASSERT_NE(error, nullptr);
  EXPECT_NE(std::string(error).find("output 0"), std::string::npos) << error;
  mhaStringFree(error);
  mhaFunctionDestroy(fn);
}

INSTANTIATE_TEST_SUITE_P(Pipelines, CAPIRunTest,
                         ::testing::Values("cpu", "reference", "gpu"));

TEST_F(CAPITest, PipelineOptions) {
  MhaFunction *fn = compileOrDie(kAttention, "cpu", "q-tile=2 kv-tile=2");
  EXPECT_NE(fn, nullptr);
  mhaFunctionDestroy(fn);

  MhaFunction *bad = nullptr;
  char *error = nullptr;
  EXPECT_EQ(mhaCompile(ctx, kAttention, -1, nullptr, "cpu", "no-such=1", &bad,
                       &error),
            MHA_ERROR_COMPILE);
  EXPECT_EQ(bad, nullptr);
  ASSERT_NE(error, nullptr);
  EXPECT_NE(std::string(error).find("no-such"), std::string::npos) << error;
  mhaStringFree(error);
}

TEST_F(CAPITest, DynamicShapes) {
  MhaFunction *fn = compileOrDie(kDynamic, "cpu");
  ASSERT_NE(fn, nullptr);
  std::vector<float> q = iota(2 * 2 * 3 * 4, 0.1f),
                     k = iota(2 * 2 * 7 * 4, 0.2f);
  int64_t qs[] = {2, 2, 3, 4}, ks[] = {2, 2, 7, 4};
  MhaBuffer in[] = {{q.data(), MHA_DTYPE_F32, 4, qs},
                    {k.data(), MHA_DTYPE_F32, 4, ks},
                    {k.data(), MHA_DTYPE_F32, 4, ks}};
  char *error = nullptr;
  ASSERT_EQ(mhaFunctionRun(fn, in, 3, &error), MHA_SUCCESS) << error;
  MhaBuffer view;
  ASSERT_EQ(mhaFunctionGetRunResult(fn, 0, &view), MHA_SUCCESS);
  EXPECT_EQ(std::vector<int64_t>(view.shape, view.shape + 4),
            (std::vector<int64_t>{2, 2, 3, 4}));
  mhaFunctionDestroy(fn);
}

TEST_F(CAPITest, CallIsReentrant) {
  // mhaFunctionCall hands each call its own results: threads call one
  // function at once on different shapes, while a mhaFunctionRun result
  // kept in the handle stays untouched.
  MhaFunction *fn = compileOrDie(kDynamic, "cpu", "threads=2");
  ASSERT_NE(fn, nullptr);
  std::vector<float> q0 = iota(2 * 3 * 4, 0.3f), k0 = iota(2 * 5 * 4, 0.7f);
  int64_t q0s[] = {1, 2, 3, 4}, k0s[] = {1, 2, 5, 4};
  MhaBuffer in0[] = {{q0.data(), MHA_DTYPE_F32, 4, q0s},
                     {k0.data(), MHA_DTYPE_F32, 4, k0s},
                     {k0.data(), MHA_DTYPE_F32, 4, k0s}};
  char *error = nullptr;
  ASSERT_EQ(mhaFunctionRun(fn, in0, 3, &error), MHA_SUCCESS) << error;
  MhaBuffer kept;
  ASSERT_EQ(mhaFunctionGetRunResult(fn, 0, &kept), MHA_SUCCESS);
  std::vector<float> keptCopy(static_cast<const float *>(kept.data),
                              static_cast<const float *>(kept.data) +
                                  q0.size());

  std::vector<std::string> failures(8);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int rep = 0; rep < 20; ++rep) {
        int64_t sq = 1 + (t + rep) % 5, skv = 3 + (3 * t + rep) % 11;
        std::vector<float> q = iota(2 * sq * 4, 0.1f * (t + 1)),
                           k = iota(2 * skv * 4, 0.05f * (rep + 1));
        int64_t qs[] = {1, 2, sq, 4}, ks[] = {1, 2, skv, 4};
        MhaBuffer in[] = {{q.data(), MHA_DTYPE_F32, 4, qs},
                          {k.data(), MHA_DTYPE_F32, 4, ks},
                          {k.data(), MHA_DTYPE_F32, 4, ks}};
        MhaTensor *out = nullptr;
        char *err = nullptr;
        if (mhaFunctionCall(fn, in, 3, &out, 1, &err) != MHA_SUCCESS) {
          failures[t] = err ? err : "failed";
          mhaStringFree(err);
          return;
        }
        std::vector<float> expected =
            reference(q, k, k, 2, 2, sq, skv, 4, 4, /*causal=*/false);
        MhaBuffer b = mhaTensorGetBuffer(out);
        const float *o = static_cast<const float *>(b.data);
        for (size_t i = 0; i < expected.size(); ++i)
          if (std::fabs(o[i] - expected[i]) > 1e-5f)
            failures[t] = "wrong result at " + std::to_string(i);
        if (b.shape[2] != sq)
          failures[t] = "wrong shape";
        mhaTensorDestroy(out);
      }
    });
  for (std::thread &t : threads)
    t.join();
  for (const std::string &f : failures)
    EXPECT_EQ(f, "");
  EXPECT_EQ(mhaFunctionGetCallsInFlight(fn), 0);
  EXPECT_EQ(mhaFunctionGetCallsInFlight(nullptr), -1);
  ASSERT_EQ(mhaFunctionGetRunResult(fn, 0, &kept), MHA_SUCCESS);
  EXPECT_EQ(0, std::memcmp(keptCopy.data(), kept.data, keptCopy.size() * 4));

  // Bad arguments: room for the wrong number of results, null results;
  // failed calls leave the result slots NULL.
  MhaTensor *two[2] = {reinterpret_cast<MhaTensor *>(&error), nullptr};
  EXPECT_EQ(mhaFunctionCall(fn, in0, 3, two, 2, &error),
            MHA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(two[0], nullptr);
  ASSERT_NE(error, nullptr);
  EXPECT_NE(std::string(error).find("has 1 results"), std::string::npos)
      << error;
  mhaStringFree(error);
  EXPECT_EQ(mhaFunctionCall(fn, in0, 3, nullptr, 1, &error),
            MHA_ERROR_INVALID_ARGUMENT);
  mhaStringFree(error);
  int64_t badK[] = {2, 2, 5, 4};
  MhaBuffer mismatch[] = {in0[0],
                          {k0.data(), MHA_DTYPE_F32, 4, badK},
                          {k0.data(), MHA_DTYPE_F32, 4, badK}};
  std::vector<float> bigK(2 * 2 * 5 * 4);
  mismatch[1].data = mismatch[2].data = bigK.data();
  MhaTensor *one = nullptr;
  EXPECT_EQ(mhaFunctionCall(fn, mismatch, 3, &one, 1, &error),
            MHA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(one, nullptr);
  ASSERT_NE(error, nullptr);
  EXPECT_NE(std::string(error).find("shape mismatch"), std::string::npos)
      << error;
  mhaStringFree(error);
  mhaFunctionDestroy(fn);
}

TEST_F(CAPITest, CallOnDeviceChecksItsArguments) {
  // Without a GPU: the argument checks, and the driver's message for a gpu
  // function (with one, CallOnDeviceRuns below runs it).
  std::vector<float> q(2 * 3 * 4, 0.5f), k(5 * 4, 0.5f), v(5 * 6, 0.5f),
      o(2 * 3 * 6);
  int64_t qs[] = {1, 2, 3, 4}, ks[] = {1, 1, 5, 4}, vs[] = {1, 1, 5, 6},
          os[] = {1, 2, 3, 6};
  MhaBuffer in[] = {{q.data(), MHA_DTYPE_F32, 4, qs},
                    {k.data(), MHA_DTYPE_F32, 4, ks},
                    {v.data(), MHA_DTYPE_F32, 4, vs}};
  MhaBuffer out = {o.data(), MHA_DTYPE_F32, 4, os};
  auto expectError = [](MhaStatus status, MhaStatus expected, char *error,
                        const std::string &text) {
    EXPECT_EQ(status, expected);
    ASSERT_NE(error, nullptr);
    EXPECT_NE(std::string(error).find(text), std::string::npos) << error;
    mhaStringFree(error);
  };
  char *error = nullptr;
  MhaFunction *cpu = compileOrDie(kAttention, "cpu");
  ASSERT_NE(cpu, nullptr);
  expectError(mhaFunctionCallOnDevice(cpu, in, 3, &out, 1, nullptr, &error),
              MHA_ERROR_INVALID_ARGUMENT, error,
              "compiled for the cpu pipeline; device buffers need a gpu");
  mhaFunctionDestroy(cpu);
  expectError(mhaFunctionCallOnDevice(nullptr, in, 3, &out, 1, nullptr, &error),
              MHA_ERROR_INVALID_ARGUMENT, error, "null function");

  MhaFunction *fn = compileOrDie(kAttention, "gpu");
  ASSERT_NE(fn, nullptr);
  expectError(mhaFunctionCallOnDevice(fn, in, 3, &out, 0, nullptr, &error),
              MHA_ERROR_INVALID_ARGUMENT, error, "has 1 results, but 0");
  MhaBuffer noData = {nullptr, MHA_DTYPE_F32, 4, os};
  expectError(mhaFunctionCallOnDevice(fn, in, 3, &noData, 1, nullptr, &error),
              MHA_ERROR_INVALID_ARGUMENT, error, "output 0: null data");
  expectError(mhaFunctionCallOnDevice(fn, in, 2, &out, 1, nullptr, &error),
              MHA_ERROR_INVALID_ARGUMENT, error, "takes 3 arguments");
  if (cudaDeviceCount() == 0) {
    std::string expected = driverLoadable()
                               ? "CUDA"
                               : "cannot load the CUDA driver library "
                                 "libcuda.so.1";
    expectError(mhaFunctionCallOnDevice(fn, in, 3, &out, 1, nullptr, &error),
                MHA_ERROR_RUNTIME, error, expected);
    EXPECT_EQ(mhaFunctionGetCallsInFlight(fn), 0);
  }
  mhaFunctionDestroy(fn);
}

TEST_F(CAPITest, CompileErrorsCarryDiagnostics) {
  MhaFunction *fn = nullptr;
  char *error = nullptr;
  // Parse error: the message has the location and the source line.
  EXPECT_EQ(mhaCompile(ctx, "func.func @f(", -1, nullptr, "cpu", nullptr, &fn,
                       &error),
            MHA_ERROR_COMPILE);
  ASSERT_NE(error, nullptr);
  EXPECT_NE(std::string(error).find("<input>:1:"), std::string::npos) << error;
  mhaStringFree(error);

  // Verifier error of the mha dialect: H not a multiple of Hkv.
  const char *invalid = R"mlir(
func.func @f(%q: tensor<1x3x4x8xf32>, %k: tensor<1x2x4x8xf32>) -> tensor<1x3x4x8xf32> {
  %o = mha.attention %q, %k, %k
      : tensor<1x3x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x3x4x8xf32>
  return %o : tensor<1x3x4x8xf32>
})mlir";
  EXPECT_EQ(mhaCompile(ctx, invalid, -1, nullptr, "cpu", nullptr, &fn, &error),
            MHA_ERROR_COMPILE);
  ASSERT_NE(error, nullptr);
  EXPECT_NE(std::string(error).find("error:"), std::string::npos) << error;
  mhaStringFree(error);

  // Unsupported signature.
  const char *i32 = "func.func @f(%a: tensor<2xi32>) -> tensor<2xi32> {\n"
                    "  return %a : tensor<2xi32>\n}\n";
  EXPECT_EQ(mhaCompile(ctx, i32, -1, nullptr, "cpu", nullptr, &fn, &error),
            MHA_ERROR_COMPILE);
  ASSERT_NE(error, nullptr);
  EXPECT_NE(std::string(error).find("unsupported type"), std::string::npos)
      << error;
  mhaStringFree(error);

  // Unknown entry.
  EXPECT_EQ(
      mhaCompile(ctx, kAttention, -1, "nope", "cpu", nullptr, &fn, &error),
      MHA_ERROR_COMPILE);
  ASSERT_NE(error, nullptr);
  EXPECT_NE(std::string(error).find("nope"), std::string::npos) << error;
  mhaStringFree(error);

  // An unknown pipeline is an argument error that lists the known ones.
  EXPECT_EQ(
      mhaCompile(ctx, kAttention, -1, nullptr, "tpu", nullptr, &fn, &error),
      MHA_ERROR_INVALID_ARGUMENT);
  ASSERT_NE(error, nullptr);
  EXPECT_NE(std::string(error).find("'cpu', 'reference' or 'gpu'"),
            std::string::npos)
      << error;
  mhaStringFree(error);
  EXPECT_EQ(mhaCompile(nullptr, kAttention, -1, nullptr, "cpu", nullptr, &fn,
                       nullptr),
            MHA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(fn, nullptr);
}

//===----------------------------------------------------------------------===//
// gpu
//===----------------------------------------------------------------------===//

TEST_F(CAPITest, GpuCompiles) {
  // Compiling needs ptxas, not a GPU.
  MhaFunction *fn = compileOrDie(kAttention, "gpu", "chip=sm_80");
  ASSERT_NE(fn, nullptr);
  EXPECT_STREQ(mhaFunctionGetPipeline(fn), "gpu");
  EXPECT_STREQ(mhaFunctionGetName(fn), "sdpa");
  EXPECT_GT(mhaFunctionGetCompileSeconds(fn), 0.0);
  ASSERT_EQ(mhaFunctionGetNumArgs(fn), 3);
  const int64_t *r = mhaFunctionGetResultShape(fn, 0);
  EXPECT_EQ(std::vector<int64_t>(r, r + 4), (std::vector<int64_t>{1, 2, 3, 6}));
  mhaFunctionDestroy(fn);

  MhaFunction *dyn = compileOrDie(kDynamic, "gpu");
  EXPECT_NE(dyn, nullptr);
  mhaFunctionDestroy(dyn);
}

TEST_F(CAPITest, GpuCompileErrors) {
  MhaFunction *fn = nullptr;
  char *error = nullptr;
  EXPECT_EQ(
      mhaCompile(ctx, kAttention, -1, nullptr, "gpu", "no-such=1", &fn, &error),
      MHA_ERROR_COMPILE);
  EXPECT_EQ(fn, nullptr);
  ASSERT_NE(error, nullptr);
  EXPECT_NE(std::string(error).find("no-such"), std::string::npos) << error;
  mhaStringFree(error);
  error = nullptr;
  EXPECT_EQ(mhaCompile(ctx, kAttention, -1, nullptr, "gpu", "kernel=fastest",
                       &fn, &error),
            MHA_ERROR_COMPILE);
  EXPECT_EQ(fn, nullptr);
  ASSERT_NE(error, nullptr);
  mhaStringFree(error);
}

TEST_F(CAPITest, GpuRunWithoutDriverFails) {
  if (cudaDeviceCount() > 0)
    GTEST_SKIP() << "a CUDA device is usable here";
  MhaFunction *fn = compileOrDie(kAttention, "gpu");
  ASSERT_NE(fn, nullptr);
  std::vector<float> q(2 * 3 * 4, 0.5f), k(5 * 4, 0.5f), v(5 * 6, 0.5f);
  int64_t qs[] = {1, 2, 3, 4}, ks[] = {1, 1, 5, 4}, vs[] = {1, 1, 5, 6};
  MhaBuffer in[] = {{q.data(), MHA_DTYPE_F32, 4, qs},
                    {k.data(), MHA_DTYPE_F32, 4, ks},
                    {v.data(), MHA_DTYPE_F32, 4, vs}};
  std::string expected = driverLoadable()
                             ? "CUDA"
                             : "cannot load the CUDA driver library "
                               "libcuda.so.1";
  for (int attempt = 0; attempt < 2; ++attempt) {
    char *error = nullptr;
    EXPECT_EQ(mhaFunctionRun(fn, in, 3, &error), MHA_ERROR_RUNTIME);
    ASSERT_NE(error, nullptr);
    std::string message = error;
    mhaStringFree(error);
    EXPECT_EQ(message.rfind("run failed: ", 0), 0u) << message;
    EXPECT_NE(message.find(expected), std::string::npos) << message;
    MhaBuffer view;
    EXPECT_EQ(mhaFunctionGetRunResult(fn, 0, &view),
              MHA_ERROR_INVALID_ARGUMENT);
  }

  // RunInto reports the same; bad inputs are still argument errors first.
  std::vector<float> out(2 * 3 * 6);
  int64_t os[] = {1, 2, 3, 6};
  MhaBuffer o = {out.data(), MHA_DTYPE_F32, 4, os};
  char *error = nullptr;
  EXPECT_EQ(mhaFunctionRunInto(fn, in, 3, &o, 1, &error), MHA_ERROR_RUNTIME);
  ASSERT_NE(error, nullptr);
  EXPECT_NE(std::string(error).find(expected), std::string::npos) << error;
  mhaStringFree(error);
  error = nullptr;
  EXPECT_EQ(mhaFunctionRun(fn, in, 2, &error), MHA_ERROR_INVALID_ARGUMENT);
  mhaStringFree(error);
  mhaFunctionDestroy(fn);

  // The CPU pipelines are unaffected by the failed GPU runs.
  MhaFunction *cpu = compileOrDie(kAttention, "cpu");
  ASSERT_NE(cpu, nullptr);
  EXPECT_EQ(mhaFunctionRun(cpu, in, 3, &error), MHA_SUCCESS) << error;
  mhaFunctionDestroy(cpu);
}

TEST_F(CAPITest, BadInputs) {
  MhaFunction *fn = compileOrDie(kAttention, "reference");
  ASSERT_NE(fn, nullptr);
  std::vector<float> buf(64, 0.5f);
  std::vector<uint16_t> half(64, 0);
  int64_t qs[] = {1, 2, 3, 4}, ks[] = {1, 1, 5, 4}, vs[] = {1, 1, 5, 6},
          wrongShape[] = {1, 1, 5, 7};
  char *error = nullptr;
  auto expectError = [&](const MhaBuffer *in, int64_t n, const char *needle) {
    EXPECT_EQ(mhaFunctionRun(fn, in, n, &error), MHA_ERROR_INVALID_ARGUMENT);
    ASSERT_NE(error, nullptr);
    EXPECT_NE(std::string(error).find(needle), std::string::npos) << error;
    mhaStringFree(error);
    error = nullptr;
  };
  MhaBuffer good[] = {{buf.data(), MHA_DTYPE_F32, 4, qs},
                      {buf.data(), MHA_DTYPE_F32, 4, ks},
                      {buf.data(), MHA_DTYPE_F32, 4, vs}};
  expectError(good, 2, "takes 3 arguments");
  MhaBuffer dtype[] = {good[0], good[1], {half.data(), MHA_DTYPE_F16, 4, vs}};
  expectError(dtype, 3, "argument 2");
  MhaBuffer shape[] = {
      good[0], good[1], {buf.data(), MHA_DTYPE_F32, 4, wrongShape}};
  expectError(shape, 3, "shape mismatch");
  MhaBuffer rank[] = {good[0], {buf.data(), MHA_DTYPE_F32, 3, ks}, good[2]};
  expectError(rank, 3, "argument 1");
  MhaBuffer null[] = {good[0], good[1], {nullptr, MHA_DTYPE_F32, 4, vs}};
  expectError(null, 3, "null data");
  MhaBuffer unknown[] = {good[0], good[1], {buf.data(), MhaDType(9), 4, vs}};
  expectError(unknown, 3, "unknown dtype");
  // A failed run leaves no results behind.
  MhaBuffer view;
  EXPECT_EQ(mhaFunctionGetRunResult(fn, 0, &view), MHA_ERROR_INVALID_ARGUMENT);
  mhaFunctionDestroy(fn);
}

} // namespace
