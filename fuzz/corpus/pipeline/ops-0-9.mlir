func.func @attention_mask_bf16(%q: tensor<1x2x4x8xbf16>, %k: tensor<1x2x4x8xbf16>,
                               %v: tensor<1x2x4x8xbf16>, %m: tensor<1x1x4x4xbf16>)
    -> tensor<1x2x4x8xbf16> {
  %o = mha.attention %q, %k, %v mask(%m)
      : tensor<1x2x4x8xbf16>, tensor<1x2x4x8xbf16>, tensor<1x2x4x8xbf16>,
        tensor<1x1x4x4xbf16> -> tensor<1x2x4x8xbf16>
  return %o : tensor<1x2x4x8xbf16>
}
