// RUN: mha-opt %s -convert-mha-to-linalg -split-input-file | FileCheck %s

// Grouped-query (G = 2), causal with Sq != Skv, f16: f32 accumulation through
// arith.extf, K/V read through `d1 floordiv 2`, the causal offset Skv - Sq = 2
// folded to a constant, truncf only at the end.

// CHECK-DAG: #[[$QK_Q:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
// CHECK-DAG: #[[$QK_K:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1 floordiv 2, d3, d4)>
// CHECK-DAG: #[[$OUT5:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[$PV_V:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1 floordiv 2, d4, d3)>
// CHECK-DAG: #[[$ID:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[$ROW:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>

// CHECK-LABEL: func.func @gqa_causal_f16(
// CHECK-SAME:      %[[Q:.+]]: tensor<1x4x3x8xf16>, %[[K:.+]]: tensor<1x2x5x8xf16>, %[[V:.+]]: tensor<1x2x5x6xf16>)
// CHECK-DAG:     %[[ZERO:.+]] = arith.constant 0.000000e+00 : f32
// CHECK-DAG:     %[[NEGINF:.+]] = arith.constant 0xFF800000 : f32
// CHECK:         %[[S_EMPTY:.+]] = tensor.empty() : tensor<1x4x3x5xf32>
// CHECK:         %[[S_INIT:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[S_EMPTY]] : tensor<1x4x3x5xf32>)
// CHECK:         %[[QK:.+]] = linalg.generic {indexing_maps = [#[[$QK_Q]], #[[$QK_K]], #[[$OUT5]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME:        ins(%[[Q]], %[[K]] : tensor<1x4x3x8xf16>, tensor<1x2x5x8xf16>) outs(%[[S_INIT]] : tensor<1x4x3x5xf32>)
// CHECK:         ^bb0(%[[QE:.+]]: f16, %[[KE:.+]]: f16, %[[SE:.+]]: f32):
// CHECK:           %[[QF:.+]] = arith.extf %[[QE]] : f16 to f32
// CHECK:           %[[KF:.+]] = arith.extf %[[KE]] : f16 to f32
// CHECK:           %[[MUL:.+]] = arith.mulf %[[QF]], %[[KF]] : f32
// CHECK:           %[[ADD:.+]] = arith.addf %[[SE]], %[[MUL]] : f32
// CHECK:           linalg.yield %[[ADD]] : f32
// CHECK:         } -> tensor<1x4x3x5xf32>
// CHECK:         %[[SCALE:.+]] = arith.constant 0.353553385 : f32
// CHECK:         %[[OFFSET:.+]] = arith.constant 2 : index
// CHECK:         %[[MASKED:.+]] = linalg.generic {indexing_maps = [#[[$ID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
// CHECK-SAME:        outs(%[[QK]] : tensor<1x4x3x5xf32>)
// CHECK:         ^bb0(%[[S:.+]]: f32):
// CHECK:           %[[SCALED:.+]] = arith.mulf %[[SCALE]], %[[S]] : f32
// CHECK:           %[[I:.+]] = linalg.index 2 : index
// CHECK:           %[[J:.+]] = linalg.index 3 : index
// CHECK:           %[[LAST:.+]] = arith.addi %[[I]], %[[OFFSET]] : index
// CHECK:           %[[HIDDEN:.+]] = arith.cmpi sgt, %[[J]], %[[LAST]] : index
// CHECK:           %[[SEL:.+]] = arith.select %[[HIDDEN]], %[[NEGINF]], %[[SCALED]] : f32
// CHECK:           linalg.yield %[[SEL]] : f32
// CHECK:         %[[MAX_EMPTY:.+]] = tensor.empty() : tensor<1x4x3xf32>
// CHECK:         %[[MAX_INIT:.+]] = linalg.fill ins(%[[NEGINF]] : f32) outs(%[[MAX_EMPTY]] : tensor<1x4x3xf32>)
// CHECK:         %[[MAX:.+]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$ROW]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME:        ins(%[[MASKED]] : tensor<1x4x3x5xf32>) outs(%[[MAX_INIT]] : tensor<1x4x3xf32>)
// CHECK:           arith.maximumf
// CHECK:         %[[P:.+]] = linalg.generic {indexing_maps = [#[[$ROW]], #[[$ID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
// CHECK-SAME:        ins(%[[MAX]] : tensor<1x4x3xf32>) outs(%[[MASKED]] : tensor<1x4x3x5xf32>)
// CHECK:         ^bb0(%[[M:.+]]: f32, %[[S2:.+]]: f32):
// CHECK:           %[[NOKEY:.+]] = arith.cmpf oeq, %[[M]], %[[NEGINF]] : f32
// CHECK:           %[[SAFE:.+]] = arith.select %[[NOKEY]], %[[ZERO]], %[[M]] : f32
// CHECK:           %[[DIFF:.+]] = arith.subf %[[S2]], %[[SAFE]] : f32
// CHECK:           %[[EXP:.+]] = math.exp %[[DIFF]] : f32
// CHECK:           linalg.yield %[[EXP]] : f32
// CHECK:         %[[SUM_EMPTY:.+]] = tensor.empty() : tensor<1x4x3xf32>
// CHECK:         %[[SUM_INIT:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[SUM_EMPTY]] : tensor<1x4x3xf32>)
// CHECK:         %[[SUM:.+]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$ROW]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME:        ins(%[[P]] : tensor<1x4x3x5xf32>) outs(%[[SUM_INIT]] : tensor<1x4x3xf32>)
// CHECK:           arith.addf
// CHECK:         %[[ACC_EMPTY:.+]] = tensor.empty() : tensor<1x4x3x6xf32>
// CHECK:         %[[ACC_INIT:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[ACC_EMPTY]] : tensor<1x4x3x6xf32>)
// CHECK:         %[[ACC:.+]] = linalg.generic {indexing_maps = [#[[$QK_Q]], #[[$PV_V]], #[[$OUT5]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME:        ins(%[[P]], %[[V]] : tensor<1x4x3x5xf32>, tensor<1x2x5x6xf16>) outs(%[[ACC_INIT]] : tensor<1x4x3x6xf32>)
// CHECK:         ^bb0(%[[PE:.+]]: f32, %[[VE:.+]]: f16, %[[AE:.+]]: f32):
// CHECK:           %[[VF:.+]] = arith.extf %[[VE]] : f16 to f32
// CHECK:           %[[PV:.+]] = arith.mulf %[[PE]], %[[VF]] : f32
// CHECK:           arith.addf %[[AE]], %[[PV]] : f32
// CHECK:         %[[O_EMPTY:.+]] = tensor.empty() : tensor<1x4x3x6xf16>
// CHECK:         %[[O:.+]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$ROW]], #[[$ID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
// CHECK-SAME:        ins(%[[ACC]], %[[SUM]] : tensor<1x4x3x6xf32>, tensor<1x4x3xf32>) outs(%[[O_EMPTY]] : tensor<1x4x3x6xf16>)
// CHECK:         ^bb0(%[[A:.+]]: f32, %[[L:.+]]: f32, %{{.+}}: f16):
// CHECK:           %[[EMPTYROW:.+]] = arith.cmpf oeq, %[[L]], %[[ZERO]] : f32
// CHECK:           %[[DIV:.+]] = arith.divf %[[A]], %[[L]] : f32
// CHECK:           %[[RES:.+]] = arith.select %[[EMPTYROW]], %[[ZERO]], %[[DIV]] : f32
// CHECK:           %[[TRUNC:.+]] = arith.truncf %[[RES]] : f32 to f16
// CHECK:           linalg.yield %[[TRUNC]] : f16
// CHECK:         return %[[O]] : tensor<1x4x3x6xf16>
func.func @gqa_causal_f16(%q: tensor<1x4x3x8xf16>, %k: tensor<1x2x5x8xf16>, %v: tensor<1x2x5x6xf16>) -> tensor<1x4x3x6xf16> {
  %o = mha.attention %q, %k, %v {causal} : tensor<1x4x3x8xf16>, tensor<1x2x5x8xf16>, tensor<1x2x5x6xf16> -> tensor<1x4x3x6xf16>
  return %o : tensor<1x4x3x6xf16>
}

