// RUN: mha-opt %s -mha-shard-attention="grid-size=2 axis=heads" -split-input-file -verify-diagnostics | FileCheck %s
// RUN: not mha-opt %s -mha-shard-attention="grid-size=2 axis=sequence" -split-input-file 2>&1 | FileCheck %s --check-prefix=SEQUENCE

// The head-parallel layer (Megatron-style): the Q/K/V weights split by
// columns and their biases with them (column-parallel), W_o by rows
// (row-parallel); the inputs, the output bias, a head-broadcast mask and
// the result replicated.
// CHECK: shard.grid @mha_grid(shape = 2)
// CHECK-LABEL: func.func @layer
// CHECK-SAME: (%[[X:.*]]: tensor<1x8x16xf32>, %[[WQ:.*]]: tensor<16x16xf32>, %[[WK:.*]]: tensor<16x8xf32>, %[[WV:.*]]: tensor<16x8xf32>, %[[WO:.*]]: tensor<16x16xf32>, %[[BQ:.*]]: tensor<16xf32>, %[[BK:.*]]: tensor<8xf32>, %[[BV:.*]]: tensor<8xf32>, %[[BO:.*]]: tensor<16xf32>, %[[MASK:.*]]: tensor<1x1x8x8xi1>)
// CHECK: %[[REP:.*]] = shard.sharding @mha_grid split_axes = {{\[\[}}]] : !shard.sharding
// CHECK: %[[XQ:.*]] = shard.shard %[[X]] to %[[REP]] annotate_for_users
// CHECK: %[[XKV:.*]] = shard.shard %[[X]] to %[[REP]] annotate_for_users
// CHECK: %[[COL:.*]] = shard.sharding @mha_grid split_axes = {{\[\[}}], [0]] : !shard.sharding
// CHECK: %[[WQS:.*]] = shard.shard %[[WQ]] to %[[COL]] annotate_for_users
// CHECK: %[[WKS:.*]] = shard.shard %[[WK]] to %[[COL]] annotate_for_users
// CHECK: %[[WVS:.*]] = shard.shard %[[WV]] to %[[COL]] annotate_for_users
// CHECK: %[[ROW:.*]] = shard.sharding @mha_grid split_axes = {{\[\[}}0]] : !shard.sharding
// CHECK: %[[WOS:.*]] = shard.shard %[[WO]] to %[[ROW]] annotate_for_users
// CHECK: %[[BQS:.*]] = shard.shard %[[BQ]] to %[[ROW]] annotate_for_users
// CHECK: %[[BKS:.*]] = shard.shard %[[BK]] to %[[ROW]] annotate_for_users
// CHECK: %[[BVS:.*]] = shard.shard %[[BV]] to %[[ROW]] annotate_for_users
// CHECK: %[[BOS:.*]] = shard.shard %[[BO]] to %[[REP]] annotate_for_users
// CHECK: %[[MS:.*]] = shard.shard %[[MASK]] to %[[REP]] annotate_for_users
// CHECK: %[[Y:.*]] = mha.multi_head_attention %[[XQ]], %[[XKV]], %[[WQS]], %[[WKS]], %[[WVS]], %[[WOS]] bias(%[[BQS]], %[[BKS]], %[[BVS]], %[[BOS]]) mask(%[[MS]]) {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64}
// CHECK: %[[YS:.*]] = shard.shard %[[Y]] to %[[REP]] : tensor<1x8x16xf32>
// CHECK: return %[[YS]]
// SEQUENCE: mha-shard-attention: a multi_head_attention layer is split by its heads (axis=heads), not by the sequence
func.func @layer(%x: tensor<1x8x16xf32>, %wq: tensor<16x16xf32>, %wk: tensor<16x8xf32>, %wv: tensor<16x8xf32>, %wo: tensor<16x16xf32>, %bq: tensor<16xf32>, %bk: tensor<8xf32>, %bv: tensor<8xf32>, %bo: tensor<16xf32>, %mask: tensor<1x1x8x8xi1>) -> tensor<1x8x16xf32> {
  %y = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo bias(%bq, %bk, %bv, %bo) mask(%mask) {num_heads = 4 : i64, num_kv_heads = 2 : i64, causal} : tensor<1x8x16xf32>, tensor<1x8x16xf32>, tensor<16x16xf32>, tensor<16x8xf32>, tensor<16x8xf32>, tensor<16x16xf32>, tensor<16xf32>, tensor<8xf32>, tensor<8xf32>, tensor<16xf32>, tensor<1x1x8x8xi1> -> tensor<1x8x16xf32>
  return %y : tensor<1x8x16xf32>
}

// -----

// A mask with one entry per head is split by its heads.
// CHECK-LABEL: func.func @head_mask
// CHECK-SAME: %[[MASK:[^:]*]]: tensor<2x4x3x5xf32>
// CHECK: %[[COL:.*]] = shard.sharding @mha_grid split_axes = {{\[\[}}], [0]] : !shard.sharding
// CHECK: shard.shard %[[MASK]] to %[[COL]] annotate_for_users : tensor<2x4x3x5xf32>
func.func @head_mask(%x: tensor<2x3x8xf32>, %m: tensor<2x5x8xf32>, %wq: tensor<8x8xf32>, %wk: tensor<8x8xf32>, %wv: tensor<8x8xf32>, %wo: tensor<8x8xf32>, %mask: tensor<2x4x3x5xf32>) -> tensor<2x3x8xf32> {
  %y = mha.multi_head_attention %x, %m, %wq, %wk, %wv, %wo mask(%mask) {num_heads = 4 : i64} : tensor<2x3x8xf32>, tensor<2x5x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>, tensor<2x4x3x5xf32> -> tensor<2x3x8xf32>
  return %y : tensor<2x3x8xf32>
}

