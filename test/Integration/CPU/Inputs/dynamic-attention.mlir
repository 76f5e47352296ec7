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
