func.func @float_mask_f16(%q: tensor<2x4x3x8xf16>, %k: tensor<2x2x5x8xf16>, %v: tensor<2x2x5x8xf16>, %m: tensor<2x1x3x1xf16>) -> tensor<2x4x3x8xf16> {
  %o = mha.attention %q, %k, %v mask(%m) : tensor<2x4x3x8xf16>, tensor<2x2x5x8xf16>, tensor<2x2x5x8xf16>, tensor<2x1x3x1xf16> -> tensor<2x4x3x8xf16>
  return %o : tensor<2x4x3x8xf16>
}
