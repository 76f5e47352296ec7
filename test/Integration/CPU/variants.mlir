// The mha.attention variants (window, softcap, alibi, sinks, lse) through
// `mha-run --verify`: the reference pipeline against the C++ float64 oracle,
// then the cpu pipeline against both, every result (the output and the lse),
// with tiles small enough that windows skip and cut kv tiles.
//
// RUN: mha-run %s --pipeline=reference --entry=window_gqa_sq_ne_skv --seed=1 --verify | FileCheck %s
// RUN: mha-run %s --pipeline=reference --entry=window_causal_unbounded_left --seed=2 --verify | FileCheck %s
// RUN: mha-run %s --pipeline=reference --entry=softcap_alibi_f16 --seed=3 --verify | FileCheck %s
// RUN: mha-run %s --pipeline=reference --entry=sinks_lse_masked_rows_bf16 --seed=4 --verify | FileCheck %s --check-prefixes=CHECK,LSE
// RUN: mha-run %s --pipeline=reference --entry=everything --seed=5 --verify | FileCheck %s --check-prefixes=CHECK,LSE
//
// RUN: mha-run %s --entry=window_gqa_sq_ne_skv --seed=1 --verify --pipeline-options="q-tile=4 kv-tile=8" | FileCheck %s
// RUN: mha-run %s --entry=window_causal_unbounded_left --seed=2 --verify --pipeline-options="q-tile=8 kv-tile=4" | FileCheck %s
// RUN: mha-run %s --entry=softcap_alibi_f16 --seed=3 --verify --pipeline-options="q-tile=4 kv-tile=8" | FileCheck %s
// RUN: mha-run %s --entry=softcap_alibi_f16 --seed=3 --verify --pipeline-options="q-tile=4 kv-tile=1" | FileCheck %s
// RUN: mha-run %s --entry=sinks_lse_masked_rows_bf16 --seed=4 --verify --pipeline-options="q-tile=2 kv-tile=2" | FileCheck %s --check-prefixes=CHECK,LSE
// RUN: mha-run %s --entry=everything --seed=5 --verify --pipeline-options="q-tile=4 kv-tile=4" | FileCheck %s --check-prefixes=CHECK,LSE
// RUN: mha-run %s --entry=sliding_window_aligned --seed=6 --verify --pipeline-options="q-tile=16 kv-tile=16" | FileCheck %s --check-prefixes=CHECK,LSE
// RUN: mha-run %s --entry=sliding_window_aligned --seed=6 --verify --pipeline-options="q-tile=16 kv-tile=8" | FileCheck %s --check-prefixes=CHECK,LSE
// RUN: mha-run %s --entry=narrow_window_f16 --seed=7 --verify --pipeline-options="q-tile=8 kv-tile=8" | FileCheck %s
// RUN: rm -rf %t && mkdir -p %t
// RUN: mha-run %s --entry=dynamic_inputs --seed=8 --output=0=%t/q.npy --output=1=%t/k.npy --output=2=%t/v.npy
// RUN: mha-run %s --entry=dynamic_window_lse --input=0=%t/q.npy --input=1=%t/k.npy --input=2=%t/v.npy --verify --pipeline-options="q-tile=8 kv-tile=8" | FileCheck %s --check-prefixes=CHECK,LSE
//
// The GPU pipeline compiles every entry (its kernels run in the emulator:
// unittests/GPU, test/Integration/GPU/variants.mlir).
// RUN: mha-opt %s --mha-gpu-pipeline="format=isa" -o /dev/null

// CHECK: verify result 0 vs oracle: {{.*}} mismatches=0 PASS
// LSE: verify result 1 vs oracle: {{.*}} mismatches=0 PASS
// CHECK: {{^PASS$}}

// Sq = 13 < Skv = 40 (i' = i + 27), GQA 8/2, a window of 5 keys back and 2
// forward, so the last rows see keys past the diagonal.
func.func @window_gqa_sq_ne_skv(%q: tensor<2x8x13x24xf32>, %k: tensor<2x2x40x24xf32>, %v: tensor<2x2x40x24xf32>) -> tensor<2x8x13x24xf32> {
  %o = mha.attention %q, %k, %v {window = [5, 2]} : tensor<2x8x13x24xf32>, tensor<2x2x40x24xf32>, tensor<2x2x40x24xf32> -> tensor<2x8x13x24xf32>
  return %o : tensor<2x8x13x24xf32>
}

func.func @window_causal_unbounded_left(%q: tensor<1x2x17x16xf32>, %k: tensor<1x2x17x16xf32>, %v: tensor<1x2x17x16xf32>) -> tensor<1x2x17x16xf32> {
  %o = mha.attention %q, %k, %v {causal, window = [-1, 3]} : tensor<1x2x17x16xf32>, tensor<1x2x17x16xf32>, tensor<1x2x17x16xf32> -> tensor<1x2x17x16xf32>
  return %o : tensor<1x2x17x16xf32>
}

