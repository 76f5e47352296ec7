func.func @main(%q: tensor<1x32x1x128xf32>, %k_cache: tensor<1x8x1024x128xf32>,
                %v_cache: tensor<1x8x1024x128xf32>, %valid: tensor<1x1x1x1024xi1>)
    -> tensor<1x32x1x128xf32> {
  %o = mha.attention %q, %k_cache, %v_cache mask(%valid)
      : tensor<1x32x1x128xf32>, tensor<1x8x1024x128xf32>,
        tensor<1x8x1024x128xf32>, tensor<1x1x1x1024xi1>
      -> tensor<1x32x1x128xf32>
  return %o : tensor<1x32x1x128xf32>
}
