func.func @aligned_causal(%q: tensor<1x2x48x16xf32>, %k: tensor<1x2x64x16xf32>,
                          %v: tensor<1x2x64x8xf32>) -> tensor<1x2x48x8xf32> {
  %o = mha.attention %q, %k, %v {causal}
      : tensor<1x2x48x16xf32>, tensor<1x2x64x16xf32>, tensor<1x2x64x8xf32>
      -> tensor<1x2x48x8xf32>
  return %o : tensor<1x2x48x8xf32>
}
