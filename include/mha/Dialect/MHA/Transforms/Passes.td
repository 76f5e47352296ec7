//===- Passes.td - mha dialect transformation passes -------*- tablegen -*-===//

#ifndef MHA_DIALECT_MHA_TRANSFORMS_PASSES_TD
#define MHA_DIALECT_MHA_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def MHADecomposeMultiHeadAttention
    : Pass<"mha-decompose-multi-head-attention"> {
  let summary = "Decompose mha.multi_head_attention into projections and "
                "mha.attention";
  let description = [{
    Rewrites every `mha.multi_head_attention` into:
    1. `linalg.matmul` projections of the inputs by `wq`, `wk`, `wv` (over the
       flattened `[B*S, E]` rows, into zero-filled `tensor.empty`s), plus the
       biases when present (a `linalg.generic` adding the bias to each row);
    2. `tensor.expand_shape` to `[B, S, H, D]` and `linalg.transpose` to
       `[B, H, S, D]`;
    3. one `mha.attention` carrying the mask, `causal` and `scale`;
    4. the inverse transpose and `tensor.collapse_shape` to `[B*Sq, H*Dv]`, the
       output projection by `wo` (+ `bo`) and `tensor.expand_shape` to
       `[B, Sq, E]`.

    Projections accumulate in f32 (`linalg.matmul` with an f32 init) and are
    rounded to the element type once, after the bias, in one `linalg.generic`.
    Dynamic `B`, `Sq` and `Skv` are supported: their sizes come from
    `tensor.dim` and feed the `output_shape` of the expands. A dynamic `E` on
    the inputs, or a result type more static than `query_input`, is
    reconciled with `tensor.cast`.

    Before:
    ```mlir
    %y = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo {num_heads = 2 : i64}
        : tensor<1x4x8xf32>, tensor<1x4x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>,
          tensor<8x8xf32>, tensor<8x8xf32> -> tensor<1x4x8xf32>
    ```
    After (abridged; K and V are projected from the same `%xq` rows):
    ```mlir
    %zero = arith.constant 0.000000e+00 : f32
    %xq = tensor.collapse_shape %x [[0, 1], [2]] : tensor<1x4x8xf32> into tensor<4x8xf32>
    %e = tensor.empty() : tensor<4x8xf32>
    %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
    %q2 = linalg.matmul ins(%xq, %wq : tensor<4x8xf32>, tensor<8x8xf32>)
        outs(%acc : tensor<4x8xf32>) -> tensor<4x8xf32>
    %q4 = tensor.expand_shape %q2 [[0, 1], [2, 3]] output_shape [1, 4, 2, 4]
        : tensor<4x8xf32> into tensor<1x4x2x4xf32>
    %q = linalg.transpose ins(%q4 : tensor<1x4x2x4xf32>)
        outs(%qe : tensor<1x2x4x4xf32>) permutation = [0, 2, 1, 3]
    ...
    %o = mha.attention %q, %k, %v : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>,
        tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
    %ot = linalg.transpose ins(%o : tensor<1x2x4x4xf32>)
        outs(%oe : tensor<1x4x2x4xf32>) permutation = [0, 2, 1, 3]
    %o2 = tensor.collapse_shape %ot [[0, 1], [2, 3]] : tensor<1x4x2x4xf32> into tensor<4x8xf32>
    %y2 = linalg.matmul ins(%o2, %wo : tensor<4x8xf32>, tensor<8x8xf32>)
        outs(%acc2 : tensor<4x8xf32>) -> tensor<4x8xf32>
    %y = tensor.expand_shape %y2 [[0, 1], [2]] output_shape [1, 4, 8]
        : tensor<4x8xf32> into tensor<1x4x8xf32>
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

#endif // MHA_DIALECT_MHA_TRANSFORMS_PASSES_TD