// -----

// Plain multi-head f32 with an explicit scale: K/V index d1 directly, no
// extf, no truncf, no causal index arithmetic.

// CHECK-DAG: #[[$QK_K:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d3, d4)>
// CHECK-DAG: #[[$PV_V:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4, d3)>

// CHECK-LABEL: func.func @mha_f32(
// CHECK:         linalg.generic {indexing_maps = [#{{.+}}, #[[$QK_K]], #{{.+}}]
// CHECK:         ^bb0(%[[QE:.+]]: f32, %[[KE:.+]]: f32, %[[SE:.+]]: f32):
// CHECK-NEXT:      %[[MUL:.+]] = arith.mulf %[[QE]], %[[KE]] : f32
// CHECK-NEXT:      %[[ADD:.+]] = arith.addf %[[SE]], %[[MUL]] : f32
// CHECK-NEXT:      linalg.yield %[[ADD]] : f32
// CHECK:         %[[SCALE:.+]] = arith.constant 1.250000e-01 : f32
// CHECK:         linalg.generic
// CHECK:         ^bb0(%[[S:.+]]: f32):
// CHECK-NEXT:      %[[SCALED:.+]] = arith.mulf %[[SCALE]], %[[S]] : f32
// CHECK-NEXT:      linalg.yield %[[SCALED]] : f32
// CHECK:         linalg.generic {indexing_maps = [#{{.+}}, #[[$PV_V]], #{{.+}}]
// CHECK-NOT:     arith.extf
// CHECK-NOT:     arith.truncf
// CHECK:         return %{{.+}} : tensor<2x4x3x16xf32>
func.func @mha_f32(%q: tensor<2x4x3x8xf32>, %k: tensor<2x4x7x8xf32>, %v: tensor<2x4x7x16xf32>) -> tensor<2x4x3x16xf32> {
  %o = mha.attention %q, %k, %v {scale = 0.125 : f32} : tensor<2x4x3x8xf32>, tensor<2x4x7x8xf32>, tensor<2x4x7x16xf32> -> tensor<2x4x3x16xf32>
  return %o : tensor<2x4x3x16xf32>
}

