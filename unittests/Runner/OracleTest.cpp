//===- OracleTest.cpp - Attention oracle tests ----------------------------===//

#include "mha/Runner/Oracle.h"

#include "gtest/gtest.h"

#include <cmath>
#include <limits>

using namespace mlir::mha::runner;

namespace {

const float kInf = std::numeric_limits<float>::infinity();

HostTensor make(std::vector<int64_t> shape, std::vector<float> values,
                DType dtype = DType::F32) {
  HostTensor t(dtype, std::move(shape));
  EXPECT_EQ(t.numElements(), int64_t(values.size()));
  for (size_t i = 0; i < values.size(); ++i)
    t.set(i, values[i]);
  return t;
}

/// Index of [a, b, c, d] in a rank-4 tensor.
int64_t at(const HostTensor &t, int64_t a, int64_t b, int64_t c, int64_t d) {
  return ((a * t.shape[1] + b) * t.shape[2] + c) * t.shape[3] + d;
}

TEST(OracleTest, OneQueryTwoKeysByHand) {
  // scale 1: scores (q.k0, q.k1) = (0, 1); weights 1/(1+e), e/(1+e).
  HostTensor q = make({1, 1, 1, 1}, {1});
  HostTensor k = make({1, 1, 2, 1}, {0, 1});
  HostTensor v = make({1, 1, 2, 2}, {2, -1, 4, 3});
  AttentionAttrs attrs;
  attrs.scale = 1.0;
  HostTensor o = oracleAttention(q, k, v, nullptr, attrs);
  ASSERT_EQ(o.shape, (std::vector<int64_t>{1, 1, 1, 2}));
  double e = std::exp(1.0);
  EXPECT_FLOAT_EQ(o.get(0), float((2 + 4 * e) / (1 + e)));
  EXPECT_FLOAT_EQ(o.get(1), float((-1 + 3 * e) / (1 + e)));
}

TEST(OracleTest, DefaultScaleIsInverseSqrtD) {
  // D = 4: q.k0 = 4, q.k1 = 0; default scale 1/2 gives scores 2 and 0.
  HostTensor q = make({1, 1, 1, 4}, {1, 1, 1, 1});
  HostTensor k = make({1, 1, 2, 4}, {1, 1, 1, 1, 0, 0, 0, 0});
  HostTensor v = make({1, 1, 2, 1}, {1, 0});
  HostTensor o = oracleAttention(q, k, v, nullptr, {});
  double e2 = std::exp(2.0);
  EXPECT_FLOAT_EQ(o.get(0), float(e2 / (1 + e2)));
  // An explicit scale overrides it: scale 0 gives uniform weights.
  AttentionAttrs zero;
  zero.scale = 0.0;
  EXPECT_FLOAT_EQ(oracleAttention(q, k, v, nullptr, zero).get(0), 0.5f);
}

TEST(OracleTest, LargeScoresDoNotOverflow) {
  // exp(1000) overflows a double; max subtraction keeps the result exact.
  HostTensor q = make({1, 1, 1, 1}, {1000});
  HostTensor k = make({1, 1, 2, 1}, {1, 1});
  HostTensor v = make({1, 1, 2, 1}, {3, 5});
  AttentionAttrs attrs;
  attrs.scale = 1.0;
  EXPECT_FLOAT_EQ(oracleAttention(q, k, v, nullptr, attrs).get(0), 4.0f);
}

TEST(OracleTest, GroupedQueryMatchesRepeatedHeads) {
  const int64_t B = 2, H = 6, Hkv = 2, Sq = 3, Skv = 5, D = 4, Dv = 3;
  HostTensor q = randomTensor(DType::F32, {B, H, Sq, D}, 1);
  HostTensor k = randomTensor(DType::F32, {B, Hkv, Skv, D}, 2);
  HostTensor v = randomTensor(DType::F32, {B, Hkv, Skv, Dv}, 3);
  // Head h uses K/V head h / (H / Hkv): heads 0-2 -> 0, heads 3-5 -> 1.
  HostTensor kRep(DType::F32, {B, H, Skv, D}),
      vRep(DType::F32, {B, H, Skv, Dv});
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t j = 0; j < Skv; ++j) {
        for (int64_t x = 0; x < D; ++x)
          kRep.set(at(kRep, b, h, j, x), k.get(at(k, b, h / 3, j, x)));
        for (int64_t x = 0; x < Dv; ++x)
          vRep.set(at(vRep, b, h, j, x), v.get(at(v, b, h / 3, j, x)));
      }
  AttentionAttrs attrs;
  attrs.causal = true;
  HostTensor gqa = oracleAttention(q, k, v, nullptr, attrs);
  HostTensor mha = oracleAttention(q, kRep, vRep, nullptr, attrs);
  ASSERT_EQ(gqa.shape, (std::vector<int64_t>{B, H, Sq, Dv}));
  EXPECT_EQ(gqa.bytes, mha.bytes);

