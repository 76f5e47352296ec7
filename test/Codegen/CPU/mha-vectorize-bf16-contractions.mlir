// RUN: mha-opt %s -mha-vectorize-bf16-contractions="micro-kernel-rows=2 micro-kernel-vectors=1" -split-input-file | FileCheck %s
// RUN: not mha-opt %s -split-input-file -mha-vectorize-bf16-contractions="micro-kernel-rows=0" 2>&1 | FileCheck %s --check-prefix=BADROWS

// BADROWS: error: mha-vectorize-bf16-contractions: micro-kernel-rows and micro-kernel-vectors must be positive, got micro-kernel-rows=0 micro-kernel-vectors=2

// S^T = K . Q^T with K bf16 (indexed (m, k): read in place, one pair per
// row broadcast as an i32) and Q^T f32 (packed into interleaved bf16 row
// pairs, rounded). The accumulators start at the fill value.

#mk = affine_map<(m, n, k) -> (m, k)>
#kn = affine_map<(m, n, k) -> (k, n)>
#mn = affine_map<(m, n, k) -> (m, n)>

// CHECK-LABEL: func.func @scores
// CHECK-SAME:      %[[K:[^:]+]]: tensor<4x8xbf16>, %[[QT:[^:]+]]: tensor<8x16xf32>
// CHECK:         scf.forall
// CHECK:           %[[QP0:.+]] = bufferization.alloc_tensor() : tensor<4x32xbf16>
// CHECK:           %[[QP:.+]] = scf.for %[[P:.+]] = %{{.+}} to %{{.+}} step %{{.+}} iter_args(%[[T:.+]] = %[[QP0]]) -> (tensor<4x32xbf16>) {
// CHECK:             %[[R0:.+]] = vector.transfer_read %[[QT]]{{.+}} : tensor<8x16xf32>, vector<16xf32>
// CHECK:             %[[R1:.+]] = vector.transfer_read %[[QT]]{{.+}} : tensor<8x16xf32>, vector<16xf32>
// CHECK:             %[[H0:.+]] = arith.truncf %[[R0]] : vector<16xf32> to vector<16xbf16>
// CHECK:             %[[H1:.+]] = arith.truncf %[[R1]] : vector<16xf32> to vector<16xbf16>
// CHECK:             %[[I:.+]] = vector.interleave %[[H0]], %[[H1]] : vector<16xbf16> -> vector<32xbf16>
// CHECK:             vector.transfer_write %[[I]], %[[T]][%[[P]], %{{.+}}]
// CHECK:           scf.for %[[M0:[^ ]+]] = {{.+}} -> (tensor<4x16xf32>) {
// CHECK:             %[[ACC:.+]]:2 = scf.for %[[K2:.+]] = %{{.+}} to %{{.+}} step %{{.+}} iter_args(%{{.+}} = %{{.+}}, %{{.+}} = %{{.+}}) -> (vector<16xf32>, vector<16xf32>) {
// CHECK:               %[[B:.+]] = vector.transfer_read %[[QP]][%[[K2]], %{{.+}}]{{.+}} : tensor<4x32xbf16>, vector<32xbf16>
// CHECK:               %[[PAIR:.+]] = vector.transfer_read %[[K]][%[[M0]], %{{.+}}]{{.+}} : tensor<4x8xbf16>, vector<2xbf16>
// CHECK:               %[[W:.+]] = vector.bitcast %[[PAIR]] : vector<2xbf16> to vector<1xi32>
// CHECK:               %[[S:.+]] = vector.broadcast %[[W]] : vector<1xi32> to vector<16xi32>
// CHECK:               %[[A:.+]] = vector.bitcast %[[S]] : vector<16xi32> to vector<32xbf16>
// CHECK:               x86vector.avx512.dot %{{.+}}, %[[A]], %[[B]] : vector<32xbf16> -> vector<16xf32>
// CHECK:           tensor.parallel_insert_slice
// CHECK-NOT:     linalg.generic
func.func @scores(%k: tensor<4x8xbf16>, %qt: tensor<8x16xf32>, %out: tensor<1x4x16xf32>) -> tensor<1x4x16xf32> {
  %r = scf.forall (%i) in (1) shared_outs(%o = %out) -> (tensor<1x4x16xf32>) {
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<4x16xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x16xf32>) -> tensor<4x16xf32>
    %s = linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%k, %qt : tensor<4x8xbf16>, tensor<8x16xf32>) outs(%f : tensor<4x16xf32>) {
    ^bb0(%a: bf16, %b: f32, %c: f32):
      %x = arith.extf %a : bf16 to f32
      %p = arith.mulf %x, %b : f32
      %y = arith.addf %c, %p : f32
      linalg.yield %y : f32
    } -> tensor<4x16xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %s into %o[%i, 0, 0] [1, 4, 16] [1, 1, 1] : tensor<4x16xf32> into tensor<1x4x16xf32>
    }
  }
  return %r : tensor<1x4x16xf32>
}

// -----

// acc = acc * corr[m] + P^T . V: P f32 indexed (k, m) is rounded into
// interleaved pairs, V bf16 is interleaved without rounding, and the
// correction is applied as the accumulators are loaded.

#km = affine_map<(m, n, k) -> (k, m)>
#kn = affine_map<(m, n, k) -> (k, n)>
#mn = affine_map<(m, n, k) -> (m, n)>
#row = affine_map<(m, n) -> (m)>
#id = affine_map<(m, n) -> (m, n)>

