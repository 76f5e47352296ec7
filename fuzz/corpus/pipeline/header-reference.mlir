// fuzz: reference
func.func @main(%q: tensor<2x4x3x8xf32>, %k: tensor<2x2x5x8xf32>,
                %v: tensor<2x2x5x8xf32>, %m: tensor<2x1x3x5xf32>)
    -> tensor<2x4x3x8xf32> {
  %o = mha.attention %q, %k, %v mask(%m) {scale = 0.5 : f32}
      : tensor<2x4x3x8xf32>, tensor<2x2x5x8xf32>, tensor<2x2x5x8xf32>,
        tensor<2x1x3x5xf32> -> tensor<2x4x3x8xf32>
  return %o : tensor<2x4x3x8xf32>
}
