//===- CPUPipelineDifferentialTest.cpp - cpu vs reference, randomised -----===//
//
// Seeded random differential testing of mha-cpu-pipeline (fused, tiled)
// against mha-reference-pipeline (unfused): random shapes, GQA ratios, masks
// of every broadcast form, causal, dtypes, dynamic dims and tile sizes that
// do not divide the sequence lengths, at every x86-64 level this host can
// run (TargetLevels.h). The case list is deterministic; set MHA_DIFF_SEED to
// explore other seeds locally. Each case runs on one level (cases are dealt
// round-robin); a level this host cannot run hands its cases to the host
// target (the reference matrix reports such a level as skipped), so every
// case runs everywhere. MHA_TEST_LONG=1 runs every case on every level.
// Cases with attention variants (window, softcap, ALiBi, sinks, lse) are
// also checked against the float64 C++ oracle, every result.
//
//===----------------------------------------------------------------------===//

#include "mha/Runner/Compare.h"
#include "mha/Runner/Oracle.h"

#include "AttentionCase.h"
#include "TargetLevels.h"

#include "gtest/gtest.h"

#include <cstdlib>

using namespace mlir;
using namespace mlir::mha::runner;
using mlir::mha::testing::AttentionCase;
using mlir::mha::testing::MaskKind;
using mlir::mha::testing::TargetLevel;