  // Multi-query (Hkv = 1) against head 0 repeated.
  HostTensor k1(DType::F32, {B, 1, Skv, D}), v1(DType::F32, {B, 1, Skv, Dv});
  for (int64_t b = 0; b < B; ++b)
    for (int64_t j = 0; j < Skv; ++j) {
      for (int64_t x = 0; x < D; ++x)
        k1.set(at(k1, b, 0, j, x), k.get(at(k, b, 0, j, x)));
      for (int64_t x = 0; x < Dv; ++x)
        v1.set(at(v1, b, 0, j, x), v.get(at(v, b, 0, j, x)));
    }
  HostTensor mqa = oracleAttention(q, k1, v1, nullptr, attrs);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t j = 0; j < Skv; ++j)
        for (int64_t x = 0; x < D; ++x)
          kRep.set(at(kRep, b, h, j, x), k.get(at(k, b, 0, j, x)));
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t j = 0; j < Skv; ++j)
        for (int64_t x = 0; x < Dv; ++x)
          vRep.set(at(vRep, b, h, j, x), v.get(at(v, b, 0, j, x)));
  EXPECT_EQ(mqa.bytes, oracleAttention(q, kRep, vRep, nullptr, attrs).bytes);
}

TEST(OracleTest, CausalIsBottomRightAligned) {
  // q = 0 makes all visible scores equal, so each row is the mean of the
  // values it sees. Sq = 2, Skv = 4: row 0 sees keys 0..2, row 1 all four.
  HostTensor q(DType::F32, {1, 1, 2, 2});
  HostTensor k = randomTensor(DType::F32, {1, 1, 4, 2}, 9);
  HostTensor v = make({1, 1, 4, 1}, {1, 2, 4, 8});
  AttentionAttrs attrs;
  attrs.causal = true;
  HostTensor o = oracleAttention(q, k, v, nullptr, attrs);
  EXPECT_FLOAT_EQ(o.get(0), 7.0f / 3);
  EXPECT_FLOAT_EQ(o.get(1), 15.0f / 4);
  // Top-left alignment would give row 0 = 1 (key 0 only).
  EXPECT_NE(o.get(0), 1.0f);

  // Sq == Skv: the usual lower triangle.
  HostTensor q3(DType::F32, {1, 1, 3, 2});
  HostTensor k3 = randomTensor(DType::F32, {1, 1, 3, 2}, 10);
  HostTensor v3 = make({1, 1, 3, 1}, {3, 6, 9});
  HostTensor o3 = oracleAttention(q3, k3, v3, nullptr, attrs);
  EXPECT_FLOAT_EQ(o3.get(0), 3.0f);
  EXPECT_FLOAT_EQ(o3.get(1), 4.5f);
  EXPECT_FLOAT_EQ(o3.get(2), 6.0f);
}

TEST(OracleTest, CausalWithMoreQueriesThanKeys) {
  // Sq = 3, Skv = 2: row i sees j <= i - 1, so row 0 sees nothing -> 0.
  HostTensor q(DType::F32, {1, 1, 3, 1});
  HostTensor k = make({1, 1, 2, 1}, {1, 1});
  HostTensor v = make({1, 1, 2, 1}, {2, 4});
  AttentionAttrs attrs;
  attrs.causal = true;
  HostTensor o = oracleAttention(q, k, v, nullptr, attrs);
  EXPECT_EQ(o.get(0), 0.0f);
  EXPECT_FLOAT_EQ(o.get(1), 2.0f);
  EXPECT_FLOAT_EQ(o.get(2), 3.0f);
}

