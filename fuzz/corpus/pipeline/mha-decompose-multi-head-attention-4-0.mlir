func.func @dynamic_batch_and_sequence(%xq: tensor<?x?x64xf16>,
    %xkv: tensor<?x?x64xf16>, %wq: tensor<64x64xf16>, %wk: tensor<64x64xf16>,
    %wv: tensor<64x64xf16>, %wo: tensor<64x64xf16>, %bq: tensor<64xf16>,
    %bk: tensor<64xf16>, %bv: tensor<64xf16>, %bo: tensor<64xf16>)
    -> tensor<?x?x64xf16> {
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo
      bias(%bq, %bk, %bv, %bo) {num_heads = 4 : i64}
      : tensor<?x?x64xf16>, tensor<?x?x64xf16>, tensor<64x64xf16>,
        tensor<64x64xf16>, tensor<64x64xf16>, tensor<64x64xf16>,
        tensor<64xf16>, tensor<64xf16>, tensor<64xf16>, tensor<64xf16>
        -> tensor<?x?x64xf16>
  return %y : tensor<?x?x64xf16>
}
