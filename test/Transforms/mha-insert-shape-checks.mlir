// RUN: mha-opt %s -mha-insert-shape-checks -split-input-file | FileCheck %s

// Dynamic B, Sq and Skv: B of key and value against the query's, Skv of
// value against the key's. H, Hkv, D and Dv are static (verified).
// CHECK-LABEL: func.func @dynamic_attention
// CHECK-SAME: (%[[Q:.*]]: tensor<?x4x?x16xf32>, %[[K:.*]]: tensor<?x2x?x16xf32>, %[[V:.*]]: tensor<?x2x?x8xf32>)
// CHECK: %[[KB:.*]] = tensor.dim %[[K]], %{{.*}} : tensor<?x2x?x16xf32>
// CHECK: %[[KB64:.*]] = arith.index_cast %[[KB]] : index to i64
// CHECK: %[[QB:.*]] = tensor.dim %[[Q]], %{{.*}} : tensor<?x4x?x16xf32>
// CHECK: %[[QB64:.*]] = arith.index_cast %[[QB]] : index to i64
// CHECK: mha.check_size %[[KB64]], %[[QB64]] {expected_from = "'query' (argument 0) has", what = "dimension 0 (batch size B) of 'key' (argument 1)"}
// CHECK: mha.check_size %{{.*}}, %{{.*}} {expected_from = "'query' (argument 0) has", what = "dimension 0 (batch size B) of 'value' (argument 2)"}
// CHECK: %[[C2:.*]] = arith.constant 2 : index
// CHECK: tensor.dim %[[V]], %[[C2]]
// CHECK: mha.check_size %{{.*}}, %{{.*}} {expected_from = "'key' (argument 1) has", what = "dimension 2 (sequence length Skv) of 'value' (argument 2)"}
// CHECK-NOT: mha.check_size
// CHECK: mha.attention
func.func @dynamic_attention(%q: tensor<?x4x?x16xf32>, %k: tensor<?x2x?x16xf32>, %v: tensor<?x2x?x8xf32>) -> tensor<?x4x?x8xf32> {
  %o = mha.attention %q, %k, %v : tensor<?x4x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x8xf32> -> tensor<?x4x?x8xf32>
  return %o : tensor<?x4x?x8xf32>
}

// -----

// Static shapes: the verifier has checked everything.
// CHECK-LABEL: func.func @static_attention
// CHECK-NOT: mha.check_size
func.func @static_attention(%q: tensor<2x4x8x16xf32>, %k: tensor<2x2x8x16xf32>, %v: tensor<2x2x8x16xf32>) -> tensor<2x4x8x16xf32> {
  %o = mha.attention %q, %k, %v : tensor<2x4x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32> -> tensor<2x4x8x16xf32>
  return %o : tensor<2x4x8x16xf32>
}

// -----

// One side static: compared with a constant. A static result fixes the
// query's dynamic dims.
// CHECK-LABEL: func.func @static_side
// CHECK: %[[C2:.*]] = arith.constant 2 : i64
// CHECK: mha.check_size %{{.*}}, %[[C2]] {expected_from = "'query' (argument 0) has", what = "dimension 0 (batch size B) of 'key' (argument 1)"}
// CHECK: mha.check_size %{{.*}}, %{{.*}} {expected_from = "the result type has", what = "dimension 2 (sequence length Sq) of 'query' (argument 0)"}
// CHECK-NOT: mha.check_size
func.func @static_side(%q: tensor<2x4x?x16xf32>, %k: tensor<?x4x8x16xf32>, %v: tensor<2x4x8x16xf32>) -> tensor<2x4x5x16xf32> {
  %o = mha.attention %q, %k, %v : tensor<2x4x?x16xf32>, tensor<?x4x8x16xf32>, tensor<2x4x8x16xf32> -> tensor<2x4x5x16xf32>
  return %o : tensor<2x4x5x16xf32>
}

// -----