func.func @softcap_alibi_f16(%q: tensor<1x4x9x32xf16>, %k: tensor<1x1x23x32xf16>, %v: tensor<1x1x23x48xf16>, %slopes: tensor<4xf32>) -> tensor<1x4x9x48xf16> {
  %o = mha.attention %q, %k, %v alibi(%slopes : tensor<4xf32>) {softcap = 0.5 : f32, scale = 0.7 : f32} : tensor<1x4x9x32xf16>, tensor<1x1x23x32xf16>, tensor<1x1x23x48xf16> -> tensor<1x4x9x48xf16>
  return %o : tensor<1x4x9x48xf16>
}

// Sq = 7 > Skv = 4 with causal: rows 0..2 see no key (out 0, lse -inf) even
// with a sink.
func.func @sinks_lse_masked_rows_bf16(%q: tensor<2x2x7x16xbf16>, %k: tensor<2x2x4x16xbf16>, %v: tensor<2x2x4x16xbf16>, %s: tensor<2xf32>) -> (tensor<2x2x7x16xbf16>, tensor<2x2x7xf32>) {
  %o, %lse = mha.attention %q, %k, %v sinks(%s : tensor<2xf32>) {causal} : tensor<2x2x7x16xbf16>, tensor<2x2x4x16xbf16>, tensor<2x2x4x16xbf16> -> tensor<2x2x7x16xbf16>, tensor<2x2x7xf32>
  return %o, %lse : tensor<2x2x7x16xbf16>, tensor<2x2x7xf32>
}

func.func @everything(%q: tensor<1x6x11x8xf32>, %k: tensor<1x3x19x8xf32>, %v: tensor<1x3x19x8xf32>, %m: tensor<1x1x11x19xi1>, %slopes: tensor<6xf32>, %s: tensor<6xf32>) -> (tensor<1x6x11x8xf32>, tensor<1x6x11xf32>) {
  %o, %lse = mha.attention %q, %k, %v mask(%m) alibi(%slopes : tensor<6xf32>) sinks(%s : tensor<6xf32>) {causal, window = [4, 0], softcap = 2.0 : f32} : tensor<1x6x11x8xf32>, tensor<1x3x19x8xf32>, tensor<1x3x19x8xf32>, tensor<1x1x11x19xi1> -> tensor<1x6x11x8xf32>, tensor<1x6x11xf32>
  return %o, %lse : tensor<1x6x11x8xf32>, tensor<1x6x11xf32>
}

// Aligned tiles (Sq = Skv = 64, tile 16): a window [20, 0] is causal plus a
// left edge that skips whole tiles and cuts others; the diagonal tile is
// peeled.
func.func @sliding_window_aligned(%q: tensor<1x4x64x32xf32>, %k: tensor<1x2x64x32xf32>, %v: tensor<1x2x64x32xf32>) -> (tensor<1x4x64x32xf32>, tensor<1x4x64xf32>) {
  %o, %lse = mha.attention %q, %k, %v {window = [20, 0]} : tensor<1x4x64x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32> -> tensor<1x4x64x32xf32>, tensor<1x4x64xf32>
  return %o, %lse : tensor<1x4x64x32xf32>, tensor<1x4x64xf32>
}

// A window narrower than a tile on both sides, not causal, Sq > Skv.
func.func @narrow_window_f16(%q: tensor<2x2x45x16xf16>, %k: tensor<2x2x37x16xf16>, %v: tensor<2x2x37x16xf16>) -> tensor<2x2x45x16xf16> {
  %o = mha.attention %q, %k, %v {window = [2, 3]} : tensor<2x2x45x16xf16>, tensor<2x2x37x16xf16>, tensor<2x2x37x16xf16> -> tensor<2x2x45x16xf16>
  return %o : tensor<2x2x45x16xf16>
}

// Dynamic sequence lengths: the kv range of each query tile is computed at
// run time.
func.func @dynamic_window_lse(%q: tensor<1x2x?x16xf32>, %k: tensor<1x2x?x16xf32>, %v: tensor<1x2x?x16xf32>) -> (tensor<1x2x?x16xf32>, tensor<1x2x?xf32>) {
  %o, %lse = mha.attention %q, %k, %v {window = [9, 1]} : tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32> -> tensor<1x2x?x16xf32>, tensor<1x2x?xf32>
  return %o, %lse : tensor<1x2x?x16xf32>, tensor<1x2x?xf32>
}

// Returns its random arguments: the inputs of @dynamic_window_lse.
func.func @dynamic_inputs(%q: tensor<1x2x29x16xf32>, %k: tensor<1x2x41x16xf32>, %v: tensor<1x2x41x16xf32>) -> (tensor<1x2x29x16xf32>, tensor<1x2x41x16xf32>, tensor<1x2x41x16xf32>) {
  return %q, %k, %v : tensor<1x2x29x16xf32>, tensor<1x2x41x16xf32>, tensor<1x2x41x16xf32>
}
