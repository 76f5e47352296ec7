func.func @dynamic_mqa_i1_mask_bf16(%q: tensor<?x4x?x8xbf16>, %k: tensor<?x1x?x8xbf16>, %v: tensor<?x1x?x16xbf16>, %m: tensor<1x4x1x?xi1>) -> tensor<?x4x?x16xbf16> {
  %o = mha.attention %q, %k, %v mask(%m) {causal, scale = 5.000000e-01 : f32} : tensor<?x4x?x8xbf16>, tensor<?x1x?x8xbf16>, tensor<?x1x?x16xbf16>, tensor<1x4x1x?xi1> -> tensor<?x4x?x16xbf16>
  return %o : tensor<?x4x?x16xbf16>
}
