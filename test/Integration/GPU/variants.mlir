// REQUIRES: cuda-gpu
// Attention variants (window, softcap, ALiBi, sinks, lse) in the gpu
// pipeline's kernels through `mha-run --verify` (gpu pipeline vs the reference
// pipeline and the C++ oracle). Without a GPU the same entries run in the
// kernel emulator (unittests/GPU/GPUPipelineEmulationTest.cpp).
//
// RUN: mha-run %s --pipeline=gpu --entry=bf16_window_causal_gqa_lse --seed=1 --verify | FileCheck %s
// RUN: mha-run %s --pipeline=gpu --entry=f16_softcap_alibi_sinks --seed=2 --verify | FileCheck %s
// RUN: mha-run %s --pipeline=gpu --entry=f16_decode_all_variants --seed=3 --verify | FileCheck %s
// RUN: mha-run %s --pipeline=gpu --pipeline-options="kv-splits=1" --entry=f16_decode_all_variants --seed=3 --verify | FileCheck %s
// RUN: mha-run %s --pipeline=gpu --pipeline-options="kv-splits=3" --entry=bf16_decode_window_sinks_lse --seed=4 --verify | FileCheck %s
// RUN: mha-run %s --pipeline=gpu --entry=f32_simt_all_variants --seed=5 --verify | FileCheck %s
// RUN: mha-run %s --pipeline=gpu --pipeline-options="kernel=wgmma" --entry=bf16_window_causal_gqa_lse --seed=1 --verify | FileCheck %s
// RUN: mha-run %s --pipeline=gpu --pipeline-options="kernel=wgmma" --entry=f16_softcap_alibi_sinks --seed=2 --verify | FileCheck %s

// CHECK: verify result 0 vs reference: {{.*}} mismatches=0 PASS

// Sliding window over a causal prefill with GQA and the lse result; Sq > Skv
// leaves the first rows without a key (output 0, lse -inf).
func.func @bf16_window_causal_gqa_lse(%q: tensor<1x4x160x64xbf16>, %k: tensor<1x2x140x64xbf16>, %v: tensor<1x2x140x64xbf16>) -> (tensor<1x4x160x64xbf16>, tensor<1x4x160xf32>) {
  %o, %lse = mha.attention %q, %k, %v {causal, window = [48, 0]}
      : tensor<1x4x160x64xbf16>, tensor<1x2x140x64xbf16>, tensor<1x2x140x64xbf16>
        -> tensor<1x4x160x64xbf16>, tensor<1x4x160xf32>
  return %o, %lse : tensor<1x4x160x64xbf16>, tensor<1x4x160xf32>
}

// Gemma-2 style softcap with ALiBi and gpt-oss style sinks, dynamic Sq.
func.func @f16_softcap_alibi_sinks(%q: tensor<1x2x?x32xf16>, %k: tensor<1x2x90x32xf16>, %v: tensor<1x2x90x32xf16>, %slopes: tensor<2xf32>, %sinks: tensor<2xf32>) -> tensor<1x2x?x32xf16> {
  %o = mha.attention %q, %k, %v alibi(%slopes : tensor<2xf32>) sinks(%sinks : tensor<2xf32>) {softcap = 2.0 : f32, scale = 1.0 : f32}
      : tensor<1x2x?x32xf16>, tensor<1x2x90x32xf16>, tensor<1x2x90x32xf16>
        -> tensor<1x2x?x32xf16>
  return %o : tensor<1x2x?x32xf16>
}

// Flash-decoding (split-kv): the combine kernel adds the sinks and writes
// the lse.
func.func @f16_decode_all_variants(%q: tensor<1x8x2x64xf16>, %k: tensor<1x2x300x64xf16>, %v: tensor<1x2x300x64xf16>, %slopes: tensor<8xf32>, %sinks: tensor<8xf32>) -> (tensor<1x8x2x64xf16>, tensor<1x8x2xf32>) {
  %o, %lse = mha.attention %q, %k, %v alibi(%slopes : tensor<8xf32>) sinks(%sinks : tensor<8xf32>) {causal, window = [200, -1], softcap = 5.0 : f32}
      : tensor<1x8x2x64xf16>, tensor<1x2x300x64xf16>, tensor<1x2x300x64xf16>
        -> tensor<1x8x2x64xf16>, tensor<1x8x2xf32>
  return %o, %lse : tensor<1x8x2x64xf16>, tensor<1x8x2xf32>
}

// A window that starts past the first kv tiles: split-kv walks only the
// visible ones.
func.func @bf16_decode_window_sinks_lse(%q: tensor<2x4x1x64xbf16>, %k: tensor<2x1x400x64xbf16>, %v: tensor<2x1x400x64xbf16>, %sinks: tensor<4xf32>) -> (tensor<2x4x1x64xbf16>, tensor<2x4x1xf32>) {
  %o, %lse = mha.attention %q, %k, %v sinks(%sinks : tensor<4xf32>) {window = [150, 0]}
      : tensor<2x4x1x64xbf16>, tensor<2x1x400x64xbf16>, tensor<2x1x400x64xbf16>
        -> tensor<2x4x1x64xbf16>, tensor<2x4x1xf32>
  return %o, %lse : tensor<2x4x1x64xbf16>, tensor<2x4x1xf32>
}

// CUDA cores (f32), every variant.
func.func @f32_simt_all_variants(%q: tensor<1x4x50x16xf32>, %k: tensor<1x2x70x16xf32>, %v: tensor<1x2x70x16xf32>, %slopes: tensor<4xf32>, %sinks: tensor<4xf32>) -> (tensor<1x4x50x16xf32>, tensor<1x4x50xf32>) {
  %o, %lse = mha.attention %q, %k, %v alibi(%slopes : tensor<4xf32>) sinks(%sinks : tensor<4xf32>) {causal, window = [20, 0], softcap = 4.0 : f32}
      : tensor<1x4x50x16xf32>, tensor<1x2x70x16xf32>, tensor<1x2x70x16xf32>
        -> tensor<1x4x50x16xf32>, tensor<1x4x50xf32>
  return %o, %lse : tensor<1x4x50x16xf32>, tensor<1x4x50xf32>
}
