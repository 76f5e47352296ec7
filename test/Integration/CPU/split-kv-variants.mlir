// Attention variants and modifiers in decode shapes (Sq = 1 and 4) through
// mha-cpu-pipeline's flash-decoding (mha-split-kv), against the reference
// pipeline and the float64 C++ oracle (every result, lse included). Each
// split covers a kv sub-range: the modifiers must see global kv_idx, sinks
// join the combine once, the lse comes from the combine, and the tile
// classification (affine kv ranges, empty / full / partial tiles, the
// data-dependent pre-pass) works per split. Skv is never a multiple of the
// kv tile; kv-splits=3 kv-tile=16 forces splits (some of them empty under
// a window), threads=2 takes the cost model (packed GQA rows without a
// split where the variants allow it).
//
// RUN: mha-run %s --entry=window_gqa_sq1 --seed=1 --verify --pipeline-options="kv-splits=3 kv-tile=16" | FileCheck %s --check-prefixes=CHECK,LSE
// RUN: mha-run %s --entry=window_gqa_sq1 --seed=1 --verify --pipeline-options="threads=4 min-split-bytes=1024" | FileCheck %s --check-prefixes=CHECK,LSE
// RUN: mha-run %s --entry=softcap_alibi_sq4 --seed=2 --verify --pipeline-options="kv-splits=3 kv-tile=16" | FileCheck %s --check-prefixes=CHECK,LSE
// RUN: mha-run %s --entry=sinks_lse_gqa_sq1 --seed=3 --verify --pipeline-options="kv-splits=3 kv-tile=16" | FileCheck %s --check-prefixes=CHECK,LSE
// RUN: mha-run %s --entry=sinks_lse_gqa_sq1 --seed=3 --verify --pipeline-options="threads=2" | FileCheck %s --check-prefixes=CHECK,LSE
// RUN: mha-run %s --entry=sinks_lse_gqa_sq1 --seed=3 --verify --pipeline-options="kv-splits=3 kv-tile=16 pack-heads=false" | FileCheck %s --check-prefixes=CHECK,LSE
// RUN: mha-run %s --entry=score_mod_sq4 --seed=4 --verify --pipeline-options="kv-splits=3 kv-tile=16" | FileCheck %s
// RUN: mha-run %s --entry=affine_mask_rows_masked_sq4 --seed=5 --verify --pipeline-options="kv-splits=3 kv-tile=16" | FileCheck %s --check-prefixes=CHECK,LSE
// RUN: mha-run %s --entry=affine_mask_rows_masked_sq4 --seed=5 --verify --pipeline-options="kv-splits=4 kv-tile=8" | FileCheck %s --check-prefixes=CHECK,LSE
// RUN: mha-run %s --entry=documents_sq4_bf16 --seed=6 --verify --pipeline-options="kv-splits=3 kv-tile=16" | FileCheck %s --check-prefixes=CHECK,LSE
// RUN: mha-run %s --entry=documents_sq4_bf16 --seed=6 --verify --pipeline-options="kv-splits=2 kv-tile=8" | FileCheck %s --check-prefixes=CHECK,LSE

// CHECK: verify result 0 vs reference: {{.*}} mismatches=0 PASS
// CHECK: verify result 0 vs oracle: {{.*}} mismatches=0 PASS
// LSE: verify result 1 vs oracle: {{.*}} mismatches=0 PASS
// CHECK: {{^PASS$}}

// A sliding window of 37 keys (plus the query's own), GQA 8/2, Skv = 100:
// the splits before the window are empty, the one across its left edge
// selects. The window trims each split's kv loop.
func.func @window_gqa_sq1(%q: tensor<2x8x1x16xf32>, %k: tensor<2x2x100x16xf32>, %v: tensor<2x2x100x16xf32>) -> (tensor<2x8x1x16xf32>, tensor<2x8x1xf32>) {
  %o, %lse = mha.attention %q, %k, %v {window = [37, 0]} : tensor<2x8x1x16xf32>, tensor<2x2x100x16xf32>, tensor<2x2x100x16xf32> -> tensor<2x8x1x16xf32>, tensor<2x8x1xf32>
  return %o, %lse : tensor<2x8x1x16xf32>, tensor<2x8x1xf32>
}

