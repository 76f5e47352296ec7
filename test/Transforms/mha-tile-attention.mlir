// RUN: mha-opt %s -mha-tile-attention="q-tile=16 kv-tile=8" -split-input-file | FileCheck %s
// RUN: mha-opt %s -mha-tile-attention="q-tile=16 kv-tile=8" -split-input-file | FileCheck %s --check-prefix=NOSCORES
// RUN: not mha-opt %s -mha-tile-attention="q-tile=0" -split-input-file 2>&1 | FileCheck %s --check-prefix=QZERO
// RUN: not mha-opt %s -mha-tile-attention="kv-tile=-8" -split-input-file 2>&1 | FileCheck %s --check-prefix=KVNEG

// The full score matrix ([Sq, Skv] or [B, H, Sq, Skv]) never appears: the
// only score tensor is one [qT, kvT] tile. No mha op is left behind.
// NOSCORES-NOT: mha.attention
// NOSCORES-NOT: tensor<40x24x
// NOSCORES-NOT: tensor<2x4x40x24x
// NOSCORES-NOT: tensor<?x4x?x?xf32>
// NOSCORES-NOT: tensor<20x30x
// NOSCORES-NOT: tensor<2x2x20x30x
// NOSCORES-NOT: tensor<32x32xf32>
// NOSCORES-NOT: tensor<1x2x32x32xf32>

// QZERO: error: mha-tile-attention: q-tile and kv-tile must be positive, got q-tile=0 kv-tile=64
// KVNEG: error: mha-tile-attention: q-tile and kv-tile must be positive, got q-tile=64 kv-tile=-8

// GQA (H = 4, Hkv = 2), causal with Sq = 40 > Skv = 24, f16, Dv != D. The
// query tiles are partial (40 = 16 + 16 + 8) and the kv loop bound is trimmed
// to min(Skv, q0 + qT + Skv - Sq), clamped at 0 since early rows see no key.

