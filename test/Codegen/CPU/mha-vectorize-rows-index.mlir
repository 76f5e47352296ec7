// RUN: mha-opt %s -mha-vectorize-rows="max-vector-size=16" | FileCheck %s

// linalg.index of the innermost loop vectorises to a 1-D vector. An op that
// combines an output with a value computed from it alone (out + f(index),
// ALiBi on [1, qt] score tiles) was taken by linalg::vectorize for a
// reduction over no dimension: invalid IR, or, once canonicalised, the
// output alone (the term silently dropped). Such ops stay scalar, also when
// the term uses constants defined in the body.

#id = affine_map<(j, i) -> (j, i)>

// CHECK-LABEL: func.func @output_plus_row_index
// CHECK:         scf.forall
// CHECK:           linalg.generic
// CHECK:             %[[I:.+]] = linalg.index 1 : index
// CHECK:             arith.muli %[[I]], %{{.+}} : index
// CHECK:             arith.addf %{{.+}} : f32
// CHECK-NOT:       vector.multi_reduction
// CHECK:           scf.forall.in_parallel
func.func @output_plus_row_index(%s: tensor<1x16xf32>, %base: index, %slope: f32) -> tensor<2x1x16xf32> {
  %init = tensor.empty() : tensor<2x1x16xf32>
  %r = scf.forall (%h) in (2) shared_outs(%o = %init) -> (tensor<2x1x16xf32>) {
    %p = linalg.generic {indexing_maps = [#id], iterator_types = ["parallel", "parallel"]}
        outs(%s : tensor<1x16xf32>) {
    ^bb0(%v: f32):
      %i = linalg.index 1 : index
      %two = arith.constant 2 : index
      %i2 = arith.muli %i, %two : index
      %d = arith.subi %base, %i2 : index
      %d64 = arith.index_cast %d : index to i64
      %f = arith.sitofp %d64 : i64 to f32
      %m = arith.mulf %slope, %f : f32
      %w = arith.addf %v, %m : f32
      linalg.yield %w : f32
    } -> tensor<1x16xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %p into %o[%h, 0, 0] [1, 1, 16] [1, 1, 1] : tensor<1x16xf32> into tensor<2x1x16xf32>
    }
  }
  return %r : tensor<2x1x16xf32>
}

// The same index combined with an input first (full rank, broadcast) or
// with the outer index too: vectorised as before.
// CHECK-LABEL: func.func @row_index_with_input
// CHECK:         scf.forall
// CHECK:           vector.step : vector<16xindex>
// CHECK:           arith.addf %{{.+}} : vector<16xf32>
// CHECK-NOT:       linalg.generic
// CHECK:           scf.forall.in_parallel
func.func @row_index_with_input(%s: tensor<1x16xf32>, %x: tensor<1x16xf32>) -> tensor<2x1x16xf32> {
  %init = tensor.empty() : tensor<2x1x16xf32>
  %r = scf.forall (%h) in (2) shared_outs(%o = %init) -> (tensor<2x1x16xf32>) {
    %p = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
        ins(%x : tensor<1x16xf32>) outs(%s : tensor<1x16xf32>) {
    ^bb0(%in: f32, %v: f32):
      %i = linalg.index 1 : index
      %i64 = arith.index_cast %i : index to i64
      %f = arith.sitofp %i64 : i64 to f32
      %m = arith.mulf %in, %f : f32
      %w = arith.addf %v, %m : f32
      linalg.yield %w : f32
    } -> tensor<1x16xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %p into %o[%h, 0, 0] [1, 1, 16] [1, 1, 1] : tensor<1x16xf32> into tensor<2x1x16xf32>
    }
  }
  return %r : tensor<2x1x16xf32>
}
