//===- Passes.td - mha conversion passes -------------------*- tablegen -*-===//

#ifndef MHA_CONVERSION_PASSES_TD
#define MHA_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertMHAToLinalg : Pass<"convert-mha-to-linalg"> {
  let summary = "Lower mha.attention to its unfused reference semantics in "
                "linalg";
  let description = [{
    The reference semantics of `mha.attention`, kept deliberately simple and
    unfused so that it can serve as the oracle for every optimised pipeline:

    1. `scores[b,h,i,j] = sum_d q[b,h,i,d] * k[b,h/G,j,d]` in f32 (a
       `linalg.generic`; GQA reads K/V head `h floordiv G` through the
       indexing map, so K/V are never copied);
    2. `scores = scale * scores + mask`, with `i1` masks, causal
       (`j > i + Skv - Sq`) and masked positions set to `-inf`;
    3. row max, `exp(s - max)` and row sum (rows whose max is `-inf` give 0);
    4. `o[b,h,i,e] = sum_j p[b,h,i,j] * v[b,h/G,j,e]`, divided by the row sum
       (0 when the sum is 0), truncated to the result element type.

    The `[B, H, Sq, Skv]` score tensor is materialised. `mha.attention` must be
    the only `mha` op left: run `mha-decompose-multi-head-attention` first.

    Before:
    ```mlir
    %o = mha.attention %q, %k, %v {causal}
        : tensor<1x2x3x4xf32>, tensor<1x1x5x4xf32>, tensor<1x1x5x4xf32> -> tensor<1x2x3x4xf32>
    ```
    After: five `linalg.generic` ops over `tensor<1x2x3x5xf32>` scores and
    `tensor<1x2x3xf32>` row statistics.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

#endif // MHA_CONVERSION_PASSES_TD
