func.func @f16_odd_sizes(%q: tensor<3x2x131x8xf16>, %k: tensor<3x1x3x8xf16>, %v: tensor<3x1x3x8xf16>) -> tensor<3x2x131x8xf16> {
  %o = mha.attention %q, %k, %v : tensor<3x2x131x8xf16>, tensor<3x1x3x8xf16>, tensor<3x1x3x8xf16> -> tensor<3x2x131x8xf16>
  return %o : tensor<3x2x131x8xf16>
}
