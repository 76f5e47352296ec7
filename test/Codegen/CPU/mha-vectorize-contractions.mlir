// RUN: mha-opt %s -mha-vectorize-contractions="vector-width=8 micro-kernel-rows=2 micro-kernel-vectors=1 pack-b=0" -split-input-file | FileCheck %s
// RUN: mha-opt %s -mha-vectorize-contractions="vector-width=8 micro-kernel-rows=2 micro-kernel-vectors=1" -split-input-file | FileCheck %s --check-prefix=PACK
// RUN: mha-opt %s -mha-vectorize-contractions="vector-width=8 micro-kernel-rows=2 micro-kernel-vectors=1 pack-b=1" -split-input-file | FileCheck %s --check-prefix=ALWAYS
// RUN: not mha-opt %s -mha-vectorize-contractions="l1-ways=0" 2>&1 | FileCheck %s --check-prefix=BADL1
// RUN: not mha-opt %s -mha-vectorize-contractions="vector-width=0" 2>&1 | FileCheck %s --check-prefix=BADWIDTH
// RUN: not mha-opt %s -mha-vectorize-contractions="micro-kernel-rows=-1" 2>&1 | FileCheck %s --check-prefix=BADROWS

// BADWIDTH: error: mha-vectorize-contractions: vector-width, micro-kernel-rows and micro-kernel-vectors must be positive, got vector-width=0 micro-kernel-rows=8 micro-kernel-vectors=2
// BADL1: error: mha-vectorize-contractions: l1-bytes and l1-ways must be positive, got l1-bytes=32768 l1-ways=0
// BADROWS: error: mha-vectorize-contractions: vector-width, micro-kernel-rows and micro-kernel-vectors must be positive, got vector-width=16 micro-kernel-rows=-1 micro-kernel-vectors=2

// S^T = K . Q^T with a zero-filled C: [2 rows x 8 lanes] blocks over a
// [5, 12] C, so two full and one 1-row block per column block, and a 4-lane
// remainder column block. The accumulators start from the fill value (no
// read of C, no linalg.fill left) and stay in registers across the k loop.

#kd = affine_map<(j, i, d) -> (j, d)>
#dq = affine_map<(j, i, d) -> (d, i)>
#ji = affine_map<(j, i, d) -> (j, i)>

