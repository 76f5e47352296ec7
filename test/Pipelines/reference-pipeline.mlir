// RUN: mha-opt %s --mha-reference-pipeline | FileCheck %s

// mha-reference-pipeline lowers fully dynamic shapes to the LLVM dialect. In
// particular, a multi_head_attention with dynamic batch and sequence lengths
// must not reach expand-strided-metadata with a [B*S, ...] -> [B, S, ...]
// expand_shape (two dynamic dims in one group), which crashes LLVM 22
// (llvm/llvm-project#186830).

// CHECK-NOT:   mha.attention
// CHECK-NOT:   mha.multi_head_attention
// CHECK-NOT:   linalg.
// CHECK-NOT:   tensor.
// CHECK-NOT:   memref.
// CHECK-NOT:   func.func
// CHECK-NOT:   unrealized_conversion_cast
// CHECK:       llvm.func @attention_dynamic(
// CHECK-NOT:   mha.attention
// CHECK-NOT:   mha.multi_head_attention
// CHECK-NOT:   linalg.
// CHECK-NOT:   tensor.
// CHECK-NOT:   memref.
// CHECK-NOT:   func.func
// CHECK-NOT:   unrealized_conversion_cast
// CHECK:       llvm.func @mha_dynamic(
// CHECK-NOT:   mha.attention
// CHECK-NOT:   mha.multi_head_attention
// CHECK-NOT:   linalg.
// CHECK-NOT:   tensor.
// CHECK-NOT:   memref.
// CHECK-NOT:   func.func
// CHECK-NOT:   unrealized_conversion_cast

// (a) The attention core alone, with dynamic B, Sq and Skv.
func.func @attention_dynamic(%q: tensor<?x4x?x16xf32>, %k: tensor<?x4x?x16xf32>,
    %v: tensor<?x4x?x16xf32>) -> tensor<?x4x?x16xf32> {
  %o = mha.attention %q, %k, %v {causal}
      : tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>
        -> tensor<?x4x?x16xf32>
  return %o : tensor<?x4x?x16xf32>
}

// (b) The whole layer with dynamic B and S on both inputs (cross-attention,
// biases, a dynamic float mask).
func.func @mha_dynamic(%xq: tensor<?x?x64xf32>, %xkv: tensor<?x?x64xf32>,
    %wq: tensor<64x64xf32>, %wk: tensor<64x64xf32>, %wv: tensor<64x64xf32>,
    %wo: tensor<64x64xf32>, %bq: tensor<64xf32>, %bk: tensor<64xf32>,
    %bv: tensor<64xf32>, %bo: tensor<64xf32>, %m: tensor<?x1x?x?xf32>)
    -> tensor<?x?x64xf32> {
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo
      bias(%bq, %bk, %bv, %bo) mask(%m) {num_heads = 4 : i64, causal}
      : tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<64x64xf32>,
        tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>,
        tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>,
        tensor<?x1x?x?xf32> -> tensor<?x?x64xf32>
  return %y : tensor<?x?x64xf32>
}
