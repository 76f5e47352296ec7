func.func @causal_sq4(%q: tensor<2x4x4x16xf32>, %k: tensor<2x2x37x16xf32>, %v: tensor<2x2x37x16xf32>) -> tensor<2x4x4x16xf32> {
  %o = mha.attention %q, %k, %v {causal} : tensor<2x4x4x16xf32>, tensor<2x2x37x16xf32>, tensor<2x2x37x16xf32> -> tensor<2x4x4x16xf32>
  return %o : tensor<2x4x4x16xf32>
}