// CHECK-LABEL: func.func @scores_from_fill
// CHECK-SAME:      %[[K:[^:]+]]: tensor<5x16xf32>, %[[QT:[^:]+]]: tensor<16x12xf32>
// CHECK:         scf.forall
// CHECK:           %[[ZERO:.+]] = arith.constant 0.000000e+00 : f32
// CHECK:           %[[BUF:.+]] = bufferization.alloc_tensor() : tensor<5x12xf32>
// CHECK-NOT:       linalg.fill
// CHECK-NOT:       linalg.generic
// Full column block [0, 8): row blocks [0, 2), [2, 4), then row 4.
// CHECK:           scf.for %[[M0:.+]] = %{{.+}} to %{{.+}} step %{{.+}} iter_args(%[[C:.+]] = %[[BUF]]) -> (tensor<5x12xf32>) {
// CHECK:             %[[INIT:.+]] = vector.broadcast %[[ZERO]] : f32 to vector<8xf32>
// CHECK:             %[[M1:.+]] = arith.addi %[[M0]], %{{.+}} : index
// CHECK:             %[[ACC:.+]]:2 = scf.for %[[KK:.+]] = %{{.+}} to %{{.+}} step %{{.+}} iter_args(%[[A0:.+]] = %[[INIT]], %[[A1:.+]] = %{{.+}}) -> (vector<8xf32>, vector<8xf32>) {
// CHECK:               %[[BROW:.+]] = vector.transfer_read %[[QT]][%[[KK]], %{{.+}}], %{{.+}} {in_bounds = [true]} : tensor<16x12xf32>, vector<8xf32>
// CHECK:               %[[X0:.+]] = tensor.extract %[[K]][%[[M0]], %[[KK]]] : tensor<5x16xf32>
// CHECK:               %[[S0:.+]] = vector.broadcast %[[X0]] : f32 to vector<8xf32>
// CHECK:               %[[F0:.+]] = vector.fma %[[S0]], %[[BROW]], %[[A0]] : vector<8xf32>
// CHECK:               %[[X1:.+]] = tensor.extract %[[K]][%[[M1]], %[[KK]]] : tensor<5x16xf32>
// CHECK:               %[[S1:.+]] = vector.broadcast %[[X1]] : f32 to vector<8xf32>
// CHECK:               %[[F1:.+]] = vector.fma %[[S1]], %[[BROW]], %[[A1]] : vector<8xf32>
// CHECK:               scf.yield %[[F0]], %[[F1]] : vector<8xf32>, vector<8xf32>
// CHECK:             }
// CHECK:             %[[W0:.+]] = vector.transfer_write %[[ACC]]#0, %[[C]][%[[M0]], %{{.+}}] {in_bounds = [true]} : vector<8xf32>, tensor<5x12xf32>
// CHECK:             %[[W1:.+]] = vector.transfer_write %[[ACC]]#1, %[[W0]][%[[M1]], %{{.+}}] {in_bounds = [true]} : vector<8xf32>, tensor<5x12xf32>
// CHECK:             scf.yield %[[W1]]
// CHECK:           }
// CHECK:           scf.for {{.+}} -> (vector<8xf32>) {
// CHECK:             vector.fma {{.+}} : vector<8xf32>
// CHECK:           }
// The last 4 columns.
// CHECK:           scf.for {{.+}} -> (tensor<5x12xf32>) {
// CHECK:             scf.for {{.+}} -> (vector<4xf32>, vector<4xf32>) {
// CHECK:               vector.transfer_read %[[QT]]{{.+}} : tensor<16x12xf32>, vector<4xf32>
// CHECK:           scf.for {{.+}} -> (vector<4xf32>) {
// CHECK:           scf.forall.in_parallel
func.func @scores_from_fill(%k: tensor<5x16xf32>, %qt: tensor<16x12xf32>) -> tensor<2x5x12xf32> {
  %init = tensor.empty() : tensor<2x5x12xf32>
  %r = scf.forall (%h) in (2) shared_outs(%out = %init) -> (tensor<2x5x12xf32>) {
    %zero = arith.constant 0.0 : f32
    %buf = bufferization.alloc_tensor() : tensor<5x12xf32>
    %s0 = linalg.fill ins(%zero : f32) outs(%buf : tensor<5x12xf32>) -> tensor<5x12xf32>
    %s = linalg.generic {indexing_maps = [#kd, #dq, #ji], iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%k, %qt : tensor<5x16xf32>, tensor<16x12xf32>) outs(%s0 : tensor<5x12xf32>) {
    ^bb0(%a: f32, %b: f32, %c: f32):
      %p = arith.mulf %a, %b : f32
      %x = arith.addf %c, %p : f32
      linalg.yield %x : f32
    } -> tensor<5x12xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %s into %out[%h, 0, 0] [1, 5, 12] [1, 1, 1] : tensor<5x12xf32> into tensor<2x5x12xf32>
    }
  }
  return %r : tensor<2x5x12xf32>
}

// -----

// acc = acc * corr[i] + P^T . V with P read transposed (A[i, j] = P[j, i])
// and V in f16: the row rescale is applied as the accumulators are loaded,
// rows of V are widened as vectors.

#row = affine_map<(i, e) -> (i)>
#id = affine_map<(i, e) -> (i, e)>
#pt = affine_map<(i, e, j) -> (j, i)>
#je = affine_map<(i, e, j) -> (j, e)>
#ie = affine_map<(i, e, j) -> (i, e)>

