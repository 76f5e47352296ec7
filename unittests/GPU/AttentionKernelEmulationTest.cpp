//===- AttentionKernelEmulationTest.cpp - GPU kernels vs the oracle -------===//
//
// Runs the kernels of convert-mha-to-gpu (both families, every feature) in
// the host emulator and compares them with the C++ oracle. This is how CI,
// which has no GPU, checks what the GPU pipeline computes.
//
//===----------------------------------------------------------------------===//

#include "KernelEmulator.h"

#include "mha/Conversion/Passes.h"
#include "mha/InitAll.h"
#include "mha/Pipelines/Pipelines.h"
#include "mha/Runner/Compare.h"
#include "mha/Runner/Oracle.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

#include "gtest/gtest.h"

#include <cstdlib>
#include <functional>

using namespace mlir;
using namespace mlir::mha;
using namespace mlir::mha::runner;

namespace {

struct EmuCase {
  std::string name;
  std::string dtype; // f32, f16, bf16
  int64_t b, h, hkv, sq, skv, d, dv;
  bool causal = false;
  std::string mask; // "", "i1" or "float"
  std::vector<int64_t> maskShape;
  AttentionKernelKind kernel = AttentionKernelKind::Auto;
  std::optional<double> scale;
  int64_t kvTile = 0; // 0: the automatic tile shape
  // Variants: window bounds (-1 unbounded; none when both are), softcap,
  // ALiBi slopes and sinks (per query head), the lse result.
  int64_t windowLeft = -1, windowRight = -1;
  std::optional<double> softcap;
  bool alibi = false, sinks = false, lse = false;
  // When positive: the warp mma.sync instructions the kernel must issue,
  // which shows that tiles outside the window are skipped.
  int64_t mmaSync = 0;
  // A mask_mod region: its body over %i (q_idx) and %j (kv_idx), yielding
  // %p; `maskModRef` is the same mask for the oracle.
  std::string maskMod;
  std::function<bool(int64_t i, int64_t j)> maskModRef;
  // Instructions of these classes the kernel must issue (exactly).
  std::vector<std::pair<std::string, int64_t>> counts;
  // When positive: the wgmma (per warpgroup) and TMA loads (boxes of 8
  // columns) the wgmma kernel must issue, which shows how often each K/V
  // tile is loaded.
  int64_t wgmma = 0, tmaLoads = 0;
};

/// `base` with the variants of `variants` (only its variant fields count).
EmuCase withVariants(EmuCase base, std::string name, const EmuCase &variants) {
  base.name = std::move(name);
  base.windowLeft = variants.windowLeft;
  base.windowRight = variants.windowRight;
  base.softcap = variants.softcap;
  base.alibi = variants.alibi;
  base.sinks = variants.sinks;
  base.lse = variants.lse;
  return base;
}

std::string tensorType(const std::vector<int64_t> &shape,
                       const std::string &dtype) {
  std::string s = "tensor<";
  for (int64_t d : shape)
    s += std::to_string(d) + "x";
  return s + dtype + ">";
}

DType dtypeOf(const std::string &s) {
  return s == "f16" ? DType::F16 : s == "bf16" ? DType::BF16 : DType::F32;
}

/// A memref<?xT> descriptor as the lowered kernel takes it (5 words).
struct FlatDescriptor {
  void *allocated, *aligned;
  int64_t offset, size, stride;
};

constexpr GPUChip kSM80(80, /*archSpecific=*/false);
constexpr GPUChip kSM90a(90, /*archSpecific=*/true);

using KernelEmulation = mha::testing::EmulationTest<EmuCase>;

TEST_P(KernelEmulation, MatchesOracle) {
  const EmuCase &c = GetParam();
  std::vector<int64_t> qs = {c.b, c.h, c.sq, c.d},
                       ks = {c.b, c.hkv, c.skv, c.d},
                       vs = {c.b, c.hkv, c.skv, c.dv},
                       os = {c.b, c.h, c.sq, c.dv};
  std::string maskType =
      c.mask.empty() ? ""
                     : tensorType(c.maskShape, c.mask == "i1" ? "i1" : c.dtype);
  std::string attrs;
  if (c.causal)
    attrs += "causal";
  auto addAttr = [&](const std::string &a) {
    attrs += (attrs.empty() ? "" : ", ") + a;
  };
  if (c.scale)
    addAttr("scale = " + std::to_string(*c.scale) + " : f32");
  if (c.windowLeft >= 0 || c.windowRight >= 0)
    addAttr("window = [" + std::to_string(c.windowLeft) + ", " +
            std::to_string(c.windowRight) + "]");
  if (c.softcap)
    addAttr("softcap = " + std::to_string(*c.softcap) + " : f32");
  std::string headType = "tensor<" + std::to_string(c.h) + "xf32>";
  std::string lseType = tensorType({c.b, c.h, c.sq}, "f32");
  std::string resultTypes =
      tensorType(os, c.dtype) + (c.lse ? ", " + lseType : "");
  std::string src =
      "func.func @f(%q: " + tensorType(qs, c.dtype) +
      ", %k: " + tensorType(ks, c.dtype) + ", %v: " + tensorType(vs, c.dtype) +
      (maskType.empty() ? "" : ", %m: " + maskType) +
      (c.alibi ? ", %slopes: " + headType : "") +
      (c.sinks ? ", %sinks: " + headType : "") + ") -> (" + resultTypes +
      ") {\n  %o" + (c.lse ? ", %lse" : "") + " = mha.attention %q, %k, %v " +
      (maskType.empty() ? "" : "mask(%m) ") +
      (c.alibi ? "alibi(%slopes : " + headType + ") " : "") +
      (c.sinks ? "sinks(%sinks : " + headType + ") " : "") + "{" + attrs +
      "} : " + tensorType(qs, c.dtype) + ", " + tensorType(ks, c.dtype) + ", " +
      tensorType(vs, c.dtype) + (maskType.empty() ? "" : ", " + maskType) +
      " -> " + resultTypes +
      (c.maskMod.empty()
           ? ""
           : "\n  mask_mod {\n  ^bb0(%b: index, %h: index, %i: index, %j: "
             "index):\n" +
                 c.maskMod + "\n    mha.yield %p : i1\n  }") +
      "\n  return %o" + (c.lse ? ", %lse" : "") + " : " + resultTypes + "\n}\n";
  OwningOpRef<ModuleOp> module =
      parseSourceString<ModuleOp>(src, context.get());
  ASSERT_TRUE(module) << src;

  // Kernel and its launch, before the host code is lowered.
  PassManager pm(context.get());
  ConvertMHAToGPUOptions toGPU;
  toGPU.kernel = c.kernel;
  toGPU.chip = c.kernel == AttentionKernelKind::Wgmma ? kSM90a : kSM80;
  toGPU.kvSplits = 1; // one launch, inspected below
  toGPU.kvTile = c.kvTile;
  pm.addPass(createConvertMHAToGPU(toGPU));
  pm.addPass(createCanonicalizerPass());
  ASSERT_TRUE(succeeded(pm.run(*module)));
  gpu::LaunchFuncOp launch;
  module->walk([&](gpu::LaunchFuncOp l) { launch = l; });
  ASSERT_TRUE(launch);
  auto constant = [](Value v) {
    return cast<IntegerAttr>(
               cast<arith::ConstantOp>(v.getDefiningOp()).getValue())
        .getInt();
  };
  std::array<int64_t, 3> grid = {constant(launch.getGridSizeX()),
                                 constant(launch.getGridSizeY()),
                                 constant(launch.getGridSizeZ())};
  std::array<int64_t, 3> block = {constant(launch.getBlockSizeX()),
                                  constant(launch.getBlockSizeY()),
                                  constant(launch.getBlockSizeZ())};
  int64_t smem = constant(launch.getDynamicSharedMemorySize());
  std::string kernelName = launch.getKernelName().str();

  PassManager lower(context.get());
  GPUPipelineOptions options;
  options.chip = c.kernel == AttentionKernelKind::Wgmma ? kSM90a : kSM80;
  buildGPUKernelLoweringPipeline(lower, options);
  ASSERT_TRUE(succeeded(lower.run(*module)));
  auto emulator = mha::testing::KernelEmulator::create(*module);
  ASSERT_TRUE(bool(emulator)) << llvm::toString(emulator.takeError());

  DType dt = dtypeOf(c.dtype);
  HostTensor q = randomTensor(dt, qs, 1), k = randomTensor(dt, ks, 2),
             v = randomTensor(dt, vs, 3);
  std::optional<HostTensor> mask;
  if (!c.mask.empty())
    mask = randomTensor(c.mask == "i1" ? DType::I1 : dt, c.maskShape, 4,
                        c.mask == "i1" ? 1.0f : 2.0f);
  HostTensor out(dt, os);
  // Poison the output: every element must be written.
  for (int64_t i = 0; i < out.numElements(); ++i)
    out.set(i, 12345.0f);
  // Slopes as ALiBi makes them (2^(-8 (h + 1) / H)); sinks around the
  // scores' magnitude, so that they matter without dominating.
  HostTensor slopes(DType::F32, {c.h}),
      sinks = randomTensor(DType::F32, {c.h}, 5, 2.0f);
  for (int64_t h = 0; h < c.h; ++h)
    slopes.set(h, std::exp2(-8.0 * double(h + 1) / double(c.h)));
  HostTensor lse(DType::F32, {c.b, c.h, c.sq});
  for (int64_t i = 0; i < lse.numElements(); ++i)
    lse.set(i, 12345.0f);

  auto flat = [](void *p, int64_t n) { return FlatDescriptor{p, p, 0, n, 1}; };
  std::vector<FlatDescriptor> descs = {flat(q.data(), q.numElements()),
                                       flat(k.data(), k.numElements()),
                                       flat(v.data(), v.numElements())};
  if (mask)
    descs.push_back(flat(mask->data(), mask->numElements()));
  if (c.alibi)
    descs.push_back(flat(slopes.data(), c.h));
  if (c.sinks)
    descs.push_back(flat(sinks.data(), c.h));
  descs.push_back(flat(out.data(), out.numElements()));
  if (c.lse)
    descs.push_back(flat(lse.data(), lse.numElements()));
  std::vector<int64_t> scalars = {c.b, c.sq, c.skv};
  if (mask) {
    int64_t stride = 1;
    std::vector<int64_t> strides(4);
    for (int d = 3; d >= 0; --d) {
      strides[d] = c.maskShape[d] == 1 ? 0 : stride;
      stride *= c.maskShape[d];
    }
    scalars.insert(scalars.end(), strides.begin(), strides.end());
  }
  std::vector<void *> params;
  for (FlatDescriptor &d : descs) {
    params.push_back(&d.allocated);
    params.push_back(&d.aligned);
    params.push_back(&d.offset);
    params.push_back(&d.size);
    params.push_back(&d.stride);
  }
  for (int64_t &s : scalars)
    params.push_back(&s);
  // The wgmma kernel also takes TMA descriptors of Q, K and V as [rows, D]
  // ([rows, Dv]) matrices (boxes of blockM x 8 for Q, blockN x 8 for K and
  // V), encoded by the emulated runtime function into host memory (the
  // kernel reads them where they are). Its blocks are 64-row consumer
  // warpgroups and a producer warp.
  struct alignas(64) TensorMap {
    int64_t words[16];
  };
  std::vector<TensorMap> maps(3);
  std::vector<void *> tensorMaps;
  if (c.kernel == AttentionKernelKind::Wgmma) {
    void *encode = nullptr;
    for (auto &[name, fn] : (*emulator)->runtimeSymbols())
      if (name == "mhaRuntimeEncodeTensorMap2D")
        encode = fn;
    ASSERT_TRUE(encode);
    auto *encodeFn =
        reinterpret_cast<void (*)(void *, int64_t, void *, int64_t, int64_t,
                                  int64_t, int64_t, int64_t)>(encode);
    int64_t dataType = dt == DType::F16 ? 6 : 9; // CU_TENSOR_MAP_DATA_TYPE_*
    for (auto [i, t] :
         llvm::enumerate(std::array<HostTensor *, 3>{&q, &k, &v})) {
      int64_t cols = t == &v ? c.dv : c.d;
      int64_t rows = t->numElements() / cols;
      int64_t boxRows =
          t == &q ? (block[0] - 32) / 2 : (c.kvTile > 0 ? c.kvTile : 64);
      encodeFn(&maps[i], dataType, t->data(), rows, cols, cols * 2, boxRows, 8);
      tensorMaps.push_back(&maps[i]);
    }
    ASSERT_EQ((*emulator)->takeError(), "");
    for (void *&m : tensorMaps)
      params.push_back(&m);
  }
  llvm::Error err =
      (*emulator)->launch(kernelName, grid, block, smem, params.data());
  ASSERT_FALSE(bool(err)) << llvm::toString(std::move(err));
  ASSERT_EQ((*emulator)->takeError(), "");
  // The mma kernel pads its Q/K/V rows to an odd number of 16-byte units
  // and copies 8 rows of one column per cp.async phase, so that its
  // cp.async copies and ldmatrix loads are free of bank conflicts at every
  // D (docs/gpu-codegen.md; the copies in row order conflicted 2-way at
  // D = 16, 32 and 48).
  const mha::testing::KernelCounts &counts =
      (*emulator)->getCounts(kernelName);
  if (counts.count("mma.sync") && c.skv > 0)
    for (const char *cls : {"cp.async", "ldmatrix"}) {
      ASSERT_TRUE(counts.count(cls)) << cls;
      EXPECT_EQ(counts.at(cls).bankConflicts(), 0) << cls;
    }
  if (c.mmaSync > 0) {
    ASSERT_TRUE(counts.count("mma.sync"));
    EXPECT_EQ(counts.at("mma.sync").instructions, c.mmaSync);
  }
  for (const auto &[cls, n] : c.counts) {
    int64_t actual = counts.count(cls) ? counts.at(cls).instructions : 0;
    EXPECT_EQ(actual, n) << cls;
  }
  if (c.wgmma > 0) {
    ASSERT_TRUE(counts.count("wgmma"));
    EXPECT_EQ(counts.at("wgmma").instructions, c.wgmma);
    ASSERT_TRUE(counts.count("cp.async.bulk.tensor"));
    EXPECT_EQ(counts.at("cp.async.bulk.tensor").instructions, c.tmaLoads);
  }
  // The wgmma kernel's only shared-memory stores are P's (V arrives by TMA
  // and is read N-major, issue 16 defect 5): conflict-free.
  if (counts.count("wgmma") && c.skv > 0) {
    ASSERT_TRUE(counts.count("st.shared"));
    EXPECT_EQ(counts.at("st.shared").bankConflicts(), 0);
  }
  if (std::getenv("MHA_EMULATOR_COUNTS"))
    for (auto &[cls, n] : counts)
      llvm::errs() << c.name << " " << cls << ": " << n.instructions
                   << " instructions, " << n.bytes << " bytes, "
                   << n.wavefronts << " wavefronts (" << n.bankConflicts()
                   << " from bank conflicts)\n";

  AttentionAttrs attrs2;
  attrs2.causal = c.causal;
  attrs2.scale = c.scale;
  attrs2.windowLeft = c.windowLeft;
  attrs2.windowRight = c.windowRight;
  attrs2.softcap = c.softcap;
  for (int64_t h = 0; h < c.h && c.alibi; ++h)
    attrs2.alibiSlopes.push_back(slopes.get(h));
  for (int64_t h = 0; h < c.h && c.sinks; ++h)
    attrs2.sinks.push_back(sinks.get(h));
  if (c.maskModRef)
    attrs2.maskMod = [&](int64_t, int64_t, int64_t i, int64_t j) {
      return c.maskModRef(i, j);
    };
  HostTensor expectedLse(DType::F32, {c.b, c.h, c.sq});
  HostTensor expected =
      oracleAttention(q, k, v, mask ? &*mask : nullptr, attrs2, &expectedLse);
  Comparison cmp = compare(out, expected, Tolerance::defaultFor(dt));
  EXPECT_TRUE(cmp.passed())
      << c.name << ": max_abs_err=" << cmp.maxAbsError
      << " mismatches=" << cmp.mismatches << " first at " << cmp.firstMismatch;
  if (c.lse) {
    Comparison lcmp =
        compare(lse, expectedLse, Tolerance::defaultFor(DType::F32));
    EXPECT_TRUE(lcmp.passed())
        << c.name << " lse: max_abs_err=" << lcmp.maxAbsError
        << " mismatches=" << lcmp.mismatches << " first at "
        << lcmp.firstMismatch;
  }
}

std::vector<EmuCase> cases() {
  std::vector<EmuCase> v;
  // Tensor-core kernel.
  v.push_back({"mma_bf16_basic", "bf16", 1, 2, 2, 64, 64, 64, 64});
  v.push_back({"mma_f16_partial", "f16", 1, 2, 1, 70, 100, 64, 64});
  v.push_back({"mma_bf16_causal_gqa", "bf16", 2, 4, 2, 77, 77, 32, 32, true});
  v.push_back(
      {"mma_bf16_causal_sq_lt_skv", "bf16", 1, 2, 2, 20, 150, 64, 64, true});
  v.push_back(
      {"mma_f16_causal_sq_gt_skv", "f16", 1, 1, 1, 90, 40, 16, 16, true});
  v.push_back({"mma_bf16_d128_dv64", "bf16", 1, 1, 1, 65, 130, 128, 64});
  v.push_back({"mma_f16_bool_mask",
               "f16",
               2,
               2,
               1,
               33,
               70,
               64,
               64,
               false,
               "i1",
               {2, 1, 33, 70}});
  v.push_back({"mma_bf16_float_mask_bcast",
               "bf16",
               1,
               4,
               4,
               40,
               50,
               32,
               32,
               false,
               "float",
               {1, 1, 1, 50}});
  v.push_back({"mma_f16_mask_causal_scale",
               "f16",
               1,
               2,
               2,
               50,
               50,
               48,
               48,
               true,
               "i1",
               {1, 2, 50, 50},
               AttentionKernelKind::Auto,
               0.3});
  v.push_back({"mma_f16_empty_kv", "f16", 1, 1, 1, 17, 0, 16, 16});
  // 128-row blocks: sizes that are not multiples of the block or of the kv
  // tile (64 keys at D = 128, 128 at D = 64), several causal query tiles
  // (launched heaviest first), rows that a mask hides entirely, and a kv
  // tile given by kv-tile.
  v.push_back({"mma_bf16_d128_odd_tiles", "bf16", 1, 1, 1, 130, 200, 128, 128});
  v.push_back({"mma_f16_d64_causal_three_tiles", "f16", 1, 2, 1, 300, 260, 64,
               64, true});
  v.push_back({"mma_bf16_fully_masked_rows",
               "bf16",
               1,
               2,
               2,
               40,
               150,
               64,
               64,
               false,
               "i1",
               {1, 1, 40, 1}});
  v.push_back({"mma_f16_kv_tile_32",
               "f16",
               1,
               1,
               1,
               70,
               90,
               32,
               32,
               true,
               "",
               {},
               AttentionKernelKind::Mma,
               std::nullopt,
               32});
  // Warpgroup-MMA kernel.
  v.push_back({"wgmma_bf16_basic",
               "bf16",
               1,
               2,
               2,
               64,
               64,
               64,
               64,
               false,
               "",
               {},
               AttentionKernelKind::Wgmma});
  v.push_back({"wgmma_f16_causal_gqa_partial",
               "f16",
               2,
               4,
               2,
               77,
               90,
               32,
               32,
               true,
               "",
               {},
               AttentionKernelKind::Wgmma});
  v.push_back({"wgmma_bf16_d128_dv64_mask",
               "bf16",
               1,
               2,
               1,
               65,
               130,
               128,
               64,
               false,
               "i1",
               {1, 1, 65, 130},
               AttentionKernelKind::Wgmma});
  v.push_back({"wgmma_f16_float_mask_causal",
               "f16",
               1,
               2,
               2,
               50,
               50,
               16,
               16,
               true,
               "float",
               {1, 2, 1, 50},
               AttentionKernelKind::Wgmma});
  v.push_back({"wgmma_bf16_empty_kv",
               "bf16",
               1,
               1,
               1,
               9,
               0,
               16,
               16,
               false,
               "",
               {},
               AttentionKernelKind::Wgmma});
  // SIMT kernel.
  v.push_back({"simt_f32_basic", "f32", 1, 2, 2, 130, 70, 64, 64});
  v.push_back({"simt_f32_causal_gqa", "f32", 2, 4, 1, 77, 90, 40, 24, true});
  v.push_back({"simt_f32_float_mask",
               "f32",
               1,
               2,
               2,
               10,
               33,
               8,
               8,
               false,
               "float",
               {1, 2, 10, 33}});
  v.push_back({"simt_f32_bool_mask_fully_masked_rows",
               "f32",
               1,
               1,
               1,
               5,
               40,
               16,
               16,
               false,
               "i1",
               {1, 1, 5, 1}});
  v.push_back({"simt_bf16_odd_d", "bf16", 1, 2, 2, 33, 47, 40, 8});
  v.push_back({"simt_forced_f16",
               "f16",
               1,
               2,
               2,
               45,
               60,
               64,
               64,
               true,
               "",
               {},
               AttentionKernelKind::Simt});
  // Variants (ScoreModifiers.h) in every kernel: window (with causal, both
  // sides, Sq != Skv; kv-tile=32 so that whole tiles are skipped and full
  // ones are unmasked), softcap (scale 1 and a small cap, so that tanh
  // saturates), ALiBi, sinks and the lse result, rows that see no key
  // (causal with Sq > Skv: output 0, lse -inf), GQA, and all together.
  auto variant = [](auto set) {
    EmuCase c;
    set(c);
    return c;
  };
  EmuCase window = variant([](EmuCase &c) { c.windowLeft = 40; });
  EmuCase windowBoth = variant([](EmuCase &c) {
    c.windowLeft = 20;
    c.windowRight = 10;
  });
  EmuCase softcap = variant([](EmuCase &c) { c.softcap = 2.0; });
  EmuCase alibi = variant([](EmuCase &c) { c.alibi = true; });
  EmuCase sinksLse = variant([](EmuCase &c) {
    c.sinks = true;
    c.lse = true;
  });
  EmuCase all = variant([](EmuCase &c) {
    c.windowLeft = 33;
    c.softcap = 3.0;
    c.alibi = true;
    c.sinks = true;
    c.lse = true;
  });
  auto mma = [](std::string dt, int64_t h, int64_t hkv, int64_t sq, int64_t skv,
                int64_t d, bool causal, int64_t kvTile = 0,
                std::optional<double> scale = std::nullopt) {
    return EmuCase{"",
                   dt,
                   1,
                   h,
                   hkv,
                   sq,
                   skv,
                   d,
                   d,
                   causal,
                   "",
                   {},
                   AttentionKernelKind::Auto,
                   scale,
                   kvTile};
  };
  // Query tiles 0-127 and 128-199 visit kv tiles [0, 4) and [2, 7) of 32
  // keys (causal alone: [0, 7)), and each warp computes only the tiles that
  // hold a key its 16 rows see (tileIsEmpty; warps of rows past Sq repeat
  // the last row): 38 (warp, tile) pairs per head (causal alone: 70; 72 and
  // 88 without the per-warp skip) of 32 mma.sync (QK^T: D / 16 x 32 / 8,
  // PV: 32 / 16 x Dv / 8).
  v.push_back(withVariants(mma("bf16", 2, 1, 200, 200, 64, true, 32),
                           "mma_bf16_window_causal_gqa", window));
  v.back().mmaSync = 2 * 38 * 32;
  v.push_back(mma("bf16", 2, 1, 200, 200, 64, true, 32));
  v.back().name = "mma_bf16_causal_gqa_kv_tile_32";
  v.back().mmaSync = 2 * 70 * 32;
  v.push_back(withVariants(mma("f16", 2, 2, 40, 130, 64, false, 32),
                           "mma_f16_window_both_sq_lt_skv", windowBoth));
  v.push_back(withVariants(mma("bf16", 2, 1, 70, 90, 64, false, 0, 1.0),
                           "mma_bf16_softcap", softcap));
  v.push_back(withVariants(mma("f16", 2, 2, 64, 100, 64, true),
                           "mma_f16_alibi_causal", alibi));
  v.push_back(withVariants(mma("bf16", 2, 1, 90, 40, 64, true),
                           "mma_bf16_sinks_lse_empty_rows", sinksLse));
  v.push_back(withVariants(mma("f16", 4, 2, 150, 170, 64, true, 32, 0.5),
                           "mma_f16_all_variants_gqa", all));
  auto wgmma = [&](std::string dt, int64_t h, int64_t hkv, int64_t sq,
                   int64_t skv, int64_t d, bool causal) {
    EmuCase c = mma(dt, h, hkv, sq, skv, d, causal);
    c.kernel = AttentionKernelKind::Wgmma;
    return c;
  };
  v.push_back(withVariants(wgmma("bf16", 2, 1, 130, 200, 32, true),
                           "wgmma_bf16_window_causal", window));
  v.push_back(withVariants(wgmma("f16", 2, 2, 90, 70, 16, true),
                           "wgmma_f16_all_variants_empty_rows", all));
  // 19 kv tiles of 16 keys: the 3-stage K/V ring wraps 6 times. 2 blocks of
  // 128 rows (2 consumer warpgroups) per head, each loading Q (4 boxes) once
  // and every K and V tile (4 + 4 boxes) once for both warpgroups, which
  // issue 2 + 1 wgmma per tile each, plus the 2 of the last iteration's
  // unused Q K^T (issued one tile ahead).
  v.push_back(wgmma("bf16", 2, 1, 150, 300, 32, false));
  v.back().name = "wgmma_bf16_ring_19_tiles";
  v.back().kvTile = 16;
  v.back().wgmma = 2 * 2 * 2 * (19 * 3 + 2);
  v.back().tmaLoads = 2 * 2 * (4 + 19 * 8);
  auto simt = [&](std::string dt, int64_t h, int64_t hkv, int64_t sq,
                  int64_t skv, int64_t d, bool causal) {
    EmuCase c = mma(dt, h, hkv, sq, skv, d, causal);
    c.kernel = AttentionKernelKind::Simt;
    return c;
  };
  v.push_back(withVariants(simt("f32", 2, 2, 50, 120, 16, false),
                           "simt_f32_window_both_sq_lt_skv", windowBoth));
  v.push_back(withVariants(simt("f32", 4, 2, 70, 50, 8, true),
                           "simt_f32_all_variants_gqa_empty_rows", all));
  v.push_back(withVariants(simt("bf16", 2, 1, 33, 47, 24, false),
                           "simt_bf16_softcap_alibi", variant([](EmuCase &c) {
                             c.softcap = 1.5;
                             c.alibi = true;
                           })));

  // Affine mask_mods (MaskModAnalysis.h) classify tiles in every kernel:
  // the kv loop is trimmed to the mask's key range, tiles the mask hides
  // from every row are skipped and full ones run no mask_mod; a
  // data-dependent mask_mod is evaluated per element. The "_opaque" twins
  // hide the same mask from the analysis (j / 1 is not linear to it), as
  // the kernels ran every mask_mod before: the counts show what is saved.
  struct Mask {
    std::string body;
    std::function<bool(int64_t, int64_t)> ref;
  };
  Mask causalMod{"    %p = arith.cmpi ule, %j, %i : index",
                 [](int64_t i, int64_t j) { return j <= i; }};
  Mask causalOpaque{"    %c1 = arith.constant 1 : index\n"
                    "    %j1 = arith.divui %j, %c1 : index\n"
                    "    %p = arith.cmpi ule, %j1, %i : index",
                    causalMod.ref};
  Mask prefixLM{"    %c40 = arith.constant 40 : index\n"
                "    %pre = arith.cmpi ult, %j, %c40 : index\n"
                "    %cau = arith.cmpi ule, %j, %i : index\n"
                "    %p = arith.ori %pre, %cau : i1",
                [](int64_t i, int64_t j) { return j < 40 || j <= i; }};
  // A band of 48 keys, not aligned to the tiles.
  Mask band{"    %c48 = arith.constant 48 : index\n"
            "    %cau = arith.cmpi ule, %j, %i : index\n"
            "    %jw = arith.addi %j, %c48 : index\n"
            "    %win = arith.cmpi ugt, %jw, %i : index\n"
            "    %p = arith.andi %cau, %win : i1",
            [](int64_t i, int64_t j) { return j <= i && j + 48 > i; }};
  // Sink tokens and a band (StreamingLLM): the tiles between them are
  // inside the kv range but empty.
  Mask streaming{
      "    %c8 = arith.constant 8 : index\n"
      "    %c40 = arith.constant 40 : index\n"
      "    %sink = arith.cmpi ult, %j, %c8 : index\n"
      "    %cau = arith.cmpi ule, %j, %i : index\n"
      "    %jw = arith.addi %j, %c40 : index\n"
      "    %win = arith.cmpi ugt, %jw, %i : index\n"
      "    %band = arith.andi %cau, %win : i1\n"
      "    %p = arith.ori %sink, %band : i1",
      [](int64_t i, int64_t j) { return j < 8 || (j <= i && j + 40 > i); }};
  // Documents of 48 tokens: data dependent (division).
  Mask documents{"    %c48 = arith.constant 48 : index\n"
                 "    %di = arith.divui %i, %c48 : index\n"
                 "    %dj = arith.divui %j, %c48 : index\n"
                 "    %p = arith.cmpi eq, %di, %dj : index",
                 [](int64_t i, int64_t j) { return i / 48 == j / 48; }};
  auto masked = [](EmuCase c, std::string name, const Mask &m,
                   std::vector<std::pair<std::string, int64_t>> counts) {
    c.name = std::move(name);
    c.maskMod = m.body;
    c.maskModRef = m.ref;
    c.counts = std::move(counts);
    return c;
  };
  // mma.sync, 200 queries (blocks of 8 warps x 16 rows), kv tiles of 32, 2
  // heads: 32 mma.sync per (warp, tile) a warp computes. Causal as a
  // mask_mod: 20 + 50 such pairs (warps of rows past Sq repeat the last
  // row), 4480; the block's kv range is trimmed (544 cp.async, 448
  // bar.sync instead of 640, 544) and no warp votes (688 shfl.sync instead
  // of 1808: the epilogue's and the softmax's only). The opaque twin skips
  // the same warps by the vote after copying every tile.
  EmuCase mma200 = mma("bf16", 2, 1, 200, 200, 64, false, 32);
  v.push_back(masked(mma200, "mma_bf16_mask_mod_causal", causalMod,
                     {{"mma.sync", 4480},
                      {"cp.async", 544},
                      {"bar.sync", 448},
                      {"shfl.sync", 688}}));
  v.push_back(masked(mma200, "mma_bf16_mask_mod_causal_opaque", causalOpaque,
                     {{"mma.sync", 4480},
                      {"cp.async", 640},
                      {"bar.sync", 544},
                      {"shfl.sync", 1808}}));
  v.push_back(masked(mma200, "mma_bf16_mask_mod_prefix_lm", prefixLM,
                     {{"mma.sync", 4608}, {"shfl.sync", 704}}));
  v.push_back(masked(mma200, "mma_bf16_mask_mod_band", band,
                     {{"mma.sync", 2432}, {"cp.async", 480}}));
  v.push_back(masked(mma200, "mma_bf16_mask_mod_streaming", streaming,
                     {{"mma.sync", 2944}, {"shfl.sync", 496}}));
  v.push_back(masked(mma200, "mma_bf16_mask_mod_documents", documents,
                     {{"mma.sync", 1792}, {"cp.async", 640}}));
  v.push_back(masked(withVariants(mma200, "", window),
                     "mma_bf16_mask_mod_prefix_lm_window", prefixLM,
                     {{"mma.sync", 2560}, {"cp.async", 480}}));
  // wgmma (blocks of 2 warpgroups x 64 rows, kv tiles of 64; per warpgroup
  // 2 + 6 n wgmma for n tiles: S of the next tile and P V of this one, S(0)
  // in the prologue): causal as a mask_mod trims block 0 to 2 of the 4
  // tiles, 160 instead of 208. The warp-specialised ring loads and computes
  // every tile of the trimmed range: the sink + band mask's empty tile
  // between sinks and band is masked, not skipped (same count as causal).
  EmuCase wg200 = wgmma("f16", 2, 1, 200, 200, 32, false);
  v.push_back(
      masked(wg200, "wgmma_f16_mask_mod_causal", causalMod, {{"wgmma", 160}}));
  v.push_back(masked(wg200, "wgmma_f16_mask_mod_causal_opaque", causalOpaque,
                     {{"wgmma", 208}}));
  v.push_back(masked(wg200, "wgmma_f16_mask_mod_streaming", streaming,
                     {{"wgmma", 160}}));
  v.push_back(masked(wg200, "wgmma_f16_mask_mod_documents", documents,
                     {{"wgmma", 208}}));
  v.push_back(masked(withVariants(wg200, "", window),
                     "wgmma_f16_mask_mod_band_window", band, {{"wgmma", 136}}));
  // SIMT: each row walks only its keys (its K and V rows read from shared
  // memory: ld.shared).
  EmuCase simt120 = simt("f32", 2, 1, 120, 120, 16, false);
  v.push_back(masked(simt120, "simt_f32_mask_mod_causal", causalMod,
                     {{"ld.shared", 4992}}));
  v.push_back(masked(simt120, "simt_f32_mask_mod_causal_opaque", causalOpaque,
                     {{"ld.shared", 7680}}));
  v.push_back(masked(simt120, "simt_f32_mask_mod_streaming", streaming,
                     {{"ld.shared", 4720}}));
  v.push_back(masked(simt120, "simt_f32_mask_mod_documents", documents,
                     {{"ld.shared", 7680}}));
  v.push_back(masked(withVariants(simt120, "", window),
                     "simt_f32_mask_mod_prefix_lm_window", prefixLM,
                     {{"ld.shared", 2608}}));
  return v;
}

INSTANTIATE_TEST_SUITE_P(Kernels, KernelEmulation, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<EmuCase> &info) {
                           return info.param.name;
                         });

} // namespace
