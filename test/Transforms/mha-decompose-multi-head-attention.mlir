// RUN: mha-opt %s -mha-decompose-multi-head-attention -split-input-file | FileCheck %s

// Self-attention, f32, no bias: Q, K and V are projected from one collapse of
// the shared input into zero-filled f32 accumulators, and no epilogue is
// emitted (no linalg.generic, hence no affine_map alias in the output).

// CHECK-NOT:   affine_map
// CHECK-LABEL: func.func @self_attention_f32
// CHECK-SAME:      %[[X:[^:]+]]: tensor<1x4x8xf32>, %[[WQ:[^:]+]]: tensor<8x8xf32>, %[[WK:[^:]+]]: tensor<8x8xf32>, %[[WV:[^:]+]]: tensor<8x8xf32>, %[[WO:[^:]+]]: tensor<8x8xf32>
// CHECK-DAG:     %[[ZERO:.+]] = arith.constant 0.000000e+00 : f32
// CHECK:         %[[ROWS:.+]] = tensor.collapse_shape %[[X]] {{\[\[}}0, 1], [2]] : tensor<1x4x8xf32> into tensor<4x8xf32>
// CHECK-NOT:     tensor.collapse_shape %[[X]]
// CHECK:         %[[E0:.+]] = tensor.empty() : tensor<4x8xf32>
// CHECK-NEXT:    %[[F0:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[E0]] : tensor<4x8xf32>) -> tensor<4x8xf32>
// CHECK-NEXT:    %[[Q2:.+]] = linalg.matmul ins(%[[ROWS]], %[[WQ]] : tensor<4x8xf32>, tensor<8x8xf32>) outs(%[[F0]] : tensor<4x8xf32>) -> tensor<4x8xf32>
// CHECK-NEXT:    %[[E1:.+]] = tensor.empty() : tensor<4x8xf32>
// CHECK-NEXT:    %[[F1:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[E1]] : tensor<4x8xf32>) -> tensor<4x8xf32>
// CHECK-NEXT:    %[[K2:.+]] = linalg.matmul ins(%[[ROWS]], %[[WK]] : tensor<4x8xf32>, tensor<8x8xf32>) outs(%[[F1]] : tensor<4x8xf32>) -> tensor<4x8xf32>
// CHECK-NEXT:    %[[E2:.+]] = tensor.empty() : tensor<4x8xf32>
// CHECK-NEXT:    %[[F2:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[E2]] : tensor<4x8xf32>) -> tensor<4x8xf32>
// CHECK-NEXT:    %[[V2:.+]] = linalg.matmul ins(%[[ROWS]], %[[WV]] : tensor<4x8xf32>, tensor<8x8xf32>) outs(%[[F2]] : tensor<4x8xf32>) -> tensor<4x8xf32>
// CHECK-NEXT:    %[[Q4:.+]] = tensor.expand_shape %[[Q2]] {{\[\[}}0, 1], [2, 3]] output_shape [1, 4, 2, 4] : tensor<4x8xf32> into tensor<1x4x2x4xf32>
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
// CHECK-NEXT:    %[[E3:.+]] = tensor.empty() : tensor<4x8xf32>
// CHECK-NEXT:    %[[F3:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[E3]] : tensor<4x8xf32>) -> tensor<4x8xf32>
// CHECK-NEXT:    %[[Y2:.+]] = linalg.matmul ins(%[[O2]], %[[WO]] : tensor<4x8xf32>, tensor<8x8xf32>) outs(%[[F3]] : tensor<4x8xf32>) -> tensor<4x8xf32>
// CHECK-NEXT:    %[[Y:.+]] = tensor.expand_shape %[[Y2]] {{\[\[}}0, 1], [2]] output_shape [1, 4, 8] : tensor<4x8xf32> into tensor<1x4x8xf32>
// CHECK-NEXT:    return %[[Y]] : tensor<1x4x8xf32>
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

// Self-attention, f32, with biases: the epilogue only adds the row-broadcast
// bias to the f32 accumulator (no extf, no truncf).