// CHECK-LABEL: func.func @rescale_and_accumulate
// CHECK-SAME:      %[[P:[^:]+]]: tensor<3x2xf32>, %[[V:[^:]+]]: tensor<3x8xf16>, %[[CORR:[^:]+]]: tensor<2xf32>, %[[ACC:[^:]+]]: tensor<2x8xf32>
// CHECK:         scf.forall
// CHECK-NOT:       linalg.generic
// CHECK:           %[[ROW0:.+]] = vector.transfer_read %[[ACC]][%[[M0:.+]], %[[N0:.+]]], %{{.+}} {in_bounds = [true]} : tensor<2x8xf32>, vector<8xf32>
// CHECK:           %[[SCALE0:.+]] = tensor.extract %[[CORR]][%[[M0]]] : tensor<2xf32>
// CHECK:           %[[SPLAT0:.+]] = vector.broadcast %[[SCALE0]] : f32 to vector<8xf32>
// CHECK:           %[[INIT0:.+]] = arith.mulf %[[ROW0]], %[[SPLAT0]] : vector<8xf32>
// CHECK:           %[[M1:.+]] = arith.addi %[[M0]], %{{.+}} : index
// CHECK:           vector.transfer_read %[[ACC]][%[[M1]], %[[N0]]]
// CHECK:           tensor.extract %[[CORR]][%[[M1]]] : tensor<2xf32>
// CHECK:           %[[RES:.+]]:2 = scf.for %[[J:.+]] = {{.+}} iter_args(%[[A0:.+]] = %[[INIT0]], %{{.+}} = %{{.+}}) -> (vector<8xf32>, vector<8xf32>) {
// CHECK:             %[[VROW:.+]] = vector.transfer_read %[[V]][%[[J]], %[[N0]]], %{{.+}} {in_bounds = [true]} : tensor<3x8xf16>, vector<8xf16>
// CHECK:             %[[VWIDE:.+]] = arith.extf %[[VROW]] : vector<8xf16> to vector<8xf32>
// CHECK:             %[[PX:.+]] = tensor.extract %[[P]][%[[J]], %[[M0]]] : tensor<3x2xf32>
// CHECK:             %[[PS:.+]] = vector.broadcast %[[PX]] : f32 to vector<8xf32>
// CHECK:             vector.fma %[[PS]], %[[VWIDE]], %[[A0]] : vector<8xf32>
// CHECK:             tensor.extract %[[P]][%[[J]], %[[M1]]] : tensor<3x2xf32>
// CHECK:           }
// CHECK:           %[[W0:.+]] = vector.transfer_write %[[RES]]#0, %[[ACC]][%[[M0]], %[[N0]]]
// CHECK:           vector.transfer_write %[[RES]]#1, %[[W0]][%[[M1]], %[[N0]]]
func.func @rescale_and_accumulate(%p: tensor<3x2xf32>, %v: tensor<3x8xf16>, %corr: tensor<2xf32>,
                                  %acc: tensor<2x8xf32>) -> tensor<2x2x8xf32> {
  %init = tensor.empty() : tensor<2x2x8xf32>
  %r = scf.forall (%h) in (2) shared_outs(%out = %init) -> (tensor<2x2x8xf32>) {
    %scaled = linalg.generic {indexing_maps = [#row, #id], iterator_types = ["parallel", "parallel"]}
        ins(%corr : tensor<2xf32>) outs(%acc : tensor<2x8xf32>) {
    ^bb0(%c: f32, %a: f32):
      %x = arith.mulf %a, %c : f32
      linalg.yield %x : f32
    } -> tensor<2x8xf32>
    %o = linalg.generic {indexing_maps = [#pt, #je, #ie], iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%p, %v : tensor<3x2xf32>, tensor<3x8xf16>) outs(%scaled : tensor<2x8xf32>) {
    ^bb0(%a: f32, %b: f16, %c: f32):
      %bw = arith.extf %b : f16 to f32
      %m = arith.mulf %a, %bw : f32
      %x = arith.addf %c, %m : f32
      linalg.yield %x : f32
    } -> tensor<2x8xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %o into %out[%h, 0, 0] [1, 2, 8] [1, 1, 1] : tensor<2x8xf32> into tensor<2x2x8xf32>
    }
  }
  return %r : tensor<2x2x8xf32>
}

// -----

// Left alone: a contraction outside any scf.forall (not a tiled loop nest), a
// max-plus "contraction" in one, and a dynamic one.

#mk = affine_map<(m, n, k) -> (m, k)>
#kn = affine_map<(m, n, k) -> (k, n)>
#mn = affine_map<(m, n, k) -> (m, n)>

// CHECK-LABEL: func.func @untouched
// CHECK-NOT:     vector.
// CHECK:         linalg.generic
// CHECK:           arith.addf
// CHECK:         scf.forall
// CHECK:           linalg.generic
// CHECK:             arith.maximumf
// CHECK:           linalg.generic
// CHECK:             arith.addf
// CHECK-NOT:     vector.
func.func @untouched(%a: tensor<4x4xf32>, %b: tensor<4x8xf32>, %c: tensor<4x8xf32>,
                     %da: tensor<?x4xf32>, %dc: tensor<?x8xf32>) -> (tensor<4x8xf32>, tensor<2x4x8xf32>) {
  %outside = linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : tensor<4x4xf32>, tensor<4x8xf32>) outs(%c : tensor<4x8xf32>) {
  ^bb0(%x: f32, %y: f32, %z: f32):
    %m = arith.mulf %x, %y : f32
    %s = arith.addf %z, %m : f32
    linalg.yield %s : f32
  } -> tensor<4x8xf32>
  %init = tensor.empty() : tensor<2x4x8xf32>
  %r = scf.forall (%h) in (2) shared_outs(%out = %init) -> (tensor<2x4x8xf32>) {
    %maxplus = linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%a, %b : tensor<4x4xf32>, tensor<4x8xf32>) outs(%c : tensor<4x8xf32>) {
    ^bb0(%x: f32, %y: f32, %z: f32):
      %m = arith.mulf %x, %y : f32
      %s = arith.maximumf %z, %m : f32
      linalg.yield %s : f32
    } -> tensor<4x8xf32>
    %dyn = linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%da, %b : tensor<?x4xf32>, tensor<4x8xf32>) outs(%dc : tensor<?x8xf32>) {
    ^bb0(%x: f32, %y: f32, %z: f32):
      %m = arith.mulf %x, %y : f32
      %s = arith.addf %z, %m : f32
      linalg.yield %s : f32
    } -> tensor<?x8xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %maxplus into %out[%h, 0, 0] [1, 4, 8] [1, 1, 1] : tensor<4x8xf32> into tensor<2x4x8xf32>
    }
  }
  return %outside, %r : tensor<4x8xf32>, tensor<2x4x8xf32>
}

