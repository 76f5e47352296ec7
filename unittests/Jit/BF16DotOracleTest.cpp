//===- BF16DotOracleTest.cpp - vdpbf16ps attention vs the f64 oracle ------===//
//
// Runs mha-cpu-pipeline with `bf16-dot=on` (the AVX512-BF16 dot products of
// mha-vectorize-bf16-contractions: Q . K^T with the pre-scaled Q rounded to
// bf16, P . V with P rounded to bf16, f32 accumulation) on bf16 attention
// and compares it with the float64 C++ oracle at the bf16 tolerance. Runs at
// the AVX512-BF16 target level (TargetLevels.h); skipped on hosts without
// AVX512-BF16. Prints the largest errors, the figures docs/cpu-codegen.md
// quotes.
//
//===----------------------------------------------------------------------===//

#include "mha/Runner/Compare.h"
#include "mha/Runner/Oracle.h"

#include "AttentionCase.h"
#include "TargetLevels.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <cstdio>

using namespace mlir;
using namespace mlir::mha::runner;

namespace {
using Case = mlir::mha::testing::AttentionCase;
using mlir::mha::testing::MaskKind;
using mlir::mha::testing::TargetLevel;

struct OracleCase {
  Case attention;
  const char *options;
};

class BF16DotOracleTest : public ::testing::TestWithParam<OracleCase> {
protected:
  static std::pair<double, double> &maxErrors() {
    static std::pair<double, double> m;
    return m;
  }
  static void TearDownTestSuite() {
    std::printf("[ oracle  ] bf16 dot: largest max_abs_err=%.3e "
                "max_rel_err=%.3e\n",
                maxErrors().first, maxErrors().second);
  }
};

TEST_P(BF16DotOracleTest, MatchesOracle) {
  const auto &[c, extra] = GetParam();
  const TargetLevel *level = nullptr;
  for (const TargetLevel &l : mlir::mha::testing::targetLevels())
    if (std::string(l.cpuOptions).find("bf16-dot=on") != std::string::npos)
      level = &l;
  ASSERT_NE(level, nullptr);
  std::string why;
  std::optional<TargetFlags> target =
      mlir::mha::testing::resolveLevel(*level, why);
  if (!target)
    GTEST_SKIP() << "target level " << level->name
                 << " cannot run on this host: " << why;
  std::string options = std::string(level->cpuOptions) + " " + extra;
  SCOPED_TRACE(::testing::Message() << c << " " << options);
  std::string text = mlir::mha::testing::buildAttentionModule(c);
  std::vector<HostTensor> inputs =
      mlir::mha::testing::makeAttentionInputs(c, c.sq * 7 + c.skv + c.d);
  auto results = mlir::mha::testing::compileAndRun(text, PipelineKind::CPU,
                                                   options, inputs, *target);
  ASSERT_TRUE(bool(results)) << llvm::toString(results.takeError()) << "\n"
                             << text;
  ASSERT_EQ(results->size(), 1u);

  AttentionAttrs attrs;
  attrs.causal = c.causal;
  attrs.scale = c.scale;
  HostTensor expected =
      oracleAttention(inputs[0], inputs[1], inputs[2],
                      inputs.size() > 3 ? &inputs[3] : nullptr, attrs);
  Comparison cmp =
      compare((*results)[0], expected, Tolerance::defaultFor(DType::BF16));
  maxErrors().first = std::max(maxErrors().first, cmp.maxAbsError);
  maxErrors().second = std::max(maxErrors().second, cmp.maxRelError);
  EXPECT_TRUE(cmp.passed())
      << "max_abs_err=" << cmp.maxAbsError << " max_rel_err=" << cmp.maxRelError
      << " mismatches=" << cmp.mismatches << " first at " << cmp.firstMismatch;
}

Case bf16(int64_t b, int64_t h, int64_t hkv, int64_t sq, int64_t skv, int64_t d,
          int64_t dv, bool causal, float range = 1.0f,
          MaskKind mask = MaskKind::None, std::vector<int64_t> maskShape = {}) {
  Case c{b, h, hkv, sq, skv, d, dv, causal, mask, maskShape, DType::BF16};
  c.range = range;
  return c;
}

const OracleCase kCases[] = {
    // Full 64 x 64 tiles, D = 64 and 128 (the prefill shapes), causal with
    // the peeled diagonal in 16- and 32-row blocks.
    {bf16(1, 2, 2, 128, 128, 64, 64, false), ""},
    {bf16(1, 2, 2, 128, 128, 128, 128, true), ""},
    {bf16(1, 2, 2, 256, 256, 64, 64, true), "q-tile=32 kv-tile=32"},
    // Partial kv tiles (the K tile is rounded from its f32 copy), GQA, MQA,
    // Dv != D.
    {bf16(1, 8, 2, 96, 77, 64, 64, false), ""},
    {bf16(2, 4, 1, 70, 131, 128, 64, true), ""},
    // Large scores: the rounding of the pre-scaled Q and of P matter most.
    {bf16(1, 2, 2, 64, 200, 64, 64, false, 8.0f), ""},
    // Float and i1 masks.
    {bf16(1, 2, 2, 64, 96, 64, 64, false, 1.0f, MaskKind::Float,
          {1, 1, 64, 96}),
     ""},
    {bf16(1, 2, 1, 48, 64, 32, 32, true, 1.0f, MaskKind::I1, {1, 1, 1, 64}),
     "q-tile=16 kv-tile=16"},
    // Decode: flash-decoding splits, P . V on the dot path.
    {bf16(1, 8, 2, 1, 300, 128, 128, false), ""},
};

INSTANTIATE_TEST_SUITE_P(Matrix, BF16DotOracleTest,
                         ::testing::ValuesIn(kCases));
} // namespace
