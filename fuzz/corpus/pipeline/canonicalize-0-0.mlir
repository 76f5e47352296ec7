func.func @all_true_mask(%q: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %m = arith.constant dense<true> : tensor<1x1x4x4xi1>
  %o = mha.attention %q, %q, %q mask(%m) {causal} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x1x4x4xi1> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}
