// RUN: mha-opt %s -mha-split-kv="kv-splits=4 kv-tile=16" -canonicalize -cse -split-input-file | FileCheck %s
// RUN: mha-opt %s -mha-split-kv="threads=2" -canonicalize -cse -split-input-file | FileCheck %s --check-prefix=PACK

// Flash-decoding of the attention variants: each split runs the kv loop of
// mha-tile-attention over its own whole kv tiles [s * 32, (s + 1) * 32)
// (4 splits of 100 keys, tiles of 16), on global key indices.

// A window trims every split's loop: keys before 99 - 40 = 59, rounded down
// to a tile (48), are never visited, so splits 0 and 1 run no step. Sinks
// join the combined denominator once, L + exp(sink - M), kept 0 for rows
// that saw no key; the lse is M + log(L) of the combine, -inf for those.
// CHECK-DAG: #[[$END:.+]] = affine_map<(d0) -> (100, d0 * 32 + 32)>
// CHECK-DAG: #[[$START:.+]] = affine_map<(d0) -> (48, d0 * 32)>
// CHECK-LABEL: func.func @window_sinks_lse
// CHECK: %[[P:.+]]:3 = scf.forall (%[[H:.+]], %[[S:.+]]) in (2, 4)
// CHECK:   %[[K1:.+]] = affine.min #[[$END]](%[[S]])
// CHECK:   %[[K0:.+]] = affine.max #[[$START]](%[[S]])
// CHECK:   scf.for %{{.+}} = %[[K0]] to %[[K1]] step %c16
// CHECK: %[[M:.+]] = linalg.generic {{.+}} ins(%[[P]]#0 : tensor<1x2x4x1xf32>)
// CHECK:   arith.maxnumf
// CHECK: %[[L:.+]] = linalg.generic {{.+}} ins(%[[P]]#1, %{{.+}} : tensor<1x2x4x1xf32>, tensor<1x2x4x1xf32>)
// CHECK: %[[DEN:.+]] = linalg.generic {{.+}} ins(%[[L]], %[[M]], %arg3 : tensor<1x2x1xf32>, tensor<1x2x1xf32>, tensor<2xf32>)
// CHECK-NEXT: ^bb0(%[[LV:.+]]: f32, %[[MV:.+]]: f32, %[[SINK:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT:   %[[NONE:.+]] = arith.cmpf oeq, %[[LV]], %{{.+}} : f32
// CHECK-NEXT:   %[[D:.+]] = arith.subf %[[SINK]], %[[MV]] : f32
// CHECK-NEXT:   %[[E:.+]] = math.exp %[[D]] : f32
// CHECK-NEXT:   %[[SUM:.+]] = arith.addf %[[LV]], %[[E]] : f32
// CHECK-NEXT:   arith.select %[[NONE]], %{{.+}}, %[[SUM]] : f32
// CHECK: %[[O:.+]] = linalg.generic {{.+}} ins(%{{.+}}, %[[DEN]] : tensor<1x2x1x32xf32>, tensor<1x2x1xf32>)
// CHECK: %[[LSE:.+]] = linalg.generic {{.+}} ins(%[[M]], %[[L]] : tensor<1x2x1xf32>, tensor<1x2x1xf32>)
// CHECK:   math.log
// CHECK:   arith.select %{{.+}}, %cst{{.*}}, %{{.+}} : f32
// CHECK: return %[[O]], %[[LSE]]
// With 2 workers the cost model gives 1 split, and the window (a per-row
// variant) keeps GQA rows apart: left whole for mha-tile-attention.
// PACK-LABEL: func.func @window_sinks_lse
// PACK-NOT: scf.forall
// PACK: mha.attention
func.func @window_sinks_lse(%q: tensor<1x2x1x32xf32>, %k: tensor<1x2x100x32xf32>, %v: tensor<1x2x100x32xf32>, %s: tensor<2xf32>) -> (tensor<1x2x1x32xf32>, tensor<1x2x1xf32>) {
  %o, %lse = mha.attention %q, %k, %v sinks(%s : tensor<2xf32>) {window = [40, 0], softcap = 30.0 : f32} : tensor<1x2x1x32xf32>, tensor<1x2x100x32xf32>, tensor<1x2x100x32xf32> -> tensor<1x2x1x32xf32>, tensor<1x2x1xf32>
  return %o, %lse : tensor<1x2x1x32xf32>, tensor<1x2x1xf32>
}

// -----