// softcap and ALiBi (the bias depends on the global key: slope * (j - i')),
// causal with Sq = 4 (bottom-right: the last keys are hidden from the first
// queries), GQA 4/2, Skv = 90.
func.func @softcap_alibi_sq4(%q: tensor<1x4x4x16xf32>, %k: tensor<1x2x90x16xf32>, %v: tensor<1x2x90x16xf32>, %slopes: tensor<4xf32>) -> (tensor<1x4x4x16xf32>, tensor<1x4x4xf32>) {
  %o, %lse = mha.attention %q, %k, %v alibi(%slopes : tensor<4xf32>) {causal, softcap = 2.5 : f32} : tensor<1x4x4x16xf32>, tensor<1x2x90x16xf32>, tensor<1x2x90x16xf32> -> tensor<1x4x4x16xf32>, tensor<1x4x4xf32>
  return %o, %lse : tensor<1x4x4x16xf32>, tensor<1x4x4xf32>
}

// Sinks (one extra logit per head in the combined denominator, not per
// split) and the lse, GQA 8/2 (packed rows when not split), Skv = 77.
func.func @sinks_lse_gqa_sq1(%q: tensor<1x8x1x16xf32>, %k: tensor<1x2x77x16xf32>, %v: tensor<1x2x77x16xf32>, %sinks: tensor<8xf32>) -> (tensor<1x8x1x16xf32>, tensor<1x8x1xf32>) {
  %o, %lse = mha.attention %q, %k, %v sinks(%sinks : tensor<8xf32>) : tensor<1x8x1x16xf32>, tensor<1x2x77x16xf32>, tensor<1x2x77x16xf32> -> tensor<1x8x1x16xf32>, tensor<1x8x1xf32>
  return %o, %lse : tensor<1x8x1x16xf32>, tensor<1x8x1xf32>
}

// score_mod with every index: a per-head table times the distance
// kv_idx - q_idx plus a captured per-key bias, Sq = 4, Skv = 45.
func.func @score_mod_sq4(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x45x8xf32>, %v: tensor<1x2x45x8xf32>) -> tensor<1x2x4x8xf32> {
  %rate = arith.constant dense<[0.03, -0.05]> : tensor<2xf32>
  %bias = arith.constant dense<[0.5, -1.0, 0.25, 2.0, 0.0, -0.5, 1.5, -2.0, 0.75]> : tensor<9xf32>
  %o = mha.attention %q, %k, %v : tensor<1x2x4x8xf32>, tensor<1x2x45x8xf32>, tensor<1x2x45x8xf32> -> tensor<1x2x4x8xf32>
    score_mod {
    ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
      %c9 = arith.constant 9 : index
      %r = tensor.extract %rate[%h] : tensor<2xf32>
      %d = arith.subi %j, %i : index
      %di = arith.index_cast %d : index to i64
      %df = arith.sitofp %di : i64 to f32
      %jm = arith.remui %j, %c9 : index
      %x = tensor.extract %bias[%jm] : tensor<9xf32>
      %t = arith.mulf %r, %df : f32
      %u = arith.addf %s, %t : f32
      %w = arith.addf %u, %x : f32
      mha.yield %w : f32
    }
  return %o : tensor<1x2x4x8xf32>
}