// CHECK-DAG:   #[[$QT_MAP:.+]] = affine_map<(d0) -> (16, d0 * -16 + 40)>
// CHECK-DAG:   #[[$KVHEAD_MAP:.+]] = affine_map<(d0) -> (d0 floordiv 2)>
// CHECK-DAG:   #[[$END_MAP:.+]] = affine_map<(d0, d1) -> (24, d0 + d1 * 16 - 16)>
// CHECK-DAG:   #[[$CLAMP_MAP:.+]] = affine_map<(d0) -> (0, d0)>
// CHECK-DAG:   #[[$KVT_MAP:.+]] = affine_map<(d0)[s0] -> (8, -d0 + s0)>
// CHECK-DAG:   #[[$DIAG_MAP:.+]] = affine_map<(d0, d1) -> (-d0 + d1 * 16 - 16)>
// CHECK-LABEL: func.func @causal_gqa_f16
// CHECK-SAME:      %[[Q:[^:]+]]: tensor<2x4x40x32xf16>, %[[K:[^:]+]]: tensor<2x2x24x32xf16>, %[[V:[^:]+]]: tensor<2x2x24x16xf16>
// CHECK-DAG:     %[[ZERO:.+]] = arith.constant 0.000000e+00 : f32
// CHECK-DAG:     %[[NEGINF:.+]] = arith.constant 0xFF800000 : f32
// CHECK-DAG:     %[[SCALE:.+]] = arith.constant 0.176776692 : f32
// CHECK:         %[[INIT:.+]] = tensor.empty() : tensor<2x4x40x16xf16>
// CHECK:         %[[RESULT:.+]] = scf.forall (%[[B:.+]], %[[H:.+]], %[[T:.+]]) in (2, 4, 3) shared_outs(%[[OUT:.+]] = %[[INIT]]) -> (tensor<2x4x40x16xf16>) {
// CHECK:           %[[Q0:.+]] = affine.apply #{{.+}}(%[[T]])
// CHECK:           %[[QT:.+]] = affine.min #[[$QT_MAP]](%[[T]])
// CHECK:           %[[G:.+]] = affine.apply #[[$KVHEAD_MAP]](%[[H]])
// CHECK:           %[[QTILE:.+]] = tensor.extract_slice %[[Q]][%[[B]], %[[H]], %[[Q0]], 0] [1, 1, %[[QT]], 32] [1, 1, 1, 1] : tensor<2x4x40x32xf16> to tensor<?x32xf16>
// CHECK:           %[[M0:.+]] = linalg.fill ins(%[[NEGINF]] : f32) outs(%{{.+}} : tensor<?xf32>) -> tensor<?xf32>
// CHECK:           %[[L0:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%{{.+}} : tensor<?xf32>) -> tensor<?xf32>
// CHECK:           %[[ACC0:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%{{.+}} : tensor<?x16xf32>) -> tensor<?x16xf32>
// CHECK:           %[[SBUF:.+]] = bufferization.alloc_tensor() : tensor<16x8xf32>
// CHECK:           %[[RBUF:.+]] = bufferization.alloc_tensor() : tensor<16xf32>
// CHECK:           %[[END0:.+]] = affine.min #[[$END_MAP]](%[[QT]], %[[T]])
// CHECK:           %[[END:.+]] = affine.max #[[$CLAMP_MAP]](%[[END0]])
// CHECK:           %[[LOOP:.+]]:3 = scf.for %[[K0:.+]] = %{{.+}} to %[[END]] step %{{.+}} iter_args(%[[M:.+]] = %[[M0]], %[[L:.+]] = %[[L0]], %[[ACC:.+]] = %[[ACC0]]) -> (tensor<?xf32>, tensor<?xf32>, tensor<?x16xf32>) {
// CHECK:             %[[KVT:.+]] = affine.min #[[$KVT_MAP]](%[[K0]])[%[[END]]]
// CHECK:             %[[KTILE:.+]] = tensor.extract_slice %[[K]][%[[B]], %[[G]], %[[K0]], 0] [1, 1, %[[KVT]], 32] [1, 1, 1, 1] : tensor<2x2x24x32xf16> to tensor<?x32xf16>
// CHECK:             %[[VTILE:.+]] = tensor.extract_slice %[[V]][%[[B]], %[[G]], %[[K0]], 0] [1, 1, %[[KVT]], 16] [1, 1, 1, 1] : tensor<2x2x24x16xf16> to tensor<?x16xf16>
// CHECK:             %[[SSLICE:.+]] = tensor.extract_slice %[[SBUF]][0, 0] [%[[QT]], %[[KVT]]] [1, 1] : tensor<16x8xf32> to tensor<?x?xf32>
// CHECK:             %[[SZERO:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[SSLICE]] : tensor<?x?xf32>)
// CHECK:             %[[QK:.+]] = linalg.generic {{.+}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[QTILE]], %[[KTILE]] : tensor<?x32xf16>, tensor<?x32xf16>) outs(%[[SZERO]] : tensor<?x?xf32>)
// CHECK:               arith.extf %{{.+}} : f16 to f32
// CHECK:               arith.extf %{{.+}} : f16 to f32
// CHECK:               arith.mulf
// CHECK:               arith.addf
// Only tiles that straddle the diagonal run the per-element causal select.
// CHECK:             %[[DIAG:.+]] = affine.apply #[[$DIAG_MAP]](%[[K0]], %[[T]])
// CHECK:             %[[LAST:.+]] = affine.apply #{{.+}}(%[[KVT]])
// CHECK:             %[[STRADDLES:.+]] = arith.cmpi sgt, %[[LAST]], %[[DIAG]] : index
// CHECK:             %[[S:.+]] = scf.if %[[STRADDLES]] -> (tensor<?x?xf32>) {
// CHECK:               linalg.generic {{.+}} outs(%[[QK]] : tensor<?x?xf32>)
// CHECK:                 arith.mulf %[[SCALE]]
// CHECK:                 %[[I:.+]] = linalg.index 0 : index
// CHECK:                 %[[J:.+]] = linalg.index 1 : index
// CHECK:                 %[[IDIAG:.+]] = arith.addi %[[I]], %[[DIAG]] : index
// CHECK:                 %[[HIDDEN:.+]] = arith.cmpi sgt, %[[J]], %[[IDIAG]] : index
// CHECK:                 arith.select %[[HIDDEN]], %[[NEGINF]], %{{.+}} : f32
// CHECK:             } else {
// CHECK-NOT:           linalg.index
// CHECK:               arith.mulf %[[SCALE]]
// CHECK:             }
// Row max into the scratch row, then m_new, the correction and l * correction.
// CHECK:             %[[RSLICE:.+]] = tensor.extract_slice %[[RBUF]][0] [%[[QT]]] [1] : tensor<16xf32> to tensor<?xf32>
// CHECK:             %[[RFILL:.+]] = linalg.fill ins(%[[NEGINF]] : f32) outs(%[[RSLICE]] : tensor<?xf32>)
// CHECK:             %[[TMAX:.+]] = linalg.generic {{.+}} iterator_types = ["parallel", "reduction"]} ins(%[[S]] : tensor<?x?xf32>) outs(%[[RFILL]] : tensor<?xf32>)
// CHECK:               arith.maximumf
// CHECK:             %[[UPD:.+]]:3 = linalg.generic {{.+}} outs(%[[TMAX]], %[[M]], %[[L]] : tensor<?xf32>, tensor<?xf32>, tensor<?xf32>)
// CHECK:               %[[MNEW:.+]] = arith.maximumf
// CHECK:               %[[ISINF:.+]] = arith.cmpf oeq, %[[MNEW]], %[[NEGINF]] : f32
// CHECK:               %[[SAFE:.+]] = arith.select %[[ISINF]], %[[ZERO]], %[[MNEW]] : f32
// CHECK:               arith.subf %{{.+}}, %[[SAFE]] : f32
// CHECK:               math.exp
// CHECK:             %[[P:.+]] = linalg.generic {{.+}} ins(%[[UPD]]#1 : tensor<?xf32>) outs(%[[S]] : tensor<?x?xf32>)
// CHECK:               arith.cmpf oeq, %{{.+}}, %[[NEGINF]] : f32
// CHECK:               math.exp
// CHECK:             %[[LNEW:.+]] = linalg.generic {{.+}} iterator_types = ["parallel", "reduction"]} ins(%[[P]] : tensor<?x?xf32>) outs(%[[UPD]]#2 : tensor<?xf32>)
// CHECK:             %[[ACCSCALED:.+]] = linalg.generic {{.+}} ins(%[[UPD]]#0 : tensor<?xf32>) outs(%[[ACC]] : tensor<?x16xf32>)
// CHECK:             %[[ACCNEW:.+]] = linalg.generic {{.+}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[P]], %[[VTILE]] : tensor<?x?xf32>, tensor<?x16xf16>) outs(%[[ACCSCALED]] : tensor<?x16xf32>)
// CHECK:               arith.extf %{{.+}} : f16 to f32
// CHECK:             scf.yield %[[UPD]]#1, %[[LNEW]], %[[ACCNEW]] : tensor<?xf32>, tensor<?xf32>, tensor<?x16xf32>
// CHECK:           }
// o = l == 0 ? 0 : acc / l, truncated, computed in place in the output tile.
// CHECK:           %[[OTILE:.+]] = tensor.extract_slice %[[OUT]][%[[B]], %[[H]], %[[Q0]], 0] [1, 1, %[[QT]], 16] [1, 1, 1, 1] : tensor<2x4x40x16xf16> to tensor<?x16xf16>
// CHECK:           %[[O:.+]] = linalg.generic {{.+}} ins(%[[LOOP]]#2, %[[LOOP]]#1 : tensor<?x16xf32>, tensor<?xf32>) outs(%[[OTILE]] : tensor<?x16xf16>)
// CHECK:           ^bb0(%[[A:.+]]: f32, %[[SUM:.+]]: f32, %{{.+}}: f16):
// CHECK:             %[[EMPTYROW:.+]] = arith.cmpf oeq, %[[SUM]], %[[ZERO]] : f32
// CHECK:             %[[DIV:.+]] = arith.divf %[[A]], %[[SUM]] : f32
// CHECK:             %[[SEL:.+]] = arith.select %[[EMPTYROW]], %[[ZERO]], %[[DIV]] : f32
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

