func.func @dynamic_query_batch_and_sequence(%xq: tensor<?x?x16xf32>,
    %xkv: tensor<2x?x16xf32>, %wq: tensor<16x16xf32>, %wk: tensor<16x16xf32>,
    %wv: tensor<16x8xf32>, %wo: tensor<8x16xf32>) -> tensor<?x?x16xf32> {
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo {num_heads = 4 : i64}
      : tensor<?x?x16xf32>, tensor<2x?x16xf32>, tensor<16x16xf32>,
        tensor<16x16xf32>, tensor<16x8xf32>, tensor<8x16xf32>
        -> tensor<?x?x16xf32>
  return %y : tensor<?x?x16xf32>
}
