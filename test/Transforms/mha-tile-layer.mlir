// RUN: mha-opt %s --mha-tile-layer="block-rows=8 block-cols=16 block-depth=16" --split-input-file | FileCheck %s
// RUN: not mha-opt %s --mha-tile-layer="block-rows=0" --split-input-file 2>&1 | FileCheck %s --check-prefix=BAD

// BAD: mha-tile-layer: block-rows and block-cols must be positive and block-depth non-negative, got block-rows=0 block-cols=64 block-depth=0

// Self-attention, f32, bias: Q, K and V in one forall over [8, 16] blocks
// (one head of 16 columns each), written in place into [B, H, S, D] with
// the bias as the accumulators' initial value; the reduction over E = 32 in
// chunks of 16. The output projection reads [rows, 16] slices of one head
// of the attention result per reduction chunk, accumulates in a contiguous
// f32 tile (several chunks: the rows of y are E floats apart) and adds the
// bias in one epilogue pass into y.
// CHECK-LABEL: func.func @self
// CHECK-NOT: linalg.transpose
// CHECK: %[[Q0:.*]] = bufferization.alloc_tensor() : tensor<1x2x16x16xf32>
// CHECK: %[[QKV:.*]]:3 = scf.forall (%[[B:.*]], %[[S:.*]], %[[N:.*]]) = (0, 0, 0) to (1, 16, 32) step (1, 8, 16) shared_outs(%[[QO:.*]] = %[[Q0]], %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}})
// CHECK:   %[[H:.*]] = arith.divui %[[N]], %c16
// CHECK:   %[[BQ:.*]] = tensor.extract_slice %{{.*}}[%[[N]]] [16] [1] : tensor<32xf32> to tensor<16xf32>
// CHECK:   %[[QT:.*]] = tensor.extract_slice %[[QO]][%[[B]], %[[H]], %[[S]], %{{.*}}] [1, 1, 8, 16] [1, 1, 1, 1] : tensor<1x2x16x16xf32> to tensor<8x16xf32>
// CHECK:   %[[INIT:.*]] = linalg.generic {{.*}} ins(%[[BQ]] : tensor<16xf32>) outs(%[[QT]] : tensor<8x16xf32>)
// CHECK:   scf.for %{{.*}} = %c0 to %c32 step %c16 iter_args(%{{.*}} = %[[INIT]])
// CHECK:     linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]{{.*}} ins(%{{.*}}, %{{.*}} : tensor<8x16xf32>, tensor<16x16xf32>)
// CHECK:   scf.forall.in_parallel
// CHECK-COUNT-3: tensor.parallel_insert_slice {{.*}} : tensor<8x16xf32> into tensor<1x2x16x16xf32>
// CHECK: %[[O:.*]] = mha.attention %[[QKV]]#0, %[[QKV]]#1, %[[QKV]]#2
// CHECK: scf.forall (%[[OB:.*]], %[[OS:.*]], %[[ON:.*]]) = (0, 0, 0) to (1, 16, 32) step (1, 8, 16) shared_outs(%[[Y:.*]] = %{{.*}})
// CHECK:   %[[BO:.*]] = tensor.extract_slice %{{.*}}[%[[ON]]] [16] [1] : tensor<32xf32> to tensor<16xf32>
// CHECK:   %[[ACC0:.*]] = tensor.empty() : tensor<8x16xf32>
// CHECK:   %[[ZERO:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[ACC0]] : tensor<8x16xf32>)
// CHECK:   %[[ACC:.*]] = scf.for %[[K:.*]] = %c0 to %c32 step %c16 iter_args(%{{.*}} = %[[ZERO]])
// CHECK:     %[[OH:.*]] = arith.divui %[[K]], %c16
// CHECK:     tensor.extract_slice %[[O]][%[[OB]], %[[OH]], %[[OS]], %{{.*}}] [1, 1, 8, 16] [1, 1, 1, 1] : tensor<1x2x16x16xf32> to tensor<8x16xf32>
// CHECK:   %[[YT:.*]] = tensor.extract_slice %[[Y]][%[[OB]], %[[OS]], %[[ON]]] [1, 8, 16] [1, 1, 1] : tensor<1x16x32xf32> to tensor<8x16xf32>
// CHECK:   %[[YB:.*]] = linalg.generic {{.*}} ins(%[[ACC]], %[[BO]] : tensor<8x16xf32>, tensor<16xf32>) outs(%[[YT]] : tensor<8x16xf32>)
// CHECK:   tensor.parallel_insert_slice %[[YB]] into %[[Y]]{{.*}} : tensor<8x16xf32> into tensor<1x16x32xf32>
func.func @self(%x: tensor<1x16x32xf32>, %wq: tensor<32x32xf32>, %wk: tensor<32x32xf32>, %wv: tensor<32x32xf32>, %wo: tensor<32x32xf32>, %bq: tensor<32xf32>, %bk: tensor<32xf32>, %bv: tensor<32xf32>, %bo: tensor<32xf32>) -> tensor<1x16x32xf32> {
  %y = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo bias(%bq, %bk, %bv, %bo) {num_heads = 2 : i64} : tensor<1x16x32xf32>, tensor<1x16x32xf32>, tensor<32x32xf32>, tensor<32x32xf32>, tensor<32x32xf32>, tensor<32x32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32> -> tensor<1x16x32xf32>
  return %y : tensor<1x16x32xf32>
}

