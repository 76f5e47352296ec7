func.func @mha_mask_dim3(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x16x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>, %m: tensor<1x1x8x8xi1>) -> tensor<1x8x64xf32> {
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo mask(%m) {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x16x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32>, tensor<1x1x8x8xi1> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}
