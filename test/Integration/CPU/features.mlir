// Feature cases of mha.attention through `mha-run --verify` (cpu pipeline vs
// the reference pipeline and the C++ oracle).
//
// RUN: mha-run %s --entry=gqa_causal_sq_ne_skv --seed=1 --verify | FileCheck %s
// RUN: mha-run %s --entry=mqa_i1_mask --seed=2 --verify | FileCheck %s
// RUN: mha-run %s --entry=float_mask_dv_ne_d --seed=3 --verify | FileCheck %s
// RUN: mha-run %s --entry=f16_odd_sizes --seed=4 --verify | FileCheck %s
// RUN: mha-run %s --entry=bf16_causal_decode --seed=5 --verify | FileCheck %s
// RUN: mha-run %s --entry=prefill_longer_than_cache --seed=6 --verify | FileCheck %s
// RUN: mha-run %s --entry=layer_gqa_bias_mask --seed=7 --verify | FileCheck %s
// RUN: mha-run %s --entry=empty_kv --seed=9 --verify --output=%t.npy | FileCheck %s
// RUN: mha-run %s --entry=layer_f16_partial_blocks --seed=10 --verify | FileCheck %s
// RUN: mha-run %s --entry=two_attentions --seed=8 --verify | FileCheck %s --check-prefix=TWO

// CHECK: verify result 0 vs reference: {{.*}} mismatches=0 PASS
// CHECK: verify result 0 vs oracle: {{.*}} mismatches=0 PASS
// CHECK-NEXT: {{^PASS$}}

// A function that is not a single mha op is checked against the reference
// pipeline only.
// TWO: result 0: f32[1x2x5x8]
// TWO: result 1: f32[1x2x5x8]
// TWO: verify result 0 vs reference: {{.*}} PASS
// TWO: verify result 1 vs reference: {{.*}} PASS
// TWO-NOT: oracle
// TWO: {{^PASS$}}

func.func @gqa_causal_sq_ne_skv(%q: tensor<2x8x13x40xf32>, %k: tensor<2x2x77x40xf32>, %v: tensor<2x2x77x40xf32>) -> tensor<2x8x13x40xf32> {
  %o = mha.attention %q, %k, %v {causal} : tensor<2x8x13x40xf32>, tensor<2x2x77x40xf32>, tensor<2x2x77x40xf32> -> tensor<2x8x13x40xf32>
  return %o : tensor<2x8x13x40xf32>
}

func.func @mqa_i1_mask(%q: tensor<1x4x9x64xf32>, %k: tensor<1x1x31x64xf32>, %v: tensor<1x1x31x64xf32>, %m: tensor<1x1x9x31xi1>) -> tensor<1x4x9x64xf32> {
  %o = mha.attention %q, %k, %v mask(%m) : tensor<1x4x9x64xf32>, tensor<1x1x31x64xf32>, tensor<1x1x31x64xf32>, tensor<1x1x9x31xi1> -> tensor<1x4x9x64xf32>
  return %o : tensor<1x4x9x64xf32>
}

func.func @float_mask_dv_ne_d(%q: tensor<1x2x5x64xf32>, %k: tensor<1x2x7x64xf32>, %v: tensor<1x2x7x128xf32>, %m: tensor<1x2x1x7xf32>) -> tensor<1x2x5x128xf32> {
  %o = mha.attention %q, %k, %v mask(%m) {scale = 0.2 : f32} : tensor<1x2x5x64xf32>, tensor<1x2x7x64xf32>, tensor<1x2x7x128xf32>, tensor<1x2x1x7xf32> -> tensor<1x2x5x128xf32>
  return %o : tensor<1x2x5x128xf32>
}

func.func @f16_odd_sizes(%q: tensor<3x2x131x8xf16>, %k: tensor<3x1x3x8xf16>, %v: tensor<3x1x3x8xf16>) -> tensor<3x2x131x8xf16> {
  %o = mha.attention %q, %k, %v : tensor<3x2x131x8xf16>, tensor<3x1x3x8xf16>, tensor<3x1x3x8xf16> -> tensor<3x2x131x8xf16>
  return %o : tensor<3x2x131x8xf16>
}

