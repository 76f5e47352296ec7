// RUN: mha-opt %s -split-input-file -mha-fold-causal-mask | FileCheck %s
// RUN: mha-opt %s -split-input-file -mha-fold-causal-mask -canonicalize | FileCheck %s --check-prefix=CANON
// RUN: mha-opt %s -split-input-file -mha-fold-causal-mask=max-mask-elements=8 | FileCheck %s --check-prefix=SMALL

// A bottom-right causal mask (Sq = 3 < Skv = 5) becomes `causal`;
// canonicalization keeps it and erases the dead constant.
// CHECK-LABEL: func.func @causal_mask
// CHECK:         mha.attention %{{.*}}, %{{.*}}, %{{.*}} {causal} :
// CANON-LABEL: func.func @causal_mask
// CANON-NOT:     arith.constant
// CANON:         mha.attention %{{.*}}, %{{.*}}, %{{.*}} {causal} :
// With max-mask-elements=8 the 15-element mask is left alone.
// SMALL-LABEL: func.func @causal_mask
// SMALL:         mha.attention {{.*}} mask(%{{.*}}) : {{.*}} tensor<1x1x3x5xi1> ->
func.func @causal_mask(%q: tensor<1x2x3x4xf32>, %kv: tensor<1x2x5x4xf32>) -> tensor<1x2x3x4xf32> {
  %m = arith.constant dense<[[[[true, true, true, false, false],
                               [true, true, true, true, false],
                               [true, true, true, true, true]]]]> : tensor<1x1x3x5xi1>
  %o = mha.attention %q, %kv, %kv mask(%m) : tensor<1x2x3x4xf32>, tensor<1x2x5x4xf32>, tensor<1x2x5x4xf32>, tensor<1x1x3x5xi1> -> tensor<1x2x3x4xf32>
  return %o : tensor<1x2x3x4xf32>
}

// -----

// PyTorch's top-left causal mask differs from `causal` when Sq != Skv.
// CHECK-LABEL: func.func @top_left_mask
// CHECK:         mha.attention {{.*}} mask(
// CHECK-NOT:     causal
func.func @top_left_mask(%q: tensor<1x2x3x4xf32>, %kv: tensor<1x2x5x4xf32>) -> tensor<1x2x3x4xf32> {
  %m = arith.constant dense<[[[[true, false, false, false, false],
                               [true, true, false, false, false],
                               [true, true, true, false, false]]]]> : tensor<1x1x3x5xi1>
  %o = mha.attention %q, %kv, %kv mask(%m) : tensor<1x2x3x4xf32>, tensor<1x2x5x4xf32>, tensor<1x2x5x4xf32>, tensor<1x1x3x5xi1> -> tensor<1x2x3x4xf32>
  return %o : tensor<1x2x3x4xf32>
}

// -----

// Every head must be causal: here head 1 also sees key 1 from query 0.
// CHECK-LABEL: func.func @one_head_differs
// CHECK:         mha.attention {{.*}} mask(
// CHECK-NOT:     causal
func.func @one_head_differs(%q: tensor<1x2x2x4xf32>) -> tensor<1x2x2x4xf32> {
  %m = arith.constant dense<[[[[true, false], [true, true]],
                              [[true, true], [true, true]]]]> : tensor<1x2x2x2xi1>
  %o = mha.attention %q, %q, %q mask(%m) : tensor<1x2x2x4xf32>, tensor<1x2x2x4xf32>, tensor<1x2x2x4xf32>, tensor<1x2x2x2xi1> -> tensor<1x2x2x4xf32>
  return %o : tensor<1x2x2x4xf32>
}

// -----

// A per-head causal mask folds too; `scale` stays.
// CHECK-LABEL: func.func @per_head_mask
// CHECK:         mha.attention %{{.*}}, %{{.*}}, %{{.*}} {causal, scale = 5.000000e-01 : f32} :
func.func @per_head_mask(%q: tensor<1x2x2x4xf32>) -> tensor<1x2x2x4xf32> {
  %m = arith.constant dense<[[[[true, false], [true, true]],
                              [[true, false], [true, true]]]]> : tensor<1x2x2x2xi1>
  %o = mha.attention %q, %q, %q mask(%m) {scale = 0.5 : f32} : tensor<1x2x2x4xf32>, tensor<1x2x2x4xf32>, tensor<1x2x2x4xf32>, tensor<1x2x2x2xi1> -> tensor<1x2x2x4xf32>
  return %o : tensor<1x2x2x4xf32>
}

// -----

// Float (additive) masks and masks that are not constants are left alone.
// CHECK-LABEL: func.func @not_foldable
// CHECK:         mha.attention {{.*}} mask(%{{.*}}) : {{.*}} tensor<1x1x2x2xf32> ->
// CHECK:         mha.attention {{.*}} mask(%{{.*}}) : {{.*}} tensor<1x1x2x2xi1> ->
func.func @not_foldable(%q: tensor<1x1x2x4xf32>, %arg: tensor<1x1x2x2xi1>) -> (tensor<1x1x2x4xf32>, tensor<1x1x2x4xf32>) {
  %f = arith.constant dense<[[[[0.0, -1.0e30], [0.0, 0.0]]]]> : tensor<1x1x2x2xf32>
  %a = mha.attention %q, %q, %q mask(%f) : tensor<1x1x2x4xf32>, tensor<1x1x2x4xf32>, tensor<1x1x2x4xf32>, tensor<1x1x2x2xf32> -> tensor<1x1x2x4xf32>
  %b = mha.attention %q, %q, %q mask(%arg) : tensor<1x1x2x4xf32>, tensor<1x1x2x4xf32>, tensor<1x1x2x4xf32>, tensor<1x1x2x2xi1> -> tensor<1x1x2x4xf32>
  return %a, %b : tensor<1x1x2x4xf32>, tensor<1x1x2x4xf32>
}
