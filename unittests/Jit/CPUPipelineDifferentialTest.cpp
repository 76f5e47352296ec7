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
//
//===----------------------------------------------------------------------===//

#include "mha/Runner/Compare.h"

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
  return {c, rng.pick<int64_t>({1, 3, 16, 32, 64}),
          rng.pick<int64_t>({1, 5, 16, 64, 128}), seed};
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
                        " kv-tile=" + std::to_string(dc.kvTile);
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

  Comparison cmp =
      compare((*actual)[0], (*expected)[0], Tolerance::defaultFor(c.dtype));
  EXPECT_TRUE(cmp.passed())
      << "max_abs_err=" << cmp.maxAbsError << " max_rel_err=" << cmp.maxRelError
      << " mismatches=" << cmp.mismatches << " first at " << cmp.firstMismatch
      << "\n"
      << text;
}

INSTANTIATE_TEST_SUITE_P(
    Random, CPUPipelineDifferentialTest, ::testing::ValuesIn(levelCases()),
    [](const auto &info) {
      return std::string(
                 mlir::mha::testing::targetLevels()[info.param.first].name) +
             "_" + std::to_string(info.param.second);
    });
} // namespace
