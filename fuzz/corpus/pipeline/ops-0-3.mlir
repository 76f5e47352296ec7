func.func @attention_scale(%q: tensor<1x2x8x64xf32>, %k: tensor<1x2x8x64xf32>,
                           %v: tensor<1x2x8x64xf32>) -> tensor<1x2x8x64xf32> {
  %o = mha.attention %q, %k, %v {scale = 0.125 : f32}
      : tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32>
      -> tensor<1x2x8x64xf32>
  return %o : tensor<1x2x8x64xf32>
}
