func.func @mha_dv_ne_d(%x: tensor<1x16x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x64xf32>,
                       %wv: tensor<64x32xf32>, %wo: tensor<32x64xf32>) -> tensor<1x16x64xf32> {
  %y = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo {num_heads = 4 : i64}
      : tensor<1x16x64xf32>, tensor<1x16x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>,
        tensor<64x32xf32>, tensor<32x64xf32> -> tensor<1x16x64xf32>
  return %y : tensor<1x16x64xf32>
}
