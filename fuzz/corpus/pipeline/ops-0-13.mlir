func.func @attention_sq_ne_skv(%q: tensor<1x8x1x64xf16>, %k: tensor<1x2x512x64xf16>,
                               %v: tensor<1x2x512x64xf16>) -> tensor<1x8x1x64xf16> {
  %o = mha.attention %q, %k, %v {causal}
      : tensor<1x8x1x64xf16>, tensor<1x2x512x64xf16>, tensor<1x2x512x64xf16>
      -> tensor<1x8x1x64xf16>
  return %o : tensor<1x8x1x64xf16>
}
