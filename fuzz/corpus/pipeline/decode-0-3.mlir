func.func @f16_dv_ne_d(%q: tensor<3x4x1x24xf16>, %k: tensor<3x1x200x24xf16>, %v: tensor<3x1x200x40xf16>, %m: tensor<3x1x1x200xi1>) -> tensor<3x4x1x40xf16> {
  %o = mha.attention %q, %k, %v mask(%m) : tensor<3x4x1x24xf16>, tensor<3x1x200x24xf16>, tensor<3x1x200x40xf16>, tensor<3x1x1x200xi1> -> tensor<3x4x1x40xf16>
  return %o : tensor<3x4x1x40xf16>
}
