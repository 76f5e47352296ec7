// RUN: mha-opt %s -mha-shard-attention="grid-size=2 axis=sequence" -split-input-file -verify-diagnostics

// Causal attention split by the sequence uses the zig-zag layout (rank r
// holds chunks r and 2N-1-r of 2N): Sq = Skv, divisible by 2 * grid-size.
func.func @sq_ne_skv(%q: tensor<1x2x4x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x2x4x16xf32> {
  // expected-error @+1 {{mha-shard-attention: causal attention split by the sequence needs static Sq = Skv, got 4 and 8}}
  %o = mha.attention %q, %k, %v {causal} : tensor<1x2x4x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x2x4x16xf32>
  return %o : tensor<1x2x4x16xf32>
}

// -----

func.func @not_zigzag(%q: tensor<1x2x6x16xf32>, %k: tensor<1x2x6x16xf32>, %v: tensor<1x2x6x16xf32>) -> tensor<1x2x6x16xf32> {
  // expected-error @+1 {{mha-shard-attention: causal attention split by the sequence needs Sq divisible by 2 * grid-size (the zig-zag layout), got 6 and grid-size 2}}
  %o = mha.attention %q, %k, %v {causal} : tensor<1x2x6x16xf32>, tensor<1x2x6x16xf32>, tensor<1x2x6x16xf32> -> tensor<1x2x6x16xf32>
  return %o : tensor<1x2x6x16xf32>
}
