func.func @attention_dv_ne_d(%q: tensor<1x4x16x64xf32>, %k: tensor<1x4x16x64xf32>,
                             %v: tensor<1x4x16x128xf32>) -> tensor<1x4x16x128xf32> {
  %o = mha.attention %q, %k, %v
      : tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x4x16x128xf32>
      -> tensor<1x4x16x128xf32>
  return %o : tensor<1x4x16x128xf32>
}
