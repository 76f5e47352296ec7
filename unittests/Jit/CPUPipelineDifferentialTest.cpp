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
// also checked against the float64 C++ oracle, every result. Random cases
// draw 1 to 4 threads; CausalScheduleTest walks the causal schedule (tile
// order, peeled and straddling diagonal tiles, alignment, windows) case by
// case on 1, 2 and 3 threads. ModifierDifferentialTest draws score_mod /
// mask_mod regions (affine masks the tile classification bounds, data
// dependent ones the pre-pass classifies, masks that empty rows) and checks
// them against the reference pipeline and the oracle.
//
//===----------------------------------------------------------------------===//

#include "mha/Runner/Compare.h"
#include "mha/Runner/Oracle.h"
#include "mha/Runner/OracleFunction.h"

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
/// Cases of the decode suite (each a few small compiles).
constexpr int kNumDecodeCases = 24;

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
  /// Options of the decode kernel (mha-split-kv): kv-splits (0 = the cost
  /// model), threads (0 = the host's), min-split-bytes, pack-heads.
  int64_t kvSplits = 0, threads = 0, minSplitBytes = 524288;
  bool packHeads = true;
  /// mha-vectorize-contractions pack-b: -1 (the L1 model), 0 or 1.
  int64_t packB = -1;
  /// mha-split-kv prefetch-tiles (keys-in-lanes decode tiles).
  int64_t prefetchTiles = 0;

  std::string options() const {
    return "q-tile=" + std::to_string(qTile) +
           " kv-tile=" + std::to_string(kvTile) +
           " kv-splits=" + std::to_string(kvSplits) +
           " threads=" + std::to_string(threads) +
           " min-split-bytes=" + std::to_string(minSplitBytes) +
           " pack-heads=" + (packHeads ? "true" : "false") +
           " pack-b=" + std::to_string(packB) +
           " prefetch-tiles=" + std::to_string(prefetchTiles);
  }
};

/// Draws the decode kernel's options: the cost model on 4 workers with
/// splits of at least 256 bytes splits even tiny caches, the default bound
/// keeps them whole; fixed split counts; packing mostly on.
void drawDecodeOptions(Rng &rng, DiffCase &dc) {
  dc.kvSplits = rng.pick<int64_t>({0, 0, 1, 3});
  dc.threads = rng.pick<int64_t>({0, 4});
  dc.minSplitBytes = rng.pick<int64_t>({524288, 256});
  dc.packHeads = rng.chance(80);
  // From the seed, not the stream: the other draws stay as they were.
  dc.prefetchTiles = int64_t(dc.seed % 3);
}

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
  DiffCase dc{c, qTile, kvTile, seed};
  drawDecodeOptions(rng, dc);
  // Last as well: 1 thread or several (the causal tile order balances their
  // chunks; every thread count must give the same results).
  dc.threads = rng.pick<int64_t>({1, 2, 3, 4});
  dc.packB = rng.pick<int64_t>({-1, -1, 0, 1});
  return dc;
}

