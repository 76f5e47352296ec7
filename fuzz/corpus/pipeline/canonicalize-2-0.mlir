func.func @masks_that_stay(%q: tensor<1x2x4x8xf32>, %arg: tensor<1x1x4x4xi1>) -> (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) {
  %f = arith.constant dense<false> : tensor<1x1x4x4xi1>
  %n = arith.constant dense<[[[[true, false, true, true]]]]> : tensor<1x1x1x4xi1>
  %b = arith.constant dense<1.0> : tensor<1x1x1x4xf32>
  %0 = mha.attention %q, %q, %q mask(%f) : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x1x4x4xi1> -> tensor<1x2x4x8xf32>
  %1 = mha.attention %q, %q, %q mask(%n) : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x1x1x4xi1> -> tensor<1x2x4x8xf32>
  %2 = mha.attention %q, %q, %q mask(%b) : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x1x1x4xf32> -> tensor<1x2x4x8xf32>
  %3 = mha.attention %q, %q, %q mask(%arg) : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x1x4x4xi1> -> tensor<1x2x4x8xf32>
  return %0, %1, %2, %3 : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>
}