TEST(OracleTest, WindowIsBottomRightAligned) {
  // q = 0: each row is the mean of the values it sees. Sq = 2, Skv = 5,
  // window [1, 0]: i' = i + 3, row 0 sees keys 2..3, row 1 keys 3..4.
  HostTensor q(DType::F32, {1, 1, 2, 2});
  HostTensor k = randomTensor(DType::F32, {1, 1, 5, 2}, 3);
  HostTensor v = make({1, 1, 5, 1}, {1, 2, 4, 8, 16});
  AttentionAttrs attrs;
  attrs.windowLeft = 1;
  attrs.windowRight = 0;
  HostTensor o = oracleAttention(q, k, v, nullptr, attrs);
  EXPECT_FLOAT_EQ(o.get(0), 6.0f);
  EXPECT_FLOAT_EQ(o.get(1), 12.0f);
  // Unbounded left, right 1: row 0 sees keys 0..4 (i' + 1 = 4), and with
  // causal it sees 0..3 only.
  attrs.windowLeft = -1;
  attrs.windowRight = 1;
  EXPECT_FLOAT_EQ(oracleAttention(q, k, v, nullptr, attrs).get(0), 31.0f / 5);
  attrs.causal = true;
  EXPECT_FLOAT_EQ(oracleAttention(q, k, v, nullptr, attrs).get(0), 15.0f / 4);
}

TEST(OracleTest, SoftcapBoundsScores) {
  // Scores (0, 100) capped at c = 1: (0, tanh(100) ~ 1) -> weights 1/(1+e1)
  // and e1/(1+e1) with e1 = exp(tanh(100)).
  HostTensor q = make({1, 1, 1, 1}, {100});
  HostTensor k = make({1, 1, 2, 1}, {0, 1});
  HostTensor v = make({1, 1, 2, 1}, {0, 1});
  AttentionAttrs attrs;
  attrs.scale = 1.0;
  attrs.softcap = 1.0;
  double e1 = std::exp(std::tanh(100.0));
  EXPECT_FLOAT_EQ(oracleAttention(q, k, v, nullptr, attrs).get(0),
                  float(e1 / (1 + e1)));
}

TEST(OracleTest, AlibiAddsSlopeTimesDistance) {
  // q = 0, Sq = 1, Skv = 3: i' = 2, biases slope * (j - 2) = (-2s, -s, 0).
  // Two heads with slopes 0 (uniform) and ln 2 (weights 1/4, 1/2, 1 ~ 1:2:4).
  HostTensor q(DType::F32, {1, 2, 1, 1});
  HostTensor k = make({1, 1, 3, 1}, {5, -3, 7});
  HostTensor v = make({1, 1, 3, 1}, {7, 14, 28});
  AttentionAttrs attrs;
  attrs.alibiSlopes = {0.0, std::log(2.0)};
  HostTensor o = oracleAttention(q, k, v, nullptr, attrs);
  EXPECT_FLOAT_EQ(o.get(0), 49.0f / 3);
  EXPECT_FLOAT_EQ(o.get(1), (7.0f * 1 + 14 * 2 + 28 * 4) / 7);
}

