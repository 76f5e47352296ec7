// Document-masked packed batch benchmark (issue 14: >= 4x faster than the
// same attention with the mask passed as a dense boolean tensor): 8
// documents of random lengths summing to S = 8192, H = 8, D = 64, f32, on
// the CPU pipeline. The document ids (f32, exact integers) are argument 3
// of @documents; the dense [1, 1, S, S] i1 mask built from the same ids is
// argument 3 of @dense_mask. Run with bench/variants/document-mask.sh.

func.func @documents(%q: tensor<1x8x8192x64xf32>, %k: tensor<1x8x8192x64xf32>, %v: tensor<1x8x8192x64xf32>, %doc: tensor<8192xf32>) -> tensor<1x8x8192x64xf32> {
  %o = mha.attention %q, %k, %v : tensor<1x8x8192x64xf32>, tensor<1x8x8192x64xf32>, tensor<1x8x8192x64xf32> -> tensor<1x8x8192x64xf32>
    mask_mod {
    ^bb0(%b: index, %h: index, %i: index, %j: index):
      %di = tensor.extract %doc[%i] : tensor<8192xf32>
      %dj = tensor.extract %doc[%j] : tensor<8192xf32>
      %same = arith.cmpf oeq, %di, %dj : f32
      mha.yield %same : i1
    }
  return %o : tensor<1x8x8192x64xf32>
}

func.func @dense_mask(%q: tensor<1x8x8192x64xf32>, %k: tensor<1x8x8192x64xf32>, %v: tensor<1x8x8192x64xf32>, %m: tensor<1x1x8192x8192xi1>) -> tensor<1x8x8192x64xf32> {
  %o = mha.attention %q, %k, %v mask(%m) : tensor<1x8x8192x64xf32>, tensor<1x8x8192x64xf32>, tensor<1x8x8192x64xf32>, tensor<1x1x8192x8192xi1> -> tensor<1x8x8192x64xf32>
  return %o : tensor<1x8x8192x64xf32>
}
