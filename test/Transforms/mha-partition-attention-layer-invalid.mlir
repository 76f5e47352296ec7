// RUN: mha-opt %s -mha-partition-attention -split-input-file -verify-diagnostics

// Annotations other than the Megatron split of mha-shard-attention are
// refused, naming the operand and the split it needs.
shard.grid @g(shape = 2)
func.func @row_wq(%x: tensor<1x8x16xf32>, %wq: tensor<16x16xf32>, %w: tensor<16x16xf32>) -> tensor<1x8x16xf32> {
  %rep = shard.sharding @g split_axes = [[]] : !shard.sharding
  %col = shard.sharding @g split_axes = [[], [0]] : !shard.sharding
  %row = shard.sharding @g split_axes = [[0]] : !shard.sharding
  %xs = shard.shard %x to %rep annotate_for_users : tensor<1x8x16xf32>
  %wqs = shard.shard %wq to %row annotate_for_users : tensor<16x16xf32>
  %wks = shard.shard %w to %col annotate_for_users : tensor<16x16xf32>
  %wos = shard.shard %w to %row annotate_for_users : tensor<16x16xf32>
  // expected-error @+1 {{mha-partition-attention: the wq of a layer split by its heads must be split along dimension 1 (column-parallel)}}
  %y = mha.multi_head_attention %xs, %xs, %wqs, %wks, %wks, %wos {num_heads = 2 : i64} : tensor<1x8x16xf32>, tensor<1x8x16xf32>, tensor<16x16xf32>, tensor<16x16xf32>, tensor<16x16xf32>, tensor<16x16xf32> -> tensor<1x8x16xf32>
  %ys = shard.shard %y to %rep : tensor<1x8x16xf32>
  return %ys : tensor<1x8x16xf32>
}

// -----

// A result that is not replicated (the all-reduce makes it whole).
shard.grid @g(shape = 2)
func.func @split_result(%x: tensor<1x8x16xf32>, %wq: tensor<16x16xf32>, %wo: tensor<16x16xf32>) -> tensor<1x8x16xf32> {
  %rep = shard.sharding @g split_axes = [[]] : !shard.sharding
  %col = shard.sharding @g split_axes = [[], [0]] : !shard.sharding
  %row = shard.sharding @g split_axes = [[0]] : !shard.sharding
  %xs = shard.shard %x to %rep annotate_for_users : tensor<1x8x16xf32>
  %wqs = shard.shard %wq to %col annotate_for_users : tensor<16x16xf32>
  %wos = shard.shard %wo to %row annotate_for_users : tensor<16x16xf32>
  // expected-error @+1 {{mha-partition-attention: the layer's result must be annotated replicated}}
  %y = mha.multi_head_attention %xs, %xs, %wqs, %wqs, %wqs, %wos {num_heads = 2 : i64} : tensor<1x8x16xf32>, tensor<1x8x16xf32>, tensor<16x16xf32>, tensor<16x16xf32>, tensor<16x16xf32>, tensor<16x16xf32> -> tensor<1x8x16xf32>
  %ys = shard.shard %y to %row : tensor<1x8x16xf32>
  return %ys : tensor<1x8x16xf32>
}

// -----

// An operand without annotation: the rank would not know its shard.
shard.grid @g(shape = 2)
func.func @unannotated(%x: tensor<1x8x16xf32>, %wq: tensor<16x16xf32>, %wo: tensor<16x16xf32>) -> tensor<1x8x16xf32> {
  %rep = shard.sharding @g split_axes = [[]] : !shard.sharding
  %col = shard.sharding @g split_axes = [[], [0]] : !shard.sharding
  %xs = shard.shard %x to %rep annotate_for_users : tensor<1x8x16xf32>
  %wqs = shard.shard %wq to %col annotate_for_users : tensor<16x16xf32>
  // expected-error @+1 {{mha-partition-attention: the layer's wo must be annotated}}
  %y = mha.multi_head_attention %xs, %xs, %wqs, %wqs, %wqs, %wo {num_heads = 2 : i64} : tensor<1x8x16xf32>, tensor<1x8x16xf32>, tensor<16x16xf32>, tensor<16x16xf32>, tensor<16x16xf32>, tensor<16x16xf32> -> tensor<1x8x16xf32>
  %ys = shard.shard %y to %rep : tensor<1x8x16xf32>
  return %ys : tensor<1x8x16xf32>
}