TEST(OracleTest, ModifiersMatchTheNamedVariants) {
  // Sq = 3 < Skv = 5, GQA 2/1: softcap, ALiBi and a window written as
  // score_mod / mask_mod callbacks (raw indices: the alignment i' = i + 2 is
  // the callback's business) give what the named variants give.
  HostTensor q = randomTensor(DType::F32, {2, 2, 3, 4}, 1);
  HostTensor k = randomTensor(DType::F32, {2, 1, 5, 4}, 2);
  HostTensor v = randomTensor(DType::F32, {2, 1, 5, 3}, 3);
  AttentionAttrs named;
  named.softcap = 0.3;
  named.alibiSlopes = {0.5, -0.25};
  named.windowLeft = 1;
  named.windowRight = 0;
  HostTensor namedLse, modLse;
  HostTensor expected = oracleAttention(q, k, v, nullptr, named, &namedLse);

  AttentionAttrs mod;
  mod.scoreMod = [](double s, int64_t, int64_t h, int64_t i, int64_t j) {
    double slope = h == 0 ? 0.5 : -0.25;
    return 0.3 * std::tanh(s / 0.3) + slope * double(j - (i + 2));
  };
  mod.maskMod = [](int64_t, int64_t, int64_t i, int64_t j) {
    return i + 2 - 1 <= j && j <= i + 2;
  };
  HostTensor actual = oracleAttention(q, k, v, nullptr, mod, &modLse);
  for (int64_t i = 0; i < expected.numElements(); ++i)
    EXPECT_NEAR(actual.get(i), expected.get(i), 1e-6) << "element " << i;
  for (int64_t i = 0; i < namedLse.numElements(); ++i)
    EXPECT_NEAR(modLse.get(i), namedLse.get(i), 1e-6) << "lse " << i;
}

TEST(OracleTest, MaskModHidingARowGivesZerosAndMinusInfLse) {
  HostTensor q = randomTensor(DType::F32, {1, 1, 2, 2}, 4);
  HostTensor k = randomTensor(DType::F32, {1, 1, 3, 2}, 5);
  HostTensor v = randomTensor(DType::F32, {1, 1, 3, 2}, 6);
  AttentionAttrs attrs;
  // Row 1 sees nothing; the score_mod would make its scores NaN if it ran
  // on hidden keys and leaked into the row.
  attrs.maskMod = [](int64_t, int64_t, int64_t i, int64_t) { return i == 0; };
  attrs.scoreMod = [](double s, int64_t, int64_t, int64_t i, int64_t) {
    return i == 0 ? s : std::nan("");
  };
  HostTensor lse;
  HostTensor o = oracleAttention(q, k, v, nullptr, attrs, &lse);
  EXPECT_TRUE(std::isfinite(o.get(0)));
  EXPECT_EQ(o.get(2), 0.0f);
  EXPECT_EQ(o.get(3), 0.0f);
  EXPECT_EQ(lse.get(1), -kInf);
}

TEST(OracleTest, SinkJoinsTheDenominatorOnly) {
  // q = 0, two keys: weights 1/(2 + e^s) each; the sink has no value.
  HostTensor q(DType::F32, {1, 1, 1, 1});
  HostTensor k = make({1, 1, 2, 1}, {1, 2});
  HostTensor v = make({1, 1, 2, 1}, {3, 5});
  AttentionAttrs attrs;
  attrs.sinks = {std::log(2.0)};
  HostTensor lse;
  HostTensor o = oracleAttention(q, k, v, nullptr, attrs, &lse);
  EXPECT_FLOAT_EQ(o.get(0), 8.0f / 4);
  // The lse covers the keys only: log(e^0 + e^0).
  ASSERT_EQ(lse.shape, (std::vector<int64_t>{1, 1, 1}));
  EXPECT_FLOAT_EQ(lse.get(0), float(std::log(2.0)));
}

TEST(OracleTest, LogSumExpOfFullyMaskedRowIsMinusInf) {
  // Sq = 3, Skv = 2, causal: row 0 sees no key; out 0 and lse -inf even with
  // a sink. Row 2 sees both keys with scores (1, 2) at scale 1.
  HostTensor q = make({1, 1, 3, 1}, {1, 1, 1});
  HostTensor k = make({1, 1, 2, 1}, {1, 2});
  HostTensor v = make({1, 1, 2, 1}, {2, 4});
  AttentionAttrs attrs;
  attrs.scale = 1.0;
  attrs.causal = true;
  attrs.sinks = {0.5};
  HostTensor lse;
  HostTensor o = oracleAttention(q, k, v, nullptr, attrs, &lse);
  EXPECT_EQ(o.get(0), 0.0f);
  EXPECT_EQ(lse.get(0), -kInf);
  EXPECT_FLOAT_EQ(lse.get(1), 1.0f);
  EXPECT_FLOAT_EQ(lse.get(2), float(std::log(std::exp(1.0) + std::exp(2.0))));
  double den = std::exp(1.0) + std::exp(2.0) + std::exp(0.5);
  EXPECT_FLOAT_EQ(o.get(2),
                  float((2 * std::exp(1.0) + 4 * std::exp(2.0)) / den));
}

