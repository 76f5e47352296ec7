// RUN: mha-opt %s -mha-split-kv="kv-splits=4 split-max-sq=16 kv-tile=64 pack-heads=false" -split-input-file | FileCheck %s
// RUN: mha-opt %s -mha-split-kv="kv-splits=4" -split-input-file | FileCheck %s --check-prefix=PACK
// RUN: mha-opt %s -mha-split-kv="threads=2" -split-input-file | FileCheck %s --check-prefix=FEW
// RUN: mha-opt %s -mha-split-kv="threads=64 min-split-bytes=131072" -split-input-file | FileCheck %s --check-prefix=MANY
// RUN: mha-opt %s -mha-split-kv="kv-splits=1" -split-input-file | FileCheck %s --check-prefix=OFF
// RUN: mha-opt %s -mha-split-kv="threads=6 min-split-bytes=131072" -split-input-file | FileCheck %s --check-prefix=BALANCE6
// RUN: mha-opt %s -mha-split-kv="threads=4 min-split-bytes=131072" -split-input-file | FileCheck %s --check-prefix=BALANCE4
// RUN: not mha-opt %s -mha-split-kv="kv-splits=-1" -split-input-file 2>&1 | FileCheck %s --check-prefix=NEGATIVE
// RUN: not mha-opt %s -mha-split-kv="min-split-bytes=0" -split-input-file 2>&1 | FileCheck %s --check-prefix=NEGATIVE-BYTES
// RUN: not mha-opt %s -mha-split-kv="vector-width=-1" -split-input-file 2>&1 | FileCheck %s --check-prefix=NEGATIVE-WIDTH
// RUN: mha-opt %s -mha-split-kv="threads=2 vector-width=16" -split-input-file | FileCheck %s --check-prefix=KEYS
// RUN: mha-opt %s -mha-split-kv="threads=2 vector-width=16 prefetch-tiles=2" -split-input-file | FileCheck %s --check-prefix=PREFETCH
// RUN: not mha-opt %s -mha-split-kv="prefetch-tiles=-1" -split-input-file 2>&1 | FileCheck %s --check-prefix=NEGATIVE-PREFETCH

// NEGATIVE: mha-split-kv: kv-splits, threads, vector-width and prefetch-tiles must not be negative, kv-tile and min-split-bytes must be positive, got kv-splits=-1 kv-tile=64 threads=0 min-split-bytes=524288 vector-width=0 prefetch-tiles=0
// NEGATIVE-BYTES: got kv-splits=0 kv-tile=64 threads=0 min-split-bytes=0
// NEGATIVE-PREFETCH: vector-width=0 prefetch-tiles=-1
// NEGATIVE-WIDTH: got kv-splits=0 kv-tile=64 threads=0 min-split-bytes=524288 vector-width=-1

// The cost model (kv-splits = 0): with 2 workers the 8 (batch, K/V head)
// tasks fill them in whole rounds, so there is no split: one packed task per
// K/V head normalises its 4 rows into the result. With 64 workers more
// splits always help (8 * s pieces in one round), up to the bound of the
// K/V bytes of a head over min-split-bytes (1000 * 256 * 4 / 131072 = 7).
// kv-splits = 1 never splits but still packs.
// FEW-LABEL: func.func @decode_gqa_mask
// FEW: %[[R:.*]] = scf.forall (%[[B:.*]], %[[H:.*]]) in (1, 8) shared_outs(%[[OUT:.*]] = %{{.*}}) -> (tensor<1x32x1x128xf32>)
// FEW: %[[H0:[0-9a-z_]+]] = affine.apply #{{.*}}(%[[H]])
// FEW: tensor.extract_slice %arg0[%[[B]], %[[H0]], 0, 0] [1, 4, 1, 128]
// FEW: scf.for
// FEW: tensor.extract_slice %arg1[%[[B]], %[[H]], %{{.*}}, 0] [1, 1, %{{.*}}, 128]
// FEW: arith.divf
// FEW: %[[O:.*]] = tensor.expand_shape %{{.*}} {{\[\[}}0, 1], [2]] output_shape [4, 1, 128] : tensor<4x128xf32> into tensor<4x1x128xf32>
// FEW: tensor.parallel_insert_slice %[[O]] into %[[OUT]][%[[B]], %[[H0]], 0, 0] [1, 4, 1, 128]
// FEW-NOT: linalg.generic
// FEW: return %[[R]]
// MANY-LABEL: func.func @decode_gqa_mask
// MANY: scf.forall (%{{.*}}, %{{.*}}, %{{.*}}) in (1, 8, 7)
// OFF-LABEL: func.func @decode_gqa_mask
// OFF: scf.forall (%{{.*}}, %{{.*}}) in (1, 8) shared_outs
// OFF: tensor.parallel_insert_slice