// CHECK-DAG:   #[[$ID:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG:   #[[$COL:.+]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @self_attention_f32_bias
// CHECK-SAME:      %[[X:[^:]+]]: tensor<1x4x8xf32>, %[[WQ:[^:]+]]: tensor<8x8xf32>, %[[WK:[^:]+]]: tensor<8x8xf32>, %[[WV:[^:]+]]: tensor<8x8xf32>, %[[WO:[^:]+]]: tensor<8x8xf32>, %[[BQ:[^:]+]]: tensor<8xf32>, %[[BK:[^:]+]]: tensor<8xf32>, %[[BV:[^:]+]]: tensor<8xf32>, %[[BO:[^:]+]]: tensor<8xf32>
// CHECK-DAG:     %[[ZERO:.+]] = arith.constant 0.000000e+00 : f32
// CHECK:         %[[ROWS:.+]] = tensor.collapse_shape %[[X]] {{\[\[}}0, 1], [2]] : tensor<1x4x8xf32> into tensor<4x8xf32>
// CHECK-NEXT:    %[[QA:.+]] = tensor.empty() : tensor<4x8xf32>
// CHECK-NEXT:    %[[QF:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[QA]] : tensor<4x8xf32>) -> tensor<4x8xf32>
// CHECK-NEXT:    %[[QMM:.+]] = linalg.matmul ins(%[[ROWS]], %[[WQ]] : tensor<4x8xf32>, tensor<8x8xf32>) outs(%[[QF]] : tensor<4x8xf32>) -> tensor<4x8xf32>
// CHECK-NEXT:    %[[QO:.+]] = tensor.empty() : tensor<4x8xf32>
// CHECK-NEXT:    %[[Q2:.+]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$COL]], #[[$ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[QMM]], %[[BQ]] : tensor<4x8xf32>, tensor<8xf32>) outs(%[[QO]] : tensor<4x8xf32>) {
// CHECK-NEXT:    ^bb0(%[[QIN:[^:]+]]: f32, %[[QB:[^:]+]]: f32, %{{[^:]+}}: f32):
// CHECK-NEXT:      %[[QSUM:.+]] = arith.addf %[[QIN]], %[[QB]] : f32
// CHECK-NEXT:      linalg.yield %[[QSUM]] : f32
// CHECK-NEXT:    } -> tensor<4x8xf32>
// CHECK-NEXT:    %[[KA:.+]] = tensor.empty() : tensor<4x8xf32>
// CHECK-NEXT:    %[[KF:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[KA]] : tensor<4x8xf32>) -> tensor<4x8xf32>
// CHECK-NEXT:    %[[KMM:.+]] = linalg.matmul ins(%[[ROWS]], %[[WK]] : tensor<4x8xf32>, tensor<8x8xf32>) outs(%[[KF]] : tensor<4x8xf32>) -> tensor<4x8xf32>
// CHECK-NEXT:    %[[KO:.+]] = tensor.empty() : tensor<4x8xf32>
// CHECK-NEXT:    %[[K2:.+]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$COL]], #[[$ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[KMM]], %[[BK]] : tensor<4x8xf32>, tensor<8xf32>) outs(%[[KO]] : tensor<4x8xf32>) {
// CHECK-NEXT:    ^bb0(%[[KIN:[^:]+]]: f32, %[[KB:[^:]+]]: f32, %{{[^:]+}}: f32):
// CHECK-NEXT:      %[[KSUM:.+]] = arith.addf %[[KIN]], %[[KB]] : f32
// CHECK-NEXT:      linalg.yield %[[KSUM]] : f32
// CHECK-NEXT:    } -> tensor<4x8xf32>
// CHECK-NEXT:    %[[VA:.+]] = tensor.empty() : tensor<4x8xf32>
// CHECK-NEXT:    %[[VF:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[VA]] : tensor<4x8xf32>) -> tensor<4x8xf32>
// CHECK-NEXT:    %[[VMM:.+]] = linalg.matmul ins(%[[ROWS]], %[[WV]] : tensor<4x8xf32>, tensor<8x8xf32>) outs(%[[VF]] : tensor<4x8xf32>) -> tensor<4x8xf32>
// CHECK-NEXT:    %[[VO:.+]] = tensor.empty() : tensor<4x8xf32>
// CHECK-NEXT:    %[[V2:.+]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$COL]], #[[$ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[VMM]], %[[BV]] : tensor<4x8xf32>, tensor<8xf32>) outs(%[[VO]] : tensor<4x8xf32>) {
// CHECK-NEXT:    ^bb0(%[[VIN:[^:]+]]: f32, %[[VB:[^:]+]]: f32, %{{[^:]+}}: f32):
// CHECK-NEXT:      %[[VSUM:.+]] = arith.addf %[[VIN]], %[[VB]] : f32
// CHECK-NEXT:      linalg.yield %[[VSUM]] : f32
// CHECK-NEXT:    } -> tensor<4x8xf32>
// CHECK-NEXT:    %[[Q4:.+]] = tensor.expand_shape %[[Q2]] {{\[\[}}0, 1], [2, 3]] output_shape [1, 4, 2, 4] : tensor<4x8xf32> into tensor<1x4x2x4xf32>
// CHECK:         %[[Q:.+]] = linalg.transpose ins(%[[Q4]] : tensor<1x4x2x4xf32>) outs(%{{.+}} : tensor<1x2x4x4xf32>) permutation = [0, 2, 1, 3]
// CHECK:         %[[K4:.+]] = tensor.expand_shape %[[K2]] {{\[\[}}0, 1], [2, 3]] output_shape [1, 4, 2, 4] : tensor<4x8xf32> into tensor<1x4x2x4xf32>
// CHECK:         %[[K:.+]] = linalg.transpose ins(%[[K4]] : tensor<1x4x2x4xf32>) outs(%{{.+}} : tensor<1x2x4x4xf32>) permutation = [0, 2, 1, 3]
// CHECK:         %[[V4:.+]] = tensor.expand_shape %[[V2]] {{\[\[}}0, 1], [2, 3]] output_shape [1, 4, 2, 4] : tensor<4x8xf32> into tensor<1x4x2x4xf32>
// CHECK:         %[[V:.+]] = linalg.transpose ins(%[[V4]] : tensor<1x4x2x4xf32>) outs(%{{.+}} : tensor<1x2x4x4xf32>) permutation = [0, 2, 1, 3]
// CHECK:         %[[O:.+]] = mha.attention %[[Q]], %[[K]], %[[V]] : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
// CHECK:         %[[OT:.+]] = linalg.transpose ins(%[[O]] : tensor<1x2x4x4xf32>) outs(%{{.+}} : tensor<1x4x2x4xf32>) permutation = [0, 2, 1, 3]
// CHECK:         %[[O2:.+]] = tensor.collapse_shape %[[OT]] {{\[\[}}0, 1], [2, 3]] : tensor<1x4x2x4xf32> into tensor<4x8xf32>
// CHECK-NEXT:    %[[YA:.+]] = tensor.empty() : tensor<4x8xf32>
// CHECK-NEXT:    %[[YF:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[YA]] : tensor<4x8xf32>) -> tensor<4x8xf32>
// CHECK-NEXT:    %[[YMM:.+]] = linalg.matmul ins(%[[O2]], %[[WO]] : tensor<4x8xf32>, tensor<8x8xf32>) outs(%[[YF]] : tensor<4x8xf32>) -> tensor<4x8xf32>
// CHECK-NEXT:    %[[YO:.+]] = tensor.empty() : tensor<4x8xf32>
// CHECK-NEXT:    %[[Y2:.+]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$COL]], #[[$ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[YMM]], %[[BO]] : tensor<4x8xf32>, tensor<8xf32>) outs(%[[YO]] : tensor<4x8xf32>) {
// CHECK-NEXT:    ^bb0(%[[YIN:[^:]+]]: f32, %[[YB:[^:]+]]: f32, %{{[^:]+}}: f32):
// CHECK-NEXT:      %[[YSUM:.+]] = arith.addf %[[YIN]], %[[YB]] : f32
// CHECK-NEXT:      linalg.yield %[[YSUM]] : f32
// CHECK-NEXT:    } -> tensor<4x8xf32>
// CHECK-NEXT:    %[[Y:.+]] = tensor.expand_shape %[[Y2]] {{\[\[}}0, 1], [2]] output_shape [1, 4, 8] : tensor<4x8xf32> into tensor<1x4x8xf32>
// CHECK-NEXT:    return %[[Y]] : tensor<1x4x8xf32>
func.func @self_attention_f32_bias(%x: tensor<1x4x8xf32>, %wq: tensor<8x8xf32>,
    %wk: tensor<8x8xf32>, %wv: tensor<8x8xf32>, %wo: tensor<8x8xf32>,
    %bq: tensor<8xf32>, %bk: tensor<8xf32>, %bv: tensor<8xf32>,
    %bo: tensor<8xf32>) -> tensor<1x4x8xf32> {
  %y = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo
      bias(%bq, %bk, %bv, %bo) {num_heads = 2 : i64}
      : tensor<1x4x8xf32>, tensor<1x4x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>,
        tensor<8x8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8xf32>,
        tensor<8xf32>, tensor<8xf32> -> tensor<1x4x8xf32>
  return %y : tensor<1x4x8xf32>
}

// -----

// Grouped-query attention (8 query heads, 2 K/V heads) in f16 with all four
// biases, an i1 mask, `causal` and `scale`: each projection accumulates in a
// zero-filled f32 tensor, then one epilogue extends the row-broadcast bias to
// f32, adds it and truncates to f16; mask/causal/scale reach mha.attention
// unchanged.