TEST(OracleTest, FullyMaskedRowIsZeroNotNaN) {
  HostTensor q = randomTensor(DType::F32, {1, 1, 2, 2}, 4);
  HostTensor k = randomTensor(DType::F32, {1, 1, 3, 2}, 5);
  HostTensor v = make({1, 1, 3, 1}, {1, 2, 3});
  // Row 0 fully masked, row 1 keeps key 1 only.
  HostTensor boolMask = make({1, 1, 2, 3}, {0, 0, 0, 0, 1, 0}, DType::I1);
  HostTensor o = oracleAttention(q, k, v, &boolMask, {});
  EXPECT_EQ(o.get(0), 0.0f);
  EXPECT_FLOAT_EQ(o.get(1), 2.0f);

  HostTensor floatMask =
      make({1, 1, 2, 3}, {-kInf, -kInf, -kInf, -kInf, 0, -kInf});
  HostTensor of = oracleAttention(q, k, v, &floatMask, {});
  EXPECT_EQ(of.get(0), 0.0f);
  EXPECT_FALSE(std::isnan(of.get(0)));
  EXPECT_FLOAT_EQ(of.get(1), 2.0f);

  // The same in f16 and bf16.
  for (DType dtype : {DType::F16, DType::BF16}) {
    HostTensor q16(dtype, {1, 1, 2, 2}), k16(dtype, {1, 1, 3, 2});
    HostTensor v16 = make({1, 1, 3, 1}, {1, 2, 3}, dtype);
    HostTensor o16 = oracleAttention(q16, k16, v16, &boolMask, {});
    EXPECT_EQ(o16.dtype, dtype);
    EXPECT_EQ(o16.get(0), 0.0f);
    EXPECT_FLOAT_EQ(o16.get(1), 2.0f);
  }
}

/// Rows of o[0, 0] that hold a NaN, as a bit mask (bit r: row r).
unsigned nanRows(const HostTensor &o) {
  unsigned rows = 0;
  for (int64_t r = 0; r < o.shape[2]; ++r)
    for (int64_t c = 0; c < o.shape[3]; ++c)
      if (std::isnan(o.get(at(o, 0, 0, r, c))))
        rows |= 1u << r;
  return rows;
}

TEST(OracleTest, NaNAndInfinitiesPropagateAsInPyTorch) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  auto qkv = [] {
    return std::vector<HostTensor>{randomTensor(DType::F32, {1, 1, 3, 2}, 31),
                                   randomTensor(DType::F32, {1, 1, 4, 2}, 32),
                                   randomTensor(DType::F32, {1, 1, 4, 2}, 33)};
  };
  // NaN in q: its row.
  std::vector<HostTensor> t = qkv();
  t[0].set(at(t[0], 0, 0, 1, 0), nan);
  EXPECT_EQ(nanRows(oracleAttention(t[0], t[1], t[2], nullptr, {})), 0b010u);
  // +inf in k: the rows whose score with it is +inf (inf - inf in the
  // softmax); a row where it is -inf ignores that key.
  t = qkv();
  t[1].set(at(t[1], 0, 0, 2, 1), kInf);
  unsigned positive = 0;
  for (int64_t r = 0; r < 3; ++r)
    if (t[0].get(at(t[0], 0, 0, r, 1)) > 0)
      positive |= 1u << r;
  EXPECT_EQ(nanRows(oracleAttention(t[0], t[1], t[2], nullptr, {})), positive);
  // NaN or +inf in a float mask: that row.
  for (float bad : {nan, kInf}) {
    t = qkv();
    HostTensor mask(DType::F32, {1, 1, 3, 4});
    mask.set(at(mask, 0, 0, 2, 1), bad);
    EXPECT_EQ(nanRows(oracleAttention(t[0], t[1], t[2], &mask, {})), 0b100u);
  }
  // NaN in v: its column in every row, also rows whose weight on that key
  // is 0 (masked), as 0 * NaN is NaN.
  t = qkv();
  t[2].set(at(t[2], 0, 0, 3, 1), nan);
  HostTensor keep =
      make({1, 1, 3, 4}, {1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1}, DType::I1);
  HostTensor o = oracleAttention(t[0], t[1], t[2], &keep, {});
  for (int64_t r = 0; r < 3; ++r) {
    EXPECT_FALSE(std::isnan(o.get(at(o, 0, 0, r, 0))));
    EXPECT_TRUE(std::isnan(o.get(at(o, 0, 0, r, 1))));
  }
  // A masked key's NaN in k is never read.
  t = qkv();
  t[1].set(at(t[1], 0, 0, 3, 0), nan);
  EXPECT_EQ(nanRows(oracleAttention(t[0], t[1], t[2], &keep, {})), 0b110u);
}

