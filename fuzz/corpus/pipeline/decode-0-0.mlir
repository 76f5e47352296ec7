func.func @decode_gqa(%q: tensor<1x32x1x64xf32>, %k: tensor<1x8x1000x64xf32>, %v: tensor<1x8x1000x64xf32>) -> tensor<1x32x1x64xf32> {
  %o = mha.attention %q, %k, %v : tensor<1x32x1x64xf32>, tensor<1x8x1000x64xf32>, tensor<1x8x1000x64xf32> -> tensor<1x32x1x64xf32>
  return %o : tensor<1x32x1x64xf32>
}
