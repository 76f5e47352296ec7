// RUN: mha-opt %s -mha-shard-attention="grid-size=3 axis=sequence" -mha-partition-attention | FileCheck %s
// RUN: mha-opt %s -mha-shard-attention="grid-size=2 axis=heads" -mha-partition-attention | FileCheck %s --check-prefix=HEADS
// RUN: mha-opt %s -mha-shard-attention="grid-size=3 axis=sequence" -mha-partition-attention -split-input-file | FileCheck %s --check-prefix=DECODE

// Sequence: each rank holds 12/3 = 4 queries, keys and values. Two steps
// shift the K/V block on (issued before the step's attention) and merge by
// log-sum-exp; the last block is merged after the loop; f16 is accumulated
// in f32 and rounded once.
// CHECK-LABEL: func.func @ring
// CHECK-SAME: (%[[Q:.*]]: tensor<1x2x4x8xf16>, %[[K:.*]]: tensor<1x2x4x8xf16>, %[[V:.*]]: tensor<1x2x4x8xf16>) -> tensor<1x2x4x8xf16>
// CHECK-NOT: shard.shard
// CHECK: %[[LOOP:.*]]:4 = scf.for {{.*}} iter_args(%[[KB:.*]] = %[[K]], %[[VB:.*]] = %[[V]], %[[ACC:.*]] = %{{.*}}, %[[M:.*]] = %{{.*}}) -> (tensor<1x2x4x8xf16>, tensor<1x2x4x8xf16>, tensor<1x2x4x8xf32>, tensor<1x2x4xf32>)
// CHECK: %[[KN:.*]] = shard.shift %[[KB]] on @mha_grid grid_axes = [0] shift_axis = 0 offset = 1 rotate
// CHECK: %[[VN:.*]] = shard.shift %[[VB]] on @mha_grid grid_axes = [0] shift_axis = 0 offset = 1 rotate
// CHECK: %[[O:.*]], %[[LSE:.*]] = mha.attention %[[Q]], %[[KB]], %[[VB]] : {{.*}} -> tensor<1x2x4x8xf16>, tensor<1x2x4xf32>
// CHECK: %[[M2:.*]] = linalg.generic {{.*}} ins(%[[M]], %[[LSE]] :
// CHECK: math.log
// CHECK: %[[ACC2:.*]] = linalg.generic {{.*}} ins(%[[ACC]], %[[O]], %[[M]], %[[LSE]], %[[M2]] :
// CHECK: scf.yield %[[KN]], %[[VN]], %[[ACC2]], %[[M2]]
// CHECK: mha.attention %[[Q]], %[[LOOP]]#0, %[[LOOP]]#1
// CHECK: arith.truncf {{.*}} : f32 to f16
// DECODE-LABEL: func.func @ring
// HEADS-LABEL: func.func @ring
// HEADS-SAME: (%{{.*}}: tensor<1x1x12x8xf16>, %{{.*}}: tensor<1x1x12x8xf16>, %{{.*}}: tensor<1x1x12x8xf16>) -> tensor<1x1x12x8xf16>
// HEADS-NEXT: %[[O:.*]] = mha.attention
// HEADS-NEXT: return %[[O]]
func.func @ring(%q: tensor<1x2x12x8xf16>, %k: tensor<1x2x12x8xf16>, %v: tensor<1x2x12x8xf16>) -> tensor<1x2x12x8xf16> {
  %o = mha.attention %q, %k, %v : tensor<1x2x12x8xf16>, tensor<1x2x12x8xf16>, tensor<1x2x12x8xf16> -> tensor<1x2x12x8xf16>
  return %o : tensor<1x2x12x8xf16>
}

// -----

