// RUN: mha-opt %s | mha-opt | FileCheck %s
// RUN: mha-opt %s --mlir-print-op-generic | mha-opt | FileCheck %s

// Round trip of the mha ops through the custom and the generic form.

//===----------------------------------------------------------------------===//
// mha.attention
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @attention_f32
// CHECK-SAME: (%[[Q:.*]]: tensor<2x8x128x64xf32>, %[[K:.*]]: tensor<2x8x128x64xf32>, %[[V:.*]]: tensor<2x8x128x64xf32>)
// CHECK: %[[O:.*]] = mha.attention %[[Q]], %[[K]], %[[V]] :
// CHECK-SAME: tensor<2x8x128x64xf32>, tensor<2x8x128x64xf32>, tensor<2x8x128x64xf32> -> tensor<2x8x128x64xf32>
// CHECK: return %[[O]]
func.func @attention_f32(%q: tensor<2x8x128x64xf32>, %k: tensor<2x8x128x64xf32>,
                         %v: tensor<2x8x128x64xf32>) -> tensor<2x8x128x64xf32> {
  %o = mha.attention %q, %k, %v
      : tensor<2x8x128x64xf32>, tensor<2x8x128x64xf32>, tensor<2x8x128x64xf32>
      -> tensor<2x8x128x64xf32>
  return %o : tensor<2x8x128x64xf32>
}

// CHECK-LABEL: func.func @attention_f16
// CHECK: mha.attention %{{.*}}, %{{.*}}, %{{.*}} :
// CHECK-SAME: tensor<1x4x32x16xf16>, tensor<1x4x32x16xf16>, tensor<1x4x32x16xf16> -> tensor<1x4x32x16xf16>
func.func @attention_f16(%q: tensor<1x4x32x16xf16>, %k: tensor<1x4x32x16xf16>,
                         %v: tensor<1x4x32x16xf16>) -> tensor<1x4x32x16xf16> {
  %o = mha.attention %q, %k, %v
      : tensor<1x4x32x16xf16>, tensor<1x4x32x16xf16>, tensor<1x4x32x16xf16>
      -> tensor<1x4x32x16xf16>
  return %o : tensor<1x4x32x16xf16>
}

// CHECK-LABEL: func.func @attention_bf16
// CHECK: mha.attention %{{.*}}, %{{.*}}, %{{.*}} :
// CHECK-SAME: tensor<1x4x32x16xbf16>, tensor<1x4x32x16xbf16>, tensor<1x4x32x16xbf16> -> tensor<1x4x32x16xbf16>
func.func @attention_bf16(%q: tensor<1x4x32x16xbf16>, %k: tensor<1x4x32x16xbf16>,
                          %v: tensor<1x4x32x16xbf16>) -> tensor<1x4x32x16xbf16> {
  %o = mha.attention %q, %k, %v
      : tensor<1x4x32x16xbf16>, tensor<1x4x32x16xbf16>, tensor<1x4x32x16xbf16>
      -> tensor<1x4x32x16xbf16>
  return %o : tensor<1x4x32x16xbf16>
}

// CHECK-LABEL: func.func @attention_scale
// CHECK: mha.attention %{{.*}}, %{{.*}}, %{{.*}} {scale = 1.250000e-01 : f32} :
func.func @attention_scale(%q: tensor<1x2x8x64xf32>, %k: tensor<1x2x8x64xf32>,
                           %v: tensor<1x2x8x64xf32>) -> tensor<1x2x8x64xf32> {
  %o = mha.attention %q, %k, %v {scale = 0.125 : f32}
      : tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32>
      -> tensor<1x2x8x64xf32>
  return %o : tensor<1x2x8x64xf32>
}

