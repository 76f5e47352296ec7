func.func @decode_gqa_mask(%q: tensor<1x32x1x128xf32>, %k: tensor<1x8x1000x128xf32>, %v: tensor<1x8x1000x128xf32>, %m: tensor<1x1x1x1000xi1>) -> tensor<1x32x1x128xf32> {
  %o = mha.attention %q, %k, %v mask(%m) : tensor<1x32x1x128xf32>, tensor<1x8x1000x128xf32>, tensor<1x8x1000x128xf32>, tensor<1x1x1x1000xi1> -> tensor<1x32x1x128xf32>
  return %o : tensor<1x32x1x128xf32>
}