// GQA packing: one task per (batch, K/V head, split) whose query tile is the
// 4 queries of the group ([4, 1, 128] -> [4, 128]), K and V read once for
// the 4 heads; the partial state goes back to [B, H, splits, Sq] at the
// group's first head.
// PACK-LABEL: func.func @decode_gqa_mask
// PACK: %[[P:.*]]:3 = scf.forall (%[[B:.*]], %[[H:.*]], %[[S:.*]]) in (1, 8, 4)
// PACK-SAME: -> (tensor<1x32x4x1xf32>, tensor<1x32x4x1xf32>, tensor<1x32x4x1x128xf32>)
// PACK: %[[H0:[0-9a-z_]+]] = affine.apply #{{.*}}(%[[H]])
// PACK: %[[QS:.*]] = tensor.extract_slice %arg0[%[[B]], %[[H0]], 0, 0] [1, 4, 1, 128] [1, 1, 1, 1] : tensor<1x32x1x128xf32> to tensor<4x1x128xf32>
// PACK: tensor.collapse_shape %[[QS]] {{\[\[}}0, 1], [2]] : tensor<4x1x128xf32> into tensor<4x128xf32>
// PACK: %[[R:.*]]:3 = scf.for {{.*}} -> (tensor<4xf32>, tensor<4xf32>, tensor<4x128xf32>)
// PACK: tensor.extract_slice %arg1[%[[B]], %[[H]], %{{.*}}, 0]
// PACK: tensor.extract_slice %arg2[%[[B]], %[[H]], %{{.*}}, 0]
// PACK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<64x128xf32>, tensor<128x4xf32>) outs(%{{.*}} : tensor<64x4xf32>)
// PACK: %[[M:.*]] = tensor.expand_shape %[[R]]#0 {{\[\[}}0, 1]] output_shape [4, 1]
// PACK: %[[ACC:.*]] = tensor.expand_shape %[[R]]#2 {{\[\[}}0, 1], [2]] output_shape [4, 1, 128]
// PACK: scf.forall.in_parallel
// PACK-NEXT: tensor.parallel_insert_slice %[[M]] into %{{.*}}[%[[B]], %[[H0]], %[[S]], 0] [1, 4, 1, 1]
// PACK-NEXT: tensor.parallel_insert_slice %{{.*}} into %{{.*}}[%[[B]], %[[H0]], %[[S]], 0] [1, 4, 1, 1]
// PACK-NEXT: tensor.parallel_insert_slice %[[ACC]] into %{{.*}}[%[[B]], %[[H0]], %[[S]], 0, 0] [1, 4, 1, 1, 128]

