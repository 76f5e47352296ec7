// Returns its (random) arguments so `mha-run --output` writes them as .npy:
// the inputs of @dynamic_skv in ../decode.mlir.
func.func @main(%q: tensor<2x4x3x32xf32>, %k: tensor<2x2x45x32xf32>, %v: tensor<2x2x45x32xf32>, %m: tensor<2x1x1x45xi1>) -> (tensor<2x4x3x32xf32>, tensor<2x2x45x32xf32>, tensor<2x2x45x32xf32>, tensor<2x1x1x45xi1>) {
  return %q, %k, %v, %m : tensor<2x4x3x32xf32>, tensor<2x2x45x32xf32>, tensor<2x2x45x32xf32>, tensor<2x1x1x45xi1>
}
