func.func @attention_mask_i1_full(%q: tensor<2x4x8x32xf32>, %k: tensor<2x4x16x32xf32>,
                                  %v: tensor<2x4x16x32xf32>, %m: tensor<2x4x8x16xi1>)
    -> tensor<2x4x8x32xf32> {
  %o = mha.attention %q, %k, %v mask(%m)
      : tensor<2x4x8x32xf32>, tensor<2x4x16x32xf32>, tensor<2x4x16x32xf32>,
        tensor<2x4x8x16xi1> -> tensor<2x4x8x32xf32>
  return %o : tensor<2x4x8x32xf32>
}