// softcap, sinks and lse do not depend on the row: the 4 query heads of a
// K/V head are the rows of one task. Without a split (PACK) the task
// normalises: row r of head r gets exp(sinks[r] - m_r) in its denominator,
// and its lse (m + log l) goes to its head. Split, the combine adds them.
// PACK-LABEL: func.func @packed_sinks_lse
// PACK: scf.forall (%[[B:.+]]) in (2) shared_outs(%[[OUT:.+]] = %{{.+}}, %[[LSEOUT:.+]] = %{{.+}})
// PACK:   %[[ST:.+]]:3 = scf.for
// PACK:   %[[S2:.+]] = linalg.generic {{.+}} ins(%arg3 : tensor<4xf32>) outs(%{{.+}} : tensor<4x1xf32>)
// PACK:   %[[SR:.+]] = tensor.collapse_shape %[[S2]] {{\[\[}}0, 1]] : tensor<4x1xf32> into tensor<4xf32>
// PACK:   %[[INV:.+]] = linalg.generic {{.+}} ins(%[[ST]]#1, %[[ST]]#0, %[[SR]] : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>)
// PACK:     arith.subf
// PACK:     math.exp
// PACK:     arith.addf
// PACK:     arith.divf
// PACK:   %[[O:.+]] = tensor.expand_shape
// PACK:   %[[LSE:.+]] = linalg.generic {{.+}} ins(%[[ST]]#0, %[[ST]]#1 : tensor<4xf32>, tensor<4xf32>)
// PACK:     math.log
// PACK:   %[[LSE2:.+]] = tensor.expand_shape %[[LSE]] {{\[\[}}0, 1]] output_shape [4, 1]
// PACK:   tensor.parallel_insert_slice %[[O]] into %[[OUT]][%[[B]], 0, 0, 0] [1, 4, 1, 32]
// PACK:   tensor.parallel_insert_slice %[[LSE2]] into %[[LSEOUT]][%[[B]], 0, 0] [1, 4, 1]
// CHECK-LABEL: func.func @packed_sinks_lse
// CHECK: scf.forall (%{{.+}}, %{{.+}}) in (2, 4)
// CHECK:   tensor.collapse_shape %{{.+}} {{\[\[}}0, 1], [2]] : tensor<4x1x32xf32> into tensor<4x32xf32>
// CHECK: linalg.generic {{.+}} ins(%{{.+}}, %{{.+}}, %arg3 : tensor<2x4x1xf32>, tensor<2x4x1xf32>, tensor<4xf32>)
// CHECK:   math.exp
// CHECK: math.log
func.func @packed_sinks_lse(%q: tensor<2x4x1x32xf32>, %k: tensor<2x1x100x32xf32>, %v: tensor<2x1x100x32xf32>, %s: tensor<4xf32>) -> (tensor<2x4x1x32xf32>, tensor<2x4x1xf32>) {
  %o, %lse = mha.attention %q, %k, %v sinks(%s : tensor<4xf32>) {softcap = 30.0 : f32} : tensor<2x4x1x32xf32>, tensor<2x1x100x32xf32>, tensor<2x1x100x32xf32> -> tensor<2x4x1x32xf32>, tensor<2x4x1xf32>
  return %o, %lse : tensor<2x4x1x32xf32>, tensor<2x4x1xf32>
}

// -----

// An affine mask_mod (kv_idx >= 50): its kv range (from 50, rounded down to
// a tile: 48) trims each split's loop like a window, and inside it each
// tile is classified on global indices: empty ones are skipped, partial
// ones select with the mask evaluated at k0 + j.
// CHECK-DAG: #[[$START:.+]] = affine_map<(d0) -> (48, d0 * 32)>
// CHECK-LABEL: func.func @affine_mask
// CHECK: scf.forall (%[[S:.+]]) in (4)
// CHECK:   %[[K0:.+]] = affine.max #[[$START]](%[[S]])
// CHECK:   scf.for %[[KV:[a-z0-9_]+]] = %[[K0]] to
// CHECK:     %[[EMPTY:.+]] = arith.cmpi slt, %{{.+}}, %c0 : index
// CHECK:     scf.if %[[EMPTY]]
// CHECK:       scf.yield %{{.+}}, %{{.+}}, %{{.+}} : tensor<1xf32>, tensor<1xf32>, tensor<1x32xf32>
// CHECK:     } else {
// CHECK:         %[[J:.+]] = linalg.index 0 : index
// CHECK:         %[[KEY:.+]] = arith.addi %[[KV]], %[[J]] : index
// CHECK:         %[[KEYC:.+]] = arith.minsi %[[KEY]], %c99 : index
// CHECK:         arith.cmpi slt, %[[KEYC]], %c50 : index
func.func @affine_mask(%q: tensor<1x1x1x32xf32>, %k: tensor<1x1x100x32xf32>, %v: tensor<1x1x100x32xf32>) -> tensor<1x1x1x32xf32> {
  %o = mha.attention %q, %k, %v : tensor<1x1x1x32xf32>, tensor<1x1x100x32xf32>, tensor<1x1x100x32xf32> -> tensor<1x1x1x32xf32>
    mask_mod {
    ^bb0(%b: index, %h: index, %i: index, %j: index):
      %c50 = arith.constant 50 : index
      %p = arith.cmpi sge, %j, %c50 : index
      mha.yield %p : i1
    }
  return %o : tensor<1x1x1x32xf32>
}

