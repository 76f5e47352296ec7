func.func @zero_float_mask(%q: tensor<1x2x4x8xf16>) -> tensor<1x2x4x8xf16> {
  %m = arith.constant dense<-0.0> : tensor<1x1x1x4xf16>
  %o = mha.attention %q, %q, %q mask(%m) : tensor<1x2x4x8xf16>, tensor<1x2x4x8xf16>, tensor<1x2x4x8xf16>, tensor<1x1x1x4xf16> -> tensor<1x2x4x8xf16>
  return %o : tensor<1x2x4x8xf16>
}
