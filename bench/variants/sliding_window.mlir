// Sliding-window benchmark (issue 14): S = 16384, window (1024, 0), D = 128,
// H = 16, f32, against dense causal attention at S = 2048 in the same run.
// GFLOP/s count the visible pairs only (mha-run's FLOP model), so the
// window's GFLOP/s match the causal ones when time scales with the visible
// area. Run with bench/variants/sliding-window.sh.

func.func @sliding_window(%q: tensor<1x16x16384x128xf32>, %k: tensor<1x16x16384x128xf32>, %v: tensor<1x16x16384x128xf32>) -> tensor<1x16x16384x128xf32> {
  %o = mha.attention %q, %k, %v {window = [1024, 0]} : tensor<1x16x16384x128xf32>, tensor<1x16x16384x128xf32>, tensor<1x16x16384x128xf32> -> tensor<1x16x16384x128xf32>
  return %o : tensor<1x16x16384x128xf32>
}

func.func @dense_causal(%q: tensor<1x16x2048x128xf32>, %k: tensor<1x16x2048x128xf32>, %v: tensor<1x16x2048x128xf32>) -> tensor<1x16x2048x128xf32> {
  %o = mha.attention %q, %k, %v {causal} : tensor<1x16x2048x128xf32>, tensor<1x16x2048x128xf32>, tensor<1x16x2048x128xf32> -> tensor<1x16x2048x128xf32>
  return %o : tensor<1x16x2048x128xf32>
}