// -----

// An argument the rank gets a shard of cannot be used elsewhere whole.
shard.grid @g(shape = 2)
func.func @other_use(%x: tensor<1x8x16xf32>, %wq: tensor<16x16xf32>, %wo: tensor<16x16xf32>) -> (tensor<1x8x16xf32>, tensor<16x16xf32>) {
  %rep = shard.sharding @g split_axes = [[]] : !shard.sharding
  %col = shard.sharding @g split_axes = [[], [0]] : !shard.sharding
  %row = shard.sharding @g split_axes = [[0]] : !shard.sharding
  %xs = shard.shard %x to %rep annotate_for_users : tensor<1x8x16xf32>
  %wqs = shard.shard %wq to %col annotate_for_users : tensor<16x16xf32>
  %wos = shard.shard %wo to %row annotate_for_users : tensor<16x16xf32>
  // expected-error @+1 {{mha-partition-attention: argument #1 has uses besides its annotation}}
  %y = mha.multi_head_attention %xs, %xs, %wqs, %wqs, %wqs, %wos {num_heads = 2 : i64} : tensor<1x8x16xf32>, tensor<1x8x16xf32>, tensor<16x16xf32>, tensor<16x16xf32>, tensor<16x16xf32>, tensor<16x16xf32> -> tensor<1x8x16xf32>
  %ys = shard.shard %y to %rep : tensor<1x8x16xf32>
  return %ys, %wq : tensor<1x8x16xf32>, tensor<16x16xf32>
}

// -----

// Two layers sharing a weight: the first would shrink the argument the
// second splits again.
shard.grid @g(shape = 2)
func.func @shared(%x: tensor<1x8x16xf32>, %w: tensor<16x16xf32>) -> tensor<1x8x16xf32> {
  %rep = shard.sharding @g split_axes = [[]] : !shard.sharding
  %col = shard.sharding @g split_axes = [[], [0]] : !shard.sharding
  %row = shard.sharding @g split_axes = [[0]] : !shard.sharding
  %xs = shard.shard %x to %rep annotate_for_users : tensor<1x8x16xf32>
  %wc = shard.shard %w to %col annotate_for_users : tensor<16x16xf32>
  %wr = shard.shard %w to %row annotate_for_users : tensor<16x16xf32>
  // expected-error @+1 {{mha-partition-attention: argument #1 has uses besides its annotation}}
  %y = mha.multi_head_attention %xs, %xs, %wc, %wc, %wc, %wr {num_heads = 2 : i64} : tensor<1x8x16xf32>, tensor<1x8x16xf32>, tensor<16x16xf32>, tensor<16x16xf32>, tensor<16x16xf32>, tensor<16x16xf32> -> tensor<1x8x16xf32>
  %ys = shard.shard %y to %rep : tensor<1x8x16xf32>
  %wc2 = shard.shard %w to %col annotate_for_users : tensor<16x16xf32>
  %wr2 = shard.shard %w to %row annotate_for_users : tensor<16x16xf32>
  %ys2 = shard.shard %ys to %rep annotate_for_users : tensor<1x8x16xf32>
  %z = mha.multi_head_attention %ys2, %ys2, %wc2, %wc2, %wc2, %wr2 {num_heads = 2 : i64} : tensor<1x8x16xf32>, tensor<1x8x16xf32>, tensor<16x16xf32>, tensor<16x16xf32>, tensor<16x16xf32>, tensor<16x16xf32> -> tensor<1x8x16xf32>
  %zs = shard.shard %z to %rep : tensor<1x8x16xf32>
  return %zs : tensor<1x8x16xf32>
}
