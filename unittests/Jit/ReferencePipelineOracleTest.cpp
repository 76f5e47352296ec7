//===- ReferencePipelineOracleTest.cpp - Reference pipeline vs oracle -----===//
//
// Runs mha-reference-pipeline through the JIT across a matrix of shapes and
// features, at every x86-64 level this host can run (TargetLevels.h), and
// compares it with the independent C++ oracle. This guards the oracle
// pipeline that `mha-run --verify` relies on.
//
//===----------------------------------------------------------------------===//

#include "mha/Runner/Compare.h"
#include "mha/Runner/Oracle.h"

#include "AttentionCase.h"
#include "TargetLevels.h"

#include "gtest/gtest.h"

#include <map>

using namespace mlir;
using namespace mlir::mha::runner;

namespace {
using Case = mlir::mha::testing::AttentionCase;
using mlir::mha::testing::MaskKind;
using mlir::mha::testing::TargetLevel;

class ReferencePipelineOracleTest
    : public ::testing::TestWithParam<std::tuple<TargetLevel, Case>> {
protected:
  /// Largest error seen per dtype over the whole matrix, printed at the end.
  static std::map<DType, std::pair<double, double>> &maxErrors() {
    static std::map<DType, std::pair<double, double>> m;
    return m;
  }
  static void TearDownTestSuite() {
    for (auto &[dtype, err] : maxErrors())
      std::printf("[ oracle  ] %s: largest max_abs_err=%.3e max_rel_err=%.3e\n",
                  dtypeName(dtype).data(), err.first, err.second);
  }
};

TEST_P(ReferencePipelineOracleTest, MatchesOracle) {
  const auto &[level, c] = GetParam();
  std::string why;
  std::optional<TargetFlags> target =
      mlir::mha::testing::resolveLevel(level, why);
  if (!target)
    GTEST_SKIP() << "target level " << level.name
                 << " cannot run on this host: " << why;
  std::string text = mlir::mha::testing::buildAttentionModule(c);
  uint64_t seed = c.b * 131 + c.h * 17 + c.sq * 7 + c.skv + c.d;
  std::vector<HostTensor> inputs =
      mlir::mha::testing::makeAttentionInputs(c, seed);
  auto results = mlir::mha::testing::compileAndRun(
      text, PipelineKind::Reference, "", inputs, *target);
  ASSERT_TRUE(bool(results)) << llvm::toString(results.takeError()) << "\n"
                             << text;
  ASSERT_EQ(results->size(), 1u);

  AttentionAttrs attrs;
  attrs.causal = c.causal;
  attrs.scale = c.scale;
  HostTensor expected =
      oracleAttention(inputs[0], inputs[1], inputs[2],
                      inputs.size() > 3 ? &inputs[3] : nullptr, attrs);
  Tolerance tol = Tolerance::defaultFor(c.dtype);
  Comparison cmp = compare((*results)[0], expected, tol);
  auto &worst = maxErrors()[c.dtype];
  worst.first = std::max(worst.first, cmp.maxAbsError);
  worst.second = std::max(worst.second, cmp.maxRelError);
  EXPECT_TRUE(cmp.passed())
      << "max_abs_err=" << cmp.maxAbsError << " max_rel_err=" << cmp.maxRelError
      << " mismatches=" << cmp.mismatches << " first at " << cmp.firstMismatch
      << "\n"
      << text;
  if (c.emptyRows) {
    // Row 1 of every head must be exactly zero.
    const HostTensor &o = (*results)[0];
    for (int64_t e = 0; e < c.dv; ++e)
      EXPECT_EQ(o.get(1 * c.dv + e), 0.0f);
  }
}

// {b, h, hkv, sq, skv, d, dv, causal, mask, maskShape, dtype, range, dynamic,
//  emptyRows, scale}
const Case kCases[] = {
    // GQA ratios 1, 2, 4, H and MQA.
    {1, 4, 4, 16, 16, 64, 64, false},
    {2, 4, 2, 16, 16, 32, 32, false},
    {1, 8, 2, 33, 33, 40, 40, true},
    {1, 8, 1, 17, 29, 64, 64, false},
    {2, 6, 1, 5, 9, 16, 16, true},
    // Sq != Skv with bottom-right causal, both directions.
    {1, 2, 2, 3, 77, 64, 64, true},
    {1, 2, 1, 77, 31, 8, 8, true},
    {1, 2, 2, 1, 131, 128, 128, true},
    // Odd sizes.
    {1, 1, 1, 1, 1, 8, 8, false},
    {3, 2, 1, 131, 77, 40, 40, false},
    {1, 3, 3, 3, 3, 8, 8, true},
    // Dv != D.
    {1, 4, 2, 19, 23, 64, 128, false},
    {2, 2, 1, 7, 13, 128, 40, true},
    // Masks of each broadcast form, i1 and float.
    {2, 4, 2, 9, 11, 16, 16, false, MaskKind::I1, {2, 4, 9, 11}},
    {2, 4, 2, 9, 11, 16, 16, true, MaskKind::I1, {1, 1, 9, 11}},
    {2, 4, 2, 1, 37, 16, 16, false, MaskKind::I1, {2, 1, 1, 37}},
    {2, 4, 4, 9, 11, 16, 16, false, MaskKind::Float, {1, 4, 9, 11}},
    {1, 2, 1, 9, 11, 16, 16, true, MaskKind::Float, {1, 1, 1, 11}},
    {2, 2, 2, 9, 11, 8, 8, false, MaskKind::Float, {1, 1, 1, 1}},
    // Fully masked query rows give 0, never NaN.
    {1,
     2,
     2,
     4,
     6,
     8,
     8,
     false,
     MaskKind::I1,
     {1, 1, 4, 6},
     DType::F32,
     1.0f,
     false,
     true},
    // Causal with Sq > Skv: the first Sq - Skv rows see no key.
    {1, 2, 2, 6, 3, 8, 8, true},
    // Large magnitudes (scores in the hundreds) and an explicit scale.
    {1, 2, 1, 31, 45, 64, 64, false, MaskKind::None, {}, DType::F32, 30.0f},
    {1,
     2,
     2,
     8,
     8,
     16,
     16,
     true,
     MaskKind::None,
     {},
     DType::F32,
     4.0f,
     false,
     false,
     2.0},
    // f16 and bf16 with f32 accumulation.
    {1, 4, 2, 33, 47, 64, 64, true, MaskKind::None, {}, DType::F16},
    {2,
     8,
     2,
     16,
     131,
     128,
     128,
     false,
     MaskKind::I1,
     {2, 1, 1, 131},
     DType::F16},
    {1, 4, 1, 77, 77, 40, 40, true, MaskKind::None, {}, DType::BF16},
    {1,
     2,
     2,
     9,
     21,
     64,
     32,
     false,
     MaskKind::Float,
     {1, 2, 9, 21},
     DType::BF16},
    // Dynamic B, Sq and Skv in the IR.
    {2, 4, 2, 13, 21, 32, 32, true, MaskKind::None, {}, DType::F32, 1.0f, true},
    {1,
     2,
     1,
     5,
     64,
     64,
     64,
     false,
     MaskKind::I1,
     {1, 1, 1, 64},
     DType::F16,
     1.0f,
     true},
};

INSTANTIATE_TEST_SUITE_P(
    Matrix, ReferencePipelineOracleTest,
    ::testing::Combine(::testing::ValuesIn(mlir::mha::testing::targetLevels()),
                       ::testing::ValuesIn(kCases)),
    [](const auto &info) {
      return std::string(std::get<0>(info.param).name) + "_" +
             std::to_string(info.index % std::size(kCases));
    });
} // namespace
