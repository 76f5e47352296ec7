func.func @mha_self(%x: tensor<1x128x512xf32>, %wq: tensor<512x512xf32>,
                    %wk: tensor<512x512xf32>, %wv: tensor<512x512xf32>,
                    %wo: tensor<512x512xf32>) -> tensor<1x128x512xf32> {
  %y = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo {num_heads = 8 : i64}
      : tensor<1x128x512xf32>, tensor<1x128x512xf32>, tensor<512x512xf32>,
        tensor<512x512xf32>, tensor<512x512xf32>, tensor<512x512xf32>
      -> tensor<1x128x512xf32>
  return %y : tensor<1x128x512xf32>
}