// -----

// A replicated operand may be computed (every rank computes it whole) and
// the replicated result used further: a residual block.
// CHECK-LABEL: func.func @block
// CHECK: %[[N:.*]] = linalg.mul
// CHECK: %[[REP:.*]] = shard.sharding @mha_grid split_axes = {{\[\[}}]] : !shard.sharding
// CHECK: %[[NS:.*]] = shard.shard %[[N]] to %[[REP]] annotate_for_users
// CHECK: %[[H:.*]] = mha.multi_head_attention %[[NS]]
// CHECK: %[[HS:.*]] = shard.shard %[[H]] to %[[REP]] : tensor<1x8x16xf32>
// CHECK: linalg.add ins(%[[HS]], %{{.*}} :
func.func @block(%x: tensor<1x8x16xf32>, %w: tensor<16x16xf32>) -> tensor<1x8x16xf32> {
  %e = tensor.empty() : tensor<1x8x16xf32>
  %n = linalg.mul ins(%x, %x : tensor<1x8x16xf32>, tensor<1x8x16xf32>) outs(%e : tensor<1x8x16xf32>) -> tensor<1x8x16xf32>
  %h = mha.multi_head_attention %n, %n, %w, %w, %w, %w {num_heads = 2 : i64} : tensor<1x8x16xf32>, tensor<1x8x16xf32>, tensor<16x16xf32>, tensor<16x16xf32>, tensor<16x16xf32>, tensor<16x16xf32> -> tensor<1x8x16xf32>
  %y = linalg.add ins(%h, %x : tensor<1x8x16xf32>, tensor<1x8x16xf32>) outs(%e : tensor<1x8x16xf32>) -> tensor<1x8x16xf32>
  return %y : tensor<1x8x16xf32>
}

// -----

// GQA: a rank keeps whole KV heads, so grid-size must divide num_kv_heads.
func.func @kv_heads(%x: tensor<1x8x16xf32>, %wq: tensor<16x16xf32>, %wk: tensor<16x4xf32>, %wv: tensor<16x4xf32>, %wo: tensor<16x16xf32>) -> tensor<1x8x16xf32> {
  // expected-error @+1 {{mha-shard-attention: the layer's num_kv_heads 1 is not a multiple of grid-size 2 (a rank keeps whole KV heads with their query heads)}}
  %y = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo {num_heads = 4 : i64, num_kv_heads = 1 : i64} : tensor<1x8x16xf32>, tensor<1x8x16xf32>, tensor<16x16xf32>, tensor<16x4xf32>, tensor<16x4xf32>, tensor<16x16xf32> -> tensor<1x8x16xf32>
  return %y : tensor<1x8x16xf32>
}

// -----

func.func @heads(%x: tensor<1x8x12xf32>, %w: tensor<12x12xf32>) -> tensor<1x8x12xf32> {
  // expected-error @+1 {{mha-shard-attention: the layer's num_heads 3 is not a multiple of grid-size 2}}
  %y = mha.multi_head_attention %x, %x, %w, %w, %w, %w {num_heads = 3 : i64} : tensor<1x8x12xf32>, tensor<1x8x12xf32>, tensor<12x12xf32>, tensor<12x12xf32>, tensor<12x12xf32>, tensor<12x12xf32> -> tensor<1x8x12xf32>
  return %y : tensor<1x8x12xf32>
}

// -----

// The split operands must be arguments: the shards are what each rank is
// given.
func.func @computed(%x: tensor<1x8x16xf32>, %w: tensor<16x16xf32>) -> tensor<1x8x16xf32> {
  %wq = arith.addf %w, %w : tensor<16x16xf32>
  // expected-error @+1 {{mha-shard-attention: the layer's wq must be an argument of the function (each rank is given its shard)}}
  %y = mha.multi_head_attention %x, %x, %wq, %w, %w, %w {num_heads = 2 : i64} : tensor<1x8x16xf32>, tensor<1x8x16xf32>, tensor<16x16xf32>, tensor<16x16xf32>, tensor<16x16xf32>, tensor<16x16xf32> -> tensor<1x8x16xf32>
  return %y : tensor<1x8x16xf32>
}

// -----

// The all-reduce moves the whole result: its shape must be static.
func.func @dynamic(%x: tensor<1x?x16xf32>, %w: tensor<16x16xf32>) -> tensor<1x?x16xf32> {
  // expected-error @+1 {{mha-shard-attention: the layer's result must have a static shape to be all-reduced, got 'tensor<1x?x16xf32>'}}
  %y = mha.multi_head_attention %x, %x, %w, %w, %w, %w {num_heads = 2 : i64} : tensor<1x?x16xf32>, tensor<1x?x16xf32>, tensor<16x16xf32>, tensor<16x16xf32>, tensor<16x16xf32>, tensor<16x16xf32> -> tensor<1x?x16xf32>
  return %y : tensor<1x?x16xf32>
}
