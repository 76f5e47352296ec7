func.func @attention_gqa(%q: tensor<1x16x64x64xbf16>, %k: tensor<1x4x64x64xbf16>,
                         %v: tensor<1x4x64x64xbf16>) -> tensor<1x16x64x64xbf16> {
  %o = mha.attention %q, %k, %v {causal}
      : tensor<1x16x64x64xbf16>, tensor<1x4x64x64xbf16>, tensor<1x4x64x64xbf16>
      -> tensor<1x16x64x64xbf16>
  return %o : tensor<1x16x64x64xbf16>
}
