func.func @mha_bias(%x: tensor<1x16x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>,
                    %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>, %bq: tensor<64xf32>,
                    %bk: tensor<32xf32>, %bv: tensor<32xf32>, %bo: tensor<64xf32>)
    -> tensor<1x16x64xf32> {
  %y = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo bias(%bq, %bk, %bv, %bo)
      {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x16x64xf32>, tensor<1x16x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>,
        tensor<64x32xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<32xf32>,
        tensor<32xf32>, tensor<64xf32> -> tensor<1x16x64xf32>
  return %y : tensor<1x16x64xf32>
}
