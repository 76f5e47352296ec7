// Softcap and ALiBi overhead benchmark (issue 14: each <= 15% over plain
// attention): S = 2048, H = 8, D = 128, f32, causal, on the CPU pipeline.
// Run with bench/variants/softcap-alibi.sh.

func.func @plain(%q: tensor<1x8x2048x128xf32>, %k: tensor<1x8x2048x128xf32>, %v: tensor<1x8x2048x128xf32>) -> tensor<1x8x2048x128xf32> {
  %o = mha.attention %q, %k, %v {causal} : tensor<1x8x2048x128xf32>, tensor<1x8x2048x128xf32>, tensor<1x8x2048x128xf32> -> tensor<1x8x2048x128xf32>
  return %o : tensor<1x8x2048x128xf32>
}

func.func @softcap(%q: tensor<1x8x2048x128xf32>, %k: tensor<1x8x2048x128xf32>, %v: tensor<1x8x2048x128xf32>) -> tensor<1x8x2048x128xf32> {
  %o = mha.attention %q, %k, %v {causal, softcap = 30.0 : f32} : tensor<1x8x2048x128xf32>, tensor<1x8x2048x128xf32>, tensor<1x8x2048x128xf32> -> tensor<1x8x2048x128xf32>
  return %o : tensor<1x8x2048x128xf32>
}

func.func @alibi(%q: tensor<1x8x2048x128xf32>, %k: tensor<1x8x2048x128xf32>, %v: tensor<1x8x2048x128xf32>, %slopes: tensor<8xf32>) -> tensor<1x8x2048x128xf32> {
  %o = mha.attention %q, %k, %v alibi(%slopes : tensor<8xf32>) {causal} : tensor<1x8x2048x128xf32>, tensor<1x8x2048x128xf32>, tensor<1x8x2048x128xf32> -> tensor<1x8x2048x128xf32>
  return %o : tensor<1x8x2048x128xf32>
}
