// Causal prefill with grouped-query attention (the prompt phase of an LLM):
// B = 1, 16 query heads sharing 4 key/value heads (groups of 4), S = 256
// queries attending to the same 256 keys, head dim D = 64, f16 inputs
// (accumulated in f32). Query head h reads K/V head h / 4; K and V are not
// copied per query head. Query i sees keys j <= i; the scale defaults to
// 1/sqrt(64) = 0.125.
//
// Run:
//   mha-opt examples/gqa_causal_prefill.mlir
//       parses and verifies it;
//   mha-opt examples/gqa_causal_prefill.mlir --mha-reference-pipeline
//       lowers it to the LLVM dialect through the unfused reference path;
//   mha-run examples/gqa_causal_prefill.mlir --seed=1 --verify
//       JIT-compiles it, runs it on random inputs and compares the result
//       with the reference pipeline and the C++ oracle (add --bench=10 to
//       time it).
//
// Arguments: q [1, 16, 256, 64], k [1, 4, 256, 64], v [1, 4, 256, 64].
// Result: [1, 16, 256, 64].

func.func @main(%q: tensor<1x16x256x64xf16>, %k: tensor<1x4x256x64xf16>,
                %v: tensor<1x4x256x64xf16>) -> tensor<1x16x256x64xf16> {
  %o = mha.attention %q, %k, %v {causal}
      : tensor<1x16x256x64xf16>, tensor<1x4x256x64xf16>, tensor<1x4x256x64xf16>
      -> tensor<1x16x256x64xf16>
  return %o : tensor<1x16x256x64xf16>
}
