// Logit soft-capping (Gemma 2): B = 1, 8 query heads sharing 4 key/value
// heads, causal prefill of S = 256 tokens, head dim D = 128, bf16 inputs
// (accumulated in f32). `softcap = 50.0` turns each scaled score into
// 50 * tanh(score / 50) before the causal mask, so no logit exceeds 50.
//
// The same cap written as a programmable modifier (docs/variants.md) is
//
//   score_mod {
//   ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
//     %c = arith.constant 50.0 : f32
//     %d = arith.divf %s, %c : f32
//     %t = math.tanh %d : f32
//     %r = arith.mulf %t, %c : f32
//     mha.yield %r : f32
//   }
//
// after the result types; the named attribute lets every pipeline use its
// fused implementation.
//
// Run:
//   mha-run examples/softcap.mlir --seed=1 --verify
//       JIT-compiles it with the cpu pipeline, runs it on random inputs and
//       compares the result with the reference pipeline and the C++ oracle
//       (add --bench=10 to time it).
//
// Arguments: q [1, 8, 256, 128], k [1, 4, 256, 128], v [1, 4, 256, 128].
// Result: [1, 8, 256, 128].

func.func @main(%q: tensor<1x8x256x128xbf16>, %k: tensor<1x4x256x128xbf16>,
                %v: tensor<1x4x256x128xbf16>) -> tensor<1x8x256x128xbf16> {
  %o = mha.attention %q, %k, %v {causal, softcap = 50.0 : f32}
      : tensor<1x8x256x128xbf16>, tensor<1x4x256x128xbf16>, tensor<1x4x256x128xbf16>
      -> tensor<1x8x256x128xbf16>
  return %o : tensor<1x8x256x128xbf16>
}
