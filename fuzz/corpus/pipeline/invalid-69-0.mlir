func.func @mha_wq_rows_zero(%xq: tensor<1x8x0xf32>, %xkv: tensor<1x8x0xf32>, %wq: tensor<0x64xf32>, %wk: tensor<0x32xf32>, %wv: tensor<0x32xf32>, %wo: tensor<64x0xf32>) -> tensor<1x8x0xf32> {
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x0xf32>, tensor<1x8x0xf32>, tensor<0x64xf32>, tensor<0x32xf32>, tensor<0x32xf32>, tensor<64x0xf32> -> tensor<1x8x0xf32>
  return %y : tensor<1x8x0xf32>
}