// Mask dims: a static 1 is broadcast (no check); a dynamic dim must equal
// the score dim ([B, H, Sq, Skv]); a static dim against a dynamic score dim
// is checked too. Operands that are not function arguments are named by
// their operand position.
// CHECK-LABEL: func.func @mask
// CHECK: mha.check_size %{{.*}}, %{{.*}} {expected_from = "'query' (argument 0) has", what = "dimension 0 (batch size B) of 'mask' (operand 3 of mha.attention)"}
// CHECK: %[[H:.*]] = arith.constant 4 : i64
// CHECK: mha.check_size %{{.*}}, %[[H]] {expected_from = "'query' (argument 0) has", what = "dimension 1 (head count H) of 'mask' (operand 3 of mha.attention)"}
// CHECK: mha.check_size %{{.*}}, %{{.*}} {expected_from = "'key' (argument 1) has", what = "dimension 3 (sequence length Skv) of 'mask' (operand 3 of mha.attention)"}
// CHECK-NOT: mha.check_size
// CHECK: mha.attention
func.func @mask(%q: tensor<?x4x?x16xf32>, %k: tensor<?x4x?x16xf32>, %v: tensor<?x4x?x16xf32>, %m0: tensor<?x?x1x9xi1>) -> tensor<?x4x?x16xf32> {
  %m = tensor.cast %m0 : tensor<?x?x1x9xi1> to tensor<?x?x1x9xi1>
  %o = mha.attention %q, %k, %v mask(%m) : tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>, tensor<?x?x1x9xi1> -> tensor<?x4x?x16xf32>
  return %o : tensor<?x4x?x16xf32>
}

// -----

// The layer: B of kv_input, a dynamic E against the weights' rows, dynamic
// bias sizes against the sizes the weights fix.
// CHECK-LABEL: func.func @layer
// CHECK: %[[E:.*]] = arith.constant 8 : i64
// CHECK: mha.check_size %{{.*}}, %[[E]] {expected_from = "E (the rows of 'wq' (argument 2)) is", what = "dimension 2 (embedding size E) of 'query_input' (argument 0)"}
// CHECK: mha.check_size %{{.*}}, %{{.*}} {expected_from = "'query_input' (argument 0) has", what = "dimension 0 (batch size B) of 'kv_input' (argument 1)"}
// CHECK: mha.check_size %{{.*}}, %{{.*}} {expected_from = "the layer's Hkv*D is", what = "dimension 0 (size) of 'bk' (argument 7)"}
// CHECK-NOT: mha.check_size
// CHECK: mha.multi_head_attention
func.func @layer(%xq: tensor<?x?x?xf32>, %xkv: tensor<?x?x8xf32>, %wq: tensor<8x8xf32>, %wk: tensor<8x4xf32>, %wv: tensor<8x4xf32>, %wo: tensor<8x8xf32>, %bq: tensor<8xf32>, %bk: tensor<?xf32>, %bv: tensor<4xf32>, %bo: tensor<8xf32>) -> tensor<?x?x8xf32> {
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo bias(%bq, %bk, %bv, %bo) {num_heads = 2 : i64, num_kv_heads = 1 : i64}
      : tensor<?x?x?xf32>, tensor<?x?x8xf32>, tensor<8x8xf32>, tensor<8x4xf32>, tensor<8x4xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<?xf32>, tensor<4xf32>, tensor<8xf32> -> tensor<?x?x8xf32>
  return %y : tensor<?x?x8xf32>
}

// -----

// Self-attention: query_input is kv_input, nothing to compare.
// CHECK-LABEL: func.func @self_attention
// CHECK-NOT: mha.check_size
func.func @self_attention(%x: tensor<?x?x8xf32>, %wq: tensor<8x8xf32>, %wk: tensor<8x8xf32>, %wv: tensor<8x8xf32>, %wo: tensor<8x8xf32>) -> tensor<?x?x8xf32> {
  %y = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo {num_heads = 2 : i64}
      : tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32> -> tensor<?x?x8xf32>
  return %y : tensor<?x?x8xf32>
}

// -----

// A static lse result fixes the query's dynamic B and Sq too.
// CHECK-LABEL: func.func @static_lse
// CHECK-COUNT-2: mha.check_size %{{.*}}, %{{.*}} {expected_from = "'query' (argument 0) has"
// CHECK: mha.check_size %{{.*}}, %{{.*}} {expected_from = "the lse result type has", what = "dimension 0 (batch size B) of 'query' (argument 0)"}
// CHECK: mha.check_size %{{.*}}, %{{.*}} {expected_from = "the lse result type has", what = "dimension 2 (sequence length Sq) of 'query' (argument 0)"}
// CHECK-NOT: mha.check_size
// CHECK: mha.attention
func.func @static_lse(%q: tensor<?x4x?x16xf32>, %k: tensor<2x4x8x16xf32>, %v: tensor<2x4x8x16xf32>) -> (tensor<?x4x?x16xf32>, tensor<2x4x5xf32>) {
  %o, %lse = mha.attention %q, %k, %v : tensor<?x4x?x16xf32>, tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32> -> tensor<?x4x?x16xf32>, tensor<2x4x5xf32>
  return %o, %lse : tensor<?x4x?x16xf32>, tensor<2x4x5xf32>
}
