func.func @attention_bf16(%q: tensor<1x4x32x16xbf16>, %k: tensor<1x4x32x16xbf16>,
                          %v: tensor<1x4x32x16xbf16>) -> tensor<1x4x32x16xbf16> {
  %o = mha.attention %q, %k, %v
      : tensor<1x4x32x16xbf16>, tensor<1x4x32x16xbf16>, tensor<1x4x32x16xbf16>
      -> tensor<1x4x32x16xbf16>
  return %o : tensor<1x4x32x16xbf16>
}
