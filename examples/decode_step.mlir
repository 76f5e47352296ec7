// One decode step of an LLM with a KV cache: a single new query token
// (Sq = 1) attends to a cache of Skv = 1024 positions, with grouped-query
// attention (32 query heads, 8 key/value heads) and head dim D = 128.
// The boolean mask marks which cache slots hold real tokens (true = attend);
// it broadcasts over the batch and all heads. A row whose mask is all false
// yields zeros, never NaN.
//
// No `causal` is needed: with bottom-right alignment the single query is the
// last position and may see every cache entry; the mask excludes the unused
// tail of the cache.
//
// Run:
//   mha-opt examples/decode_step.mlir
//       parses and verifies it;
//   mha-opt examples/decode_step.mlir --mha-reference-pipeline
//       lowers it to the LLVM dialect through the unfused reference path;
//   mha-run examples/decode_step.mlir --seed=1 --verify
//       JIT-compiles it, runs it on random inputs and compares the result
//       with the reference pipeline and the C++ oracle (add --bench=10 to
//       time it).
//
// Arguments: q [1, 32, 1, 128], k_cache [1, 8, 1024, 128],
// v_cache [1, 8, 1024, 128], valid [1, 1, 1, 1024] (i1).
// Result: [1, 32, 1, 128].

func.func @main(%q: tensor<1x32x1x128xf32>, %k_cache: tensor<1x8x1024x128xf32>,
                %v_cache: tensor<1x8x1024x128xf32>, %valid: tensor<1x1x1x1024xi1>)
    -> tensor<1x32x1x128xf32> {
  %o = mha.attention %q, %k_cache, %v_cache mask(%valid)
      : tensor<1x32x1x128xf32>, tensor<1x8x1024x128xf32>,
        tensor<1x8x1024x128xf32>, tensor<1x1x1x1024xi1>
      -> tensor<1x32x1x128xf32>
  return %o : tensor<1x32x1x128xf32>
}
