func.func @dynamic_skv(%q: tensor<?x4x3x32xf32>, %k: tensor<?x2x?x32xf32>, %v: tensor<?x2x?x32xf32>, %m: tensor<?x1x1x?xi1>) -> tensor<?x4x3x32xf32> {
  %o = mha.attention %q, %k, %v mask(%m) : tensor<?x4x3x32xf32>, tensor<?x2x?x32xf32>, tensor<?x2x?x32xf32>, tensor<?x1x1x?xi1> -> tensor<?x4x3x32xf32>
  return %o : tensor<?x4x3x32xf32>
}
