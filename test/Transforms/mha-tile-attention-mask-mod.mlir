// RUN: mha-opt %s -mha-tile-attention="q-tile=16 kv-tile=16" -canonicalize -cse -split-input-file | FileCheck %s

// Tile classification of mask_mod in mha-tile-attention.
//
// An affine mask_mod (prefix-LM: kv < 16 or kv <= q) bounds the kv loop of
// each query tile (keys up to max(16, q0 + 16), rounded up to a tile: the
// tiles past the diagonal are never visited) and classifies each visited
// tile from its corners: a tile no element of which is visible yields the
// running state untouched (no matmul, no exp), a full one skips the select,
// and only the rest select per element, re-evaluating the mask there.

// CHECK-LABEL: func.func @prefix_lm
// CHECK:         scf.forall (%[[QT:.*]]) in (4)
// CHECK:           %[[Q0:.*]] = affine.apply #{{.*}}(%[[QT]])
// CHECK:           %[[QEND:.*]] = affine.apply #{{.*}}(%[[QT]])
// CHECK:           %[[HI:.*]] = arith.maxsi %[[QEND]], %c16
// CHECK:           %[[TILES:.*]] = arith.ceildivsi %[[HI]], %c16
// CHECK:           %[[ROUNDED:.*]] = arith.muli %[[TILES]], %c16
// CHECK:           %[[END:.*]] = arith.minsi %[[ROUNDED]], %c64
// CHECK:           scf.for %[[K0:.*]] = %c0 to %[[END]] step %c16 iter_args(%[[M:.*]] = %{{.*}}, %[[L:.*]] = %{{.*}}, %[[ACC:.*]] = %{{.*}})
// CHECK:             %[[FULL:.*]] = arith.ori
// CHECK:             %[[EMPTY:.*]] = arith.andi
// CHECK:             scf.if %[[EMPTY]]
// CHECK-NEXT:          scf.yield %[[M]], %[[L]], %[[ACC]]
// CHECK-NEXT:        } else {
// CHECK-NOT:           arith.select
// CHECK:               linalg.generic
// CHECK-NOT:           arith.select
// CHECK:               scf.if %[[FULL]]
// CHECK-NEXT:            scf.yield
// CHECK-NEXT:          } else {
// CHECK:                 linalg.index 0
// CHECK:                 arith.cmpi ult
// CHECK:                 arith.cmpi ule
// CHECK:                 arith.select %{{.*}}, %{{.*}}, %cst
func.func @prefix_lm(%q: tensor<1x1x64x16xf32>, %k: tensor<1x1x64x16xf32>, %v: tensor<1x1x64x16xf32>) -> tensor<1x1x64x16xf32> {
  %o = mha.attention %q, %k, %v : tensor<1x1x64x16xf32>, tensor<1x1x64x16xf32>, tensor<1x1x64x16xf32> -> tensor<1x1x64x16xf32>
    mask_mod {
    ^bb0(%b: index, %h: index, %i: index, %j: index):
      %c16 = arith.constant 16 : index
      %prefix = arith.cmpi ult, %j, %c16 : index
      %causal = arith.cmpi ule, %j, %i : index
      %p = arith.ori %prefix, %causal : i1
      mha.yield %p : i1
    }
  return %o : tensor<1x1x64x16xf32>
}

// -----

// A data-dependent mask_mod (document ids read with tensor.extract) that
// reads neither b nor h: one pre-pass evaluates it on every element of every
// (query tile, kv tile) and keeps one i8 class per tile (2 full, 1 partial,
// 0 empty) in a [1, 1, 4, 4] table, never a [64, 64] mask. The kv loop reads
// its tile's class: empty tiles are skipped, full ones skip the select. The
// score_mod is inlined in the scores' generic.

