//===- GPUPipelineEmulationTest.cpp - mha-gpu-pipeline end to end ---------===//
//
// Everything `mha-run --pipeline=gpu --verify` does, except the CUDA driver:
// every entry of the GPU integration tests is compiled with
// mha-gpu-pipeline and JIT-run with the mgpu* runtime functions emulated
// (host memory, kernels in the KernelEmulator), then compared with the
// reference pipeline. This checks the host side (staging, launches,
// flash-decoding buffers, dynamic shapes, layers) and the kernels together.
//
//===----------------------------------------------------------------------===//

#include "KernelEmulator.h"

#include "mha/InitAll.h"
#include "mha/Pipelines/Pipelines.h"
#include "mha/Runner/Compare.h"
#include "mha/Runner/JitSession.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/SourceMgr.h"

#include "gtest/gtest.h"

#include <cstdlib>
#include <string>

using namespace mlir;
using namespace mlir::mha;
using namespace mlir::mha::runner;

namespace {

struct EntryCase {
  std::string file; // relative to the source tree
  std::string entry;
  std::string options; // extra mha-gpu-pipeline options
};

std::vector<EntryCase> cases() {
  std::vector<EntryCase> v;
  for (const char *e :
       {"bf16_prefill_causal_gqa", "f16_partial_tiles_sq_ne_skv",
        "bf16_i1_mask_dynamic", "f16_float_mask_broadcast",
        "bf16_decode_gqa_split", "f16_decode_causal_mqa", "bf16_decode_mha",
        "f16_decode_gqa_d128", "bf16_dv_ne_d_scale",
        "f16_prefill_longer_than_cache", "bf16_large_magnitude"})
    v.push_back({"test/Integration/GPU/tensor-cores.mlir", e, ""});
  v.push_back({"test/Integration/GPU/tensor-cores.mlir",
               "bf16_prefill_causal_gqa", "kernel=simt"});
  // Flash-decoding off and with a fixed split count, on a small decode; the
  // large GQA decode (a minute of emulation) with MHA_TEST_LONG=1.
  std::vector<const char *> decodes = {"f16_decode_causal_mqa"};
  const char *longTests = std::getenv("MHA_TEST_LONG");
  if (longTests && *longTests && std::string(longTests) != "0")
    decodes.push_back("bf16_decode_gqa_split");
  for (const char *e : decodes)
    for (const char *splits : {"kv-splits=1", "kv-splits=3"})
      v.push_back({"test/Integration/GPU/tensor-cores.mlir", e, splits});
  // MHA and GQA decode unsplit (above: split automatically).
  for (const char *e : {"bf16_decode_mha", "f16_decode_gqa_d128"})
    v.push_back({"test/Integration/GPU/tensor-cores.mlir", e, "kv-splits=1"});
  for (const char *e : {"bf16_prefill_causal_gqa", "bf16_i1_mask_dynamic",
                        "f16_decode_causal_mqa", "bf16_large_magnitude"})
    v.push_back({"test/Integration/GPU/tensor-cores.mlir", e,
                 "chip=sm_90a kernel=wgmma"});
  for (const char *e :
       {"gqa_causal_sq_ne_skv", "mqa_i1_mask", "float_mask_dv_ne_d",
        "f16_odd_sizes", "bf16_causal_decode", "prefill_longer_than_cache",
        "layer_gqa_bias_mask", "empty_kv", "layer_f16_partial_blocks",
        "two_attentions"})
    v.push_back({"test/Integration/CPU/features.mlir", e, ""});
  // Variants (window, softcap, ALiBi, sinks, lse, score_mod, mask_mod) in
  // every kernel, with and without flash-decoding.
  const char *variants = "test/Integration/GPU/variants.mlir";
  for (const char *e :
       {"bf16_window_causal_gqa_lse", "f16_softcap_alibi_sinks",
        "f16_decode_all_variants", "bf16_decode_window_sinks_lse",
        "f32_simt_all_variants"})
    v.push_back({variants, e, ""});
  // (bf16_decode_window_sinks_lse splits 3 ways with the window's first
  // tile > 0; on a GPU variants.mlir also runs kv-splits=1.)
  for (const char *e :
       {"bf16_window_causal_gqa_lse", "f16_softcap_alibi_sinks",
        "bf16_document_causal_gqa", "f16_prefix_lm_softcap_mod_lse"})
    v.push_back({variants, e, "chip=sm_90a kernel=wgmma"});
  // score_mod / mask_mod: captured tensors and scalars, math functions,
  // rows that see nothing, flash-decoding, the SIMT kernel.
  for (const char *e :
       {"bf16_document_causal_gqa", "f16_prefix_lm_softcap_mod_lse",
        "f16_decode_modifiers", "f32_simt_modifiers"})
    v.push_back({variants, e, ""});
  v.push_back({variants, "f16_prefix_lm_softcap_mod_lse", "kernel=simt"});
  // An affine mask_mod whose middle tiles are empty: flash-decoding (a
  // split with no visible key), unsplit, wgmma and SIMT.
  for (const char *options : {"kv-splits=3", "kv-splits=1",
                              "chip=sm_90a kernel=wgmma", "kernel=simt"})
    v.push_back({variants, "f16_decode_sink_recent_mask_mod", options});
  v.push_back({"examples/decode_step.mlir", "main", ""});
  v.push_back({"examples/gqa_causal_prefill.mlir", "main", ""});
  v.push_back({"examples/mha_layer.mlir", "main", ""});
  return v;
}

/// Builds the kernels of `module` as mha-gpu-pipeline does with `options`,
/// an emulator of them (`emulator`), and the GPU pipeline's JIT function of
/// the entry (`gpu`) whose CUDA runtime calls go to that emulator.
void compileForEmulator(MLIRContext *context, ModuleOp module,
                        const EntrySignature &signature,
                        const std::string &options,
                        std::unique_ptr<mha::testing::KernelEmulator> &emulator,
                        std::unique_ptr<JitFunction> &gpu) {
  OwningOpRef<ModuleOp> kernels = module.clone();
  PassManager pm(context);
  GPUPipelineOptions gpuOptions;
  ASSERT_TRUE(succeeded(gpuOptions.parseFromString(options)));
  buildGPUOffloadPipeline(pm, gpuOptions);
  buildGPUKernelLoweringPipeline(pm, gpuOptions);
  ASSERT_TRUE(succeeded(pm.run(*kernels)));
  auto created = mha::testing::KernelEmulator::create(*kernels);
  ASSERT_TRUE(bool(created)) << llvm::toString(created.takeError());
  emulator = std::move(*created);
  auto compiled = JitFunction::compile(module, signature, PipelineKind::GPU,
                                       options, {}, emulator->runtimeSymbols());
  ASSERT_TRUE(bool(compiled)) << llvm::toString(compiled.takeError());
  gpu = std::move(*compiled);
}

using GPUPipelineEmulation = mha::testing::EmulationTest<EntryCase>;

TEST_P(GPUPipelineEmulation, MatchesReference) {
  const EntryCase &c = GetParam();
  std::string path = std::string(MHA_SOURCE_DIR) + "/" + c.file;
  llvm::SourceMgr sourceMgr;
  OwningOpRef<ModuleOp> module =
      parseSourceFile<ModuleOp>(path, sourceMgr, context.get());
  ASSERT_TRUE(module) << path;
  // Only the entry: the files hold many.
  for (auto fn : llvm::make_early_inc_range(module->getOps<func::FuncOp>()))
    if (fn.getSymName() != c.entry)
      fn.erase();
  auto signature = getEntrySignature(*module, c.entry);
  ASSERT_TRUE(bool(signature)) << llvm::toString(signature.takeError());

  std::string options = "chip=sm_80 format=isa"; // later options win
  if (!c.options.empty())
    options += " " + c.options;

  // The kernels, exactly as mha-gpu-pipeline builds them, for the emulator.
  std::unique_ptr<mha::testing::KernelEmulator> emulator;
  std::unique_ptr<JitFunction> gpu;
  ASSERT_NO_FATAL_FAILURE(compileForEmulator(context.get(), *module, *signature,
                                             options, emulator, gpu));
  auto reference =
      JitFunction::compile(*module, *signature, PipelineKind::Reference);
  ASSERT_TRUE(bool(reference)) << llvm::toString(reference.takeError());

  std::vector<HostTensor> inputs;
  // Dynamic dims of (q, k, v, mask) entries: B = 2, Sq = 37 (dim 2 of q
  // and of the mask), Skv = 57.
  for (auto [i, spec] : llvm::enumerate(signature->args)) {
    std::vector<int64_t> shape = spec.shape;
    for (size_t d = 0; d < shape.size(); ++d)
      if (ShapedType::isDynamic(shape[d]))
        shape[d] = d == 0 ? 2 : (d == 2 && (i == 0 || i == 3)) ? 37 : 57;
    inputs.push_back(randomArgument(spec.dtype, shape, 11, i));
  }
  auto expected = (*reference)->run(inputs);
  ASSERT_TRUE(bool(expected)) << llvm::toString(expected.takeError());
  auto actual = gpu->run(inputs);
  ASSERT_TRUE(bool(actual)) << llvm::toString(actual.takeError());
  ASSERT_EQ(emulator->takeError(), "");
  EXPECT_GT(emulator->getNumLaunches(), 0) << "no kernel ran";
  // Every device buffer of the call (TMA descriptors included) is freed.
  EXPECT_EQ(emulator->getStreamOrder().liveBuffers(),
            std::vector<std::string>{});
  ASSERT_EQ(actual->size(), expected->size());
  for (size_t r = 0; r < actual->size(); ++r) {
    Comparison cmp = compare((*actual)[r], (*expected)[r],
                             Tolerance::defaultFor((*expected)[r].dtype));
    EXPECT_TRUE(cmp.passed())
        << c.entry << " result " << r << ": max_abs_err=" << cmp.maxAbsError
        << " mismatches=" << cmp.mismatches << " first at "
        << cmp.firstMismatch;
  }
}

std::string caseName(const ::testing::TestParamInfo<EntryCase> &info) {
  std::string name = info.param.file.substr(info.param.file.rfind('/') + 1);
  name = name.substr(0, name.find('.')) + "_" + info.param.entry;
  for (char ch : info.param.options)
    name += std::isalnum(ch) ? ch : '_';
  for (char &ch : name)
    if (!std::isalnum(ch))
      ch = '_';
  return name;
}

INSTANTIATE_TEST_SUITE_P(Entries, GPUPipelineEmulation,
                         ::testing::ValuesIn(cases()), caseName);

// The host code of mha-gpu-pipeline checks dynamic sizes at entry: a
// mismatch is a shape-mismatch RunError before any copy or launch.
using GPUPipelineShapeChecks = mha::testing::EmulationTest<std::string>;

TEST_P(GPUPipelineShapeChecks, MismatchFailsBeforeAnyLaunch) {
  const char *text = R"mlir(
    func.func @dyn(%q: tensor<?x4x?x64xf16>, %k: tensor<?x2x?x64xf16>,
                   %v: tensor<?x2x?x64xf16>) -> tensor<?x4x?x64xf16> {
      %o = mha.attention %q, %k, %v : tensor<?x4x?x64xf16>,
          tensor<?x2x?x64xf16>, tensor<?x2x?x64xf16> -> tensor<?x4x?x64xf16>
      return %o : tensor<?x4x?x64xf16>
    })mlir";
  OwningOpRef<ModuleOp> module =
      parseSourceString<ModuleOp>(text, context.get());
  ASSERT_TRUE(module);
  auto signature = getEntrySignature(*module, "dyn");
  ASSERT_TRUE(bool(signature)) << llvm::toString(signature.takeError());
  std::string options = "chip=sm_80 format=isa " + GetParam();

