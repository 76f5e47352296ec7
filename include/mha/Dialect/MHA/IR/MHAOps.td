//===- MHAOps.td - mha dialect operations ------------------*- tablegen -*-===//

#ifndef MHA_DIALECT_MHA_IR_MHAOPS_TD
#define MHA_DIALECT_MHA_IR_MHAOPS_TD

include "mha/Dialect/MHA/IR/MHADialect.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/CommonAttrConstraints.td"

def MHA_AttentionOp : MHA_Op<"attention", [Pure, AttrSizedOperandSegments]> {
  let summary = "Scaled dot-product attention over [B, H, S, D] tensors.";
  let description = [{
    Computes, for every batch `b`, query head `h` and query position `i`:

    ```
    o[b,h,i,:] = sum_j softmax_j(scale * q[b,h,i,:] . k[b,g,j,:] + bias[b,h,i,j]) * v[b,g,j,:]
    g = h / (H / Hkv)
    ```

    - `query` is `[B, H, Sq, D]`, `key` is `[B, Hkv, Skv, D]`, `value` is
      `[B, Hkv, Skv, Dv]` and the result is `[B, H, Sq, Dv]`. `H` must be a
      multiple of `Hkv`: grouped-query attention (`Hkv < H`) and multi-query
      attention (`Hkv = 1`) share K/V heads without copies.
    - `scale` defaults to `1/sqrt(D)`; it must be finite and positive.
    - `causal`: query `i` sees key `j` iff `j <= i + (Skv - Sq)`. This is the
      bottom-right alignment of FlashAttention >= 2.1 (what KV-cache decoding
      needs). PyTorch's `is_causal` is top-left aligned; the two agree only
      when `Sq == Skv`.
    - `mask`: optional rank-4 tensor broadcastable to `[B, H, Sq, Skv]`
      (each dim either matches or is 1). An `i1` mask keeps scores where it is
      true; a float mask (same element type as `query`) is added to the scores.
    - A query row that sees no key produces zeros, never NaN.
    - `f16`/`bf16` inputs accumulate in `f32`.
    - Dynamic `B`, `Sq` and `Skv` are legal; the verifier checks what is
      static.

    Variants, applied in this order: `scale * q.k` -> `softcap` -> `alibi`
    -> masks (`causal`, `window`, `mask`) -> softmax with `sinks`. With
    `i' = i + Skv - Sq` (the bottom-right aligned query position):

    - `window = [left, right]`: key `j` is visible iff
      `i' - left <= j <= i' + right`; `-1` leaves that side unbounded.
      Combines with `causal` (both must hold).
    - `softcap = c : f32` (finite, positive): the score becomes
      `c * tanh(score / c)` after scaling, before ALiBi and masks.
    - `alibi(%slopes : tensor<Hxf32>)`: adds `slopes[h] * (j - i')`.
    - `sinks(%s : tensor<Hxf32>)`: one extra logit `s[h]` per query head in
      the softmax denominator, with no value row; a row that sees no key
      still produces zeros.
    - An optional second result `lse : tensor<BxHxSqxf32>`: the natural log
      of the sum of `exp(score)` over the visible keys (the sink is not
      included, so partial results can be combined before a sink is
      applied); `-inf` for rows that see no key.

    Programmable modifiers, FlexAttention style: two optional regions after
    the types, each a single block ending in `mha.yield`.

    - `score_mod`, with block arguments `(%score: f32, %b, %h, %q_idx,
      %kv_idx: index)`, yields the new `f32` score. It runs after `alibi`,
      before the masks.
    - `mask_mod`, with block arguments `(%b, %h, %q_idx, %kv_idx: index)`,
      yields an `i1`: key `kv_idx` is visible to query `q_idx` iff it is
      true (and every other mask keeps it too).
    - `b` is the batch, `h` the *query* head (`0 <= h < H`), `q_idx` in
      `[0, Sq)` and `kv_idx` in `[0, Skv)` are raw indices: no bottom-right
      alignment is applied (write `q_idx + (Skv - Sq)` for it).
    - The regions are not isolated from above: they may use values defined
      above, e.g. read per-token document ids with `tensor.extract`. Their
      ops must be free of memory effects (arith, math, index casts,
      `tensor.extract`, ...).

    Canonicalization drops a mask that is a splat constant keeping every
    score (`true`, or `0.0` for a float mask) and a `scale` equal to the
    default `1/sqrt(D)` (as rounded to f32).

    Example:

    ```mlir
    %o = mha.attention %q, %k, %v mask(%m) {causal, scale = 0.125 : f32}
        : tensor<2x8x128x64xf16>, tensor<2x2x128x64xf16>, tensor<2x2x128x64xf16>,
          tensor<1x1x128x128xi1> -> tensor<2x8x128x64xf16>
    ```

    A document mask over a packed batch with a soft cap written as
    modifiers:

    ```mlir
    %o = mha.attention %q, %k, %v
        : tensor<1x8x128x64xf32>, tensor<1x8x128x64xf32>,
          tensor<1x8x128x64xf32> -> tensor<1x8x128x64xf32>
      score_mod {
      ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
        %c = arith.constant 30.0 : f32
        %d = arith.divf %s, %c : f32
        %t = math.tanh %d : f32
        %r = arith.mulf %t, %c : f32
        mha.yield %r : f32
      }
      mask_mod {
      ^bb0(%b: index, %h: index, %i: index, %j: index):
        %di = tensor.extract %doc[%i] : tensor<128xi32>
        %dj = tensor.extract %doc[%j] : tensor<128xi32>
        %same = arith.cmpi eq, %di, %dj : i32
        mha.yield %same : i1
      }
    ```
  }];

  let arguments = (ins
    AnyRankedTensor:$query,
    AnyRankedTensor:$key,
    AnyRankedTensor:$value,
    Optional<AnyRankedTensor>:$mask,
    Optional<AnyRankedTensor>:$alibi,
    Optional<AnyRankedTensor>:$sinks,
    OptionalAttr<F32Attr>:$scale,
    UnitAttr:$causal,
    OptionalAttr<I64ArrayAttr>:$window,
    OptionalAttr<F32Attr>:$softcap
  );
  let results = (outs AnyRankedTensor:$result, Optional<AnyRankedTensor>:$lse);
  // Empty when absent.
  let regions = (region AnyRegion:$score_mod, AnyRegion:$mask_mod);

  // alibi(...) and sinks(...) carry their types inline: a trailing optional
  // type list could not tell them from the mask's type.
  let assemblyFormat = [{
    $query `,` $key `,` $value (`mask` `(` $mask^ `)`)?
    (`alibi` `(` $alibi^ `:` type($alibi) `)`)?
    (`sinks` `(` $sinks^ `:` type($sinks) `)`)? attr-dict `:`
    type($query) `,` type($key) `,` type($value) (`,` type($mask)^)?
    `->` type($result) (`,` type($lse)^)?
    (`score_mod` $score_mod^)? (`mask_mod` $mask_mod^)?
  }];

  let builders = [
    // The plain attention of the core op, without variants.
    OpBuilder<(ins "Type":$result, "Value":$query, "Value":$key,
                   "Value":$value, "Value":$mask, "FloatAttr":$scale,
                   "bool":$causal), [{
      build($_builder, $_state, result, /*lse=*/Type(), query, key, value,
            mask, /*alibi=*/Value(), /*sinks=*/Value(), scale, causal,
            /*window=*/nullptr, /*softcap=*/nullptr);
    }]>
  ];

  let hasVerifier = 1;
  let hasRegionVerifier = 1;
  let hasCanonicalizer = 1;

  let extraClassDeclaration = [{
    /// Block argument counts of the modifier regions: (score, b, h, q_idx,
    /// kv_idx) and (b, h, q_idx, kv_idx).
    static constexpr unsigned kScoreModNumArgs = 5, kMaskModNumArgs = 4;
    bool hasScoreMod() { return !getScoreMod().empty(); }
    bool hasMaskMod() { return !getMaskMod().empty(); }
    /// The window bounds (left, right); -1 is unbounded, and so is a side
    /// without a `window` attribute.
    std::pair<int64_t, int64_t> getWindowBounds();
    /// True when any variant beyond scale/causal/mask is present (window,
    /// softcap, alibi, sinks, lse, score_mod, mask_mod). Lowerings that do
    /// not implement them refuse such ops.
    bool hasVariants();
    /// The names of the variants present, for diagnostics ("window",
    /// "softcap", "alibi", "sinks", "lse", "score_mod", "mask_mod").
    SmallVector<StringRef> getVariantNames();
    /// The scale applied to Q.K^T: the `scale` attribute or 1/sqrt(D).
    /// Requires a static head dimension D when `scale` is absent.
    double getEffectiveScale();
    /// Number of query heads sharing one K/V head (H / Hkv).
    int64_t getGroupSize();
  }];
}