// CHECK-DAG:   #[[$ID:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG:   #[[$COL:.+]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @gqa_bias_mask_causal_scale
// CHECK-SAME:      %[[X:[^:]+]]: tensor<2x16x64xf16>, %[[WQ:[^:]+]]: tensor<64x64xf16>, %[[WK:[^:]+]]: tensor<64x16xf16>, %[[WV:[^:]+]]: tensor<64x16xf16>, %[[WO:[^:]+]]: tensor<64x64xf16>, %[[BQ:[^:]+]]: tensor<64xf16>, %[[BK:[^:]+]]: tensor<16xf16>, %[[BV:[^:]+]]: tensor<16xf16>, %[[BO:[^:]+]]: tensor<64xf16>, %[[M:[^:]+]]: tensor<1x1x16x16xi1>
// CHECK-DAG:     %[[ZERO:.+]] = arith.constant 0.000000e+00 : f32
// CHECK:         %[[ROWS:.+]] = tensor.collapse_shape %[[X]] {{\[\[}}0, 1], [2]] : tensor<2x16x64xf16> into tensor<32x64xf16>
// CHECK-NEXT:    %[[QA:.+]] = tensor.empty() : tensor<32x64xf32>
// CHECK-NEXT:    %[[QF:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[QA]] : tensor<32x64xf32>) -> tensor<32x64xf32>
// CHECK-NEXT:    %[[QMM:.+]] = linalg.matmul ins(%[[ROWS]], %[[WQ]] : tensor<32x64xf16>, tensor<64x64xf16>) outs(%[[QF]] : tensor<32x64xf32>) -> tensor<32x64xf32>
// CHECK-NEXT:    %[[QO:.+]] = tensor.empty() : tensor<32x64xf16>
// CHECK-NEXT:    %[[Q2:.+]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$COL]], #[[$ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[QMM]], %[[BQ]] : tensor<32x64xf32>, tensor<64xf16>) outs(%[[QO]] : tensor<32x64xf16>) {
// CHECK-NEXT:    ^bb0(%[[QIN:[^:]+]]: f32, %[[QB:[^:]+]]: f16, %{{[^:]+}}: f16):
// CHECK-NEXT:      %[[QBX:.+]] = arith.extf %[[QB]] : f16 to f32
// CHECK-NEXT:      %[[QSUM:.+]] = arith.addf %[[QIN]], %[[QBX]] : f32
// CHECK-NEXT:      %[[QT:.+]] = arith.truncf %[[QSUM]] : f32 to f16
// CHECK-NEXT:      linalg.yield %[[QT]] : f16
// CHECK-NEXT:    } -> tensor<32x64xf16>
// CHECK-NEXT:    %[[KA:.+]] = tensor.empty() : tensor<32x16xf32>
// CHECK-NEXT:    %[[KF:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[KA]] : tensor<32x16xf32>) -> tensor<32x16xf32>
// CHECK-NEXT:    %[[KMM:.+]] = linalg.matmul ins(%[[ROWS]], %[[WK]] : tensor<32x64xf16>, tensor<64x16xf16>) outs(%[[KF]] : tensor<32x16xf32>) -> tensor<32x16xf32>
// CHECK-NEXT:    %[[KO:.+]] = tensor.empty() : tensor<32x16xf16>
// CHECK-NEXT:    %[[K2:.+]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$COL]], #[[$ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[KMM]], %[[BK]] : tensor<32x16xf32>, tensor<16xf16>) outs(%[[KO]] : tensor<32x16xf16>) {
// CHECK-NEXT:    ^bb0(%[[KIN:[^:]+]]: f32, %[[KB:[^:]+]]: f16, %{{[^:]+}}: f16):
// CHECK-NEXT:      %[[KBX:.+]] = arith.extf %[[KB]] : f16 to f32
// CHECK-NEXT:      %[[KSUM:.+]] = arith.addf %[[KIN]], %[[KBX]] : f32
// CHECK-NEXT:      %[[KT:.+]] = arith.truncf %[[KSUM]] : f32 to f16
// CHECK-NEXT:      linalg.yield %[[KT]] : f16
// CHECK-NEXT:    } -> tensor<32x16xf16>
// CHECK-NEXT:    %[[VA:.+]] = tensor.empty() : tensor<32x16xf32>
// CHECK-NEXT:    %[[VF:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[VA]] : tensor<32x16xf32>) -> tensor<32x16xf32>
// CHECK-NEXT:    %[[VMM:.+]] = linalg.matmul ins(%[[ROWS]], %[[WV]] : tensor<32x64xf16>, tensor<64x16xf16>) outs(%[[VF]] : tensor<32x16xf32>) -> tensor<32x16xf32>
// CHECK-NEXT:    %[[VO:.+]] = tensor.empty() : tensor<32x16xf16>
// CHECK-NEXT:    %[[V2:.+]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$COL]], #[[$ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[VMM]], %[[BV]] : tensor<32x16xf32>, tensor<16xf16>) outs(%[[VO]] : tensor<32x16xf16>) {
// CHECK-NEXT:    ^bb0(%[[VIN:[^:]+]]: f32, %[[VB:[^:]+]]: f16, %{{[^:]+}}: f16):
// CHECK-NEXT:      %[[VBX:.+]] = arith.extf %[[VB]] : f16 to f32
// CHECK-NEXT:      %[[VSUM:.+]] = arith.addf %[[VIN]], %[[VBX]] : f32
// CHECK-NEXT:      %[[VT:.+]] = arith.truncf %[[VSUM]] : f32 to f16
// CHECK-NEXT:      linalg.yield %[[VT]] : f16
// CHECK-NEXT:    } -> tensor<32x16xf16>
// CHECK-NEXT:    %[[Q4:.+]] = tensor.expand_shape %[[Q2]] {{\[\[}}0, 1], [2, 3]] output_shape [2, 16, 8, 8] : tensor<32x64xf16> into tensor<2x16x8x8xf16>
// CHECK:         %[[Q:.+]] = linalg.transpose ins(%[[Q4]] : tensor<2x16x8x8xf16>) outs(%{{.+}} : tensor<2x8x16x8xf16>) permutation = [0, 2, 1, 3]
// CHECK:         %[[K4:.+]] = tensor.expand_shape %[[K2]] {{\[\[}}0, 1], [2, 3]] output_shape [2, 16, 2, 8] : tensor<32x16xf16> into tensor<2x16x2x8xf16>
// CHECK:         %[[K:.+]] = linalg.transpose ins(%[[K4]] : tensor<2x16x2x8xf16>) outs(%{{.+}} : tensor<2x2x16x8xf16>) permutation = [0, 2, 1, 3]
// CHECK:         %[[V4:.+]] = tensor.expand_shape %[[V2]] {{\[\[}}0, 1], [2, 3]] output_shape [2, 16, 2, 8] : tensor<32x16xf16> into tensor<2x16x2x8xf16>
// CHECK:         %[[V:.+]] = linalg.transpose ins(%[[V4]] : tensor<2x16x2x8xf16>) outs(%{{.+}} : tensor<2x2x16x8xf16>) permutation = [0, 2, 1, 3]
// CHECK:         %[[O:.+]] = mha.attention %[[Q]], %[[K]], %[[V]] mask(%[[M]]) {causal, scale = 2.500000e-01 : f32} : tensor<2x8x16x8xf16>, tensor<2x2x16x8xf16>, tensor<2x2x16x8xf16>, tensor<1x1x16x16xi1> -> tensor<2x8x16x8xf16>
// CHECK:         %[[OT:.+]] = linalg.transpose ins(%[[O]] : tensor<2x8x16x8xf16>) outs(%{{.+}} : tensor<2x16x8x8xf16>) permutation = [0, 2, 1, 3]
// CHECK:         %[[O2:.+]] = tensor.collapse_shape %[[OT]] {{\[\[}}0, 1], [2, 3]] : tensor<2x16x8x8xf16> into tensor<32x64xf16>
// CHECK-NEXT:    %[[YA:.+]] = tensor.empty() : tensor<32x64xf32>
// CHECK-NEXT:    %[[YF:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[YA]] : tensor<32x64xf32>) -> tensor<32x64xf32>
// CHECK-NEXT:    %[[YMM:.+]] = linalg.matmul ins(%[[O2]], %[[WO]] : tensor<32x64xf16>, tensor<64x64xf16>) outs(%[[YF]] : tensor<32x64xf32>) -> tensor<32x64xf32>
// CHECK-NEXT:    %[[YO:.+]] = tensor.empty() : tensor<32x64xf16>
// CHECK-NEXT:    %[[Y2:.+]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$COL]], #[[$ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[YMM]], %[[BO]] : tensor<32x64xf32>, tensor<64xf16>) outs(%[[YO]] : tensor<32x64xf16>) {
// CHECK-NEXT:    ^bb0(%[[YIN:[^:]+]]: f32, %[[YB:[^:]+]]: f16, %{{[^:]+}}: f16):
// CHECK-NEXT:      %[[YBX:.+]] = arith.extf %[[YB]] : f16 to f32
// CHECK-NEXT:      %[[YSUM:.+]] = arith.addf %[[YIN]], %[[YBX]] : f32
// CHECK-NEXT:      %[[YT:.+]] = arith.truncf %[[YSUM]] : f32 to f16
// CHECK-NEXT:      linalg.yield %[[YT]] : f16
// CHECK-NEXT:    } -> tensor<32x64xf16>
// CHECK-NEXT:    %[[Y:.+]] = tensor.expand_shape %[[Y2]] {{\[\[}}0, 1], [2]] output_shape [2, 16, 64] : tensor<32x64xf16> into tensor<2x16x64xf16>
// CHECK-NEXT:    return %[[Y]] : tensor<2x16x64xf16>
func.func @gqa_bias_mask_causal_scale(%x: tensor<2x16x64xf16>,
    %wq: tensor<64x64xf16>, %wk: tensor<64x16xf16>, %wv: tensor<64x16xf16>,
    %wo: tensor<64x64xf16>, %bq: tensor<64xf16>, %bk: tensor<16xf16>,
    %bv: tensor<16xf16>, %bo: tensor<64xf16>, %m: tensor<1x1x16x16xi1>)
    -> tensor<2x16x64xf16> {
  %y = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo
      bias(%bq, %bk, %bv, %bo) mask(%m)
      {num_heads = 8 : i64, num_kv_heads = 2 : i64, causal, scale = 0.25 : f32}
      : tensor<2x16x64xf16>, tensor<2x16x64xf16>, tensor<64x64xf16>,
        tensor<64x16xf16>, tensor<64x16xf16>, tensor<64x64xf16>,
        tensor<64xf16>, tensor<16xf16>, tensor<16xf16>, tensor<64xf16>,
        tensor<1x1x16x16xi1> -> tensor<2x16x64xf16>
  return %y : tensor<2x16x64xf16>
}

