// RUN: mha-opt %s -mha-tile-attention="q-tile=16 kv-tile=8" -split-input-file | FileCheck %s
// RUN: mha-opt %s -mha-tile-attention="q-tile=16 kv-tile=8" -split-input-file | FileCheck %s --check-prefix=NOSCORES
// RUN: mha-opt %s -mha-tile-attention="q-tile=16 kv-tile=16" -split-input-file | FileCheck %s --check-prefix=DIAG
// RUN: mha-opt %s -mha-tile-attention="q-tile=8 kv-tile=16" -split-input-file | FileCheck %s --check-prefix=TAIL
// RUN: not mha-opt %s -mha-tile-attention="q-tile=-1" -split-input-file 2>&1 | FileCheck %s --check-prefix=QNEG
// RUN: not mha-opt %s -mha-tile-attention="kv-tile=-8" -split-input-file 2>&1 | FileCheck %s --check-prefix=KVNEG

// The full score matrix ([Sq, Skv] or [B, H, Sq, Skv]) never appears: the
// only score tensor is one [kvT, qT] tile. No mha op is left behind.
// NOSCORES-NOT: mha.attention
// NOSCORES-NOT: tensor<40x24x
// NOSCORES-NOT: tensor<24x40x
// NOSCORES-NOT: tensor<2x4x40x24x
// NOSCORES-NOT: tensor<?x4x?x?xf32>
// NOSCORES-NOT: tensor<20x30x
// NOSCORES-NOT: tensor<30x20x
// NOSCORES-NOT: tensor<2x2x20x30x
// NOSCORES-NOT: tensor<32x32xf32>
// NOSCORES-NOT: tensor<1x2x32x32xf32>
// NOSCORES-NOT: tensor<48x64x
// NOSCORES-NOT: tensor<32x48x
// NOSCORES-NOT: tensor<48x32x
// NOSCORES-NOT: tensor<64x48x

// QNEG: error: mha-tile-attention: q-tile and threads must not be negative, kv-tile and l2-bytes must be positive, got q-tile=-1 kv-tile=64 l2-bytes=1048576 threads=0
// KVNEG: error: mha-tile-attention: q-tile and threads must not be negative, kv-tile and l2-bytes must be positive, got q-tile=64 kv-tile=-8 l2-bytes=1048576 threads=0

// GQA (H = 4, Hkv = 2), causal with Sq = 40 > Skv = 24, f16, Dv != D. The
// query tiles are partial (40 = 16 + 16 + 8) and the kv loop bound is trimmed
// to min(Skv, q0 + qT + Skv - Sq), clamped at 0 since early rows see no key.
// Everything in the kv loop is static and padded: Q^T [D, 16], K [8, D],
// V [8, Dv] in f32, scores S^T [8, 16]. Causal tiles are visited in the
// balanced order 0, n-1, 1, n-2, ...: iteration J computes tile J/2 when J is
// even and n - 1 - J/2 when odd, so that OpenMP's contiguous chunks of
// iterations get equal work.

