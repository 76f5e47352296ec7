func.func @att_mask_element_int(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %m: tensor<1x1x8x8xi8>) -> tensor<1x4x8x16xf32> {
  %o = mha.attention %q, %k, %v mask(%m) : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x1x8x8xi8> -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}