// -----

// Packing of B (pack-b, default -1: the L1 model). Three row blocks share
// each 8-column panel of B.
//  - @pack_caller: B is the caller's tensor (alignment unknown): its panel
//    is copied into a contiguous f32 scratch, allocated once at the top of
//    the scf.forall body, and the micro-kernel reads rows of the scratch.
//  - @own_contiguous: B is a [16, 8] buffer of this compilation, already a
//    contiguous panel: read in place.
//  - @own_aliasing: B is a [16, 8] slice of a [16, 1024] buffer: its rows
//    are 4 KiB apart, all on one L1 set of a 32 KiB 8-way cache: packed.
// With pack-b=1 the contiguous one is packed too.

#pmk = affine_map<(m, n, k) -> (m, k)>
#pkn = affine_map<(m, n, k) -> (k, n)>
#pmn = affine_map<(m, n, k) -> (m, n)>

// With pack-b=0 nothing is packed.
// CHECK-LABEL: func.func @pack_caller
// CHECK-NOT:     vector.transfer_write {{.+}} : vector<8xf32>, tensor<16x8xf32>
// CHECK-LABEL: func.func @own_contiguous
// CHECK-LABEL: func.func @own_aliasing
// CHECK-NOT:     vector.transfer_write {{.+}} : vector<8xf32>, tensor<16x8xf32>

