// RUN: mha-opt %s -mha-decompose-multi-head-attention -split-input-file | FileCheck %s

// Self-attention, f32, no bias: Q, K and V are projected from one collapse of
// the shared input, and no bias adds are emitted.

// CHECK-LABEL: func.func @self_attention_f32
// CHECK-SAME:      %[[X:[^:]+]]: tensor<1x4x8xf32>, %[[WQ:[^:]+]]: tensor<8x8xf32>, %[[WK:[^:]+]]: tensor<8x8xf32>, %[[WV:[^:]+]]: tensor<8x8xf32>, %[[WO:[^:]+]]: tensor<8x8xf32>
// CHECK-DAG:     %[[ZERO:.+]] = arith.constant 0.000000e+00 : f32
// CHECK:         %[[ROWS:.+]] = tensor.collapse_shape %[[X]] {{\[\[}}0, 1], [2]] : tensor<1x4x8xf32> into tensor<4x8xf32>
// CHECK-NOT:     tensor.collapse_shape %[[X]]
// CHECK:         %[[E0:.+]] = tensor.empty() : tensor<4x8xf32>
// CHECK:         %[[F0:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[E0]] : tensor<4x8xf32>) -> tensor<4x8xf32>
// CHECK:         %[[Q2:.+]] = linalg.matmul ins(%[[ROWS]], %[[WQ]] : tensor<4x8xf32>, tensor<8x8xf32>) outs(%[[F0]] : tensor<4x8xf32>) -> tensor<4x8xf32>
// CHECK:         %[[F1:.+]] = linalg.fill
// CHECK:         %[[K2:.+]] = linalg.matmul ins(%[[ROWS]], %[[WK]] : tensor<4x8xf32>, tensor<8x8xf32>) outs(%[[F1]] : tensor<4x8xf32>) -> tensor<4x8xf32>
// CHECK:         %[[F2:.+]] = linalg.fill
// CHECK:         %[[V2:.+]] = linalg.matmul ins(%[[ROWS]], %[[WV]] : tensor<4x8xf32>, tensor<8x8xf32>) outs(%[[F2]] : tensor<4x8xf32>) -> tensor<4x8xf32>
// CHECK-NOT:     linalg.generic
// CHECK:         %[[Q4:.+]] = tensor.expand_shape %[[Q2]] {{\[\[}}0, 1], [2, 3]] output_shape [1, 4, 2, 4] : tensor<4x8xf32> into tensor<1x4x2x4xf32>
// CHECK:         %[[QE:.+]] = tensor.empty() : tensor<1x2x4x4xf32>
// CHECK:         %[[Q:.+]] = linalg.transpose ins(%[[Q4]] : tensor<1x4x2x4xf32>) outs(%[[QE]] : tensor<1x2x4x4xf32>) permutation = [0, 2, 1, 3]
// CHECK:         %[[K4:.+]] = tensor.expand_shape %[[K2]] {{\[\[}}0, 1], [2, 3]] output_shape [1, 4, 2, 4] : tensor<4x8xf32> into tensor<1x4x2x4xf32>
// CHECK:         %[[K:.+]] = linalg.transpose ins(%[[K4]] : tensor<1x4x2x4xf32>) outs(%{{.+}} : tensor<1x2x4x4xf32>) permutation = [0, 2, 1, 3]
// CHECK:         %[[V4:.+]] = tensor.expand_shape %[[V2]] {{\[\[}}0, 1], [2, 3]] output_shape [1, 4, 2, 4] : tensor<4x8xf32> into tensor<1x4x2x4xf32>
// CHECK:         %[[V:.+]] = linalg.transpose ins(%[[V4]] : tensor<1x4x2x4xf32>) outs(%{{.+}} : tensor<1x2x4x4xf32>) permutation = [0, 2, 1, 3]
// CHECK:         %[[O:.+]] = mha.attention %[[Q]], %[[K]], %[[V]] : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
// CHECK:         %[[OE:.+]] = tensor.empty() : tensor<1x4x2x4xf32>
// CHECK:         %[[OT:.+]] = linalg.transpose ins(%[[O]] : tensor<1x2x4x4xf32>) outs(%[[OE]] : tensor<1x4x2x4xf32>) permutation = [0, 2, 1, 3]
// CHECK:         %[[O2:.+]] = tensor.collapse_shape %[[OT]] {{\[\[}}0, 1], [2, 3]] : tensor<1x4x2x4xf32> into tensor<4x8xf32>
// CHECK:         %[[F3:.+]] = linalg.fill
// CHECK:         %[[Y2:.+]] = linalg.matmul ins(%[[O2]], %[[WO]] : tensor<4x8xf32>, tensor<8x8xf32>) outs(%[[F3]] : tensor<4x8xf32>) -> tensor<4x8xf32>
// CHECK-NOT:     linalg.generic
// CHECK:         %[[Y:.+]] = tensor.expand_shape %[[Y2]] {{\[\[}}0, 1], [2]] output_shape [1, 4, 8] : tensor<4x8xf32> into tensor<1x4x8xf32>
// CHECK:         return %[[Y]] : tensor<1x4x8xf32>
// CHECK-NOT:     mha.multi_head_attention
func.func @self_attention_f32(%x: tensor<1x4x8xf32>, %wq: tensor<8x8xf32>,
    %wk: tensor<8x8xf32>, %wv: tensor<8x8xf32>, %wo: tensor<8x8xf32>)
    -> tensor<1x4x8xf32> {
  %y = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo {num_heads = 2 : i64}
      : tensor<1x4x8xf32>, tensor<1x4x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>,
        tensor<8x8xf32>, tensor<8x8xf32> -> tensor<1x4x8xf32>
  return %y : tensor<1x4x8xf32>
}

