func.func @mha_dynamic(%xq: tensor<?x?x64xf32>, %xkv: tensor<?x?x64xf32>,
                       %wq: tensor<64x64xf32>, %wk: tensor<64x64xf32>, %wv: tensor<64x64xf32>,
                       %wo: tensor<64x64xf32>, %m: tensor<?x1x?x?xf32>) -> tensor<?x?x64xf32> {
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo mask(%m)
      {num_heads = 4 : i64, causal}
      : tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>,
        tensor<64x64xf32>, tensor<64x64xf32>, tensor<?x1x?x?xf32> -> tensor<?x?x64xf32>
  return %y : tensor<?x?x64xf32>
}