// CHECK-LABEL: func.func @accumulate
// CHECK-SAME:      %[[PT:[^:]+]]: tensor<4x2xf32>, %[[V:[^:]+]]: tensor<4x16xbf16>, %[[CORR:[^:]+]]: tensor<2xf32>
// CHECK:         scf.forall
// CHECK:           scf.for
// CHECK-NOT:         arith.truncf
// CHECK:             vector.interleave %{{.+}}, %{{.+}} : vector<16xbf16> -> vector<32xbf16>
// CHECK:           scf.for
// CHECK:             %[[P0:.+]] = arith.truncf %{{.+}} : vector<2xf32> to vector<2xbf16>
// CHECK:             vector.interleave %[[P0]], %{{.+}} : vector<2xbf16> -> vector<4xbf16>
// CHECK:           %[[C:.+]] = tensor.extract %[[CORR]]
// CHECK:           %[[CV:.+]] = vector.broadcast %[[C]] : f32 to vector<16xf32>
// CHECK:           arith.mulf %{{.+}}, %[[CV]] : vector<16xf32>
// CHECK:           x86vector.avx512.dot
// CHECK-NOT:     linalg.generic
func.func @accumulate(%pt: tensor<4x2xf32>, %v: tensor<4x16xbf16>, %corr: tensor<2xf32>, %acc: tensor<2x16xf32>) -> tensor<2x16xf32> {
  %r = scf.forall (%i) in (1) shared_outs(%o = %acc) -> (tensor<2x16xf32>) {
    %scaled = linalg.generic {indexing_maps = [#row, #id], iterator_types = ["parallel", "parallel"]}
        ins(%corr : tensor<2xf32>) outs(%o : tensor<2x16xf32>) {
    ^bb0(%c: f32, %a: f32):
      %m = arith.mulf %a, %c : f32
      linalg.yield %m : f32
    } -> tensor<2x16xf32>
    %s = linalg.generic {indexing_maps = [#km, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%pt, %v : tensor<4x2xf32>, tensor<4x16xbf16>) outs(%scaled : tensor<2x16xf32>) {
    ^bb0(%a: f32, %b: bf16, %c: f32):
      %y = arith.extf %b : bf16 to f32
      %p = arith.mulf %a, %y : f32
      %z = arith.addf %c, %p : f32
      linalg.yield %z : f32
    } -> tensor<2x16xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %s into %o[0, 0] [2, 16] [1, 1] : tensor<2x16xf32> into tensor<2x16xf32>
    }
  }
  return %r : tensor<2x16xf32>
}

// -----

// Left to mha-vectorize-contractions: an odd reduction (no bf16 pairs), 8
// columns (not a 16-lane vector), and f32 data (nothing to round to bf16).

#mk = affine_map<(m, n, k) -> (m, k)>
#kn = affine_map<(m, n, k) -> (k, n)>
#mn = affine_map<(m, n, k) -> (m, n)>

// CHECK-LABEL: func.func @unchanged
// CHECK-NOT:     x86vector
// CHECK-COUNT-3: linalg.generic
// CHECK-NOT:     x86vector
func.func @unchanged(%a: tensor<4x7xbf16>, %b: tensor<7x16xf32>, %c: tensor<4x6xbf16>, %d: tensor<6x8xf32>, %e: tensor<4x6xf32>, %f: tensor<6x16xf32>, %out: tensor<4x16xf32>, %out8: tensor<4x8xf32>) -> (tensor<4x16xf32>, tensor<4x8xf32>, tensor<4x16xf32>) {
  %r:3 = scf.forall (%i) in (1) shared_outs(%o1 = %out, %o2 = %out8, %o3 = %out) -> (tensor<4x16xf32>, tensor<4x8xf32>, tensor<4x16xf32>) {
    %odd = linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%a, %b : tensor<4x7xbf16>, tensor<7x16xf32>) outs(%o1 : tensor<4x16xf32>) {
    ^bb0(%x: bf16, %y: f32, %z: f32):
      %w = arith.extf %x : bf16 to f32
      %p = arith.mulf %w, %y : f32
      %s = arith.addf %z, %p : f32
      linalg.yield %s : f32
    } -> tensor<4x16xf32>
    %narrow = linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%c, %d : tensor<4x6xbf16>, tensor<6x8xf32>) outs(%o2 : tensor<4x8xf32>) {
    ^bb0(%x: bf16, %y: f32, %z: f32):
      %w = arith.extf %x : bf16 to f32
      %p = arith.mulf %w, %y : f32
      %s = arith.addf %z, %p : f32
      linalg.yield %s : f32
    } -> tensor<4x8xf32>
    %f32 = linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%e, %f : tensor<4x6xf32>, tensor<6x16xf32>) outs(%o3 : tensor<4x16xf32>) {
    ^bb0(%x: f32, %y: f32, %z: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %z, %p : f32
      linalg.yield %s : f32
    } -> tensor<4x16xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %odd into %o1[0, 0] [4, 16] [1, 1] : tensor<4x16xf32> into tensor<4x16xf32>
      tensor.parallel_insert_slice %narrow into %o2[0, 0] [4, 8] [1, 1] : tensor<4x8xf32> into tensor<4x8xf32>
      tensor.parallel_insert_slice %f32 into %o3[0, 0] [4, 16] [1, 1] : tensor<4x16xf32> into tensor<4x16xf32>
    }
  }
  return %r#0, %r#1, %r#2 : tensor<4x16xf32>, tensor<4x8xf32>, tensor<4x16xf32>
}