// PACK-LABEL: func.func @pack_caller
// PACK-SAME:      %{{[^:]+}}: tensor<6x16xf32>, %[[B:[^:]+]]: tensor<16x8xf32>
// PACK:         scf.forall
// PACK-NEXT:      %[[PANEL:[[:alnum:]_]+]] = bufferization.alloc_tensor() : tensor<16x8xf32>
// PACK:           %[[PACKED:[[:alnum:]_]+]] = scf.for %[[K:[[:alnum:]_]+]] = %{{.+}} to %{{.+}} step %{{.+}} iter_args(%[[P:[[:alnum:]_]+]] = %[[PANEL]]) -> (tensor<16x8xf32>) {
// PACK:             %[[ROW:[[:alnum:]_]+]] = vector.transfer_read %[[B]][%[[K]], %{{.+}}], %{{.+}} {in_bounds = [true]} : tensor<16x8xf32>, vector<8xf32>
// PACK:             %[[W:[[:alnum:]_]+]] = vector.transfer_write %[[ROW]], %[[P]][%[[K]], %{{.+}}] {in_bounds = [true]} : vector<8xf32>, tensor<16x8xf32>
// PACK:             scf.yield %[[W]]
// PACK:           }
// PACK:           scf.for
// PACK:             scf.for %[[KK:[[:alnum:]_]+]] = {{.+}} -> (vector<8xf32>, vector<8xf32>) {
// PACK:               vector.transfer_read %[[PACKED]][%[[KK]], %{{.+}}], %{{.+}} {in_bounds = [true]} : tensor<16x8xf32>, vector<8xf32>
// PACK-NOT:           vector.transfer_read %[[B]]
// PACK:               vector.fma

// PACK-LABEL: func.func @own_contiguous
// PACK:         scf.forall
// PACK-NEXT:      arith.constant
// PACK-NEXT:      %[[OWN:[[:alnum:]_]+]] = bufferization.alloc_tensor() : tensor<16x8xf32>
// PACK-NEXT:      %[[FILLED:[[:alnum:]_]+]] = linalg.fill
// PACK-NEXT:      bufferization.alloc_tensor() : tensor<6x8xf32>
// PACK-NOT:       bufferization.alloc_tensor
// PACK:           vector.transfer_read %[[FILLED]]
// PACK:           vector.fma

// PACK-LABEL: func.func @own_aliasing
// PACK:         scf.forall
// PACK-NEXT:      bufferization.alloc_tensor() : tensor<16x8xf32>
// PACK:           tensor.extract_slice %{{.+}}[0, 0] [16, 8] [1, 1] : tensor<16x1024xf32> to tensor<16x8xf32>
// PACK:           scf.for {{.+}} -> (tensor<16x8xf32>) {
// PACK:             vector.transfer_write

