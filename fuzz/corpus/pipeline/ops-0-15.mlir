func.func @attention_dynamic_mixed(%q: tensor<2x8x?x64xf32>, %k: tensor<?x8x128x64xf32>,
                                   %v: tensor<2x8x?x64xf32>, %m: tensor<?x1x?x128xi1>)
    -> tensor<?x8x16x64xf32> {
  %o = mha.attention %q, %k, %v mask(%m)
      : tensor<2x8x?x64xf32>, tensor<?x8x128x64xf32>, tensor<2x8x?x64xf32>,
        tensor<?x1x?x128xi1> -> tensor<?x8x16x64xf32>
  return %o : tensor<?x8x16x64xf32>
}