// CHECK-LABEL: func.func @documents
// CHECK-SAME:      %[[DOC:[^:]*]]: tensor<64xi32>
// CHECK:         %[[TABLE:.*]] = scf.forall (%[[I:.*]], %[[J:.*]]) in (4, 4) shared_outs(%{{.*}} = %{{.*}}) -> (tensor<1x1x4x4xi8>)
// CHECK:           scf.for
// CHECK:             scf.for
// CHECK:               tensor.extract %[[DOC]]
// CHECK:               tensor.extract %[[DOC]]
// CHECK:               arith.cmpi eq
// CHECK:           tensor.parallel_insert_slice %{{.*}} into %{{.*}}[0, 0, %[[I]], %[[J]]] [1, 1, 1, 1]
// CHECK-NOT:     tensor<64x64xi1>
// CHECK:         scf.forall (%[[QT:.*]]) in (4)
// CHECK:           scf.for %[[K0:.*]] = %c0 to %c64 step %c16 iter_args(%[[M:.*]] = %{{.*}}, %[[L:.*]] = %{{.*}}, %[[ACC:.*]] = %{{.*}})
// CHECK:             %[[KT:.*]] = affine.apply #{{.*}}(%[[K0]])
// CHECK:             %[[CLASS:.*]] = tensor.extract %[[TABLE]][%c0, %c0, %[[QT]], %[[KT]]]
// CHECK:             %[[FULL:.*]] = arith.cmpi eq, %[[CLASS]], %c2_i8
// CHECK:             %[[EMPTY:.*]] = arith.cmpi eq, %[[CLASS]], %c0_i8
// CHECK:             scf.if %[[EMPTY]]
// CHECK-NEXT:          scf.yield %[[M]], %[[L]], %[[ACC]]
// CHECK-NEXT:        } else {
// CHECK:               math.absf
// CHECK:               scf.if %[[FULL]]
// CHECK-NEXT:            scf.yield
// CHECK-NEXT:          } else {
// CHECK:                 tensor.extract %[[DOC]]
// CHECK:                 tensor.extract %[[DOC]]
// CHECK:                 arith.select
func.func @documents(%q: tensor<1x1x64x16xf32>, %k: tensor<1x1x64x16xf32>, %v: tensor<1x1x64x16xf32>, %doc: tensor<64xi32>) -> tensor<1x1x64x16xf32> {
  %o = mha.attention %q, %k, %v : tensor<1x1x64x16xf32>, tensor<1x1x64x16xf32>, tensor<1x1x64x16xf32> -> tensor<1x1x64x16xf32>
    score_mod {
    ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
      %r = math.absf %s : f32
      mha.yield %r : f32
    }
    mask_mod {
    ^bb0(%b: index, %h: index, %i: index, %j: index):
      %di = tensor.extract %doc[%i] : tensor<64xi32>
      %dj = tensor.extract %doc[%j] : tensor<64xi32>
      %p = arith.cmpi eq, %di, %dj : i32
      mha.yield %p : i1
    }
  return %o : tensor<1x1x64x16xf32>
}

// -----

// A mask_mod reading the head: one table per head ([1, 2, 2, 2]), indexed
// by the head; b is not read, so the batch dim is 1.

// CHECK-LABEL: func.func @per_head
// CHECK:         %[[TABLE:.*]] = scf.forall ({{.*}}) in (2, 2, 2) {{.*}} -> (tensor<1x2x2x2xi8>)
// CHECK:         scf.forall (%[[B:.*]], %[[H:.*]], %[[QT:.*]]) in (3, 2, 2)
// CHECK:           tensor.extract %[[TABLE]][%c0, %[[H]], %[[QT]], %{{.*}}] : tensor<1x2x2x2xi8>
func.func @per_head(%q: tensor<3x2x32x16xf32>, %k: tensor<3x2x32x16xf32>, %v: tensor<3x2x32x16xf32>) -> tensor<3x2x32x16xf32> {
  %o = mha.attention %q, %k, %v : tensor<3x2x32x16xf32>, tensor<3x2x32x16xf32>, tensor<3x2x32x16xf32> -> tensor<3x2x32x16xf32>
    mask_mod {
    ^bb0(%b: index, %h: index, %i: index, %j: index):
      %x = arith.addi %h, %j : index
      %p = arith.cmpi sle, %x, %i : index
      mha.yield %p : i1
    }
  return %o : tensor<3x2x32x16xf32>
}
