// Returns its (random) arguments so `mha-run --output` writes them as .npy.
func.func @main(%q: tensor<1x2x7x16xf32>, %k: tensor<1x1x11x16xf32>, %v: tensor<1x1x11x16xf32>, %h: tensor<1x2x7x16xf16>, %m: tensor<1x1x1x11xi1>) -> (tensor<1x2x7x16xf32>, tensor<1x1x11x16xf32>, tensor<1x1x11x16xf32>, tensor<1x2x7x16xf16>, tensor<1x1x1x11xi1>) {
  return %q, %k, %v, %h, %m : tensor<1x2x7x16xf32>, tensor<1x1x11x16xf32>, tensor<1x1x11x16xf32>, tensor<1x2x7x16xf16>, tensor<1x1x1x11xi1>
}
