// A self-attention multi-head attention layer, as in a transformer encoder
// block: B = 1, S = 128, E = 512, 8 heads of D = 64, with biases on all four
// projections. The same activation %x feeds queries, keys and values.
//
//   y = (softmax(Q K^T / sqrt(D)) V) wo + bo,   Q = x wq + bq, K = x wk + bk,
//                                               V = x wv + bv  (per head)
//
// Run:
//   mha-opt examples/mha_layer.mlir
//       parses and verifies it;
//   mha-opt examples/mha_layer.mlir --mha-reference-pipeline
//       lowers it to the LLVM dialect through the unfused reference path;
//   mha-run examples/mha_layer.mlir --seed=1 --verify
//       JIT-compiles it, runs it on random inputs and compares the result
//       with the reference pipeline and the C++ oracle (add --bench=10 to
//       time it).
//
// Arguments: x [1, 128, 512], wq/wk/wv [512, 512] (E x H*D), wo [512, 512]
// (H*D x E), bq/bk/bv/bo [512]. Result: [1, 128, 512].

func.func @main(%x: tensor<1x128x512xf32>,
                %wq: tensor<512x512xf32>, %wk: tensor<512x512xf32>,
                %wv: tensor<512x512xf32>, %wo: tensor<512x512xf32>,
                %bq: tensor<512xf32>, %bk: tensor<512xf32>,
                %bv: tensor<512xf32>, %bo: tensor<512xf32>)
    -> tensor<1x128x512xf32> {
  %y = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo
      bias(%bq, %bk, %bv, %bo) {num_heads = 8 : i64}
      : tensor<1x128x512xf32>, tensor<1x128x512xf32>, tensor<512x512xf32>,
        tensor<512x512xf32>, tensor<512x512xf32>, tensor<512x512xf32>,
        tensor<512xf32>, tensor<512xf32>, tensor<512xf32>, tensor<512xf32>
      -> tensor<1x128x512xf32>
  return %y : tensor<1x128x512xf32>
}