def MHA_YieldOp : MHA_Op<"yield", [Pure, Terminator,
                                    HasParent<"AttentionOp">]> {
  let summary = "Yields the value of an mha.attention modifier region.";
  let description = [{
    Ends the `score_mod` region of `mha.attention` with the new `f32` score,
    and its `mask_mod` region with the `i1` visibility.

    Example:

    ```mlir
    mha.yield %new_score : f32
    ```
  }];
  let arguments = (ins AnyType:$value);
  let assemblyFormat = "$value attr-dict `:` type($value)";
}

def MHA_MultiHeadAttentionOp : MHA_Op<"multi_head_attention",
    [Pure, AttrSizedOperandSegments]> {
  let summary = "A whole multi-head attention layer.";
  let description = [{
    Projects `query_input` (`[B, Sq, E]`) and `kv_input` (`[B, Skv, E]`) to
    queries, keys and values with `wq` (`[E, H*D]`), `wk` (`[E, Hkv*D]`) and
    `wv` (`[E, Hkv*Dv]`), splits them into `num_heads` / `num_kv_heads` heads,
    runs `mha.attention` per head, concatenates the heads and projects the
    result with `wo` (`[H*Dv, E]`). The result is `[B, Sq, E]`.

    `bias(bq, bk, bv, bo)` optionally adds biases of shapes `[H*D]`,
    `[Hkv*D]`, `[Hkv*Dv]` and `[E]` after each projection (all four or none).
    `mask`, `causal` and `scale` mean what they mean on `mha.attention`; the
    mask is broadcastable to `[B, H, Sq, Skv]`. `num_kv_heads` defaults to
    `num_heads`. Self-attention passes the same value as both inputs.
    Canonicalization drops a `num_kv_heads` equal to `num_heads` and the same
    no-op masks and default scale as `mha.attention`.

    Example:

    ```mlir
    %y = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo
        {num_heads = 8 : i64, num_kv_heads = 2 : i64, causal}
        : tensor<1x128x512xf32>, tensor<1x128x512xf32>, tensor<512x512xf32>,
          tensor<512x128xf32>, tensor<512x128xf32>, tensor<512x512xf32>
        -> tensor<1x128x512xf32>
    ```
  }];

  let arguments = (ins
    AnyRankedTensor:$query_input,
    AnyRankedTensor:$kv_input,
    AnyRankedTensor:$wq,
    AnyRankedTensor:$wk,
    AnyRankedTensor:$wv,
    AnyRankedTensor:$wo,
    Variadic<AnyRankedTensor>:$biases,
    Optional<AnyRankedTensor>:$mask,
    I64Attr:$num_heads,
    OptionalAttr<I64Attr>:$num_kv_heads,
    OptionalAttr<F32Attr>:$scale,
    UnitAttr:$causal
  );
  let results = (outs AnyRankedTensor:$result);

  let assemblyFormat = [{
    $query_input `,` $kv_input `,` $wq `,` $wk `,` $wv `,` $wo
    (`bias` `(` $biases^ `)`)? (`mask` `(` $mask^ `)`)? attr-dict `:`
    type($query_input) `,` type($kv_input) `,` type($wq) `,` type($wk) `,`
    type($wv) `,` type($wo) ``
    custom<OptionalOperandTypes>(ref($biases), type($biases), ref($mask),
                                 type($mask))
    `->` type($result)
  }];

  let hasVerifier = 1;
  let hasCanonicalizer = 1;

  let extraClassDeclaration = [{
    /// `num_kv_heads`, or `num_heads` when absent.
    int64_t getNumKvHeadsOrDefault();
    Value getBq() { return getBiases().empty() ? Value() : getBiases()[0]; }
    Value getBk() { return getBiases().empty() ? Value() : getBiases()[1]; }
    Value getBv() { return getBiases().empty() ? Value() : getBiases()[2]; }
    Value getBo() { return getBiases().empty() ? Value() : getBiases()[3]; }
  }];
}

