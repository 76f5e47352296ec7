// RUN: mha-opt %s -mha-tile-attention -split-input-file -verify-diagnostics

// The tiled loops do not inline modifier regions yet: they are refused by
// name, never dropped.
func.func @score_mod(%q: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  // expected-error @+1 {{variant 'score_mod' is not supported by mha-tile-attention yet; use the reference pipeline (--pipeline=reference)}}
  %o = mha.attention %q, %q, %q {window = [2, 0]}
      : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x2x8x16xf32>
    score_mod {
    ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
      %r = arith.negf %s : f32
      mha.yield %r : f32
    }
  return %o : tensor<1x2x8x16xf32>
}

// -----

func.func @mask_mod(%q: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  // expected-error @+1 {{variant 'mask_mod' is not supported by mha-tile-attention yet}}
  %o = mha.attention %q, %q, %q
      : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x2x8x16xf32>
    mask_mod {
    ^bb0(%b: index, %h: index, %i: index, %j: index):
      %p = arith.cmpi ule, %j, %i : index
      mha.yield %p : i1
    }
  return %o : tensor<1x2x8x16xf32>
}