// -----

// Cross-attention with Sq = 3 != Skv = 5 and a value head dim (Dv = 2) that
// differs from the query/key head dim (D = 4); f32 without biases, so no
// epilogue.

// CHECK-NOT:   affine_map
// CHECK-LABEL: func.func @cross_attention
// CHECK-SAME:      %[[XQ:[^:]+]]: tensor<2x3x16xf32>, %[[XKV:[^:]+]]: tensor<2x5x16xf32>, %[[WQ:[^:]+]]: tensor<16x16xf32>, %[[WK:[^:]+]]: tensor<16x16xf32>, %[[WV:[^:]+]]: tensor<16x8xf32>, %[[WO:[^:]+]]: tensor<8x16xf32>
// CHECK-DAG:     %[[ZERO:.+]] = arith.constant 0.000000e+00 : f32
// CHECK-DAG:     %[[QROWS:.+]] = tensor.collapse_shape %[[XQ]] {{\[\[}}0, 1], [2]] : tensor<2x3x16xf32> into tensor<6x16xf32>
// CHECK-DAG:     %[[KVROWS:.+]] = tensor.collapse_shape %[[XKV]] {{\[\[}}0, 1], [2]] : tensor<2x5x16xf32> into tensor<10x16xf32>
// CHECK:         %[[QA:.+]] = tensor.empty() : tensor<6x16xf32>
// CHECK-NEXT:    %[[QF:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[QA]] : tensor<6x16xf32>) -> tensor<6x16xf32>
// CHECK-NEXT:    %[[QMM:.+]] = linalg.matmul ins(%[[QROWS]], %[[WQ]] : tensor<6x16xf32>, tensor<16x16xf32>) outs(%[[QF]] : tensor<6x16xf32>) -> tensor<6x16xf32>
// CHECK-NEXT:    %[[KA:.+]] = tensor.empty() : tensor<10x16xf32>
// CHECK-NEXT:    %[[KF:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[KA]] : tensor<10x16xf32>) -> tensor<10x16xf32>
// CHECK-NEXT:    %[[KMM:.+]] = linalg.matmul ins(%[[KVROWS]], %[[WK]] : tensor<10x16xf32>, tensor<16x16xf32>) outs(%[[KF]] : tensor<10x16xf32>) -> tensor<10x16xf32>
// CHECK-NEXT:    %[[VA:.+]] = tensor.empty() : tensor<10x8xf32>
// CHECK-NEXT:    %[[VF:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[VA]] : tensor<10x8xf32>) -> tensor<10x8xf32>
// CHECK-NEXT:    %[[VMM:.+]] = linalg.matmul ins(%[[KVROWS]], %[[WV]] : tensor<10x16xf32>, tensor<16x8xf32>) outs(%[[VF]] : tensor<10x8xf32>) -> tensor<10x8xf32>
// CHECK-NEXT:    %[[Q4:.+]] = tensor.expand_shape %[[QMM]] {{\[\[}}0, 1], [2, 3]] output_shape [2, 3, 4, 4] : tensor<6x16xf32> into tensor<2x3x4x4xf32>
// CHECK:         %[[Q:.+]] = linalg.transpose ins(%[[Q4]] : tensor<2x3x4x4xf32>) outs(%{{.+}} : tensor<2x4x3x4xf32>) permutation = [0, 2, 1, 3]
// CHECK:         %[[K4:.+]] = tensor.expand_shape %[[KMM]] {{\[\[}}0, 1], [2, 3]] output_shape [2, 5, 4, 4] : tensor<10x16xf32> into tensor<2x5x4x4xf32>
// CHECK:         %[[K:.+]] = linalg.transpose ins(%[[K4]] : tensor<2x5x4x4xf32>) outs(%{{.+}} : tensor<2x4x5x4xf32>) permutation = [0, 2, 1, 3]
// CHECK:         %[[V4:.+]] = tensor.expand_shape %[[VMM]] {{\[\[}}0, 1], [2, 3]] output_shape [2, 5, 4, 2] : tensor<10x8xf32> into tensor<2x5x4x2xf32>
// CHECK:         %[[V:.+]] = linalg.transpose ins(%[[V4]] : tensor<2x5x4x2xf32>) outs(%{{.+}} : tensor<2x4x5x2xf32>) permutation = [0, 2, 1, 3]
// CHECK:         %[[O:.+]] = mha.attention %[[Q]], %[[K]], %[[V]] : tensor<2x4x3x4xf32>, tensor<2x4x5x4xf32>, tensor<2x4x5x2xf32> -> tensor<2x4x3x2xf32>
// CHECK:         %[[OT:.+]] = linalg.transpose ins(%[[O]] : tensor<2x4x3x2xf32>) outs(%{{.+}} : tensor<2x3x4x2xf32>) permutation = [0, 2, 1, 3]
// CHECK:         %[[O2:.+]] = tensor.collapse_shape %[[OT]] {{\[\[}}0, 1], [2, 3]] : tensor<2x3x4x2xf32> into tensor<6x8xf32>
// CHECK-NEXT:    %[[YA:.+]] = tensor.empty() : tensor<6x16xf32>
// CHECK-NEXT:    %[[YF:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[YA]] : tensor<6x16xf32>) -> tensor<6x16xf32>
// CHECK-NEXT:    %[[YMM:.+]] = linalg.matmul ins(%[[O2]], %[[WO]] : tensor<6x8xf32>, tensor<8x16xf32>) outs(%[[YF]] : tensor<6x16xf32>) -> tensor<6x16xf32>
// CHECK-NEXT:    %[[Y:.+]] = tensor.expand_shape %[[YMM]] {{\[\[}}0, 1], [2]] output_shape [2, 3, 16] : tensor<6x16xf32> into tensor<2x3x16xf32>
// CHECK-NEXT:    return %[[Y]] : tensor<2x3x16xf32>
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

// Dynamic batch and sequence lengths (f16, with biases). Collapsing [B, S, E]
// would need an expand_shape with two dynamic dims in one group, which LLVM
// 22's expand-strided-metadata crashes on (llvm/llvm-project#186830), so each
// projection is a linalg.generic contraction on [B, S, E] into an f32
// accumulator, followed by the same bias/rounding epilogue in 3-D. Heads are
// split and merged by reshaping only the static trailing dims, and the output
// projection yields [B, Sq, E] directly (no final expand_shape).