// ALWAYS-LABEL: func.func @own_contiguous
// ALWAYS:         scf.forall
// ALWAYS-NEXT:      bufferization.alloc_tensor() : tensor<16x8xf32>
// ALWAYS:           scf.for {{.+}} -> (tensor<16x8xf32>) {
// ALWAYS:             vector.transfer_write
func.func @pack_caller(%a: tensor<6x16xf32>, %b: tensor<16x8xf32>) -> tensor<2x6x8xf32> {
  %init = tensor.empty() : tensor<2x6x8xf32>
  %r = scf.forall (%h) in (2) shared_outs(%out = %init) -> (tensor<2x6x8xf32>) {
    %zero = arith.constant 0.0 : f32
    %buf = bufferization.alloc_tensor() : tensor<6x8xf32>
    %c0 = linalg.fill ins(%zero : f32) outs(%buf : tensor<6x8xf32>) -> tensor<6x8xf32>
    %c = linalg.generic {indexing_maps = [#pmk, #pkn, #pmn], iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%a, %b : tensor<6x16xf32>, tensor<16x8xf32>) outs(%c0 : tensor<6x8xf32>) {
    ^bb0(%x: f32, %y: f32, %z: f32):
      %m = arith.mulf %x, %y : f32
      %s = arith.addf %z, %m : f32
      linalg.yield %s : f32
    } -> tensor<6x8xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %c into %out[%h, 0, 0] [1, 6, 8] [1, 1, 1] : tensor<6x8xf32> into tensor<2x6x8xf32>
    }
  }
  return %r : tensor<2x6x8xf32>
}

func.func @own_contiguous(%a: tensor<6x16xf32>, %x: f32) -> tensor<2x6x8xf32> {
  %init = tensor.empty() : tensor<2x6x8xf32>
  %r = scf.forall (%h) in (2) shared_outs(%out = %init) -> (tensor<2x6x8xf32>) {
    %zero = arith.constant 0.0 : f32
    %own = bufferization.alloc_tensor() : tensor<16x8xf32>
    %b = linalg.fill ins(%x : f32) outs(%own : tensor<16x8xf32>) -> tensor<16x8xf32>
    %buf = bufferization.alloc_tensor() : tensor<6x8xf32>
    %c0 = linalg.fill ins(%zero : f32) outs(%buf : tensor<6x8xf32>) -> tensor<6x8xf32>
    %c = linalg.generic {indexing_maps = [#pmk, #pkn, #pmn], iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%a, %b : tensor<6x16xf32>, tensor<16x8xf32>) outs(%c0 : tensor<6x8xf32>) {
    ^bb0(%x0: f32, %y: f32, %z: f32):
      %m = arith.mulf %x0, %y : f32
      %s = arith.addf %z, %m : f32
      linalg.yield %s : f32
    } -> tensor<6x8xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %c into %out[%h, 0, 0] [1, 6, 8] [1, 1, 1] : tensor<6x8xf32> into tensor<2x6x8xf32>
    }
  }
  return %r : tensor<2x6x8xf32>
}

func.func @own_aliasing(%a: tensor<6x16xf32>, %x: f32) -> tensor<2x6x8xf32> {
  %init = tensor.empty() : tensor<2x6x8xf32>
  %r = scf.forall (%h) in (2) shared_outs(%out = %init) -> (tensor<2x6x8xf32>) {
    %zero = arith.constant 0.0 : f32
    %own = bufferization.alloc_tensor() : tensor<16x1024xf32>
    %wide = linalg.fill ins(%x : f32) outs(%own : tensor<16x1024xf32>) -> tensor<16x1024xf32>
    %b = tensor.extract_slice %wide[0, 0] [16, 8] [1, 1] : tensor<16x1024xf32> to tensor<16x8xf32>
    %buf = bufferization.alloc_tensor() : tensor<6x8xf32>
    %c0 = linalg.fill ins(%zero : f32) outs(%buf : tensor<6x8xf32>) -> tensor<6x8xf32>
    %c = linalg.generic {indexing_maps = [#pmk, #pkn, #pmn], iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%a, %b : tensor<6x16xf32>, tensor<16x8xf32>) outs(%c0 : tensor<6x8xf32>) {
    ^bb0(%x0: f32, %y: f32, %z: f32):
      %m = arith.mulf %x0, %y : f32
      %s = arith.addf %z, %m : f32
      linalg.yield %s : f32
    } -> tensor<6x8xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %c into %out[%h, 0, 0] [1, 6, 8] [1, 1, 1] : tensor<6x8xf32> into tensor<2x6x8xf32>
    }
  }
  return %r : tensor<2x6x8xf32>
}
