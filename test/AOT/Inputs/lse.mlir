// mha.attention with its log-sum-exp and a broadcast float mask: a single
// [1, 1, 1, 1] value added to every score, which shifts the lse by that
// value and leaves the output as it is (softmax ignores a common shift).
func.func @lse(%q: tensor<1x2x5x8xf32>, %k: tensor<1x2x7x8xf32>, %v: tensor<1x2x7x8xf32>, %m: tensor<1x1x1x1xf32>) -> (tensor<1x2x5x8xf32>, tensor<1x2x5xf32>) {
  %o, %lse = mha.attention %q, %k, %v mask(%m) : tensor<1x2x5x8xf32>, tensor<1x2x7x8xf32>, tensor<1x2x7x8xf32>, tensor<1x1x1x1xf32> -> tensor<1x2x5x8xf32>, tensor<1x2x5xf32>
  return %o, %lse : tensor<1x2x5x8xf32>, tensor<1x2x5xf32>
}