// CHECK-DAG:   #[[$LHS:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG:   #[[$RHS:.+]] = affine_map<(d0, d1, d2, d3) -> (d3, d2)>
// CHECK-DAG:   #[[$ACC:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-DAG:   #[[$ID:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG:   #[[$COL:.+]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-LABEL: func.func @dynamic_batch_and_sequence
// CHECK-SAME:      %[[XQ:[^:]+]]: tensor<?x?x64xf16>, %[[XKV:[^:]+]]: tensor<?x?x64xf16>, %[[WQ:[^:]+]]: tensor<64x64xf16>, %[[WK:[^:]+]]: tensor<64x64xf16>, %[[WV:[^:]+]]: tensor<64x64xf16>, %[[WO:[^:]+]]: tensor<64x64xf16>, %[[BQ:[^:]+]]: tensor<64xf16>, %[[BK:[^:]+]]: tensor<64xf16>, %[[BV:[^:]+]]: tensor<64xf16>, %[[BO:[^:]+]]: tensor<64xf16>
// CHECK-DAG:     %[[ZERO:.+]] = arith.constant 0.000000e+00 : f32
// CHECK-DAG:     %[[C0:.+]] = arith.constant 0 : index
// CHECK-DAG:     %[[C1:.+]] = arith.constant 1 : index
// CHECK-DAG:     %[[B:.+]] = tensor.dim %[[XQ]], %[[C0]] : tensor<?x?x64xf16>
// CHECK-DAG:     %[[SQ:.+]] = tensor.dim %[[XQ]], %[[C1]] : tensor<?x?x64xf16>
// CHECK-DAG:     %[[BKV:.+]] = tensor.dim %[[XKV]], %[[C0]] : tensor<?x?x64xf16>
// CHECK-DAG:     %[[SKV:.+]] = tensor.dim %[[XKV]], %[[C1]] : tensor<?x?x64xf16>
// CHECK:         %[[QA:.+]] = tensor.empty(%[[B]], %[[SQ]]) : tensor<?x?x64xf32>
// CHECK-NEXT:    %[[QF:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[QA]] : tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
// CHECK-NEXT:    %[[QMM:.+]] = linalg.generic {indexing_maps = [#[[$LHS]], #[[$RHS]], #[[$ACC]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[XQ]], %[[WQ]] : tensor<?x?x64xf16>, tensor<64x64xf16>) outs(%[[QF]] : tensor<?x?x64xf32>) {
// CHECK-NEXT:    ^bb0(%[[QL:[^:]+]]: f16, %[[QR:[^:]+]]: f16, %[[QACC:[^:]+]]: f32):
// CHECK-NEXT:      %[[QLX:.+]] = arith.extf %[[QL]] : f16 to f32
// CHECK-NEXT:      %[[QRX:.+]] = arith.extf %[[QR]] : f16 to f32
// CHECK-NEXT:      %[[QMUL:.+]] = arith.mulf %[[QLX]], %[[QRX]] : f32
// CHECK-NEXT:      %[[QADD:.+]] = arith.addf %[[QACC]], %[[QMUL]] : f32
// CHECK-NEXT:      linalg.yield %[[QADD]] : f32
// CHECK-NEXT:    } -> tensor<?x?x64xf32>
// CHECK-NEXT:    %[[QO:.+]] = tensor.empty(%[[B]], %[[SQ]]) : tensor<?x?x64xf16>
// CHECK-NEXT:    %[[Q2:.+]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$COL]], #[[$ID]]], iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[QMM]], %[[BQ]] : tensor<?x?x64xf32>, tensor<64xf16>) outs(%[[QO]] : tensor<?x?x64xf16>) {
// CHECK-NEXT:    ^bb0(%[[QIN:[^:]+]]: f32, %[[QB:[^:]+]]: f16, %{{[^:]+}}: f16):
// CHECK-NEXT:      %[[QBX:.+]] = arith.extf %[[QB]] : f16 to f32
// CHECK-NEXT:      %[[QSUM:.+]] = arith.addf %[[QIN]], %[[QBX]] : f32
// CHECK-NEXT:      %[[QT:.+]] = arith.truncf %[[QSUM]] : f32 to f16
// CHECK-NEXT:      linalg.yield %[[QT]] : f16
// CHECK-NEXT:    } -> tensor<?x?x64xf16>
// CHECK-NEXT:    %[[KA:.+]] = tensor.empty(%[[BKV]], %[[SKV]]) : tensor<?x?x64xf32>
// CHECK-NEXT:    %[[KF:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[KA]] : tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
// CHECK-NEXT:    %[[KMM:.+]] = linalg.generic {indexing_maps = [#[[$LHS]], #[[$RHS]], #[[$ACC]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[XKV]], %[[WK]] : tensor<?x?x64xf16>, tensor<64x64xf16>) outs(%[[KF]] : tensor<?x?x64xf32>)
// CHECK:         } -> tensor<?x?x64xf32>
// CHECK-NEXT:    %[[KO:.+]] = tensor.empty(%[[BKV]], %[[SKV]]) : tensor<?x?x64xf16>
// CHECK-NEXT:    %[[K2:.+]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$COL]], #[[$ID]]], iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[KMM]], %[[BK]] : tensor<?x?x64xf32>, tensor<64xf16>) outs(%[[KO]] : tensor<?x?x64xf16>)
// CHECK:         } -> tensor<?x?x64xf16>
// CHECK-NEXT:    %[[VA:.+]] = tensor.empty(%[[BKV]], %[[SKV]]) : tensor<?x?x64xf32>
// CHECK-NEXT:    %[[VF:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[VA]] : tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
// CHECK-NEXT:    %[[VMM:.+]] = linalg.generic {indexing_maps = [#[[$LHS]], #[[$RHS]], #[[$ACC]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[XKV]], %[[WV]] : tensor<?x?x64xf16>, tensor<64x64xf16>) outs(%[[VF]] : tensor<?x?x64xf32>)
// CHECK:         } -> tensor<?x?x64xf32>
// CHECK-NEXT:    %[[VO:.+]] = tensor.empty(%[[BKV]], %[[SKV]]) : tensor<?x?x64xf16>
// CHECK-NEXT:    %[[V2:.+]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$COL]], #[[$ID]]], iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[VMM]], %[[BV]] : tensor<?x?x64xf32>, tensor<64xf16>) outs(%[[VO]] : tensor<?x?x64xf16>)
// CHECK:         } -> tensor<?x?x64xf16>
// CHECK-NEXT:    %[[Q4:.+]] = tensor.expand_shape %[[Q2]] {{\[\[}}0], [1], [2, 3]] output_shape [%[[B]], %[[SQ]], 4, 16] : tensor<?x?x64xf16> into tensor<?x?x4x16xf16>
// CHECK:         %[[QE:.+]] = tensor.empty(%[[B]], %[[SQ]]) : tensor<?x4x?x16xf16>
// CHECK:         %[[Q:.+]] = linalg.transpose ins(%[[Q4]] : tensor<?x?x4x16xf16>) outs(%[[QE]] : tensor<?x4x?x16xf16>) permutation = [0, 2, 1, 3]
// CHECK:         %[[K4:.+]] = tensor.expand_shape %[[K2]] {{\[\[}}0], [1], [2, 3]] output_shape [%[[BKV]], %[[SKV]], 4, 16] : tensor<?x?x64xf16> into tensor<?x?x4x16xf16>
// CHECK:         %[[KE:.+]] = tensor.empty(%[[BKV]], %[[SKV]]) : tensor<?x4x?x16xf16>
// CHECK:         %[[K:.+]] = linalg.transpose ins(%[[K4]] : tensor<?x?x4x16xf16>) outs(%[[KE]] : tensor<?x4x?x16xf16>) permutation = [0, 2, 1, 3]
// CHECK:         %[[V4:.+]] = tensor.expand_shape %[[V2]] {{\[\[}}0], [1], [2, 3]] output_shape [%[[BKV]], %[[SKV]], 4, 16] : tensor<?x?x64xf16> into tensor<?x?x4x16xf16>
// CHECK:         %[[V:.+]] = linalg.transpose ins(%[[V4]] : tensor<?x?x4x16xf16>) outs(%{{.+}} : tensor<?x4x?x16xf16>) permutation = [0, 2, 1, 3]
// CHECK:         %[[O:.+]] = mha.attention %[[Q]], %[[K]], %[[V]] : tensor<?x4x?x16xf16>, tensor<?x4x?x16xf16>, tensor<?x4x?x16xf16> -> tensor<?x4x?x16xf16>
// CHECK:         %[[OE:.+]] = tensor.empty(%[[B]], %[[SQ]]) : tensor<?x?x4x16xf16>
// CHECK:         %[[OT:.+]] = linalg.transpose ins(%[[O]] : tensor<?x4x?x16xf16>) outs(%[[OE]] : tensor<?x?x4x16xf16>) permutation = [0, 2, 1, 3]
// CHECK:         %[[O2:.+]] = tensor.collapse_shape %[[OT]] {{\[\[}}0], [1], [2, 3]] : tensor<?x?x4x16xf16> into tensor<?x?x64xf16>
// CHECK-NEXT:    %[[YA:.+]] = tensor.empty(%[[B]], %[[SQ]]) : tensor<?x?x64xf32>
// CHECK-NEXT:    %[[YF:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[YA]] : tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
// CHECK-NEXT:    %[[YMM:.+]] = linalg.generic {indexing_maps = [#[[$LHS]], #[[$RHS]], #[[$ACC]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[O2]], %[[WO]] : tensor<?x?x64xf16>, tensor<64x64xf16>) outs(%[[YF]] : tensor<?x?x64xf32>)
// CHECK:         } -> tensor<?x?x64xf32>
// CHECK-NEXT:    %[[YO:.+]] = tensor.empty(%[[B]], %[[SQ]]) : tensor<?x?x64xf16>
// CHECK-NEXT:    %[[Y:.+]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$COL]], #[[$ID]]], iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[YMM]], %[[BO]] : tensor<?x?x64xf32>, tensor<64xf16>) outs(%[[YO]] : tensor<?x?x64xf16>)
// CHECK:         } -> tensor<?x?x64xf16>
// CHECK-NEXT:    return %[[Y]] : tensor<?x?x64xf16>
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

