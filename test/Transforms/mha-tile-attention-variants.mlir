// RUN: mha-opt %s -mha-tile-attention="q-tile=16 kv-tile=16" -canonicalize -split-input-file | FileCheck %s

// The variants under mha-tile-attention: the window becomes the kv range of
// each query tile (tiles outside it are never visited), and only tiles cut
// by a window edge select -inf.

// window = [20, 0] is causal with a left edge: query tile x (queries
// [16x, 16x + 16)) visits kv tiles from max(0, (16x - 20) floordiv 16 * 16)
// = 16x - 32 up to its peeled diagonal tile at 16x.
// CHECK-DAG: #[[$START:.+]] = affine_map<(d0) -> (0, d0 * 16 - 32)>
// CHECK-DAG: #[[$LEFT:.+]] = affine_map<(d0, d1) -> (-d0 + d1 * 16 - 20)>
// CHECK-LABEL: func.func @sliding_window
// CHECK: scf.forall (%{{.+}}, %{{.+}}) in (4, 4)
// CHECK:   %[[QT:.+]] = arith.select
// CHECK:   %[[BEGIN:.+]] = affine.max #[[$START]](%[[QT]])
// CHECK:   scf.for %[[K0:.+]] = %[[BEGIN]] to %{{.+}} step %c16
// Local key j is hidden from local query i iff j < i + (q0 - 20 - k0); the
// select runs only when the tile's first key is hidden from its last query.
// CHECK:     %[[WL:.+]] = affine.apply #[[$LEFT]](%[[K0]], %[[QT]])
// CHECK:     %[[LASTQ:.+]] = arith.addi %[[WL]], %c15 : index
// CHECK:     %[[CUT:.+]] = arith.cmpi sgt, %[[LASTQ]], %c0 : index
// CHECK:     scf.if %[[CUT]]
// CHECK:       linalg.index 1
// CHECK:       arith.cmpi slt
// CHECK:       arith.select
func.func @sliding_window(%q: tensor<1x4x64x32xf32>, %k: tensor<1x2x64x32xf32>, %v: tensor<1x2x64x32xf32>) -> tensor<1x4x64x32xf32> {
  %o = mha.attention %q, %k, %v {window = [20, 0]} : tensor<1x4x64x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32> -> tensor<1x4x64x32xf32>
  return %o : tensor<1x4x64x32xf32>
}

// -----

// A right edge trims the end of the kv range: min(Skv, q0 + 16 + 5).
// CHECK-DAG: #[[$END:.+]] = affine_map<(d0) -> (64, d0 * 16 + 21)>
// CHECK-LABEL: func.func @right_window
// CHECK: scf.forall (%{{.+}}, %[[QT:.+]]) in (4, 4)
// CHECK:   %[[END:.+]] = affine.min #[[$END]](%[[QT]])
// CHECK:   scf.for %{{.+}} = %c0 to %[[END]] step %c16
func.func @right_window(%q: tensor<1x4x64x32xf32>, %k: tensor<1x2x64x32xf32>, %v: tensor<1x2x64x32xf32>) -> tensor<1x4x64x32xf32> {
  %o = mha.attention %q, %k, %v {window = [-1, 5]} : tensor<1x4x64x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32> -> tensor<1x4x64x32xf32>
  return %o : tensor<1x4x64x32xf32>
}

// -----

