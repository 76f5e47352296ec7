// RUN: mha-opt %s -canonicalize -split-input-file | FileCheck %s

// A splat-true i1 mask keeps every score: dropped, and the constant dies.
// CHECK-LABEL: func.func @all_true_mask
// CHECK-NOT:     arith.constant
// CHECK:         %[[O:.+]] = mha.attention %{{.+}}, %{{.+}}, %{{.+}} {causal} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
// CHECK-NEXT:    return %[[O]]
func.func @all_true_mask(%q: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %m = arith.constant dense<true> : tensor<1x1x4x4xi1>
  %o = mha.attention %q, %q, %q mask(%m) {causal} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x1x4x4xi1> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// A splat-zero additive mask (also -0.0) is dropped.
// CHECK-LABEL: func.func @zero_float_mask
// CHECK:         mha.attention %{{.+}}, %{{.+}}, %{{.+}} : tensor<1x2x4x8xf16>
// CHECK-NOT:     mask(
func.func @zero_float_mask(%q: tensor<1x2x4x8xf16>) -> tensor<1x2x4x8xf16> {
  %m = arith.constant dense<-0.0> : tensor<1x1x1x4xf16>
  %o = mha.attention %q, %q, %q mask(%m) : tensor<1x2x4x8xf16>, tensor<1x2x4x8xf16>, tensor<1x2x4x8xf16>, tensor<1x1x1x4xf16> -> tensor<1x2x4x8xf16>
  return %o : tensor<1x2x4x8xf16>
}

// -----

// Masks that hide something stay: a splat false (every row empty), a
// non-splat constant, a non-zero bias, and a mask argument.
// CHECK-LABEL: func.func @masks_that_stay
// CHECK-COUNT-4: mha.attention {{.*}} mask(
func.func @masks_that_stay(%q: tensor<1x2x4x8xf32>, %arg: tensor<1x1x4x4xi1>) -> (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) {
  %f = arith.constant dense<false> : tensor<1x1x4x4xi1>
  %n = arith.constant dense<[[[[true, false, true, true]]]]> : tensor<1x1x1x4xi1>
  %b = arith.constant dense<1.0> : tensor<1x1x1x4xf32>
  %0 = mha.attention %q, %q, %q mask(%f) : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x1x4x4xi1> -> tensor<1x2x4x8xf32>
  %1 = mha.attention %q, %q, %q mask(%n) : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x1x1x4xi1> -> tensor<1x2x4x8xf32>
  %2 = mha.attention %q, %q, %q mask(%b) : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x1x1x4xf32> -> tensor<1x2x4x8xf32>
  %3 = mha.attention %q, %q, %q mask(%arg) : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x1x4x4xi1> -> tensor<1x2x4x8xf32>
  return %0, %1, %2, %3 : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>
}

// -----

// scale = 1/sqrt(64) is the default and is dropped; another scale stays.
// CHECK-LABEL: func.func @default_scale
// CHECK:         mha.attention %{{.+}}, %{{.+}}, %{{.+}} : tensor<1x1x2x64xf32>
// CHECK:         mha.attention %{{.+}}, %{{.+}}, %{{.+}} {scale = 1.250000e-01 : f32} : tensor<1x1x2x16xf32>
func.func @default_scale(%a: tensor<1x1x2x64xf32>, %b: tensor<1x1x2x16xf32>) -> (tensor<1x1x2x64xf32>, tensor<1x1x2x16xf32>) {
  %0 = mha.attention %a, %a, %a {scale = 0.125 : f32} : tensor<1x1x2x64xf32>, tensor<1x1x2x64xf32>, tensor<1x1x2x64xf32> -> tensor<1x1x2x64xf32>
  %1 = mha.attention %b, %b, %b {scale = 0.125 : f32} : tensor<1x1x2x16xf32>, tensor<1x1x2x16xf32>, tensor<1x1x2x16xf32> -> tensor<1x1x2x16xf32>
  return %0, %1 : tensor<1x1x2x64xf32>, tensor<1x1x2x16xf32>
}

// -----

// On the layer: num_kv_heads = num_heads, the default scale (D = 16) and an
// all-true mask are dropped; the operand segments stay consistent.
// CHECK-LABEL: func.func @layer_defaults
// CHECK:         mha.multi_head_attention %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} bias(%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}) {causal, num_heads = 4 : i64} : tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32> -> tensor<2x8x64xf32>
func.func @layer_defaults(%x: tensor<2x8x64xf32>, %w: tensor<64x64xf32>, %b: tensor<64xf32>) -> tensor<2x8x64xf32> {
  %m = arith.constant dense<true> : tensor<1x1x8x8xi1>
  %y = mha.multi_head_attention %x, %x, %w, %w, %w, %w bias(%b, %b, %b, %b) mask(%m) {num_heads = 4 : i64, num_kv_heads = 4 : i64, scale = 0.25 : f32, causal} : tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<1x1x8x8xi1> -> tensor<2x8x64xf32>
  return %y : tensor<2x8x64xf32>
}

// -----

// A size check of two equal constants is erased; others stay.
// CHECK-LABEL: func.func @check_size
// CHECK-SAME: (%[[N:.*]]: i64)
// CHECK-NEXT: %[[C4:.*]] = arith.constant 4 : i64
// CHECK-NEXT: %[[C5:.*]] = arith.constant 5 : i64
// CHECK-NEXT: mha.check_size %[[N]], %[[C4]] {expected_from = "b has", what = "a"}
// CHECK-NEXT: mha.check_size %[[C4]], %[[C5]] {expected_from = "d has", what = "c"}
// CHECK-NEXT: return
func.func @check_size(%n: i64) {
  %c4 = arith.constant 4 : i64
  %c4b = arith.constant 4 : i64
  %c5 = arith.constant 5 : i64
  mha.check_size %n, %c4 {expected_from = "b has", what = "a"}
  mha.check_size %c4, %c4b {expected_from = "never", what = "equal"}
  mha.check_size %c4, %c5 {expected_from = "d has", what = "c"}
  return
}

// -----

// Modifier regions that change nothing are dropped: a mask_mod yielding
// true (here after folding) and a score_mod yielding its score.
// CHECK-LABEL: func.func @no_op_modifiers
// CHECK:         mha.attention %{{.+}}, %{{.+}}, %{{.+}} {causal} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
// CHECK-NOT:     score_mod
// CHECK-NOT:     mask_mod
// CHECK:         return
func.func @no_op_modifiers(%q: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %o = mha.attention %q, %q, %q {causal} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
    score_mod {
    ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
      mha.yield %s : f32
    }
    mask_mod {
    ^bb0(%b: index, %h: index, %i: index, %j: index):
      %p = arith.cmpi ule, %j, %j : index
      mha.yield %p : i1
    }
  return %o : tensor<1x2x4x8xf32>
}

// -----

// Modifiers that do something stay, and so do the ops they capture; an
// all-true mask tensor is still dropped next to a mask_mod (both must keep a
// score, so the tensor adds nothing).
// CHECK-LABEL: func.func @modifiers_that_stay
// CHECK-SAME:    %[[DOC:[a-z0-9]+]]: tensor<4xi32>
// CHECK:         mha.attention %{{.+}}, %{{.+}}, %{{.+}} : {{.*}} score_mod {
// CHECK:           arith.mulf
// CHECK:         } mask_mod {
// CHECK:           tensor.extract %[[DOC]]
// CHECK:           arith.cmpi eq
// CHECK:           mha.yield %{{.*}} : i1
func.func @modifiers_that_stay(%q: tensor<1x2x4x8xf32>, %doc: tensor<4xi32>) -> tensor<1x2x4x8xf32> {
  %m = arith.constant dense<true> : tensor<1x1x4x4xi1>
  %o = mha.attention %q, %q, %q mask(%m) : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x1x4x4xi1> -> tensor<1x2x4x8xf32>
    score_mod {
    ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
      %c = arith.constant 2.0 : f32
      %r = arith.mulf %s, %c : f32
      mha.yield %r : f32
    }
    mask_mod {
    ^bb0(%b: index, %h: index, %i: index, %j: index):
      %di = tensor.extract %doc[%i] : tensor<4xi32>
      %dj = tensor.extract %doc[%j] : tensor<4xi32>
      %p = arith.cmpi eq, %di, %dj : i32
      mha.yield %p : i1
    }
  return %o : tensor<1x2x4x8xf32>
}
