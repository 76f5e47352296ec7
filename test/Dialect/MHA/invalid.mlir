// RUN: mha-opt %s -split-input-file -verify-diagnostics

// One case per verifier rule of mha.attention and mha.multi_head_attention.
// Unless a case says otherwise, attention uses q [1, 4, 8, 16], k/v
// [1, 2, 8, 16] (GQA, H = 4, Hkv = 2) and the layer uses E = 64, H = 4,
// Hkv = 2, D = Dv = 16, Sq = Skv = 8.

func.func @att_query_rank(%q: tensor<4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x4x8x16xf32> {
  // expected-error @+1 {{'mha.attention' op query must have rank 4 ([B, H, Sq, D]), but has rank 3}}
  %o = mha.attention %q, %k, %v : tensor<4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

func.func @att_key_rank(%q: tensor<1x4x8x16xf32>, %k: tensor<1x1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x4x8x16xf32> {
  // expected-error @+1 {{key must have rank 4 ([B, Hkv, Skv, D]), but has rank 5}}
  %o = mha.attention %q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

func.func @att_value_rank(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<8x16xf32>) -> tensor<1x4x8x16xf32> {
  // expected-error @+1 {{value must have rank 4 ([B, Hkv, Skv, Dv]), but has rank 2}}
  %o = mha.attention %q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<8x16xf32> -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

func.func @att_result_rank(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<4x8x16xf32> {
  // expected-error @+1 {{result must have rank 4 ([B, H, Sq, Dv]), but has rank 3}}
  %o = mha.attention %q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<4x8x16xf32>
  return %o : tensor<4x8x16xf32>
}

// -----

func.func @att_query_element(%q: tensor<1x4x8x16xf64>, %k: tensor<1x2x8x16xf64>, %v: tensor<1x2x8x16xf64>) -> tensor<1x4x8x16xf64> {
  // expected-error @+1 {{query element type must be f32, f16 or bf16, but is 'f64'}}
  %o = mha.attention %q, %k, %v : tensor<1x4x8x16xf64>, tensor<1x2x8x16xf64>, tensor<1x2x8x16xf64> -> tensor<1x4x8x16xf64>
  return %o : tensor<1x4x8x16xf64>
}

// -----

func.func @att_query_element_int(%q: tensor<1x4x8x16xi32>, %k: tensor<1x2x8x16xi32>, %v: tensor<1x2x8x16xi32>) -> tensor<1x4x8x16xi32> {
  // expected-error @+1 {{query element type must be f32, f16 or bf16, but is 'i32'}}
  %o = mha.attention %q, %k, %v : tensor<1x4x8x16xi32>, tensor<1x2x8x16xi32>, tensor<1x2x8x16xi32> -> tensor<1x4x8x16xi32>
  return %o : tensor<1x4x8x16xi32>
}

// -----

func.func @att_key_element(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf16>, %v: tensor<1x2x8x16xf32>) -> tensor<1x4x8x16xf32> {
  // expected-error @+1 {{key element type 'f16' does not match query element type 'f32'}}
  %o = mha.attention %q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf16>, tensor<1x2x8x16xf32> -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

func.func @att_value_element(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xbf16>) -> tensor<1x4x8x16xf32> {
  // expected-error @+1 {{value element type 'bf16' does not match query element type 'f32'}}
  %o = mha.attention %q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xbf16> -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

func.func @att_result_element(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x4x8x16xf16> {
  // expected-error @+1 {{result element type 'f16' does not match query element type 'f32'}}
  %o = mha.attention %q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x4x8x16xf16>
  return %o : tensor<1x4x8x16xf16>
}

// -----

func.func @att_h_dynamic(%q: tensor<1x?x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x?x8x16xf32> {
  // expected-error @+1 {{query head count H (dim 1) must be static}}
  %o = mha.attention %q, %k, %v : tensor<1x?x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x?x8x16xf32>
  return %o : tensor<1x?x8x16xf32>
}

// -----

func.func @att_h_zero(%q: tensor<1x0x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x0x8x16xf32> {
  // expected-error @+1 {{query head count H (dim 1) must be positive, but is 0}}
  %o = mha.attention %q, %k, %v : tensor<1x0x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x0x8x16xf32>
  return %o : tensor<1x0x8x16xf32>
}

// -----

func.func @att_hkv_dynamic(%q: tensor<1x4x8x16xf32>, %k: tensor<1x?x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x4x8x16xf32> {
  // expected-error @+1 {{key head count Hkv (dim 1) must be static}}
  %o = mha.attention %q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x?x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

func.func @att_hkv_zero(%q: tensor<1x4x8x16xf32>, %k: tensor<1x0x8x16xf32>, %v: tensor<1x0x8x16xf32>) -> tensor<1x4x8x16xf32> {
  // expected-error @+1 {{key head count Hkv (dim 1) must be positive, but is 0}}
  %o = mha.attention %q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x0x8x16xf32>, tensor<1x0x8x16xf32> -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

func.func @att_d_dynamic(%q: tensor<1x4x8x?xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x4x8x16xf32> {
  // expected-error @+1 {{query head dim D (dim 3) must be static}}
  %o = mha.attention %q, %k, %v : tensor<1x4x8x?xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

func.func @att_d_zero(%q: tensor<1x4x8x0xf32>, %k: tensor<1x2x8x0xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x4x8x16xf32> {
  // expected-error @+1 {{query head dim D (dim 3) must be positive, but is 0}}
  %o = mha.attention %q, %k, %v : tensor<1x4x8x0xf32>, tensor<1x2x8x0xf32>, tensor<1x2x8x16xf32> -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

func.func @att_dv_dynamic(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x?xf32>) -> tensor<1x4x8x?xf32> {
  // expected-error @+1 {{value head dim Dv (dim 3) must be static}}
  %o = mha.attention %q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x?xf32> -> tensor<1x4x8x?xf32>
  return %o : tensor<1x4x8x?xf32>
}

// -----

func.func @att_dv_zero(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x0xf32>) -> tensor<1x4x8x0xf32> {
  // expected-error @+1 {{value head dim Dv (dim 3) must be positive, but is 0}}
  %o = mha.attention %q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x0xf32> -> tensor<1x4x8x0xf32>
  return %o : tensor<1x4x8x0xf32>
}

// -----

func.func @att_gqa_divisibility(%q: tensor<1x4x8x16xf32>, %k: tensor<1x3x8x16xf32>, %v: tensor<1x3x8x16xf32>) -> tensor<1x4x8x16xf32> {
  // expected-error @+1 {{query head count H = 4 must be a multiple of key head count Hkv = 3}}
  %o = mha.attention %q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x3x8x16xf32>, tensor<1x3x8x16xf32> -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

func.func @att_key_batch(%q: tensor<1x4x8x16xf32>, %k: tensor<2x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x4x8x16xf32> {
  // expected-error @+1 {{key batch size B (dim 0) is 2, but query batch size is 1}}
  %o = mha.attention %q, %k, %v : tensor<1x4x8x16xf32>, tensor<2x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

func.func @att_value_batch(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<3x2x8x16xf32>) -> tensor<1x4x8x16xf32> {
  // expected-error @+1 {{value batch size B (dim 0) is 3, but query batch size is 1}}
  %o = mha.attention %q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<3x2x8x16xf32> -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

func.func @att_key_head_dim(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x32xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x4x8x16xf32> {
  // expected-error @+1 {{key head dim D (dim 3) is 32, but query head dim is 16}}
  %o = mha.attention %q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x16xf32> -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

func.func @att_value_heads(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x1x8x16xf32>) -> tensor<1x4x8x16xf32> {
  // expected-error @+1 {{value head count Hkv (dim 1) is 1, but key head count is 2}}
  %o = mha.attention %q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x1x8x16xf32> -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

func.func @att_value_seq(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x9x16xf32>) -> tensor<1x4x8x16xf32> {
  // expected-error @+1 {{value sequence length Skv (dim 2) is 9, but key sequence length is 8}}
  %o = mha.attention %q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x9x16xf32> -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

func.func @att_result_batch(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<2x4x8x16xf32> {
  // expected-error @+1 {{result batch size B (dim 0) is 2, but query batch size is 1}}
  %o = mha.attention %q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<2x4x8x16xf32>
  return %o : tensor<2x4x8x16xf32>
}

// -----

func.func @att_result_heads(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  // expected-error @+1 {{result head count H (dim 1) is 2, but query head count is 4}}
  %o = mha.attention %q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

// -----

func.func @att_result_seq(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x4x16x16xf32> {
  // expected-error @+1 {{result sequence length Sq (dim 2) is 16, but query sequence length is 8}}
  %o = mha.attention %q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x4x16x16xf32>
  return %o : tensor<1x4x16x16xf32>
}

// -----

func.func @att_result_head_dim(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x4x8x32xf32> {
  // expected-error @+1 {{result head dim Dv (dim 3) is 32, but value head dim is 16}}
  %o = mha.attention %q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x4x8x32xf32>
  return %o : tensor<1x4x8x32xf32>
}

// -----

func.func @att_mask_rank(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %m: tensor<8x8xi1>) -> tensor<1x4x8x16xf32> {
  // expected-error @+1 {{mask must have rank 4 (broadcastable to [B, H, Sq, Skv]), but has rank 2}}
  %o = mha.attention %q, %k, %v mask(%m) : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<8x8xi1> -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

func.func @att_mask_element_int(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %m: tensor<1x1x8x8xi8>) -> tensor<1x4x8x16xf32> {
  // expected-error @+1 {{mask element type must be i1 or 'f32', but is 'i8'}}
  %o = mha.attention %q, %k, %v mask(%m) : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x1x8x8xi8> -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

func.func @att_mask_element_float(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %m: tensor<1x1x8x8xf16>) -> tensor<1x4x8x16xf32> {
  // expected-error @+1 {{mask element type must be i1 or 'f32', but is 'f16'}}
  %o = mha.attention %q, %k, %v mask(%m) : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x1x8x8xf16> -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

func.func @att_mask_dim0(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x12x16xf32>, %v: tensor<1x2x12x16xf32>, %m: tensor<2x1x8x12xi1>) -> tensor<1x4x8x16xf32> {
  // expected-error @+1 {{mask dim 0 is 2, but must be 1 or B = 1 to broadcast to [B, H, Sq, Skv] = [1, 4, 8, 12]}}
  %o = mha.attention %q, %k, %v mask(%m) : tensor<1x4x8x16xf32>, tensor<1x2x12x16xf32>, tensor<1x2x12x16xf32>, tensor<2x1x8x12xi1> -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

// The mask broadcasts over query heads H, not key heads Hkv.
func.func @att_mask_dim1(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x12x16xf32>, %v: tensor<1x2x12x16xf32>, %m: tensor<1x2x8x12xi1>) -> tensor<1x4x8x16xf32> {
  // expected-error @+1 {{mask dim 1 is 2, but must be 1 or H = 4 to broadcast to [B, H, Sq, Skv] = [1, 4, 8, 12]}}
  %o = mha.attention %q, %k, %v mask(%m) : tensor<1x4x8x16xf32>, tensor<1x2x12x16xf32>, tensor<1x2x12x16xf32>, tensor<1x2x8x12xi1> -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

func.func @att_mask_dim2(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x12x16xf32>, %v: tensor<1x2x12x16xf32>, %m: tensor<1x1x12x12xf32>) -> tensor<1x4x8x16xf32> {
  // expected-error @+1 {{mask dim 2 is 12, but must be 1 or Sq = 8 to broadcast to [B, H, Sq, Skv] = [1, 4, 8, 12]}}
  %o = mha.attention %q, %k, %v mask(%m) : tensor<1x4x8x16xf32>, tensor<1x2x12x16xf32>, tensor<1x2x12x16xf32>, tensor<1x1x12x12xf32> -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

func.func @att_mask_dim3(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x12x16xf32>, %v: tensor<1x2x12x16xf32>, %m: tensor<1x1x8x8xi1>) -> tensor<1x4x8x16xf32> {
  // expected-error @+1 {{mask dim 3 is 8, but must be 1 or Skv = 12 to broadcast to [B, H, Sq, Skv] = [1, 4, 8, 12]}}
  %o = mha.attention %q, %k, %v mask(%m) : tensor<1x4x8x16xf32>, tensor<1x2x12x16xf32>, tensor<1x2x12x16xf32>, tensor<1x1x8x8xi1> -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

func.func @att_mask_dim_dynamic_batch(%q: tensor<?x4x?x16xf32>, %k: tensor<?x2x12x16xf32>, %v: tensor<?x2x12x16xf32>, %m: tensor<?x1x8x8xi1>) -> tensor<?x4x?x16xf32> {
  // expected-error @+1 {{mask dim 3 is 8, but must be 1 or Skv = 12 to broadcast to [B, H, Sq, Skv] = [?, 4, ?, 12]}}
  %o = mha.attention %q, %k, %v mask(%m) : tensor<?x4x?x16xf32>, tensor<?x2x12x16xf32>, tensor<?x2x12x16xf32>, tensor<?x1x8x8xi1> -> tensor<?x4x?x16xf32>
  return %o : tensor<?x4x?x16xf32>
}

// -----

func.func @att_scale_zero(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x4x8x16xf32> {
  // expected-error @+1 {{scale must be finite and positive, but is 0.000000e+00}}
  %o = mha.attention %q, %k, %v {scale = 0.0 : f32} : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

func.func @att_scale_negative(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x4x8x16xf32> {
  // expected-error @+1 {{scale must be finite and positive, but is -1.250000e-01}}
  %o = mha.attention %q, %k, %v {scale = -0.125 : f32} : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

func.func @att_scale_inf(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x4x8x16xf32> {
  // expected-error @+1 {{scale must be finite and positive, but is INF}}
  %o = mha.attention %q, %k, %v {scale = 0x7F800000 : f32} : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

func.func @att_scale_nan(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x4x8x16xf32> {
  // expected-error @+1 {{scale must be finite and positive, but is nan}}
  %o = mha.attention %q, %k, %v {scale = 0x7FC00000 : f32} : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

// ODS: the scale is an f32 attribute.
func.func @att_scale_f64(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x4x8x16xf32> {
  // expected-error @+1 {{attribute 'scale' failed to satisfy constraint: 32-bit float attribute}}
  %o = mha.attention %q, %k, %v {scale = 0.125 : f64} : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

func.func @mha_num_heads_zero(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{'mha.multi_head_attention' op num_heads must be positive, but is 0}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo {num_heads = 0 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @mha_num_heads_negative(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{num_heads must be positive, but is -4}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo {num_heads = -4 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @mha_num_kv_heads_zero(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{num_kv_heads must be positive, but is 0}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo {num_heads = 4 : i64, num_kv_heads = 0 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @mha_num_kv_heads_negative(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{num_kv_heads must be positive, but is -2}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo {num_heads = 4 : i64, num_kv_heads = -2 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @mha_heads_divisibility(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{num_heads = 4 must be a multiple of num_kv_heads = 3}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo {num_heads = 4 : i64, num_kv_heads = 3 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @mha_kv_heads_gt_heads(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{num_heads = 4 must be a multiple of num_kv_heads = 8}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo {num_heads = 4 : i64, num_kv_heads = 8 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

// ODS: num_heads is required.
func.func @mha_num_heads_missing(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{requires attribute 'num_heads'}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @mha_query_input_rank(%xq: tensor<8x64xf32>, %xkv: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{query_input must have rank 3 ([B, Sq, E]), but has rank 2}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @mha_kv_input_rank(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{kv_input must have rank 3 ([B, Skv, E]), but has rank 4}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x1x8x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @mha_wq_rank(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x8x64xf32>, %wq: tensor<64x4x16xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{wq must have rank 2 ([E, H*D]), but has rank 3}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x4x16xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @mha_wk_rank(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<2048xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{wk must have rank 2 ([E, Hkv*D]), but has rank 1}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<2048xf32>, tensor<64x32xf32>, tensor<64x64xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @mha_wv_rank(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x2x16xf32>, %wo: tensor<64x64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{wv must have rank 2 ([E, Hkv*Dv]), but has rank 3}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x2x16xf32>, tensor<64x64xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @mha_wo_rank(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<4x16x64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{wo must have rank 2 ([H*Dv, E]), but has rank 3}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<4x16x64xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @mha_result_rank(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>) -> tensor<8x64xf32> {
  // expected-error @+1 {{result must have rank 3 ([B, Sq, E]), but has rank 2}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32> -> tensor<8x64xf32>
  return %y : tensor<8x64xf32>
}

// -----

func.func @mha_query_input_element(%xq: tensor<1x8x64xi32>, %xkv: tensor<1x8x64xi32>, %wq: tensor<64x64xi32>, %wk: tensor<64x32xi32>, %wv: tensor<64x32xi32>, %wo: tensor<64x64xi32>) -> tensor<1x8x64xi32> {
  // expected-error @+1 {{query_input element type must be f32, f16 or bf16, but is 'i32'}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xi32>, tensor<1x8x64xi32>, tensor<64x64xi32>, tensor<64x32xi32>, tensor<64x32xi32>, tensor<64x64xi32> -> tensor<1x8x64xi32>
  return %y : tensor<1x8x64xi32>
}

// -----

func.func @mha_kv_input_element(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x8x64xf16>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{kv_input element type 'f16' does not match query_input element type 'f32'}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf16>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @mha_wq_element(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x8x64xf32>, %wq: tensor<64x64xf16>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{wq element type 'f16' does not match query_input element type 'f32'}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf16>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @mha_wk_element(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xbf16>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{wk element type 'bf16' does not match query_input element type 'f32'}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64x32xbf16>, tensor<64x32xf32>, tensor<64x64xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @mha_wv_element(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf16>, %wo: tensor<64x64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{wv element type 'f16' does not match query_input element type 'f32'}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf16>, tensor<64x64xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @mha_wo_element(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf16>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{wo element type 'f16' does not match query_input element type 'f32'}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf16> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @mha_result_element(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>) -> tensor<1x8x64xf16> {
  // expected-error @+1 {{result element type 'f16' does not match query_input element type 'f32'}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32> -> tensor<1x8x64xf16>
  return %y : tensor<1x8x64xf16>
}

// -----

func.func @mha_wq_rows_dynamic(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x8x64xf32>, %wq: tensor<?x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{wq rows (dim 0) must be static}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<?x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @mha_wq_cols_dynamic(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x8x64xf32>, %wq: tensor<64x?xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{wq columns (dim 1) must be static}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x?xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @mha_wk_rows_dynamic(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<?x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{wk rows (dim 0) must be static}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<?x32xf32>, tensor<64x32xf32>, tensor<64x64xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @mha_wk_cols_dynamic(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x?xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{wk columns (dim 1) must be static}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64x?xf32>, tensor<64x32xf32>, tensor<64x64xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @mha_wv_rows_dynamic(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<?x32xf32>, %wo: tensor<64x64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{wv rows (dim 0) must be static}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<?x32xf32>, tensor<64x64xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @mha_wv_cols_dynamic(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x?xf32>, %wo: tensor<64x64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{wv columns (dim 1) must be static}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x?xf32>, tensor<64x64xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @mha_wo_rows_dynamic(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<?x64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{wo rows (dim 0) must be static}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<?x64xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @mha_wo_cols_dynamic(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x?xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{wo columns (dim 1) must be static}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x?xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @mha_wq_rows_zero(%xq: tensor<1x8x0xf32>, %xkv: tensor<1x8x0xf32>, %wq: tensor<0x64xf32>, %wk: tensor<0x32xf32>, %wv: tensor<0x32xf32>, %wo: tensor<64x0xf32>) -> tensor<1x8x0xf32> {
  // expected-error @+1 {{wq rows (dim 0) must be positive, but is 0}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x0xf32>, tensor<1x8x0xf32>, tensor<0x64xf32>, tensor<0x32xf32>, tensor<0x32xf32>, tensor<64x0xf32> -> tensor<1x8x0xf32>
  return %y : tensor<1x8x0xf32>
}

// -----

func.func @mha_wq_cols_zero(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x8x64xf32>, %wq: tensor<64x0xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{wq columns (dim 1) must be positive, but is 0}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x0xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @mha_wq_cols_divisibility(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x8x64xf32>, %wq: tensor<64x66xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{wq columns (dim 1) = 66 must be a multiple of num_heads = 4 (wq is [E, H*D])}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x66xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @mha_wv_cols_divisibility(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x33xf32>, %wo: tensor<64x64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{wv columns (dim 1) = 33 must be a multiple of num_kv_heads = 2 (wv is [E, Hkv*Dv])}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x33xf32>, tensor<64x64xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @mha_query_input_embedding(%xq: tensor<1x8x32xf32>, %xkv: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{query_input embedding size E (dim 2) is 32, but wq rows is 64}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x32xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @mha_kv_input_batch(%xq: tensor<1x8x64xf32>, %xkv: tensor<2x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{kv_input batch size B (dim 0) is 2, but query_input batch size is 1}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<2x8x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @mha_kv_input_embedding(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x8x48xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{kv_input embedding size E (dim 2) is 48, but wq rows is 64}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x48xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @mha_wk_rows(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<32x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{wk rows (dim 0) is 32, but embedding size E is 64}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<32x32xf32>, tensor<64x32xf32>, tensor<64x64xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @mha_wk_cols(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x64xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{wk columns (dim 1) is 64, but num_kv_heads * head dim (Hkv*D) is 32}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x64xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @mha_wv_rows(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<16x32xf32>, %wo: tensor<64x64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{wv rows (dim 0) is 16, but embedding size E is 64}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<16x32xf32>, tensor<64x64xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @mha_wo_rows(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<32x64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{wo rows (dim 0) is 32, but num_heads * value head dim (H*Dv) is 64}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<32x64xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @mha_wo_cols(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x32xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{wo columns (dim 1) is 32, but embedding size E is 64}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x32xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @mha_result_batch(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>) -> tensor<4x8x64xf32> {
  // expected-error @+1 {{result batch size B (dim 0) is 4, but query_input batch size is 1}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32> -> tensor<4x8x64xf32>
  return %y : tensor<4x8x64xf32>
}

// -----

// The result has the query length Sq, not the key length Skv.
func.func @mha_result_seq(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x16x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>) -> tensor<1x16x64xf32> {
  // expected-error @+1 {{result sequence length Sq (dim 1) is 16, but query_input sequence length is 8}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x16x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32> -> tensor<1x16x64xf32>
  return %y : tensor<1x16x64xf32>
}

// -----

func.func @mha_result_embedding(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>) -> tensor<1x8x32xf32> {
  // expected-error @+1 {{result embedding size E (dim 2) is 32, but wq rows is 64}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32> -> tensor<1x8x32xf32>
  return %y : tensor<1x8x32xf32>
}

// -----

func.func @mha_bias_count(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>, %b0: tensor<64xf32>, %b1: tensor<32xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{bias(...) takes 4 operands (bq, bk, bv, bo), but has 2}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo bias(%b0, %b1) {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<32xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @mha_bq_rank(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>, %b0: tensor<4x16xf32>, %b1: tensor<32xf32>, %b2: tensor<32xf32>, %b3: tensor<64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{bq must have rank 1 ([H*D]), but has rank 2}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo bias(%b0, %b1, %b2, %b3) {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32>, tensor<4x16xf32>, tensor<32xf32>, tensor<32xf32>, tensor<64xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @mha_bk_rank(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>, %b0: tensor<64xf32>, %b1: tensor<2x16xf32>, %b2: tensor<32xf32>, %b3: tensor<64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{bk must have rank 1 ([Hkv*D]), but has rank 2}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo bias(%b0, %b1, %b2, %b3) {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<2x16xf32>, tensor<32xf32>, tensor<64xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @mha_bv_rank(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>, %b0: tensor<64xf32>, %b1: tensor<32xf32>, %b2: tensor<f32>, %b3: tensor<64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{bv must have rank 1 ([Hkv*Dv]), but has rank 0}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo bias(%b0, %b1, %b2, %b3) {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<32xf32>, tensor<f32>, tensor<64xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @mha_bo_rank(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>, %b0: tensor<64xf32>, %b1: tensor<32xf32>, %b2: tensor<32xf32>, %b3: tensor<1x64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{bo must have rank 1 ([E]), but has rank 2}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo bias(%b0, %b1, %b2, %b3) {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<32xf32>, tensor<32xf32>, tensor<1x64xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @mha_bq_element(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>, %b0: tensor<64xf16>, %b1: tensor<32xf32>, %b2: tensor<32xf32>, %b3: tensor<64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{bq element type 'f16' does not match query_input element type 'f32'}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo bias(%b0, %b1, %b2, %b3) {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32>, tensor<64xf16>, tensor<32xf32>, tensor<32xf32>, tensor<64xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @mha_bk_element(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>, %b0: tensor<64xf32>, %b1: tensor<32xbf16>, %b2: tensor<32xf32>, %b3: tensor<64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{bk element type 'bf16' does not match query_input element type 'f32'}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo bias(%b0, %b1, %b2, %b3) {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<32xbf16>, tensor<32xf32>, tensor<64xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @mha_bv_element(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>, %b0: tensor<64xf32>, %b1: tensor<32xf32>, %b2: tensor<32xi32>, %b3: tensor<64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{bv element type 'i32' does not match query_input element type 'f32'}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo bias(%b0, %b1, %b2, %b3) {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<32xf32>, tensor<32xi32>, tensor<64xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @mha_bo_element(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>, %b0: tensor<64xf32>, %b1: tensor<32xf32>, %b2: tensor<32xf32>, %b3: tensor<64xf16>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{bo element type 'f16' does not match query_input element type 'f32'}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo bias(%b0, %b1, %b2, %b3) {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<32xf32>, tensor<32xf32>, tensor<64xf16> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @mha_bq_size(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>, %b0: tensor<32xf32>, %b1: tensor<32xf32>, %b2: tensor<32xf32>, %b3: tensor<64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{bq size (dim 0) is 32, but H*D is 64}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo bias(%b0, %b1, %b2, %b3) {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<64xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @mha_bk_size(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>, %b0: tensor<64xf32>, %b1: tensor<64xf32>, %b2: tensor<32xf32>, %b3: tensor<64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{bk size (dim 0) is 64, but Hkv*D is 32}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo bias(%b0, %b1, %b2, %b3) {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<32xf32>, tensor<64xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @mha_bv_size(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>, %b0: tensor<64xf32>, %b1: tensor<32xf32>, %b2: tensor<16xf32>, %b3: tensor<64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{bv size (dim 0) is 16, but Hkv*Dv is 32}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo bias(%b0, %b1, %b2, %b3) {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<32xf32>, tensor<16xf32>, tensor<64xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @mha_bo_size(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>, %b0: tensor<64xf32>, %b1: tensor<32xf32>, %b2: tensor<32xf32>, %b3: tensor<32xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{bo size (dim 0) is 32, but E is 64}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo bias(%b0, %b1, %b2, %b3) {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<32xf32>, tensor<32xf32>, tensor<32xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @mha_mask_rank(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>, %m: tensor<1x8x8xi1>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{mask must have rank 4 (broadcastable to [B, H, Sq, Skv]), but has rank 3}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo mask(%m) {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32>, tensor<1x8x8xi1> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @mha_mask_element(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>, %m: tensor<1x1x8x8xf16>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{mask element type must be i1 or 'f32', but is 'f16'}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo mask(%m) {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32>, tensor<1x1x8x8xf16> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @mha_mask_dim0(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x16x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>, %m: tensor<2x1x8x16xi1>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{mask dim 0 is 2, but must be 1 or B = 1 to broadcast to [B, H, Sq, Skv] = [1, 4, 8, 16]}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo mask(%m) {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x16x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32>, tensor<2x1x8x16xi1> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

// H comes from num_heads; the mask broadcasts over query heads.
func.func @mha_mask_dim1(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x16x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>, %m: tensor<1x2x8x16xi1>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{mask dim 1 is 2, but must be 1 or H = 4 to broadcast to [B, H, Sq, Skv] = [1, 4, 8, 16]}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo mask(%m) {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x16x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32>, tensor<1x2x8x16xi1> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @mha_mask_dim2(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x16x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>, %m: tensor<1x1x16x16xi1>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{mask dim 2 is 16, but must be 1 or Sq = 8 to broadcast to [B, H, Sq, Skv] = [1, 4, 8, 16]}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo mask(%m) {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x16x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32>, tensor<1x1x16x16xi1> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @mha_mask_dim3(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x16x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>, %m: tensor<1x1x8x8xi1>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{mask dim 3 is 8, but must be 1 or Skv = 16 to broadcast to [B, H, Sq, Skv] = [1, 4, 8, 16]}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo mask(%m) {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x8x64xf32>, tensor<1x16x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32>, tensor<1x1x8x8xi1> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @mha_scale_negative(%xq: tensor<1x8x64xf32>, %xkv: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{scale must be finite and positive, but is -1.000000e+00}}
  %y = mha.multi_head_attention %xq, %xkv, %wq, %wk, %wv, %wo {num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = -1.0 : f32}
      : tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32> -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

func.func @attention_alibi_rank(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %a: tensor<1x4xf32>) -> tensor<1x4x8x16xf32> {
  // expected-error @+1 {{alibi slopes must have rank 1 ([H]), but has rank 2}}
  %o = mha.attention %q, %k, %v alibi(%a : tensor<1x4xf32>) 
      : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

func.func @attention_alibi_size(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %a: tensor<2xf32>) -> tensor<1x4x8x16xf32> {
  // expected-error @+1 {{alibi slopes size H (dim 0) is 2, but query head count is 4}}
  %o = mha.attention %q, %k, %v alibi(%a : tensor<2xf32>) 
      : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

func.func @attention_alibi_dtype(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %a: tensor<4xf16>) -> tensor<1x4x8x16xf32> {
  // expected-error @+1 {{alibi slopes element type must be f32, but is 'f16'}}
  %o = mha.attention %q, %k, %v alibi(%a : tensor<4xf16>) 
      : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

func.func @attention_sinks_size(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %a: tensor<8xf32>) -> tensor<1x4x8x16xf32> {
  // expected-error @+1 {{sinks size H (dim 0) is 8, but query head count is 4}}
  %o = mha.attention %q, %k, %v sinks(%a : tensor<8xf32>) 
      : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

func.func @attention_sinks_dtype(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %a: tensor<4xi32>) -> tensor<1x4x8x16xf32> {
  // expected-error @+1 {{sinks element type must be f32, but is 'i32'}}
  %o = mha.attention %q, %k, %v sinks(%a : tensor<4xi32>) 
      : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

func.func @attention_window_size(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x4x8x16xf32> {
  // expected-error @+1 {{window must be [left, right], but has 3 elements}}
  %o = mha.attention %q, %k, %v  {window = [4, 0, 1]}
      : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

func.func @attention_window_left(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x4x8x16xf32> {
  // expected-error @+1 {{window left bound must be >= 0 (or -1 for unbounded), but is -2}}
  %o = mha.attention %q, %k, %v  {window = [-2, 0]}
      : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

func.func @attention_window_right(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x4x8x16xf32> {
  // expected-error @+1 {{window right bound must be >= 0 (or -1 for unbounded), but is -7}}
  %o = mha.attention %q, %k, %v  {window = [4, -7]}
      : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

func.func @attention_softcap_zero(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x4x8x16xf32> {
  // expected-error @+1 {{softcap must be finite and positive, but is 0.000000e+00}}
  %o = mha.attention %q, %k, %v  {softcap = 0.0 : f32}
      : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

func.func @attention_softcap_inf(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x4x8x16xf32> {
  // expected-error @+1 {{softcap must be finite and positive, but is INF}}
  %o = mha.attention %q, %k, %v  {softcap = 0x7F800000 : f32}
      : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

func.func @attention_lse_rank(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x4x8x1xf32> {
  // expected-error @+1 {{lse result must have rank 3 ([B, H, Sq]), but has rank 4}}
  %o, %lse = mha.attention %q, %k, %v
      : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x4x8x16xf32>, tensor<1x4x8x1xf32>
  return %lse : tensor<1x4x8x1xf32>
}

// -----

func.func @attention_lse_dtype(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x4x8xf16> {
  // expected-error @+1 {{lse result element type must be f32, but is 'f16'}}
  %o, %lse = mha.attention %q, %k, %v
      : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x4x8x16xf32>, tensor<1x4x8xf16>
  return %lse : tensor<1x4x8xf16>
}

// -----

func.func @attention_lse_heads(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x2x8xf32> {
  // expected-error @+1 {{lse result head count H (dim 1) is 2, but query head count is 4}}
  %o, %lse = mha.attention %q, %k, %v
      : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x4x8x16xf32>, tensor<1x2x8xf32>
  return %lse : tensor<1x2x8xf32>
}

// -----

func.func @attention_lse_sq(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x4x9xf32> {
  // expected-error @+1 {{lse result sequence length Sq (dim 2) is 9, but query sequence length is 8}}
  %o, %lse = mha.attention %q, %k, %v
      : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x4x8x16xf32>, tensor<1x4x9xf32>
  return %lse : tensor<1x4x9xf32>
}

// -----

func.func @attention_window_not_array(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x4x8x16xf32> {
  // expected-error @+1 {{attribute 'window' failed to satisfy constraint: 64-bit integer array attribute}}
  %o = mha.attention %q, %k, %v {window = 4 : i64}
      : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}

// -----

func.func @score_mod_arg_count(%q: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  // expected-error @+1 {{score_mod region must have 5 block arguments (score, b, h, q_idx, kv_idx), but has 4}}
  %o = mha.attention %q, %q, %q
      : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x2x8x16xf32>
    score_mod {
    ^bb0(%s: f32, %b: index, %h: index, %i: index):
      mha.yield %s : f32
    }
  return %o : tensor<1x2x8x16xf32>
}

// -----

func.func @score_mod_score_type(%q: tensor<1x2x8x16xf16>) -> tensor<1x2x8x16xf16> {
  // expected-error @+1 {{score_mod block argument #0 ('score') must be 'f32', but is 'f16'}}
  %o = mha.attention %q, %q, %q
      : tensor<1x2x8x16xf16>, tensor<1x2x8x16xf16>, tensor<1x2x8x16xf16> -> tensor<1x2x8x16xf16>
    score_mod {
    ^bb0(%s: f16, %b: index, %h: index, %i: index, %j: index):
      mha.yield %s : f16
    }
  return %o : tensor<1x2x8x16xf16>
}

// -----

func.func @score_mod_index_type(%q: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  // expected-error @+1 {{score_mod block argument #4 ('kv_idx') must be 'index', but is 'i32'}}
  %o = mha.attention %q, %q, %q
      : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x2x8x16xf32>
    score_mod {
    ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: i32):
      mha.yield %s : f32
    }
  return %o : tensor<1x2x8x16xf32>
}

// -----

func.func @score_mod_yield_type(%q: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  // expected-error @+1 {{score_mod region must yield 'f32', but yields 'index'}}
  %o = mha.attention %q, %q, %q
      : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x2x8x16xf32>
    score_mod {
    ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
      mha.yield %j : index
    }
  return %o : tensor<1x2x8x16xf32>
}

// -----

func.func @mask_mod_arg_count(%q: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  // expected-error @+1 {{mask_mod region must have 4 block arguments (b, h, q_idx, kv_idx), but has 5}}
  %o = mha.attention %q, %q, %q
      : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x2x8x16xf32>
    mask_mod {
    ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
      %p = arith.cmpi ule, %j, %i : index
      mha.yield %p : i1
    }
  return %o : tensor<1x2x8x16xf32>
}

// -----

func.func @mask_mod_yield_type(%q: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  // expected-error @+1 {{mask_mod region must yield 'i1', but yields 'index'}}
  %o = mha.attention %q, %q, %q
      : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x2x8x16xf32>
    mask_mod {
    ^bb0(%b: index, %h: index, %i: index, %j: index):
      mha.yield %j : index
    }
  return %o : tensor<1x2x8x16xf32>
}

// -----

func.func @mask_mod_side_effect(%q: tensor<1x2x8x16xf32>, %buf: memref<8xi1>) -> tensor<1x2x8x16xf32> {
  // expected-error @+1 {{mask_mod region may only hold ops without memory effects, but 'memref.load' may have them}}
  %o = mha.attention %q, %q, %q
      : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x2x8x16xf32>
    mask_mod {
    ^bb0(%b: index, %h: index, %i: index, %j: index):
      // expected-note @+1 {{see the op here}}
      %p = memref.load %buf[%i] : memref<8xi1>
      mha.yield %p : i1
    }
  return %o : tensor<1x2x8x16xf32>
}

// -----

func.func @score_mod_two_blocks(%q: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  // expected-error @+1 {{score_mod region must have one block, but has 2}}
  %o = mha.attention %q, %q, %q
      : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x2x8x16xf32>
    score_mod {
    ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
      cf.br ^bb1
    ^bb1:
      mha.yield %s : f32
    }
  return %o : tensor<1x2x8x16xf32>
}

// -----

func.func @yield_outside(%x: f32) {
  // expected-error @+1 {{'mha.yield' op expects parent op 'mha.attention'}}
  mha.yield %x : f32
}