// -----

// Grouped-query attention (8 query heads, 2 K/V heads) with all four biases,
// an i1 mask, `causal` and `scale`: the biases are broadcast along the rows of
// each projection, and mask/causal/scale reach mha.attention unchanged.
// (Generic form: the custom assembly cannot yet parse bias(...) + mask(...).)

// CHECK-DAG:   #[[$COL:.+]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG:   #[[$ID:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @gqa_bias_mask_causal_scale
// CHECK-SAME:      %[[X:[^:]+]]: tensor<2x16x64xf16>, %[[WQ:[^:]+]]: tensor<64x64xf16>, %[[WK:[^:]+]]: tensor<64x16xf16>, %[[WV:[^:]+]]: tensor<64x16xf16>, %[[WO:[^:]+]]: tensor<64x64xf16>, %[[BQ:[^:]+]]: tensor<64xf16>, %[[BK:[^:]+]]: tensor<16xf16>, %[[BV:[^:]+]]: tensor<16xf16>, %[[BO:[^:]+]]: tensor<64xf16>, %[[M:[^:]+]]: tensor<1x1x16x16xi1>
// CHECK-DAG:     %[[ZERO:.+]] = arith.constant 0.000000e+00 : f16
// CHECK:         %[[ROWS:.+]] = tensor.collapse_shape %[[X]] {{\[\[}}0, 1], [2]] : tensor<2x16x64xf16> into tensor<32x64xf16>
// CHECK:         %[[FQ:.+]] = linalg.fill ins(%[[ZERO]] : f16) outs(%{{.+}} : tensor<32x64xf16>) -> tensor<32x64xf16>
// CHECK:         %[[QMM:.+]] = linalg.matmul ins(%[[ROWS]], %[[WQ]] : tensor<32x64xf16>, tensor<64x64xf16>) outs(%[[FQ]] : tensor<32x64xf16>) -> tensor<32x64xf16>
// CHECK:         %[[Q2:.+]] = linalg.generic {indexing_maps = [#[[$COL]], #[[$ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[BQ]] : tensor<64xf16>) outs(%[[QMM]] : tensor<32x64xf16>)
// CHECK-NEXT:    ^bb0(%[[B:.+]]: f16, %[[ACC:.+]]: f16):
// CHECK-NEXT:      %[[SUM:.+]] = arith.addf %[[ACC]], %[[B]] : f16
// CHECK-NEXT:      linalg.yield %[[SUM]] : f16
// CHECK-NEXT:    } -> tensor<32x64xf16>
// CHECK:         %[[KMM:.+]] = linalg.matmul ins(%[[ROWS]], %[[WK]] : tensor<32x64xf16>, tensor<64x16xf16>) outs(%{{.+}} : tensor<32x16xf16>) -> tensor<32x16xf16>
// CHECK:         %[[K2:.+]] = linalg.generic {{.+}} ins(%[[BK]] : tensor<16xf16>) outs(%[[KMM]] : tensor<32x16xf16>)
// CHECK:         %[[VMM:.+]] = linalg.matmul ins(%[[ROWS]], %[[WV]] : tensor<32x64xf16>, tensor<64x16xf16>) outs(%{{.+}} : tensor<32x16xf16>) -> tensor<32x16xf16>
// CHECK:         %[[V2:.+]] = linalg.generic {{.+}} ins(%[[BV]] : tensor<16xf16>) outs(%[[VMM]] : tensor<32x16xf16>)
// CHECK:         %[[Q4:.+]] = tensor.expand_shape %[[Q2]] {{\[\[}}0, 1], [2, 3]] output_shape [2, 16, 8, 8] : tensor<32x64xf16> into tensor<2x16x8x8xf16>
// CHECK:         %[[Q:.+]] = linalg.transpose ins(%[[Q4]] : tensor<2x16x8x8xf16>) outs(%{{.+}} : tensor<2x8x16x8xf16>) permutation = [0, 2, 1, 3]
// CHECK:         %[[K4:.+]] = tensor.expand_shape %[[K2]] {{\[\[}}0, 1], [2, 3]] output_shape [2, 16, 2, 8] : tensor<32x16xf16> into tensor<2x16x2x8xf16>
// CHECK:         %[[K:.+]] = linalg.transpose ins(%[[K4]] : tensor<2x16x2x8xf16>) outs(%{{.+}} : tensor<2x2x16x8xf16>) permutation = [0, 2, 1, 3]
// CHECK:         %[[V4:.+]] = tensor.expand_shape %[[V2]] {{\[\[}}0, 1], [2, 3]] output_shape [2, 16, 2, 8] : tensor<32x16xf16> into tensor<2x16x2x8xf16>
// CHECK:         %[[V:.+]] = linalg.transpose ins(%[[V4]] : tensor<2x16x2x8xf16>) outs(%{{.+}} : tensor<2x2x16x8xf16>) permutation = [0, 2, 1, 3]
// CHECK:         %[[O:.+]] = mha.attention %[[Q]], %[[K]], %[[V]] mask(%[[M]]) {causal, scale = 2.500000e-01 : f32} : tensor<2x8x16x8xf16>, tensor<2x2x16x8xf16>, tensor<2x2x16x8xf16>, tensor<1x1x16x16xi1> -> tensor<2x8x16x8xf16>
// CHECK:         %[[OT:.+]] = linalg.transpose ins(%[[O]] : tensor<2x8x16x8xf16>) outs(%{{.+}} : tensor<2x16x8x8xf16>) permutation = [0, 2, 1, 3]
// CHECK:         %[[O2:.+]] = tensor.collapse_shape %[[OT]] {{\[\[}}0, 1], [2, 3]] : tensor<2x16x8x8xf16> into tensor<32x64xf16>
// CHECK:         %[[YMM:.+]] = linalg.matmul ins(%[[O2]], %[[WO]] : tensor<32x64xf16>, tensor<64x64xf16>) outs(%{{.+}} : tensor<32x64xf16>) -> tensor<32x64xf16>
// CHECK:         %[[Y2:.+]] = linalg.generic {{.+}} ins(%[[BO]] : tensor<64xf16>) outs(%[[YMM]] : tensor<32x64xf16>)
// CHECK:         %[[Y:.+]] = tensor.expand_shape %[[Y2]] {{\[\[}}0, 1], [2]] output_shape [2, 16, 64] : tensor<32x64xf16> into tensor<2x16x64xf16>
// CHECK:         return %[[Y]]
func.func @gqa_bias_mask_causal_scale(%x: tensor<2x16x64xf16>,
    %wq: tensor<64x64xf16>, %wk: tensor<64x16xf16>, %wv: tensor<64x16xf16>,
    %wo: tensor<64x64xf16>, %bq: tensor<64xf16>, %bk: tensor<16xf16>,
    %bv: tensor<16xf16>, %bo: tensor<64xf16>, %m: tensor<1x1x16x16xi1>)
    -> tensor<2x16x64xf16> {
  %y = "mha.multi_head_attention"(%x, %x, %wq, %wk, %wv, %wo, %bq, %bk, %bv, %bo, %m)
      <{num_heads = 8 : i64, num_kv_heads = 2 : i64, causal, scale = 0.25 : f32,
        operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 4, 1>}>
      : (tensor<2x16x64xf16>, tensor<2x16x64xf16>, tensor<64x64xf16>,
         tensor<64x16xf16>, tensor<64x16xf16>, tensor<64x64xf16>,
         tensor<64xf16>, tensor<16xf16>, tensor<16xf16>, tensor<64xf16>,
         tensor<1x1x16x16xi1>) -> tensor<2x16x64xf16>
  return %y : tensor<2x16x64xf16>
}