// Static shapes that the tiles divide (also the causal bounds: qTile, Skv and
// Skv - Sq are multiples of kvTile): every tile is static, the kv bound needs
// no clamp at 0, and f32 needs no extf.

// CHECK-DAG:   #[[$END_MAP:.+]] = affine_map<(d0) -> (32, d0 * 16 + 16)>
// CHECK-LABEL: func.func @static_full_tiles
// CHECK-SAME:      %[[Q:[^:]+]]: tensor<1x2x32x16xf32>, %[[K:[^:]+]]: tensor<1x2x32x16xf32>
// CHECK:         scf.forall (%[[B:.+]], %[[H:.+]], %[[T:.+]]) in (1, 2, 2)
// CHECK-NOT:       affine.min
// CHECK:           tensor.extract_slice %[[Q]][%[[B]], %[[H]], %{{.+}}, 0] [1, 1, 16, 16] [1, 1, 1, 1] : tensor<1x2x32x16xf32> to tensor<16x16xf32>
// CHECK:           %[[SBUF:.+]] = bufferization.alloc_tensor() : tensor<16x8xf32>
// CHECK:           %[[END:.+]] = affine.min #[[$END_MAP]](%[[T]])
// CHECK-NOT:       affine.max
// CHECK:           scf.for %[[K0:.+]] = %{{.+}} to %[[END]] step %{{.+}} iter_args(%{{.+}} = %{{.+}}, %{{.+}} = %{{.+}}, %{{.+}} = %{{.+}}) -> (tensor<16xf32>, tensor<16xf32>, tensor<16x16xf32>) {
// CHECK-NOT:         affine.min
// CHECK:             tensor.extract_slice %[[K]][%[[B]], %[[H]], %[[K0]], 0] [1, 1, 8, 16] [1, 1, 1, 1] : tensor<1x2x32x16xf32> to tensor<8x16xf32>
// CHECK-NOT:         tensor.extract_slice %[[SBUF]]
// CHECK:             linalg.fill ins(%{{.+}} : f32) outs(%[[SBUF]] : tensor<16x8xf32>)
// CHECK:             %[[C7:.+]] = arith.constant 7 : index
// CHECK:             arith.cmpi sgt, %[[C7]], %{{.+}} : index
// CHECK:             scf.if %{{.+}} -> (tensor<16x8xf32>)
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