// Decode with GQA and a broadcast i1 mask: parallel over (B, H, splits),
// each split an online-softmax kv loop over its own 256 keys, partial
// tensors, then the log-sum-exp combine. No [Sq, Skv] buffer.
// CHECK-DAG: #[[$BEGIN:.*]] = affine_map<(d0) -> (d0 * 256)>
// CHECK-DAG: #[[$END:.*]] = affine_map<(d0) -> (1000, d0 * 256 + 256)>
// CHECK-LABEL: func.func @decode_gqa_mask
// CHECK-NOT: tensor<1x32x1x1000xf32>
// CHECK: tensor.empty() : tensor<1x32x4x1xf32>
// CHECK: tensor.empty() : tensor<1x32x4x1x128xf32>
// CHECK: %[[P:.*]]:3 = scf.forall (%[[B:.*]], %[[H:.*]], %[[S:.*]]) in (1, 32, 4)
// CHECK-SAME: -> (tensor<1x32x4x1xf32>, tensor<1x32x4x1xf32>, tensor<1x32x4x1x128xf32>)
// CHECK: %[[K0:.*]] = affine.apply #[[$BEGIN]](%[[S]])
// CHECK: %[[K1:.*]] = affine.min #[[$END]](%[[S]])
// CHECK: %[[R:.*]]:3 = scf.for %{{.*}} = %[[K0]] to %[[K1]] step %{{.*}} iter_args
// CHECK-SAME: -> (tensor<1xf32>, tensor<1xf32>, tensor<1x128xf32>)
// CHECK: tensor.extract_slice %arg3[0, 0, 0, %{{.*}}] [1, 1, 1, %{{.*}}]
// CHECK: arith.select
// CHECK: math.exp
// CHECK: scf.forall.in_parallel
// CHECK-NEXT: tensor.parallel_insert_slice %[[R]]#0 into %{{.*}}[%[[B]], %[[H]], %[[S]], 0] [1, 1, 1, 1]
// CHECK-NEXT: tensor.parallel_insert_slice %[[R]]#1 into %{{.*}}[%[[B]], %[[H]], %[[S]], 0] [1, 1, 1, 1]
// CHECK-NEXT: tensor.parallel_insert_slice %[[R]]#2 into %{{.*}}[%[[B]], %[[H]], %[[S]], 0, 0] [1, 1, 1, 1, 128]
// Combine: M = max_s m_s, w = exp(m_s - M), L = sum l_s w, O = sum acc_s w.
// CHECK: %[[LOWEST:.*]] = arith.constant -3.40282347E+38 : f32
// CHECK: %[[M0:.*]] = linalg.fill ins(%[[LOWEST]] : f32)
// CHECK: %[[M:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[P]]#0 : tensor<1x32x4x1xf32>) outs(%[[M0]] : tensor<1x32x1xf32>)
// CHECK: arith.maxnumf
// CHECK: %[[W:.*]] = linalg.generic {{.*}} ins(%[[M]] : tensor<1x32x1xf32>) outs(%[[P]]#0 : tensor<1x32x4x1xf32>)
// CHECK: arith.subf
// CHECK: math.exp
// CHECK: %[[L:.*]] = linalg.generic {{.*}} ins(%[[P]]#1, %[[W]] : tensor<1x32x4x1xf32>, tensor<1x32x4x1xf32>)
// CHECK: %[[O:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%[[P]]#2, %[[W]] : tensor<1x32x4x1x128xf32>, tensor<1x32x4x1xf32>)
// CHECK: %[[RES:.*]] = linalg.generic {{.*}} ins(%[[O]], %[[L]] : tensor<1x32x1x128xf32>, tensor<1x32x1xf32>)
// CHECK: arith.cmpf oeq
// CHECK: arith.divf
// CHECK: arith.select
// CHECK: return %[[RES]]
// Keys in lanes for the 4 packed rows (86 < 148 vector ops per key at
// D = 128, 16 lanes): per kv tile K is packed transposed ([128, 64]: keys
// contiguous) and the scores [4, 64] are Q [4, 128] . K^T; V is read in
// place. The 15 whole kv tiles run in a loop without any select but the
// mask's; the last 40 keys get a tail loop that zero-pads K^T and V and
// hides the padded keys. The i1 mask tile [1, keys] is read per row.
// With prefetch-tiles=2 each whole tile first prefetches the 64 K rows two
// tiles (128 keys) ahead, one prefetch per 64-byte line (16 f32), the key
// clamped to the last one (999), and the V rows before P . V; the tail
// loop does not prefetch.
// Balance of the last round: 8 tasks on 6 workers take 2 rounds of whole
// heads unsplit, 24 pieces of 1/3 head in 4 rounds (4/3 heads) with 3
// splits, the least of s = 1..6 (2, 3/2, 4/3, 3/2, 7/5, 4/3); on 4 workers
// 8 tasks fill 2 rounds exactly: no split.
// BALANCE6-LABEL: func.func @decode_gqa_mask
// BALANCE6: scf.forall (%{{.*}}, %{{.*}}, %{{.*}}) in (1, 8, 3)
// BALANCE4-LABEL: func.func @decode_gqa_mask
// BALANCE4: scf.forall (%{{.*}}, %{{.*}}) in (1, 8) shared_outs
// PREFETCH-LABEL: func.func @decode_gqa_mask
// PREFETCH: scf.for %{{.*}} = %c0 to %c960 step %c64
// PREFETCH: %[[KB:.*]] = bufferization.to_buffer %arg1 read_only : tensor<1x8x1000x128xf32> to memref<1x8x1000x128xf32, strided<[?, ?, ?, ?], offset: ?>>
// PREFETCH: arith.addi %{{.*}}, %c128
// PREFETCH: scf.for %{{.*}} = %{{.*}} to %{{.*}} step
// PREFETCH: %[[KEY:.*]] = arith.minsi
// PREFETCH-COUNT-8: memref.prefetch %[[KB]][%{{.*}}, %{{.*}}, %[[KEY]], %{{.*}}], read, locality<3>, data
// PREFETCH-NOT: memref.prefetch
// PREFETCH: ins(%{{.*}}, %{{.*}} : tensor<4x128xf32>, tensor<128x64xf32>) outs(%{{.*}} : tensor<4x64xf32>)
// PREFETCH: %[[VB:.*]] = bufferization.to_buffer %arg2 read_only
// PREFETCH-COUNT-8: memref.prefetch %[[VB]]
// PREFETCH: scf.yield
// PREFETCH: scf.for %{{.*}} = %c960{{.*}} to %c1000 step %c64
// PREFETCH-NOT: memref.prefetch
// PREFETCH: tensor.parallel_insert_slice
// KEYS-LABEL: func.func @decode_gqa_mask
// KEYS-NOT: memref.prefetch
// KEYS: scf.forall (%{{.*}}, %{{.*}}) in (1, 8)
// KEYS: tensor.collapse_shape %{{.*}} : tensor<4x1x128xf32> into tensor<4x128xf32>
// KEYS: scf.for %{{.*}} = %c0 to %c960 step %c64
// KEYS: %[[KT:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<64x128xf32>) outs(%{{.*}} : tensor<128x64xf32>)
// KEYS-NOT: linalg.copy
// KEYS: ins(%{{.*}}, %[[KT]] : tensor<4x128xf32>, tensor<128x64xf32>) outs(%{{.*}} : tensor<4x64xf32>)
// KEYS-NOT: arith.cmpi
// KEYS: arith.select
// KEYS-NOT: arith.cmpi
// KEYS: iterator_types = ["parallel", "reduction"]} ins(%{{.*}} : tensor<4x64xf32>) outs(%{{.*}} : tensor<4xf32>)
// KEYS: arith.maxnumf
// KEYS: scf.for %{{.*}} = %c960{{.*}} to %c1000 step %c64
// KEYS: linalg.generic {{.*}} ins(%{{.*}} : tensor<?x128xf32>) outs(%{{.*}} : tensor<128x?xf32>)
// KEYS: linalg.copy
// KEYS-NOT: linalg.copy
// KEYS: tensor<4x128xf32>, tensor<128x64xf32>) outs(%{{.*}} : tensor<4x64xf32>)
// KEYS: arith.cmpi sge
// KEYS: tensor.parallel_insert_slice
func.func @decode_gqa_mask(%q: tensor<1x32x1x128xf32>, %k: tensor<1x8x1000x128xf32>, %v: tensor<1x8x1000x128xf32>, %m: tensor<1x1x1x1000xi1>) -> tensor<1x32x1x128xf32> {
  %o = mha.attention %q, %k, %v mask(%m) : tensor<1x32x1x128xf32>, tensor<1x8x1000x128xf32>, tensor<1x8x1000x128xf32>, tensor<1x1x1x1000xi1> -> tensor<1x32x1x128xf32>
  return %o : tensor<1x32x1x128xf32>
}

