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

def MHATileLayer : Pass<"mha-tile-layer"> {
  let summary = "Tile the projections of mha.multi_head_attention into "
                "parallel blocks that write and read the head layout";
  let description = [{
    Rewrites an `mha.multi_head_attention` whose sequence lengths and
    embedding size are static into `scf.forall` loops of projection blocks
    around one `mha.attention`, for the CPU back end:

    - The input projections are tiled over `[1, block-rows, block-cols]`
      blocks of `(B, S, H*D)`. Each block accumulates in f32 over reduction
      chunks of at most `block-depth` (an `scf.for`) and writes its result
      straight into `[B, H, S, D]`, the layout `mha.attention` reads: the
      head split is part of the block's store, not a separate transpose.
      The bias is the accumulators' initial value (f32) or is added in the
      block's epilogue with the rounding to the element type (f16/bf16).
    - Projections of the same rows with the same head shape (Q, K and V of a
      self-attention layer without GQA; K and V otherwise) share one
      `scf.forall`: each block computes all of them from the same rows of x.
    - The output projection reads the attention result in `[B, H, Sq, Dv]`
      directly: its reduction runs head by head, each chunk a `[rows, Dv]`
      slice of one head, so the head merge needs no transpose either.

    All the contractions are 2-D `linalg.generic`s with static sizes inside
    `scf.forall`, the form that `mha-vectorize-contractions` turns into
    micro-kernels; the fills and epilogues are vectorised by
    `mha-vectorize-rows`. A layer whose `S` has no divisor between 8 and
    `block-rows` (a large prime), or whose sizes are dynamic other than `B`,
    is left to `mha-decompose-multi-head-attention`.
  }];
  let options = [
    Option<"blockRows", "block-rows", "int64_t", /*default=*/"64",
           "Most rows (positions of one sequence) per block; the block is "
           "the largest divisor of S not above it; must be positive">,
    Option<"blockCols", "block-cols", "int64_t", /*default=*/"64",
           "Most output columns per block, rounded to whole heads (or to a "
           "divisor of the head size when smaller); must be positive">,
    Option<"blockDepth", "block-depth", "int64_t", /*default=*/"0",
           "Longest reduction chunk: the input projections use the largest "
           "divisor of E not above it (the whole of E when that is under "
           "16), the output projection the largest divisor of Dv; 0 keeps "
           "the whole of E and one head of Dv">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

def MHAFoldCausalMask : Pass<"mha-fold-causal-mask"> {
  let summary = "Replace a constant causal mask of mha.attention by `causal`";
  let description = [{
    An `i1` mask operand that is a constant keeping exactly the scores that
    `causal` keeps (key `j` for query `i` iff `j <= i + Skv - Sq`, in every
    batch and head) is dropped and `causal` is set instead. The result is
    the same; the fused pipelines then skip the masked tiles rather than
    loading and testing the mask. Canonicalization keeps the rewrite (it
    only drops no-op masks and default scales); run it afterwards to erase
    the dead constant. This is the pass built in
    docs/tutorial-writing-a-pass.md.

    Before:
    ```mlir
    %m = arith.constant dense<[[[[true, false], [true, true]]]]> : tensor<1x1x2x2xi1>
    %o = mha.attention %q, %k, %v mask(%m) : tensor<1x1x2x4xf32>,
        tensor<1x1x2x4xf32>, tensor<1x1x2x4xf32>, tensor<1x1x2x2xi1>
        -> tensor<1x1x2x4xf32>
    ```
    After:
    ```mlir
    %o = mha.attention %q, %k, %v {causal} : tensor<1x1x2x4xf32>,
        tensor<1x1x2x4xf32>, tensor<1x1x2x4xf32> -> tensor<1x1x2x4xf32>
    ```
  }];
  let options = [
    Option<"maxMaskElements", "max-mask-elements", "int64_t",
           /*default=*/"16777216",
           "Leave constant masks with more elements than this alone (the "
           "check reads every element)">
  ];
}

def MHATileAttention : Pass<"mha-tile-attention"> {
  let summary = "Tile mha.attention into a FlashAttention-2 loop nest";
  let description = [{
    Rewrites every `mha.attention` into a fused loop nest on tensors
    (FlashAttention-2 with online softmax) whose kv loop computes on STATIC,
    padded f32 tiles whatever the problem sizes, ready for vectorisation:

    - an `scf.forall` over `(B, H, ceildiv(Sq, q-tile))`, the parallel
      dimensions, whose body computes one `[qT, Dv]` output tile
      (`qT = min(q-tile, Sq - q0)`, so any `Sq` works) and writes it with
      `tensor.parallel_insert_slice`;
    - once per query tile, `scale * Q^T` widened to f32 into a `[D, qt]`
      buffer (`qt` the static tile size), zero beyond the `qT` real queries;
    - an `scf.for` over kv tiles of `kv-tile` keys carrying the running row
      max `m` (init: the lowest finite float, so `exp(s - m)` is never
      `exp(-inf + inf)`), row sum `l` (init 0) and accumulator `acc`
      (`[qt, Dv]`, init 0), all f32. Each step widens K and V into zero-padded
      `[kvt, D]` / `[kvt, Dv]` f32 tiles (full f32 tiles are used in place),
      computes the TRANSPOSED scores `S^T = K . Q^T : [kvt, qt]` (so that
      both contractions have a contiguous vector dimension and the row max and
      row sum reduce across rows), applies the mask on the real
      `[kvT, qT]` corner, gives `-inf` to keys the tile lacks (partial tiles)
      and to future keys (causal, tiles that straddle the diagonal), then
      `m' = max(m, rowmax(S))` (`maxnumf`), `P = exp(S - m')`,
      `l' = l * exp(m - m') + rowsum(P)`, `acc' = acc * exp(m - m') + P^T.V`;
    - finally `o = l == 0 ? 0 : acc * (1 / l)` on the real rows (one division
      per query), truncated to the result type.

    The variants: `softcap` and ALiBi modify each tile's scores before the
    masks; a `window` bounds each query tile's kv loop to
    `[max(0, floor((q0 + Skv - Sq - left) / kv-tile) * kv-tile),
    min(Skv, q0 + qT + Skv - Sq + right))`, so tiles outside the window are
    never visited, and only tiles cut by a window edge select `-inf`
    (`window = [W, 0]` is lowered as causal plus a left edge); sinks add
    `exp(sink - m)` to `l` before the division, and the lse result is
    `l == 0 ? -inf : m + log(l)`.

    `score_mod` is inlined on each score tile after softcap and ALiBi.
    `mask_mod` is classified per tile (docs/variants.md, "Tile
    classification"): a mask affine in `q_idx` / `kv_idx` bounds each query
    tile's kv loop and decides from each tile's corners whether it is empty
    (skipped), full (no select) or partial (the mask inlined in a select);
    a data-dependent mask is classified once by a parallel pre-pass into one
    `i8` per (query tile, kv tile), never an `Sq x Skv` mask.

    K/V heads are indexed with `h floordiv (H / Hkv)` (GQA/MQA, no copies);
    broadcast (size-1) mask dims are read at index 0. With `causal`
    (bottom-right aligned: row `i` sees key `j <= i + Skv - Sq`) the kv loop
    of a query tile stops at `min(Skv, q0 + qT + Skv - Sq)` (clamped at 0),
    since no row of the tile sees a key beyond it, and the per-element select
    runs only on tiles that straddle the diagonal or lack keys (an `scf.if`).
    When `q-tile` divides `Sq` and `Skv - Sq` and `q-tile` and `kv-tile` are
    multiples of one another, the keys `[q0 + Skv - Sq, + q-tile)` holding
    the diagonal are peeled out of the loop, which then needs no select at
    all: whole kv tiles up to the diagonal (rounded down to a kv tile), the
    rest before it by steps of `q-tile` keys (only when `kv-tile > q-tile`),
    then the `q-tile x q-tile` diagonal tile, whose two contractions run by
    triangular blocks of queries (block `r` needs only keys
    `[0, (r + 1) * blk)`), skipping most of its masked half.
    Causal query tiles are visited in the order 0, n-1, 1, n-2, ...
    (iteration `j` computes tile `j/2` when even, `n - 1 - j/2` when odd):
    tile `t` sees about `t + 1` kv tiles, so two consecutive iterations
    always do the same work and the contiguous chunks of OpenMP's static
    schedule are balanced across threads.

    The `[Sq, Skv]` score matrix is never materialised: the only score tensor
    is one `[kvt, qt]` tile. Scratch tiles are `bufferization.alloc_tensor`s
    created once per query tile, and the output tile is computed in place in
    a slice of the `shared_outs`, so one-shot bufferization allocates nothing
    inside the kv loop. Tile sizes are clamped to static sequence lengths.

    Before:
    ```mlir
    %o = mha.attention %q, %k, %v {causal}
        : tensor<1x4x128x64xf16>, tensor<1x2x128x64xf16>,
          tensor<1x2x128x64xf16> -> tensor<1x4x128x64xf16>
    ```
    After `-mha-tile-attention="q-tile=64 kv-tile=32"` (abridged; all tiles
    are full here because the tile sizes divide the sequence lengths):
    ```mlir
    %r = scf.forall (%b, %h, %t) in (1, 4, 2) shared_outs(%out = %init)
        -> (tensor<1x4x128x64xf16>) {
      %q0 = affine.apply affine_map<(d0) -> (d0 * 64)>(%t)
      %g = affine.apply affine_map<(d0) -> (d0 floordiv 2)>(%h)
      %qt = tensor.extract_slice %q[%b, %h, %q0, 0] [1, 1, 64, 64] [1, 1, 1, 1]
          : tensor<1x4x128x64xf16> to tensor<64x64xf16>
      %qbuf = bufferization.alloc_tensor() : tensor<64x64xf32>
      %qp = linalg.generic ... ins(%qt : tensor<64x64xf16>)
          outs(%qbuf : tensor<64x64xf32>)    // transposed: scale * extf(q)
      %m0 = linalg.fill ins(%lowest : f32) outs(%e0 : tensor<64xf32>) -> tensor<64xf32>
      ...
      %sbuf = bufferization.alloc_tensor() : tensor<32x64xf32>
      %kbuf = bufferization.alloc_tensor() : tensor<32x64xf32>
      %end = affine.min affine_map<(d0) -> (128, d0 * 64 + 64)>(%t)
      %res:3 = scf.for %k0 = %c0 to %end step %c32
          iter_args(%m = %m0, %l = %l0, %acc = %acc0)
          -> (tensor<64xf32>, tensor<64xf32>, tensor<64x64xf32>) {
        %kt = tensor.extract_slice %k[%b, %g, %k0, 0] [1, 1, 32, 64] [1, 1, 1, 1]
            : tensor<1x2x128x64xf16> to tensor<32x64xf16>
        %kp = linalg.generic ... ins(%kt) outs(%kbuf : tensor<32x64xf32>)  // extf
        %s0 = linalg.fill ins(%zero : f32) outs(%sbuf : tensor<32x64xf32>) -> tensor<32x64xf32>
        %st = linalg.generic ... ins(%kp, %qp : tensor<32x64xf32>, tensor<64x64xf32>)
            outs(%s0 : tensor<32x64xf32>)    // S^T = K . Q^T: mulf, addf
        %s = scf.if %straddles -> (tensor<32x64xf32>) {
          ... causal select ...
        } else {
          scf.yield %st : tensor<32x64xf32>
        }
        ... row max, m_new / correction / l update, exp, row sum, acc update ...
        scf.yield %m_new, %l_new, %acc_new
            : tensor<64xf32>, tensor<64xf32>, tensor<64x64xf32>
      }
      ... %inv = 1 / l ...
      %ot = tensor.extract_slice %out[%b, %h, %q0, 0] [1, 1, 64, 64] [1, 1, 1, 1]
          : tensor<1x4x128x64xf16> to tensor<64x64xf16>
      %o = linalg.generic ... ins(%res#2, %res#1, %inv : ...)
          outs(%ot : tensor<64x64xf16>)      // l == 0 ? 0 : acc * inv, truncf
      scf.forall.in_parallel {
        tensor.parallel_insert_slice %o into %out[%b, %h, %q0, 0] [1, 1, 64, 64]
            [1, 1, 1, 1] : tensor<64x64xf16> into tensor<1x4x128x64xf16>
      }
    }
    ```

    `q-tile=0` (what `mha-cpu-pipeline` passes by default) picks the query
    tile per op (docs/cpu-codegen.md, "Tiles"): 128 where the working set of
    one kv step (`4 * (qt * (D + Dv + kv-tile) + kv-tile * (D + Dv))`
    bytes) fits half of `l2-bytes`, 128 and `kv-tile` are multiples of one
    another, `Sq > 64`, `B * H * ceil(Sq / 128)` keeps at least 4 tasks per
    thread, and there is no causal mask or window (a peeled 128-row diagonal
    doubles the compile time); 64 otherwise. K and V of a head are read
    (and V's micro-kernel panels packed) once per query tile, so 128 halves
    that traffic per flop.

    Run it on tensors, before bufferization. Avoid loop-invariant code motion
    on tensors between this pass and bufferization: it hoists the per-step
    scratch fills out of the kv loop, which then costs a copy per step.
  }];
  let options = [
    Option<"qTile", "q-tile", "int64_t", /*default=*/"64",
           "Query rows per tile (parallel); 0 picks 128 or 64 per op with "
           "the tile model (l2-bytes, threads)">,
    Option<"kvTile", "kv-tile", "int64_t", /*default=*/"64",
           "Keys per step of the sequential kv loop; must be positive">,
    Option<"l2Bytes", "l2-bytes", "int64_t", /*default=*/"1048576",
           "L2 bytes per core that the tile model (q-tile=0) fits a kv "
           "step's working set into">,
    Option<"threads", "threads", "int64_t", /*default=*/"0",
           "Workers the tile model (q-tile=0) keeps busy; 0 means this "
           "machine's hardware threads">
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

def MHASplitKV : Pass<"mha-split-kv"> {
  let summary = "Decode kernel: pack GQA groups and split the kv range of "
                "short-query mha.attention across parallel workers";
  let description = [{
    Rewrites every `mha.attention` whose query length `Sq` is static and at
    most `split-max-sq` (decode and short speculative steps, where the
    `(B, H, q-tiles)` parallelism of `mha-tile-attention` is too small to keep
    the cores busy and each K/V head would be streamed once per query head)
    into the decode kernel:

    - GQA/MQA packing (`pack-heads`): one task per K/V head whose query tile
      is the `group * Sq` queries of the `group = H / Hkv` heads sharing it
      (rows head-major), so every K/V tile is read once per group, not once
      per query head. Not packed: causal with `Sq > 1`, a mask that is
      broadcast over heads but not over queries or the reverse (with
      `Sq > 1`), and the variants that depend on the row's head or query
      (window, ALiBi, `score_mod`, `mask_mod`); softcap, sinks and the lse
      are packed.
    - Flash-decoding: `splits` partial attentions over the kv range, where
      `splits` is `kv-splits`, or, when it is 0, the cost model: the
      smallest `s` that minimises `ceildiv(tasks * s, threads) / s` (the
      rounds of pieces the workers run, each 1/s of a head) over the unsplit
      tasks `tasks = B * H / group`, for `s` up to `threads` and bounded so
      that every split streams at least `min-split-bytes` of K and V (a
      dynamic `Skv` is assumed long, a dynamic `B` counts as 1): no split
      when `tasks` is a multiple of `threads`, one task per worker when
      there are fewer tasks, and a balanced last round otherwise (8 tasks on
      6 workers: 3 splits). `kv-splits = 1` never splits.
    - Prefetch (`prefetch-tiles`, default 0): tiles with keys in the lanes
      prefetch every cache line of the K and V tile that many kv tiles
      ahead (keys clamped to the split's last).
    - Keys in the vector lanes (`vector-width`): a tile of `rows = group *
      Sq` queries fills only `rows / vector-width` lanes of the scores kept
      as `[keys, rows]`. Where the cost model (below) says so, the tile keeps
      them as `[rows, keys]` instead: each K tile is packed transposed
      (`[D, kv-tile]`, widened to f32), the scores are `Q [rows, D] . K^T`
      (the micro-kernel's vector dim is then the keys), the max and sum
      reduce across keys, and V of whole kv tiles is read in place; the
      last, partial tile is zero-padded by a tail loop. Per key,
      `[keys, rows]` costs `ceildiv(rows, W) * (D + 20)` vector ops (a
      broadcast FMA per d, an exp) and `[rows, keys]` costs
      `(D * (2 + log2(W)) + rows * (D + 22)) / W` (the transpose, the FMAs,
      an exp, a max and a sum per row); the cheaper is taken. Only a static
      D that W divides qualifies, and the kv tile is rounded up to a
      multiple of W. 0 keeps `[keys, rows]` (no vector target). Not with
      softcap, window, ALiBi, `score_mod` or `mask_mod`.
    - With one split and packed heads (or keys in the lanes), each task
      normalises its rows and writes them into the result; with one split
      and neither, the op is left for `mha-tile-attention`.

    With more than one split the rewrite is:

    - an `scf.forall` over `(B, H / group, splits)` whose body runs the online-softmax
      kv loop of `mha-tile-attention` (shared code: one query tile of all `Sq`
      queries, static padded f32 tiles, masks of every broadcast form, GQA,
      `Dv != D`, causal bottom-right, f16/bf16 widening) over the keys
      `[s * chunk, min((s + 1) * chunk, end))` of split `s`, where
      `chunk = ceildiv(ceildiv(Skv, splits), kv-tile) * kv-tile` (so a split
      starts on a kv-tile boundary; `Skv` may be dynamic) and `end` is `Skv`
      or the causal bound. Its per-query running max `m_s`, sum `l_s` and
      unnormalised accumulator `acc_s` are written with
      `tensor.parallel_insert_slice` into partial tensors
      `[B, H, splits, Sq]` (m, l) and `[B, H, splits, Sq, Dv]` (acc), all
      f32. An empty split (more splits than tiles, or past the causal bound)
      contributes `m = lowest`, `l = 0`, `acc = 0`;
    - a log-sum-exp combine of `linalg.generic`s: `M = max_s m_s`,
      `w_s = exp(m_s - M)`, `L = sum_s l_s * w_s`,
      `O = sum_s acc_s * w_s`, and `o = L == 0 ? 0 : O / L` (rows that see no
      key are 0), truncated to the result type.

    The variants and modifiers are split too. The kv loop of a split runs on
    global key indices, so softcap, ALiBi, `score_mod` and `mask_mod` see the
    global `kv_idx`; the window and an affine `mask_mod` trim each split's
    loop to their kv range (a split outside it runs no step), and inside it
    tiles are classified empty (skipped), full (no select) or partial on
    global indices; a data-dependent `mask_mod` gets the tile-class
    pre-pass of `mha-tile-attention` once, before the splits. Sinks join
    the combined denominator once, `L + exp(sink - M)` (0 stays 0), and the
    lse result is `M + log(L)` of the combine (`-inf` where `L = 0`); a
    task that normalises its packed rows gives row `r` the sink of its head.

    Like `mha-tile-attention`, the `[Sq, Skv]` score matrix is never
    materialised. Attentions with a dynamic or longer `Sq` are left for
    `mha-tile-attention`; `mha-cpu-pipeline` runs this pass first.

    Before:
    ```mlir
    %o = mha.attention %q, %k, %v
        : tensor<1x32x1x128xf32>, tensor<1x8x4096x128xf32>,
          tensor<1x8x4096x128xf32> -> tensor<1x32x1x128xf32>
    ```
    After `-mha-split-kv="kv-splits=8"` (abridged):
    ```mlir
    %p:3 = scf.forall (%b, %h, %s) in (1, 32, 8)
        shared_outs(%m = %me, %l = %le, %acc = %ae)
        -> (tensor<1x32x8x1xf32>, tensor<1x32x8x1xf32>,
            tensor<1x32x8x1x128xf32>) {
      %k0 = affine.apply affine_map<(d0) -> (d0 * 512)>(%s)
      %k1 = affine.apply affine_map<(d0) -> (d0 * 512 + 512)>(%s)
      ... scale * Q^T, state init, scratch tiles ...
      %r:3 = scf.for %j = %k0 to %k1 step %c64 iter_args(...) { ... }
      scf.forall.in_parallel {
        tensor.parallel_insert_slice %r#0 into %m[%b, %h, %s, 0] ...
        tensor.parallel_insert_slice %r#1 into %l[%b, %h, %s, 0] ...
        tensor.parallel_insert_slice %r#2 into %acc[%b, %h, %s, 0, 0] ...
      }
    }
    %M = linalg.generic ... ins(%p#0) outs(%lowest)     // maxnumf over s
    %w = linalg.generic ... ins(%M) outs(%p#0)          // exp(m_s - M)
    %L = linalg.generic ... ins(%p#1, %w) outs(%zeros)  // sum_s l_s * w_s
    %O = linalg.generic ... ins(%p#2, %w) outs(%zeros)  // sum_s acc_s * w_s
    %o = linalg.generic ... ins(%O, %L) outs(%init)     // L == 0 ? 0 : O / L
    ```
  }];
  let options = [
    Option<"kvSplits", "kv-splits", "int64_t", /*default=*/"0",
           "Parallel partial attentions over the kv range: 0 picks them "
           "with the cost model, 1 turns the split off; must not be "
           "negative">,
    Option<"splitMaxSq", "split-max-sq", "int64_t", /*default=*/"16",
           "Rewrite only attentions with a static Sq at most this">,
    Option<"kvTile", "kv-tile", "int64_t", /*default=*/"64",
           "Keys per step of each split's kv loop; must be positive">,
    Option<"threads", "threads", "int64_t", /*default=*/"0",
           "Parallel workers the automatic kv-splits fills (0 = the "
           "hardware threads of the machine that compiles); must not be "
           "negative">,
    Option<"minSplitBytes", "min-split-bytes", "int64_t",
           /*default=*/"524288",
           "Fewest K/V bytes an automatic split streams, so that its fixed "
           "cost stays small next to its streaming time; must be positive">,
    Option<"packHeads", "pack-heads", "bool", /*default=*/"true",
           "Pack the queries of each GQA/MQA group as the rows of one tile, "
           "so that each K/V tile is read once per group">,
    Option<"vectorWidth", "vector-width", "int64_t", /*default=*/"0",
           "f32 lanes of the target's vectors, for the choice of the score "
           "layout (0: scores always [keys, rows]); must not be negative">,
    Option<"prefetchTiles", "prefetch-tiles", "int64_t", /*default=*/"0",
           "Decode tiles with keys in the lanes prefetch the K and V tile "
           "this many kv tiles ahead (0: no software prefetch); must not be "
           "negative">
  ];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

def MHAInsertShapeChecks : Pass<"mha-insert-shape-checks"> {
  let summary = "Check at run time the size relations that dynamic "
                "dimensions leave to run time";
  let description = [{
    The verifiers of `mha.attention` and `mha.multi_head_attention` check
    every relation between operand sizes that the types make static: equal
    batch sizes, equal key and value sequence lengths, mask dims that are 1
    or the score dim, layer inputs whose embedding size is the weights' rows,
    bias sizes, result dims. Where a relation involves a dynamic dimension,
    this pass emits, before the op, the `tensor.dim`s of both sides and an
    `mha.check_size` that stops the function with an error naming the
    operand, its dimension and both sizes (`mha-lower-runtime-checks` lowers
    it at the end of every pipeline). Every pipeline runs this pass first,
    so mismatched run-time shapes are reported instead of read out of
    bounds. The checks run once per call, at the op, before any of its work.

    Operands are named as the verifier names them, with their position: the
    argument of the enclosing function when the operand is one (what a
    caller passes: `mha-run --input=N`, the N-th C or Python argument), else
    the operand of the op. A dynamic mask dimension is not broadcast (only a
    static 1 is): it must equal the score dimension.

    Before:
    ```mlir
    func.func @f(%q: tensor<?x4x8x16xf32>, %k: tensor<?x4x8x16xf32>,
                 %v: tensor<?x4x8x16xf32>) -> tensor<?x4x8x16xf32> {
      %o = mha.attention %q, %k, %v : tensor<?x4x8x16xf32>,
          tensor<?x4x8x16xf32>, tensor<?x4x8x16xf32> -> tensor<?x4x8x16xf32>
      return %o : tensor<?x4x8x16xf32>
    }
    ```
    After:
    ```mlir
    %c0 = arith.constant 0 : index
    %0 = tensor.dim %k, %c0 : tensor<?x4x8x16xf32>
    %1 = arith.index_cast %0 : index to i64
    %2 = tensor.dim %q, %c0 : tensor<?x4x8x16xf32>
    %3 = arith.index_cast %2 : index to i64
    mha.check_size %1, %3 {expected_from = "'query' (argument 0) has",
        what = "dimension 0 (batch size B) of 'key' (argument 1)"}
    ...  // the same for 'value'
    %o = mha.attention %q, %k, %v : ...
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

def MHALowerRuntimeChecks
    : Pass<"mha-lower-runtime-checks", "::mlir::ModuleOp"> {
  let summary = "Give compiled functions an error exit for failed shape "
                "checks and allocations";
  let description = [{
    The last pass of every pipeline, on the LLVM dialect. Compiled code
    reports errors to its caller through a per-thread call status of
    libmha_runtime (see `include/mha/Runtime/Runtime.h`), never by crashing:

    - every public function fetches the calling thread's status at entry and
      clears it (`mhaRuntimeBeginCall`); other functions that may fail fetch
      it without clearing (`mhaRuntimeCallStatus`). The status pointer is an
      SSA value, so the OpenMP workers of a parallel region write into the
      status of the call that started them;
    - `mha.check_size` becomes a comparison and a branch to a block that
      calls `mhaRuntimeReportShapeMismatch` and exits;
    - with `allocations`, the result of every `_mlir_memref_to_llvm_alloc` /
      `_mlir_memref_to_llvm_aligned_alloc` call is compared with null; a
      failed one calls `mhaRuntimeReportAllocationFailure` and exits instead
      of dereferencing it;
    - after a call of a function that may fail, and after an operation whose
      regions may fail (an `omp.parallel`), `mhaRuntimeCallFailed` is tested
      and the function exits when it is set.

    Exiting a function returns zeros (`llvm.mlir.zero`) and leaves the
    results of the C interface unwritten; exiting from the body of an
    `omp.loop_nest` ends that iteration (`omp.yield`), so every worker
    reaches the region's barriers, and the test after the `omp.parallel`
    leaves the function. Buffers allocated before the failure are not freed.
    A failure point in any other region is an error of this pass. Failure
    branches are weighted as unlikely; the fast path pays one comparison per
    allocation and per check.

    Before:
    ```mlir
    llvm.func @f(%n: i64) {
      %p = llvm.call @_mlir_memref_to_llvm_alloc(%n) : (i64) -> !llvm.ptr
      llvm.store %c, %p : f32, !llvm.ptr
      llvm.return
    }
    ```
    After:
    ```mlir
    llvm.func @f(%n: i64) {
      %s = llvm.call @mhaRuntimeBeginCall() : () -> !llvm.ptr
      %p = llvm.call @_mlir_memref_to_llvm_alloc(%n) : (i64) -> !llvm.ptr
      %null = llvm.mlir.zero : !llvm.ptr
      %failed = llvm.icmp "eq" %p, %null : !llvm.ptr
      llvm.cond_br %failed weights([1, 1048575]), ^fail, ^ok
    ^ok:
      llvm.store %c, %p : f32, !llvm.ptr
      llvm.return
    ^fail:
      llvm.call @mhaRuntimeReportAllocationFailure(%s, %n) : (!llvm.ptr, i64) -> ()
      llvm.return
    }
    ```
  }];
  let options = [
    Option<"allocations", "allocations", "bool", /*default=*/"true",
           "Check the results of the _mlir_memref_to_llvm_* allocation "
           "functions">
  ];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def MHAShardAttention : Pass<"mha-shard-attention", "::mlir::ModuleOp"> {
  let summary = "Annotate the attention of an entry function with a 1-D "
                "shard grid";
  let description = [{
    Declares `shard.grid @mha_grid(shape = N)` and annotates every operand of
    each `mha.attention` whose operands are arguments of its function with a
    `shard.sharding` on that grid, and its results likewise:
    - `axis=sequence` splits dimension 2 (the sequence: ring attention);
    - `axis=heads` splits dimension 1 (the heads: no communication).

    A decode step split by the sequence (a query of length 1) keeps its
    query and result replicated (`split_axes = []`) and splits only the
    keys and values. A mask is split with the query's rows (by the heads:
    its heads; in a decode step: its key columns) and replicated when it is
    broadcast along that axis; ALiBi slopes and sinks are split by the
    heads and replicated by the sequence; an `lse` result is split like the
    result.

    With `axis=heads`, each `mha.multi_head_attention` (the whole layer) is
    annotated for Megatron-style tensor parallelism: `wq`, `wk`, `wv`
    split by columns (`split_axes = [[], [0]]`) and their biases by rows
    (column-parallel), `wo` by rows (`[[0]]`, row-parallel), a mask with one
    entry per head by its heads; the inputs, the output bias, a
    head-broadcast mask and the result replicated (`[[]]`). `grid-size`
    must divide `num_kv_heads` (so that a KV head stays with its query
    heads); the split operands must be function arguments (a replicated
    one may be computed: every rank computes it whole) and the result
    static. A layer is never split by the sequence.

    The annotated IR still means single-process attention; it is what
    `mha-partition-attention` turns into SPMD code. Sizes that do not divide
    by `grid-size` and dynamic sizes are refused with an error naming the
    operand and the sizes; so is a window on a split of the sequence (its
    bounds would move with the blocks). Causal attention split
    by the sequence needs Sq = Skv divisible by 2 * grid-size (the zig-zag
    layout of `mha-partition-attention`).

    Before:
    ```mlir
    func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>,
                 %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
      %o = mha.attention %q, %k, %v : ... -> tensor<1x2x8x4xf32>
      return %o : tensor<1x2x8x4xf32>
    }
    ```
    After (`grid-size=2 axis=sequence`):
    ```mlir
    shard.grid @mha_grid(shape = 2)
    func.func @f(...) -> tensor<1x2x8x4xf32> {
      %s = shard.sharding @mha_grid split_axes = [[], [], [0]] : !shard.sharding
      %qs = shard.shard %q to %s annotate_for_users : tensor<1x2x8x4xf32>
      %ks = shard.shard %k to %s annotate_for_users : tensor<1x2x8x4xf32>
      %vs = shard.shard %v to %s annotate_for_users : tensor<1x2x8x4xf32>
      %o = mha.attention %qs, %ks, %vs : ... -> tensor<1x2x8x4xf32>
      %os = shard.shard %o to %s : tensor<1x2x8x4xf32>
      return %os : tensor<1x2x8x4xf32>
    }
    ```
  }];
  let options = [
    Option<"gridSize", "grid-size", "int64_t", /*default=*/"2",
           "Number of processes of the 1-D grid (>= 1)">,
    Option<"axis", "axis", "std::string", /*default=*/"\"sequence\"",
           "The axis to split: `sequence` (ring attention) or `heads`">
  ];
  let dependentDialects = ["::mlir::shard::ShardDialect"];
}

def MHAPartitionAttention
    : Pass<"mha-partition-attention", "::mlir::ModuleOp"> {
  let summary = "Turn sharded mha.attention into SPMD code on local shards";
  let description = [{
    Rewrites every function whose `mha.attention` carries the annotations of
    `mha-shard-attention` into the program of one process: its arguments and
    result become the local shards, and
    - for a split of the heads, the attention simply runs on the local heads
      (grouped-query heads stay with their query heads);
    - for a split of the sequence, a ring: each of the N steps computes the
      attention of the local queries with the K/V block at hand (with its
      log-sum-exp), merges it into an f32 accumulator by log-sum-exp, and
      passes the block on with `shard.shift ... offset = 1 rotate`. The shift
      of the next block is issued before the step's attention so that the
      lowering (`convert-mha-shard-to-mpi`) overlaps the transfer with it;
    - for causal attention split by the sequence, the same ring on the
      zig-zag layout (rank r holds chunks r and 2N-1-r of 2N, which balances
      the causal work; the function is marked `mha.zigzag`): each step
      picks, per (query chunk, key chunk) pair and from the rank and the
      step, plain attention, causal attention or nothing (fully masked);
    - for a decode step (replicated query, K/V split by the sequence), the
      attention of the whole query with the local K/V block, then N - 1
      steps that pass the partial results (o, lse) around the ring and merge
      each: every rank ends with the whole, replicated result;
    - for a `mha.multi_head_attention` layer split by its heads, the layer on
      the local heads (H/N query heads, Hkv/N KV heads; the columns of the
      Q/K/V weights and biases, the rows of `wo`) with a zero output bias,
      whose output projection is then partial: one `shard.all_reduce` (sum,
      in f32) of the `[B, Sq, E]` partial results, then the output bias,
      added once, and the rounding to the layer's element type. The result
      is then whole on every rank, so its users (a residual add, ...) stay.

    On a split of the sequence, a mask holds the rank's query rows and every
    key column; each step slices the columns of the K/V block it attends to
    (that of rank `(rank - t) mod N` in step t, from
    `shard.process_linear_index`). Softcap is applied per block; ALiBi too,
    and each block's lse is shifted by `slope * offset`, the difference
    between the block's local positions and the global ones (a constant
    per row leaves the softmax unchanged); sinks scale the merged result
    once, by `1 / (1 + exp(s - lse))`; an `lse` result is the merged
    log-sum-exp. On a split of the heads every variant stays on
    the local attention.

    After (`grid-size=2 axis=sequence`, abridged):
    ```mlir
    func.func @f(%q: tensor<1x2x4x4xf32>, %k: tensor<1x2x4x4xf32>,
                 %v: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
      %r:4 = scf.for %t = %c0 to %c1 step %c1 iter_args(%kb = %k, %vb = %v,
                                                  %acc = %zero, %m = %ninf) {
        %kn = shard.shift %kb on @mha_grid grid_axes = [0] shift_axis = 0
              offset = 1 rotate : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
        %vn = shard.shift %vb on @mha_grid ...
        %o, %lse = mha.attention %q, %kb, %vb : ... -> tensor<1x2x4x4xf32>,
                                                    tensor<1x2x4xf32>
        %acc2, %m2 = linalg.generic ... // log-sum-exp merge
        scf.yield %kn, %vn, %acc2, %m2 : ...
      }
      ... // the last block, without a shift
    }
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::shard::ShardDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

#endif // MHA_DIALECT_MHA_TRANSFORMS_PASSES_TD