// -----

// Dynamic B, Sq and Skv, multi-query (Hkv = 1), bf16, causal plus an i1 mask
// broadcast over B and Sq: sizes come from tensor.dim, the causal offset is
// Skv - Sq computed at run time, and static size-1 mask dims read index 0.

// CHECK-DAG: #[[$QK_K:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1 floordiv 4, d3, d4)>
// CHECK-DAG: #[[$MASK:.+]] = affine_map<(d0, d1, d2, d3) -> (0, d1, 0, d3)>
// CHECK-DAG: #[[$ID:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>

// CHECK-LABEL: func.func @dynamic_mqa_i1_mask_bf16(
// CHECK-SAME:      %[[Q:[^:]+]]: tensor<?x4x?x8xbf16>, %[[K:[^:]+]]: tensor<?x1x?x8xbf16>, %[[V:[^:]+]]: tensor<?x1x?x16xbf16>, %[[M:[^:]+]]: tensor<1x4x1x?xi1>)
// CHECK-DAG:     %[[C0:.+]] = arith.constant 0 : index
// CHECK-DAG:     %[[B:.+]] = tensor.dim %[[Q]], %[[C0]] : tensor<?x4x?x8xbf16>
// CHECK-DAG:     %[[SQ:.+]] = tensor.dim %[[Q]], %{{.+}} : tensor<?x4x?x8xbf16>
// CHECK-DAG:     %[[SKV:.+]] = tensor.dim %[[K]], %{{.+}} : tensor<?x1x?x8xbf16>
// CHECK-DAG:     %[[NEGINF:.+]] = arith.constant 0xFF800000 : f32
// CHECK:         %[[S_EMPTY:.+]] = tensor.empty(%[[B]], %[[SQ]], %[[SKV]]) : tensor<?x4x?x?xf32>
// CHECK:         %[[QK:.+]] = linalg.generic {indexing_maps = [#{{.+}}, #[[$QK_K]], #{{.+}}]
// CHECK:           arith.extf %{{.+}} : bf16 to f32
// CHECK:           arith.extf %{{.+}} : bf16 to f32
// CHECK:         %[[OFFSET:.+]] = arith.subi %[[SKV]], %[[SQ]] : index
// CHECK:         linalg.generic {indexing_maps = [#[[$MASK]], #[[$ID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
// CHECK-SAME:        ins(%[[M]] : tensor<1x4x1x?xi1>) outs(%[[QK]] : tensor<?x4x?x?xf32>)
// CHECK:         ^bb0(%[[KEEP:.+]]: i1, %[[S:.+]]: f32):
// CHECK:           %[[SCALED:.+]] = arith.mulf %{{.+}}, %[[S]] : f32
// CHECK:           %[[MASKED:.+]] = arith.select %[[KEEP]], %[[SCALED]], %[[NEGINF]] : f32
// CHECK:           %[[I:.+]] = linalg.index 2 : index
// CHECK:           %[[J:.+]] = linalg.index 3 : index
// CHECK:           %[[LAST:.+]] = arith.addi %[[I]], %[[OFFSET]] : index
// CHECK:           %[[HIDDEN:.+]] = arith.cmpi sgt, %[[J]], %[[LAST]] : index
// CHECK:           %[[SEL:.+]] = arith.select %[[HIDDEN]], %[[NEGINF]], %[[MASKED]] : f32
// CHECK:           linalg.yield %[[SEL]] : f32
// CHECK:         tensor.empty(%[[B]], %[[SQ]]) : tensor<?x4x?xf32>
// CHECK:         tensor.empty(%[[B]], %[[SQ]]) : tensor<?x4x?xf32>
// CHECK:         tensor.empty(%[[B]], %[[SQ]]) : tensor<?x4x?x16xf32>
// CHECK:         %[[O_EMPTY:.+]] = tensor.empty(%[[B]], %[[SQ]]) : tensor<?x4x?x16xbf16>
// CHECK:         %[[O:.+]] = linalg.generic
// CHECK-SAME:        outs(%[[O_EMPTY]] : tensor<?x4x?x16xbf16>)
// CHECK:           arith.truncf %{{.+}} : f32 to bf16
// CHECK:         return %[[O]] : tensor<?x4x?x16xbf16>
func.func @dynamic_mqa_i1_mask_bf16(%q: tensor<?x4x?x8xbf16>, %k: tensor<?x1x?x8xbf16>, %v: tensor<?x1x?x16xbf16>, %m: tensor<1x4x1x?xi1>) -> tensor<?x4x?x16xbf16> {
  %o = mha.attention %q, %k, %v mask(%m) {causal, scale = 5.000000e-01 : f32} : tensor<?x4x?x8xbf16>, tensor<?x1x?x8xbf16>, tensor<?x1x?x16xbf16>, tensor<1x4x1x?xi1> -> tensor<?x4x?x16xbf16>
  return %o : tensor<?x4x?x16xbf16>
}