// Dynamic B, Sq and Skv, MQA (Hkv = 1), causal, and an i1 mask broadcast over
// B and Skv: its size-1 dims are sliced at 0 and read at index 0.

// CHECK-DAG:   #[[$NQ_MAP:.+]] = affine_map<()[s0] -> (s0 ceildiv 16)>
// CHECK-DAG:   #[[$QT_MAP:.+]] = affine_map<(d0)[s0] -> (16, d0 * -16 + s0)>
// CHECK-DAG:   #[[$KVHEAD_MAP:.+]] = affine_map<(d0) -> (d0 floordiv 4)>
// CHECK-DAG:   #[[$END_MAP:.+]] = affine_map<(d0, d1)[s0, s1] -> (s0, d0 + d1 * 16 + s0 - s1)>
// CHECK-DAG:   #[[$CLAMP_MAP:.+]] = affine_map<(d0) -> (0, d0)>
// CHECK-DAG:   #[[$MASK_MAP:.+]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-LABEL: func.func @dynamic_bool_mask
// CHECK-SAME:      %[[Q:[^:]+]]: tensor<?x4x?x8xf32>, %[[K:[^:]+]]: tensor<?x1x?x8xf32>, %[[V:[^:]+]]: tensor<?x1x?x8xf32>, %[[MASK:[^:]+]]: tensor<1x4x?x1xi1>
// CHECK-DAG:     %[[BDIM:.+]] = tensor.dim %[[Q]], %{{.+}} : tensor<?x4x?x8xf32>
// CHECK-DAG:     %[[SQ:.+]] = tensor.dim %[[Q]], %{{.+}} : tensor<?x4x?x8xf32>
// CHECK-DAG:     %[[SKV:.+]] = tensor.dim %[[K]], %{{.+}} : tensor<?x1x?x8xf32>
// CHECK-DAG:     %[[NEGINF:.+]] = arith.constant 0xFF800000 : f32
// CHECK:         %[[NQ:.+]] = affine.apply #[[$NQ_MAP]]()[%[[SQ]]]
// CHECK:         %[[INIT:.+]] = tensor.empty(%[[BDIM]], %[[SQ]]) : tensor<?x4x?x8xf32>
// CHECK:         scf.forall (%[[B:.+]], %[[H:.+]], %[[T:.+]]) in (%[[BDIM]], 4, %[[NQ]]) shared_outs(%{{.+}} = %[[INIT]]) -> (tensor<?x4x?x8xf32>)
// CHECK:           %[[Q0:.+]] = affine.apply #{{.+}}(%[[T]])
// CHECK:           %[[QT:.+]] = affine.min #[[$QT_MAP]](%[[T]])[%[[SQ]]]
// CHECK:           %[[G:.+]] = affine.apply #[[$KVHEAD_MAP]](%[[H]])
// CHECK:           %[[END0:.+]] = affine.min #[[$END_MAP]](%[[QT]], %[[T]])[%[[SKV]], %[[SQ]]]
// CHECK:           %[[END:.+]] = affine.max #[[$CLAMP_MAP]](%[[END0]])
// CHECK:           scf.for %[[K0:.+]] = %{{.+}} to %[[END]] step %{{.+}} iter_args({{.+}}) -> (tensor<?xf32>, tensor<?xf32>, tensor<?x8xf32>)
// CHECK:             tensor.extract_slice %[[K]][%[[B]], %[[G]], %[[K0]], 0]
// CHECK:             %[[MTILE:.+]] = tensor.extract_slice %[[MASK]][0, %[[H]], %[[Q0]], 0] [1, 1, %[[QT]], 1] [1, 1, 1, 1] : tensor<1x4x?x1xi1> to tensor<?x1xi1>
// CHECK:             scf.if
// CHECK:               linalg.generic {indexing_maps = [#[[$MASK_MAP]], #{{.+}}], {{.+}} ins(%[[MTILE]] : tensor<?x1xi1>)
// CHECK:               ^bb0(%[[KEEP:.+]]: i1, %{{.+}}: f32):
// CHECK:                 %[[SC:.+]] = arith.mulf
// CHECK:                 arith.select %[[KEEP]], %[[SC]], %[[NEGINF]] : f32
// CHECK:                 linalg.index
// CHECK:             } else {
// CHECK:               ins(%[[MTILE]] : tensor<?x1xi1>)
func.func @dynamic_bool_mask(%q: tensor<?x4x?x8xf32>, %k: tensor<?x1x?x8xf32>,
                             %v: tensor<?x1x?x8xf32>, %m: tensor<1x4x?x1xi1>)
    -> tensor<?x4x?x8xf32> {
  %o = mha.attention %q, %k, %v mask(%m) {causal, scale = 0.5 : f32}
      : tensor<?x4x?x8xf32>, tensor<?x1x?x8xf32>, tensor<?x1x?x8xf32>,
        tensor<1x4x?x1xi1> -> tensor<?x4x?x8xf32>
  return %o : tensor<?x4x?x8xf32>
}

