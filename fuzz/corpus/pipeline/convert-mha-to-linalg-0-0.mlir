func.func @gqa_causal_f16(%q: tensor<1x4x3x8xf16>, %k: tensor<1x2x5x8xf16>, %v: tensor<1x2x5x6xf16>) -> tensor<1x4x3x6xf16> {
  %o = mha.attention %q, %k, %v {causal} : tensor<1x4x3x8xf16>, tensor<1x2x5x8xf16>, tensor<1x2x5x6xf16> -> tensor<1x4x3x6xf16>
  return %o : tensor<1x4x3x6xf16>
}