  // The kernels, exactly as mha-gpu-pipeline builds them, for the emulator.
  std::unique_ptr<mha::testing::KernelEmulator> emulator;
  std::unique_ptr<JitFunction> gpu;
  ASSERT_NO_FATAL_FAILURE(compileForEmulator(context.get(), *module, *signature,
                                             options, emulator, gpu));

  auto q = randomArgument(DType::F16, {2, 4, 5, 64}, 1, 0);
  auto k = randomArgument(DType::F16, {2, 2, 9, 64}, 1, 1);
  auto k1 = randomArgument(DType::F16, {1, 2, 9, 64}, 1, 1);
  auto v8 = randomArgument(DType::F16, {2, 2, 8, 64}, 1, 2);
  auto bad = gpu->run(std::vector<HostTensor>{q, k1, k});
  ASSERT_FALSE(bool(bad));
  auto [kind, message] = takeRunError(bad.takeError());
  EXPECT_EQ(kind, RunErrorKind::ShapeMismatch);
  EXPECT_EQ(message, "shape mismatch: dimension 0 (batch size B) of 'key' "
                     "(argument 1) is 1, but 'query' (argument 0) has 2");
  auto badSkv = gpu->run(std::vector<HostTensor>{q, k, v8});
  ASSERT_FALSE(bool(badSkv));
  EXPECT_EQ(takeRunError(badSkv.takeError()).second,
            "shape mismatch: dimension 2 (sequence length Skv) of 'value' "
            "(argument 2) is 8, but 'key' (argument 1) has 9");
  EXPECT_EQ(emulator->getNumLaunches(), 0);