// -----

// Cross-attention with Sq = 3 != Skv = 5 and a value head dim (Dv = 2) that
// differs from the query/key head dim (D = 4).

// CHECK-LABEL: func.func @cross_attention
// CHECK-SAME:      %[[XQ:[^:]+]]: tensor<2x3x16xf32>, %[[XKV:[^:]+]]: tensor<2x5x16xf32>, %[[WQ:[^:]+]]: tensor<16x16xf32>, %[[WK:[^:]+]]: tensor<16x16xf32>, %[[WV:[^:]+]]: tensor<16x8xf32>, %[[WO:[^:]+]]: tensor<8x16xf32>
// CHECK-DAG:     %[[QROWS:.+]] = tensor.collapse_shape %[[XQ]] {{\[\[}}0, 1], [2]] : tensor<2x3x16xf32> into tensor<6x16xf32>
// CHECK-DAG:     %[[KVROWS:.+]] = tensor.collapse_shape %[[XKV]] {{\[\[}}0, 1], [2]] : tensor<2x5x16xf32> into tensor<10x16xf32>
// CHECK:         %[[Q2:.+]] = linalg.matmul ins(%[[QROWS]], %[[WQ]] : tensor<6x16xf32>, tensor<16x16xf32>) outs(%{{.+}} : tensor<6x16xf32>) -> tensor<6x16xf32>
// CHECK:         %[[K2:.+]] = linalg.matmul ins(%[[KVROWS]], %[[WK]] : tensor<10x16xf32>, tensor<16x16xf32>) outs(%{{.+}} : tensor<10x16xf32>) -> tensor<10x16xf32>
// CHECK:         %[[V2:.+]] = linalg.matmul ins(%[[KVROWS]], %[[WV]] : tensor<10x16xf32>, tensor<16x8xf32>) outs(%{{.+}} : tensor<10x8xf32>) -> tensor<10x8xf32>
// CHECK:         %[[Q4:.+]] = tensor.expand_shape %[[Q2]] {{\[\[}}0, 1], [2, 3]] output_shape [2, 3, 4, 4] : tensor<6x16xf32> into tensor<2x3x4x4xf32>
// CHECK:         %[[Q:.+]] = linalg.transpose ins(%[[Q4]] : tensor<2x3x4x4xf32>) outs(%{{.+}} : tensor<2x4x3x4xf32>) permutation = [0, 2, 1, 3]
// CHECK:         %[[K4:.+]] = tensor.expand_shape %[[K2]] {{\[\[}}0, 1], [2, 3]] output_shape [2, 5, 4, 4] : tensor<10x16xf32> into tensor<2x5x4x4xf32>
// CHECK:         %[[K:.+]] = linalg.transpose ins(%[[K4]] : tensor<2x5x4x4xf32>) outs(%{{.+}} : tensor<2x4x5x4xf32>) permutation = [0, 2, 1, 3]
// CHECK:         %[[V4:.+]] = tensor.expand_shape %[[V2]] {{\[\[}}0, 1], [2, 3]] output_shape [2, 5, 4, 2] : tensor<10x8xf32> into tensor<2x5x4x2xf32>
// CHECK:         %[[V:.+]] = linalg.transpose ins(%[[V4]] : tensor<2x5x4x2xf32>) outs(%{{.+}} : tensor<2x4x5x2xf32>) permutation = [0, 2, 1, 3]
// CHECK:         %[[O:.+]] = mha.attention %[[Q]], %[[K]], %[[V]] : tensor<2x4x3x4xf32>, tensor<2x4x5x4xf32>, tensor<2x4x5x2xf32> -> tensor<2x4x3x2xf32>
// CHECK:         %[[OT:.+]] = linalg.transpose ins(%[[O]] : tensor<2x4x3x2xf32>) outs(%{{.+}} : tensor<2x3x4x2xf32>) permutation = [0, 2, 1, 3]
// CHECK:         %[[O2:.+]] = tensor.collapse_shape %[[OT]] {{\[\[}}0, 1], [2, 3]] : tensor<2x3x4x2xf32> into tensor<6x8xf32>
// CHECK:         %[[Y2:.+]] = linalg.matmul ins(%[[O2]], %[[WO]] : tensor<6x8xf32>, tensor<8x16xf32>) outs(%{{.+}} : tensor<6x16xf32>) -> tensor<6x16xf32>
// CHECK:         %[[Y:.+]] = tensor.expand_shape %[[Y2]] {{\[\[}}0, 1], [2]] output_shape [2, 3, 16] : tensor<6x16xf32> into tensor<2x3x16xf32>
// CHECK:         return %[[Y]] : tensor<2x3x16xf32>
func.func @cross_attention(%xq: tensor<2x3x16xf32>, %xkv: tensor<2x5x16xf32>,
    %wq: tensor<16x16xf32>, %wk: tensor<16x16xf32>, %wv: tensor<16x8xf32>,
    %wo: tensor<8x16xf32>) -> tensor<2x3x16xf32> {
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo {num_heads = 4 : i64}
      : tensor<2x3x16xf32>, tensor<2x5x16xf32>, tensor<16x16xf32>,
        tensor<16x16xf32>, tensor<16x8xf32>, tensor<8x16xf32>
        -> tensor<2x3x16xf32>
  return %y : tensor<2x3x16xf32>
}