// An affine mask (analysed: kv ranges and tile classes per split): the
// first 6 keys, or a band of 20 keys ending at the aligned query, except
// that query 1 sees nothing (rows that see no key: 0 and lse = -inf).
// Sq = 4, Skv = 70.
func.func @affine_mask_rows_masked_sq4(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x70x8xf32>, %v: tensor<1x2x70x8xf32>) -> (tensor<1x2x4x8xf32>, tensor<1x2x4xf32>) {
  %o, %lse = mha.attention %q, %k, %v : tensor<1x2x4x8xf32>, tensor<1x2x70x8xf32>, tensor<1x2x70x8xf32> -> tensor<1x2x4x8xf32>, tensor<1x2x4xf32>
    mask_mod {
    ^bb0(%b: index, %h: index, %i: index, %j: index):
      %c1 = arith.constant 1 : index
      %c6 = arith.constant 6 : index
      %c19 = arith.constant 19 : index
      %c66 = arith.constant 66 : index
      %ip = arith.addi %i, %c66 : index
      %lo = arith.subi %ip, %c19 : index
      %prefix = arith.cmpi slt, %j, %c6 : index
      %past = arith.cmpi sle, %j, %ip : index
      %near = arith.cmpi sge, %j, %lo : index
      %band = arith.andi %past, %near : i1
      %any = arith.ori %prefix, %band : i1
      %not1 = arith.cmpi ne, %i, %c1 : index
      %p = arith.andi %any, %not1 : i1
      mha.yield %p : i1
    }
  return %o, %lse : tensor<1x2x4x8xf32>, tensor<1x2x4xf32>
}

// Document ids (data dependent: the pre-pass classifies each split's
// tiles), bf16, Sq = 4 queries of documents 1, 1, 3 and 4 over 50 keys of
// documents 0..3: query 3 (document 4) sees no key.
func.func @documents_sq4_bf16(%q: tensor<1x2x4x16xbf16>, %k: tensor<1x1x50x16xbf16>, %v: tensor<1x1x50x16xbf16>) -> (tensor<1x2x4x16xbf16>, tensor<1x2x4xf32>) {
  %dq = arith.constant dense<[1, 1, 3, 4]> : tensor<4xi32>
  %dk = arith.constant dense<[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3]> : tensor<50xi32>
  %o, %lse = mha.attention %q, %k, %v : tensor<1x2x4x16xbf16>, tensor<1x1x50x16xbf16>, tensor<1x1x50x16xbf16> -> tensor<1x2x4x16xbf16>, tensor<1x2x4xf32>
    mask_mod {
    ^bb0(%b: index, %h: index, %i: index, %j: index):
      %di = tensor.extract %dq[%i] : tensor<4xi32>
      %dj = tensor.extract %dk[%j] : tensor<50xi32>
      %p = arith.cmpi eq, %di, %dj : i32
      mha.yield %p : i1
    }
  return %o, %lse : tensor<1x2x4x16xbf16>, tensor<1x2x4xf32>
}

// Packed GQA rows with a broadcast float mask and kv tiles of one key,
// Sq = 16 (the lse makes it a split-kv op since the variants are split):
// the mask element of a one-key tile is a 0-d read (mha-vectorize-rows makes
// it a tensor.extract, which lowers from a strided slice).
// RUN: mha-run %s --entry=mask_kv_tile_1 --seed=7 --verify --pipeline-options="kv-tile=1 kv-splits=3 threads=3" | FileCheck %s --check-prefixes=CHECK,LSE
func.func @mask_kv_tile_1(%q: tensor<2x4x16x16xf32>, %k: tensor<2x1x7x16xf32>, %v: tensor<2x1x7x16xf32>, %m: tensor<1x1x1x7xf32>) -> (tensor<2x4x16x16xf32>, tensor<2x4x16xf32>) {
  %o, %lse = mha.attention %q, %k, %v mask(%m) : tensor<2x4x16x16xf32>, tensor<2x1x7x16xf32>, tensor<2x1x7x16xf32>, tensor<1x1x1x7xf32> -> tensor<2x4x16x16xf32>, tensor<2x4x16xf32>
  return %o, %lse : tensor<2x4x16x16xf32>, tensor<2x4x16xf32>
}