// -----

// Dynamic Skv, causal, bf16: the chunk is computed from tensor.dim and the
// result truncated.
// CHECK-LABEL: func.func @dynamic_causal_bf16
// CHECK: %[[SKV:.*]] = tensor.dim %arg1, %c2
// CHECK: scf.forall (%{{.*}}, %{{.*}}, %{{.*}}) in (2, 4, 4)
// CHECK: scf.for
// CHECK: arith.extf
// CHECK: scf.forall.in_parallel
// CHECK: arith.truncf {{.*}} : f32 to bf16
func.func @dynamic_causal_bf16(%q: tensor<2x4x3x32xbf16>, %k: tensor<2x2x?x32xbf16>, %v: tensor<2x2x?x32xbf16>) -> tensor<2x4x3x32xbf16> {
  %o = mha.attention %q, %k, %v {causal} : tensor<2x4x3x32xbf16>, tensor<2x2x?x32xbf16>, tensor<2x2x?x32xbf16> -> tensor<2x4x3x32xbf16>
  return %o : tensor<2x4x3x32xbf16>
}

// -----

// Sq > split-max-sq (and dynamic Sq) are left to mha-tile-attention.
// CHECK-LABEL: func.func @long_query
// CHECK-NOT: scf.forall
// CHECK: mha.attention
// CHECK-NOT: scf.forall
// CHECK: mha.attention
// CHECK-NOT: scf.forall
func.func @long_query(%q: tensor<1x2x17x32xf32>, %k: tensor<1x2x100x32xf32>, %v: tensor<1x2x100x32xf32>, %qd: tensor<1x2x?x32xf32>) -> (tensor<1x2x17x32xf32>, tensor<1x2x?x32xf32>) {
  %o = mha.attention %q, %k, %v : tensor<1x2x17x32xf32>, tensor<1x2x100x32xf32>, tensor<1x2x100x32xf32> -> tensor<1x2x17x32xf32>
  %d = mha.attention %qd, %k, %v : tensor<1x2x?x32xf32>, tensor<1x2x100x32xf32>, tensor<1x2x100x32xf32> -> tensor<1x2x?x32xf32>
  return %o, %d : tensor<1x2x17x32xf32>, tensor<1x2x?x32xf32>
}

