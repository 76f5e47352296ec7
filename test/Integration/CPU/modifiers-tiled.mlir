// score_mod / mask_mod through the cpu pipeline (mha-tile-attention with
// tile classification) against the reference pipeline and the C++ float64
// oracle, with tiles small enough that every class occurs: kv tiles outside
// an affine mask's range (not visited), empty tiles inside it (skipped),
// full tiles (no select) and partial ones (select), padded tiles (Sq, Skv
// not multiples of the tiles), and data-dependent masks classified by the
// pre-pass.
//
// RUN: mha-run %s --entry=prefix_lm_gqa --seed=1 --verify --pipeline-options="q-tile=8 kv-tile=8" | FileCheck %s
// RUN: mha-run %s --entry=prefix_lm_gqa --seed=1 --verify --pipeline-options="q-tile=16 kv-tile=4" | FileCheck %s
// RUN: mha-run %s --entry=window_mod_padded_bf16 --seed=2 --verify --pipeline-options="q-tile=4 kv-tile=8" | FileCheck %s
// RUN: mha-run %s --entry=window_mod_padded_bf16 --seed=2 --verify --pipeline-options="q-tile=8 kv-tile=4" | FileCheck %s
// RUN: mha-run %s --entry=documents_cross_f16 --seed=3 --verify --pipeline-options="q-tile=4 kv-tile=4" | FileCheck %s
// RUN: mha-run %s --entry=documents_cross_f16 --seed=3 --verify --pipeline-options="q-tile=8 kv-tile=16" | FileCheck %s
// RUN: mha-run %s --entry=head_dependent_rows_masked --seed=4 --verify --pipeline-options="q-tile=4 kv-tile=4" | FileCheck %s --check-prefixes=CHECK,LSE
// RUN: mha-run %s --entry=causal_and_affine_disjunction --seed=5 --verify --pipeline-options="q-tile=8 kv-tile=8" | FileCheck %s
// RUN: mha-run %s --entry=score_mod_only --seed=6 --verify --pipeline-options="q-tile=4 kv-tile=4" | FileCheck %s
//
// The entries of modifiers.mlir, on the cpu pipeline.
// RUN: mha-run %S/modifiers.mlir --entry=softcap_mod --seed=1 --verify --pipeline-options="q-tile=4 kv-tile=4" | FileCheck %s
// RUN: mha-run %S/modifiers.mlir --entry=alibi_mod --seed=2 --verify --pipeline-options="q-tile=4 kv-tile=8" | FileCheck %s
// RUN: mha-run %S/modifiers.mlir --entry=window_mod --seed=3 --verify --pipeline-options="q-tile=4 kv-tile=4" | FileCheck %s
// RUN: mha-run %S/modifiers.mlir --entry=document_causal --seed=4 --verify --pipeline-options="q-tile=2 kv-tile=2" | FileCheck %s
// RUN: mha-run %S/modifiers.mlir --entry=prefix_lm_empty_rows_bf16 --seed=5 --verify --pipeline-options="q-tile=4 kv-tile=2" | FileCheck %s --check-prefixes=CHECK,LSE
// RUN: mha-run %S/modifiers.mlir --entry=everything --seed=6 --verify --pipeline-options="q-tile=4 kv-tile=4" | FileCheck %s --check-prefixes=CHECK,LSE
// RUN: mha-run %S/modifiers.mlir --entry=integer_ops --seed=7 --verify --pipeline-options="q-tile=8 kv-tile=4" | FileCheck %s

// CHECK: verify result 0 vs reference: {{.*}} mismatches=0 PASS
// CHECK: verify result 0 vs oracle: {{.*}} mismatches=0 PASS
// LSE: verify result 1 vs oracle: {{.*}} mismatches=0 PASS
// CHECK: {{^PASS$}}

// Prefix-LM (the first 10 keys visible to every query, the rest causal),
// written with unsigned compares as users do; GQA 4/2.
func.func @prefix_lm_gqa(%q: tensor<1x4x40x16xf32>, %k: tensor<1x2x40x16xf32>, %v: tensor<1x2x40x16xf32>) -> tensor<1x4x40x16xf32> {
  %o = mha.attention %q, %k, %v : tensor<1x4x40x16xf32>, tensor<1x2x40x16xf32>, tensor<1x2x40x16xf32> -> tensor<1x4x40x16xf32>
    mask_mod {
    ^bb0(%b: index, %h: index, %i: index, %j: index):
      %c10 = arith.constant 10 : index
      %prefix = arith.cmpi ult, %j, %c10 : index
      %causal = arith.cmpi ule, %j, %i : index
      %p = arith.ori %prefix, %causal : i1
      mha.yield %p : i1
    }
  return %o : tensor<1x4x40x16xf32>
}

// A sliding window [i + 16 - 6, i + 16] with bottom-right alignment
// written by hand, Sq = 13 < Skv = 29: padded query and kv tiles, and the
// last kv tile cut by the range bound.
func.func @window_mod_padded_bf16(%q: tensor<2x2x13x16xbf16>, %k: tensor<2x2x29x16xbf16>, %v: tensor<2x2x29x16xbf16>) -> tensor<2x2x13x16xbf16> {
  %o = mha.attention %q, %k, %v : tensor<2x2x13x16xbf16>, tensor<2x2x29x16xbf16>, tensor<2x2x29x16xbf16> -> tensor<2x2x13x16xbf16>
    mask_mod {
    ^bb0(%b: index, %h: index, %i: index, %j: index):
      %c16 = arith.constant 16 : index
      %c6 = arith.constant 6 : index
      %ip = arith.addi %i, %c16 : index
      %lo = arith.subi %ip, %c6 : index
      %past = arith.cmpi sle, %j, %ip : index
      %near = arith.cmpi sge, %j, %lo : index
      %p = arith.andi %past, %near : i1
      mha.yield %p : i1
    }
  return %o : tensor<2x2x13x16xbf16>
}

