func.func @dynamic_causal_bf16(%q: tensor<2x4x3x32xbf16>, %k: tensor<2x2x?x32xbf16>, %v: tensor<2x2x?x32xbf16>) -> tensor<2x4x3x32xbf16> {
  %o = mha.attention %q, %k, %v {causal} : tensor<2x4x3x32xbf16>, tensor<2x2x?x32xbf16>, tensor<2x2x?x32xbf16> -> tensor<2x4x3x32xbf16>
  return %o : tensor<2x4x3x32xbf16>
}