// The choice is per input: a query with dynamic B and Sq takes the 3-D
// contraction (and so does the output projection), while a key/value input
// with a static B keeps the collapsed rows and linalg.matmul. f32 without
// biases: no epilogue.

// CHECK-DAG:   #[[$LHS:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG:   #[[$RHS:.+]] = affine_map<(d0, d1, d2, d3) -> (d3, d2)>
// CHECK-DAG:   #[[$ACC:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @dynamic_query_batch_and_sequence
// CHECK-SAME:      %[[XQ:[^:]+]]: tensor<?x?x16xf32>, %[[XKV:[^:]+]]: tensor<2x?x16xf32>, %[[WQ:[^:]+]]: tensor<16x16xf32>, %[[WK:[^:]+]]: tensor<16x16xf32>, %[[WV:[^:]+]]: tensor<16x8xf32>, %[[WO:[^:]+]]: tensor<8x16xf32>
// CHECK-DAG:     %[[ZERO:.+]] = arith.constant 0.000000e+00 : f32
// CHECK-DAG:     %[[C0:.+]] = arith.constant 0 : index
// CHECK-DAG:     %[[C1:.+]] = arith.constant 1 : index
// CHECK-DAG:     %[[B:.+]] = tensor.dim %[[XQ]], %[[C0]] : tensor<?x?x16xf32>
// CHECK-DAG:     %[[SQ:.+]] = tensor.dim %[[XQ]], %[[C1]] : tensor<?x?x16xf32>
// CHECK-DAG:     %[[SKV:.+]] = tensor.dim %[[XKV]], %[[C1]] : tensor<2x?x16xf32>
// CHECK-DAG:     %[[KVROWS:.+]] = tensor.collapse_shape %[[XKV]] {{\[\[}}0, 1], [2]] : tensor<2x?x16xf32> into tensor<?x16xf32>
// CHECK-DAG:     %[[NKV:.+]] = tensor.dim %[[KVROWS]], %[[C0]] : tensor<?x16xf32>
// CHECK:         %[[QA:.+]] = tensor.empty(%[[B]], %[[SQ]]) : tensor<?x?x16xf32>
// CHECK-NEXT:    %[[QF:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[QA]] : tensor<?x?x16xf32>) -> tensor<?x?x16xf32>
// CHECK-NEXT:    %[[QMM:.+]] = linalg.generic {indexing_maps = [#[[$LHS]], #[[$RHS]], #[[$ACC]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[XQ]], %[[WQ]] : tensor<?x?x16xf32>, tensor<16x16xf32>) outs(%[[QF]] : tensor<?x?x16xf32>) {
// CHECK-NEXT:    ^bb0(%[[QL:[^:]+]]: f32, %[[QR:[^:]+]]: f32, %[[QACC:[^:]+]]: f32):
// CHECK-NEXT:      %[[QMUL:.+]] = arith.mulf %[[QL]], %[[QR]] : f32
// CHECK-NEXT:      %[[QADD:.+]] = arith.addf %[[QACC]], %[[QMUL]] : f32
// CHECK-NEXT:      linalg.yield %[[QADD]] : f32
// CHECK-NEXT:    } -> tensor<?x?x16xf32>
// CHECK-NEXT:    %[[KA:.+]] = tensor.empty(%[[NKV]]) : tensor<?x16xf32>
// CHECK-NEXT:    %[[KF:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[KA]] : tensor<?x16xf32>) -> tensor<?x16xf32>
// CHECK-NEXT:    %[[KMM:.+]] = linalg.matmul ins(%[[KVROWS]], %[[WK]] : tensor<?x16xf32>, tensor<16x16xf32>) outs(%[[KF]] : tensor<?x16xf32>) -> tensor<?x16xf32>
// CHECK-NEXT:    %[[VA:.+]] = tensor.empty(%[[NKV]]) : tensor<?x8xf32>
// CHECK-NEXT:    %[[VF:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[VA]] : tensor<?x8xf32>) -> tensor<?x8xf32>
// CHECK-NEXT:    %[[VMM:.+]] = linalg.matmul ins(%[[KVROWS]], %[[WV]] : tensor<?x16xf32>, tensor<16x8xf32>) outs(%[[VF]] : tensor<?x8xf32>) -> tensor<?x8xf32>
// CHECK-NEXT:    %[[Q4:.+]] = tensor.expand_shape %[[QMM]] {{\[\[}}0], [1], [2, 3]] output_shape [%[[B]], %[[SQ]], 4, 4] : tensor<?x?x16xf32> into tensor<?x?x4x4xf32>
// CHECK:         %[[Q:.+]] = linalg.transpose ins(%[[Q4]] : tensor<?x?x4x4xf32>) outs(%{{.+}} : tensor<?x4x?x4xf32>) permutation = [0, 2, 1, 3]
// CHECK:         %[[K4:.+]] = tensor.expand_shape %[[KMM]] {{\[\[}}0, 1], [2, 3]] output_shape [2, %[[SKV]], 4, 4] : tensor<?x16xf32> into tensor<2x?x4x4xf32>
// CHECK:         %[[K:.+]] = linalg.transpose ins(%[[K4]] : tensor<2x?x4x4xf32>) outs(%{{.+}} : tensor<2x4x?x4xf32>) permutation = [0, 2, 1, 3]
// CHECK:         %[[V4:.+]] = tensor.expand_shape %[[VMM]] {{\[\[}}0, 1], [2, 3]] output_shape [2, %[[SKV]], 4, 2] : tensor<?x8xf32> into tensor<2x?x4x2xf32>
// CHECK:         %[[V:.+]] = linalg.transpose ins(%[[V4]] : tensor<2x?x4x2xf32>) outs(%{{.+}} : tensor<2x4x?x2xf32>) permutation = [0, 2, 1, 3]
// CHECK:         %[[O:.+]] = mha.attention %[[Q]], %[[K]], %[[V]] : tensor<?x4x?x4xf32>, tensor<2x4x?x4xf32>, tensor<2x4x?x2xf32> -> tensor<?x4x?x2xf32>
// CHECK:         %[[OT:.+]] = linalg.transpose ins(%[[O]] : tensor<?x4x?x2xf32>) outs(%{{.+}} : tensor<?x?x4x2xf32>) permutation = [0, 2, 1, 3]
// CHECK:         %[[O2:.+]] = tensor.collapse_shape %[[OT]] {{\[\[}}0], [1], [2, 3]] : tensor<?x?x4x2xf32> into tensor<?x?x8xf32>
// CHECK-NEXT:    %[[YA:.+]] = tensor.empty(%[[B]], %[[SQ]]) : tensor<?x?x16xf32>
// CHECK-NEXT:    %[[YF:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[YA]] : tensor<?x?x16xf32>) -> tensor<?x?x16xf32>
// CHECK-NEXT:    %[[Y:.+]] = linalg.generic {indexing_maps = [#[[$LHS]], #[[$RHS]], #[[$ACC]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[O2]], %[[WO]] : tensor<?x?x8xf32>, tensor<8x16xf32>) outs(%[[YF]] : tensor<?x?x16xf32>)
// CHECK:         } -> tensor<?x?x16xf32>
// CHECK-NEXT:    return %[[Y]] : tensor<?x?x16xf32>
func.func @dynamic_query_batch_and_sequence(%xq: tensor<?x?x16xf32>,
    %xkv: tensor<2x?x16xf32>, %wq: tensor<16x16xf32>, %wk: tensor<16x16xf32>,
    %wv: tensor<16x8xf32>, %wo: tensor<8x16xf32>) -> tensor<?x?x16xf32> {
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo {num_heads = 4 : i64}
      : tensor<?x?x16xf32>, tensor<2x?x16xf32>, tensor<16x16xf32>,
        tensor<16x16xf32>, tensor<16x8xf32>, tensor<8x16xf32>
        -> tensor<?x?x16xf32>
  return %y : tensor<?x?x16xf32>
}