// -----

// f16 with blocks of two heads (D = 8): accumulate in a fresh f32 tile,
// then one epilogue writes [heads, rows, D] rounded to f16 (the head split).
// GQA: K and V (2 heads) share a forall, Q has its own.
// CHECK-LABEL: func.func @f16_gqa
// CHECK: scf.forall {{.*}} to (1, 16, 32) step (1, 8, 16) shared_outs(%{{[^ ]*}} = %{{[^ ]*}}) -> (tensor<1x4x16x8xf16>)
// CHECK:   linalg.fill {{.*}} -> tensor<8x16xf32>
// CHECK:   arith.extf
// CHECK:   tensor.expand_shape {{.*}} : tensor<8x16xf32> into tensor<8x2x8xf32>
// CHECK:   linalg.generic {{.*}} ins(%{{.*}} : tensor<8x2x8xf32>) outs(%{{.*}} : tensor<2x8x8xf16>)
// CHECK:     arith.truncf
// CHECK:   tensor.parallel_insert_slice {{.*}} : tensor<2x8x8xf16> into tensor<1x4x16x8xf16>
// CHECK: scf.forall {{.*}} -> (tensor<1x2x16x8xf16>, tensor<1x2x16x8xf16>)
// CHECK: mha.attention
func.func @f16_gqa(%x: tensor<1x16x32xf16>, %wq: tensor<32x32xf16>, %wk: tensor<32x16xf16>, %wv: tensor<32x16xf16>, %wo: tensor<32x32xf16>) -> tensor<1x16x32xf16> {
  %y = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo {num_heads = 4 : i64, num_kv_heads = 2 : i64} : tensor<1x16x32xf16>, tensor<1x16x32xf16>, tensor<32x32xf16>, tensor<32x16xf16>, tensor<32x16xf16>, tensor<32x32xf16> -> tensor<1x16x32xf16>
  return %y : tensor<1x16x32xf16>
}

// -----

// Left to mha-decompose-multi-head-attention: a dynamic sequence length,
// and S = 17 (a prime above block-rows: no row block).
// CHECK-LABEL: func.func @dynamic_s
// CHECK-NOT: scf.forall
// CHECK: mha.multi_head_attention
func.func @dynamic_s(%x: tensor<1x?x32xf32>, %w: tensor<32x32xf32>) -> tensor<1x?x32xf32> {
  %y = mha.multi_head_attention %x, %x, %w, %w, %w, %w {num_heads = 2 : i64} : tensor<1x?x32xf32>, tensor<1x?x32xf32>, tensor<32x32xf32>, tensor<32x32xf32>, tensor<32x32xf32>, tensor<32x32xf32> -> tensor<1x?x32xf32>
  return %y : tensor<1x?x32xf32>
}

// -----

// CHECK-LABEL: func.func @prime_s
// CHECK-NOT: scf.forall
// CHECK: mha.multi_head_attention
func.func @prime_s(%x: tensor<1x17x32xf32>, %w: tensor<32x32xf32>) -> tensor<1x17x32xf32> {
  %y = mha.multi_head_attention %x, %x, %w, %w, %w, %w {num_heads = 2 : i64} : tensor<1x17x32xf32>, tensor<1x17x32xf32>, tensor<32x32xf32>, tensor<32x32xf32>, tensor<32x32xf32>, tensor<32x32xf32> -> tensor<1x17x32xf32>
  return %y : tensor<1x17x32xf32>
}
