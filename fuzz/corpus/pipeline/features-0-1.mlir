func.func @mqa_i1_mask(%q: tensor<1x4x9x64xf32>, %k: tensor<1x1x31x64xf32>, %v: tensor<1x1x31x64xf32>, %m: tensor<1x1x9x31xi1>) -> tensor<1x4x9x64xf32> {
  %o = mha.attention %q, %k, %v mask(%m) : tensor<1x4x9x64xf32>, tensor<1x1x31x64xf32>, tensor<1x1x31x64xf32>, tensor<1x1x9x31xi1> -> tensor<1x4x9x64xf32>
  return %o : tensor<1x4x9x64xf32>
}
