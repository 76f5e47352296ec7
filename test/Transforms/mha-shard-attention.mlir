// RUN: mha-opt %s -mha-shard-attention="grid-size=2 axis=sequence" -split-input-file -verify-diagnostics | FileCheck %s
// RUN: mha-opt %s -mha-shard-attention="grid-size=2 axis=heads" -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=HEADS
// RUN: not mha-opt %s -mha-shard-attention="grid-size=2 axis=rows" -split-input-file 2>&1 | FileCheck %s --check-prefix=AXIS
// RUN: not mha-opt %s -mha-shard-attention="grid-size=0" -split-input-file 2>&1 | FileCheck %s --check-prefix=SIZE

// AXIS: mha-shard-attention: axis must be 'sequence' or 'heads', got 'rows'
// SIZE: mha-shard-attention: grid-size must be >= 1, got 0

// The query, key and value get the sharding of the axis; so does the result.
// CHECK: shard.grid @mha_grid(shape = 2)
// CHECK-LABEL: func.func @gqa
// CHECK-SAME: (%[[Q:.*]]: tensor<1x4x8x16xf32>, %[[K:.*]]: tensor<1x2x8x16xf32>, %[[V:.*]]: tensor<1x2x8x16xf32>)
// CHECK: %[[S:.*]] = shard.sharding @mha_grid split_axes = {{\[\[}}], [], [0]] : !shard.sharding
// CHECK: %[[QS:.*]] = shard.shard %[[Q]] to %[[S]] annotate_for_users : tensor<1x4x8x16xf32>
// CHECK: %[[KS:.*]] = shard.shard %[[K]] to %[[S]] annotate_for_users : tensor<1x2x8x16xf32>
// CHECK: %[[VS:.*]] = shard.shard %[[V]] to %[[S]] annotate_for_users : tensor<1x2x8x16xf32>
// CHECK: %[[O:.*]] = mha.attention %[[QS]], %[[KS]], %[[VS]] {scale = 2.500000e-01 : f32}
// CHECK: %[[OS:.*]] = shard.shard %[[O]] to %[[S]] : tensor<1x4x8x16xf32>
// CHECK: return %[[OS]]
// HEADS: shard.sharding @mha_grid split_axes = {{\[\[}}], [0]] : !shard.sharding
func.func @gqa(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x4x8x16xf32> {
  %o = mha.attention %q, %k, %v {scale = 0.25 : f32} : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

// A sequence length that does not divide is refused, naming the sizes (a
// head count of 3 as well, for axis=heads).
func.func @uneven(%q: tensor<1x3x6x16xf32>, %k: tensor<1x3x7x16xf32>, %v: tensor<1x3x7x16xf32>) -> tensor<1x3x6x16xf32> {
  // expected-error @+1 {{mha-shard-attention: the}}
  %o = mha.attention %q, %k, %v : tensor<1x3x6x16xf32>, tensor<1x3x7x16xf32>, tensor<1x3x7x16xf32> -> tensor<1x3x6x16xf32>
  return %o : tensor<1x3x6x16xf32>
}

// -----

// A mask is split with the queries' rows (the sharding of the query), or
// replicated when broadcast along the split axis (the heads here); sinks are
// replicated by the sequence and split by the heads; an lse result gets the
// sharding of the result.
// CHECK-LABEL: func.func @masked
// CHECK: %[[S:.*]] = shard.sharding @mha_grid split_axes = {{\[\[}}], [], [0]] : !shard.sharding
// CHECK: %[[R:.*]] = shard.sharding @mha_grid split_axes = [] : !shard.sharding
// CHECK: %[[MS:.*]] = shard.shard %{{.*}} to %[[S]] annotate_for_users : tensor<1x1x8x8xi1>
// CHECK: %[[SS:.*]] = shard.shard %{{.*}} to %[[R]] annotate_for_users : tensor<2xf32>
// CHECK: %[[O:.*]], %[[LSE:.*]] = mha.attention {{.*}} mask(%[[MS]]) sinks(%[[SS]] : tensor<2xf32>)
// CHECK: shard.shard %[[O]] to %[[S]] : tensor<1x2x8x16xf32>
// CHECK: shard.shard %[[LSE]] to %[[S]] : tensor<1x2x8xf32>
// HEADS-LABEL: func.func @masked
// HEADS: %[[S:.*]] = shard.sharding @mha_grid split_axes = {{\[\[}}], [0]] : !shard.sharding
// HEADS: %[[R:.*]] = shard.sharding @mha_grid split_axes = [] : !shard.sharding
// HEADS: %[[H:.*]] = shard.sharding @mha_grid split_axes = {{\[\[}}0]] : !shard.sharding
// HEADS: shard.shard %{{.*}} to %[[R]] annotate_for_users : tensor<1x1x8x8xi1>
// HEADS: shard.shard %{{.*}} to %[[H]] annotate_for_users : tensor<2xf32>
func.func @masked(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %m: tensor<1x1x8x8xi1>, %s: tensor<2xf32>) -> (tensor<1x2x8x16xf32>, tensor<1x2x8xf32>) {
  %o, %lse = mha.attention %q, %k, %v mask(%m) sinks(%s : tensor<2xf32>) : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x1x8x8xi1> -> tensor<1x2x8x16xf32>, tensor<1x2x8xf32>
  return %o, %lse : tensor<1x2x8x16xf32>, tensor<1x2x8xf32>
}

// -----

// A dynamic sequence length is refused (the head count 3 too, for heads).
func.func @dynamic(%q: tensor<1x3x?x16xf32>, %k: tensor<1x3x8x16xf32>, %v: tensor<1x3x8x16xf32>) -> tensor<1x3x?x16xf32> {
  // expected-error @+1 {{mha-shard-attention: the query's}}
  %o = mha.attention %q, %k, %v : tensor<1x3x?x16xf32>, tensor<1x3x8x16xf32>, tensor<1x3x8x16xf32> -> tensor<1x3x?x16xf32>
  return %o : tensor<1x3x?x16xf32>
}

// -----

// Decode (Sq = 1): the query and the result stay replicated; the keys and
// values are split.
// CHECK-LABEL: func.func @decode
// CHECK-DAG: %[[S:.*]] = shard.sharding @mha_grid split_axes = {{\[\[}}], [], [0]] : !shard.sharding
// CHECK-DAG: %[[R:.*]] = shard.sharding @mha_grid split_axes = [] : !shard.sharding
// CHECK: shard.shard %{{.*}} to %[[R]] annotate_for_users : tensor<1x4x1x16xf32>
// CHECK: shard.shard %{{.*}} to %[[S]] annotate_for_users : tensor<1x2x8x16xf32>
// CHECK: shard.shard %{{.*}} to %[[S]] annotate_for_users : tensor<1x2x8x16xf32>
// CHECK: shard.shard %{{.*}} to %[[R]] : tensor<1x4x1x16xf32>
func.func @decode(%q: tensor<1x4x1x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x4x1x16xf32> {
  %o = mha.attention %q, %k, %v : tensor<1x4x1x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x4x1x16xf32>
  return %o : tensor<1x4x1x16xf32>
}

// -----

// Causal by the sequence: the zig-zag layout needs Sq = Skv divisible by
// 2 * grid-size (for heads, any causal attention splits).
// CHECK-LABEL: func.func @causal
// CHECK: mha.attention {{.*}} {causal}
// HEADS-LABEL: func.func @causal
func.func @causal(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  %o = mha.attention %q, %k, %v {causal} : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

// -----

// A mask must be an argument of the function (each rank takes its part).
func.func @computed_mask(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %m: tensor<1x1x8x8xi1>) -> tensor<1x2x8x16xf32> {
  %n = arith.xori %m, %m : tensor<1x1x8x8xi1>
  // expected-error @+1 {{mha-shard-attention: the mask must be an argument of the function}}
  %o = mha.attention %q, %k, %v mask(%n) : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x1x8x8xi1> -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}
