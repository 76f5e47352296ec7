func.func @float_mask_dv_ne_d(%q: tensor<1x2x5x64xf32>, %k: tensor<1x2x7x64xf32>, %v: tensor<1x2x7x128xf32>, %m: tensor<1x2x1x7xf32>) -> tensor<1x2x5x128xf32> {
  %o = mha.attention %q, %k, %v mask(%m) {scale = 0.2 : f32} : tensor<1x2x5x64xf32>, tensor<1x2x7x64xf32>, tensor<1x2x7x128xf32>, tensor<1x2x1x7xf32> -> tensor<1x2x5x128xf32>
  return %o : tensor<1x2x5x128xf32>
}
