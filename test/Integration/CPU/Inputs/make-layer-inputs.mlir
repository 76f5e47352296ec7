// Returns its (random) arguments so `mha-run --output` writes them as .npy:
// inputs for @layer of Inputs/dynamic-attention.mlir, with a kv_input of
// another batch size and one of another embedding size.
func.func @main(%xq: tensor<2x5x8xf32>, %xkv1: tensor<1x7x8xf32>, %xkv6: tensor<2x7x6xf32>,
                %wq: tensor<8x8xf32>, %wk: tensor<8x4xf32>, %wv: tensor<8x4xf32>, %wo: tensor<8x8xf32>)
    -> (tensor<2x5x8xf32>, tensor<1x7x8xf32>, tensor<2x7x6xf32>, tensor<8x8xf32>, tensor<8x4xf32>,
        tensor<8x4xf32>, tensor<8x8xf32>) {
  return %xq, %xkv1, %xkv6, %wq, %wk, %wv, %wo : tensor<2x5x8xf32>, tensor<1x7x8xf32>, tensor<2x7x6xf32>,
      tensor<8x8xf32>, tensor<8x4xf32>, tensor<8x4xf32>, tensor<8x8xf32>
}
