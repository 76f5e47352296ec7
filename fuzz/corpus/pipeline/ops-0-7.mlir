func.func @attention_mask_i1_broadcast(
    %q: tensor<2x4x8x32xf32>, %k: tensor<2x4x16x32xf32>, %v: tensor<2x4x16x32xf32>,
    %m0: tensor<1x4x8x16xi1>, %m1: tensor<2x1x8x16xi1>, %m2: tensor<2x4x1x16xi1>,
    %m3: tensor<2x4x8x1xi1>, %m01: tensor<1x1x8x16xi1>, %m012: tensor<1x1x1x16xi1>,
    %mall: tensor<1x1x1x1xi1>) {
  %0 = mha.attention %q, %k, %v mask(%m0)
      : tensor<2x4x8x32xf32>, tensor<2x4x16x32xf32>, tensor<2x4x16x32xf32>,
        tensor<1x4x8x16xi1> -> tensor<2x4x8x32xf32>
  %1 = mha.attention %q, %k, %v mask(%m1)
      : tensor<2x4x8x32xf32>, tensor<2x4x16x32xf32>, tensor<2x4x16x32xf32>,
        tensor<2x1x8x16xi1> -> tensor<2x4x8x32xf32>
  %2 = mha.attention %q, %k, %v mask(%m2)
      : tensor<2x4x8x32xf32>, tensor<2x4x16x32xf32>, tensor<2x4x16x32xf32>,
        tensor<2x4x1x16xi1> -> tensor<2x4x8x32xf32>
  %3 = mha.attention %q, %k, %v mask(%m3)
      : tensor<2x4x8x32xf32>, tensor<2x4x16x32xf32>, tensor<2x4x16x32xf32>,
        tensor<2x4x8x1xi1> -> tensor<2x4x8x32xf32>
  %4 = mha.attention %q, %k, %v mask(%m01)
      : tensor<2x4x8x32xf32>, tensor<2x4x16x32xf32>, tensor<2x4x16x32xf32>,
        tensor<1x1x8x16xi1> -> tensor<2x4x8x32xf32>
  %5 = mha.attention %q, %k, %v mask(%m012)
      : tensor<2x4x8x32xf32>, tensor<2x4x16x32xf32>, tensor<2x4x16x32xf32>,
        tensor<1x1x1x16xi1> -> tensor<2x4x8x32xf32>
  %6 = mha.attention %q, %k, %v mask(%mall)
      : tensor<2x4x8x32xf32>, tensor<2x4x16x32xf32>, tensor<2x4x16x32xf32>,
        tensor<1x1x1x1xi1> -> tensor<2x4x8x32xf32>
  return
}
