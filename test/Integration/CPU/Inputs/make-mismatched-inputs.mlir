// Returns its (random) arguments so `mha-run --output` writes them as .npy:
// inputs for Inputs/dynamic-attention.mlir whose sizes agree or disagree.
func.func @main(%q: tensor<2x4x6x16xf32>, %k: tensor<2x2x9x16xf32>, %v: tensor<2x2x9x16xf32>,
                %k1: tensor<1x2x9x16xf32>, %v8: tensor<2x2x8x16xf32>,
                %m: tensor<2x1x6x9xi1>, %m5: tensor<2x1x5x9xi1>)
    -> (tensor<2x4x6x16xf32>, tensor<2x2x9x16xf32>, tensor<2x2x9x16xf32>, tensor<1x2x9x16xf32>,
        tensor<2x2x8x16xf32>, tensor<2x1x6x9xi1>, tensor<2x1x5x9xi1>) {
  return %q, %k, %v, %k1, %v8, %m, %m5 : tensor<2x4x6x16xf32>, tensor<2x2x9x16xf32>, tensor<2x2x9x16xf32>,
      tensor<1x2x9x16xf32>, tensor<2x2x8x16xf32>, tensor<2x1x6x9xi1>, tensor<2x1x5x9xi1>
}