// Decode: the whole query attends to the local third of the keys; the
// partial results (o, lse) go around the ring and each rank merges all
// three, so the result is replicated.
// DECODE-LABEL: func.func @decode
// DECODE-SAME: (%[[Q:.*]]: tensor<1x4x1x16xf32>, %[[K:.*]]: tensor<1x2x8x16xf32>, %[[V:.*]]: tensor<1x2x8x16xf32>) -> tensor<1x4x1x16xf32>
// DECODE: %[[O:.*]], %[[LSE:.*]] = mha.attention %[[Q]], %[[K]], %[[V]]
// DECODE: %[[M:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %[[LSE]] :
// DECODE: %[[ACC:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %[[O]], %{{.*}}, %[[LSE]], %[[M]] :
// DECODE: scf.for {{.*}} iter_args(%[[OB:.*]] = %[[O]], %[[LB:.*]] = %[[LSE]], %{{.*}} = %[[ACC]], %{{.*}} = %[[M]])
// DECODE: %[[ON:.*]] = shard.shift %[[OB]] on @mha_grid
// DECODE: %[[LN:.*]] = shard.shift %[[LB]] on @mha_grid
// DECODE: scf.yield %[[ON]], %[[LN]]
func.func @decode(%q: tensor<1x4x1x16xf32>, %k: tensor<1x2x24x16xf32>, %v: tensor<1x2x24x16xf32>) -> tensor<1x4x1x16xf32> {
  %o = mha.attention %q, %k, %v : tensor<1x4x1x16xf32>, tensor<1x2x24x16xf32>, tensor<1x2x24x16xf32> -> tensor<1x4x1x16xf32>
  return %o : tensor<1x4x1x16xf32>
}

// -----

// Causal: the zig-zag layout (rank r holds chunks r and 5-r of 6). Each of
// the four (query chunk, key chunk) pairs of a step is, by the global chunk
// numbers, fully visible (plain attention), diagonal (causal) or masked
// (skipped: zeros and -inf merge as nothing).
// DECODE-LABEL: func.func @causal
// DECODE-SAME: attributes {mha.zigzag}
// DECODE: %[[RANK:.*]] = shard.process_linear_index on @mha_grid : index
// DECODE: %[[Q1:.*]] = arith.subi %c5, %[[RANK]] : index
// DECODE: scf.for
// DECODE: shard.shift
// DECODE: shard.shift
// DECODE: %[[BEFORE:.*]] = arith.cmpi ult
// DECODE: %[[DIAG:.*]] = arith.cmpi eq
// DECODE: scf.if %[[BEFORE]]
// DECODE: mha.attention {{.*}} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>, tensor<1x2x4xf32>
// DECODE: scf.if %[[DIAG]]
// DECODE: mha.attention {{.*}} {causal}
// DECODE: linalg.fill
// DECODE: tensor.insert_slice
// DECODE: tensor.insert_slice
func.func @causal(%q: tensor<1x2x24x8xf32>, %k: tensor<1x2x24x8xf32>, %v: tensor<1x2x24x8xf32>) -> tensor<1x2x24x8xf32> {
  %o = mha.attention %q, %k, %v {causal} : tensor<1x2x24x8xf32>, tensor<1x2x24x8xf32>, tensor<1x2x24x8xf32> -> tensor<1x2x24x8xf32>
  return %o : tensor<1x2x24x8xf32>
}

// -----

