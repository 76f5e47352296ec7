// RUN: mha-opt %s --convert-mha-to-gpu --canonicalize --cse | FileCheck %s
// RUN: mha-opt %s --convert-mha-to-gpu="kernel=simt" --canonicalize --cse | FileCheck %s --check-prefix=SIMT
// RUN: mha-opt %s --convert-mha-to-gpu="kernel=wgmma chip=sm_90a" --canonicalize --cse | FileCheck %s --check-prefix=WGMMA

// Tile classification of mask_mod in the GPU kernels (ScoreModifiers.h,
// docs/variants.md): an affine mask_mod (here a causal band of 48 keys,
// q_idx - 47 <= kv_idx <= q_idx) trims each block's kv loop to the keys its
// queries may see, skips the tiles it hides from every query without
// computing them and evaluates the region only in partial tiles; a
// data-dependent one (documents of 48 tokens, by division) runs on every kv
// tile, per element, behind the mma kernel's warp vote.

// The kv loop of a block of 128 queries from q0 = 128 x: from the tile of
// key q0 - 47 (kvRangeOf) to the tile past its last query.
// CHECK-LABEL: gpu.func @attention_0(
// CHECK-SAME:      %{{[^:]+}}: index, %[[SQ:[^:]+]]: index, %[[SKV:[^:]+]]: index)
// CHECK:         %[[Q0:.+]] = arith.muli %{{.+}}, %c128 : index
// CHECK:         %[[Q1:.+]] = arith.addi %[[Q0]], %c128 : index
// CHECK:         %[[QEND:.+]] = arith.minsi %[[Q1]], %[[SQ]] : index
// CHECK:         %[[NQ0:.+]] = arith.muli %{{.+}}, %c-128 : index
// CHECK:         %[[LO:.+]] = arith.subi %c-47, %[[NQ0]] : index
// CHECK:         %[[LO0:.+]] = arith.maxsi %[[LO]], %c0 : index
// CHECK:         %[[BEGIN:.+]] = arith.minsi %[[LO0]], %[[SKV]] : index
// CHECK:         %[[HI:.+]] = arith.minsi %[[SKV]], %[[QEND]] : index
// CHECK:         %[[END:.+]] = arith.maxsi %[[HI]], %c0 : index
// CHECK:         %[[FIRST:.+]] = arith.divui %[[BEGIN]], %c128 : index
// CHECK:         %[[ENDR:.+]] = arith.addi %[[END]], %c127 : index
// CHECK:         %[[LAST:.+]] = arith.divui %[[ENDR]], %c128 : index
// CHECK:         %[[N:.+]] = arith.subi %[[LAST]], %[[FIRST]] : index
// CHECK:         %[[COUNT:.+]] = arith.maxsi %[[N]], %c0 : index
// CHECK:         scf.for %{{.+}} = %c0 to %[[COUNT]] step %c1
// The next tile is copied only if some query of the block sees a key of it.
// CHECK:           %[[NEXTHIDDEN:.+]] = arith.ori %{{.+}}, %{{.+}} : i1
// CHECK:           %[[NEXTSEEN:.+]] = arith.xori %[[NEXTHIDDEN]], %true : i1
// CHECK:           arith.andi %{{.+}}, %[[NEXTSEEN]] : i1
// CHECK:           nvgpu.device_async_wait
// A tile the band hides from the warp's 16 rows is skipped: no mma.sync,
// no shuffle vote, no mask_mod.
// CHECK:           %[[EMPTY:.+]] = arith.ori %{{.+}}, %{{.+}} : i1
// CHECK-NEXT:      scf.if %[[EMPTY]] -> (f32, f32, f32, f32,
// CHECK-NEXT:        scf.yield
// CHECK-NEXT:      } else {
// CHECK:             nvvm.mma.sync
// A full tile (every key of it in the band of every row) keeps its scores;
// only a partial one evaluates the region per element.
// CHECK:             scf.if %{{.+}} -> (f32,
// CHECK-NEXT:          scf.yield
// CHECK-NEXT:        } else {
// CHECK:               arith.cmpi ule
// CHECK:               arith.cmpi ugt
// CHECK:               arith.select
// CHECK:             nvvm.mma.sync