// CHECK-DAG:   #[[$QT_MAP:.+]] = affine_map<(d0) -> (16, d0 * -16 + 40)>
// CHECK-DAG:   #[[$HIGH:.+]] = affine_map<(d0) -> (-(d0 floordiv 2) + 2)>
// CHECK-DAG:   #[[$KVHEAD_MAP:.+]] = affine_map<(d0) -> (d0 floordiv 2)>
// CHECK-DAG:   #[[$TRANSPOSED:.+]] = affine_map<(d0, d1) -> (d1, d0)>
// CHECK-DAG:   #[[$ID2:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG:   #[[$END_MAP:.+]] = affine_map<(d0, d1) -> (24, d0 + d1 * 16 - 16)>
// CHECK-DAG:   #[[$CLAMP_MAP:.+]] = affine_map<(d0) -> (0, d0)>
// CHECK-DAG:   #[[$KVT_MAP:.+]] = affine_map<(d0)[s0] -> (8, -d0 + s0)>
// CHECK-DAG:   #[[$KEY_D:.+]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG:   #[[$D_Q:.+]] = affine_map<(d0, d1, d2) -> (d2, d1)>
// CHECK-DAG:   #[[$OUT3:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG:   #[[$P_T:.+]] = affine_map<(d0, d1, d2) -> (d2, d0)>
// CHECK-DAG:   #[[$DIAG_MAP:.+]] = affine_map<(d0, d1) -> (-d0 + d1 * 16 - 16)>
// CHECK-DAG:   #[[$COL:.+]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG:   #[[$ROW:.+]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @causal_gqa_f16
// CHECK-SAME:      %[[Q:[^:]+]]: tensor<2x4x40x32xf16>, %[[K:[^:]+]]: tensor<2x2x24x32xf16>, %[[V:[^:]+]]: tensor<2x2x24x16xf16>
// CHECK-DAG:     %[[ZERO:.+]] = arith.constant 0.000000e+00 : f32
// CHECK-DAG:     %[[NEGINF:.+]] = arith.constant 0xFF800000 : f32
// CHECK-DAG:     %[[SCALE:.+]] = arith.constant 0.176776692 : f32
// CHECK:         %[[INIT:.+]] = tensor.empty() : tensor<2x4x40x16xf16>
// CHECK:         %[[RESULT:.+]] = scf.forall (%[[B:.+]], %[[H:.+]], %[[J:.+]]) in (2, 4, 3) shared_outs(%[[OUT:.+]] = %[[INIT]]) -> (tensor<2x4x40x16xf16>) {
// CHECK:           %[[LOWT:.+]] = affine.apply #{{.+}}(%[[J]])
// CHECK:           %[[HIGHT:.+]] = affine.apply #[[$HIGH]](%[[J]])
// CHECK:           %[[J64:.+]] = arith.index_castui %[[J]] : index to i64
// CHECK:           %[[ODD:.+]] = arith.trunci %[[J64]] : i64 to i1
// CHECK:           %[[T:.+]] = arith.select %[[ODD]], %[[HIGHT]], %[[LOWT]] : index
// CHECK:           %[[Q0:.+]] = affine.apply #{{.+}}(%[[T]])
// CHECK:           %[[QT:.+]] = affine.min #[[$QT_MAP]](%[[T]])
// CHECK:           %[[G:.+]] = affine.apply #[[$KVHEAD_MAP]](%[[H]])
// CHECK:           %[[QTILE:.+]] = tensor.extract_slice %[[Q]][%[[B]], %[[H]], %[[Q0]], 0] [1, 1, %[[QT]], 32] [1, 1, 1, 1] : tensor<2x4x40x32xf16> to tensor<?x32xf16>
// Q^T * scale in f32, zero-padded to the static tile, once per query tile.
// CHECK:           %[[QBUF:.+]] = bufferization.alloc_tensor() : tensor<32x16xf32>
// CHECK:           %[[QFILLED:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[QBUF]] : tensor<32x16xf32>)
// CHECK:           %[[QCORNER:.+]] = tensor.extract_slice %[[QFILLED]][0, 0] [32, %[[QT]]] [1, 1] : tensor<32x16xf32> to tensor<32x?xf32>
// CHECK:           %[[QPACK:.+]] = linalg.generic {indexing_maps = [#[[$TRANSPOSED]], #[[$ID2]]], {{.+}} ins(%[[QTILE]] : tensor<?x32xf16>) outs(%[[QCORNER]] : tensor<32x?xf32>)
// CHECK:             arith.extf %{{.+}} : f16 to f32
// CHECK:             arith.mulf %[[SCALE]]
// CHECK:           %[[QP:.+]] = tensor.insert_slice %[[QPACK]] into %[[QFILLED]][0, 0] [32, %[[QT]]] [1, 1] : tensor<32x?xf32> into tensor<32x16xf32>
// The running max starts at the lowest finite float; all state is static.
// CHECK:           %[[LOWEST:.+]] = arith.constant -3.40282347E+38 : f32
// CHECK:           %[[M0:.+]] = linalg.fill ins(%[[LOWEST]] : f32) outs(%{{.+}} : tensor<16xf32>) -> tensor<16xf32>
// CHECK:           %[[L0:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%{{.+}} : tensor<16xf32>) -> tensor<16xf32>
// CHECK:           %[[ACC0:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%{{.+}} : tensor<16x16xf32>) -> tensor<16x16xf32>
// CHECK:           %[[SBUF:.+]] = bufferization.alloc_tensor() : tensor<8x16xf32>
// CHECK:           %[[RBUF:.+]] = bufferization.alloc_tensor() : tensor<16xf32>
// CHECK:           %[[KBUF:.+]] = bufferization.alloc_tensor() : tensor<8x32xf32>
// CHECK:           %[[VBUF:.+]] = bufferization.alloc_tensor() : tensor<8x16xf32>
// CHECK:           %[[END0:.+]] = affine.min #[[$END_MAP]](%[[QT]], %[[T]])
// CHECK:           %[[END:.+]] = affine.max #[[$CLAMP_MAP]](%[[END0]])
// CHECK:           %[[LOOP:.+]]:3 = scf.for %[[K0:.+]] = %{{.+}} to %[[END]] step %{{.+}} iter_args(%[[M:.+]] = %[[M0]], %[[L:.+]] = %[[L0]], %[[ACC:.+]] = %[[ACC0]]) -> (tensor<16xf32>, tensor<16xf32>, tensor<16x16xf32>) {
// CHECK:             %[[KVT:.+]] = affine.min #[[$KVT_MAP]](%[[K0]])[%[[END]]]
// CHECK:             %[[KTILE:.+]] = tensor.extract_slice %[[K]][%[[B]], %[[G]], %[[K0]], 0] [1, 1, %[[KVT]], 32] [1, 1, 1, 1] : tensor<2x2x24x32xf16> to tensor<?x32xf16>
// CHECK:             %[[VTILE:.+]] = tensor.extract_slice %[[V]][%[[B]], %[[G]], %[[K0]], 0] [1, 1, %[[KVT]], 16] [1, 1, 1, 1] : tensor<2x2x24x16xf16> to tensor<?x16xf16>
// K and V widened into zero-padded static tiles.
// CHECK:             %[[KZERO:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%[[KBUF]] : tensor<8x32xf32>)
// CHECK:             %[[KCORNER:.+]] = tensor.extract_slice %[[KZERO]][0, 0] [%[[KVT]], 32] [1, 1]
// CHECK:             %[[KWIDE:.+]] = linalg.generic {{.+}} ins(%[[KTILE]] : tensor<?x32xf16>) outs(%[[KCORNER]] : tensor<?x32xf32>)
// CHECK:               arith.extf
// CHECK:             %[[KP:.+]] = tensor.insert_slice %[[KWIDE]] into %[[KZERO]][0, 0] [%[[KVT]], 32] [1, 1] : tensor<?x32xf32> into tensor<8x32xf32>
// CHECK:             %[[VZERO:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%[[VBUF]] : tensor<8x16xf32>)
// CHECK:             %[[VP:.+]] = tensor.insert_slice %{{.+}} into %[[VZERO]][0, 0] [%[[KVT]], 16] [1, 1] : tensor<?x16xf32> into tensor<8x16xf32>
// S^T = K . Q^T on static tiles.
// CHECK:             %[[SZERO:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[SBUF]] : tensor<8x16xf32>)
// CHECK:             %[[QK:.+]] = linalg.generic {indexing_maps = [#[[$KEY_D]], #[[$D_Q]], #[[$OUT3]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[KP]], %[[QP]] : tensor<8x32xf32>, tensor<32x16xf32>) outs(%[[SZERO]] : tensor<8x16xf32>)
// CHECK-NOT:           arith.extf
// CHECK:               arith.mulf
// CHECK:               arith.addf
// Only tiles that straddle the diagonal or lack keys run the select.
// CHECK:             %[[DIAGOFF:.+]] = affine.apply #[[$DIAG_MAP]](%[[K0]], %[[T]])
// CHECK:             %[[LAST:.+]] = affine.apply #{{.+}}(%[[KVT]])
// CHECK:             %[[STRADDLES:.+]] = arith.cmpi sgt, %[[LAST]], %[[DIAGOFF]] : index
// CHECK:             %[[PARTIAL:.+]] = arith.cmpi slt, %[[KVT]], %{{.+}} : index
// CHECK:             %[[APPLY:.+]] = arith.ori %[[STRADDLES]], %[[PARTIAL]] : i1
// CHECK:             %[[S:.+]] = scf.if %[[APPLY]] -> (tensor<8x16xf32>) {
// CHECK:               linalg.generic {{.+}} outs(%[[QK]] : tensor<8x16xf32>)
// CHECK:                 %[[J:.+]] = linalg.index 0 : index
// CHECK:                 %[[MISSING:.+]] = arith.cmpi sge, %[[J]], %[[KVT]] : index
// CHECK:                 %[[I:.+]] = linalg.index 1 : index
// CHECK:                 %[[IDIAG:.+]] = arith.addi %[[I]], %[[DIAGOFF]] : index
// CHECK:                 %[[FUTURE:.+]] = arith.cmpi sgt, %[[J]], %[[IDIAG]] : index
// CHECK:                 %[[HIDDEN:.+]] = arith.ori %[[MISSING]], %[[FUTURE]] : i1
// CHECK:                 arith.select %[[HIDDEN]], %[[NEGINF]], %{{.+}} : f32
// CHECK:             } else {
// CHECK-NEXT:          scf.yield %[[QK]] : tensor<8x16xf32>
// CHECK:             }
// Row max over keys (the outer dim), then m_new, the correction, l * corr.
// CHECK:             %[[RFILL:.+]] = linalg.fill ins(%[[NEGINF]] : f32) outs(%[[RBUF]] : tensor<16xf32>)
// CHECK:             %[[TMAX:.+]] = linalg.generic {indexing_maps = [#[[$ID2]], #[[$COL]]], iterator_types = ["reduction", "parallel"]} ins(%[[S]] : tensor<8x16xf32>) outs(%[[RFILL]] : tensor<16xf32>)
// CHECK:               arith.maxnumf
// CHECK:             %[[UPD:.+]]:3 = linalg.generic {{.+}} outs(%[[TMAX]], %[[M]], %[[L]] : tensor<16xf32>, tensor<16xf32>, tensor<16xf32>)
// CHECK:               %[[MNEW:.+]] = arith.maxnumf
// CHECK:               arith.subf %{{.+}}, %[[MNEW]] : f32
// CHECK:               math.exp
// CHECK:             %[[P:.+]] = linalg.generic {indexing_maps = [#[[$COL]], #[[$ID2]]], {{.+}} ins(%[[UPD]]#1 : tensor<16xf32>) outs(%[[S]] : tensor<8x16xf32>)
// CHECK:               arith.subf
// CHECK:               math.exp
// CHECK:             %[[LNEW:.+]] = linalg.generic {indexing_maps = [#[[$ID2]], #[[$COL]]], iterator_types = ["reduction", "parallel"]} ins(%[[P]] : tensor<8x16xf32>) outs(%[[UPD]]#2 : tensor<16xf32>)
// CHECK:             %[[ACCSCALED:.+]] = linalg.generic {indexing_maps = [#[[$ROW]], #[[$ID2]]], {{.+}} ins(%[[UPD]]#0 : tensor<16xf32>) outs(%[[ACC]] : tensor<16x16xf32>)
// CHECK:             %[[ACCNEW:.+]] = linalg.generic {indexing_maps = [#[[$P_T]], #[[$D_Q]], #[[$OUT3]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[P]], %[[VP]] : tensor<8x16xf32>, tensor<8x16xf32>) outs(%[[ACCSCALED]] : tensor<16x16xf32>)
// CHECK:             scf.yield %[[UPD]]#1, %[[LNEW]], %[[ACCNEW]] : tensor<16xf32>, tensor<16xf32>, tensor<16x16xf32>
// CHECK:           }
// One division per query, then o = l == 0 ? 0 : acc * (1 / l) on the real
// rows, truncated, computed in place in the output tile.
// CHECK:           %[[INV:.+]] = linalg.generic {{.+}} ins(%[[LOOP]]#1 : tensor<16xf32>) outs(%[[RBUF]] : tensor<16xf32>)
// CHECK:             arith.divf
// CHECK:           %[[ACCREAL:.+]] = tensor.extract_slice %[[LOOP]]#2[0, 0] [%[[QT]], 16] [1, 1] : tensor<16x16xf32> to tensor<?x16xf32>
// CHECK:           %[[LREAL:.+]] = tensor.extract_slice %[[LOOP]]#1[0] [%[[QT]]] [1] : tensor<16xf32> to tensor<?xf32>
// CHECK:           %[[INVREAL:.+]] = tensor.extract_slice %[[INV]][0] [%[[QT]]] [1] : tensor<16xf32> to tensor<?xf32>
// CHECK:           %[[OTILE:.+]] = tensor.extract_slice %[[OUT]][%[[B]], %[[H]], %[[Q0]], 0] [1, 1, %[[QT]], 16] [1, 1, 1, 1] : tensor<2x4x40x16xf16> to tensor<?x16xf16>
// CHECK:           %[[O:.+]] = linalg.generic {{.+}} ins(%[[ACCREAL]], %[[LREAL]], %[[INVREAL]] : tensor<?x16xf32>, tensor<?xf32>, tensor<?xf32>) outs(%[[OTILE]] : tensor<?x16xf16>)
// CHECK:           ^bb0(%[[A:.+]]: f32, %[[SUM:.+]]: f32, %[[RCP:.+]]: f32, %{{.+}}: f16):
// CHECK:             %[[EMPTYROW:.+]] = arith.cmpf oeq, %[[SUM]], %[[ZERO]] : f32
// CHECK:             %[[MUL:.+]] = arith.mulf %[[A]], %[[RCP]] : f32
// CHECK:             %[[SEL:.+]] = arith.select %[[EMPTYROW]], %[[ZERO]], %[[MUL]] : f32
// CHECK:             arith.truncf %[[SEL]] : f32 to f16
// CHECK:           scf.forall.in_parallel {
// CHECK:             tensor.parallel_insert_slice %[[O]] into %[[OUT]][%[[B]], %[[H]], %[[Q0]], 0] [1, 1, %[[QT]], 16] [1, 1, 1, 1] : tensor<?x16xf16> into tensor<2x4x40x16xf16>
// CHECK:         return %[[RESULT]] : tensor<2x4x40x16xf16>
func.func @causal_gqa_f16(%q: tensor<2x4x40x32xf16>, %k: tensor<2x2x24x32xf16>,
                          %v: tensor<2x2x24x16xf16>) -> tensor<2x4x40x16xf16> {
  %o = mha.attention %q, %k, %v {causal}
      : tensor<2x4x40x32xf16>, tensor<2x2x24x32xf16>, tensor<2x2x24x16xf16>
      -> tensor<2x4x40x16xf16>
  return %o : tensor<2x4x40x16xf16>
}