// Cross attention over packed documents with separate query and key ids
// (data dependent: classified by the pre-pass), Sq = 12, Skv = 20, f16,
// GQA 2/1. Query 11 is in a document without keys: an empty row.
func.func @documents_cross_f16(%q: tensor<1x2x12x16xf16>, %k: tensor<1x1x20x16xf16>, %v: tensor<1x1x20x16xf16>) -> tensor<1x2x12x16xf16> {
  %dq = arith.constant dense<[0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 5]> : tensor<12xi32>
  %dk = arith.constant dense<[0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2]> : tensor<20xi32>
  %o = mha.attention %q, %k, %v : tensor<1x2x12x16xf16>, tensor<1x1x20x16xf16>, tensor<1x1x20x16xf16> -> tensor<1x2x12x16xf16>
    mask_mod {
    ^bb0(%b: index, %h: index, %i: index, %j: index):
      %di = tensor.extract %dq[%i] : tensor<12xi32>
      %dj = tensor.extract %dk[%j] : tensor<20xi32>
      %p = arith.cmpi eq, %di, %dj : i32
      mha.yield %p : i1
    }
  return %o : tensor<1x2x12x16xf16>
}

// A mask that reads the head (data dependent, one table per head): head 1
// hides every key from queries 0..5 (empty rows: 0 and lse = -inf), head 0
// sees keys j >= i - 3 only; with the lse result and causal.
func.func @head_dependent_rows_masked(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf32>) -> (tensor<1x2x16x8xf32>, tensor<1x2x16xf32>) {
  %o, %lse = mha.attention %q, %k, %v {causal} : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32> -> tensor<1x2x16x8xf32>, tensor<1x2x16xf32>
    mask_mod {
    ^bb0(%b: index, %h: index, %i: index, %j: index):
      %c0 = arith.constant 0 : index
      %c3 = arith.constant 3 : index
      %c6 = arith.constant 6 : index
      %h0 = arith.cmpi eq, %h, %c0 : index
      %j3 = arith.addi %j, %c3 : index
      %near = arith.cmpi sge, %j3, %i : index
      %late = arith.cmpi sge, %i, %c6 : index
      %p = arith.select %h0, %near, %late : i1
      mha.yield %p : i1
    }
  return %o, %lse : tensor<1x2x16x8xf32>, tensor<1x2x16xf32>
}

// causal AND (kv < 4 OR q - kv in [0, 7] OR kv = 2 * q - 30): an affine
// disjunction inside a conjunction; the last atom has coefficient 2.
func.func @causal_and_affine_disjunction(%q: tensor<1x1x48x16xf32>, %k: tensor<1x1x48x16xf32>, %v: tensor<1x1x48x16xf32>) -> tensor<1x1x48x16xf32> {
  %o = mha.attention %q, %k, %v {causal} : tensor<1x1x48x16xf32>, tensor<1x1x48x16xf32>, tensor<1x1x48x16xf32> -> tensor<1x1x48x16xf32>
    mask_mod {
    ^bb0(%b: index, %h: index, %i: index, %j: index):
      %c2 = arith.constant 2 : index
      %c4 = arith.constant 4 : index
      %c7 = arith.constant 7 : index
      %c30 = arith.constant 30 : index
      %sink = arith.cmpi slt, %j, %c4 : index
      %d = arith.subi %i, %j : index
      %d0 = arith.cmpi sge, %d, %c4 : index
      %d7 = arith.cmpi sle, %d, %c7 : index
      %band = arith.andi %d0, %d7 : i1
      %i2 = arith.muli %i, %c2 : index
      %t = arith.subi %i2, %c30 : index
      %diag2 = arith.cmpi eq, %j, %t : index
      %x = arith.ori %sink, %band : i1
      %p = arith.ori %x, %diag2 : i1
      mha.yield %p : i1
    }
  return %o : tensor<1x1x48x16xf32>
}

// score_mod alone, reading a captured per-key bias at kv_idx, on padded
// tiles (Skv = 11).
func.func @score_mod_only(%q: tensor<1x2x9x8xf32>, %k: tensor<1x2x11x8xf32>, %v: tensor<1x2x11x8xf32>) -> tensor<1x2x9x8xf32> {
  %bias = arith.constant dense<[0.5, -1.0, 0.25, 2.0, 0.0, -0.5, 1.5, -2.0, 0.75, 1.0, -0.25]> : tensor<11xf32>
  %o = mha.attention %q, %k, %v : tensor<1x2x9x8xf32>, tensor<1x2x11x8xf32>, tensor<1x2x11x8xf32> -> tensor<1x2x9x8xf32>
    score_mod {
    ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
      %x = tensor.extract %bias[%j] : tensor<11xf32>
      %r = arith.addf %s, %x : f32
      mha.yield %r : f32
    }
  return %o : tensor<1x2x9x8xf32>
}
