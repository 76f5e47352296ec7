// Sliding-window attention with grouped-query attention (Mistral-style
// prefill): B = 1, 16 query heads sharing 4 key/value heads, S = 1024, head
// dim D = 64, f32. `window = [255, 0]` lets query i see keys
// i - 255 <= j <= i: the last 256 positions, itself included (a window of
// size W is [W - 1, 0]). The second result is the log-sum-exp of each query
// row, [B, H, S] in f32, for combining partial attentions.
//
// The CPU pipeline visits, for each query tile, only the kv tiles inside the
// window: the work grows with S * W, not S * S.
//
// Run:
//   mha-run examples/sliding_window_gqa.mlir --seed=1 --verify
//       JIT-compiles it, runs it on random inputs and compares both results
//       with the reference pipeline and the C++ oracle (add --bench=10 to
//       time it; GFLOP/s count the visible query/key pairs).
//
// Arguments: q [1, 16, 1024, 64], k [1, 4, 1024, 64], v [1, 4, 1024, 64].
// Results: [1, 16, 1024, 64] and the lse [1, 16, 1024].

func.func @main(%q: tensor<1x16x1024x64xf32>, %k: tensor<1x4x1024x64xf32>,
                %v: tensor<1x4x1024x64xf32>)
    -> (tensor<1x16x1024x64xf32>, tensor<1x16x1024xf32>) {
  %o, %lse = mha.attention %q, %k, %v {window = [255, 0]}
      : tensor<1x16x1024x64xf32>, tensor<1x4x1024x64xf32>, tensor<1x4x1024x64xf32>
      -> tensor<1x16x1024x64xf32>, tensor<1x16x1024xf32>
  return %o, %lse : tensor<1x16x1024x64xf32>, tensor<1x16x1024xf32>
}
