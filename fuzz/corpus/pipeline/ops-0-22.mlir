func.func @mha_cross(%xq: tensor<2x8x64xf32>, %xkv: tensor<2x32x64xf32>,
                     %wq: tensor<64x64xf32>, %wk: tensor<64x16xf32>, %wv: tensor<64x16xf32>,
                     %wo: tensor<64x64xf32>, %m: tensor<2x1x1x32xi1>) -> tensor<2x8x64xf32> {
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo mask(%m)
      {num_heads = 4 : i64, num_kv_heads = 1 : i64}
      : tensor<2x8x64xf32>, tensor<2x32x64xf32>, tensor<64x64xf32>, tensor<64x16xf32>,
        tensor<64x16xf32>, tensor<64x64xf32>, tensor<2x1x1x32xi1> -> tensor<2x8x64xf32>
  return %y : tensor<2x8x64xf32>
}
