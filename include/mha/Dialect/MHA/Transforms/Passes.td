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
       flattened `[B*S, E]` rows), plus the biases when present;
    2. `tensor.expand_shape` to `[B, S, H, D]` and `linalg.transpose` to
       `[B, H, S, D]`;
    3. one `mha.attention` carrying the mask, `causal` and `scale`;
    4. the inverse transpose and `tensor.collapse_shape` to `[B*Sq, H*Dv]`, and
       the output projection by `wo` (+ `bo`).

    Projections accumulate in the input element type, as PyTorch does.

    Before:
    ```mlir
    %y = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo {num_heads = 2 : i64}
        : tensor<1x4x8xf32>, tensor<1x4x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>,
          tensor<8x8xf32>, tensor<8x8xf32> -> tensor<1x4x8xf32>
    ```
    After (abridged):
    ```mlir
    %xq = tensor.collapse_shape %x [[0, 1], [2]] : tensor<1x4x8xf32> into tensor<4x8xf32>
    %q2 = linalg.matmul ins(%xq, %wq : ...) outs(%zero : tensor<4x8xf32>) -> tensor<4x8xf32>
    %q4 = tensor.expand_shape %q2 [[0, 1], [2, 3]] ... into tensor<1x4x2x4xf32>
    %q = linalg.transpose ins(%q4 : ...) outs(...) permutation = [0, 2, 1, 3]
    ...
    %o = mha.attention %q, %k, %v : ... -> tensor<1x2x4x4xf32>
    ...
    %y2 = linalg.matmul ins(%o2, %wo : ...) ...
    %y = tensor.expand_shape %y2 [[0, 1], [2]] ... into tensor<1x4x8xf32>
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

#endif // MHA_DIALECT_MHA_TRANSFORMS_PASSES_TD
