func.func @attention_f16(%q: tensor<1x4x32x16xf16>, %k: tensor<1x4x32x16xf16>,
                         %v: tensor<1x4x32x16xf16>) -> tensor<1x4x32x16xf16> {
  %o = mha.attention %q, %k, %v
      : tensor<1x4x32x16xf16>, tensor<1x4x32x16xf16>, tensor<1x4x32x16xf16>
      -> tensor<1x4x32x16xf16>
  return %o : tensor<1x4x32x16xf16>
}