// Documents: every kv tile (no trimming), the region per element in every
// tile, and a warp vote (shuffles) to skip the tiles a warp does not see.
// CHECK-LABEL: gpu.func @attention_1(
// CHECK-SAME:      %{{[^:]+}}: index, %{{[^:]+}}: index, %[[SKV1:[^:]+]]: index)
// CHECK:         %[[R:.+]] = arith.addi %[[SKV1]], %c127 : index
// CHECK:         %[[T:.+]] = arith.divui %[[R]], %c128 : index
// CHECK:         %[[C:.+]] = arith.maxsi %[[T]], %c0 : index
// CHECK:         scf.for %{{.+}} = %c0 to %[[C]] step %c1
// CHECK-NOT:       scf.if %{{.+}} -> (f32,
// CHECK:           arith.divui %{{.+}}, %c48 : index
// CHECK:           gpu.shuffle  xor
// CHECK:           scf.if
// CHECK:             nvvm.mma.sync

// The SIMT kernel, per row: a tile the band hides from the row is not
// walked (its loop ends where it starts) and a full one runs no region; a
// tile hidden from the whole block is not staged.
// SIMT-LABEL: gpu.func @attention_0(
// SIMT:         scf.for
// SIMT:           %[[BLOCKEMPTY:.+]] = arith.ori %{{.+}}, %{{.+}} : i1
// SIMT:           %[[STAGE:.+]] = arith.xori %[[BLOCKEMPTY]], %true : i1
// SIMT:           scf.if %[[STAGE]] {
// SIMT:           %[[ROWEMPTY:.+]] = arith.ori %{{.+}}, %{{.+}} : i1
// SIMT:           %[[END:.+]] = arith.select %[[ROWEMPTY]], %[[FIRST:.+]], %{{.+}} : index
// SIMT:           scf.for %{{.+}} = %[[FIRST]] to %[[END]] step %c1
// SIMT:             vector.reduction <add>
// SIMT:             scf.if %{{.+}} -> (f32) {
// SIMT-NEXT:          scf.yield
// SIMT-NEXT:        } else {
// SIMT:               arith.cmpi ule
// SIMT:               arith.select

// wgmma (warp-specialised): the band trims the consumers' kv loop; in it,
// a full tile runs no region (only a partial one evaluates it). The ring
// loads every tile of the trimmed range: a tile hidden inside it is masked,
// not skipped (docs/variants.md).
// WGMMA-LABEL: gpu.func @attention_0(
// WGMMA:         arith.maxsi
// WGMMA:         scf.for %{{.+}} = %c0 to %{{.+}} step %c1 iter_args(
// WGMMA:           nvvm.wgmma.mma_async
// WGMMA:           scf.if %{{.+}} -> (f32, f32, f32, f32,
// WGMMA-NEXT:        scf.yield
// WGMMA-NEXT:      } else {
// WGMMA:             arith.cmpi ule

func.func @band(%q: tensor<1x2x256x64xbf16>, %k: tensor<1x2x256x64xbf16>, %v: tensor<1x2x256x64xbf16>) -> tensor<1x2x256x64xbf16> {
  %o = mha.attention %q, %k, %v : tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16> -> tensor<1x2x256x64xbf16>
    mask_mod {
    ^bb0(%b: index, %h: index, %i: index, %j: index):
      %c48 = arith.constant 48 : index
      %cau = arith.cmpi ule, %j, %i : index
      %jw = arith.addi %j, %c48 : index
      %win = arith.cmpi ugt, %jw, %i : index
      %p = arith.andi %cau, %win : i1
      mha.yield %p : i1
    }
  return %o : tensor<1x2x256x64xbf16>
}

func.func @documents(%q: tensor<1x2x256x64xbf16>, %k: tensor<1x2x256x64xbf16>, %v: tensor<1x2x256x64xbf16>) -> tensor<1x2x256x64xbf16> {
  %o = mha.attention %q, %k, %v : tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16> -> tensor<1x2x256x64xbf16>
    mask_mod {
    ^bb0(%b: index, %h: index, %i: index, %j: index):
      %c48 = arith.constant 48 : index
      %di = arith.divui %i, %c48 : index
      %dj = arith.divui %j, %c48 : index
      %p = arith.cmpi eq, %di, %dj : index
      mha.yield %p : i1
    }
  return %o : tensor<1x2x256x64xbf16>
}