func.func @bf16_causal_decode(%q: tensor<1x8x1x128xbf16>, %k: tensor<1x2x300x128xbf16>, %v: tensor<1x2x300x128xbf16>) -> tensor<1x8x1x128xbf16> {
  %o = mha.attention %q, %k, %v {causal} : tensor<1x8x1x128xbf16>, tensor<1x2x300x128xbf16>, tensor<1x2x300x128xbf16> -> tensor<1x8x1x128xbf16>
  return %o : tensor<1x8x1x128xbf16>
}

// Sq > Skv with bottom-right causal: the first Sq - Skv rows see no key and
// must be zero, not NaN.
func.func @prefill_longer_than_cache(%q: tensor<1x2x9x16xf32>, %k: tensor<1x2x4x16xf32>, %v: tensor<1x2x4x16xf32>) -> tensor<1x2x9x16xf32> {
  %o = mha.attention %q, %k, %v {causal} : tensor<1x2x9x16xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32> -> tensor<1x2x9x16xf32>
  return %o : tensor<1x2x9x16xf32>
}

func.func @layer_gqa_bias_mask(%x: tensor<2x16x64xf32>, %y: tensor<2x24x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x16xf32>, %wv: tensor<64x16xf32>, %wo: tensor<64x64xf32>, %bq: tensor<64xf32>, %bk: tensor<16xf32>, %bv: tensor<16xf32>, %bo: tensor<64xf32>, %m: tensor<2x1x16x24xi1>) -> tensor<2x16x64xf32> {
  %o = mha.multi_head_attention %x, %y, %wq, %wk, %wv, %wo bias(%bq, %bk, %bv, %bo) mask(%m) {num_heads = 8 : i64, num_kv_heads = 2 : i64, causal} : tensor<2x16x64xf32>, tensor<2x24x64xf32>, tensor<64x64xf32>, tensor<64x16xf32>, tensor<64x16xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<16xf32>, tensor<16xf32>, tensor<64xf32>, tensor<2x1x16x24xi1> -> tensor<2x16x64xf32>
  return %o : tensor<2x16x64xf32>
}

func.func @two_attentions(%q: tensor<1x2x5x8xf32>, %k: tensor<1x2x6x8xf32>, %v: tensor<1x2x6x8xf32>) -> (tensor<1x2x5x8xf32>, tensor<1x2x5x8xf32>) {
  %a = mha.attention %q, %k, %v : tensor<1x2x5x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32> -> tensor<1x2x5x8xf32>
  %b = mha.attention %a, %k, %v {causal} : tensor<1x2x5x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32> -> tensor<1x2x5x8xf32>
  return %a, %b : tensor<1x2x5x8xf32>, tensor<1x2x5x8xf32>
}

// Empty key/value sequence: every row sees nothing and is zero.
func.func @empty_kv(%q: tensor<1x2x3x8xf32>, %k: tensor<1x2x0x8xf32>, %v: tensor<1x2x0x8xf32>) -> tensor<1x2x3x8xf32> {
  %o = mha.attention %q, %k, %v {causal} : tensor<1x2x3x8xf32>, tensor<1x2x0x8xf32>, tensor<1x2x0x8xf32> -> tensor<1x2x3x8xf32>
  return %o : tensor<1x2x3x8xf32>
}

// f16 layer whose projections have partial [64, 64] blocks (B*S = 74 rows,
// E = 96 columns): static blocks use the micro-kernel, edges scalar code.
func.func @layer_f16_partial_blocks(%x: tensor<2x37x96xf16>, %wq: tensor<96x96xf16>, %wk: tensor<96x32xf16>, %wv: tensor<96x32xf16>, %wo: tensor<96x96xf16>) -> tensor<2x37x96xf16> {
  %o = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo {num_heads = 6 : i64, num_kv_heads = 2 : i64, causal} : tensor<2x37x96xf16>, tensor<2x37x96xf16>, tensor<96x96xf16>, tensor<96x32xf16>, tensor<96x32xf16>, tensor<96x96xf16> -> tensor<2x37x96xf16>
  return %o : tensor<2x37x96xf16>
}
