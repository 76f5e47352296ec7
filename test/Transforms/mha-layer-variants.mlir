// RUN: mha-opt %s | mha-opt | FileCheck %s --check-prefix=ROUNDTRIP
// RUN: mha-opt %s -mha-decompose-multi-head-attention | FileCheck %s
// RUN: mha-opt %s -mha-tile-layer | FileCheck %s

// The variants of mha.multi_head_attention round-trip and pass through to
// the mha.attention of the projected heads, both when the layer is
// decomposed and when mha-tile-layer tiles its projections.

// ROUNDTRIP: mha.multi_head_attention %arg0, %arg0, %arg1, %arg2, %arg3, %arg4 alibi(%arg5 : tensor<4xf32>) sinks(%arg6 : tensor<4xf32>) {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, softcap = 3.000000e+00 : f32, window = [7, 0]}

// CHECK-LABEL: func.func @layer
// CHECK-SAME:      %[[SLOPES:[^:]+]]: tensor<4xf32>, %[[SINKS:[^:]+]]: tensor<4xf32>)
// CHECK-NOT:     mha.multi_head_attention
// CHECK:         mha.attention {{.*}} alibi(%[[SLOPES]] : tensor<4xf32>) sinks(%[[SINKS]] : tensor<4xf32>) {causal, softcap = 3.000000e+00 : f32, window = [7, 0]} : tensor<2x4x32x32xf32>, tensor<2x2x32x32xf32>, tensor<2x2x32x32xf32> -> tensor<2x4x32x32xf32>

func.func @layer(%x: tensor<2x32x128xf32>, %wq: tensor<128x128xf32>, %wk: tensor<128x64xf32>, %wv: tensor<128x64xf32>, %wo: tensor<128x128xf32>, %slopes: tensor<4xf32>, %s: tensor<4xf32>) -> tensor<2x32x128xf32> {
  %y = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo alibi(%slopes : tensor<4xf32>) sinks(%s : tensor<4xf32>) {num_heads = 4 : i64, num_kv_heads = 2 : i64, causal, window = [7, 0], softcap = 3.0 : f32} : tensor<2x32x128xf32>, tensor<2x32x128xf32>, tensor<128x128xf32>, tensor<128x64xf32>, tensor<128x64xf32>, tensor<128x128xf32> -> tensor<2x32x128xf32>
  return %y : tensor<2x32x128xf32>
}
