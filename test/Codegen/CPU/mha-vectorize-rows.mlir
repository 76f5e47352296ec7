// RUN: mha-opt %s -mha-vectorize-rows="max-vector-size=16" | FileCheck %s
// RUN: not mha-opt %s -mha-vectorize-rows="max-vector-size=0" 2>&1 | FileCheck %s --check-prefix=BADSIZE
// RUN: not mha-opt %s -mha-vectorize-rows="transpose-tile=-1" 2>&1 | FileCheck %s --check-prefix=BADTILE

// BADSIZE: error: mha-vectorize-rows: max-vector-size must be positive and transpose-tile non-negative, got max-vector-size=0 transpose-tile=16
// BADTILE: error: mha-vectorize-rows: max-vector-size must be positive and transpose-tile non-negative, got max-vector-size=64 transpose-tile=-1

// CHECK-LABEL: func.func @rows
// CHECK-SAME:      %[[S:[^:]+]]: tensor<4x32xf32>, %[[M:[^:]+]]: tensor<32xf32>, %[[Q:[^:]+]]: tensor<32x16xf32>, %[[MASK:[^:]+]]: tensor<4x32xi1>, %[[X:[^:]+]]: tensor<?x8xf32>, %[[Y:[^:]+]]: tensor<8x?xf32>

// Outside the tiled loop nest (no scf.forall): scalar, libm exp.
// CHECK:         linalg.generic
// CHECK:           math.exp %{{.+}} : f32
// CHECK:         scf.forall

// exp(S - m) by [1 x 16] tiles: no math.exp left, the polynomial instead.
// CHECK:           %[[P:.+]] = scf.for %[[J:.+]] = {{.+}} iter_args(%[[PT:.+]] = %[[S]]) -> (tensor<4x32xf32>) {
// CHECK:             scf.for %[[I:.+]] = {{.+}} iter_args(%[[PT2:.+]] = %[[PT]]) -> (tensor<4x32xf32>) {
// CHECK:               %[[MV:.+]] = vector.transfer_read %[[M]][%[[I]]], %{{.+}} {in_bounds = [true]} : tensor<32xf32>, vector<16xf32>
// CHECK:               %[[SV:.+]] = vector.transfer_read %[[PT2]][%[[J]], %[[I]]], %{{.+}} {in_bounds = [true]} : tensor<4x32xf32>, vector<16xf32>
// CHECK:               arith.subf %[[SV]], %[[MV]] : vector<16xf32>
// CHECK-NOT:           math.exp
// CHECK:               math.floor %{{.+}} : vector<16xf32>
// CHECK:               math.fma %{{.+}} : vector<16xf32>
// CHECK:               arith.bitcast %{{.+}} : vector<16xi32> to vector<16xf32>
// CHECK:               vector.transfer_write %{{.+}}, %[[PT2]][%[[J]], %[[I]]] {in_bounds = [true]} : vector<16xf32>, tensor<4x32xf32>

// An i1 operand is left scalar: i1 vectors are bit-packed in memory.
// CHECK:           %[[MASKED:.+]] = linalg.generic {{.+}} ins(%[[MASK]] : tensor<4x32xi1>) outs(%[[P]] : tensor<4x32xf32>)

// The max over rows: column tiles outside, the row loop carries a vector.
// CHECK:           %[[INIT:.+]] = scf.for
// CHECK:             vector.transfer_write %{{.+}} : vector<16xf32>, tensor<32xf32>
// CHECK:           scf.for %[[C:.+]] = {{.+}} iter_args(%[[OUT:.+]] = %[[INIT]]) -> (tensor<32xf32>) {
// CHECK:             %[[START:.+]] = vector.transfer_read %[[OUT]][%[[C]]]{{.+}} : tensor<32xf32>, vector<16xf32>
// CHECK:             %[[RED:.+]] = scf.for %[[R:.+]] = {{.+}} iter_args(%[[ACC:.+]] = %[[START]]) -> (vector<16xf32>) {
// CHECK:               %[[ROW:.+]] = vector.transfer_read %[[MASKED]][%[[R]], %[[C]]]{{.+}} : tensor<4x32xf32>, vector<16xf32>
// CHECK:               %[[MAX:.+]] = arith.maxnumf %[[ACC]], %[[ROW]] : vector<16xf32>
// CHECK:               scf.yield %[[MAX]] : vector<16xf32>
// CHECK:             }
// CHECK:             vector.transfer_write %[[RED]], %[[OUT]][%[[C]]]

// A transposing copy by 16 x 16 tiles, transposed with shuffles.
// CHECK:           scf.for {{.+}} -> (tensor<16x32xf32>) {
// CHECK:             vector.transfer_read %[[Q]]{{.+}} : tensor<32x16xf32>, vector<16x16xf32>
// CHECK:             vector.shuffle
// CHECK:             vector.transfer_write {{.+}} : vector<16x16xf32>, tensor<16x32xf32>