TEST(OracleTest, BoolMaskEqualsFloatInfMask) {
  const int64_t B = 2, H = 2, Sq = 4, Skv = 6, D = 8;
  HostTensor q = randomTensor(DType::F32, {B, H, Sq, D}, 21);
  HostTensor k = randomTensor(DType::F32, {B, H, Skv, D}, 22);
  HostTensor v = randomTensor(DType::F32, {B, H, Skv, D}, 23);
  HostTensor boolMask = randomTensor(DType::I1, {B, H, Sq, Skv}, 24, 0.6f);
  HostTensor floatMask(DType::F32, {B, H, Sq, Skv});
  for (int64_t i = 0; i < boolMask.numElements(); ++i)
    floatMask.set(i, boolMask.get(i) ? 0.0f : -kInf);
  for (bool causal : {false, true}) {
    AttentionAttrs attrs;
    attrs.causal = causal;
    HostTensor a = oracleAttention(q, k, v, &boolMask, attrs);
    HostTensor b = oracleAttention(q, k, v, &floatMask, attrs);
    EXPECT_EQ(a.bytes, b.bytes);
    // The mask matters: without it the result differs.
    EXPECT_NE(a.bytes, oracleAttention(q, k, v, nullptr, attrs).bytes);
  }
}

TEST(OracleTest, FloatMaskIsAddedToScaledScores) {
  // Equal scores; a bias of ln 3 on key 1 gives weights 1/4, 3/4.
  HostTensor q(DType::F32, {1, 1, 1, 2});
  HostTensor k = randomTensor(DType::F32, {1, 1, 2, 2}, 1);
  HostTensor v = make({1, 1, 2, 1}, {4, 8});
  HostTensor mask = make({1, 1, 1, 2}, {0, float(std::log(3.0))});
  EXPECT_FLOAT_EQ(oracleAttention(q, k, v, &mask, {}).get(0), 7.0f);
  // The bias is not scaled: scale 2 on q.k = 1 gives score 2 + bias.
  HostTensor q1 = make({1, 1, 1, 1}, {1});
  HostTensor k1 = make({1, 1, 2, 1}, {1, 0});
  HostTensor v1 = make({1, 1, 2, 1}, {1, 0});
  HostTensor m1 = make({1, 1, 1, 2}, {-2, 0});
  AttentionAttrs attrs;
  attrs.scale = 2.0;
  EXPECT_FLOAT_EQ(oracleAttention(q1, k1, v1, &m1, attrs).get(0), 0.5f);
}