// -----

// Dynamic batch and sequence lengths: sizes come from tensor.dim of the inputs
// and of the collapsed rows, and feed tensor.empty and the expand_shape
// output_shape operands.

// CHECK-LABEL: func.func @dynamic_batch_and_sequence
// CHECK-SAME:      %[[XQ:[^:]+]]: tensor<?x?x64xf16>, %[[XKV:[^:]+]]: tensor<?x?x64xf16>, %[[WQ:[^:]+]]: tensor<64x64xf16>, %[[WK:[^:]+]]: tensor<64x64xf16>, %[[WV:[^:]+]]: tensor<64x64xf16>, %[[WO:[^:]+]]: tensor<64x64xf16>, %[[BQ:[^:]+]]: tensor<64xf16>, %[[BK:[^:]+]]: tensor<64xf16>, %[[BV:[^:]+]]: tensor<64xf16>, %[[BO:[^:]+]]: tensor<64xf16>
// CHECK-DAG:     %[[C0:.+]] = arith.constant 0 : index
// CHECK-DAG:     %[[C1:.+]] = arith.constant 1 : index
// CHECK-DAG:     %[[B:.+]] = tensor.dim %[[XQ]], %[[C0]] : tensor<?x?x64xf16>
// CHECK-DAG:     %[[SQ:.+]] = tensor.dim %[[XQ]], %[[C1]] : tensor<?x?x64xf16>
// CHECK-DAG:     %[[BKV:.+]] = tensor.dim %[[XKV]], %[[C0]] : tensor<?x?x64xf16>
// CHECK-DAG:     %[[SKV:.+]] = tensor.dim %[[XKV]], %[[C1]] : tensor<?x?x64xf16>
// CHECK-DAG:     %[[QROWS:.+]] = tensor.collapse_shape %[[XQ]] {{\[\[}}0, 1], [2]] : tensor<?x?x64xf16> into tensor<?x64xf16>
// CHECK-DAG:     %[[KVROWS:.+]] = tensor.collapse_shape %[[XKV]] {{\[\[}}0, 1], [2]] : tensor<?x?x64xf16> into tensor<?x64xf16>
// CHECK-DAG:     %[[NQ:.+]] = tensor.dim %[[QROWS]], %[[C0]] : tensor<?x64xf16>
// CHECK-DAG:     %[[NKV:.+]] = tensor.dim %[[KVROWS]], %[[C0]] : tensor<?x64xf16>
// CHECK:         %[[EQ:.+]] = tensor.empty(%[[NQ]]) : tensor<?x64xf16>
// CHECK:         %[[FQ:.+]] = linalg.fill ins(%{{.+}} : f16) outs(%[[EQ]] : tensor<?x64xf16>) -> tensor<?x64xf16>
// CHECK:         %[[QMM:.+]] = linalg.matmul ins(%[[QROWS]], %[[WQ]] : tensor<?x64xf16>, tensor<64x64xf16>) outs(%[[FQ]] : tensor<?x64xf16>) -> tensor<?x64xf16>
// CHECK:         %[[Q2:.+]] = linalg.generic {{.+}} ins(%[[BQ]] : tensor<64xf16>) outs(%[[QMM]] : tensor<?x64xf16>)
// CHECK:         %[[EK:.+]] = tensor.empty(%[[NKV]]) : tensor<?x64xf16>
// CHECK:         %[[FK:.+]] = linalg.fill ins(%{{.+}} : f16) outs(%[[EK]] : tensor<?x64xf16>) -> tensor<?x64xf16>
// CHECK:         %[[KMM:.+]] = linalg.matmul ins(%[[KVROWS]], %[[WK]] : tensor<?x64xf16>, tensor<64x64xf16>) outs(%[[FK]] : tensor<?x64xf16>) -> tensor<?x64xf16>
// CHECK:         %[[K2:.+]] = linalg.generic {{.+}} ins(%[[BK]] : tensor<64xf16>) outs(%[[KMM]] : tensor<?x64xf16>)
// CHECK:         %[[EV:.+]] = tensor.empty(%[[NKV]]) : tensor<?x64xf16>
// CHECK:         %[[VMM:.+]] = linalg.matmul ins(%[[KVROWS]], %[[WV]] : tensor<?x64xf16>, tensor<64x64xf16>) outs(%{{.+}} : tensor<?x64xf16>) -> tensor<?x64xf16>
// CHECK:         %[[V2:.+]] = linalg.generic {{.+}} ins(%[[BV]] : tensor<64xf16>) outs(%[[VMM]] : tensor<?x64xf16>)
// CHECK:         %[[Q4:.+]] = tensor.expand_shape %[[Q2]] {{\[\[}}0, 1], [2, 3]] output_shape [%[[B]], %[[SQ]], 4, 16] : tensor<?x64xf16> into tensor<?x?x4x16xf16>
// CHECK:         %[[QE:.+]] = tensor.empty(%[[B]], %[[SQ]]) : tensor<?x4x?x16xf16>
// CHECK:         %[[Q:.+]] = linalg.transpose ins(%[[Q4]] : tensor<?x?x4x16xf16>) outs(%[[QE]] : tensor<?x4x?x16xf16>) permutation = [0, 2, 1, 3]
// CHECK:         %[[K4:.+]] = tensor.expand_shape %[[K2]] {{\[\[}}0, 1], [2, 3]] output_shape [%[[BKV]], %[[SKV]], 4, 16] : tensor<?x64xf16> into tensor<?x?x4x16xf16>
// CHECK:         %[[KE:.+]] = tensor.empty(%[[BKV]], %[[SKV]]) : tensor<?x4x?x16xf16>
// CHECK:         %[[K:.+]] = linalg.transpose ins(%[[K4]] : tensor<?x?x4x16xf16>) outs(%[[KE]] : tensor<?x4x?x16xf16>) permutation = [0, 2, 1, 3]
// CHECK:         %[[V4:.+]] = tensor.expand_shape %[[V2]] {{\[\[}}0, 1], [2, 3]] output_shape [%[[BKV]], %[[SKV]], 4, 16] : tensor<?x64xf16> into tensor<?x?x4x16xf16>
// CHECK:         %[[V:.+]] = linalg.transpose ins(%[[V4]] : tensor<?x?x4x16xf16>) outs(%{{.+}} : tensor<?x4x?x16xf16>) permutation = [0, 2, 1, 3]
// CHECK:         %[[O:.+]] = mha.attention %[[Q]], %[[K]], %[[V]] : tensor<?x4x?x16xf16>, tensor<?x4x?x16xf16>, tensor<?x4x?x16xf16> -> tensor<?x4x?x16xf16>
// CHECK:         %[[OE:.+]] = tensor.empty(%[[B]], %[[SQ]]) : tensor<?x?x4x16xf16>
// CHECK:         %[[OT:.+]] = linalg.transpose ins(%[[O]] : tensor<?x4x?x16xf16>) outs(%[[OE]] : tensor<?x?x4x16xf16>) permutation = [0, 2, 1, 3]
// CHECK:         %[[O2:.+]] = tensor.collapse_shape %[[OT]] {{\[\[}}0, 1], [2, 3]] : tensor<?x?x4x16xf16> into tensor<?x64xf16>
// CHECK:         %[[EY:.+]] = tensor.empty(%[[NQ]]) : tensor<?x64xf16>
// CHECK:         %[[FY:.+]] = linalg.fill ins(%{{.+}} : f16) outs(%[[EY]] : tensor<?x64xf16>) -> tensor<?x64xf16>
// CHECK:         %[[YMM:.+]] = linalg.matmul ins(%[[O2]], %[[WO]] : tensor<?x64xf16>, tensor<64x64xf16>) outs(%[[FY]] : tensor<?x64xf16>) -> tensor<?x64xf16>
// CHECK:         %[[Y2:.+]] = linalg.generic {{.+}} ins(%[[BO]] : tensor<64xf16>) outs(%[[YMM]] : tensor<?x64xf16>)
// CHECK:         %[[Y:.+]] = tensor.expand_shape %[[Y2]] {{\[\[}}0, 1], [2]] output_shape [%[[B]], %[[SQ]], 64] : tensor<?x64xf16> into tensor<?x?x64xf16>
// CHECK:         return %[[Y]] : tensor<?x?x64xf16>
func.func @dynamic_batch_and_sequence(%xq: tensor<?x?x64xf16>,
    %xkv: tensor<?x?x64xf16>, %wq: tensor<64x64xf16>, %wk: tensor<64x64xf16>,
    %wv: tensor<64x64xf16>, %wo: tensor<64x64xf16>, %bq: tensor<64xf16>,
    %bk: tensor<64xf16>, %bv: tensor<64xf16>, %bo: tensor<64xf16>)
    -> tensor<?x?x64xf16> {
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo
      bias(%bq, %bk, %bv, %bo) {num_heads = 4 : i64}
      : tensor<?x?x64xf16>, tensor<?x?x64xf16>, tensor<64x64xf16>,
        tensor<64x64xf16>, tensor<64x64xf16>, tensor<64x64xf16>,
        tensor<64xf16>, tensor<64xf16>, tensor<64xf16>, tensor<64xf16>
        -> tensor<?x?x64xf16>
  return %y : tensor<?x?x64xf16>
}

