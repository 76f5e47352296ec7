func.func @prefill_longer_than_cache(%q: tensor<1x2x9x16xf32>, %k: tensor<1x2x4x16xf32>, %v: tensor<1x2x4x16xf32>) -> tensor<1x2x9x16xf32> {
  %o = mha.attention %q, %k, %v {causal} : tensor<1x2x9x16xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32> -> tensor<1x2x9x16xf32>
  return %o : tensor<1x2x9x16xf32>
}
