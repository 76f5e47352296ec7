// REQUIRES: cuda-gpu
// Tensor-core (f16/bf16) cases of the gpu pipeline through `mha-run --verify`
// (gpu pipeline vs the reference pipeline and the C++ oracle). Without a GPU
// the same entries run in the kernel emulator
// (unittests/GPU/GPUPipelineEmulationTest.cpp).
//
// RUN: mha-run %s --pipeline=gpu --entry=bf16_prefill_causal_gqa --seed=1 --verify | FileCheck %s
// RUN: mha-run %s --pipeline=gpu --entry=f16_partial_tiles_sq_ne_skv --seed=2 --verify | FileCheck %s
// RUN: mha-run %s --pipeline=gpu --entry=bf16_i1_mask_dynamic --seed=3 --verify | FileCheck %s
// RUN: mha-run %s --pipeline=gpu --entry=f16_float_mask_broadcast --seed=4 --verify | FileCheck %s
// RUN: mha-run %s --pipeline=gpu --entry=bf16_decode_gqa_split --seed=5 --verify | FileCheck %s
// RUN: mha-run %s --pipeline=gpu --entry=f16_decode_causal_mqa --seed=6 --verify | FileCheck %s
// RUN: mha-run %s --pipeline=gpu --entry=bf16_decode_mha --seed=10 --verify | FileCheck %s
// RUN: mha-run %s --pipeline=gpu --entry=f16_decode_gqa_d128 --seed=11 --verify | FileCheck %s
// RUN: mha-run %s --pipeline=gpu --pipeline-options="kv-splits=1" --entry=f16_decode_gqa_d128 --seed=11 --verify | FileCheck %s
// RUN: mha-run %s --pipeline=gpu --entry=bf16_dv_ne_d_scale --seed=7 --verify | FileCheck %s
// RUN: mha-run %s --pipeline=gpu --entry=f16_prefill_longer_than_cache --seed=8 --verify | FileCheck %s
// RUN: mha-run %s --pipeline=gpu --entry=bf16_large_magnitude --seed=9 --verify | FileCheck %s
// RUN: mha-run %s --pipeline=gpu --pipeline-options="kernel=simt" --entry=bf16_prefill_causal_gqa --seed=1 --verify | FileCheck %s
// RUN: mha-run %s --pipeline=gpu --pipeline-options="kv-splits=1" --entry=bf16_decode_gqa_split --seed=5 --verify | FileCheck %s
// Warpgroup MMA (sm_90a), opt-in until it has run on hardware:
// RUN: mha-run %s --pipeline=gpu --pipeline-options="kernel=wgmma" --entry=bf16_prefill_causal_gqa --seed=1 --verify | FileCheck %s
// RUN: mha-run %s --pipeline=gpu --pipeline-options="kernel=wgmma" --entry=bf16_i1_mask_dynamic --seed=3 --verify | FileCheck %s
// RUN: mha-run %s --pipeline=gpu --pipeline-options="kernel=wgmma" --entry=f16_decode_causal_mqa --seed=6 --verify | FileCheck %s

// CHECK: verify result 0 vs reference: {{.*}} mismatches=0 PASS
// CHECK: verify result 0 vs oracle: {{.*}} mismatches=0 PASS
// CHECK-NEXT: {{^PASS$}}

func.func @bf16_prefill_causal_gqa(%q: tensor<2x8x200x128xbf16>, %k: tensor<2x2x200x128xbf16>, %v: tensor<2x2x200x128xbf16>) -> tensor<2x8x200x128xbf16> {
  %o = mha.attention %q, %k, %v {causal} : tensor<2x8x200x128xbf16>, tensor<2x2x200x128xbf16>, tensor<2x2x200x128xbf16> -> tensor<2x8x200x128xbf16>
  return %o : tensor<2x8x200x128xbf16>
}

func.func @f16_partial_tiles_sq_ne_skv(%q: tensor<1x4x70x64xf16>, %k: tensor<1x4x131x64xf16>, %v: tensor<1x4x131x64xf16>) -> tensor<1x4x70x64xf16> {
  %o = mha.attention %q, %k, %v : tensor<1x4x70x64xf16>, tensor<1x4x131x64xf16>, tensor<1x4x131x64xf16> -> tensor<1x4x70x64xf16>
  return %o : tensor<1x4x70x64xf16>
}

func.func @bf16_i1_mask_dynamic(%q: tensor<?x2x?x32xbf16>, %k: tensor<?x1x?x32xbf16>, %v: tensor<?x1x?x32xbf16>, %m: tensor<?x1x?x?xi1>) -> tensor<?x2x?x32xbf16> {
  %o = mha.attention %q, %k, %v mask(%m) : tensor<?x2x?x32xbf16>, tensor<?x1x?x32xbf16>, tensor<?x1x?x32xbf16>, tensor<?x1x?x?xi1> -> tensor<?x2x?x32xbf16>
  return %o : tensor<?x2x?x32xbf16>
}