// -----

// Not causal: the kv loop covers all of Skv and there is no scf.if. A bf16
// float mask broadcast over H and Sq is extended and added to the scores.

// CHECK-DAG:   #[[$MASK_MAP:.+]] = affine_map<(d0, d1) -> (0, d1)>
// CHECK-LABEL: func.func @float_mask_bf16
// CHECK-SAME:      %[[MASK:[^:]+]]: tensor<2x1x1x30xbf16>
// CHECK:         scf.forall (%[[B:.+]], %[[H:.+]], %[[T:.+]]) in (2, 2, 2)
// CHECK:           %[[SKV:.+]] = arith.constant 30 : index
// CHECK:           scf.for %[[K0:.+]] = %{{.+}} to %[[SKV]] step
// CHECK:             arith.extf %{{.+}} : bf16 to f32
// CHECK:             %[[MTILE:.+]] = tensor.extract_slice %[[MASK]][%[[B]], 0, 0, %[[K0]]] [1, 1, 1, %{{.+}}] [1, 1, 1, 1] : tensor<2x1x1x30xbf16> to tensor<1x?xbf16>
// CHECK-NOT:         scf.if
// CHECK:             linalg.generic {indexing_maps = [#[[$MASK_MAP]], #{{.+}}], {{.+}} ins(%[[MTILE]] : tensor<1x?xbf16>)
// CHECK:             ^bb0(%[[BIAS:.+]]: bf16, %[[SIN:.+]]: f32):
// CHECK:               %[[SC:.+]] = arith.mulf %{{.+}}, %[[SIN]] : f32
// CHECK:               %[[BIAS32:.+]] = arith.extf %[[BIAS]] : bf16 to f32
// CHECK:               arith.addf %[[SC]], %[[BIAS32]] : f32
// CHECK-NOT:         scf.if
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