// softcap and ALiBi modify the scores of every tile before any mask; the
// slope of the head is read once per query tile. softcap is a rational
// function of the score with one division that may use a reciprocal
// estimate (`arcp`), no exp; ALiBi adds only the per-key part of
// slope * (j - i') (per kv tile, slope * (key + k0 - q0')), and the running
// max of row i is lowered by slope * i after the kv loop. Sinks join the
// final denominator and the lse is m + log(l), -inf for rows that saw no key.
// CHECK-LABEL: func.func @score_mods_sinks_lse
// CHECK: scf.forall (%{{.+}}, %[[H:.+]], %{{.+}}) in (2, 4, 4) shared_outs(%{{.+}} = %{{.+}}, %[[LSE:.+]] = %{{.+}})
// CHECK:   %[[SLOPE:.+]] = tensor.extract %{{.+}}[%[[H]]] : tensor<4xf32>
// CHECK:   %[[KPOS:.+]] = linalg.generic {{.+}} outs(%{{.+}} : tensor<16xf32>)
// CHECK:     arith.sitofp
// CHECK:   %[[QPOS:.+]] = linalg.generic {{.+}} outs(%{{.+}} : tensor<16xf32>)
// CHECK:   %[[LOOP:.+]]:3 = scf.for %
// CHECK:     %[[BIAS:.+]] = linalg.generic {{.+}} ins(%[[KPOS]] : tensor<16xf32>)
// CHECK:       arith.addf
// CHECK:       arith.mulf %[[SLOPE]]
// CHECK:     linalg.generic {{.+}} ins(%[[BIAS]] : tensor<16xf32>)
// CHECK-NOT:   math.exp
// CHECK:       arith.divf %{{.+}}, %{{.+}} fastmath<ninf,arcp,contract> : f32
// CHECK-NEXT:  arith.mulf
// CHECK-NEXT:  arith.addf %{{.+}}, %{{.+}} : f32
// CHECK-NEXT:  linalg.yield
// CHECK:   %[[M:.+]] = linalg.generic {{.+}} ins(%[[QPOS]] : tensor<16xf32>) outs(%[[LOOP]]#0 : tensor<16xf32>)
// CHECK-NEXT: ^bb0(%[[I:.+]]: f32, %[[MAX:.+]]: f32):
// CHECK-NEXT:   %[[SHIFT:.+]] = arith.mulf %[[SLOPE]], %[[I]]
// CHECK-NEXT:   arith.subf %[[MAX]], %[[SHIFT]]
// CHECK:   %[[SINK:.+]] = tensor.extract %{{.+}}[%[[H]]] : tensor<4xf32>
// CHECK:   linalg.generic
// CHECK:     arith.subf %[[SINK]]
// CHECK:     math.exp
// CHECK:   math.log
// CHECK:   tensor.parallel_insert_slice %{{.+}} into %[[LSE]]
// CHECK: return %{{.+}}#0, %{{.+}}#1
func.func @score_mods_sinks_lse(%q: tensor<2x4x64x32xf32>, %k: tensor<2x4x64x32xf32>, %v: tensor<2x4x64x32xf32>, %a: tensor<4xf32>, %s: tensor<4xf32>) -> (tensor<2x4x64x32xf32>, tensor<2x4x64xf32>) {
  %o, %lse = mha.attention %q, %k, %v alibi(%a : tensor<4xf32>) sinks(%s : tensor<4xf32>) {softcap = 30.0 : f32} : tensor<2x4x64x32xf32>, tensor<2x4x64x32xf32>, tensor<2x4x64x32xf32> -> tensor<2x4x64x32xf32>, tensor<2x4x64xf32>
  return %o, %lse : tensor<2x4x64x32xf32>, tensor<2x4x64xf32>
}

// -----

// ALiBi alone costs no pass over the score tile: the per-key bias is added
// by the passes that read the scores anyway, the row max and the exp.
// CHECK-LABEL: func.func @alibi_in_softmax
// CHECK:   scf.for %
// CHECK:     %[[BIAS:.+]] = linalg.generic {{.+}} outs(%{{.+}} : tensor<16xf32>)
// CHECK:     %[[MAX:.+]] = linalg.generic {{.+}} iterator_types = ["reduction", "parallel"]} ins(%[[S:.+]], %[[BIAS]] : tensor<16x16xf32>, tensor<16xf32>)
// CHECK-NEXT:  ^bb0(%[[X:.+]]: f32, %[[B:.+]]: f32, %[[ACC:.+]]: f32):
// CHECK-NEXT:    %[[XB:.+]] = arith.addf %[[X]], %[[B]]
// CHECK-NEXT:    arith.maxnumf %[[XB]], %[[ACC]]
// CHECK:     linalg.generic {{.+}} ins(%{{.+}}, %[[BIAS]] : tensor<16xf32>, tensor<16xf32>) outs(%[[S]] : tensor<16x16xf32>)
// CHECK-NEXT:  ^bb0(%[[M:.+]]: f32, %[[B2:.+]]: f32, %[[X2:.+]]: f32):
// CHECK-NEXT:    %[[XB2:.+]] = arith.addf %[[X2]], %[[B2]]
// CHECK-NEXT:    %[[D:.+]] = arith.subf %[[XB2]], %[[M]]
// CHECK-NEXT:    math.exp %[[D]]
func.func @alibi_in_softmax(%q: tensor<1x4x64x32xf32>, %k: tensor<1x4x64x32xf32>, %v: tensor<1x4x64x32xf32>, %a: tensor<4xf32>) -> tensor<1x4x64x32xf32> {
  %o = mha.attention %q, %k, %v alibi(%a : tensor<4xf32>) : tensor<1x4x64x32xf32>, tensor<1x4x64x32xf32>, tensor<1x4x64x32xf32> -> tensor<1x4x64x32xf32>
  return %o : tensor<1x4x64x32xf32>
}
