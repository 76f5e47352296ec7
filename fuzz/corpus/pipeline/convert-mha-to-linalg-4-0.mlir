func.func @mixed_static(%q: tensor<?x2x?x4xf32>, %k: tensor<2x2x5x4xf32>, %v: tensor<2x2x?x4xf32>) -> tensor<2x2x3x4xf32> {
  %o = mha.attention %q, %k, %v {causal} : tensor<?x2x?x4xf32>, tensor<2x2x5x4xf32>, tensor<2x2x?x4xf32> -> tensor<2x2x3x4xf32>
  return %o : tensor<2x2x3x4xf32>
}
