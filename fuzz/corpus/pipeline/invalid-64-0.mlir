func.func @mha_wk_cols_dynamic(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x?xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>) -> tensor<1x8x64xf32> {
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64x?xf32>, tensor<64x32xf32>, tensor<64x64xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}