// -----

// A small decode step (MHA, 128 keys, 64 KiB of K/V per head): no split can
// pay for itself (the cost model gives 1 even for 64 workers), and with one
// head per group there is nothing to pack: left for mha-tile-attention.
// CHECK-LABEL: func.func @small_mha
// MANY-LABEL: func.func @small_mha
// MANY-NOT: scf.forall
// MANY: mha.attention
// FEW-LABEL: func.func @small_mha
// FEW-NOT: scf.forall (
// FEW: mha.attention
// With 16 lanes (vector-width=16) the cost model keeps the keys in the lanes
// of the 1-row tile (30 < 84 vector ops per key at D = 64): the step is
// taken from mha-tile-attention, Q stays [1, 64], each K tile is packed
// transposed, the scores are [1, 64] (rows, keys), V is read in place (128
// is 2 whole tiles), and the max and sum reduce the inner (key) dim.
// KEYS-LABEL: func.func @small_mha
// KEYS-NOT: mha.attention
// KEYS: scf.forall (%[[B:.*]], %[[H:.*]]) in (1, 8)
// KEYS: %[[Q:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<1x64xf32>) outs(%{{.*}} : tensor<1x64xf32>)
// KEYS: scf.for
// KEYS: %[[K:.*]] = tensor.extract_slice %arg1[%[[B]], %[[H]], %{{.*}}, 0] [1, 1, 64, 64] {{.*}} to tensor<64x64xf32>
// KEYS: %[[V:.*]] = tensor.extract_slice %arg2[%[[B]], %[[H]], %{{.*}}, 0] [1, 1, 64, 64] {{.*}} to tensor<64x64xf32>
// KEYS: %[[KT:.*]] = linalg.generic {{.*}} ins(%[[K]] : tensor<64x64xf32>) outs(%{{.*}} : tensor<64x64xf32>)
// KEYS: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[Q]], %[[KT]] : tensor<1x64xf32>, tensor<64x64xf32>) outs(%{{.*}} : tensor<1x64xf32>)
// KEYS: iterator_types = ["parallel", "reduction"]} ins(%{{.*}} : tensor<1x64xf32>) outs(%{{.*}} : tensor<1xf32>)
// KEYS: arith.maxnumf
// KEYS: math.exp
// KEYS: iterator_types = ["parallel", "reduction"]} ins(%{{.*}} : tensor<1x64xf32>) outs(%{{.*}} : tensor<1xf32>)
// KEYS: arith.addf
// KEYS: ins(%{{.*}}, %[[V]] : tensor<1x64xf32>, tensor<64x64xf32>) outs(%{{.*}} : tensor<1x64xf32>)
// KEYS: tensor.parallel_insert_slice
// KEYS: return
func.func @small_mha(%q: tensor<1x8x1x64xf32>, %k: tensor<1x8x128x64xf32>, %v: tensor<1x8x128x64xf32>) -> tensor<1x8x1x64xf32> {
  %o = mha.attention %q, %k, %v : tensor<1x8x1x64xf32>, tensor<1x8x128x64xf32>, tensor<1x8x128x64xf32> -> tensor<1x8x1x64xf32>
  return %o : tensor<1x8x1x64xf32>
}

// -----