/// A decode case for the kernel of mha-split-kv: Sq in {1, 3, 16}, GQA and
/// MQA groups, Skv mostly not a multiple of the kv tile, masks of every
/// broadcast form (some hide whole rows: a mask broadcast over keys).
DiffCase makeDecodeCase(uint64_t seed) {
  Rng rng{seed};
  AttentionCase c{};
  c.dtype = rng.pick({DType::F32, DType::F32, DType::BF16, DType::F16});
  c.b = rng.uniform(1, 2);
  c.hkv = rng.uniform(1, 3);
  c.h = c.hkv * rng.pick<int64_t>({1, 2, 4, 8});
  c.sq = rng.pick<int64_t>({1, 1, 3, 16});
  c.skv = rng.pick<int64_t>({1, 37, 64, 129, 300});
  c.d = rng.pick<int64_t>({16, 64, 128});
  c.dv = rng.chance(80) ? c.d : 24;
  c.causal = rng.chance(30);
  int maskRoll = int(rng.uniform(0, 3));
  c.maskKind = maskRoll == 0   ? MaskKind::I1
               : maskRoll == 1 ? MaskKind::Float
                               : MaskKind::None;
  if (c.maskKind != MaskKind::None) {
    int64_t full[] = {c.b, c.h, c.sq, c.skv};
    for (int64_t f : full)
      c.maskShape.push_back(rng.chance(50) ? f : 1);
  }
  c.dynamic = rng.chance(15);
  int64_t kvTile = rng.pick<int64_t>({16, 64});
  DiffCase dc{c, /*qTile=*/64, kvTile, seed};
  drawDecodeOptions(rng, dc);
  // Variants, drawn last so that the cases above keep their shapes: split
  // per kv range, on global key indices, sinks and lse in the combine.
  if (rng.chance(30)) {
    c.windowLeft = rng.chance(25) ? -1 : rng.uniform(0, 100);
    c.windowRight = rng.chance(50) ? -1 : rng.uniform(0, 20);
    if (c.windowLeft < 0 && c.windowRight < 0)
      c.windowRight = 0;
  }
  if (rng.chance(25))
    c.softcap = rng.pick<double>({0.5, 5.0, 30.0});
  c.alibi = rng.chance(25);
  c.sinks = rng.chance(25);
  c.lse = rng.chance(30);
  dc.attention = c;
  return dc;
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
class CPUPipelineDecodeDifferentialTest : public ::testing::TestWithParam<int> {
};

/// Compiles `dc` with mha-cpu-pipeline for `target` (plus `extraOptions`,
/// a target level's options) and compares it with the reference pipeline
/// (and the oracle for variants).
void checkCase(const DiffCase &dc, const TargetFlags &target,
               llvm::StringRef extraOptions = "");

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
  checkCase(makeCase(baseSeed() * 1000 + caseIndex), *target, level.cpuOptions);
}

TEST_P(CPUPipelineDecodeDifferentialTest, MatchesReference) {
  DiffCase dc = makeDecodeCase(baseSeed() * 1000 + 500 + GetParam());
  checkCase(dc, TargetFlags{});
}

INSTANTIATE_TEST_SUITE_P(Random, CPUPipelineDecodeDifferentialTest,
                         ::testing::Range(0, kNumDecodeCases));

/// bf16 cases whose contractions take the vdpbf16ps path (query tiles of 16
/// lanes; kv tiles even, and odd to mix in the f32 fallback), on the
/// AVX512-BF16 level only: skipped on hosts without AVX512-BF16.
constexpr int kNumBF16DotCases = 24;

class CPUPipelineBF16DotTest : public ::testing::TestWithParam<int> {};

TEST_P(CPUPipelineBF16DotTest, MatchesReference) {
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
  uint64_t seed = baseSeed() * 1000 + 500 + GetParam();
  DiffCase dc = makeCase(seed);
  Rng rng{seed ^ 0xbf16};
  dc.attention.dtype = DType::BF16;
  dc.qTile = rng.pick<int64_t>({16, 32, 64});
  dc.kvTile = rng.pick<int64_t>({16, 64, 64, 5});
  checkCase(dc, *target, level->cpuOptions);
}