// -----

// Static shapes that the tiles divide, q-tile (16) a multiple of kv-tile (8):
// every tile is static, full f32 K/V tiles are read in place (no packing).
// The kv loop stops at the diagonal, q0, without any select: every key
// before it is visible to every query of the tile. The diagonal tile
// [q0, q0 + 16) is peeled like with q-tile = kv-tile, with 16 keys (scratch
// scores of its own) and triangular blocks of 8 queries.

// CHECK-DAG:   #[[$Q0_MAP:.+]] = affine_map<(d0) -> (d0 * 16)>
// CHECK-LABEL: func.func @static_full_tiles
// CHECK-SAME:      %[[Q:[^:]+]]: tensor<1x2x32x16xf32>, %[[K:[^:]+]]: tensor<1x2x32x16xf32>
// CHECK:         scf.forall (%[[B:.+]], %[[H:.+]], %{{.+}}) in (1, 2, 2)
// CHECK:           %[[T:.+]] = arith.select
// CHECK-NOT:       affine.min
// CHECK:           %[[QTILE:.+]] = tensor.extract_slice %[[Q]][%[[B]], %[[H]], %{{.+}}, 0] [1, 1, 16, 16] [1, 1, 1, 1] : tensor<1x2x32x16xf32> to tensor<16x16xf32>
// CHECK:           %[[QBUF:.+]] = bufferization.alloc_tensor() : tensor<16x16xf32>
// CHECK-NEXT:      %[[QP:.+]] = linalg.generic {{.+}} ins(%[[QTILE]] : tensor<16x16xf32>) outs(%[[QBUF]] : tensor<16x16xf32>)
// CHECK:           %[[SBUF:.+]] = bufferization.alloc_tensor() : tensor<8x16xf32>
// CHECK-NOT:       bufferization.alloc_tensor() : tensor<8x16xf32>
// CHECK:           %[[DBUF:.+]] = bufferization.alloc_tensor() : tensor<16x16xf32>
// CHECK:           %[[END:.+]] = affine.apply #[[$Q0_MAP]](%[[T]])
// CHECK-NOT:       affine.max
// CHECK:           scf.for %[[K0:.+]] = %{{.+}} to %[[END]] step %{{.+}} iter_args(%{{.+}} = %{{.+}}, %{{.+}} = %{{.+}}, %{{.+}} = %{{.+}}) -> (tensor<16xf32>, tensor<16xf32>, tensor<16x16xf32>) {
// CHECK-NOT:         affine.min
// CHECK:             %[[KTILE:.+]] = tensor.extract_slice %[[K]][%[[B]], %[[H]], %[[K0]], 0] [1, 1, 8, 16] [1, 1, 1, 1] : tensor<1x2x32x16xf32> to tensor<8x16xf32>
// CHECK-NOT:         linalg.copy
// CHECK:             %[[SZERO:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%[[SBUF]] : tensor<8x16xf32>)
// CHECK:             linalg.generic {{.+}} ins(%[[KTILE]], %[[QP]] : tensor<8x16xf32>, tensor<16x16xf32>) outs(%[[SZERO]] : tensor<8x16xf32>)
// CHECK-NOT:         scf.if
// CHECK-NOT:         linalg.index
// CHECK:             scf.yield
// CHECK-NEXT:      }
// The peeled diagonal: 16 keys from q0, queries [0, 8) on keys [0, 8).
// CHECK:           %[[KDIAG:.+]] = tensor.extract_slice %[[K]][%[[B]], %[[H]], %[[END]], 0] [1, 1, 16, 16] [1, 1, 1, 1] : tensor<1x2x32x16xf32> to tensor<16x16xf32>
// CHECK:           tensor.extract_slice %[[DBUF]][0, 0] [8, 8] [1, 1] : tensor<16x16xf32> to tensor<8x8xf32>
// CHECK:           tensor.extract_slice %[[KDIAG]][0, 0] [8, 16] [1, 1] : tensor<16x16xf32> to tensor<8x16xf32>
// CHECK:           linalg.index 0
// CHECK-NOT:       arith.extf
// CHECK:           scf.forall.in_parallel
func.func @static_full_tiles(%q: tensor<1x2x32x16xf32>, %k: tensor<1x2x32x16xf32>,
                             %v: tensor<1x2x32x16xf32>) -> tensor<1x2x32x16xf32> {
  %o = mha.attention %q, %k, %v {causal}
      : tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>
      -> tensor<1x2x32x16xf32>
  return %o : tensor<1x2x32x16xf32>
}

