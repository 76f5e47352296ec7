func.func @long_query(%q: tensor<1x2x17x32xf32>, %k: tensor<1x2x100x32xf32>, %v: tensor<1x2x100x32xf32>, %qd: tensor<1x2x?x32xf32>) -> (tensor<1x2x17x32xf32>, tensor<1x2x?x32xf32>) {
  %o = mha.attention %q, %k, %v : tensor<1x2x17x32xf32>, tensor<1x2x100x32xf32>, tensor<1x2x100x32xf32> -> tensor<1x2x17x32xf32>
  %d = mha.attention %qd, %k, %v : tensor<1x2x?x32xf32>, tensor<1x2x100x32xf32>, tensor<1x2x100x32xf32> -> tensor<1x2x?x32xf32>
  return %o, %d : tensor<1x2x17x32xf32>, tensor<1x2x?x32xf32>
}
