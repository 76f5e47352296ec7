// Attention sinks with a sliding window (gpt-oss): B = 1, 16 query heads
// sharing 2 key/value heads, S = 512, head dim D = 64, f32. Each query head
// has one learned sink logit `sinks[h]` that joins the softmax denominator
// with no value row: a query can put weight on "nothing" instead of being
// forced to spread it over the keys it sees. `window = [127, 0]` lets query
// i see keys i - 127 <= j <= i (the last 128 positions).
//
// Run:
//   mha-run examples/attention_sinks.mlir --seed=1 --verify
//       JIT-compiles it with the cpu pipeline, runs it on random inputs
//       (the sinks too, uniform in [-1, 1)) and compares the result with
//       the reference pipeline and the C++ oracle (add --bench=10 to time
//       it).
//
// Arguments: q [1, 16, 512, 64], k [1, 2, 512, 64], v [1, 2, 512, 64],
// sinks [16].
// Result: [1, 16, 512, 64].

func.func @main(%q: tensor<1x16x512x64xf32>, %k: tensor<1x2x512x64xf32>,
                %v: tensor<1x2x512x64xf32>, %sinks: tensor<16xf32>)
    -> tensor<1x16x512x64xf32> {
  %o = mha.attention %q, %k, %v sinks(%sinks : tensor<16xf32>) {window = [127, 0]}
      : tensor<1x16x512x64xf32>, tensor<1x2x512x64xf32>, tensor<1x2x512x64xf32>
      -> tensor<1x16x512x64xf32>
  return %o : tensor<1x16x512x64xf32>
}