// -----

// q-tile = kv-tile, both dividing Sq, Skv and Skv - Sq: the only tile on the
// diagonal is the last one, [q0 + 16, q0 + 32), with the diagonal at its
// corner. The loop stops before it and needs no causal select; the peeled
// diagonal tile computes S^T and P^T . V by triangular blocks of 8 queries
// (block r needs keys [0, 8 * (r + 1))) and hides j > i.

// DIAG-DAG:    #[[$START:.+]] = affine_map<(d0) -> (d0 * 16 + 16)>
// DIAG-LABEL:  func.func @aligned_causal
// DIAG-SAME:       %[[Q:[^:]+]]: tensor<1x2x48x16xf32>, %[[K:[^:]+]]: tensor<1x2x64x16xf32>, %[[V:[^:]+]]: tensor<1x2x64x8xf32>
// DIAG:          scf.forall (%[[B:.+]], %[[H:.+]], %{{.+}}) in (1, 2, 3)
// DIAG:            %[[T:.+]] = arith.select
// DIAG:            %[[QP:.+]] = linalg.generic
// DIAG:            %[[SBUF:.+]] = bufferization.alloc_tensor() : tensor<16x16xf32>
// DIAG:            %[[START:.+]] = affine.apply #[[$START]](%[[T]])
// DIAG:            %[[LOOP:.+]]:3 = scf.for %{{.+}} = %{{.+}} to %[[START]] step %{{.+}} iter_args
// DIAG-NOT:          scf.if
// DIAG-NOT:          linalg.index
// DIAG:              scf.yield
// DIAG-NEXT:       }
// DIAG:            %[[KDIAG:.+]] = tensor.extract_slice %[[K]][%[[B]], %[[H]], %[[START]], 0] [1, 1, 16, 16] [1, 1, 1, 1]
// DIAG:            %[[VDIAG:.+]] = tensor.extract_slice %[[V]][%[[B]], %[[H]], %[[START]], 0] [1, 1, 16, 8] [1, 1, 1, 1]
// Queries [0, 8) only need keys [0, 8); queries [8, 16) need all 16.
// DIAG:            %[[S0:.+]] = tensor.extract_slice %[[SBUF]][0, 0] [8, 8] [1, 1] : tensor<16x16xf32> to tensor<8x8xf32>
// DIAG:            %[[K0ROWS:.+]] = tensor.extract_slice %[[KDIAG]][0, 0] [8, 16] [1, 1] : tensor<16x16xf32> to tensor<8x16xf32>
// DIAG:            %[[Q0COLS:.+]] = tensor.extract_slice %[[QP]][0, 0] [16, 8] [1, 1] : tensor<16x16xf32> to tensor<16x8xf32>
// DIAG:            linalg.generic {{.+}} ins(%[[K0ROWS]], %[[Q0COLS]] : tensor<8x16xf32>, tensor<16x8xf32>) outs(%{{.+}} : tensor<8x8xf32>)
// DIAG:            %[[Q1COLS:.+]] = tensor.extract_slice %[[QP]][0, 8] [16, 8] [1, 1] : tensor<16x16xf32> to tensor<16x8xf32>
// DIAG:            linalg.generic {{.+}} ins(%[[KDIAG]], %[[Q1COLS]] : tensor<16x16xf32>, tensor<16x8xf32>) outs(%{{.+}} : tensor<16x8xf32>)
// DIAG:            linalg.generic
// DIAG:              %[[J:.+]] = linalg.index 0 : index
// DIAG:              %[[I:.+]] = linalg.index 1 : index
// DIAG:              %[[FUTURE:.+]] = arith.cmpi sgt, %[[J]], %{{.+}} : index
// DIAG:              arith.select %[[FUTURE]]
// DIAG:            %[[UPD:.+]]:3 = linalg.generic {{.+}} outs(%{{.+}}, %[[LOOP]]#0, %[[LOOP]]#1 : tensor<16xf32>, tensor<16xf32>, tensor<16xf32>)
// DIAG:            %[[P:.+]] = linalg.generic
// DIAG:              math.exp
// DIAG:            %[[P0:.+]] = tensor.extract_slice %[[P]][0, 0] [8, 8] [1, 1] : tensor<16x16xf32> to tensor<8x8xf32>
// DIAG:            %[[V0:.+]] = tensor.extract_slice %[[VDIAG]][0, 0] [8, 8] [1, 1] : tensor<16x8xf32> to tensor<8x8xf32>
// DIAG:            %[[CORR0:.+]] = tensor.extract_slice %[[UPD]]#0[0] [8] [1] : tensor<16xf32> to tensor<8xf32>
// DIAG:            %[[ACC0:.+]] = tensor.extract_slice %[[LOOP]]#2[0, 0] [8, 8] [1, 1] : tensor<16x8xf32> to tensor<8x8xf32>
// DIAG:            %[[SCALED0:.+]] = linalg.generic {{.+}} ins(%[[CORR0]] : tensor<8xf32>) outs(%[[ACC0]] : tensor<8x8xf32>)
// DIAG:            linalg.generic {{.+}} ins(%[[P0]], %[[V0]] : tensor<8x8xf32>, tensor<8x8xf32>) outs(%[[SCALED0]] : tensor<8x8xf32>)
// DIAG:            %[[P1:.+]] = tensor.extract_slice %[[P]][0, 8] [16, 8] [1, 1] : tensor<16x16xf32> to tensor<16x8xf32>
// DIAG:            linalg.generic {{.+}} ins(%[[P1]], %[[VDIAG]] : tensor<16x8xf32>, tensor<16x8xf32>) outs(%{{.+}} : tensor<8x8xf32>)
// DIAG:            scf.forall.in_parallel
func.func @aligned_causal(%q: tensor<1x2x48x16xf32>, %k: tensor<1x2x64x16xf32>,
                          %v: tensor<1x2x64x8xf32>) -> tensor<1x2x48x8xf32> {
  %o = mha.attention %q, %k, %v {causal}
      : tensor<1x2x48x16xf32>, tensor<1x2x64x16xf32>, tensor<1x2x64x8xf32>
      -> tensor<1x2x48x8xf32>
  return %o : tensor<1x2x48x8xf32>
}

