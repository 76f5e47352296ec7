func.func @sq16_full_mask(%q: tensor<1x2x16x32xf32>, %k: tensor<1x2x150x32xf32>, %v: tensor<1x2x150x32xf32>, %m: tensor<1x2x16x150xi1>) -> tensor<1x2x16x32xf32> {
  %o = mha.attention %q, %k, %v mask(%m) : tensor<1x2x16x32xf32>, tensor<1x2x150x32xf32>, tensor<1x2x150x32xf32>, tensor<1x2x16x150xi1> -> tensor<1x2x16x32xf32>
  return %o : tensor<1x2x16x32xf32>
}
