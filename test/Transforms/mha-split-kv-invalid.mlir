// RUN: mha-opt %s -mha-split-kv -split-input-file -verify-diagnostics

// mha-split-kv does not implement the attention variants yet: each one is
// refused by name rather than dropped.

func.func @window(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x4x8x16xf32> {
  // expected-error @+1 {{variant 'window' is not supported by mha-split-kv yet; use the reference pipeline (--pipeline=reference)}}
  %o = mha.attention %q, %k, %v  {window = [4, 0]}
      : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

func.func @softcap(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x4x8x16xf32> {
  // expected-error @+1 {{variant 'softcap' is not supported by mha-split-kv yet; use the reference pipeline (--pipeline=reference)}}
  %o = mha.attention %q, %k, %v  {softcap = 30.0 : f32}
      : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

func.func @alibi(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %a: tensor<4xf32>) -> tensor<1x4x8x16xf32> {
  // expected-error @+1 {{variant 'alibi' is not supported by mha-split-kv yet; use the reference pipeline (--pipeline=reference)}}
  %o = mha.attention %q, %k, %v alibi(%a : tensor<4xf32>) 
      : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

func.func @sinks(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %a: tensor<4xf32>) -> tensor<1x4x8x16xf32> {
  // expected-error @+1 {{variant 'sinks' is not supported by mha-split-kv yet; use the reference pipeline (--pipeline=reference)}}
  %o = mha.attention %q, %k, %v sinks(%a : tensor<4xf32>) 
      : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

func.func @lse(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x4x8x16xf32> {
  // expected-error @+1 {{variant 'lse' is not supported by mha-split-kv yet; use the reference pipeline (--pipeline=reference)}}
  %o, %l = mha.attention %q, %k, %v  
      : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x4x8x16xf32>, tensor<1x4x8xf32>
  return %o : tensor<1x4x8x16xf32>
}
