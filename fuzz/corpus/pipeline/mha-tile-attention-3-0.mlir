func.func @dynamic_bool_mask(%q: tensor<?x4x?x8xf32>, %k: tensor<?x1x?x8xf32>,
                             %v: tensor<?x1x?x8xf32>, %m: tensor<1x4x?x1xi1>)
    -> tensor<?x4x?x8xf32> {
  %o = mha.attention %q, %k, %v mask(%m) {causal, scale = 0.5 : f32}
      : tensor<?x4x?x8xf32>, tensor<?x1x?x8xf32>, tensor<?x1x?x8xf32>,
        tensor<1x4x?x1xi1> -> tensor<?x4x?x8xf32>
  return %o : tensor<?x4x?x8xf32>
}