// -----

// bf16 multi-query attention (one K/V head) with an additive bf16 mask: the
// element type is kept throughout, including the zero of the accumulators.
// (Generic form: the custom assembly cannot yet parse mask(...).)

// CHECK-LABEL: func.func @bf16_multi_query_float_mask
// CHECK-SAME:      %[[X:[^:]+]]: tensor<1x8x32xbf16>, %[[WQ:[^:]+]]: tensor<32x32xbf16>, %[[WK:[^:]+]]: tensor<32x8xbf16>, %[[WV:[^:]+]]: tensor<32x8xbf16>, %[[WO:[^:]+]]: tensor<32x32xbf16>, %[[M:[^:]+]]: tensor<1x4x8x8xbf16>
// CHECK-DAG:     %[[ZERO:.+]] = arith.constant 0.000000e+00 : bf16
// CHECK:         %[[ROWS:.+]] = tensor.collapse_shape %[[X]] {{\[\[}}0, 1], [2]] : tensor<1x8x32xbf16> into tensor<8x32xbf16>
// CHECK:         linalg.fill ins(%[[ZERO]] : bf16) outs(%{{.+}} : tensor<8x32xbf16>) -> tensor<8x32xbf16>
// CHECK:         %[[Q2:.+]] = linalg.matmul ins(%[[ROWS]], %[[WQ]] : tensor<8x32xbf16>, tensor<32x32xbf16>) outs(%{{.+}} : tensor<8x32xbf16>) -> tensor<8x32xbf16>
// CHECK:         %[[K2:.+]] = linalg.matmul ins(%[[ROWS]], %[[WK]] : tensor<8x32xbf16>, tensor<32x8xbf16>) outs(%{{.+}} : tensor<8x8xbf16>) -> tensor<8x8xbf16>
// CHECK:         %[[V2:.+]] = linalg.matmul ins(%[[ROWS]], %[[WV]] : tensor<8x32xbf16>, tensor<32x8xbf16>) outs(%{{.+}} : tensor<8x8xbf16>) -> tensor<8x8xbf16>
// CHECK:         tensor.expand_shape %[[Q2]] {{\[\[}}0, 1], [2, 3]] output_shape [1, 8, 4, 8] : tensor<8x32xbf16> into tensor<1x8x4x8xbf16>
// CHECK:         %[[Q:.+]] = linalg.transpose ins(%{{.+}} : tensor<1x8x4x8xbf16>) outs(%{{.+}} : tensor<1x4x8x8xbf16>) permutation = [0, 2, 1, 3]
// CHECK:         tensor.expand_shape %[[K2]] {{\[\[}}0, 1], [2, 3]] output_shape [1, 8, 1, 8] : tensor<8x8xbf16> into tensor<1x8x1x8xbf16>
// CHECK:         %[[K:.+]] = linalg.transpose ins(%{{.+}} : tensor<1x8x1x8xbf16>) outs(%{{.+}} : tensor<1x1x8x8xbf16>) permutation = [0, 2, 1, 3]
// CHECK:         tensor.expand_shape %[[V2]] {{\[\[}}0, 1], [2, 3]] output_shape [1, 8, 1, 8] : tensor<8x8xbf16> into tensor<1x8x1x8xbf16>
// CHECK:         %[[V:.+]] = linalg.transpose ins(%{{.+}} : tensor<1x8x1x8xbf16>) outs(%{{.+}} : tensor<1x1x8x8xbf16>) permutation = [0, 2, 1, 3]
// CHECK:         %[[O:.+]] = mha.attention %[[Q]], %[[K]], %[[V]] mask(%[[M]]) : tensor<1x4x8x8xbf16>, tensor<1x1x8x8xbf16>, tensor<1x1x8x8xbf16>, tensor<1x4x8x8xbf16> -> tensor<1x4x8x8xbf16>
// CHECK:         %[[OT:.+]] = linalg.transpose ins(%[[O]] : tensor<1x4x8x8xbf16>) outs(%{{.+}} : tensor<1x8x4x8xbf16>) permutation = [0, 2, 1, 3]
// CHECK:         %[[O2:.+]] = tensor.collapse_shape %[[OT]] {{\[\[}}0, 1], [2, 3]] : tensor<1x8x4x8xbf16> into tensor<8x32xbf16>
// CHECK:         %[[Y2:.+]] = linalg.matmul ins(%[[O2]], %[[WO]] : tensor<8x32xbf16>, tensor<32x32xbf16>) outs(%{{.+}} : tensor<8x32xbf16>) -> tensor<8x32xbf16>
// CHECK:         %[[Y:.+]] = tensor.expand_shape %[[Y2]] {{\[\[}}0, 1], [2]] output_shape [1, 8, 32] : tensor<8x32xbf16> into tensor<1x8x32xbf16>
// CHECK:         return %[[Y]] : tensor<1x8x32xbf16>
func.func @bf16_multi_query_float_mask(%x: tensor<1x8x32xbf16>,
    %wq: tensor<32x32xbf16>, %wk: tensor<32x8xbf16>, %wv: tensor<32x8xbf16>,
    %wo: tensor<32x32xbf16>, %m: tensor<1x4x8x8xbf16>) -> tensor<1x8x32xbf16> {
  %y = "mha.multi_head_attention"(%x, %x, %wq, %wk, %wv, %wo, %m)
      <{num_heads = 4 : i64, num_kv_heads = 1 : i64,
        operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 0, 1>}>
      : (tensor<1x8x32xbf16>, tensor<1x8x32xbf16>, tensor<32x32xbf16>,
         tensor<32x8xbf16>, tensor<32x8xbf16>, tensor<32x32xbf16>,
         tensor<1x4x8x8xbf16>) -> tensor<1x8x32xbf16>
  return %y : tensor<1x8x32xbf16>
}

