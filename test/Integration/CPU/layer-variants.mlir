// The variants of mha.multi_head_attention (window, softcap, alibi, sinks)
// through `mha-run --verify`: the reference and cpu pipelines (the latter
// through mha-tile-layer where the shapes allow it) against the C++ float64
// oracle, which applies the variants to the attention of the projected
// heads.
//
// RUN: mha-run %s --pipeline=reference --entry=window_gqa_cross --seed=1 --verify | FileCheck %s
// RUN: mha-run %s --pipeline=reference --entry=softcap_alibi_f16_bias --seed=2 --verify | FileCheck %s
// RUN: mha-run %s --pipeline=reference --entry=sinks_causal_masked_rows_bf16 --seed=3 --verify | FileCheck %s
// RUN: mha-run %s --pipeline=reference --entry=everything --seed=4 --verify | FileCheck %s
//
// RUN: mha-run %s --entry=window_gqa_cross --seed=1 --verify --pipeline-options="q-tile=4 kv-tile=8" | FileCheck %s
// RUN: mha-run %s --entry=softcap_alibi_f16_bias --seed=2 --verify | FileCheck %s
// RUN: mha-run %s --entry=sinks_causal_masked_rows_bf16 --seed=3 --verify --pipeline-options="q-tile=2 kv-tile=2" | FileCheck %s
// RUN: mha-run %s --entry=everything --seed=4 --verify --pipeline-options="q-tile=4 kv-tile=4" | FileCheck %s
// RUN: mha-run %s --entry=tiled_layer_window_alibi --seed=5 --verify | FileCheck %s

// CHECK: verify result 0 vs oracle: {{.*}} mismatches=0 PASS
// CHECK: {{^PASS$}}

// Cross-attention Sq = 13 < Skv = 40, GQA 4/2, window 5 back and 2 forward.
func.func @window_gqa_cross(%x: tensor<1x13x64xf32>, %m: tensor<1x40x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>) -> tensor<1x13x64xf32> {
  %y = mha.multi_head_attention %x, %m, %wq, %wk, %wv, %wo {num_heads = 4 : i64, num_kv_heads = 2 : i64, window = [5, 2]} : tensor<1x13x64xf32>, tensor<1x40x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32> -> tensor<1x13x64xf32>
  return %y : tensor<1x13x64xf32>
}

func.func @softcap_alibi_f16_bias(%x: tensor<2x24x64xf16>, %wq: tensor<64x64xf16>, %wk: tensor<64x64xf16>, %wv: tensor<64x64xf16>, %wo: tensor<64x64xf16>, %bq: tensor<64xf16>, %bk: tensor<64xf16>, %bv: tensor<64xf16>, %bo: tensor<64xf16>, %slopes: tensor<4xf32>) -> tensor<2x24x64xf16> {
  %y = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo bias(%bq, %bk, %bv, %bo) alibi(%slopes : tensor<4xf32>) {num_heads = 4 : i64, softcap = 0.5 : f32} : tensor<2x24x64xf16>, tensor<2x24x64xf16>, tensor<64x64xf16>, tensor<64x64xf16>, tensor<64x64xf16>, tensor<64x64xf16>, tensor<64xf16>, tensor<64xf16>, tensor<64xf16>, tensor<64xf16> -> tensor<2x24x64xf16>
  return %y : tensor<2x24x64xf16>
}

// Sq = 7 > Skv = 4 with causal: rows 0..2 see no key and give a zero
// attention output (the layer's result there is the output bias, here 0).
func.func @sinks_causal_masked_rows_bf16(%x: tensor<2x7x32xbf16>, %m: tensor<2x4x32xbf16>, %wq: tensor<32x32xbf16>, %wk: tensor<32x32xbf16>, %wv: tensor<32x32xbf16>, %wo: tensor<32x32xbf16>, %s: tensor<2xf32>) -> tensor<2x7x32xbf16> {
  %y = mha.multi_head_attention %x, %m, %wq, %wk, %wv, %wo sinks(%s : tensor<2xf32>) {num_heads = 2 : i64, causal} : tensor<2x7x32xbf16>, tensor<2x4x32xbf16>, tensor<32x32xbf16>, tensor<32x32xbf16>, tensor<32x32xbf16>, tensor<32x32xbf16> -> tensor<2x7x32xbf16>
  return %y : tensor<2x7x32xbf16>
}

func.func @everything(%x: tensor<1x11x48xf32>, %m: tensor<1x19x48xf32>, %wq: tensor<48x48xf32>, %wk: tensor<48x16xf32>, %wv: tensor<48x16xf32>, %wo: tensor<48x48xf32>, %mask: tensor<1x1x11x19xi1>, %slopes: tensor<6xf32>, %s: tensor<6xf32>) -> tensor<1x11x48xf32> {
  %y = mha.multi_head_attention %x, %m, %wq, %wk, %wv, %wo mask(%mask) alibi(%slopes : tensor<6xf32>) sinks(%s : tensor<6xf32>) {num_heads = 6 : i64, num_kv_heads = 2 : i64, causal, window = [4, 0], softcap = 2.0 : f32} : tensor<1x11x48xf32>, tensor<1x19x48xf32>, tensor<48x48xf32>, tensor<48x16xf32>, tensor<48x16xf32>, tensor<48x48xf32>, tensor<1x1x11x19xi1> -> tensor<1x11x48xf32>
  return %y : tensor<1x11x48xf32>
}

// Shapes mha-tile-layer tiles (row blocks of 16, whole heads).
func.func @tiled_layer_window_alibi(%x: tensor<2x32x128xf32>, %wq: tensor<128x128xf32>, %wk: tensor<128x128xf32>, %wv: tensor<128x128xf32>, %wo: tensor<128x128xf32>, %slopes: tensor<4xf32>) -> tensor<2x32x128xf32> {
  %y = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo alibi(%slopes : tensor<4xf32>) {num_heads = 4 : i64, causal, window = [7, 0]} : tensor<2x32x128xf32>, tensor<2x32x128xf32>, tensor<128x128xf32>, tensor<128x128xf32>, tensor<128x128xf32>, tensor<128x128xf32> -> tensor<2x32x128xf32>
  return %y : tensor<2x32x128xf32>
}
