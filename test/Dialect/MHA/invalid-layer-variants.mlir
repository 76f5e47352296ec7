// RUN: mha-opt %s -split-input-file -verify-diagnostics

// One case per verifier rule of the variants of mha.multi_head_attention
// (the rules of mha.attention, over the layer's num_heads query heads).
func.func @layer_alibi_rank(%x: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>, %s: tensor<4x1xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{'mha.multi_head_attention' op alibi slopes must have rank 1 ([H]), but has rank 2}}
  %y = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo alibi(%s : tensor<4x1xf32>) {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @layer_alibi_size(%x: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>, %s: tensor<2xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{'mha.multi_head_attention' op alibi slopes size H (dim 0) is 2, but num_heads is 4}}
  %y = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo alibi(%s : tensor<2xf32>) {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @layer_alibi_f16(%x: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>, %s: tensor<4xf16>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{'mha.multi_head_attention' op alibi slopes element type must be f32, but is 'f16'}}
  %y = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo alibi(%s : tensor<4xf16>) {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @layer_sinks_size(%x: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>, %s: tensor<2xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{'mha.multi_head_attention' op sinks size H (dim 0) is 2, but num_heads is 4}}
  %y = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo sinks(%s : tensor<2xf32>) {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @layer_window_size(%x: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{'mha.multi_head_attention' op window must be [left, right], but has 1 elements}}
  %y = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo {num_heads = 4 : i64, num_kv_heads = 2 : i64, window = [4]}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @layer_window_right(%x: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{'mha.multi_head_attention' op window right bound must be >= 0 (or -1 for unbounded), but is -3}}
  %y = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo {num_heads = 4 : i64, num_kv_heads = 2 : i64, window = [4, -3]}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @layer_softcap_negative(%x: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{'mha.multi_head_attention' op softcap must be finite and positive, but is -1.000000e+00}}
  %y = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo {num_heads = 4 : i64, num_kv_heads = 2 : i64, softcap = -1.0 : f32}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}