// CHECK-LABEL: func.func @attention_causal
// CHECK: mha.attention %{{.*}}, %{{.*}}, %{{.*}} {causal} :
func.func @attention_causal(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>,
                            %v: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  %o = mha.attention %q, %k, %v {causal}
      : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>
      -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

// CHECK-LABEL: func.func @attention_causal_scale
// CHECK: mha.attention %{{.*}}, %{{.*}}, %{{.*}} {causal, scale = 5.000000e-01 : f32} :
func.func @attention_causal_scale(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>,
                                  %v: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  %o = mha.attention %q, %k, %v {scale = 0.5 : f32, causal}
      : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>
      -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

// A full [B, H, Sq, Skv] boolean mask.
// CHECK-LABEL: func.func @attention_mask_i1_full
// CHECK-SAME: %[[M:[a-zA-Z0-9]+]]: tensor<2x4x8x16xi1>
// CHECK: mha.attention %{{.*}}, %{{.*}}, %{{.*}} mask(%[[M]]) :
// CHECK-SAME: tensor<2x4x8x32xf32>, tensor<2x4x16x32xf32>, tensor<2x4x16x32xf32>, tensor<2x4x8x16xi1> -> tensor<2x4x8x32xf32>
func.func @attention_mask_i1_full(%q: tensor<2x4x8x32xf32>, %k: tensor<2x4x16x32xf32>,
                                  %v: tensor<2x4x16x32xf32>, %m: tensor<2x4x8x16xi1>)
    -> tensor<2x4x8x32xf32> {
  %o = mha.attention %q, %k, %v mask(%m)
      : tensor<2x4x8x32xf32>, tensor<2x4x16x32xf32>, tensor<2x4x16x32xf32>,
        tensor<2x4x8x16xi1> -> tensor<2x4x8x32xf32>
  return %o : tensor<2x4x8x32xf32>
}

// Each dim of the mask may be 1 (broadcast): batch, heads, queries, keys.
// CHECK-LABEL: func.func @attention_mask_i1_broadcast
// CHECK: mha.attention {{.*}} mask({{.*}}) : {{.*}}, tensor<1x4x8x16xi1> -> tensor<2x4x8x32xf32>
// CHECK: mha.attention {{.*}} mask({{.*}}) : {{.*}}, tensor<2x1x8x16xi1> -> tensor<2x4x8x32xf32>
// CHECK: mha.attention {{.*}} mask({{.*}}) : {{.*}}, tensor<2x4x1x16xi1> -> tensor<2x4x8x32xf32>
// CHECK: mha.attention {{.*}} mask({{.*}}) : {{.*}}, tensor<2x4x8x1xi1> -> tensor<2x4x8x32xf32>
// CHECK: mha.attention {{.*}} mask({{.*}}) : {{.*}}, tensor<1x1x8x16xi1> -> tensor<2x4x8x32xf32>
// CHECK: mha.attention {{.*}} mask({{.*}}) : {{.*}}, tensor<1x1x1x16xi1> -> tensor<2x4x8x32xf32>
// CHECK: mha.attention {{.*}} mask({{.*}}) : {{.*}}, tensor<1x1x1x1xi1> -> tensor<2x4x8x32xf32>
func.func @attention_mask_i1_broadcast(
    %q: tensor<2x4x8x32xf32>, %k: tensor<2x4x16x32xf32>, %v: tensor<2x4x16x32xf32>,
    %m0: tensor<1x4x8x16xi1>, %m1: tensor<2x1x8x16xi1>, %m2: tensor<2x4x1x16xi1>,
    %m3: tensor<2x4x8x1xi1>, %m01: tensor<1x1x8x16xi1>, %m012: tensor<1x1x1x16xi1>,
    %mall: tensor<1x1x1x1xi1>) {
  %0 = mha.attention %q, %k, %v mask(%m0)
      : tensor<2x4x8x32xf32>, tensor<2x4x16x32xf32>, tensor<2x4x16x32xf32>,
        tensor<1x4x8x16xi1> -> tensor<2x4x8x32xf32>
  %1 = mha.attention %q, %k, %v mask(%m1)
      : tensor<2x4x8x32xf32>, tensor<2x4x16x32xf32>, tensor<2x4x16x32xf32>,
        tensor<2x1x8x16xi1> -> tensor<2x4x8x32xf32>
  %2 = mha.attention %q, %k, %v mask(%m2)
      : tensor<2x4x8x32xf32>, tensor<2x4x16x32xf32>, tensor<2x4x16x32xf32>,
        tensor<2x4x1x16xi1> -> tensor<2x4x8x32xf32>
  %3 = mha.attention %q, %k, %v mask(%m3)
      : tensor<2x4x8x32xf32>, tensor<2x4x16x32xf32>, tensor<2x4x16x32xf32>,
        tensor<2x4x8x1xi1> -> tensor<2x4x8x32xf32>
  %4 = mha.attention %q, %k, %v mask(%m01)
      : tensor<2x4x8x32xf32>, tensor<2x4x16x32xf32>, tensor<2x4x16x32xf32>,
        tensor<1x1x8x16xi1> -> tensor<2x4x8x32xf32>
  %5 = mha.attention %q, %k, %v mask(%m012)
      : tensor<2x4x8x32xf32>, tensor<2x4x16x32xf32>, tensor<2x4x16x32xf32>,
        tensor<1x1x1x16xi1> -> tensor<2x4x8x32xf32>
  %6 = mha.attention %q, %k, %v mask(%mall)
      : tensor<2x4x8x32xf32>, tensor<2x4x16x32xf32>, tensor<2x4x16x32xf32>,
        tensor<1x1x1x1xi1> -> tensor<2x4x8x32xf32>
  return
}

// A float (additive) mask has the element type of the inputs.
// CHECK-LABEL: func.func @attention_mask_float_broadcast
// CHECK: mha.attention {{.*}} mask({{.*}}) : {{.*}}, tensor<2x4x8x16xf16> -> tensor<2x4x8x32xf16>
// CHECK: mha.attention {{.*}} mask({{.*}}) : {{.*}}, tensor<1x4x8x16xf16> -> tensor<2x4x8x32xf16>
// CHECK: mha.attention {{.*}} mask({{.*}}) : {{.*}}, tensor<2x1x8x16xf16> -> tensor<2x4x8x32xf16>
// CHECK: mha.attention {{.*}} mask({{.*}}) : {{.*}}, tensor<2x4x1x16xf16> -> tensor<2x4x8x32xf16>
// CHECK: mha.attention {{.*}} mask({{.*}}) : {{.*}}, tensor<2x4x8x1xf16> -> tensor<2x4x8x32xf16>
// CHECK: mha.attention {{.*}} mask({{.*}}) {causal} : {{.*}}, tensor<1x1x8x16xf16> -> tensor<2x4x8x32xf16>
func.func @attention_mask_float_broadcast(
    %q: tensor<2x4x8x32xf16>, %k: tensor<2x4x16x32xf16>, %v: tensor<2x4x16x32xf16>,
    %mf: tensor<2x4x8x16xf16>, %m0: tensor<1x4x8x16xf16>, %m1: tensor<2x1x8x16xf16>,
    %m2: tensor<2x4x1x16xf16>, %m3: tensor<2x4x8x1xf16>, %m01: tensor<1x1x8x16xf16>) {
  %0 = mha.attention %q, %k, %v mask(%mf)
      : tensor<2x4x8x32xf16>, tensor<2x4x16x32xf16>, tensor<2x4x16x32xf16>,
        tensor<2x4x8x16xf16> -> tensor<2x4x8x32xf16>
  %1 = mha.attention %q, %k, %v mask(%m0)
      : tensor<2x4x8x32xf16>, tensor<2x4x16x32xf16>, tensor<2x4x16x32xf16>,
        tensor<1x4x8x16xf16> -> tensor<2x4x8x32xf16>
  %2 = mha.attention %q, %k, %v mask(%m1)
      : tensor<2x4x8x32xf16>, tensor<2x4x16x32xf16>, tensor<2x4x16x32xf16>,
        tensor<2x1x8x16xf16> -> tensor<2x4x8x32xf16>
  %3 = mha.attention %q, %k, %v mask(%m2)
      : tensor<2x4x8x32xf16>, tensor<2x4x16x32xf16>, tensor<2x4x16x32xf16>,
        tensor<2x4x1x16xf16> -> tensor<2x4x8x32xf16>
  %4 = mha.attention %q, %k, %v mask(%m3)
      : tensor<2x4x8x32xf16>, tensor<2x4x16x32xf16>, tensor<2x4x16x32xf16>,
        tensor<2x4x8x1xf16> -> tensor<2x4x8x32xf16>
  %5 = mha.attention %q, %k, %v mask(%m01) {causal}
      : tensor<2x4x8x32xf16>, tensor<2x4x16x32xf16>, tensor<2x4x16x32xf16>,
        tensor<1x1x8x16xf16> -> tensor<2x4x8x32xf16>
  return
}

// CHECK-LABEL: func.func @attention_mask_bf16
// CHECK: mha.attention {{.*}} mask({{.*}}) : {{.*}}, tensor<1x1x4x4xbf16> -> tensor<1x2x4x8xbf16>
func.func @attention_mask_bf16(%q: tensor<1x2x4x8xbf16>, %k: tensor<1x2x4x8xbf16>,
                               %v: tensor<1x2x4x8xbf16>, %m: tensor<1x1x4x4xbf16>)
    -> tensor<1x2x4x8xbf16> {
  %o = mha.attention %q, %k, %v mask(%m)
      : tensor<1x2x4x8xbf16>, tensor<1x2x4x8xbf16>, tensor<1x2x4x8xbf16>,
        tensor<1x1x4x4xbf16> -> tensor<1x2x4x8xbf16>
  return %o : tensor<1x2x4x8xbf16>
}

// Grouped-query attention: 16 query heads share 4 K/V heads.
// CHECK-LABEL: func.func @attention_gqa
// CHECK: mha.attention %{{.*}}, %{{.*}}, %{{.*}} {causal} :
// CHECK-SAME: tensor<1x16x64x64xbf16>, tensor<1x4x64x64xbf16>, tensor<1x4x64x64xbf16> -> tensor<1x16x64x64xbf16>
func.func @attention_gqa(%q: tensor<1x16x64x64xbf16>, %k: tensor<1x4x64x64xbf16>,
                         %v: tensor<1x4x64x64xbf16>) -> tensor<1x16x64x64xbf16> {
  %o = mha.attention %q, %k, %v {causal}
      : tensor<1x16x64x64xbf16>, tensor<1x4x64x64xbf16>, tensor<1x4x64x64xbf16>
      -> tensor<1x16x64x64xbf16>
  return %o : tensor<1x16x64x64xbf16>
}

// Multi-query attention: one K/V head.
// CHECK-LABEL: func.func @attention_mqa
// CHECK: mha.attention %{{.*}}, %{{.*}}, %{{.*}} :
// CHECK-SAME: tensor<2x8x16x32xf32>, tensor<2x1x16x32xf32>, tensor<2x1x16x32xf32> -> tensor<2x8x16x32xf32>
func.func @attention_mqa(%q: tensor<2x8x16x32xf32>, %k: tensor<2x1x16x32xf32>,
                         %v: tensor<2x1x16x32xf32>) -> tensor<2x8x16x32xf32> {
  %o = mha.attention %q, %k, %v
      : tensor<2x8x16x32xf32>, tensor<2x1x16x32xf32>, tensor<2x1x16x32xf32>
      -> tensor<2x8x16x32xf32>
  return %o : tensor<2x8x16x32xf32>
}

// The value head dim Dv differs from the query/key head dim D.
// CHECK-LABEL: func.func @attention_dv_ne_d
// CHECK: mha.attention %{{.*}}, %{{.*}}, %{{.*}} :
// CHECK-SAME: tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x4x16x128xf32> -> tensor<1x4x16x128xf32>
func.func @attention_dv_ne_d(%q: tensor<1x4x16x64xf32>, %k: tensor<1x4x16x64xf32>,
                             %v: tensor<1x4x16x128xf32>) -> tensor<1x4x16x128xf32> {
  %o = mha.attention %q, %k, %v
      : tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x4x16x128xf32>
      -> tensor<1x4x16x128xf32>
  return %o : tensor<1x4x16x128xf32>
}

// Fewer queries than keys (a KV-cache decode step), causal, bottom-right.
// CHECK-LABEL: func.func @attention_sq_ne_skv
// CHECK: mha.attention %{{.*}}, %{{.*}}, %{{.*}} {causal} :
// CHECK-SAME: tensor<1x8x1x64xf16>, tensor<1x2x512x64xf16>, tensor<1x2x512x64xf16> -> tensor<1x8x1x64xf16>
func.func @attention_sq_ne_skv(%q: tensor<1x8x1x64xf16>, %k: tensor<1x2x512x64xf16>,
                               %v: tensor<1x2x512x64xf16>) -> tensor<1x8x1x64xf16> {
  %o = mha.attention %q, %k, %v {causal}
      : tensor<1x8x1x64xf16>, tensor<1x2x512x64xf16>, tensor<1x2x512x64xf16>
      -> tensor<1x8x1x64xf16>
  return %o : tensor<1x8x1x64xf16>
}

// Dynamic B, Sq and Skv.
// CHECK-LABEL: func.func @attention_dynamic
// CHECK: mha.attention %{{.*}}, %{{.*}}, %{{.*}} {causal} :
// CHECK-SAME: tensor<?x8x?x64xf32>, tensor<?x2x?x64xf32>, tensor<?x2x?x32xf32> -> tensor<?x8x?x32xf32>
func.func @attention_dynamic(%q: tensor<?x8x?x64xf32>, %k: tensor<?x2x?x64xf32>,
                             %v: tensor<?x2x?x32xf32>) -> tensor<?x8x?x32xf32> {
  %o = mha.attention %q, %k, %v {causal}
      : tensor<?x8x?x64xf32>, tensor<?x2x?x64xf32>, tensor<?x2x?x32xf32>
      -> tensor<?x8x?x32xf32>
  return %o : tensor<?x8x?x32xf32>
}

// Dynamic dims may mix with static ones across operands and the mask.
// CHECK-LABEL: func.func @attention_dynamic_mixed
// CHECK: mha.attention {{.*}} mask({{.*}}) :
// CHECK-SAME: tensor<2x8x?x64xf32>, tensor<?x8x128x64xf32>, tensor<2x8x?x64xf32>, tensor<?x1x?x128xi1> -> tensor<?x8x16x64xf32>
func.func @attention_dynamic_mixed(%q: tensor<2x8x?x64xf32>, %k: tensor<?x8x128x64xf32>,
                                   %v: tensor<2x8x?x64xf32>, %m: tensor<?x1x?x128xi1>)
    -> tensor<?x8x16x64xf32> {
  %o = mha.attention %q, %k, %v mask(%m)
      : tensor<2x8x?x64xf32>, tensor<?x8x128x64xf32>, tensor<2x8x?x64xf32>,
        tensor<?x1x?x128xi1> -> tensor<?x8x16x64xf32>
  return %o : tensor<?x8x16x64xf32>
}

//===----------------------------------------------------------------------===//
// mha.multi_head_attention
//===----------------------------------------------------------------------===//

// Self-attention: the same value feeds both inputs.
// CHECK-LABEL: func.func @mha_self
// CHECK-SAME: (%[[X:[a-zA-Z0-9]+]]: tensor<1x128x512xf32>, %[[WQ:[a-zA-Z0-9]+]]: tensor<512x512xf32>, %[[WK:[a-zA-Z0-9]+]]: tensor<512x512xf32>, %[[WV:[a-zA-Z0-9]+]]: tensor<512x512xf32>, %[[WO:[a-zA-Z0-9]+]]: tensor<512x512xf32>)
// CHECK: %[[Y:.*]] = mha.multi_head_attention %[[X]], %[[X]], %[[WQ]], %[[WK]], %[[WV]], %[[WO]] {num_heads = 8 : i64} :
// CHECK-SAME: tensor<1x128x512xf32>, tensor<1x128x512xf32>, tensor<512x512xf32>, tensor<512x512xf32>, tensor<512x512xf32>, tensor<512x512xf32> -> tensor<1x128x512xf32>
// CHECK: return %[[Y]]
func.func @mha_self(%x: tensor<1x128x512xf32>, %wq: tensor<512x512xf32>,
                    %wk: tensor<512x512xf32>, %wv: tensor<512x512xf32>,
                    %wo: tensor<512x512xf32>) -> tensor<1x128x512xf32> {
  %y = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo {num_heads = 8 : i64}
      : tensor<1x128x512xf32>, tensor<1x128x512xf32>, tensor<512x512xf32>,
        tensor<512x512xf32>, tensor<512x512xf32>, tensor<512x512xf32>
      -> tensor<1x128x512xf32>
  return %y : tensor<1x128x512xf32>
}

// num_kv_heads present (GQA), causal, explicit scale.
// CHECK-LABEL: func.func @mha_gqa
// CHECK: mha.multi_head_attention %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {causal, num_heads = 8 : i64, num_kv_heads = 2 : i64, scale = 1.250000e-01 : f32} :
// CHECK-SAME: tensor<2x64x256xf16>, tensor<2x64x256xf16>, tensor<256x256xf16>, tensor<256x64xf16>, tensor<256x64xf16>, tensor<256x256xf16> -> tensor<2x64x256xf16>
func.func @mha_gqa(%x: tensor<2x64x256xf16>, %wq: tensor<256x256xf16>,
                   %wk: tensor<256x64xf16>, %wv: tensor<256x64xf16>,
                   %wo: tensor<256x256xf16>) -> tensor<2x64x256xf16> {
  %y = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo
      {num_heads = 8 : i64, num_kv_heads = 2 : i64, causal, scale = 0.125 : f32}
      : tensor<2x64x256xf16>, tensor<2x64x256xf16>, tensor<256x256xf16>,
        tensor<256x64xf16>, tensor<256x64xf16>, tensor<256x256xf16>
      -> tensor<2x64x256xf16>
  return %y : tensor<2x64x256xf16>
}

// With biases.
// CHECK-LABEL: func.func @mha_bias
// CHECK-SAME: %[[BQ:[a-zA-Z0-9]+]]: tensor<64xf32>, %[[BK:[a-zA-Z0-9]+]]: tensor<32xf32>, %[[BV:[a-zA-Z0-9]+]]: tensor<32xf32>, %[[BO:[a-zA-Z0-9]+]]: tensor<64xf32>
// CHECK: mha.multi_head_attention %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} bias(%[[BQ]], %[[BK]], %[[BV]], %[[BO]]) {num_heads = 4 : i64, num_kv_heads = 2 : i64} :
// CHECK-SAME: tensor<1x16x64xf32>, tensor<1x16x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<32xf32>, tensor<32xf32>, tensor<64xf32> -> tensor<1x16x64xf32>
func.func @mha_bias(%x: tensor<1x16x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>,
                    %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>, %bq: tensor<64xf32>,
                    %bk: tensor<32xf32>, %bv: tensor<32xf32>, %bo: tensor<64xf32>)
    -> tensor<1x16x64xf32> {
  %y = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo bias(%bq, %bk, %bv, %bo)
      {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x16x64xf32>, tensor<1x16x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>,
        tensor<64x32xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<32xf32>,
        tensor<32xf32>, tensor<64xf32> -> tensor<1x16x64xf32>
  return %y : tensor<1x16x64xf32>
}

// With a mask, no biases.
// CHECK-LABEL: func.func @mha_mask
// CHECK-SAME: %[[M:[a-zA-Z0-9]+]]: tensor<1x1x16x16xi1>
// CHECK: mha.multi_head_attention %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} mask(%[[M]]) {num_heads = 4 : i64} :
// CHECK-SAME: tensor<64x64xf32>, tensor<1x1x16x16xi1> -> tensor<1x16x64xf32>
func.func @mha_mask(%x: tensor<1x16x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x64xf32>,
                    %wv: tensor<64x64xf32>, %wo: tensor<64x64xf32>, %m: tensor<1x1x16x16xi1>)
    -> tensor<1x16x64xf32> {
  %y = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo mask(%m) {num_heads = 4 : i64}
      : tensor<1x16x64xf32>, tensor<1x16x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>,
        tensor<64x64xf32>, tensor<64x64xf32>, tensor<1x1x16x16xi1> -> tensor<1x16x64xf32>
  return %y : tensor<1x16x64xf32>
}

// With biases, a float mask and causal.
// CHECK-LABEL: func.func @mha_bias_mask
// CHECK: mha.multi_head_attention %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} bias(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) mask(%{{.*}}) {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64} :
// CHECK-SAME: tensor<64x32xbf16>, tensor<64x32xbf16>, tensor<64x64xbf16>, tensor<64xbf16>, tensor<32xbf16>, tensor<32xbf16>, tensor<64xbf16>, tensor<1x4x16x16xbf16> -> tensor<1x16x64xbf16>
func.func @mha_bias_mask(%x: tensor<1x16x64xbf16>, %wq: tensor<64x64xbf16>,
                         %wk: tensor<64x32xbf16>, %wv: tensor<64x32xbf16>,
                         %wo: tensor<64x64xbf16>, %bq: tensor<64xbf16>,
                         %bk: tensor<32xbf16>, %bv: tensor<32xbf16>, %bo: tensor<64xbf16>,
                         %m: tensor<1x4x16x16xbf16>) -> tensor<1x16x64xbf16> {
  %y = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo bias(%bq, %bk, %bv, %bo) mask(%m)
      {num_heads = 4 : i64, num_kv_heads = 2 : i64, causal}
      : tensor<1x16x64xbf16>, tensor<1x16x64xbf16>, tensor<64x64xbf16>, tensor<64x32xbf16>,
        tensor<64x32xbf16>, tensor<64x64xbf16>, tensor<64xbf16>, tensor<32xbf16>,
        tensor<32xbf16>, tensor<64xbf16>, tensor<1x4x16x16xbf16> -> tensor<1x16x64xbf16>
  return %y : tensor<1x16x64xbf16>
}

// Value head dim differs: H = 4, D = 16, Dv = 8, so wv is [64, 32] and wo is
// [H*Dv, E] = [32, 64].
// CHECK-LABEL: func.func @mha_dv_ne_d
// CHECK: mha.multi_head_attention
// CHECK-SAME: tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<32x64xf32> -> tensor<1x16x64xf32>
func.func @mha_dv_ne_d(%x: tensor<1x16x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x64xf32>,
                       %wv: tensor<64x32xf32>, %wo: tensor<32x64xf32>) -> tensor<1x16x64xf32> {
  %y = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo {num_heads = 4 : i64}
      : tensor<1x16x64xf32>, tensor<1x16x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>,
        tensor<64x32xf32>, tensor<32x64xf32> -> tensor<1x16x64xf32>
  return %y : tensor<1x16x64xf32>
}

// Cross-attention: queries from one sequence, keys/values from another
// (Sq = 8, Skv = 32), with a key-padding mask.
// CHECK-LABEL: func.func @mha_cross
// CHECK-SAME: (%[[XQ:[a-zA-Z0-9]+]]: tensor<2x8x64xf32>, %[[XKV:[a-zA-Z0-9]+]]: tensor<2x32x64xf32>
// CHECK: mha.multi_head_attention %[[XQ]], %[[XKV]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} mask(%{{.*}}) {num_heads = 4 : i64, num_kv_heads = 1 : i64} :
// CHECK-SAME: tensor<2x8x64xf32>, tensor<2x32x64xf32>, tensor<64x64xf32>, tensor<64x16xf32>, tensor<64x16xf32>, tensor<64x64xf32>, tensor<2x1x1x32xi1> -> tensor<2x8x64xf32>
func.func @mha_cross(%xq: tensor<2x8x64xf32>, %xkv: tensor<2x32x64xf32>,
                     %wq: tensor<64x64xf32>, %wk: tensor<64x16xf32>, %wv: tensor<64x16xf32>,
                     %wo: tensor<64x64xf32>, %m: tensor<2x1x1x32xi1>) -> tensor<2x8x64xf32> {
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo mask(%m)
      {num_heads = 4 : i64, num_kv_heads = 1 : i64}
      : tensor<2x8x64xf32>, tensor<2x32x64xf32>, tensor<64x64xf32>, tensor<64x16xf32>,
        tensor<64x16xf32>, tensor<64x64xf32>, tensor<2x1x1x32xi1> -> tensor<2x8x64xf32>
  return %y : tensor<2x8x64xf32>
}

// Dynamic batch and sequence lengths.
// CHECK-LABEL: func.func @mha_dynamic
// CHECK: mha.multi_head_attention
// CHECK-SAME: tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<?x1x?x?xf32> -> tensor<?x?x64xf32>
func.func @mha_dynamic(%xq: tensor<?x?x64xf32>, %xkv: tensor<?x?x64xf32>,
                       %wq: tensor<64x64xf32>, %wk: tensor<64x64xf32>, %wv: tensor<64x64xf32>,
                       %wo: tensor<64x64xf32>, %m: tensor<?x1x?x?xf32>) -> tensor<?x?x64xf32> {
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo mask(%m)
      {num_heads = 4 : i64, causal}
      : tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>,
        tensor<64x64xf32>, tensor<64x64xf32>, tensor<?x1x?x?xf32> -> tensor<?x?x64xf32>
  return %y : tensor<?x?x64xf32>
}

// CHECK-LABEL: func.func @check_size
// CHECK: mha.check_size %{{.*}}, %{{.*}} {expected_from = "'query' (argument 0) has", what = "dimension 0 (batch size B) of 'key' (argument 1)"}
func.func @check_size(%a: i64, %b: i64) {
  mha.check_size %a, %b {expected_from = "'query' (argument 0) has", what = "dimension 0 (batch size B) of 'key' (argument 1)"}
  return
}

//===----------------------------------------------------------------------===//
// mha.attention variants
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @attention_variants
// CHECK: %{{.*}}, %{{.*}} = mha.attention %{{.*}}, %{{.*}}, %{{.*}} mask(%{{.*}}) alibi(%{{.*}} : tensor<8xf32>) sinks(%{{.*}} : tensor<8xf32>)
// CHECK-SAME: {causal, softcap = 3.000000e+01 : f32, window = [128, 0]}
// CHECK-SAME: : tensor<2x8x16x64xf32>, tensor<2x2x32x64xf32>, tensor<2x2x32x64xf32>, tensor<1x1x16x32xi1> -> tensor<2x8x16x64xf32>, tensor<2x8x16xf32>
func.func @attention_variants(%q: tensor<2x8x16x64xf32>, %k: tensor<2x2x32x64xf32>,
                              %v: tensor<2x2x32x64xf32>, %m: tensor<1x1x16x32xi1>,
                              %slopes: tensor<8xf32>, %s: tensor<8xf32>)
    -> (tensor<2x8x16x64xf32>, tensor<2x8x16xf32>) {
  %o, %lse = mha.attention %q, %k, %v mask(%m) alibi(%slopes : tensor<8xf32>) sinks(%s : tensor<8xf32>)
      {causal, window = [128, 0], softcap = 30.0 : f32}
      : tensor<2x8x16x64xf32>, tensor<2x2x32x64xf32>, tensor<2x2x32x64xf32>, tensor<1x1x16x32xi1>
      -> tensor<2x8x16x64xf32>, tensor<2x8x16xf32>
  return %o, %lse : tensor<2x8x16x64xf32>, tensor<2x8x16xf32>
}

// CHECK-LABEL: func.func @attention_sinks_only
// CHECK: mha.attention %{{.*}}, %{{.*}}, %{{.*}} sinks(%{{.*}} : tensor<4xf32>) {window = [-1, 8]} :
// CHECK-SAME: -> tensor<1x4x?x16xbf16>
func.func @attention_sinks_only(%q: tensor<1x4x?x16xbf16>, %k: tensor<1x1x?x16xbf16>,
                                %v: tensor<1x1x?x16xbf16>, %s: tensor<4xf32>) -> tensor<1x4x?x16xbf16> {
  %o = mha.attention %q, %k, %v sinks(%s : tensor<4xf32>) {window = [-1, 8]}
      : tensor<1x4x?x16xbf16>, tensor<1x1x?x16xbf16>, tensor<1x1x?x16xbf16> -> tensor<1x4x?x16xbf16>
  return %o : tensor<1x4x?x16xbf16>
}

//===----------------------------------------------------------------------===//
// mha.attention modifiers
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @attention_modifiers
// CHECK-SAME: %[[DOC:[a-z0-9]+]]: tensor<16xi32>
// CHECK: mha.attention %{{.*}}, %{{.*}}, %{{.*}} {causal} : tensor<1x4x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32> -> tensor<1x4x16x8xf32> score_mod {
// CHECK-NEXT: ^bb0(%[[S:.*]]: f32, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index):
// CHECK-NEXT:   %[[C:.*]] = arith.constant 3.000000e+01 : f32
// CHECK-NEXT:   %[[D:.*]] = arith.divf %[[S]], %[[C]] : f32
// CHECK-NEXT:   %[[T:.*]] = math.tanh %[[D]] : f32
// CHECK-NEXT:   %[[R:.*]] = arith.mulf %[[T]], %[[C]] : f32
// CHECK-NEXT:   mha.yield %[[R]] : f32
// CHECK-NEXT: } mask_mod {
// CHECK-NEXT: ^bb0(%{{.*}}: index, %{{.*}}: index, %[[I:.*]]: index, %[[J:.*]]: index):
// CHECK-NEXT:   %[[DI:.*]] = tensor.extract %[[DOC]][%[[I]]] : tensor<16xi32>
// CHECK-NEXT:   %[[DJ:.*]] = tensor.extract %[[DOC]][%[[J]]] : tensor<16xi32>
// CHECK-NEXT:   %[[SAME:.*]] = arith.cmpi eq, %[[DI]], %[[DJ]] : i32
// CHECK-NEXT:   mha.yield %[[SAME]] : i1
// CHECK-NEXT: }
func.func @attention_modifiers(%q: tensor<1x4x16x8xf32>, %k: tensor<1x2x16x8xf32>,
                               %v: tensor<1x2x16x8xf32>, %doc: tensor<16xi32>)
    -> tensor<1x4x16x8xf32> {
  %o = mha.attention %q, %k, %v {causal}
      : tensor<1x4x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>
      -> tensor<1x4x16x8xf32>
    score_mod {
    ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
      %c = arith.constant 30.0 : f32
      %d = arith.divf %s, %c : f32
      %t = math.tanh %d : f32
      %r = arith.mulf %t, %c : f32
      mha.yield %r : f32
    }
    mask_mod {
    ^bb0(%b: index, %h: index, %i: index, %j: index):
      %di = tensor.extract %doc[%i] : tensor<16xi32>
      %dj = tensor.extract %doc[%j] : tensor<16xi32>
      %same = arith.cmpi eq, %di, %dj : i32
      mha.yield %same : i1
    }
  return %o : tensor<1x4x16x8xf32>
}

// A mask_mod alone, after variants and an lse result.
// CHECK-LABEL: func.func @attention_mask_mod_only
// CHECK: mha.attention %{{.*}}, %{{.*}}, %{{.*}} sinks(%{{.*}} : tensor<4xf32>) {window = [4, 0]} : {{.*}} -> tensor<1x4x16x8xf32>, tensor<1x4x16xf32> mask_mod {
// CHECK: arith.cmpi ule
// CHECK: mha.yield %{{.*}} : i1
func.func @attention_mask_mod_only(%q: tensor<1x4x16x8xf32>, %s: tensor<4xf32>)
    -> (tensor<1x4x16x8xf32>, tensor<1x4x16xf32>) {
  %o, %lse = mha.attention %q, %q, %q sinks(%s : tensor<4xf32>) {window = [4, 0]}
      : tensor<1x4x16x8xf32>, tensor<1x4x16x8xf32>, tensor<1x4x16x8xf32>
      -> tensor<1x4x16x8xf32>, tensor<1x4x16xf32>
    mask_mod {
    ^bb0(%b: index, %h: index, %i: index, %j: index):
      %c = arith.constant 3 : index
      %p = arith.cmpi ule, %j, %c : index
      mha.yield %p : i1
    }
  return %o, %lse : tensor<1x4x16x8xf32>, tensor<1x4x16xf32>
}
