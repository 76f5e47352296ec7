func.func @two_leftovers(%x: tensor<1x4x8xf32>, %w: tensor<8x8xf32>, %q: tensor<1x2x4x4xf32>) -> (tensor<1x4x8xf32>, tensor<1x4x8xf32>, tensor<1x2x4x4xf32>) {
  %a = mha.multi_head_attention %x, %x, %w, %w, %w, %w {num_heads = 2 : i64} : tensor<1x4x8xf32>, tensor<1x4x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32> -> tensor<1x4x8xf32>
  %b = mha.multi_head_attention %x, %x, %w, %w, %w, %w {num_heads = 4 : i64, causal} : tensor<1x4x8xf32>, tensor<1x4x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32> -> tensor<1x4x8xf32>
  %o = mha.attention %q, %q, %q : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
  return %a, %b, %o : tensor<1x4x8xf32>, tensor<1x4x8xf32>, tensor<1x2x4x4xf32>
}
