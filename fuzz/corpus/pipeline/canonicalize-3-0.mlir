func.func @default_scale(%a: tensor<1x1x2x64xf32>, %b: tensor<1x1x2x16xf32>) -> (tensor<1x1x2x64xf32>, tensor<1x1x2x16xf32>) {
  %0 = mha.attention %a, %a, %a {scale = 0.125 : f32} : tensor<1x1x2x64xf32>, tensor<1x1x2x64xf32>, tensor<1x1x2x64xf32> -> tensor<1x1x2x64xf32>
  %1 = mha.attention %b, %b, %b {scale = 0.125 : f32} : tensor<1x1x2x16xf32>, tensor<1x1x2x16xf32>, tensor<1x1x2x16xf32> -> tensor<1x1x2x16xf32>
  return %0, %1 : tensor<1x1x2x64xf32>, tensor<1x1x2x16xf32>
}
