func.func @mha_f32(%q: tensor<2x4x3x8xf32>, %k: tensor<2x4x7x8xf32>, %v: tensor<2x4x7x16xf32>) -> tensor<2x4x3x16xf32> {
  %o = mha.attention %q, %k, %v {scale = 0.125 : f32} : tensor<2x4x3x8xf32>, tensor<2x4x7x8xf32>, tensor<2x4x7x16xf32> -> tensor<2x4x3x16xf32>
  return %o : tensor<2x4x3x16xf32>
}