// -----

// The verifier accepts a dynamic embedding dim on the inputs and a result more
// static than query_input; casts pin E to the weights' and restore the
// declared result type.

// CHECK-LABEL: func.func @refined_types
// CHECK-SAME:      %[[X:[^:]+]]: tensor<?x4x?xf32>
// CHECK:         %[[XS:.+]] = tensor.cast %[[X]] : tensor<?x4x?xf32> to tensor<?x4x8xf32>
// CHECK:         tensor.collapse_shape %[[XS]] {{\[\[}}0, 1], [2]] : tensor<?x4x8xf32> into tensor<?x8xf32>
// CHECK:         mha.attention {{.+}} -> tensor<?x2x4x4xf32>
// CHECK:         %[[Y:.+]] = tensor.expand_shape {{.+}} : tensor<?x8xf32> into tensor<?x4x8xf32>
// CHECK:         %[[YC:.+]] = tensor.cast %[[Y]] : tensor<?x4x8xf32> to tensor<3x4x8xf32>
// CHECK:         return %[[YC]] : tensor<3x4x8xf32>
func.func @refined_types(%x: tensor<?x4x?xf32>, %wq: tensor<8x8xf32>,
    %wk: tensor<8x8xf32>, %wv: tensor<8x8xf32>, %wo: tensor<8x8xf32>)
    -> tensor<3x4x8xf32> {
  %y = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo {num_heads = 2 : i64}
      : tensor<?x4x?xf32>, tensor<?x4x?xf32>, tensor<8x8xf32>, tensor<8x8xf32>,
        tensor<8x8xf32>, tensor<8x8xf32> -> tensor<3x4x8xf32>
  return %y : tensor<3x4x8xf32>
}
