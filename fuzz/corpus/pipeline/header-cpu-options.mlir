// fuzz: cpu q-tile=16 kv-tile=8 kv-splits=2 vector-width=4
func.func @main(%q: tensor<?x4x?x16xf16>, %k: tensor<?x1x?x16xf16>,
                %v: tensor<?x1x?x16xf16>) -> tensor<?x4x?x16xf16> {
  %o = mha.attention %q, %k, %v {causal}
      : tensor<?x4x?x16xf16>, tensor<?x1x?x16xf16>, tensor<?x1x?x16xf16>
      -> tensor<?x4x?x16xf16>
  return %o : tensor<?x4x?x16xf16>
}