// -----

// bf16 multi-query attention (one K/V head) with an additive bf16 mask and no
// biases: the projections still accumulate in f32, and the epilogue only
// truncates to bf16 (identity maps, no bias operand).

// CHECK-DAG:   #[[$ID:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-NOT:   affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @bf16_multi_query_float_mask
// CHECK-SAME:      %[[X:[^:]+]]: tensor<1x8x32xbf16>, %[[WQ:[^:]+]]: tensor<32x32xbf16>, %[[WK:[^:]+]]: tensor<32x8xbf16>, %[[WV:[^:]+]]: tensor<32x8xbf16>, %[[WO:[^:]+]]: tensor<32x32xbf16>, %[[M:[^:]+]]: tensor<1x4x8x8xbf16>
// CHECK-DAG:     %[[ZERO:.+]] = arith.constant 0.000000e+00 : f32
// CHECK:         %[[ROWS:.+]] = tensor.collapse_shape %[[X]] {{\[\[}}0, 1], [2]] : tensor<1x8x32xbf16> into tensor<8x32xbf16>
// CHECK-NEXT:    %[[QA:.+]] = tensor.empty() : tensor<8x32xf32>
// CHECK-NEXT:    %[[QF:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[QA]] : tensor<8x32xf32>) -> tensor<8x32xf32>
// CHECK-NEXT:    %[[QMM:.+]] = linalg.matmul ins(%[[ROWS]], %[[WQ]] : tensor<8x32xbf16>, tensor<32x32xbf16>) outs(%[[QF]] : tensor<8x32xf32>) -> tensor<8x32xf32>
// CHECK-NEXT:    %[[QO:.+]] = tensor.empty() : tensor<8x32xbf16>
// CHECK-NEXT:    %[[Q2:.+]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[QMM]] : tensor<8x32xf32>) outs(%[[QO]] : tensor<8x32xbf16>) {
// CHECK-NEXT:    ^bb0(%[[QIN:[^:]+]]: f32, %{{[^:]+}}: bf16):
// CHECK-NEXT:      %[[QT:.+]] = arith.truncf %[[QIN]] : f32 to bf16
// CHECK-NEXT:      linalg.yield %[[QT]] : bf16
// CHECK-NEXT:    } -> tensor<8x32xbf16>
// CHECK-NEXT:    %[[KA:.+]] = tensor.empty() : tensor<8x8xf32>
// CHECK-NEXT:    %[[KF:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[KA]] : tensor<8x8xf32>) -> tensor<8x8xf32>
// CHECK-NEXT:    %[[KMM:.+]] = linalg.matmul ins(%[[ROWS]], %[[WK]] : tensor<8x32xbf16>, tensor<32x8xbf16>) outs(%[[KF]] : tensor<8x8xf32>) -> tensor<8x8xf32>
// CHECK-NEXT:    %[[KO:.+]] = tensor.empty() : tensor<8x8xbf16>
// CHECK-NEXT:    %[[K2:.+]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[KMM]] : tensor<8x8xf32>) outs(%[[KO]] : tensor<8x8xbf16>) {
// CHECK-NEXT:    ^bb0(%[[KIN:[^:]+]]: f32, %{{[^:]+}}: bf16):
// CHECK-NEXT:      %[[KT:.+]] = arith.truncf %[[KIN]] : f32 to bf16
// CHECK-NEXT:      linalg.yield %[[KT]] : bf16
// CHECK-NEXT:    } -> tensor<8x8xbf16>
// CHECK-NEXT:    %[[VA:.+]] = tensor.empty() : tensor<8x8xf32>
// CHECK-NEXT:    %[[VF:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[VA]] : tensor<8x8xf32>) -> tensor<8x8xf32>
// CHECK-NEXT:    %[[VMM:.+]] = linalg.matmul ins(%[[ROWS]], %[[WV]] : tensor<8x32xbf16>, tensor<32x8xbf16>) outs(%[[VF]] : tensor<8x8xf32>) -> tensor<8x8xf32>
// CHECK-NEXT:    %[[VO:.+]] = tensor.empty() : tensor<8x8xbf16>
// CHECK-NEXT:    %[[V2:.+]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[VMM]] : tensor<8x8xf32>) outs(%[[VO]] : tensor<8x8xbf16>) {
// CHECK-NEXT:    ^bb0(%[[VIN:[^:]+]]: f32, %{{[^:]+}}: bf16):
// CHECK-NEXT:      %[[VT:.+]] = arith.truncf %[[VIN]] : f32 to bf16
// CHECK-NEXT:      linalg.yield %[[VT]] : bf16
// CHECK-NEXT:    } -> tensor<8x8xbf16>
// CHECK-NEXT:    %[[Q4:.+]] = tensor.expand_shape %[[Q2]] {{\[\[}}0, 1], [2, 3]] output_shape [1, 8, 4, 8] : tensor<8x32xbf16> into tensor<1x8x4x8xbf16>
// CHECK:         %[[Q:.+]] = linalg.transpose ins(%[[Q4]] : tensor<1x8x4x8xbf16>) outs(%{{.+}} : tensor<1x4x8x8xbf16>) permutation = [0, 2, 1, 3]
// CHECK:         %[[K4:.+]] = tensor.expand_shape %[[K2]] {{\[\[}}0, 1], [2, 3]] output_shape [1, 8, 1, 8] : tensor<8x8xbf16> into tensor<1x8x1x8xbf16>
// CHECK:         %[[K:.+]] = linalg.transpose ins(%[[K4]] : tensor<1x8x1x8xbf16>) outs(%{{.+}} : tensor<1x1x8x8xbf16>) permutation = [0, 2, 1, 3]
// CHECK:         %[[V4:.+]] = tensor.expand_shape %[[V2]] {{\[\[}}0, 1], [2, 3]] output_shape [1, 8, 1, 8] : tensor<8x8xbf16> into tensor<1x8x1x8xbf16>
// CHECK:         %[[V:.+]] = linalg.transpose ins(%[[V4]] : tensor<1x8x1x8xbf16>) outs(%{{.+}} : tensor<1x1x8x8xbf16>) permutation = [0, 2, 1, 3]
// CHECK:         %[[O:.+]] = mha.attention %[[Q]], %[[K]], %[[V]] mask(%[[M]]) : tensor<1x4x8x8xbf16>, tensor<1x1x8x8xbf16>, tensor<1x1x8x8xbf16>, tensor<1x4x8x8xbf16> -> tensor<1x4x8x8xbf16>
// CHECK:         %[[OT:.+]] = linalg.transpose ins(%[[O]] : tensor<1x4x8x8xbf16>) outs(%{{.+}} : tensor<1x8x4x8xbf16>) permutation = [0, 2, 1, 3]
// CHECK:         %[[O2:.+]] = tensor.collapse_shape %[[OT]] {{\[\[}}0, 1], [2, 3]] : tensor<1x8x4x8xbf16> into tensor<8x32xbf16>
// CHECK-NEXT:    %[[YA:.+]] = tensor.empty() : tensor<8x32xf32>
// CHECK-NEXT:    %[[YF:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[YA]] : tensor<8x32xf32>) -> tensor<8x32xf32>
// CHECK-NEXT:    %[[YMM:.+]] = linalg.matmul ins(%[[O2]], %[[WO]] : tensor<8x32xbf16>, tensor<32x32xbf16>) outs(%[[YF]] : tensor<8x32xf32>) -> tensor<8x32xf32>
// CHECK-NEXT:    %[[YO:.+]] = tensor.empty() : tensor<8x32xbf16>
// CHECK-NEXT:    %[[Y2:.+]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[YMM]] : tensor<8x32xf32>) outs(%[[YO]] : tensor<8x32xbf16>) {
// CHECK-NEXT:    ^bb0(%[[YIN:[^:]+]]: f32, %{{[^:]+}}: bf16):
// CHECK-NEXT:      %[[YT:.+]] = arith.truncf %[[YIN]] : f32 to bf16
// CHECK-NEXT:      linalg.yield %[[YT]] : bf16
// CHECK-NEXT:    } -> tensor<8x32xbf16>
// CHECK-NEXT:    %[[Y:.+]] = tensor.expand_shape %[[Y2]] {{\[\[}}0, 1], [2]] output_shape [1, 8, 32] : tensor<8x32xbf16> into tensor<1x8x32xbf16>
// CHECK-NEXT:    return %[[Y]] : tensor<1x8x32xbf16>
func.func @bf16_multi_query_float_mask(%x: tensor<1x8x32xbf16>,
    %wq: tensor<32x32xbf16>, %wk: tensor<32x8xbf16>, %wv: tensor<32x8xbf16>,
    %wo: tensor<32x32xbf16>, %m: tensor<1x4x8x8xbf16>) -> tensor<1x8x32xbf16> {
  %y = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo mask(%m)
      {num_heads = 4 : i64, num_kv_heads = 1 : i64}
      : tensor<1x8x32xbf16>, tensor<1x8x32xbf16>, tensor<32x32xbf16>,
        tensor<32x8xbf16>, tensor<32x8xbf16>, tensor<32x32xbf16>,
        tensor<1x4x8x8xbf16> -> tensor<1x8x32xbf16>
  return %y : tensor<1x8x32xbf16>
}