// -----

// A data-dependent mask_mod (document ids): the pre-pass classifies the 7
// kv tiles once, before the splits; each split reads the class of its tile
// at the global tile index k0 / 16.
// CHECK-DAG: #[[$TILE:.+]] = affine_map<(d0) -> (d0 floordiv 16)>
// CHECK-LABEL: func.func @documents
// CHECK: %[[TABLE:.+]] = scf.forall (%{{.+}}) in (7) shared_outs(%{{.+}} = %{{.+}}) -> (tensor<1x1x1x7xi8>)
// CHECK: scf.forall (%{{.+}}) in (4)
// CHECK:   scf.for %[[KV:[a-z0-9_]+]] = 
// CHECK:     %[[T:.+]] = affine.apply #[[$TILE]](%[[KV]])
// CHECK:     %[[CLASS:.+]] = tensor.extract %[[TABLE]][%c0, %c0, %c0, %[[T]]] : tensor<1x1x1x7xi8>
// CHECK:     %[[EMPTY:.+]] = arith.cmpi eq, %[[CLASS]], %c0_i8 : i8
// CHECK:     scf.if %[[EMPTY]]
func.func @documents(%q: tensor<1x1x1x32xf32>, %k: tensor<1x1x100x32xf32>, %v: tensor<1x1x100x32xf32>, %doc: tensor<100xi32>) -> tensor<1x1x1x32xf32> {
  %o = mha.attention %q, %k, %v : tensor<1x1x1x32xf32>, tensor<1x1x100x32xf32>, tensor<1x1x100x32xf32> -> tensor<1x1x1x32xf32>
    mask_mod {
    ^bb0(%b: index, %h: index, %i: index, %j: index):
      %c99 = arith.constant 99 : index
      %dq = tensor.extract %doc[%c99] : tensor<100xi32>
      %dk = tensor.extract %doc[%j] : tensor<100xi32>
      %p = arith.cmpi eq, %dq, %dk : i32
      mha.yield %p : i1
    }
  return %o : tensor<1x1x1x32xf32>
}

// -----

// ALiBi and a score_mod: the score_mod sees the exact ALiBi score (per-key
// bias minus slope * query) and the global key k0 + j; its ALiBi
// distance uses k0 - (Skv - Sq) = k0 - 99. Per-row variants keep the GQA
// rows apart: with 2 workers, 2 tasks need no split and the op is left
// whole for mha-tile-attention.
// CHECK-DAG: #[[$DIST:.+]] = affine_map<(d0) -> (d0 - 99)>
// CHECK-LABEL: func.func @alibi_score_mod
// CHECK: scf.forall (%[[H:.+]], %{{.+}}) in (2, 4)
// CHECK:   %[[SLOPE:.+]] = tensor.extract %arg3[%[[H]]] : tensor<2xf32>
// CHECK:   scf.for %[[KV:[a-z0-9_]+]] =
// CHECK:     affine.apply #[[$DIST]](%[[KV]])
// CHECK:     linalg.generic
// CHECK:       arith.addf
// CHECK:       arith.mulf %[[SLOPE]]
// CHECK:     linalg.generic
// CHECK:       %[[B:.+]] = arith.addf %{{.+}}, %{{.+}} : f32
// CHECK:       %[[QB:.+]] = arith.mulf %[[SLOPE]], %{{.+}} : f32
// CHECK:       %[[EXACT:.+]] = arith.subf %[[B]], %[[QB]] : f32
// CHECK:       %[[J:.+]] = linalg.index 0 : index
// CHECK:       %[[KEY:.+]] = arith.addi %[[KV]], %[[J]] : index
// CHECK:       %[[KEYC:.+]] = arith.minsi %[[KEY]], %c99 : index
// CHECK:       arith.index_cast %[[KEYC]]
// PACK-LABEL: func.func @alibi_score_mod
// PACK-NOT: scf.forall
// PACK: mha.attention
func.func @alibi_score_mod(%q: tensor<1x2x1x32xf32>, %k: tensor<1x1x100x32xf32>, %v: tensor<1x1x100x32xf32>, %a: tensor<2xf32>) -> tensor<1x2x1x32xf32> {
  %o = mha.attention %q, %k, %v alibi(%a : tensor<2xf32>) : tensor<1x2x1x32xf32>, tensor<1x1x100x32xf32>, tensor<1x1x100x32xf32> -> tensor<1x2x1x32xf32>
    score_mod {
    ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
      %ji = arith.index_cast %j : index to i64
      %jf = arith.sitofp %ji : i64 to f32
      %r = arith.addf %s, %jf : f32
      mha.yield %r : f32
    }
  return %o : tensor<1x2x1x32xf32>
}