func.func @f16_float_mask_broadcast(%q: tensor<2x4x65x64xf16>, %k: tensor<2x4x90x64xf16>, %v: tensor<2x4x90x64xf16>, %m: tensor<1x4x1x90xf16>) -> tensor<2x4x65x64xf16> {
  %o = mha.attention %q, %k, %v mask(%m) : tensor<2x4x65x64xf16>, tensor<2x4x90x64xf16>, tensor<2x4x90x64xf16>, tensor<1x4x1x90xf16> -> tensor<2x4x65x64xf16>
  return %o : tensor<2x4x65x64xf16>
}

// Decode: flash-decoding splits the 700 keys across blocks.
func.func @bf16_decode_gqa_split(%q: tensor<2x32x1x128xbf16>, %k: tensor<2x8x700x128xbf16>, %v: tensor<2x8x700x128xbf16>, %m: tensor<2x1x1x700xi1>) -> tensor<2x32x1x128xbf16> {
  %o = mha.attention %q, %k, %v mask(%m) : tensor<2x32x1x128xbf16>, tensor<2x8x700x128xbf16>, tensor<2x8x700x128xbf16>, tensor<2x1x1x700xi1> -> tensor<2x32x1x128xbf16>
  return %o : tensor<2x32x1x128xbf16>
}

func.func @f16_decode_causal_mqa(%q: tensor<1x16x3x64xf16>, %k: tensor<1x1x257x64xf16>, %v: tensor<1x1x257x64xf16>) -> tensor<1x16x3x64xf16> {
  %o = mha.attention %q, %k, %v {causal} : tensor<1x16x3x64xf16>, tensor<1x1x257x64xf16>, tensor<1x1x257x64xf16> -> tensor<1x16x3x64xf16>
  return %o : tensor<1x16x3x64xf16>
}

// Decode without GQA (one row per block) and GQA at D = 128 (the 4 query
// heads of a kv head are the rows of one block).
func.func @bf16_decode_mha(%q: tensor<1x4x1x64xbf16>, %k: tensor<1x4x300x64xbf16>, %v: tensor<1x4x300x64xbf16>) -> tensor<1x4x1x64xbf16> {
  %o = mha.attention %q, %k, %v : tensor<1x4x1x64xbf16>, tensor<1x4x300x64xbf16>, tensor<1x4x300x64xbf16> -> tensor<1x4x1x64xbf16>
  return %o : tensor<1x4x1x64xbf16>
}

func.func @f16_decode_gqa_d128(%q: tensor<2x8x1x128xf16>, %k: tensor<2x2x333x128xf16>, %v: tensor<2x2x333x128xf16>) -> tensor<2x8x1x128xf16> {
  %o = mha.attention %q, %k, %v : tensor<2x8x1x128xf16>, tensor<2x2x333x128xf16>, tensor<2x2x333x128xf16> -> tensor<2x8x1x128xf16>
  return %o : tensor<2x8x1x128xf16>
}

func.func @bf16_dv_ne_d_scale(%q: tensor<1x2x100x64xbf16>, %k: tensor<1x2x100x64xbf16>, %v: tensor<1x2x100x32xbf16>) -> tensor<1x2x100x32xbf16> {
  %o = mha.attention %q, %k, %v {scale = 0.3 : f32} : tensor<1x2x100x64xbf16>, tensor<1x2x100x64xbf16>, tensor<1x2x100x32xbf16> -> tensor<1x2x100x32xbf16>
  return %o : tensor<1x2x100x32xbf16>
}

// Bottom-right causal with Sq > Skv: the first rows see no key -> zeros.
func.func @f16_prefill_longer_than_cache(%q: tensor<1x2x80x16xf16>, %k: tensor<1x2x30x16xf16>, %v: tensor<1x2x30x16xf16>) -> tensor<1x2x80x16xf16> {
  %o = mha.attention %q, %k, %v {causal} : tensor<1x2x80x16xf16>, tensor<1x2x30x16xf16>, tensor<1x2x30x16xf16> -> tensor<1x2x80x16xf16>
  return %o : tensor<1x2x80x16xf16>
}

// A large scale makes the scores span hundreds: the running max must keep
// exp2 in range.
func.func @bf16_large_magnitude(%q: tensor<1x2x64x64xbf16>, %k: tensor<1x2x64x64xbf16>, %v: tensor<1x2x64x64xbf16>) -> tensor<1x2x64x64xbf16> {
  %o = mha.attention %q, %k, %v {scale = 40.0 : f32} : tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16> -> tensor<1x2x64x64xbf16>
  return %o : tensor<1x2x64x64xbf16>
}
