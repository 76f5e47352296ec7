func.func @mha_mask(%x: tensor<1x16x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x64xf32>,
                    %wv: tensor<64x64xf32>, %wo: tensor<64x64xf32>, %m: tensor<1x1x16x16xi1>)
    -> tensor<1x16x64xf32> {
  %y = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo mask(%m) {num_heads = 4 : i64}
      : tensor<1x16x64xf32>, tensor<1x16x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>,
        tensor<64x64xf32>, tensor<64x64xf32>, tensor<1x1x16x16xi1> -> tensor<1x16x64xf32>
  return %y : tensor<1x16x64xf32>
}