TEST(OracleTest, BroadcastMaskForms) {
  const int64_t B = 2, H = 3, Sq = 4, Skv = 5, D = 4;
  HostTensor q = randomTensor(DType::F32, {B, H, Sq, D}, 31);
  HostTensor k = randomTensor(DType::F32, {B, H, Skv, D}, 32);
  HostTensor v = randomTensor(DType::F32, {B, H, Skv, D}, 33);
  const std::vector<std::vector<int64_t>> forms = {
      {1, 1, Sq, Skv}, {B, 1, 1, Skv}, {1, H, 1, 1},
      {1, 1, 1, 1},    {B, H, Sq, 1},  {1, H, Sq, Skv}};
  for (DType dtype : {DType::I1, DType::F32}) {
    for (const auto &form : forms) {
      HostTensor small = randomTensor(dtype, form, 34, 0.7f);
      HostTensor full(dtype, {B, H, Sq, Skv});
      for (int64_t b = 0; b < B; ++b)
        for (int64_t h = 0; h < H; ++h)
          for (int64_t i = 0; i < Sq; ++i)
            for (int64_t j = 0; j < Skv; ++j)
              full.set(at(full, b, h, i, j),
                       small.get(at(small, form[0] == 1 ? 0 : b,
                                    form[1] == 1 ? 0 : h, form[2] == 1 ? 0 : i,
                                    form[3] == 1 ? 0 : j)));
      EXPECT_EQ(oracleAttention(q, k, v, &small, {}).bytes,
                oracleAttention(q, k, v, &full, {}).bytes)
          << small.describe();
    }
  }
}

TEST(OracleTest, ResultIsRoundedToQueryDtype) {
  HostTensor q32 = randomTensor(DType::F32, {1, 2, 3, 4}, 41);
  HostTensor k32 = randomTensor(DType::F32, {1, 2, 5, 4}, 42);
  HostTensor v32 = randomTensor(DType::F32, {1, 2, 5, 4}, 43);
  HostTensor q16(DType::F16, q32.shape), k16(DType::F16, k32.shape),
      v16(DType::F16, v32.shape);
  for (int64_t i = 0; i < q32.numElements(); ++i)
    q16.set(i, q32.get(i));
  for (int64_t i = 0; i < k32.numElements(); ++i) {
    k16.set(i, k32.get(i));
    v16.set(i, v32.get(i));
  }
  // Recompute in f32 from the f16-rounded inputs, then round the result.
  HostTensor qr(DType::F32, q32.shape), kr(DType::F32, k32.shape),
      vr(DType::F32, v32.shape);
  for (int64_t i = 0; i < q32.numElements(); ++i)
    qr.set(i, q16.get(i));
  for (int64_t i = 0; i < k32.numElements(); ++i) {
    kr.set(i, k16.get(i));
    vr.set(i, v16.get(i));
  }
  HostTensor o16 = oracleAttention(q16, k16, v16, nullptr, {});
  HostTensor o32 = oracleAttention(qr, kr, vr, nullptr, {});
  ASSERT_EQ(o16.dtype, DType::F16);
  for (int64_t i = 0; i < o16.numElements(); ++i)
    EXPECT_EQ(o16.get(i), halfToFloat(floatToHalf(o32.get(i))));
}

/// [M, K] x [K, N] over columns [col0, col0 + width) of w, plus bias, in
/// double, rounded to `dtype`.
HostTensor matmulColumns(const HostTensor &x, int64_t rows, const HostTensor &w,
                         int64_t col0, int64_t width, const HostTensor *bias,
                         DType dtype) {
  int64_t kdim = w.shape[0], n = w.shape[1];
  HostTensor y(dtype, {rows, width});
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < width; ++c) {
      double sum = 0;
      for (int64_t e = 0; e < kdim; ++e)
        sum += double(x.get(r * kdim + e)) * w.get(e * n + col0 + c);
      if (bias)
        sum += bias->get(col0 + c);
      y.set(r * width + c, float(sum));
    }
  return y;
}

