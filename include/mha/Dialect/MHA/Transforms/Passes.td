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

def MHATileAttention : Pass<"mha-tile-attention"> {
  let summary = "Tile mha.attention into a FlashAttention-2 loop nest";
  let description = [{
    Rewrites every `mha.attention` into a fused loop nest on tensors
    (FlashAttention-2 with online softmax):

    - an `scf.forall` over `(B, H, ceildiv(Sq, q-tile))`, the parallel
      dimensions, whose body computes one `[qT, Dv]` output tile
      (`qT = min(q-tile, Sq - q0)`, so any `Sq` works) and writes it with
      `tensor.parallel_insert_slice`;
    - inside, an `scf.for` over kv tiles of `kv-tile` keys carrying the running
      row max `m` (init `-inf`), row sum `l` (init 0) and accumulator `acc`
      (`[qT, Dv]`, init 0), all `f32`. Each step computes the `[qT, kvT]`
      scores `scale * Q.K^T` (f16/bf16 extended to f32), applies the mask and
      causal masking, then `m' = max(m, rowmax(S))`, `P = exp(S - m')`,
      `l' = l * exp(m - m') + rowsum(P)`, `acc' = acc * exp(m - m') + P.V`.
      A row whose max is still `-inf` subtracts 0 instead, so it stays at 0
      rather than NaN;
    - finally `o = l == 0 ? 0 : acc / l`, truncated to the result type.

    K/V heads are indexed with `h floordiv (H / Hkv)` (GQA/MQA, no copies);
    broadcast (size-1) mask dims are read at index 0. With `causal`
    (bottom-right aligned: row `i` sees key `j <= i + Skv - Sq`) the kv loop
    of a query tile stops at `min(Skv, q0 + qT + Skv - Sq)` (clamped at 0),
    since no row of the tile sees a key beyond it, and the per-element causal
    select runs only on tiles that straddle the diagonal (an `scf.if`).

    The `[Sq, Skv]` score matrix is never materialised: the only score tensor
    is one `[qT, kvT]` tile. The score tile and one row of scratch are
    `bufferization.alloc_tensor`s of the full static tile size, created once
    per query tile and sliced inside the kv loop, and the output tile is
    computed in place in a slice of the `shared_outs`, so one-shot
    bufferization allocates nothing inside the kv loop. Tiles are static when
    the sizes allow it (tile sizes are clamped to static sequence lengths and
    full tiles are detected, including under causal trimming).

    Before:
    ```mlir
    %o = mha.attention %q, %k, %v {causal}
        : tensor<1x4x128x64xf16>, tensor<1x2x128x64xf16>,
          tensor<1x2x128x64xf16> -> tensor<1x4x128x64xf16>
    ```
    After `-mha-tile-attention="q-tile=64 kv-tile=32"` (abridged; all tiles
    are static here because the tile sizes divide the sequence lengths):
    ```mlir
    %r = scf.forall (%b, %h, %t) in (1, 4, 2) shared_outs(%out = %init)
        -> (tensor<1x4x128x64xf16>) {
      %q0 = affine.apply affine_map<(d0) -> (d0 * 64)>(%t)
      %g = affine.apply affine_map<(d0) -> (d0 floordiv 2)>(%h)
      %qt = tensor.extract_slice %q[%b, %h, %q0, 0] [1, 1, 64, 64] [1, 1, 1, 1]
          : tensor<1x4x128x64xf16> to tensor<64x64xf16>
      %m0 = linalg.fill ins(%neg_inf : f32) outs(%e0 : tensor<64xf32>) -> tensor<64xf32>
      ...
      %sbuf = bufferization.alloc_tensor() : tensor<64x32xf32>
      %end = affine.min affine_map<(d0) -> (128, d0 * 64 + 64)>(%t)
      %res:3 = scf.for %k0 = %c0 to %end step %c32
          iter_args(%m = %m0, %l = %l0, %acc = %acc0)
          -> (tensor<64xf32>, tensor<64xf32>, tensor<64x64xf32>) {
        %kt = tensor.extract_slice %k[%b, %g, %k0, 0] [1, 1, 32, 64] [1, 1, 1, 1]
            : tensor<1x2x128x64xf16> to tensor<32x64xf16>
        %s0 = linalg.fill ins(%zero : f32) outs(%sbuf : tensor<64x32xf32>) -> tensor<64x32xf32>
        %qk = linalg.generic ... ins(%qt, %kt : tensor<64x64xf16>, tensor<32x64xf16>)
            outs(%s0 : tensor<64x32xf32>)    // extf, mulf, addf
        %s = scf.if %straddles -> (tensor<64x32xf32>) {
          ... scale and causal select ...
        } else {
          ... scale only ...
        }
        ... row max, m_new / correction / l update, exp, row sum, acc update ...
        scf.yield %m_new, %l_new, %acc_new
            : tensor<64xf32>, tensor<64xf32>, tensor<64x64xf32>
      }
      %ot = tensor.extract_slice %out[%b, %h, %q0, 0] [1, 1, 64, 64] [1, 1, 1, 1]
          : tensor<1x4x128x64xf16> to tensor<64x64xf16>
      %o = linalg.generic ... ins(%res#2, %res#1 : tensor<64x64xf32>, tensor<64xf32>)
          outs(%ot : tensor<64x64xf16>)      // l == 0 ? 0 : acc / l, truncf
      scf.forall.in_parallel {
        tensor.parallel_insert_slice %o into %out[%b, %h, %q0, 0] [1, 1, 64, 64]
            [1, 1, 1, 1] : tensor<64x64xf16> into tensor<1x4x128x64xf16>
      }
    }
    ```

    Run it on tensors, before bufferization. Avoid loop-invariant code motion
    on tensors between this pass and bufferization: it hoists the per-step
    scratch fills out of the kv loop, which then costs a copy per step.
  }];
  let options = [
    Option<"qTile", "q-tile", "int64_t", /*default=*/"64",
           "Query rows per tile (parallel); must be positive">,
    Option<"kvTile", "kv-tile", "int64_t", /*default=*/"64",
           "Keys per step of the sequential kv loop; must be positive">
  ];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

#endif // MHA_DIALECT_MHA_TRANSFORMS_PASSES_TD
