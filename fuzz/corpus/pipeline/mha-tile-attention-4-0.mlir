func.func @float_mask_bf16(%q: tensor<2x2x20x8xbf16>, %k: tensor<2x2x30x8xbf16>,
                           %v: tensor<2x2x30x4xbf16>, %m: tensor<2x1x1x30xbf16>)
    -> tensor<2x2x20x4xbf16> {
  %o = mha.attention %q, %k, %v mask(%m)
      : tensor<2x2x20x8xbf16>, tensor<2x2x30x8xbf16>, tensor<2x2x30x4xbf16>,
        tensor<2x1x1x30xbf16> -> tensor<2x2x20x4xbf16>
  return %o : tensor<2x2x20x4xbf16>
}