TEST(OracleTest, MultiHeadLayerMatchesComposition) {
  const int64_t B = 2, Sq = 3, Skv = 4, E = 8, H = 4, Hkv = 2, D = 3, Dv = 2;
  for (DType dtype : {DType::F32, DType::F16}) {
    for (bool withBias : {false, true}) {
      HostTensor xq = randomTensor(dtype, {B, Sq, E}, 51);
      HostTensor xkv = randomTensor(dtype, {B, Skv, E}, 52);
      HostTensor wq = randomTensor(dtype, {E, H * D}, 53);
      HostTensor wk = randomTensor(dtype, {E, Hkv * D}, 54);
      HostTensor wv = randomTensor(dtype, {E, Hkv * Dv}, 55);
      HostTensor wo = randomTensor(dtype, {H * Dv, E}, 56);
      HostTensor bq = randomTensor(dtype, {H * D}, 57);
      HostTensor bk = randomTensor(dtype, {Hkv * D}, 58);
      HostTensor bv = randomTensor(dtype, {Hkv * Dv}, 59);
      HostTensor bo = randomTensor(dtype, {E}, 60);
      HostTensor mask = randomTensor(DType::I1, {1, H, Sq, Skv}, 61, 0.8f);
      std::vector<const HostTensor *> biases;
      if (withBias)
        biases = {&bq, &bk, &bv, &bo};
      AttentionAttrs attrs;
      attrs.causal = true;
      HostTensor y = oracleMultiHeadAttention(xq, xkv, wq, wk, wv, wo, biases,
                                              &mask, H, Hkv, attrs);
      ASSERT_EQ(y.shape, (std::vector<int64_t>{B, Sq, E}));
      ASSERT_EQ(y.dtype, dtype);

      // Composition: per batch and head, project with that head's columns
      // of the weights, attend, and place the output in its columns.
      HostTensor heads(dtype, {B, H, Sq, Dv});
      for (int64_t b = 0; b < B; ++b) {
        HostTensor xqb(dtype, {Sq, E}), xkvb(dtype, {Skv, E});
        for (int64_t i = 0; i < Sq * E; ++i)
          xqb.set(i, xq.get(b * Sq * E + i));
        for (int64_t i = 0; i < Skv * E; ++i)
          xkvb.set(i, xkv.get(b * Skv * E + i));
        for (int64_t h = 0; h < H; ++h) {
          int64_t g = h / (H / Hkv);
          HostTensor qh = matmulColumns(xqb, Sq, wq, h * D, D,
                                        withBias ? &bq : nullptr, dtype);
          HostTensor kh = matmulColumns(xkvb, Skv, wk, g * D, D,
                                        withBias ? &bk : nullptr, dtype);
          HostTensor vh = matmulColumns(xkvb, Skv, wv, g * Dv, Dv,
                                        withBias ? &bv : nullptr, dtype);
          qh.shape = {1, 1, Sq, D};
          kh.shape = {1, 1, Skv, D};
          vh.shape = {1, 1, Skv, Dv};
          HostTensor mh(DType::I1, {1, 1, Sq, Skv});
          for (int64_t i = 0; i < Sq * Skv; ++i)
            mh.set(i, mask.get(h * Sq * Skv + i));
          HostTensor oh = oracleAttention(qh, kh, vh, &mh, attrs);
          for (int64_t i = 0; i < Sq * Dv; ++i)
            heads.set(at(heads, b, h, 0, 0) + i, oh.get(i));
        }
      }
      HostTensor concat(dtype, {B * Sq, H * Dv});
      for (int64_t b = 0; b < B; ++b)
        for (int64_t h = 0; h < H; ++h)
          for (int64_t i = 0; i < Sq; ++i)
            for (int64_t x = 0; x < Dv; ++x)
              concat.set((b * Sq + i) * H * Dv + h * Dv + x,
                         heads.get(at(heads, b, h, i, x)));
      HostTensor expected = matmulColumns(concat, B * Sq, wo, 0, E,
                                          withBias ? &bo : nullptr, dtype);
      expected.shape = {B, Sq, E};
      EXPECT_EQ(y.bytes, expected.bytes)
          << dtypeName(dtype).str() << " bias=" << withBias;
    }
  }
}

TEST(OracleTest, MultiHeadLayerIdentityWeights) {
  // One head with identity weights is plain attention on the inputs.
  const int64_t S = 3, E = 4;
  HostTensor x = randomTensor(DType::F32, {1, S, E}, 71);
  HostTensor eye(DType::F32, {E, E});
  for (int64_t i = 0; i < E; ++i)
    eye.set(i * E + i, 1);
  HostTensor y =
      oracleMultiHeadAttention(x, x, eye, eye, eye, eye, {}, nullptr, 1, 1, {});
  HostTensor x4 = x;
  x4.shape = {1, 1, S, E};
  HostTensor o = oracleAttention(x4, x4, x4, nullptr, {});
  EXPECT_EQ(y.bytes, o.bytes);
  EXPECT_NE(y.bytes, x.bytes);
}

} // namespace