// -----

// A float mask broadcast over H and Skv is extended to f32 and added after
// scaling; no causal arithmetic without `causal`.

// CHECK-DAG: #[[$MASK:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, 0, d2, 0)>
// CHECK-DAG: #[[$ID:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>

// CHECK-LABEL: func.func @float_mask_f16(
// CHECK-SAME:      %[[M:[^:]+]]: tensor<2x1x3x1xf16>)
// CHECK:         linalg.generic {indexing_maps = [#[[$MASK]], #[[$ID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
// CHECK-SAME:        ins(%[[M]] : tensor<2x1x3x1xf16>) outs(%{{.+}} : tensor<2x4x3x5xf32>)
// CHECK:         ^bb0(%[[BIAS:.+]]: f16, %[[S:.+]]: f32):
// CHECK-NEXT:      %[[SCALED:.+]] = arith.mulf %{{.+}}, %[[S]] : f32
// CHECK-NEXT:      %[[BIASF:.+]] = arith.extf %[[BIAS]] : f16 to f32
// CHECK-NEXT:      %[[ADD:.+]] = arith.addf %[[SCALED]], %[[BIASF]] : f32
// CHECK-NEXT:      linalg.yield %[[ADD]] : f32
// CHECK-NOT:     linalg.index
// CHECK:         return
func.func @float_mask_f16(%q: tensor<2x4x3x8xf16>, %k: tensor<2x2x5x8xf16>, %v: tensor<2x2x5x8xf16>, %m: tensor<2x1x3x1xf16>) -> tensor<2x4x3x8xf16> {
  %o = mha.attention %q, %k, %v mask(%m) : tensor<2x4x3x8xf16>, tensor<2x2x5x8xf16>, tensor<2x2x5x8xf16>, tensor<2x1x3x1xf16> -> tensor<2x4x3x8xf16>
  return %o : tensor<2x4x3x8xf16>
}

