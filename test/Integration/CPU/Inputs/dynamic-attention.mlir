// Attentions whose batch and sequence lengths are dynamic: the compiled code
// checks at entry that the arguments' sizes agree (mha-insert-shape-checks).
func.func @dyn(%q: tensor<?x4x?x16xf32>, %k: tensor<?x2x?x16xf32>, %v: tensor<?x2x?x16xf32>) -> tensor<?x4x?x16xf32> {
  %o = mha.attention %q, %k, %v : tensor<?x4x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32> -> tensor<?x4x?x16xf32>
  return %o : tensor<?x4x?x16xf32>
}

func.func @masked(%q: tensor<?x4x?x16xf32>, %k: tensor<?x2x?x16xf32>, %v: tensor<?x2x?x16xf32>, %m: tensor<?x1x?x?xi1>) -> tensor<?x4x?x16xf32> {
  %o = mha.attention %q, %k, %v mask(%m) : tensor<?x4x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x1x?x?xi1> -> tensor<?x4x?x16xf32>
  return %o : tensor<?x4x?x16xf32>
}

func.func @layer(%xq: tensor<?x?x?xf32>, %xkv: tensor<?x?x?xf32>, %wq: tensor<8x8xf32>, %wk: tensor<8x4xf32>, %wv: tensor<8x4xf32>, %wo: tensor<8x8xf32>) -> tensor<?x?x8xf32> {
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo {num_heads = 2 : i64, num_kv_heads = 1 : i64}
      : tensor<?x?x?xf32>, tensor<?x?x?xf32>, tensor<8x8xf32>, tensor<8x4xf32>, tensor<8x4xf32>, tensor<8x8xf32> -> tensor<?x?x8xf32>
  return %y : tensor<?x?x8xf32>
}
