func.func @layer_defaults(%x: tensor<2x8x64xf32>, %w: tensor<64x64xf32>, %b: tensor<64xf32>) -> tensor<2x8x64xf32> {
  %m = arith.constant dense<true> : tensor<1x1x8x8xi1>
  %y = mha.multi_head_attention %x, %x, %w, %w, %w, %w bias(%b, %b, %b, %b) mask(%m) {num_heads = 4 : i64, num_kv_heads = 4 : i64, scale = 0.25 : f32, causal} : tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<1x1x8x8xi1> -> tensor<2x8x64xf32>
  return %y : tensor<2x8x64xf32>
}
