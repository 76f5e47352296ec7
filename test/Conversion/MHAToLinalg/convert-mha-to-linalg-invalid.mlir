// RUN: mha-opt %s -convert-mha-to-linalg -split-input-file -verify-diagnostics

// The layer op is decomposed by its own pass; this one refuses it.
func.func @leftover_layer(%x: tensor<1x4x8xf32>, %wq: tensor<8x8xf32>, %wk: tensor<8x8xf32>, %wv: tensor<8x8xf32>, %wo: tensor<8x8xf32>) -> tensor<1x4x8xf32> {
  // expected-error @+1 {{'mha.multi_head_attention' op is not lowered by convert-mha-to-linalg; run mha-decompose-multi-head-attention first}}
  %y = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo {num_heads = 2 : i64} : tensor<1x4x8xf32>, tensor<1x4x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32> -> tensor<1x4x8xf32>
  return %y : tensor<1x4x8xf32>
}

// -----

// Every leftover is reported, not just the first, even next to an
// mha.attention that would lower fine.
func.func @two_leftovers(%x: tensor<1x4x8xf32>, %w: tensor<8x8xf32>, %q: tensor<1x2x4x4xf32>) -> (tensor<1x4x8xf32>, tensor<1x4x8xf32>, tensor<1x2x4x4xf32>) {
  // expected-error @+1 {{run mha-decompose-multi-head-attention first}}
  %a = mha.multi_head_attention %x, %x, %w, %w, %w, %w {num_heads = 2 : i64} : tensor<1x4x8xf32>, tensor<1x4x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32> -> tensor<1x4x8xf32>
  // expected-error @+1 {{run mha-decompose-multi-head-attention first}}
  %b = mha.multi_head_attention %x, %x, %w, %w, %w, %w {num_heads = 4 : i64, causal} : tensor<1x4x8xf32>, tensor<1x4x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32> -> tensor<1x4x8xf32>
  %o = mha.attention %q, %q, %q : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
  return %a, %b, %o : tensor<1x4x8xf32>, tensor<1x4x8xf32>, tensor<1x2x4x4xf32>
}
