//===- Passes.td - mha conversion passes -------------------*- tablegen -*-===//

#ifndef MHA_CONVERSION_PASSES_TD
#define MHA_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertMHAToLinalg : Pass<"convert-mha-to-linalg"> {
  let summary = "Lower mha.attention to its unfused reference semantics in "
                "linalg";
  let description = [{
    The reference semantics of `mha.attention`, kept deliberately simple and
    unfused so that it can serve as the oracle for every optimised pipeline.
    Each step is one `linalg.generic` on tensors, accumulating in f32 (`f16`
    and `bf16` operands go through `arith.extf`):

    1. `scores[b,h,i,j] = sum_d q[b,h,i,d] * k[b,h floordiv G,j,d]` with
       `G = H / Hkv`: GQA/MQA read K/V through the indexing map, so K/V are
       never copied;
    2. elementwise, in place: `s = scale * s`, plus a float mask (extended to
       f32); an `i1` mask that is false and, with `causal`, every key
       `j > i + (Skv - Sq)` (bottom-right aligned, `Skv - Sq` may be dynamic)
       give `-inf`. Mask dims of static size 1 broadcast (their indexing map
       reads index 0); other mask dims must match at run time;
    3. row max over `j` (initialised to `-inf`);
    4. `p = exp(s - max)`, subtracting 0 instead when the max is `-inf` so that
       a row that sees no key gets `p = 0` rather than NaN; then the row sum;
    5. `acc[b,h,i,e] = sum_j p[b,h,i,j] * v[b,h floordiv G,j,e]`, then
       `o = sum == 0 ? 0 : acc / sum`, truncated to the result element type.

    The `[B, H, Sq, Skv]` f32 score tensor is materialised. Dynamic `B`, `Sq`
    and `Skv` come from `tensor.dim` unless some operand knows them
    statically. `mha.attention` must be the only `mha` op left: a
    `mha.multi_head_attention` makes the pass fail with an error asking to run
    `mha-decompose-multi-head-attention` first.

    Before:
    ```mlir
    %o = mha.attention %q, %k, %v {causal}
        : tensor<1x2x3x4xf32>, tensor<1x1x5x4xf32>, tensor<1x1x5x4xf32> -> tensor<1x2x3x4xf32>
    ```
    After: `linalg.fill` + seven `linalg.generic` ops over `tensor<1x2x3x5xf32>`
    scores, `tensor<1x2x3xf32>` row statistics and a `tensor<1x2x3x4xf32>`
    accumulator; K/V use the map `(d0, d1, d2, d3, d4) -> (d0, d1 floordiv 2,
    d3, d4)`.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

#endif // MHA_CONVERSION_PASSES_TD