// -----

// Dynamic B, Sq and Skv, MQA (Hkv = 1), causal, and an i1 mask broadcast over
// B and Skv: its size-1 dims are sliced at 0 and read at index 0, on the real
// [kvT, qT] corner of the transposed scores.

// CHECK-DAG:   #[[$NQ_MAP:.+]] = affine_map<()[s0] -> (s0 ceildiv 16)>
// CHECK-DAG:   #[[$HIGH_MAP:.+]] = affine_map<(d0)[s0] -> (-(d0 floordiv 2) + s0 ceildiv 16 - 1)>
// CHECK-DAG:   #[[$QT_MAP:.+]] = affine_map<(d0)[s0] -> (16, d0 * -16 + s0)>
// CHECK-DAG:   #[[$KVHEAD_MAP:.+]] = affine_map<(d0) -> (d0 floordiv 4)>
// CHECK-DAG:   #[[$END_MAP:.+]] = affine_map<(d0, d1)[s0, s1] -> (s0, d0 + d1 * 16 + s0 - s1)>
// CHECK-DAG:   #[[$CLAMP_MAP:.+]] = affine_map<(d0) -> (0, d0)>
// CHECK-DAG:   #[[$MASK_MAP:.+]] = affine_map<(d0, d1) -> (d1, 0)>
// CHECK-LABEL: func.func @dynamic_bool_mask
// CHECK-SAME:      %[[Q:[^:]+]]: tensor<?x4x?x8xf32>, %[[K:[^:]+]]: tensor<?x1x?x8xf32>, %[[V:[^:]+]]: tensor<?x1x?x8xf32>, %[[MASK:[^:]+]]: tensor<1x4x?x1xi1>
// CHECK-DAG:     %[[BDIM:.+]] = tensor.dim %[[Q]], %{{.+}} : tensor<?x4x?x8xf32>
// CHECK-DAG:     %[[SQ:.+]] = tensor.dim %[[Q]], %{{.+}} : tensor<?x4x?x8xf32>
// CHECK-DAG:     %[[SKV:.+]] = tensor.dim %[[K]], %{{.+}} : tensor<?x1x?x8xf32>
// CHECK-DAG:     %[[NEGINF:.+]] = arith.constant 0xFF800000 : f32
// CHECK:         %[[NQ:.+]] = affine.apply #[[$NQ_MAP]]()[%[[SQ]]]
// CHECK:         %[[INIT:.+]] = tensor.empty(%[[BDIM]], %[[SQ]]) : tensor<?x4x?x8xf32>
// CHECK:         scf.forall (%[[B:.+]], %[[H:.+]], %[[J:.+]]) in (%[[BDIM]], 4, %[[NQ]]) shared_outs(%{{.+}} = %[[INIT]]) -> (tensor<?x4x?x8xf32>)
// CHECK:           %[[HIGHT:.+]] = affine.apply #[[$HIGH_MAP]](%[[J]])[%[[SQ]]]
// CHECK:           %[[T:.+]] = arith.select %{{.+}}, %[[HIGHT]], %{{.+}} : index
// CHECK:           %[[Q0:.+]] = affine.apply #{{.+}}(%[[T]])
// CHECK:           %[[QT:.+]] = affine.min #[[$QT_MAP]](%[[T]])[%[[SQ]]]
// CHECK:           %[[G:.+]] = affine.apply #[[$KVHEAD_MAP]](%[[H]])
// CHECK:           %[[END0:.+]] = affine.min #[[$END_MAP]](%[[QT]], %[[T]])[%[[SKV]], %[[SQ]]]
// CHECK:           %[[END:.+]] = affine.max #[[$CLAMP_MAP]](%[[END0]])
// CHECK:           scf.for %[[K0:.+]] = %{{.+}} to %[[END]] step %{{.+}} iter_args({{.+}}) -> (tensor<16xf32>, tensor<16xf32>, tensor<16x8xf32>)
// CHECK:             %[[KVT:.+]] = affine.min
// CHECK:             tensor.extract_slice %[[K]][%[[B]], %[[G]], %[[K0]], 0]
// CHECK:             %[[SCORES:.+]] = linalg.generic {{.+}} iterator_types = ["parallel", "parallel", "reduction"]
// CHECK:             %[[MTILE:.+]] = tensor.extract_slice %[[MASK]][0, %[[H]], %[[Q0]], 0] [1, 1, %[[QT]], 1] [1, 1, 1, 1] : tensor<1x4x?x1xi1> to tensor<?x1xi1>
// CHECK:             %[[CORNER:.+]] = tensor.extract_slice %[[SCORES]][0, 0] [%[[KVT]], %[[QT]]] [1, 1] : tensor<8x16xf32> to tensor<?x?xf32>
// CHECK:             %[[MASKED:.+]] = linalg.generic {indexing_maps = [#[[$MASK_MAP]], #{{.+}}], {{.+}} ins(%[[MTILE]] : tensor<?x1xi1>) outs(%[[CORNER]] : tensor<?x?xf32>)
// CHECK:             ^bb0(%[[KEEP:.+]]: i1, %[[SC:.+]]: f32):
// CHECK:               arith.select %[[KEEP]], %[[SC]], %[[NEGINF]] : f32
// CHECK:             tensor.insert_slice %[[MASKED]] into %[[SCORES]][0, 0] [%[[KVT]], %[[QT]]] [1, 1] : tensor<?x?xf32> into tensor<8x16xf32>
// CHECK:             scf.if
// CHECK:               linalg.index
func.func @dynamic_bool_mask(%q: tensor<?x4x?x8xf32>, %k: tensor<?x1x?x8xf32>,
                             %v: tensor<?x1x?x8xf32>, %m: tensor<1x4x?x1xi1>)
    -> tensor<?x4x?x8xf32> {
  %o = mha.attention %q, %k, %v mask(%m) {causal, scale = 0.5 : f32}
      : tensor<?x4x?x8xf32>, tensor<?x1x?x8xf32>, tensor<?x1x?x8xf32>,
        tensor<1x4x?x1xi1> -> tensor<?x4x?x8xf32>
  return %o : tensor<?x4x?x8xf32>
}