void checkCase(const DiffCase &dc, const TargetFlags &target,
               llvm::StringRef extraOptions) {
  const AttentionCase &c = dc.attention;
  std::string options = dc.options();
  if (!extraOptions.empty())
    options += " " + extraOptions.str();
  SCOPED_TRACE(::testing::Message() << c << " " << options);

  std::string text = mlir::mha::testing::buildAttentionModule(c);
  std::vector<HostTensor> inputs =
      mlir::mha::testing::makeAttentionInputs(c, dc.seed);
  auto actual = mlir::mha::testing::compileAndRun(text, PipelineKind::CPU,
                                                  options, inputs, target);
  ASSERT_TRUE(bool(actual)) << llvm::toString(actual.takeError()) << "\n"
                            << text;
  auto expected = mlir::mha::testing::compileAndRun(
      text, PipelineKind::Reference, "", inputs, target);
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

INSTANTIATE_TEST_SUITE_P(Random, CPUPipelineBF16DotTest,
                         ::testing::Range(0, kNumBF16DotCases));

INSTANTIATE_TEST_SUITE_P(
    Random, CPUPipelineDifferentialTest, ::testing::ValuesIn(levelCases()),
    [](const auto &info) {
      return std::string(
                 mlir::mha::testing::targetLevels()[info.param.first].name) +
             "_" + std::to_string(info.param.second);
    });

/// Decode tiles with the keys in the vector lanes (mha-split-kv's score
/// layout [rows, keys], K packed transposed), case by case at 8 and 16 f32
/// lanes (`vector-width`, legal on any x86-64 host: LLVM splits wider
/// vectors): MHA, GQA and MQA groups packed as rows, f32 / bf16 / f16, i1
/// and float masks, fully masked rows, Skv not a multiple of the vector
/// width and shorter than one vector, Dv != D, a forced split over a dynamic
/// Skv, and a kv tile rounded up to whole vectors. Each case's comment says
/// at which widths the cost model picks keys in lanes.
struct KeysInLanesCase {
  const char *name;
  DType dtype;
  int64_t b, h, hkv, sq, skv, d, dv, kvTile;
  MaskKind mask = MaskKind::None;
  std::vector<int64_t> maskShape = {};
  bool causal = false, emptyRows = false, dynamic = false;
  int64_t kvSplits = 0, threads = 2;
  int64_t prefetchTiles = 0;
};

const KeysInLanesCase kKeysInLanesCases[] = {
    // Both widths; a partial last tile of 44 keys.
    {"mha_f32", DType::F32, 1, 4, 4, 1, 300, 64, 64, 64},
    // 16 lanes (at 8 its 4 rows keep the rows layout); GQA 4/1 packed, an
    // i1 mask per batch and key.
    {"gqa_bf16_i1_mask",
     DType::BF16,
     2,
     8,
     2,
     1,
     129,
     128,
     128,
     64,
     MaskKind::I1,
     {2, 1, 1, 129}},
    // 16 lanes: MQA with 2 heads x 3 queries packed, a float mask per row.
    {"mqa_f16_float_mask",
     DType::F16,
     1,
     2,
     1,
     3,
     37,
     64,
     64,
     64,
     MaskKind::Float,
     {1, 2, 3, 37}},
    // Both widths; 5 keys, one tile padded to a whole vector.
    {"short_cache", DType::F32, 1, 2, 2, 1, 5, 128, 128, 64},
    // 16 lanes: query 1 of head 0 sees no key: 0, not NaN.
    {"fully_masked_rows",
     DType::F32,
     1,
     4,
     2,
     3,
     70,
     64,
     64,
     64,
     MaskKind::I1,
     {1, 4, 3, 70},
     false,
     true},
    // Both widths; 3 splits of a dynamic Skv, 16-key tiles.
    {"split_dynamic_bf16",
     DType::BF16,
     1,
     2,
     1,
     1,
     200,
     64,
     64,
     16,
     MaskKind::None,
     {},
     false,
     false,
     true,
     3},
    // Both widths; causal with one query hides nothing; kv-tile 20 becomes
    // 24 or 32.
    {"causal_one_query_odd_tile",
     DType::F32,
     1,
     2,
     2,
     1,
     100,
     32,
     32,
     20,
     MaskKind::Float,
     {1, 1, 1, 100},
     true},
    // Both widths; Dv != D, one thread.
    {"dv_ne_d",
     DType::F32,
     1,
     2,
     2,
     1,
     77,
     64,
     24,
     64,
     MaskKind::None,
     {},
     false,
     false,
     false,
     0,
     1},
    // Both widths (16 lanes at D = 64); the next tile prefetched, keys clamped
    // to the last of each of 3 splits of a dynamic Skv with a partial tail
    // (f16, prefetch 2 tiles ahead), and to Skv - 1 on GQA with an i1 mask
    // (prefetch 1).
    {"prefetch_split_dynamic_f16",
     DType::F16,
     1,
     2,
     2,
     1,
     301,
     64,
     64,
     32,
     MaskKind::None,
     {},
     false,
     false,
     true,
     3,
     2,
     2},
    {"prefetch_gqa_i1_mask",
     DType::F32,
     2,
     8,
     2,
     1,
     200,
     128,
     128,
     64,
     MaskKind::I1,
     {2, 1, 1, 200},
     false,
     false,
     false,
     0,
     2,
     1},
};

class KeysInLanesTest
    : public ::testing::TestWithParam<std::tuple<KeysInLanesCase, int>> {};

TEST_P(KeysInLanesTest, MatchesReference) {
  const auto &[kc, width] = GetParam();
  AttentionCase c{};
  c.dtype = kc.dtype;
  c.b = kc.b;
  c.h = kc.h;
  c.hkv = kc.hkv;
  c.sq = kc.sq;
  c.skv = kc.skv;
  c.d = kc.d;
  c.dv = kc.dv;
  c.causal = kc.causal;
  c.maskKind = kc.mask;
  c.maskShape = kc.maskShape;
  c.emptyRows = kc.emptyRows;
  c.dynamic = kc.dynamic;
  DiffCase dc{c, /*qTile=*/64, kc.kvTile, uint64_t(kc.skv * 100 + kc.h)};
  dc.kvSplits = kc.kvSplits;
  dc.threads = kc.threads;
  dc.prefetchTiles = kc.prefetchTiles;
  checkCase(dc, TargetFlags{}, "vector-width=" + std::to_string(width));
}

INSTANTIATE_TEST_SUITE_P(
    Decode, KeysInLanesTest,
    ::testing::Combine(::testing::ValuesIn(kKeysInLanesCases),
                       ::testing::Values(8, 16)),
    [](const auto &info) {
      return std::string(std::get<0>(info.param).name) + "_w" +
             std::to_string(std::get<1>(info.param));
    });

/// The causal schedule of mha-tile-attention, case by case: query tiles in
/// balanced order on 1 to 3 threads, the peeled diagonal (q-tile = kv-tile)
/// and the general straddling tiles (q-tile != kv-tile), bottom-right
/// alignment with Sq < Skv and Sq > Skv (whole query tiles see no key),
/// odd sizes, fully masked rows, a sliding window on top of causal, dynamic
/// sizes. On the host target, each case on 1, 2 or 3 threads (3 does not
/// divide the tile counts).
struct CausalCase {
  const char *name;
  int64_t threads, b, h, hkv, sq, skv, d, qTile, kvTile;
  int64_t windowLeft = -1;
  bool dynamic = false, emptyRows = false;
};

const CausalCase kCausalCases[] = {
    {"aligned", 2, 1, 1, 1, 64, 64, 16, 16, 16},
    {"aligned_one_thread", 1, 1, 1, 1, 64, 64, 16, 16, 16},
    {"odd_sizes", 3, 1, 2, 1, 77, 77, 8, 16, 16},
    {"odd_sizes_q_gt_kv_tile", 2, 1, 3, 3, 77, 77, 16, 32, 8},
    {"odd_sizes_q_lt_kv_tile", 1, 2, 2, 1, 45, 45, 8, 8, 32},
    {"sq_lt_skv", 2, 1, 2, 2, 40, 104, 16, 8, 8},
    {"sq_lt_skv_q_gt_kv_tile", 3, 1, 2, 2, 40, 104, 16, 16, 8},
    {"sq_lt_skv_odd", 1, 1, 2, 1, 37, 101, 8, 16, 5},
    {"sq_gt_skv", 2, 1, 2, 2, 100, 36, 8, 16, 16},
    {"sq_gt_skv_q_gt_kv_tile", 3, 1, 1, 1, 100, 36, 8, 32, 8},
    {"sq_gt_skv_odd", 1, 2, 2, 2, 61, 23, 8, 8, 3},
    {"fully_masked_rows", 2, 1, 2, 2, 24, 24, 8, 8, 8, -1, false, true},
    {"window", 2, 1, 2, 1, 96, 96, 16, 16, 16, 20},
    {"window_narrower_than_tile", 3, 1, 2, 2, 64, 80, 8, 16, 16, 3},
    {"window_q_ne_kv_tile", 1, 1, 1, 1, 70, 90, 8, 32, 8, 40},
    {"window_q_lt_kv_tile", 2, 1, 2, 1, 96, 96, 16, 8, 32, 20},
    {"window_q_lt_kv_tile_sq_lt_skv", 3, 1, 2, 1, 40, 104, 16, 8, 16, 9},
    {"dynamic", 2, 2, 2, 1, 50, 70, 8, 16, 16, -1, true},
    {"dynamic_sq_gt_skv", 3, 1, 3, 1, 45, 20, 8, 8, 16, -1, true},
    // q-tile 0: the tile model of mha-tile-attention (64 rows for causal),
    // and 128 rows by hand (the model's choice without a causal mask).
    {"model_tile", 1, 1, 8, 2, 300, 300, 16, 0, 64},
    {"model_tile_sq_lt_skv", 2, 1, 8, 8, 256, 320, 16, 0, 64},
    {"q128_kv64_odd", 3, 1, 4, 2, 200, 200, 8, 128, 64},
    {"q128_kv32_window", 2, 1, 4, 4, 256, 256, 8, 128, 32, 70},
};

class CausalScheduleTest : public ::testing::TestWithParam<CausalCase> {};

TEST_P(CausalScheduleTest, MatchesReference) {
  const CausalCase &cc = GetParam();
  AttentionCase c{};
  c.b = cc.b;
  c.h = cc.h;
  c.hkv = cc.hkv;
  c.sq = cc.sq;
  c.skv = cc.skv;
  c.d = c.dv = cc.d;
  c.causal = true;
  c.dynamic = cc.dynamic;
  c.windowLeft = cc.windowLeft;
  if (cc.emptyRows) {
    // Query row 1 sees no key at all: 0, never NaN.
    c.maskKind = MaskKind::I1;
    c.maskShape = {1, 1, c.sq, c.skv};
    c.emptyRows = true;
  }
  DiffCase dc{c, cc.qTile, cc.kvTile, uint64_t(cc.sq * 1000 + cc.skv)};
  dc.threads = cc.threads;
  checkCase(dc, TargetFlags{});
}

INSTANTIATE_TEST_SUITE_P(Causal, CausalScheduleTest,
                         ::testing::ValuesIn(kCausalCases),
                         [](const auto &info) {
                           return std::string(info.param.name) + "_threads" +
                                  std::to_string(info.param.threads);
                         });

/// A random mha.attention with modifier regions: its module text (@main of
/// q, k, v; captured ids and biases are constants of the function) and
/// pipeline options.
struct ModifierCase {
  AttentionCase attention;
  std::string text, description;
  int64_t qTile, kvTile, threads;
};

/// `values` as a dense constant `%name` of `type`.
std::string denseConstant(const std::string &name,
                          const std::vector<std::string> &values,
                          const std::string &elt) {
  std::string s = "  " + name + " = arith.constant dense<[";
  for (size_t i = 0; i < values.size(); ++i)
    s += (i ? ", " : "") + values[i];
  return s + "]> : tensor<" + std::to_string(values.size()) + "x" + elt + ">\n";
}

/// Mask kind `maskKind` (0 to 6, so that every kind is drawn), the rest
/// random in `seed`.
ModifierCase makeModifierCase(uint64_t seed, int maskKind) {
  Rng rng{seed};
  AttentionCase c{};
  c.dtype = rng.pick({DType::F32, DType::F32, DType::F16, DType::BF16});
  c.b = rng.uniform(1, 2);
  c.hkv = rng.uniform(1, 2);
  c.h = c.hkv * rng.pick<int64_t>({1, 2, 4});
  c.sq = rng.uniform(1, 48);
  c.skv = rng.chance(30) ? c.sq : rng.uniform(1, 64);
  c.d = c.dv = rng.pick<int64_t>({8, 16, 32});
  c.causal = rng.chance(25);
  c.dynamic = rng.chance(15);
  c.lse = rng.chance(30);
  int64_t off = c.skv - c.sq;
  std::string consts, mask, score, what;
  // mask_mod: (b, h, i, j) -> i1.
  switch (maskKind) {
  case 0:
    break;
  case 1: { // prefix-LM: j < P or j <= i + off (affine)
    int64_t p = rng.uniform(0, c.skv);
    what += " mask=prefix_lm(" + std::to_string(p) + ")";
    mask = llvm::formatv("      %cp = arith.constant {0} : index\n"
                         "      %co = arith.constant {1} : index\n"
                         "      %io = arith.addi %i, %co : index\n"
                         "      %pre = arith.cmpi ult, %j, %cp : index\n"
                         "      %cau = arith.cmpi sle, %j, %io : index\n"
                         "      %r = arith.ori %pre, %cau : i1\n",
                         p, off)
               .str();
    break;
  }
  case 2: { // window j in [i + off - w, i + off + r] (affine)
    int64_t w = rng.uniform(0, 20), r = rng.uniform(0, 6);
    what += " mask=window(" + std::to_string(w) + "," + std::to_string(r) + ")";
    mask = llvm::formatv("      %clo = arith.constant {0} : index\n"
                         "      %chi = arith.constant {1} : index\n"
                         "      %lo = arith.addi %i, %clo : index\n"
                         "      %hi = arith.addi %i, %chi : index\n"
                         "      %a = arith.cmpi sge, %j, %lo : index\n"
                         "      %z = arith.cmpi sle, %j, %hi : index\n"
                         "      %r = arith.andi %a, %z : i1\n",
                         off - w, off + r)
               .str();
    break;
  }
  case 3: { // packed documents (data dependent); some queries see none
    auto ids = [&](int64_t n, int64_t docs) {
      std::vector<std::string> v;
      int64_t id = 0;
      for (int64_t i = 0; i < n; ++i) {
        if (i && rng.chance(int(100 / std::max<int64_t>(1, n / docs))))
          ++id;
        v.push_back(std::to_string(id));
      }
      return v;
    };
    int64_t docs = rng.uniform(1, 5);
    consts += denseConstant("%dq", ids(c.sq, docs), "i32");
    consts += denseConstant("%dk", ids(c.skv, docs), "i32");
    what += " mask=documents";
    mask = llvm::formatv("      %x = tensor.extract %dq[%i] : tensor<{0}xi32>\n"
                         "      %y = tensor.extract %dk[%j] : tensor<{1}xi32>\n"
                         "      %r = arith.cmpi eq, %x, %y : i32\n",
                         c.sq, c.skv)
               .str();
    break;
  }
  case 4: // per head (data dependent): even heads causal, odd anti-causal
    what += " mask=per_head";
    mask = "      %c1 = arith.constant 1 : index\n"
           "      %hb = arith.andi %h, %c1 : index\n"
           "      %odd = arith.cmpi eq, %hb, %c1 : index\n"
           "      %le = arith.cmpi sle, %j, %i : index\n"
           "      %ge = arith.cmpi sge, %j, %i : index\n"
           "      %r = arith.select %odd, %ge, %le : i1\n";
    break;
  case 5: { // query row q0 sees nothing (affine: i != q0)
    int64_t row = rng.uniform(0, c.sq - 1);
    what += " mask=empty_row(" + std::to_string(row) + ")";
    mask = llvm::formatv("      %cr = arith.constant {0} : index\n"
                         "      %r = arith.cmpi ne, %i, %cr : index\n",
                         row)
               .str();
    break;
  }
  case 6: // non-linear (data dependent): (i xor j) & 3 != 1
    what += " mask=xor";
    mask = "      %c3 = arith.constant 3 : index\n"
           "      %c1 = arith.constant 1 : index\n"
           "      %x = arith.xori %i, %j : index\n"
           "      %m = arith.andi %x, %c3 : index\n"
           "      %r = arith.cmpi ne, %m, %c1 : index\n";
    break;
  }
  // score_mod: (s, b, h, i, j) -> f32.
  switch (rng.uniform(0, 3)) {
  case 0:
    break;
  case 1:
    what += " score=tanh_cap";
    score = "      %cc = arith.constant 2.0 : f32\n"
            "      %d = arith.divf %s, %cc : f32\n"
            "      %t = math.tanh %d : f32\n"
            "      %r = arith.mulf %t, %cc : f32\n";
    break;
  case 2: {
    std::vector<std::string> bias;
    for (int64_t j = 0; j < c.skv; ++j)
      bias.push_back(std::to_string(double(rng.uniform(-8, 8)) / 4));
    consts += denseConstant("%kb", bias, "f32");
    what += " score=key_bias";
    score =
        llvm::formatv("      %x = tensor.extract %kb[%j] : tensor<{0}xf32>\n"
                      "      %r = arith.addf %s, %x : f32\n",
                      c.skv)
            .str();
    break;
  }
  case 3:
    what += " score=distance";
    score = "      %dd = arith.subi %j, %i : index\n"
            "      %di = arith.index_cast %dd : index to i64\n"
            "      %df = arith.sitofp %di : i64 to f32\n"
            "      %cs = arith.constant 0.125 : f32\n"
            "      %bb = arith.mulf %df, %cs : f32\n"
            "      %r = arith.addf %s, %bb : f32\n";
    break;
  }
  if (mask.empty() && score.empty()) {
    what += " mask=prefix_lm(1)";
    mask = "      %cp = arith.constant 1 : index\n"
           "      %r = arith.cmpi ult, %j, %cp : index\n";
  }

  std::vector<bool> dyn = {c.dynamic, false, c.dynamic, false};
  using mlir::mha::testing::tensorTypeString;
  std::string q = tensorTypeString({c.b, c.h, c.sq, c.d}, c.dtype, dyn);
  std::string k = tensorTypeString({c.b, c.hkv, c.skv, c.d}, c.dtype, dyn);
  std::string v = tensorTypeString({c.b, c.hkv, c.skv, c.dv}, c.dtype, dyn);
  std::string o = tensorTypeString({c.b, c.h, c.sq, c.dv}, c.dtype, dyn);
  std::string l = tensorTypeString({c.b, c.h, c.sq}, DType::F32,
                                   {c.dynamic, false, c.dynamic});
  std::string results = c.lse ? o + ", " + l : o;
  std::string text =
      "func.func @main(%q: " + q + ", %k: " + k + ", %v: " + v + ") -> (" +
      results + ") {\n" + consts + "  " + (c.lse ? "%o, %lse" : "%o") +
      " = mha.attention %q, %k, %v " + (c.causal ? "{causal} " : "") + ": " +
      q + ", " + k + ", " + v + " -> " + results + "\n";
  if (!score.empty())
    text += "    score_mod {\n    ^bb0(%s: f32, %b: index, %h: index, %i: "
            "index, %j: index):\n" +
            score + "      mha.yield %r : f32\n    }\n";
  if (!mask.empty())
    text += "    mask_mod {\n    ^bb0(%b: index, %h: index, %i: index, %j: "
            "index):\n" +
            mask + "      mha.yield %r : i1\n    }\n";
  text += std::string("  return ") + (c.lse ? "%o, %lse" : "%o") + " : " +
          results + "\n}\n";
  int64_t qTile = rng.pick<int64_t>({1, 3, 4, 8, 16, 32});
  int64_t kvTile = rng.pick<int64_t>({1, 4, 5, 8, 16, 32});
  return {c, text, what, qTile, kvTile, rng.pick<int64_t>({1, 2, 3})};
}

constexpr int kNumModifierCases = 14;

class ModifierDifferentialTest : public ::testing::TestWithParam<int> {};

TEST_P(ModifierDifferentialTest, MatchesReferenceAndOracle) {
  ModifierCase mc =
      makeModifierCase(baseSeed() * 1000 + 700 + GetParam(), GetParam() % 7);
  const AttentionCase &c = mc.attention;
  std::string options = "q-tile=" + std::to_string(mc.qTile) +
                        " kv-tile=" + std::to_string(mc.kvTile) +
                        " threads=" + std::to_string(mc.threads);
  SCOPED_TRACE(::testing::Message()
               << c << mc.description << " " << options << "\n"
               << mc.text);
  std::vector<HostTensor> inputs =
      mlir::mha::testing::makeAttentionInputs(c, GetParam() + 1);
  auto actual = mlir::mha::testing::compileAndRun(mc.text, PipelineKind::CPU,
                                                  options, inputs);
  ASSERT_TRUE(bool(actual)) << llvm::toString(actual.takeError());
  auto expected = mlir::mha::testing::compileAndRun(
      mc.text, PipelineKind::Reference, "", inputs);
  ASSERT_TRUE(bool(expected)) << llvm::toString(expected.takeError());
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(
      mc.text, &mlir::mha::testing::sharedContext());
  ASSERT_TRUE(module);
  auto func = module->lookupSymbol<func::FuncOp>("main");
  std::optional<std::vector<HostTensor>> oracle =
      evaluateWithOracle(func, inputs);
  ASSERT_TRUE(oracle.has_value()) << "the oracle does not take the case";

  for (auto [what, want] : {std::pair<const char *, std::vector<HostTensor> *>{
                                "reference", &*expected},
                            {"oracle", &*oracle}}) {
    ASSERT_EQ(actual->size(), want->size()) << what;
    for (size_t i = 0; i < want->size(); ++i) {
      Comparison cmp = compare((*actual)[i], (*want)[i],
                               Tolerance::defaultFor((*actual)[i].dtype));
      EXPECT_TRUE(cmp.passed()) << "result " << i << " vs " << what
                                << ": max_abs_err=" << cmp.maxAbsError
                                << " max_rel_err=" << cmp.maxRelError
                                << " mismatches=" << cmp.mismatches
                                << " first at " << cmp.firstMismatch;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Random, ModifierDifferentialTest,
                         ::testing::Range(0, kNumModifierCases));
} // namespace