// Packable masks: one row per head with one query (rows collapse to the
// packed rows), and a [H, Sq] mask with Sq = 3 (the group's 2 x 3 rows).
// A mask broadcast over heads but not over the 3 queries cannot give the
// packed rows a projected map: that op is not packed (tasks over H).
// CHECK-LABEL: func.func @packed_masks
// FEW-LABEL: func.func @packed_masks
// FEW: scf.forall (%{{.*}}, %[[H:[0-9a-z_]+]]) in (2, 2)
// FEW: %[[H0:[0-9a-z_]+]] = affine.apply #{{.*}}(%[[H]])
// FEW: %[[MS:.*]] = tensor.extract_slice %arg3[%{{.*}}, %[[H0]], 0, %{{.*}}] [1, 2, 1, %{{.*}}]
// FEW: tensor.collapse_shape %[[MS]] {{\[\[}}0, 1], [2]] : tensor<2x1x?xi1> into tensor<2x?xi1>
// FEW: scf.forall (%{{.*}}, %[[H:[0-9a-z_]+]]) in (2, 2)
// FEW: %[[H0:[0-9a-z_]+]] = affine.apply #{{.*}}(%[[H]])
// FEW: tensor.extract_slice %arg4[%{{.*}}, %[[H0]], 0, 0] [1, 2, 3, 32] {{.*}} to tensor<2x3x32xf32>
// FEW: %[[MS:.*]] = tensor.extract_slice %arg5[%{{.*}}, %[[H0]], 0, %{{.*}}] [1, 2, 3, %{{.*}}]
// FEW: tensor.collapse_shape %[[MS]] {{\[\[}}0, 1], [2]] : tensor<2x3x?xf32> into tensor<6x?xf32>
// FEW-NOT: scf.forall (
// FEW: mha.attention
// FEW-NOT: scf.forall (
func.func @packed_masks(%q: tensor<2x4x1x32xf32>, %k: tensor<2x2x100x32xf32>, %v: tensor<2x2x100x32xf32>, %m: tensor<2x4x1x100xi1>,
                        %q3: tensor<2x4x3x32xf32>, %m3: tensor<2x4x3x100xf32>, %mh: tensor<1x1x3x100xi1>) -> (tensor<2x4x1x32xf32>, tensor<2x4x3x32xf32>, tensor<2x4x3x32xf32>) {
  %o = mha.attention %q, %k, %v mask(%m) : tensor<2x4x1x32xf32>, tensor<2x2x100x32xf32>, tensor<2x2x100x32xf32>, tensor<2x4x1x100xi1> -> tensor<2x4x1x32xf32>
  %o3 = mha.attention %q3, %k, %v mask(%m3) : tensor<2x4x3x32xf32>, tensor<2x2x100x32xf32>, tensor<2x2x100x32xf32>, tensor<2x4x3x100xf32> -> tensor<2x4x3x32xf32>
  %oh = mha.attention %q3, %k, %v mask(%mh) : tensor<2x4x3x32xf32>, tensor<2x2x100x32xf32>, tensor<2x2x100x32xf32>, tensor<1x1x3x100xi1> -> tensor<2x4x3x32xf32>
  return %o, %o3, %oh : tensor<2x4x1x32xf32>, tensor<2x4x3x32xf32>, tensor<2x4x3x32xf32>
}

// -----

// Causal with one query hides nothing: packed, and no causal select is
// left. Causal with Sq = 3 needs each row's own diagonal: not packed.
// CHECK-LABEL: func.func @causal_decode
// FEW-LABEL: func.func @causal_decode
// FEW: scf.forall (%{{.*}}, %{{.*}}) in (1, 2)
// FEW-NOT: arith.cmpi sgt
// FEW: tensor.parallel_insert_slice
// FEW-NOT: scf.forall (
// FEW: mha.attention
func.func @causal_decode(%q: tensor<1x8x1x32xf32>, %k: tensor<1x2x100x32xf32>, %v: tensor<1x2x100x32xf32>, %q3: tensor<1x8x3x32xf32>) -> (tensor<1x8x1x32xf32>, tensor<1x8x3x32xf32>) {
  %o = mha.attention %q, %k, %v {causal} : tensor<1x8x1x32xf32>, tensor<1x2x100x32xf32>, tensor<1x2x100x32xf32> -> tensor<1x8x1x32xf32>
  %o3 = mha.attention %q3, %k, %v {causal} : tensor<1x8x3x32xf32>, tensor<1x2x100x32xf32>, tensor<1x2x100x32xf32> -> tensor<1x8x3x32xf32>
  return %o, %o3 : tensor<1x8x1x32xf32>, tensor<1x8x3x32xf32>
}
