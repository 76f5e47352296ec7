//===- ExpandFloatConversionsTest.cpp - f16/bf16 conversions on any CPU ---===//
//
// Checks mha-expand-float-conversions bit for bit against LLVM's APFloat
// (round to nearest even): every f16 and bf16 value widened to f32, and
// about a million f32 values (every exponent, the rounding boundaries of
// both formats, random bits) narrowed. The conversions run as JIT-compiled
// code for x86-64 (SSE2: no F16C, no AVX512-BF16, so the pass expands them)
// and for the host (its instructions where it has them), so the expansion
// is compared with the hardware as well. One documented difference: the
// AVX512-BF16 instruction (VCVTNEPS2BF16) flushes f32 subnormals to zero.
//
//===----------------------------------------------------------------------===//

#include "mha/InitAll.h"
#include "mha/Runner/JitSession.h"
#include "mha/Target/CPUTarget.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include "gtest/gtest.h"

#include <cstring>
#include <random>

using namespace mlir;
using namespace mlir::mha::runner;

namespace {
/// @main(x : tensor<NxFROM>) -> tensor<NxTO>, one arith.extf / truncf per
/// element.
std::string convertModule(int64_t n, llvm::StringRef from, llvm::StringRef to,
                          bool extend) {
  return llvm::formatv(
             R"mlir(#id = affine_map<(i) -> (i)>
func.func @main(%x: tensor<{0}x{1}>) -> tensor<{0}x{2}> {{
  %e = tensor.empty() : tensor<{0}x{2}>
  %r = linalg.generic {{indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%x : tensor<{0}x{1}>) outs(%e : tensor<{0}x{2}>) {{
  ^bb0(%a: {1}, %o: {2}):
    %y = arith.{3} %a : {1} to {2}
    linalg.yield %y : {2}
  } -> tensor<{0}x{2}>
  return %r : tensor<{0}x{2}>
}
)mlir",
             n, from, to, extend ? "extf" : "truncf")
      .str();
}

/// Runs `text` compiled for `cpu` on `input`.
HostTensor run(const std::string &text, const HostTensor &input,
               llvm::StringRef cpu) {
  DialectRegistry registry;
  mlir::mha::registerAllDialects(registry);
  MLIRContext ctx(registry);
  ctx.loadAllAvailableDialects();
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(text, &ctx);
  EXPECT_TRUE(module) << text;
  if (!module)
    return {};
  auto sig = getEntrySignature(*module, "main");
  EXPECT_TRUE(bool(sig));
  if (!sig)
    return {};
  auto jit = JitFunction::compile(*module, *sig, PipelineKind::Reference, "",
                                  TargetFlags{cpu.str(), ""});
  EXPECT_TRUE(bool(jit)) << llvm::toString(jit.takeError());
  if (!jit)
    return {};
  auto results = (*jit)->run(llvm::ArrayRef<HostTensor>(input));
  EXPECT_TRUE(bool(results)) << llvm::toString(results.takeError());
  if (!results)
    return {};
  return std::move((*results)[0]);
}

const llvm::fltSemantics &semantics(DType dtype) {
  return dtype == DType::F16 ? llvm::APFloat::IEEEhalf()
                             : llvm::APFloat::BFloat();
}

/// Whether code for the host converts to bf16 with VCVTNEPS2BF16.
bool hostFlushesBF16() {
  return mlir::mha::CPUTarget::getHost().hasBF16Conversions();
}

class ExpandFloatConversionsTest
    : public ::testing::TestWithParam<std::tuple<DType, const char *>> {};

TEST_P(ExpandFloatConversionsTest, ExtendsEveryValue) {
  auto [dtype, cpu] = GetParam();
  HostTensor in(dtype, {65536});
  auto *bits = static_cast<uint16_t *>(in.data());
  for (uint32_t i = 0; i < 65536; ++i)
    bits[i] = uint16_t(i);
  std::string name = dtypeName(dtype).str();
  HostTensor out = run(convertModule(65536, name, "f32", true), in, cpu);
  ASSERT_EQ(out.dtype, DType::F32);
  auto *got = static_cast<const uint32_t *>(out.data());
  int64_t wrong = 0;
  for (uint32_t i = 0; i < 65536; ++i) {
    llvm::APFloat value(semantics(dtype), llvm::APInt(16, i));
    bool lost;
    value.convert(llvm::APFloat::IEEEsingle(),
                  llvm::APFloat::rmNearestTiesToEven, &lost);
    uint32_t want = uint32_t(value.bitcastToAPInt().getZExtValue());
    bool ok = value.isNaN() ? (got[i] & 0x7fffffffu) > 0x7f800000u &&
                                  (got[i] >> 31) == (want >> 31)
                            : got[i] == want;
    if (!ok && wrong++ < 5)
      ADD_FAILURE() << name << " 0x" << llvm::utohexstr(i) << " -> 0x"
                    << llvm::utohexstr(got[i]) << ", expected 0x"
                    << llvm::utohexstr(want);
  }
  EXPECT_EQ(wrong, 0);
}

TEST_P(ExpandFloatConversionsTest, NarrowsWithOneRounding) {
  auto [dtype, cpu] = GetParam();
  // Every sign/exponent/top-mantissa pattern with low bits at and around
  // the rounding points of both formats (f16 keeps 13 fewer bits than f32,
  // bf16 16 fewer), then random bit patterns.
  std::vector<uint32_t> values;
  const uint32_t lows[] = {0x0000, 0x0001, 0x0fff, 0x1000, 0x1001, 0x1fff,
                           0x2000, 0x3000, 0x7fff, 0x8000, 0x8001, 0xffff};
  for (uint32_t high = 0; high < 65536; ++high)
    for (uint32_t low : lows)
      values.push_back(high << 16 | low);
  std::mt19937 rng(20261202);
  for (int i = 0; i < 200000; ++i)
    values.push_back(uint32_t(rng()));
  int64_t n = values.size();
  HostTensor in(DType::F32, {n});
  std::memcpy(in.data(), values.data(), n * sizeof(uint32_t));
  std::string name = dtypeName(dtype).str();
  HostTensor out = run(convertModule(n, "f32", name, false), in, cpu);
  ASSERT_EQ(out.dtype, dtype);
  auto *got = static_cast<const uint16_t *>(out.data());
  int64_t wrong = 0;
  for (int64_t i = 0; i < n; ++i) {
    llvm::APFloat value(llvm::APFloat::IEEEsingle(),
                        llvm::APInt(32, values[i]));
    bool lost;
    value.convert(semantics(dtype), llvm::APFloat::rmNearestTiesToEven, &lost);
    uint16_t want = uint16_t(value.bitcastToAPInt().getZExtValue());
    uint16_t expMask = dtype == DType::F16 ? 0x7c00 : 0x7f80;
    bool gotNaN = (got[i] & expMask) == expMask && (got[i] & ~expMask & 0x7fff);
    bool ok = value.isNaN() ? gotNaN && (got[i] >> 15) == (want >> 15)
                            : got[i] == want;
    bool subnormal = (values[i] & 0x7f800000u) == 0;
    if (!ok && dtype == DType::BF16 && subnormal &&
        llvm::StringRef(cpu) == "host" && hostFlushesBF16())
      ok = got[i] == (values[i] >> 16 & 0x8000u);
    if (!ok && wrong++ < 5)
      ADD_FAILURE() << "f32 0x" << llvm::utohexstr(values[i]) << " -> " << name
                    << " 0x" << llvm::utohexstr(got[i]) << ", expected 0x"
                    << llvm::utohexstr(want);
  }
  EXPECT_EQ(wrong, 0);
}

INSTANTIATE_TEST_SUITE_P(
    Conversions, ExpandFloatConversionsTest,
    ::testing::Combine(::testing::Values(DType::F16, DType::BF16),
                       ::testing::Values("x86-64", "host")),
    [](const auto &info) {
      std::string cpu = std::get<1>(info.param);
      for (char &c : cpu)
        if (c == '-')
          c = '_';
      return dtypeName(std::get<0>(info.param)).str() + "_" + cpu;
    });
} // namespace
