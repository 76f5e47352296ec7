//===- HostTensorTest.cpp - HostTensor and float conversion tests ---------===//

#include "mha/Runner/HostTensor.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstring>
#include <limits>

using namespace mlir::mha::runner;

namespace {

const float kInf = std::numeric_limits<float>::infinity();
const float kNaN = std::numeric_limits<float>::quiet_NaN();

uint32_t bitsOf(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  return bits;
}

TEST(HalfTest, KnownValues) {
  EXPECT_EQ(floatToHalf(0.0f), 0x0000);
  EXPECT_EQ(floatToHalf(-0.0f), 0x8000);
  EXPECT_EQ(floatToHalf(1.0f), 0x3c00);
  EXPECT_EQ(floatToHalf(-2.5f), 0xc100);
  EXPECT_EQ(floatToHalf(65504.0f), 0x7bff);
  EXPECT_EQ(floatToHalf(kInf), 0x7c00);
  EXPECT_EQ(floatToHalf(-kInf), 0xfc00);
  // Smallest subnormal 2^-24 and largest subnormal (1023 * 2^-24).
  EXPECT_EQ(floatToHalf(std::ldexp(1.0f, -24)), 0x0001);
  EXPECT_EQ(floatToHalf(std::ldexp(1023.0f, -24)), 0x03ff);
  // Smallest normal.
  EXPECT_EQ(floatToHalf(std::ldexp(1.0f, -14)), 0x0400);
  // Far below the subnormal range, and f32 subnormals.
  EXPECT_EQ(floatToHalf(1e-30f), 0x0000);
  EXPECT_EQ(floatToHalf(-std::numeric_limits<float>::denorm_min()), 0x8000);
}

TEST(HalfTest, NaN) {
  uint16_t bits = floatToHalf(kNaN);
  EXPECT_EQ(bits & 0x7c00, 0x7c00);
  EXPECT_NE(bits & 0x03ff, 0);
  EXPECT_TRUE(std::isnan(halfToFloat(bits)));
  EXPECT_TRUE(std::isnan(halfToFloat(0x7e00)));
  EXPECT_TRUE(std::isnan(halfToFloat(0xfc01)));
}

TEST(HalfTest, RoundingTies) {
  // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: ties go to even (1).
  EXPECT_EQ(floatToHalf(1.0f + std::ldexp(1.0f, -11)), 0x3c00);
  // 1 + 3 * 2^-11 is halfway between mantissas 1 and 2: even is 2.
  EXPECT_EQ(floatToHalf(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);
  // Just above the tie rounds up.
  EXPECT_EQ(floatToHalf(std::nextafter(1.0f + std::ldexp(1.0f, -11), 2.0f)),
            0x3c01);
  // 65520 is halfway between 65504 and 2^16: rounds to Inf.
  EXPECT_EQ(floatToHalf(65520.0f), 0x7c00);
  EXPECT_EQ(floatToHalf(std::nextafter(65520.0f, 0.0f)), 0x7bff);
  // Subnormal ties: 2^-25 -> 0 (even), 3 * 2^-25 -> 2 * 2^-24 (even).
  EXPECT_EQ(floatToHalf(std::ldexp(1.0f, -25)), 0x0000);
  EXPECT_EQ(floatToHalf(std::ldexp(3.0f, -25)), 0x0002);
  EXPECT_EQ(floatToHalf(std::ldexp(1.5f, -25)), 0x0001);
  // Rounding up from the largest subnormal carries into the smallest normal.
  EXPECT_EQ(floatToHalf(std::ldexp(1023.5f, -24)), 0x0400);
}

TEST(HalfTest, ToFloat) {
  EXPECT_EQ(halfToFloat(0x3c00), 1.0f);
  EXPECT_EQ(halfToFloat(0xc100), -2.5f);
  EXPECT_EQ(halfToFloat(0x7bff), 65504.0f);
  EXPECT_EQ(halfToFloat(0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(halfToFloat(0x03ff), std::ldexp(1023.0f, -24));
  EXPECT_EQ(halfToFloat(0x7c00), kInf);
  EXPECT_EQ(halfToFloat(0xfc00), -kInf);
  EXPECT_EQ(bitsOf(halfToFloat(0x8000)), 0x80000000u);
}

TEST(HalfTest, AllValuesRoundTrip) {
  for (uint32_t bits = 0; bits <= 0xffff; ++bits) {
    float value = halfToFloat(bits);
    if (std::isnan(value))
      continue;
    ASSERT_EQ(floatToHalf(value), bits) << "half bits " << bits;
  }
}

TEST(BF16Test, KnownValues) {
  EXPECT_EQ(floatToBf16(1.0f), 0x3f80);
  EXPECT_EQ(floatToBf16(-2.5f), 0xc020);
  EXPECT_EQ(floatToBf16(kInf), 0x7f80);
  EXPECT_EQ(floatToBf16(-kInf), 0xff80);
  EXPECT_EQ(floatToBf16(std::numeric_limits<float>::max()), 0x7f80);
  EXPECT_EQ(floatToBf16(std::ldexp(1.0f, -133)), 0x0001); // smallest subnormal
  EXPECT_EQ(bf16ToFloat(0x0001), std::ldexp(1.0f, -133));
  EXPECT_EQ(bf16ToFloat(0x3f80), 1.0f);
  EXPECT_EQ(bf16ToFloat(0xc020), -2.5f);
  EXPECT_EQ(bf16ToFloat(0x7f7f), 0x1.fep127f);
  uint16_t nan = floatToBf16(kNaN);
  EXPECT_TRUE(std::isnan(bf16ToFloat(nan)));
  // A NaN whose payload lives only in the low bits must stay NaN.
  float lowPayloadNaN;
  uint32_t lowBits = 0x7f800001;
  std::memcpy(&lowPayloadNaN, &lowBits, sizeof(lowBits));
  EXPECT_TRUE(std::isnan(bf16ToFloat(floatToBf16(lowPayloadNaN))));
}

TEST(BF16Test, RoundingTies) {
  // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: even is 1.
  EXPECT_EQ(floatToBf16(1.0f + std::ldexp(1.0f, -8)), 0x3f80);
  EXPECT_EQ(floatToBf16(1.0f + 3 * std::ldexp(1.0f, -8)), 0x3f82);
  EXPECT_EQ(floatToBf16(std::nextafter(1.0f + std::ldexp(1.0f, -8), 2.0f)),
            0x3f81);
  EXPECT_EQ(floatToBf16(-(1.0f + 3 * std::ldexp(1.0f, -8))), 0xbf82);
}

TEST(BF16Test, AllValuesRoundTrip) {
  for (uint32_t bits = 0; bits <= 0xffff; ++bits) {
    float value = bf16ToFloat(bits);
    if (std::isnan(value))
      continue;
    ASSERT_EQ(floatToBf16(value), bits) << "bf16 bits " << bits;
  }
}

TEST(HostTensorTest, Basics) {
  EXPECT_EQ(dtypeName(DType::F32), "f32");
  EXPECT_EQ(dtypeName(DType::F16), "f16");
  EXPECT_EQ(dtypeName(DType::BF16), "bf16");
  EXPECT_EQ(dtypeName(DType::I1), "i1");
  EXPECT_EQ(dtypeSize(DType::F32), 4u);
  EXPECT_EQ(dtypeSize(DType::F16), 2u);
  EXPECT_EQ(dtypeSize(DType::BF16), 2u);
  EXPECT_EQ(dtypeSize(DType::I1), 1u);
  EXPECT_TRUE(isFloat(DType::BF16));
  EXPECT_FALSE(isFloat(DType::I1));

  HostTensor t(DType::F16, {2, 3, 4});
  EXPECT_EQ(t.numElements(), 24);
  EXPECT_EQ(t.bytes.size(), 48u);
  EXPECT_EQ(t.describe(), "f16[2x3x4]");
  for (int64_t i = 0; i < t.numElements(); ++i)
    EXPECT_EQ(t.get(i), 0.0f);

  HostTensor scalar(DType::F32, {});
  EXPECT_EQ(scalar.numElements(), 1);
  EXPECT_EQ(scalar.bytes.size(), 4u);
  EXPECT_EQ(scalar.describe(), "f32[]");

  HostTensor empty(DType::BF16, {3, 0});
  EXPECT_EQ(empty.numElements(), 0);
  EXPECT_TRUE(empty.bytes.empty());
}

TEST(HostTensorTest, GetSetRounds) {
  HostTensor f32(DType::F32, {2});
  f32.set(1, 0.1f);
  EXPECT_EQ(f32.get(1), 0.1f);
  EXPECT_EQ(f32.get(0), 0.0f);

  // C-order bytes, little-endian bit patterns.
  HostTensor f16(DType::F16, {2});
  f16.set(0, 1.0f);
  f16.set(1, 0.1f);
  EXPECT_EQ(f16.bytes[0], 0x00);
  EXPECT_EQ(f16.bytes[1], 0x3c);
  EXPECT_EQ(f16.get(1), halfToFloat(floatToHalf(0.1f)));
  EXPECT_NE(f16.get(1), 0.1f);

  HostTensor bf16(DType::BF16, {1});
  bf16.set(0, -2.5f);
  EXPECT_EQ(bf16.bytes[0], 0x20);
  EXPECT_EQ(bf16.bytes[1], 0xc0);
  EXPECT_EQ(bf16.get(0), -2.5f);

  HostTensor i1(DType::I1, {3});
  i1.set(0, 0.5f);
  i1.set(1, 0.0f);
  i1.set(2, -3.0f);
  EXPECT_EQ(i1.bytes, (std::vector<uint8_t>{1, 0, 1}));
  EXPECT_EQ(i1.get(0), 1.0f);
  EXPECT_EQ(i1.get(1), 0.0f);
}

TEST(RandomTensorTest, DeterministicAndPortable) {
  HostTensor a = randomTensor(DType::F32, {4, 5}, 42, 0.5f);
  HostTensor b = randomTensor(DType::F32, {4, 5}, 42, 0.5f);
  HostTensor c = randomTensor(DType::F32, {4, 5}, 43, 0.5f);
  EXPECT_EQ(a.bytes, b.bytes);
  EXPECT_NE(a.bytes, c.bytes);
  // splitmix64 golden values, computed independently in Python.
  EXPECT_EQ(bitsOf(a.get(0)), 0x3e775cc8u);
  EXPECT_EQ(bitsOf(a.get(1)), 0xbeae203au);
  EXPECT_EQ(bitsOf(a.get(2)), 0xbe62b664u);
  for (int64_t i = 0; i < a.numElements(); ++i) {
    EXPECT_GE(a.get(i), -0.5f);
    EXPECT_LT(a.get(i), 0.5f);
  }
}

TEST(RandomTensorTest, RangeAndSpread) {
  HostTensor t = randomTensor(DType::F32, {10000}, 7, 2.0f);
  float lo = 0, hi = 0;
  double sum = 0;
  for (int64_t i = 0; i < t.numElements(); ++i) {
    lo = std::min(lo, t.get(i));
    hi = std::max(hi, t.get(i));
    sum += t.get(i);
  }
  EXPECT_GE(lo, -2.0f);
  EXPECT_LT(hi, 2.0f);
  EXPECT_LT(lo, -1.9f);
  EXPECT_GT(hi, 1.9f);
  EXPECT_NEAR(sum / t.numElements(), 0.0, 0.1);
}

TEST(RandomTensorTest, LowPrecisionIsRounded) {
  HostTensor f16 = randomTensor(DType::F16, {64}, 1);
  HostTensor bf16 = randomTensor(DType::BF16, {64}, 1);
  HostTensor f32 = randomTensor(DType::F32, {64}, 1);
  for (int64_t i = 0; i < 64; ++i) {
    EXPECT_EQ(f16.get(i), halfToFloat(floatToHalf(f32.get(i))));
    EXPECT_EQ(bf16.get(i), bf16ToFloat(floatToBf16(f32.get(i))));
  }
}

TEST(RandomTensorTest, BoolProbability) {
  HostTensor none = randomTensor(DType::I1, {100}, 3, 0.0f);
  HostTensor all = randomTensor(DType::I1, {100}, 3, 5.0f);
  HostTensor some = randomTensor(DType::I1, {1000}, 3, 0.25f);
  int64_t count = 0;
  for (int64_t i = 0; i < 100; ++i) {
    EXPECT_EQ(none.bytes[i], 0);
    EXPECT_EQ(all.bytes[i], 1);
  }
  for (uint8_t byte : some.bytes) {
    EXPECT_LE(byte, 1);
    count += byte;
  }
  EXPECT_GT(count, 180);
  EXPECT_LT(count, 320);
}

} // namespace

TEST(HostMemoryTest, SizesAreOverflowChecked) {
  EXPECT_EQ(*getTensorBytes(DType::F32, {2, 3}), 24u);
  EXPECT_EQ(*getTensorBytes(DType::F16, {0, int64_t(1) << 62}), 0u);
  llvm::Expected<uint64_t> huge =
      getTensorBytes(DType::F32, {int64_t(1) << 62, 4});
  ASSERT_FALSE(bool(huge));
  EXPECT_EQ(llvm::toString(huge.takeError()),
            "f32[4611686018427387904x4] has more than 2^63 bytes");
  // 2^61 elements of 4 bytes: the element count fits, the bytes do not.
  llvm::Expected<uint64_t> bytes =
      getTensorBytes(DType::F32, {int64_t(1) << 61});
  ASSERT_FALSE(bool(bytes));
  llvm::consumeError(bytes.takeError());
}

TEST(HostMemoryTest, AllocationsOverTheLimitAreRefused) {
  EXPECT_GT(getPhysicalMemory(), 0u);
  EXPECT_EQ(getHostMemoryLimit(), getPhysicalMemory());
  setHostMemoryLimit(1024, "--max-memory=1K");
  llvm::Expected<HostTensor> small = makeHostTensor(DType::F32, {16, 16});
  ASSERT_TRUE(bool(small));
  EXPECT_EQ(small->bytes.size(), 1024u);
  llvm::Expected<HostTensor> big = makeHostTensor(DType::F32, {16, 17});
  ASSERT_FALSE(bool(big));
  EXPECT_EQ(llvm::toString(big.takeError()),
            "f32[16x17] needs 1088 bytes, more than the 1024 bytes host "
            "memory limit (--max-memory=1K)");
  setHostMemoryLimit(0);
  EXPECT_EQ(getHostMemoryLimit(), getPhysicalMemory());
  // Larger than any machine's memory: refused, never allocated.
  llvm::Expected<HostTensor> absurd =
      makeHostTensor(DType::F32, {100000, 100000, 100000});
  ASSERT_FALSE(bool(absurd));
  EXPECT_NE(llvm::toString(absurd.takeError())
                .find("host memory limit (the physical memory)"),
            std::string::npos);
}

TEST(HostMemoryTest, InputsWhoseSizeOverflowsAreRejected) {
  std::vector<TensorSpec> specs = {{DType::F32, {-1, 4}}};
  TensorRef input(DType::F32, {int64_t(1) << 62, 4}, nullptr);
  llvm::Error err = checkTensorInputs("main", specs, {input});
  EXPECT_EQ(llvm::toString(std::move(err)),
            "argument 0 (tensor<?x4xf32>): f32[4611686018427387904x4] has "
            "more than 2^63 bytes");
}
