// A packed batch of variable-length documents: 8 documents of lengths
// 13, 6, 20, 44, 19, 65, 76, 13 (256 tokens) share one sequence, B = 1, 8 heads,
// D = 64, f32. Each token attends causally within its own document only,
// the mask FlashAttention's varlen kernels take as cu_seqlens and
// FlexAttention as a mask_mod. Here it is a `mask_mod` region reading the
// per-token document ids, a constant captured by the region, with
// `tensor.extract`:
//
//   visible(q_idx, kv_idx) = doc[q_idx] == doc[kv_idx]   (and causal)
//
// The ids could as well be an argument of @main (any tensor defined above
// the op can be read). No [S, S] mask is materialised by the op's
// semantics: the cpu pipeline classifies its tiles once, in a pre-pass
// (docs/variants.md, "Tile classification"), skips the tiles between
// documents and selects only in the tiles across a document boundary.
//
// Run:
//   mha-run examples/document_mask.mlir --seed=1 --verify
//       JIT-compiles it, runs it on random inputs and compares the result
//       with the reference pipeline and the C++ oracle, which interprets
//       the region in float64.
//
// Arguments: q, k, v [1, 8, 256, 64]. Result: [1, 8, 256, 64].

func.func @main(%q: tensor<1x8x256x64xf32>, %k: tensor<1x8x256x64xf32>,
                %v: tensor<1x8x256x64xf32>) -> tensor<1x8x256x64xf32> {
  %doc = arith.constant dense<[
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
      2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
      3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
      4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,
      5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,
      5, 5, 5, 5, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
      6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
      6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7]> : tensor<256xi32>
  %o = mha.attention %q, %k, %v {causal}
      : tensor<1x8x256x64xf32>, tensor<1x8x256x64xf32>, tensor<1x8x256x64xf32>
      -> tensor<1x8x256x64xf32>
    mask_mod {
    ^bb0(%b: index, %h: index, %q_idx: index, %kv_idx: index):
      %dq = tensor.extract %doc[%q_idx] : tensor<256xi32>
      %dkv = tensor.extract %doc[%kv_idx] : tensor<256xi32>
      %same = arith.cmpi eq, %dq, %dkv : i32
      mha.yield %same : i1
    }
  return %o : tensor<1x8x256x64xf32>
}