namespace {
constexpr int kNumCases = 200;

/// splitmix64: the same sequence on every platform.
struct Rng {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  int64_t uniform(int64_t lo, int64_t hi) { // inclusive
    return lo + int64_t(next() % uint64_t(hi - lo + 1));
  }
  template <typename T> T pick(std::initializer_list<T> values) {
    return values.begin()[next() % values.size()];
  }
  bool chance(int percent) { return int64_t(next() % 100) < percent; }
};

struct DiffCase {
  AttentionCase attention;
  int64_t qTile, kvTile;
  /// mha-vectorize-contractions pack-b: -1 (the L1 model), 0 or 1.
  int64_t packB;
  uint64_t seed;
};

DiffCase makeCase(uint64_t seed) {
  Rng rng{seed};
  AttentionCase c{};
  c.dtype =
      rng.pick({DType::F32, DType::F32, DType::F32, DType::F16, DType::BF16});
  c.b = rng.uniform(1, 3);
  c.hkv = rng.uniform(1, 4);
  c.h = c.hkv * rng.pick<int64_t>({1, 1, 2, 4});
  // Mostly short sequences (fast to run), some decode rows, some longer.
  c.sq = rng.chance(20) ? 1 : rng.uniform(1, rng.chance(20) ? 150 : 40);
  c.skv = rng.uniform(1, rng.chance(20) ? 200 : 50);
  c.d = rng.pick<int64_t>({8, 16, 40, 64, 128});
  c.dv = rng.chance(70) ? c.d : rng.pick<int64_t>({8, 24, 64});
  c.causal = rng.chance(50);
  int maskRoll = int(rng.uniform(0, 3));
  c.maskKind = maskRoll == 0   ? MaskKind::I1
               : maskRoll == 1 ? MaskKind::Float
                               : MaskKind::None;
  if (c.maskKind != MaskKind::None) {
    int64_t full[] = {c.b, c.h, c.sq, c.skv};
    for (int64_t f : full)
      c.maskShape.push_back(rng.chance(50) ? f : 1);
  }
  c.range = rng.chance(10) ? 8.0f : 1.0f;
  c.dynamic = rng.chance(20);
  if (rng.chance(10))
    c.scale = 0.05 * double(rng.uniform(1, 10));
  int64_t qTile = rng.pick<int64_t>({1, 3, 16, 32, 64});
  int64_t kvTile = rng.pick<int64_t>({1, 5, 16, 64, 128});
  // Variants, drawn last so that the cases above keep their shapes.
  if (rng.chance(35)) {
    c.windowLeft = rng.chance(25) ? -1 : rng.uniform(0, 40);
    c.windowRight = rng.chance(40) ? -1 : rng.uniform(0, 20);
    if (c.windowLeft < 0 && c.windowRight < 0)
      c.windowRight = 0;
  }
  if (rng.chance(20))
    c.softcap = rng.pick<double>({0.5, 5.0, 30.0});
  c.alibi = rng.chance(20);
  c.sinks = rng.chance(20);
  c.lse = rng.chance(25);
  int64_t packB = rng.pick<int64_t>({-1, -1, 0, 1});
  return {c, qTile, kvTile, packB, seed};
}

bool hasVariants(const AttentionCase &c) {
  return c.hasWindow() || c.softcap || c.alibi || c.sinks || c.lse;
}

/// The oracle's results for `c` on `inputs` (q, k, v[, mask][, slopes]
/// [, sinks]): the output, then the lse when `c.lse`.
std::vector<HostTensor> oracleResults(const AttentionCase &c,
                                      const std::vector<HostTensor> &inputs) {
  AttentionAttrs attrs;
  attrs.scale = c.scale;
  attrs.causal = c.causal;
  attrs.windowLeft = c.windowLeft;
  attrs.windowRight = c.windowRight;
  attrs.softcap = c.softcap;
  size_t next = 3;
  const HostTensor *mask =
      c.maskKind == MaskKind::None ? nullptr : &inputs[next++];
  auto values = [](const HostTensor &t) {
    std::vector<double> v(t.numElements());
    for (int64_t i = 0, e = v.size(); i < e; ++i)
      v[i] = t.get(i);
    return v;
  };
  if (c.alibi)
    attrs.alibiSlopes = values(inputs[next++]);
  if (c.sinks)
    attrs.sinks = values(inputs[next++]);
  std::vector<HostTensor> results(c.lse ? 2 : 1);
  results[0] = oracleAttention(inputs[0], inputs[1], inputs[2], mask, attrs,
                               c.lse ? &results[1] : nullptr);
  return results;
}

uint64_t baseSeed() {
  const char *env = std::getenv("MHA_DIFF_SEED");
  return env ? std::strtoull(env, nullptr, 10) : 20261127;
}

bool longTests() {
  const char *env = std::getenv("MHA_TEST_LONG");
  return env && *env && std::string(env) != "0";
}

/// (level, case) pairs: level i runs the cases whose index is i modulo the
/// number of levels, so every case runs once and every level runs a quarter
/// of them; MHA_TEST_LONG=1 runs every case on every level.
std::vector<std::pair<size_t, int>> levelCases() {
  std::vector<std::pair<size_t, int>> result;
  size_t numLevels = mlir::mha::testing::targetLevels().size();
  for (size_t level = 0; level < numLevels; ++level)
    for (int c = 0; c < kNumCases; ++c) {
      if (longTests() || size_t(c) % numLevels == level)
        result.push_back({level, c});
    }
  return result;
}

class CPUPipelineDifferentialTest
    : public ::testing::TestWithParam<std::pair<size_t, int>> {};

TEST_P(CPUPipelineDifferentialTest, MatchesReference) {
  auto [levelIndex, caseIndex] = GetParam();
  const TargetLevel &level = mlir::mha::testing::targetLevels()[levelIndex];
  std::string why;
  std::optional<TargetFlags> target =
      mlir::mha::testing::resolveLevel(level, why);
  if (!target) {
    if (longTests())
      GTEST_SKIP() << "target level " << level.name
                   << " cannot run on this host: " << why;
    target = TargetFlags{}; // the host
    RecordProperty("target", "host (" + std::string(level.name) +
                                 " cannot run here: " + why + ")");
  }
  DiffCase dc = makeCase(baseSeed() * 1000 + caseIndex);
  const AttentionCase &c = dc.attention;
  std::string options = "q-tile=" + std::to_string(dc.qTile) +
                        " kv-tile=" + std::to_string(dc.kvTile) +
                        " pack-b=" + std::to_string(dc.packB);
  SCOPED_TRACE(::testing::Message() << c << " " << options);

  std::string text = mlir::mha::testing::buildAttentionModule(c);
  std::vector<HostTensor> inputs =
      mlir::mha::testing::makeAttentionInputs(c, dc.seed);
  auto actual = mlir::mha::testing::compileAndRun(text, PipelineKind::CPU,
                                                  options, inputs, *target);
  ASSERT_TRUE(bool(actual)) << llvm::toString(actual.takeError()) << "\n"
                            << text;
  auto expected = mlir::mha::testing::compileAndRun(
      text, PipelineKind::Reference, "", inputs, *target);
  ASSERT_TRUE(bool(expected)) << llvm::toString(expected.takeError());

  auto check = [&](const char *what, const std::vector<HostTensor> &want) {
    ASSERT_EQ(actual->size(), want.size()) << what;
    for (size_t i = 0; i < want.size(); ++i) {
      Comparison cmp = compare((*actual)[i], want[i],
                               Tolerance::defaultFor((*actual)[i].dtype));
      EXPECT_TRUE(cmp.passed()) << "result " << i << " vs " << what
                                << ": max_abs_err=" << cmp.maxAbsError
                                << " max_rel_err=" << cmp.maxRelError
                                << " mismatches=" << cmp.mismatches
                                << " first at " << cmp.firstMismatch << "\n"
                                << text;
    }
  };
  check("reference", *expected);
  if (hasVariants(c))
    check("oracle", oracleResults(c, inputs));
}

INSTANTIATE_TEST_SUITE_P(
    Random, CPUPipelineDifferentialTest, ::testing::ValuesIn(levelCases()),
    [](const auto &info) {
      return std::string(
                 mlir::mha::testing::targetLevels()[info.param.first].name) +
             "_" + std::to_string(info.param.second);
    });
} // namespace
