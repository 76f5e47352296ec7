// RUN: mha-opt %s -mha-shard-attention="grid-size=2 axis=sequence" -split-input-file -verify-diagnostics | FileCheck %s
// RUN: mha-opt %s -mha-shard-attention="grid-size=2 axis=heads" -split-input-file | FileCheck %s --check-prefix=HEADS

// Split by the sequence, a window (whose bounds would move with the blocks)
// is refused; split by the heads, it stays on the attention.
// HEADS-LABEL: func.func @window
// HEADS: mha.attention {{.*}} {window = [2, 0]}
func.func @window(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  // expected-error @+1 {{mha-shard-attention: a window on an attention split by the sequence is not supported yet (split the heads instead)}}
  %o = mha.attention %q, %k, %v {window = [2, 0]} : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

// -----

// ALiBi slopes are replicated by the sequence (mha-partition-attention
// shifts each block's lse by its positions), split with the heads.
// CHECK-LABEL: func.func @alibi
// CHECK: %[[R:.*]] = shard.sharding @mha_grid split_axes = [] : !shard.sharding
// CHECK: %[[A:.*]] = shard.shard %{{.*}} to %[[R]] annotate_for_users : tensor<2xf32>
// CHECK: mha.attention {{.*}} alibi(%[[A]] : tensor<2xf32>)
// HEADS-LABEL: func.func @alibi
// HEADS: %[[H:.*]] = shard.sharding @mha_grid split_axes = {{\[\[}}0]] : !shard.sharding
// HEADS: %[[A:.*]] = shard.shard %{{.*}} to %[[H]] annotate_for_users : tensor<2xf32>
// HEADS: mha.attention {{.*}} alibi(%[[A]] : tensor<2xf32>)
func.func @alibi(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %a: tensor<2xf32>) -> tensor<1x2x8x16xf32> {
  %o = mha.attention %q, %k, %v alibi(%a : tensor<2xf32>) : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