// -----

// The verifier accepts a dynamic embedding dim on the inputs and a result more
// static than query_input; casts pin E to the weights' and restore the
// declared result type. f32 without biases: no epilogue.

// CHECK-NOT:   affine_map
// CHECK-LABEL: func.func @refined_types
// CHECK-SAME:      %[[X:[^:]+]]: tensor<?x4x?xf32>, %[[WQ:[^:]+]]: tensor<8x8xf32>, %[[WK:[^:]+]]: tensor<8x8xf32>, %[[WV:[^:]+]]: tensor<8x8xf32>, %[[WO:[^:]+]]: tensor<8x8xf32>
// CHECK-DAG:     %[[ZERO:.+]] = arith.constant 0.000000e+00 : f32
// CHECK-DAG:     %[[C0:.+]] = arith.constant 0 : index
// CHECK:         %[[XS:.+]] = tensor.cast %[[X]] : tensor<?x4x?xf32> to tensor<?x4x8xf32>
// CHECK:         %[[ROWS:.+]] = tensor.collapse_shape %[[XS]] {{\[\[}}0, 1], [2]] : tensor<?x4x8xf32> into tensor<?x8xf32>
// CHECK-NEXT:    %[[N:.+]] = tensor.dim %[[ROWS]], %[[C0]] : tensor<?x8xf32>
// CHECK-NEXT:    %[[QA:.+]] = tensor.empty(%[[N]]) : tensor<?x8xf32>
// CHECK-NEXT:    %[[QF:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[QA]] : tensor<?x8xf32>) -> tensor<?x8xf32>
// CHECK-NEXT:    %[[QMM:.+]] = linalg.matmul ins(%[[ROWS]], %[[WQ]] : tensor<?x8xf32>, tensor<8x8xf32>) outs(%[[QF]] : tensor<?x8xf32>) -> tensor<?x8xf32>
// CHECK-NEXT:    %[[KA:.+]] = tensor.empty(%[[N]]) : tensor<?x8xf32>
// CHECK-NEXT:    %[[KF:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[KA]] : tensor<?x8xf32>) -> tensor<?x8xf32>
// CHECK-NEXT:    %[[KMM:.+]] = linalg.matmul ins(%[[ROWS]], %[[WK]] : tensor<?x8xf32>, tensor<8x8xf32>) outs(%[[KF]] : tensor<?x8xf32>) -> tensor<?x8xf32>
// CHECK-NEXT:    %[[VA:.+]] = tensor.empty(%[[N]]) : tensor<?x8xf32>
// CHECK-NEXT:    %[[VF:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[VA]] : tensor<?x8xf32>) -> tensor<?x8xf32>
// CHECK-NEXT:    %[[VMM:.+]] = linalg.matmul ins(%[[ROWS]], %[[WV]] : tensor<?x8xf32>, tensor<8x8xf32>) outs(%[[VF]] : tensor<?x8xf32>) -> tensor<?x8xf32>
// CHECK-NEXT:    tensor.expand_shape %[[QMM]] {{\[\[}}0, 1], [2, 3]] {{.+}} : tensor<?x8xf32> into tensor<?x4x2x4xf32>
// CHECK:         tensor.expand_shape %[[KMM]] {{\[\[}}0, 1], [2, 3]] {{.+}} : tensor<?x8xf32> into tensor<?x4x2x4xf32>
// CHECK:         tensor.expand_shape %[[VMM]] {{\[\[}}0, 1], [2, 3]] {{.+}} : tensor<?x8xf32> into tensor<?x4x2x4xf32>
// CHECK:         mha.attention {{.+}} -> tensor<?x2x4x4xf32>
// CHECK:         %[[O2:.+]] = tensor.collapse_shape {{.+}} : tensor<?x4x2x4xf32> into tensor<?x8xf32>
// CHECK-NEXT:    %[[YA:.+]] = tensor.empty(%[[N]]) : tensor<?x8xf32>
// CHECK-NEXT:    %[[YF:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[YA]] : tensor<?x8xf32>) -> tensor<?x8xf32>
// CHECK-NEXT:    %[[YMM:.+]] = linalg.matmul ins(%[[O2]], %[[WO]] : tensor<?x8xf32>, tensor<8x8xf32>) outs(%[[YF]] : tensor<?x8xf32>) -> tensor<?x8xf32>
// CHECK-NEXT:    %[[Y:.+]] = tensor.expand_shape %[[YMM]] {{\[\[}}0, 1], [2]] {{.+}} : tensor<?x8xf32> into tensor<?x4x8xf32>
// CHECK-NEXT:    %[[YC:.+]] = tensor.cast %[[Y]] : tensor<?x4x8xf32> to tensor<3x4x8xf32>
// CHECK-NEXT:    return %[[YC]] : tensor<3x4x8xf32>
func.func @refined_types(%x: tensor<?x4x?xf32>, %wq: tensor<8x8xf32>,
    %wk: tensor<8x8xf32>, %wv: tensor<8x8xf32>, %wo: tensor<8x8xf32>)
    -> tensor<3x4x8xf32> {
  %y = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo {num_heads = 2 : i64}
      : tensor<?x4x?xf32>, tensor<?x4x?xf32>, tensor<8x8xf32>, tensor<8x8xf32>,
        tensor<8x8xf32>, tensor<8x8xf32> -> tensor<3x4x8xf32>
  return %y : tensor<3x4x8xf32>
}