def MHA_CheckSizeOp : MHA_Op<"check_size", [MemoryEffects<[MemWrite]>]> {
  let summary = "Run-time check that two sizes are equal.";
  let description = [{
    Stops the enclosing function with a shape-mismatch error when `actual`
    differs from `expected`; does nothing otherwise. `mha-insert-shape-checks`
    emits one per relation between dynamic dimensions that the verifiers of
    `mha.attention` and `mha.multi_head_attention` would check if the
    dimensions were static, so that mismatched run-time shapes are reported
    instead of read out of bounds.

    The op survives bufferization and the lowering to the LLVM dialect
    unchanged (its operands are `i64`, a type every conversion keeps);
    `mha-lower-runtime-checks` then turns it into a branch to a block that
    reports

    ```
    shape mismatch: <what> is <actual>, but <expected_from> <expected>
    ```

    through libmha_runtime (`mhaRuntimeReportShapeMismatch`) and leaves the
    function. It has a write effect so that no pass drops or moves it;
    canonicalization erases it when both sizes are equal constants.

    Example:

    ```mlir
    mha.check_size %kb, %qb {
        what = "dimension 0 (batch size B) of 'key' (argument 1)",
        expected_from = "'query' (argument 0) has"}
    ```

    reports, for a key of batch 1 and a query of batch 2:
    `shape mismatch: dimension 0 (batch size B) of 'key' (argument 1) is 1,
    but 'query' (argument 0) has 2`.
  }];

  let arguments = (ins I64:$actual, I64:$expected, StrAttr:$what,
                       StrAttr:$expected_from);
  let assemblyFormat = [{
    $actual `,` $expected attr-dict
  }];
  let hasCanonicalizeMethod = 1;
}

#endif // MHA_DIALECT_MHA_IR_MHAOPS_TD