  auto good = gpu->run(std::vector<HostTensor>{q, k, k});
  ASSERT_TRUE(bool(good)) << llvm::toString(good.takeError());
  EXPECT_GT(emulator->getNumLaunches(), 0);
  ASSERT_EQ(emulator->takeError(), "");
}

INSTANTIATE_TEST_SUITE_P(Kernels, GPUPipelineShapeChecks,
                         ::testing::Values("kernel=mma", "kernel=simt"),
                         [](const auto &info) {
                           return info.param.substr(info.param.find('=') + 1);
                         });

// The automatic flash-decoding splits fill the SMs of the device the code
// runs on (mhaRuntimeNumSMs), not those of the chip it was compiled for.
using GPUPipelineDeviceSMs = mha::testing::EmulationTest<int>;

TEST_F(GPUPipelineDeviceSMs, AutomaticSplitsFollowTheDevice) {
  const char *text = R"mlir(
    func.func @decode(%q: tensor<1x16x3x64xf16>, %k: tensor<1x1x257x64xf16>,
                      %v: tensor<1x1x257x64xf16>) -> tensor<1x16x3x64xf16> {
      %o = mha.attention %q, %k, %v {causal} : tensor<1x16x3x64xf16>,
          tensor<1x1x257x64xf16>, tensor<1x1x257x64xf16> -> tensor<1x16x3x64xf16>
      return %o : tensor<1x16x3x64xf16>
    })mlir";
  OwningOpRef<ModuleOp> module =
      parseSourceString<ModuleOp>(text, context.get());
  ASSERT_TRUE(module);
  auto signature = getEntrySignature(*module, "decode");
  ASSERT_TRUE(bool(signature)) << llvm::toString(signature.takeError());
  std::string options = "chip=sm_80 format=isa";
  // The kernels, exactly as mha-gpu-pipeline builds them, for the emulator.
  std::unique_ptr<mha::testing::KernelEmulator> emulator;
  std::unique_ptr<JitFunction> gpu;
  ASSERT_NO_FATAL_FAILURE(compileForEmulator(context.get(), *module, *signature,
                                             options, emulator, gpu));
  auto reference =
      JitFunction::compile(*module, *signature, PipelineKind::Reference);
  ASSERT_TRUE(bool(reference)) << llvm::toString(reference.takeError());
  std::vector<HostTensor> inputs;
  for (auto [i, spec] : llvm::enumerate(signature->args))
    inputs.push_back(randomArgument(spec.dtype, spec.shape, 5, i));
  auto expected = (*reference)->run(inputs);
  ASSERT_TRUE(bool(expected)) << llvm::toString(expected.takeError());

  // One SM: as many splits as one SM holds blocks (at most 4); 200 SMs: one
  // per kv tile (3 of 128 keys).
  std::vector<int64_t> splits;
  for (int64_t sms : {1, 200}) {
    emulator->setDeviceSMs(sms);
    auto actual = gpu->run(inputs);
    ASSERT_TRUE(bool(actual)) << llvm::toString(actual.takeError());
    ASSERT_EQ(emulator->takeError(), "");
    Comparison cmp = compare((*actual)[0], (*expected)[0],
                             Tolerance::defaultFor((*expected)[0].dtype));
    EXPECT_TRUE(cmp.passed()) << sms << " SMs: " << cmp.maxAbsError;
    auto grids = emulator->getLaunchGrids().find("attention_0");
    ASSERT_NE(grids, emulator->getLaunchGrids().end());
    splits.push_back(grids->second.back()[0]);
  }
  EXPECT_LE(splits[0], 4);
  EXPECT_EQ(splits[1], 3);
  EXPECT_LT(splits[0], splits[1]);
}

} // namespace