// A dynamic number of rows of static size: still one vector per row.
// CHECK:           %[[ROWS:.+]] = tensor.dim %[[X]]
// CHECK:           scf.for %{{.+}} = %{{.+}} to %[[ROWS]] step %{{.+}} iter_args(%{{.+}} = %[[X]]) -> (tensor<?x8xf32>) {
// CHECK:             arith.mulf %{{.+}} : vector<8xf32>

// A dynamic innermost size: left alone.
// CHECK:           linalg.generic {{.+}} outs(%[[Y]] : tensor<8x?xf32>)
// CHECK:             arith.mulf %{{.+}} : f32
// CHECK:           scf.forall.in_parallel
#col = affine_map<(j, i) -> (i)>
#id = affine_map<(j, i) -> (j, i)>
#tr = affine_map<(d, i) -> (i, d)>

func.func @rows(%s: tensor<4x32xf32>, %m: tensor<32xf32>, %q: tensor<32x16xf32>,
                %mask: tensor<4x32xi1>, %x: tensor<?x8xf32>, %y: tensor<8x?xf32>)
    -> (tensor<4x32xf32>, tensor<2x4x32xf32>, tensor<2x32xf32>, tensor<2x16x32xf32>, tensor<?x8xf32>, tensor<8x?xf32>) {
  %outside = linalg.generic {indexing_maps = [#col, #id], iterator_types = ["parallel", "parallel"]}
      ins(%m : tensor<32xf32>) outs(%s : tensor<4x32xf32>) {
  ^bb0(%mi: f32, %v: f32):
    %d = arith.subf %v, %mi : f32
    %e = math.exp %d : f32
    linalg.yield %e : f32
  } -> tensor<4x32xf32>
  %i0 = tensor.empty() : tensor<2x4x32xf32>
  %i1 = tensor.empty() : tensor<2x32xf32>
  %i2 = tensor.empty() : tensor<2x16x32xf32>
  %r:5 = scf.forall (%h) in (2) shared_outs(%o0 = %i0, %o1 = %i1, %o2 = %i2, %o3 = %x, %o4 = %y)
      -> (tensor<2x4x32xf32>, tensor<2x32xf32>, tensor<2x16x32xf32>, tensor<?x8xf32>, tensor<8x?xf32>) {
    %neginf = arith.constant 0xFF800000 : f32
    %c0 = arith.constant 0 : index
    %n = tensor.dim %x, %c0 : tensor<?x8xf32>
    %p = linalg.generic {indexing_maps = [#col, #id], iterator_types = ["parallel", "parallel"]}
        ins(%m : tensor<32xf32>) outs(%s : tensor<4x32xf32>) {
    ^bb0(%mi: f32, %v: f32):
      %d = arith.subf %v, %mi : f32
      %e = math.exp %d : f32
      linalg.yield %e : f32
    } -> tensor<4x32xf32>
    %masked = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
        ins(%mask : tensor<4x32xi1>) outs(%p : tensor<4x32xf32>) {
    ^bb0(%keep: i1, %v: f32):
      %w = arith.select %keep, %v, %neginf : f32
      linalg.yield %w : f32
    } -> tensor<4x32xf32>
    %buf = bufferization.alloc_tensor() : tensor<32xf32>
    %init = linalg.fill ins(%neginf : f32) outs(%buf : tensor<32xf32>) -> tensor<32xf32>
    %mx = linalg.generic {indexing_maps = [#id, #col], iterator_types = ["reduction", "parallel"]}
        ins(%masked : tensor<4x32xf32>) outs(%init : tensor<32xf32>) {
    ^bb0(%v: f32, %acc: f32):
      %w = arith.maxnumf %v, %acc : f32
      linalg.yield %w : f32
    } -> tensor<32xf32>
    %qbuf = bufferization.alloc_tensor() : tensor<16x32xf32>
    %qt = linalg.generic {indexing_maps = [#tr, #id], iterator_types = ["parallel", "parallel"]}
        ins(%q : tensor<32x16xf32>) outs(%qbuf : tensor<16x32xf32>) {
    ^bb0(%v: f32, %o: f32):
      linalg.yield %v : f32
    } -> tensor<16x32xf32>
    %dynrows = linalg.generic {indexing_maps = [#id], iterator_types = ["parallel", "parallel"]}
        outs(%x : tensor<?x8xf32>) {
    ^bb0(%v: f32):
      %w = arith.mulf %v, %v : f32
      linalg.yield %w : f32
    } -> tensor<?x8xf32>
    %dyncols = linalg.generic {indexing_maps = [#id], iterator_types = ["parallel", "parallel"]}
        outs(%y : tensor<8x?xf32>) {
    ^bb0(%v: f32):
      %w = arith.mulf %v, %v : f32
      linalg.yield %w : f32
    } -> tensor<8x?xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %masked into %o0[%h, 0, 0] [1, 4, 32] [1, 1, 1] : tensor<4x32xf32> into tensor<2x4x32xf32>
      tensor.parallel_insert_slice %mx into %o1[%h, 0] [1, 32] [1, 1] : tensor<32xf32> into tensor<2x32xf32>
      tensor.parallel_insert_slice %qt into %o2[%h, 0, 0] [1, 16, 32] [1, 1, 1] : tensor<16x32xf32> into tensor<2x16x32xf32>
      tensor.parallel_insert_slice %dynrows into %o3[0, 0] [%n, 8] [1, 1] : tensor<?x8xf32> into tensor<?x8xf32>
      tensor.parallel_insert_slice %dyncols into %o4[0, 0] [8, %n] [1, 1] : tensor<8x?xf32> into tensor<8x?xf32>
    }
  }
  return %outside, %r#0, %r#1, %r#2, %r#3, %r#4 : tensor<4x32xf32>, tensor<2x4x32xf32>, tensor<2x32xf32>, tensor<2x16x32xf32>, tensor<?x8xf32>, tensor<8x?xf32>
}

// Reductions over the innermost dim (the row max / row sum of decode scores
// kept as [rows, keys]): a row tile of 16 keys per step, reduced by halving
// (16 -> 8 -> 4 -> 2 -> 1 lanes, lane-wise maxnumf / addf) and combined with
// the row's running value; no vector.multi_reduction is left (it would
// become an ordered, one-add-per-key reduction for addf).
// CHECK-LABEL: func.func @inner_reductions
// CHECK:         scf.forall
// CHECK:           scf.for %[[R:[^ ]+]] = {{.+}} -> (tensor<4xf32>) {
// CHECK:             scf.for %[[K:[^ ]+]] = {{.+}} -> (vector<1xf32>) {
// CHECK:               %[[V:.+]] = vector.transfer_read %{{.+}}[%[[R]], %[[K]]]{{.+}} : tensor<4x32xf32>, vector<16xf32>
// CHECK-NOT:           vector.multi_reduction
// CHECK:               %[[H0:.+]] = vector.extract_strided_slice %[[V]] {offsets = [0], sizes = [8], strides = [1]}
// CHECK:               %[[H1:.+]] = vector.extract_strided_slice %[[V]] {offsets = [8], sizes = [8], strides = [1]}
// CHECK:               arith.maxnumf %[[H0]], %[[H1]] : vector<8xf32>
// CHECK:               arith.maxnumf %{{.+}} : vector<4xf32>
// CHECK:               arith.maxnumf %{{.+}} : vector<2xf32>
// CHECK:               arith.maxnumf %{{.+}} : f32
// CHECK:               arith.maxnumf %{{.+}} : f32
// CHECK:           scf.for
// CHECK:             scf.for
// CHECK:               arith.addf %{{.+}} : vector<8xf32>
// CHECK:               arith.addf %{{.+}} : vector<2xf32>
// CHECK:               arith.addf %{{.+}} : f32
// CHECK:               arith.addf %{{.+}} : f32
// CHECK-NOT:       vector.multi_reduction
// CHECK:           scf.forall.in_parallel
#rk = affine_map<(r, k) -> (r, k)>
#r = affine_map<(r, k) -> (r)>
func.func @inner_reductions(%s: tensor<4x32xf32>, %m: tensor<4xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>) {
  %i0 = tensor.empty() : tensor<2x4xf32>
  %i1 = tensor.empty() : tensor<2x4xf32>
  %r:2 = scf.forall (%h) in (2) shared_outs(%o0 = %i0, %o1 = %i1) -> (tensor<2x4xf32>, tensor<2x4xf32>) {
    %max = linalg.generic {indexing_maps = [#rk, #r], iterator_types = ["parallel", "reduction"]}
        ins(%s : tensor<4x32xf32>) outs(%m : tensor<4xf32>) {
    ^bb0(%x: f32, %acc: f32):
      %y = arith.maxnumf %x, %acc : f32
      linalg.yield %y : f32
    } -> tensor<4xf32>
    %sum = linalg.generic {indexing_maps = [#rk, #r], iterator_types = ["parallel", "reduction"]}
        ins(%s : tensor<4x32xf32>) outs(%max : tensor<4xf32>) {
    ^bb0(%x: f32, %acc: f32):
      %y = arith.addf %acc, %x : f32
      linalg.yield %y : f32
    } -> tensor<4xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %max into %o0[%h, 0] [1, 4] [1, 1] : tensor<4xf32> into tensor<2x4xf32>
      tensor.parallel_insert_slice %sum into %o1[%h, 0] [1, 4] [1, 1] : tensor<4xf32> into tensor<2x4xf32>
    }
  }
  return %r#0, %r#1 : tensor<2x4xf32>, tensor<2x4xf32>
}
