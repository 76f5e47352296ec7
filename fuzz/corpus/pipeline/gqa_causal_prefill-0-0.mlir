func.func @main(%q: tensor<1x16x256x64xf16>, %k: tensor<1x4x256x64xf16>,
                %v: tensor<1x4x256x64xf16>) -> tensor<1x16x256x64xf16> {
  %o = mha.attention %q, %k, %v {causal}
      : tensor<1x16x256x64xf16>, tensor<1x4x256x64xf16>, tensor<1x4x256x64xf16>
      -> tensor<1x16x256x64xf16>
  return %o : tensor<1x16x256x64xf16>
}
