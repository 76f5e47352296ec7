func.func @gqa_causal_sq_ne_skv(%q: tensor<2x8x13x40xf32>, %k: tensor<2x2x77x40xf32>, %v: tensor<2x2x77x40xf32>) -> tensor<2x8x13x40xf32> {
  %o = mha.attention %q, %k, %v {causal} : tensor<2x8x13x40xf32>, tensor<2x2x77x40xf32>, tensor<2x2x77x40xf32> -> tensor<2x8x13x40xf32>
  return %o : tensor<2x8x13x40xf32>
}
