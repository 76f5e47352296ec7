func.func @bf16_float_mask(%q: tensor<2x4x2x32xbf16>, %k: tensor<2x4x300x32xbf16>, %v: tensor<2x4x300x32xbf16>, %m: tensor<1x1x2x300xbf16>) -> tensor<2x4x2x32xbf16> {
  %o = mha.attention %q, %k, %v mask(%m) : tensor<2x4x2x32xbf16>, tensor<2x4x300x32xbf16>, tensor<2x4x300x32xbf16>, tensor<1x1x2x300xbf16> -> tensor<2x4x2x32xbf16>
  return %o : tensor<2x4x2x32xbf16>
}
