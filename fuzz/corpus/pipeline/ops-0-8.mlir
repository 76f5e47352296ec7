func.func @attention_mask_float_broadcast(
    %q: tensor<2x4x8x32xf16>, %k: tensor<2x4x16x32xf16>, %v: tensor<2x4x16x32xf16>,
    %mf: tensor<2x4x8x16xf16>, %m0: tensor<1x4x8x16xf16>, %m1: tensor<2x1x8x16xf16>,
    %m2: tensor<2x4x1x16xf16>, %m3: tensor<2x4x8x1xf16>, %m01: tensor<1x1x8x16xf16>) {
  %0 = mha.attention %q, %k, %v mask(%mf)
      : tensor<2x4x8x32xf16>, tensor<2x4x16x32xf16>, tensor<2x4x16x32xf16>,
        tensor<2x4x8x16xf16> -> tensor<2x4x8x32xf16>
  %1 = mha.attention %q, %k, %v mask(%m0)
      : tensor<2x4x8x32xf16>, tensor<2x4x16x32xf16>, tensor<2x4x16x32xf16>,
        tensor<1x4x8x16xf16> -> tensor<2x4x8x32xf16>
  %2 = mha.attention %q, %k, %v mask(%m1)
      : tensor<2x4x8x32xf16>, tensor<2x4x16x32xf16>, tensor<2x4x16x32xf16>,
        tensor<2x1x8x16xf16> -> tensor<2x4x8x32xf16>
  %3 = mha.attention %q, %k, %v mask(%m2)
      : tensor<2x4x8x32xf16>, tensor<2x4x16x32xf16>, tensor<2x4x16x32xf16>,
        tensor<2x4x1x16xf16> -> tensor<2x4x8x32xf16>
  %4 = mha.attention %q, %k, %v mask(%m3)
      : tensor<2x4x8x32xf16>, tensor<2x4x16x32xf16>, tensor<2x4x16x32xf16>,
        tensor<2x4x8x1xf16> -> tensor<2x4x8x32xf16>
  %5 = mha.attention %q, %k, %v mask(%m01) {causal}
      : tensor<2x4x8x32xf16>, tensor<2x4x16x32xf16>, tensor<2x4x16x32xf16>,
        tensor<1x1x8x16xf16> -> tensor<2x4x8x32xf16>
  return
}