// -----

// Not causal: the kv loop covers all of Skv; only the last, partial kv tile
// (30 = 3 * 8 + 6) needs the select. A bf16 float mask broadcast over H and Sq
// is extended and added to the scores.

// CHECK-DAG:   #[[$MASK_MAP:.+]] = affine_map<(d0, d1) -> (0, d0)>
// CHECK-LABEL: func.func @float_mask_bf16
// CHECK-SAME:      %[[MASK:[^:]+]]: tensor<2x1x1x30xbf16>
// CHECK:         scf.forall (%[[B:.+]], %[[H:.+]], %[[T:.+]]) in (2, 2, 2)
// CHECK:           arith.extf %{{.+}} : bf16 to f32
// CHECK:           %[[SKV:.+]] = arith.constant 30 : index
// CHECK:           scf.for %[[K0:.+]] = %{{.+}} to %[[SKV]] step
// CHECK:             %[[MTILE:.+]] = tensor.extract_slice %[[MASK]][%[[B]], 0, 0, %[[K0]]] [1, 1, 1, %{{.+}}] [1, 1, 1, 1] : tensor<2x1x1x30xbf16> to tensor<1x?xbf16>
// CHECK:             linalg.generic {indexing_maps = [#[[$MASK_MAP]], #{{.+}}], {{.+}} ins(%[[MTILE]] : tensor<1x?xbf16>)
// CHECK:             ^bb0(%[[BIAS:.+]]: bf16, %[[SIN:.+]]: f32):
// CHECK:               %[[BIAS32:.+]] = arith.extf %[[BIAS]] : bf16 to f32
// CHECK:               arith.addf %[[SIN]], %[[BIAS32]] : f32
// CHECK:             %[[PARTIAL:.+]] = arith.cmpi slt
// CHECK-NEXT:        scf.if %[[PARTIAL]]
// CHECK:           arith.truncf %{{.+}} : f32 to bf16
// CHECK:           scf.forall.in_parallel
func.func @float_mask_bf16(%q: tensor<2x2x20x8xbf16>, %k: tensor<2x2x30x8xbf16>,
                           %v: tensor<2x2x30x4xbf16>, %m: tensor<2x1x1x30xbf16>)
    -> tensor<2x2x20x4xbf16> {
  %o = mha.attention %q, %k, %v mask(%m)
      : tensor<2x2x20x8xbf16>, tensor<2x2x30x8xbf16>, tensor<2x2x30x4xbf16>,
        tensor<2x1x1x30xbf16> -> tensor<2x2x20x4xbf16>
  return %o : tensor<2x2x20x4xbf16>
}

