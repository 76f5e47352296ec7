// RUN: mha-opt %s -mha-split-kv="kv-splits=4 split-max-sq=16 kv-tile=64" -split-input-file | FileCheck %s
// RUN: mha-opt %s -mha-split-kv -split-input-file | FileCheck %s --check-prefix=AUTO
// RUN: mha-opt %s -mha-split-kv="kv-splits=1" -split-input-file | FileCheck %s --check-prefix=OFF
// RUN: not mha-opt %s -mha-split-kv="kv-splits=-1" -split-input-file 2>&1 | FileCheck %s --check-prefix=NEGATIVE

// NEGATIVE: mha-split-kv: kv-splits must not be negative and kv-tile must be positive, got kv-splits=-1 kv-tile=64

// kv-splits = 0 (the default) picks 8 splits; kv-splits = 1 turns the pass
// off.
// AUTO-LABEL: func.func @decode_gqa_mask
// AUTO: scf.forall (%{{.*}}, %{{.*}}, %{{.*}}) in (1, 32, 8)
// OFF-LABEL: func.func @decode_gqa_mask
// OFF-NOT: scf.forall
// OFF: mha.attention

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

// The variants are left whole to mha-tile-attention: the combine knows
// neither sinks nor lse. They keep every attribute and operand.
// CHECK-LABEL: func.func @decode_variants
// CHECK-NOT: scf.forall
// CHECK: mha.attention %{{.+}}, %{{.+}}, %{{.+}} sinks(%{{.+}} : tensor<2xf32>) {softcap = 3.000000e+01 : f32, window = [64, 0]}
// CHECK-NOT: scf.forall
func.func @decode_variants(%q: tensor<1x2x1x32xf32>, %k: tensor<1x2x100x32xf32>, %v: tensor<1x2x100x32xf32>, %s: tensor<2xf32>) -> tensor<1x2x1x32xf32> {
  %o = mha.attention %q, %k, %v sinks(%s : tensor<2xf32>) {window = [64, 0], softcap = 30.0 : f32} : tensor<1x2x1x32xf32>, tensor<1x2x100x32xf32>, tensor<1x2x100x32xf32> -> tensor<1x2x1x32xf32>
  return %o : tensor<1x2x1x32xf32>
}
