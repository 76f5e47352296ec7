func.func @causal_gqa_f16(%q: tensor<2x4x40x32xf16>, %k: tensor<2x2x24x32xf16>,
                          %v: tensor<2x2x24x16xf16>) -> tensor<2x4x40x16xf16> {
  %o = mha.attention %q, %k, %v {causal}
      : tensor<2x4x40x32xf16>, tensor<2x2x24x32xf16>, tensor<2x2x24x16xf16>
      -> tensor<2x4x40x16xf16>
  return %o : tensor<2x4x40x16xf16>
}
