//===- CAPITargetTest.cpp - mhaCompileForTarget ---------------------------===//
//
// The CPU target of the C API, as a C client uses it: the same attention
// compiled for the baseline x86-64 (SSE2, no F16C) and for the host gives
// the same f16 result, and a bad CPU, a bad feature or a CPU this host
// cannot run is a compile error that names it.
//
//===----------------------------------------------------------------------===//

#include "mha-c/MHA.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

const char *kHalf = R"mlir(
func.func @sdpa(%q: tensor<1x2x9x8xf16>, %k: tensor<1x1x13x8xf16>,
                %v: tensor<1x1x13x8xf16>) -> tensor<1x2x9x8xf16> {
  %o = mha.attention %q, %k, %v {causal}
      : tensor<1x2x9x8xf16>, tensor<1x1x13x8xf16>, tensor<1x1x13x8xf16>
      -> tensor<1x2x9x8xf16>
  return %o : tensor<1x2x9x8xf16>
}
)mlir";

class CAPITargetTest : public ::testing::Test {
protected:
  void SetUp() override { ctx = mhaContextCreate(); }
  void TearDown() override { mhaContextDestroy(ctx); }

  /// Compiles kHalf for `cpu`, or returns the error message.
  MhaFunction *compile(const char *cpu, const char *features,
                       std::string &message) {
    MhaFunction *fn = nullptr;
    char *error = nullptr;
    MhaStatus status = mhaCompileForTarget(ctx, kHalf, -1, nullptr, "cpu",
                                           nullptr, cpu, features, &fn, &error);
    if (status != MHA_SUCCESS) {
      EXPECT_EQ(status, MHA_ERROR_COMPILE);
      EXPECT_EQ(fn, nullptr);
      message = error ? error : "";
    }
    mhaStringFree(error);
    return fn;
  }

  /// Runs `fn` on fixed f16 inputs; returns the result's bits.
  std::vector<uint16_t> run(MhaFunction *fn) {
    std::vector<uint16_t> q(2 * 9 * 8), k(13 * 8), v(13 * 8);
    // f16 values in [-1, 1): sign, small exponents, every mantissa pattern.
    for (size_t i = 0; i < q.size(); ++i)
      q[i] = uint16_t((i % 2) << 15 | (13 + i % 2) << 10 | (i * 37) % 1024);
    for (size_t i = 0; i < k.size(); ++i) {
      k[i] = uint16_t((i % 3 == 0) << 15 | 14 << 10 | (i * 91) % 1024);
      v[i] = uint16_t((i % 5 == 0) << 15 | 13 << 10 | (i * 53) % 1024);
    }
    int64_t qs[] = {1, 2, 9, 8}, ks[] = {1, 1, 13, 8};
    MhaBuffer in[] = {{q.data(), MHA_DTYPE_F16, 4, qs},
                      {k.data(), MHA_DTYPE_F16, 4, ks},
                      {v.data(), MHA_DTYPE_F16, 4, ks}};
    std::vector<uint16_t> out(2 * 9 * 8);
    int64_t os[] = {1, 2, 9, 8};
    MhaBuffer result = {out.data(), MHA_DTYPE_F16, 4, os};
    char *error = nullptr;
    EXPECT_EQ(mhaFunctionRunInto(fn, in, 3, &result, 1, &error), MHA_SUCCESS)
        << (error ? error : "");
    mhaStringFree(error);
    return out;
  }

  MhaContext *ctx = nullptr;
};

TEST_F(CAPITargetTest, BaselineMatchesHost) {
  std::string message;
  MhaFunction *sse2 = compile("x86-64", nullptr, message);
  ASSERT_NE(sse2, nullptr) << message;
  MhaFunction *host = compile(nullptr, "", message);
  ASSERT_NE(host, nullptr) << message;
  std::vector<uint16_t> a = run(sse2), b = run(host);
  // Different vector widths sum in different orders: allow 2 f16 ulps.
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_LE(std::abs(int(a[i]) - int(b[i])), 2) << "element " << i;
  EXPECT_TRUE(std::any_of(a.begin(), a.end(), [](uint16_t x) { return x; }));
  mhaFunctionDestroy(sse2);
  mhaFunctionDestroy(host);
}

TEST_F(CAPITargetTest, ErrorsNameTheCulprit) {
  std::string message;
  EXPECT_EQ(compile("pentium9", nullptr, message), nullptr);
  EXPECT_NE(message.find("unknown target CPU 'pentium9'"), std::string::npos)
      << message;
  EXPECT_EQ(compile("x86-64", "+no-such-feature", message), nullptr);
  EXPECT_NE(message.find("unknown target feature 'no-such-feature'"),
            std::string::npos)
      << message;
  // No x86 CPU has both SSE4A (AMD) and AVX512-FP16 (Intel): code for one
  // of these cannot run here, and the JIT says which features are missing.
  MhaFunction *zen = compile("znver4", nullptr, message);
  std::string zenMessage = message;
  MhaFunction *spr = compile("sapphirerapids", nullptr, message);
  EXPECT_TRUE(zen == nullptr || spr == nullptr);
  std::string refused = zen ? message : zenMessage;
  EXPECT_NE(refused.find("cannot run on this host, which lacks"),
            std::string::npos)
      << refused;
  mhaFunctionDestroy(zen);
  mhaFunctionDestroy(spr);
}

TEST_F(CAPITargetTest, PipelineOptionErrorsAreReturnedNotPrinted) {
  struct Case {
    const char *pipeline, *options, *message;
  } cases[] = {
      {"cpu", "q-tile=abc",
       "invalid cpu pipeline options 'q-tile=abc': option q-tile: 'abc' is "
       "not an integer"},
      {"cpu", "bogus=1",
       "invalid cpu pipeline options 'bogus=1': unknown option 'bogus' "
       "(mha-cpu-pipeline has: target-cpu, target-features, q-tile, "},
      {"gpu", "kernel=fastest",
       "option kernel: 'fastest' is not one of auto, mma, wgmma, simt"},
      // LLVM's NVPTX back end ends the process on this one.
      {"gpu", "chip=sm_100 features=+ptx80 format=isa",
       "chip sm_100 needs PTX 8.6 or later"},
  };
  for (const Case &c : cases) {
    MhaFunction *fn = nullptr;
    char *error = nullptr;
    testing::internal::CaptureStderr();
    MhaStatus status =
        mhaCompile(ctx, kHalf, -1, nullptr, c.pipeline, c.options, &fn, &error);
    std::string printed = testing::internal::GetCapturedStderr();
    EXPECT_EQ(status, MHA_ERROR_COMPILE) << c.options;
    EXPECT_EQ(fn, nullptr);
    ASSERT_NE(error, nullptr);
    EXPECT_NE(std::string(error).find(c.message), std::string::npos) << error;
    EXPECT_EQ(printed, "") << c.options;
    mhaStringFree(error);
  }
}
} // namespace
