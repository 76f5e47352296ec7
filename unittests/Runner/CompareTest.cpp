//===- CompareTest.cpp - Tolerance comparison tests -----------------------===//

#include "mha/Runner/Compare.h"

#include "gtest/gtest.h"

#include <cmath>
#include <limits>

using namespace mlir::mha::runner;

namespace {

const float kInf = std::numeric_limits<float>::infinity();
const float kNaN = std::numeric_limits<float>::quiet_NaN();

HostTensor make(std::vector<float> values, DType dtype = DType::F32) {
  HostTensor t(dtype, {int64_t(values.size())});
  for (size_t i = 0; i < values.size(); ++i)
    t.set(i, values[i]);
  return t;
}

TEST(CompareTest, Defaults) {
  Tolerance f32 = Tolerance::defaultFor(DType::F32);
  EXPECT_EQ(f32.atol, 1e-4);
  EXPECT_EQ(f32.rtol, 1e-4);
  EXPECT_EQ(Tolerance::defaultFor(DType::F16).atol, 2e-3);
  EXPECT_EQ(Tolerance::defaultFor(DType::F16).rtol, 2e-3);
  EXPECT_EQ(Tolerance::defaultFor(DType::BF16).atol, 2e-2);
  EXPECT_EQ(Tolerance::defaultFor(DType::BF16).rtol, 2e-2);
  EXPECT_EQ(Tolerance::defaultFor(DType::I1).atol, 0);
  EXPECT_EQ(Tolerance::defaultFor(DType::I1).rtol, 0);
}

TEST(CompareTest, IdenticalPasses) {
  HostTensor a = randomTensor(DType::F32, {3, 4}, 1);
  Comparison c = compare(a, a, Tolerance());
  EXPECT_TRUE(c.passed());
  EXPECT_EQ(c.mismatches, 0);
  EXPECT_EQ(c.firstMismatch, -1);
  EXPECT_EQ(c.maxAbsError, 0);
  EXPECT_EQ(c.maxRelError, 0);
}

TEST(CompareTest, WithinAndOutsideTolerance) {
  HostTensor expected = make({1.0f, 100.0f, 0.0f, -2.0f});
  // Bound per element: atol + rtol * |e| = 0.1 + 0.01 * |e|.
  Tolerance tol{0.1, 0.01};
  HostTensor close = make({1.105f, 100.9f, -0.09f, -2.1f});
  Comparison ok = compare(close, expected, tol);
  EXPECT_TRUE(ok.passed());
  EXPECT_NEAR(ok.maxAbsError, 0.9, 1e-5);
  EXPECT_NEAR(ok.maxRelError, 0.09 / 1e-6, 1);

  HostTensor far = make({1.2f, 100.0f, 0.0f, -2.5f});
  Comparison bad = compare(far, expected, tol);
  EXPECT_FALSE(bad.passed());
  EXPECT_FALSE(bad.shapeMismatch);
  EXPECT_EQ(bad.mismatches, 2);
  EXPECT_EQ(bad.firstMismatch, 0);
  EXPECT_NEAR(bad.maxAbsError, 0.5, 1e-6);
  EXPECT_NEAR(bad.maxRelError, 0.25, 1e-6);
}

TEST(CompareTest, RelativeToleranceScales) {
  HostTensor expected = make({1000.0f});
  HostTensor actual = make({1001.0f});
  EXPECT_FALSE(compare(actual, expected, {0.5, 0}).passed());
  EXPECT_TRUE(compare(actual, expected, {0.5, 1e-3}).passed());
}

TEST(CompareTest, NaNNeverPasses) {
  Tolerance huge{1e30, 1e30};
  Comparison c = compare(make({1.0f, kNaN}), make({1.0f, 1.0f}), huge);
  EXPECT_FALSE(c.passed());
  EXPECT_EQ(c.mismatches, 1);
  EXPECT_EQ(c.firstMismatch, 1);
  EXPECT_TRUE(std::isnan(c.maxAbsError));
  EXPECT_FALSE(compare(make({1.0f}), make({kNaN}), huge).passed());
  EXPECT_FALSE(compare(make({kNaN}), make({kNaN}), huge).passed());
  // A NaN error is not overwritten by a later finite one.
  Comparison later = compare(make({kNaN, 5.0f}), make({1.0f, 1.0f}), huge);
  EXPECT_TRUE(std::isnan(later.maxAbsError));
}

TEST(CompareTest, Infinities) {
  Tolerance huge{1e30, 1e30};
  EXPECT_TRUE(compare(make({kInf, -kInf}), make({kInf, -kInf}), {}).passed());
  EXPECT_FALSE(compare(make({1.0f}), make({kInf}), huge).passed());
  EXPECT_FALSE(compare(make({kInf}), make({1.0f}), huge).passed());
  EXPECT_FALSE(compare(make({-kInf}), make({kInf}), huge).passed());
}

TEST(CompareTest, ShapeAndDtypeMismatch) {
  HostTensor a(DType::F32, {2, 3});
  HostTensor b(DType::F32, {3, 2});
  Comparison c = compare(a, b, {1, 1});
  EXPECT_TRUE(c.shapeMismatch);
  EXPECT_FALSE(c.passed());
  EXPECT_TRUE(compare(HostTensor(DType::F32, {6}), a, {1, 1}).shapeMismatch);
  HostTensor f16(DType::F16, {2, 3});
  EXPECT_TRUE(compare(f16, a, {1, 1}).shapeMismatch);
  EXPECT_FALSE(compare(f16, a, {1, 1}).passed());
}

TEST(CompareTest, LowPrecisionAndBool) {
  HostTensor e16 = make({1.0f, 2.0f}, DType::F16);
  HostTensor a16 = make({1.001f, 2.0f}, DType::F16); // 1 ulp of f16 away
  EXPECT_TRUE(compare(a16, e16, Tolerance::defaultFor(DType::F16)).passed());
  EXPECT_FALSE(compare(a16, e16, Tolerance()).passed());

  HostTensor m1 = make({1, 0, 1}, DType::I1);
  HostTensor m2 = make({1, 1, 1}, DType::I1);
  Comparison c = compare(m2, m1, Tolerance::defaultFor(DType::I1));
  EXPECT_FALSE(c.passed());
  EXPECT_EQ(c.firstMismatch, 1);
  EXPECT_TRUE(compare(m1, m1, Tolerance::defaultFor(DType::I1)).passed());
}

} // namespace