// A mask keeps every key column on each rank: step t slices the columns of
// the block it attends to, that of rank (rank - t) mod 3, 3 columns each.
// Sinks scale the merged result once; the lse result is the merged lse.
// DECODE-LABEL: func.func @masked
// DECODE-SAME: (%[[Q:.*]]: tensor<1x2x2x8xf32>, %[[K:.*]]: tensor<1x2x3x8xf32>, %[[V:.*]]: tensor<1x2x3x8xf32>, %[[M:.*]]: tensor<1x1x2x9xi1>, %[[S:.*]]: tensor<2xf32>) -> (tensor<1x2x2x8xf32>, tensor<1x2x2xf32>)
// DECODE: %[[RANK:.*]] = shard.process_linear_index on @mha_grid : index
// DECODE: scf.for %[[T:.*]] = {{.*}} iter_args(%[[KB:.*]] = %[[K]], %[[VB:.*]] = %[[V]],
// DECODE: %[[SUM:.*]] = arith.addi %[[RANK]], %c3
// DECODE: %[[SRC:.*]] = arith.remui {{.*}}, %c3
// DECODE: %[[COL:.*]] = arith.muli %[[SRC]], %c3
// DECODE: %[[MB:.*]] = tensor.extract_slice %[[M]][0, 0, 0, %[[COL]]] [1, 1, 2, 3] [1, 1, 1, 1]
// DECODE: mha.attention %[[Q]], %[[KB]], %[[VB]] mask(%[[MB]]) {softcap = 3.000000e+00 : f32}
// DECODE: scf.yield
// DECODE: %[[LAST:.*]] = tensor.extract_slice %[[M]]
// DECODE: mha.attention %[[Q]], %{{.*}}, %{{.*}} mask(%[[LAST]])
// DECODE: %[[LSE:.*]] = linalg.generic
// DECODE: %[[ACC:.*]] = linalg.generic
// DECODE: %[[O:.*]] = linalg.generic {{.*}} ins(%[[ACC]], %[[LSE]], %[[S]] :
// DECODE: math.exp
// DECODE: arith.divf
// DECODE: return %[[O]], %[[LSE]]
func.func @masked(%q: tensor<1x2x6x8xf32>, %k: tensor<1x2x9x8xf32>, %v: tensor<1x2x9x8xf32>, %m: tensor<1x1x6x9xi1>, %s: tensor<2xf32>) -> (tensor<1x2x6x8xf32>, tensor<1x2x6xf32>) {
  %o, %lse = mha.attention %q, %k, %v mask(%m) sinks(%s : tensor<2xf32>) {softcap = 3.0 : f32} : tensor<1x2x6x8xf32>, tensor<1x2x9x8xf32>, tensor<1x2x9x8xf32>, tensor<1x1x6x9xi1> -> tensor<1x2x6x8xf32>, tensor<1x2x6xf32>
  return %o, %lse : tensor<1x2x6x8xf32>, tensor<1x2x6xf32>
}

// -----

// ALiBi: the block attends with the slopes as they are, in its own
// positions; its lse is shifted by slope * offset, the offset between the
// block's positions and the global ones: keys from source * 3, queries from
// rank * 2, plus (3 - 2) - (9 - 6) = -2.
// DECODE-LABEL: func.func @alibi
// DECODE: %[[RANK:.*]] = shard.process_linear_index on @mha_grid : index
// DECODE: scf.for
// DECODE: %[[O:.*]], %[[LSE:.*]] = mha.attention {{.*}} alibi(%[[A:.*]] : tensor<2xf32>)
// DECODE: %[[SRC:.*]] = arith.remui
// DECODE: %[[KEYS:.*]] = arith.muli %[[SRC]], %c3
// DECODE: %[[QUERIES:.*]] = arith.muli %[[RANK]], %c2
// DECODE: %[[D:.*]] = arith.subi %[[KEYS]], %[[QUERIES]]
// DECODE: %[[OFF:.*]] = arith.addi %[[D]], %c-2
// DECODE: %[[I:.*]] = arith.index_cast %[[OFF]] : index to i64
// DECODE: %[[F:.*]] = arith.sitofp %[[I]] : i64 to f32
// DECODE: linalg.generic {{.*}} ins(%[[LSE]], %[[A]] : tensor<1x2x2xf32>, tensor<2xf32>)
// DECODE: arith.mulf %{{.*}}, %[[F]]
func.func @alibi(%q: tensor<1x2x6x8xf32>, %k: tensor<1x2x9x8xf32>, %v: tensor<1x2x9x8xf32>, %a: tensor<2xf32>) -> tensor<1x2x6x8xf32> {
  %o = mha.attention %q, %k, %v alibi(%a : tensor<2xf32>) : tensor<1x2x6x8xf32>, tensor<1x2x9x8xf32>, tensor<1x2x9x8xf32> -> tensor<1x2x6x8xf32>
  return %o : tensor<1x2x6x8xf32>
}