// -----

// q-tile (8) smaller than kv-tile (16), Sq < Skv: whole kv tiles up to the
// diagonal start q0 + 16 rounded down to 16 (no select), then the keys left
// before the diagonal by steps of 8 (none or one), then the peeled 8 x 8
// diagonal tile. No tile is partial, so nothing is packed.

// TAIL-DAG:    #[[$DSTART:.+]] = affine_map<(d0) -> (d0 * 8 + 16)>
// TAIL-DAG:    #[[$MAIN_END:.+]] = affine_map<(d0) -> ((d0 floordiv 2) * 16 + 16)>
// TAIL-LABEL:  func.func @causal_q_tile_below_kv_tile
// TAIL:          scf.forall (%{{.+}}, %{{.+}}, %{{.+}}) in (1, 2, 4)
// TAIL:            %[[T:.+]] = arith.select
// TAIL-NOT:        linalg.copy
// TAIL:            %[[SBUF:.+]] = bufferization.alloc_tensor() : tensor<16x8xf32>
// TAIL:            %[[DBUF:.+]] = bufferization.alloc_tensor() : tensor<8x8xf32>
// TAIL:            %[[DSTART:.+]] = affine.apply #[[$DSTART]](%[[T]])
// TAIL:            %[[END:.+]] = affine.apply #[[$MAIN_END]](%[[T]])
// TAIL:            %[[MAIN:.+]]:3 = scf.for %{{.+}} = %{{.+}} to %[[END]] step %c16
// TAIL-NOT:          scf.if
// TAIL-NOT:          linalg.index
// TAIL:              linalg.fill ins(%{{.+}} : f32) outs(%[[SBUF]] : tensor<16x8xf32>)
// TAIL:              scf.yield
// TAIL-NEXT:       }
// TAIL:            %[[REST:.+]]:3 = scf.for %{{.+}} = %[[END]] to %[[DSTART]] step %c8 iter_args(%{{.+}} = %[[MAIN]]#0, %{{.+}} = %[[MAIN]]#1, %{{.+}} = %[[MAIN]]#2)
// TAIL-NOT:          scf.if
// TAIL-NOT:          linalg.index
// TAIL:              linalg.fill ins(%{{.+}} : f32) outs(%[[DBUF]] : tensor<8x8xf32>)
// TAIL:              scf.yield
// TAIL-NEXT:       }
// TAIL:            tensor.extract_slice %{{.+}}[%{{.+}}, %{{.+}}, %[[DSTART]], 0] [1, 1, 8, 24] [1, 1, 1, 1]
// TAIL:            linalg.index 0
// TAIL:            outs(%{{.+}}, %[[REST]]#0, %[[REST]]#1 : tensor<8xf32>, tensor<8xf32>, tensor<8xf32>)
// TAIL:            scf.forall.in_parallel
func.func @causal_q_tile_below_kv_tile(%q: tensor<1x2x32x24xf32>, %k: tensor<1x2x48x24xf32>,
                                       %v: tensor<1x2x48x24xf32>) -> tensor<1x2x32x24xf32> {
  %o = mha.attention %q, %k, %v {causal}
      : tensor<1x2x32x24xf32>, tensor<1x2x48x24xf32>, tensor<1x2x48x24xf32>
      -> tensor<1x2x32x24xf32>
  return %o : tensor<1x2x32x24xf32>
}