// -----

// Static sizes known only from some operands (or the result) make the
// intermediates static; no tensor.dim is needed here.

// CHECK-LABEL: func.func @mixed_static(
// CHECK-NOT:     tensor.dim
// CHECK:         tensor.empty() : tensor<2x2x3x5xf32>
// CHECK:         %[[OFFSET:.+]] = arith.constant 2 : index
// CHECK:         arith.addi %{{.+}}, %[[OFFSET]] : index
// CHECK:         tensor.empty() : tensor<2x2x3x4xf32>
func.func @mixed_static(%q: tensor<?x2x?x4xf32>, %k: tensor<2x2x5x4xf32>, %v: tensor<2x2x?x4xf32>) -> tensor<2x2x3x4xf32> {
  %o = mha.attention %q, %k, %v {causal} : tensor<?x2x?x4xf32>, tensor<2x2x5x4xf32>, tensor<2x2x?x4xf32> -> tensor<2x2x3x4xf32>
  return %o : tensor<2x2x3x4xf32>
}

// -----

// score_mod and mask_mod are inlined in the scores' generic with the raw
// (b, h, q_idx, kv_idx) = linalg.index 0..3: the score_mod after the scale
// (and before the masks), the mask_mod last, as a select to -inf. Captured
// tensors are read with tensor.extract inside the body.
// CHECK-LABEL: func.func @modifiers(
// CHECK-SAME:      %[[DOC:[a-z0-9]+]]: tensor<4xi32>)
// CHECK:         arith.constant 0.353553385 : f32
// CHECK:         linalg.generic
// CHECK-NEXT:    ^bb0(%[[SE:[a-z0-9_]+]]: f32):
// CHECK:           %[[S:.+]] = arith.mulf %{{.+}}, %[[SE]] : f32
// CHECK-DAG:       %[[B:.+]] = linalg.index 0 : index
// CHECK-DAG:       %[[H:.+]] = linalg.index 1 : index
// CHECK-DAG:       %[[I:.+]] = linalg.index 2 : index
// CHECK-DAG:       %[[J:.+]] = linalg.index 3 : index
// CHECK:           %[[HF:.+]] = arith.index_cast %[[H]] : index to i32
// CHECK:           %[[HS:.+]] = arith.sitofp %[[HF]] : i32 to f32
// CHECK:           %[[MOD:.+]] = arith.addf %[[S]], %[[HS]] : f32
// CHECK:           %[[DI:.+]] = tensor.extract %[[DOC]][%[[I]]] : tensor<4xi32>
// CHECK:           %[[DJ:.+]] = tensor.extract %[[DOC]][%[[J]]] : tensor<4xi32>
// CHECK:           %[[SAME:.+]] = arith.cmpi eq, %[[DI]], %[[DJ]] : i32
// CHECK:           %[[OUT:.+]] = arith.select %[[SAME]], %[[MOD]], %{{.+}} : f32
// CHECK:           linalg.yield %[[OUT]] : f32
// CHECK-NOT:     mha.
func.func @modifiers(%q: tensor<1x2x4x8xf32>, %doc: tensor<4xi32>) -> tensor<1x2x4x8xf32> {
  %o = mha.attention %q, %q, %q : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
    score_mod {
    ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
      %hi = arith.index_cast %h : index to i32
      %hf = arith.sitofp %hi : i32 to f32
      %r = arith.addf %s, %hf : f32
      mha.yield %r : f32
    }
    mask_mod {
    ^bb0(%b: index, %h: index, %i: index, %j: index):
      %di = tensor.extract %doc[%i] : tensor<4xi32>
      %dj = tensor.extract %doc[%j] : tensor<4xi32>
      %p = arith.cmpi eq, %di, %dj : i32
      mha.yield %p : i1
    }
  return %o : tensor<1x2x4x8xf32>
}
