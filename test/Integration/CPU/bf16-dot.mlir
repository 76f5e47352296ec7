// Executes the AVX512-BF16 dot path (bf16-dot=on: vdpbf16ps for Q . K^T and
// P . V) and checks it against the reference pipeline and the float64
// oracle at the bf16 tolerance. Needs a host with AVX512-BF16.
// REQUIRES: host-avx512bf16
// RUN: mha-run %s --entry=prefill --seed=1 --verify --pipeline-options="bf16-dot=on" | FileCheck %s
// RUN: mha-run %s --entry=causal_gqa_partial --seed=2 --verify --pipeline-options="bf16-dot=on" | FileCheck %s
// RUN: mha-run %s --entry=decode --seed=3 --verify --pipeline-options="bf16-dot=on" | FileCheck %s
// RUN: mha-run %s --entry=prefill --seed=4 --verify --pipeline-options="bf16-dot=on q-tile=32 kv-tile=16 micro-kernel-rows=3 micro-kernel-vectors=1" | FileCheck %s
// RUN: mha-run %s --entry=layer --seed=5 --verify --pipeline-options="bf16-dot=on" | FileCheck %s

// CHECK: verify result 0 vs reference: {{.*}} mismatches=0 PASS
// CHECK: verify result 0 vs oracle: {{.*}} mismatches=0 PASS

// Full 64 x 64 tiles, D = 128.
func.func @prefill(%q: tensor<1x2x128x128xbf16>, %k: tensor<1x2x128x128xbf16>, %v: tensor<1x2x128x128xbf16>) -> tensor<1x2x128x128xbf16> {
  %o = mha.attention %q, %k, %v : tensor<1x2x128x128xbf16>, tensor<1x2x128x128xbf16>, tensor<1x2x128x128xbf16> -> tensor<1x2x128x128xbf16>
  return %o : tensor<1x2x128x128xbf16>
}

// Causal GQA with partial query and kv tiles, Dv != D.
func.func @causal_gqa_partial(%q: tensor<1x4x100x64xbf16>, %k: tensor<1x2x150x64xbf16>, %v: tensor<1x2x150x32xbf16>) -> tensor<1x4x100x32xbf16> {
  %o = mha.attention %q, %k, %v {causal} : tensor<1x4x100x64xbf16>, tensor<1x2x150x64xbf16>, tensor<1x2x150x32xbf16> -> tensor<1x4x100x32xbf16>
  return %o : tensor<1x4x100x32xbf16>
}

// Decode: flash-decoding splits; P . V takes the dot path.
func.func @decode(%q: tensor<1x8x1x128xbf16>, %k: tensor<1x2x300x128xbf16>, %v: tensor<1x2x300x128xbf16>) -> tensor<1x8x1x128xbf16> {
  %o = mha.attention %q, %k, %v : tensor<1x8x1x128xbf16>, tensor<1x2x300x128xbf16>, tensor<1x2x300x128xbf16> -> tensor<1x8x1x128xbf16>
  return %o : tensor<1x8x1x128xbf16>
}

// A layer: the projections (x . W, bf16 in place) take the dot path too.
func.func @layer(%x: tensor<1x64x128xbf16>, %wq: tensor<128x128xbf16>, %wk: tensor<128x128xbf16>, %wv: tensor<128x128xbf16>, %wo: tensor<128x128xbf16>) -> tensor<1x64x128xbf16> {
  %y = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo {num_heads = 2 : i64}
      : tensor<1x64x128xbf16>, tensor<1x64x128xbf16>, tensor<128x128xbf16>,
        tensor<128x128xbf16>, tensor<128x128xbf16>, tensor<128x128xbf16>
      -> tensor<1x64x128xbf16>
  return %y : tensor<1x64x128xbf16>
}
