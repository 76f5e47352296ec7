func.func @main(%x: tensor<1x128x512xf32>,
                %wq: tensor<512x512xf32>, %wk: tensor<512x512xf32>,
                %wv: tensor<512x512xf32>, %wo: tensor<512x512xf32>,
                %bq: tensor<512xf32>, %bk: tensor<512xf32>,
                %bv: tensor<512xf32>, %bo: tensor<512xf32>)
    -> tensor<1x128x512xf32> {
  %y = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo
      bias(%bq, %bk, %bv, %bo) {num_heads = 8 : i64}
      : tensor<1x128x512xf32>, tensor<1x128x512xf32>, tensor<512x512xf32>,
        tensor<512x512xf32>, tensor<512x512xf32>, tensor<512x512xf32>,
        tensor<512xf32>, tensor<512xf32>, tensor<512xf32>, tensor<512xf32>
      -> tensor<1x128x512xf32>
  return %y : tensor<1x128x512xf32>
}
