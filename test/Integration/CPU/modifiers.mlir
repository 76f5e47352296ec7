// The programmable modifiers (score_mod / mask_mod regions) through
// `mha-run --verify`: the reference pipeline, which inlines the regions in
// its linalg bodies, against the C++ float64 oracle, which interprets them.
//
// RUN: mha-run %s --pipeline=reference --entry=softcap_mod --seed=1 --verify | FileCheck %s
// RUN: mha-run %s --pipeline=reference --entry=alibi_mod --seed=2 --verify | FileCheck %s
// RUN: mha-run %s --pipeline=reference --entry=window_mod --seed=3 --verify | FileCheck %s
// RUN: mha-run %s --pipeline=reference --entry=document_causal --seed=4 --verify | FileCheck %s
// RUN: mha-run %s --pipeline=reference --entry=prefix_lm_empty_rows_bf16 --seed=5 --verify | FileCheck %s --check-prefixes=CHECK,LSE
// RUN: mha-run %s --pipeline=reference --entry=everything --seed=6 --verify | FileCheck %s --check-prefixes=CHECK,LSE
// RUN: mha-run %s --pipeline=reference --entry=integer_ops --seed=7 --verify | FileCheck %s
//
// Every named variant has an equivalent modifier: the same inputs (same
// seed and signature) give the same outputs through the reference pipeline.
// RUN: rm -rf %t && mkdir -p %t
// RUN: mha-run %s --pipeline=reference --entry=softcap_named --seed=1 --output=%t/softcap-named.npy
// RUN: mha-run %s --pipeline=reference --entry=softcap_mod --seed=1 --output=%t/softcap-mod.npy
// RUN: mha-run %s --pipeline=reference --entry=alibi_named --seed=2 --output=%t/alibi-named.npy
// RUN: mha-run %s --pipeline=reference --entry=alibi_mod --seed=2 --output=%t/alibi-mod.npy
// RUN: mha-run %s --pipeline=reference --entry=window_named --seed=3 --output=%t/window-named.npy
// RUN: mha-run %s --pipeline=reference --entry=window_mod --seed=3 --output=%t/window-mod.npy
// RUN: %python %S/Inputs/same-npy.py %t/softcap-named.npy %t/softcap-mod.npy | FileCheck %s --check-prefix=SAME
// RUN: %python %S/Inputs/same-npy.py %t/alibi-named.npy %t/alibi-mod.npy | FileCheck %s --check-prefix=SAME
// RUN: %python %S/Inputs/same-npy.py %t/window-named.npy %t/window-mod.npy | FileCheck %s --check-prefix=SAME
// And a modifier that changes something is not equivalent (the check can fail).
// RUN: not %python %S/Inputs/same-npy.py %t/softcap-named.npy %t/window-mod.npy
//
// An op the oracle cannot interpret is named, never skipped.
// RUN: %expect_exit 2 mha-run %s --pipeline=reference --entry=unsupported_in_oracle --seed=1 --verify 2>&1 | FileCheck %s --check-prefix=NO-ORACLE
// The cpu pipeline does not implement the modifiers yet and says so.
// RUN: %expect_exit 2 mha-run %s --entry=document_causal --seed=4 2>&1 | FileCheck %s --check-prefix=REFUSED

// CHECK: verify result 0 vs oracle: {{.*}} mismatches=0 PASS
// LSE: verify result 1 vs oracle: {{.*}} mismatches=0 PASS
// CHECK: {{^PASS$}}
// SAME: SAME
// NO-ORACLE: mha-run: error: the C++ oracle cannot evaluate 'math.atan' in the score_mod region of mha.attention
// REFUSED: 'mha.attention' op variant 'mask_mod' is not supported by mha-tile-attention yet

// softcap = 0.5 as a score_mod: 0.5 * tanh(score / 0.5). GQA 4/2, Sq < Skv,
// f16 inputs (the score is f32 either way).
func.func @softcap_named(%q: tensor<2x4x8x16xf16>, %k: tensor<2x2x12x16xf16>, %v: tensor<2x2x12x16xf16>) -> tensor<2x4x8x16xf16> {
  %o = mha.attention %q, %k, %v {softcap = 0.5 : f32} : tensor<2x4x8x16xf16>, tensor<2x2x12x16xf16>, tensor<2x2x12x16xf16> -> tensor<2x4x8x16xf16>
  return %o : tensor<2x4x8x16xf16>
}
func.func @softcap_mod(%q: tensor<2x4x8x16xf16>, %k: tensor<2x2x12x16xf16>, %v: tensor<2x2x12x16xf16>) -> tensor<2x4x8x16xf16> {
  %o = mha.attention %q, %k, %v : tensor<2x4x8x16xf16>, tensor<2x2x12x16xf16>, tensor<2x2x12x16xf16> -> tensor<2x4x8x16xf16>
    score_mod {
    ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
      %c = arith.constant 0.5 : f32
      %d = arith.divf %s, %c : f32
      %t = math.tanh %d : f32
      %r = arith.mulf %t, %c : f32
      mha.yield %r : f32
    }
  return %o : tensor<2x4x8x16xf16>
}

// ALiBi as a score_mod reading the slopes argument: slopes[h] * (j - i')
// with the bottom-right aligned i' = i + Skv - Sq = i + 4.
func.func @alibi_named(%q: tensor<1x4x8x16xf32>, %k: tensor<1x1x12x16xf32>, %v: tensor<1x1x12x16xf32>, %slopes: tensor<4xf32>) -> tensor<1x4x8x16xf32> {
  %o = mha.attention %q, %k, %v alibi(%slopes : tensor<4xf32>) {causal} : tensor<1x4x8x16xf32>, tensor<1x1x12x16xf32>, tensor<1x1x12x16xf32> -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}
func.func @alibi_mod(%q: tensor<1x4x8x16xf32>, %k: tensor<1x1x12x16xf32>, %v: tensor<1x1x12x16xf32>, %slopes: tensor<4xf32>) -> tensor<1x4x8x16xf32> {
  %o = mha.attention %q, %k, %v {causal} : tensor<1x4x8x16xf32>, tensor<1x1x12x16xf32>, tensor<1x1x12x16xf32> -> tensor<1x4x8x16xf32>
    score_mod {
    ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
      %slope = tensor.extract %slopes[%h] : tensor<4xf32>
      %c4 = arith.constant 4 : index
      %ip = arith.addi %i, %c4 : index
      %d = arith.subi %j, %ip : index
      %di = arith.index_cast %d : index to i64
      %df = arith.sitofp %di : i64 to f32
      %bias = arith.mulf %slope, %df : f32
      %r = arith.addf %s, %bias : f32
      mha.yield %r : f32
    }
  return %o : tensor<1x4x8x16xf32>
}

// window = [3, 1] as a mask_mod: i' - 3 <= j <= i' + 1, i' = i + 9.
func.func @window_named(%q: tensor<1x2x7x8xf32>, %k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf32>) -> tensor<1x2x7x8xf32> {
  %o = mha.attention %q, %k, %v {window = [3, 1]} : tensor<1x2x7x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32> -> tensor<1x2x7x8xf32>
  return %o : tensor<1x2x7x8xf32>
}
func.func @window_mod(%q: tensor<1x2x7x8xf32>, %k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf32>) -> tensor<1x2x7x8xf32> {
  %o = mha.attention %q, %k, %v : tensor<1x2x7x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32> -> tensor<1x2x7x8xf32>
    mask_mod {
    ^bb0(%b: index, %h: index, %i: index, %j: index):
      %c9 = arith.constant 9 : index
      %c3 = arith.constant 3 : index
      %c1 = arith.constant 1 : index
      %ip = arith.addi %i, %c9 : index
      %jl = arith.addi %j, %c3 : index
      %lo = arith.cmpi sge, %jl, %ip : index
      %hi_bound = arith.addi %ip, %c1 : index
      %hi = arith.cmpi sle, %j, %hi_bound : index
      %p = arith.andi %lo, %hi : i1
      mha.yield %p : i1
    }
  return %o : tensor<1x2x7x8xf32>
}

// A packed batch of three documents (ids are a constant captured by the
// region), causal within each.
func.func @document_causal(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  %doc = arith.constant dense<[0, 0, 0, 1, 1, 2, 2, 2]> : tensor<8xi32>
  %o = mha.attention %q, %k, %v {causal} : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x2x8x16xf32>
    mask_mod {
    ^bb0(%b: index, %h: index, %i: index, %j: index):
      %di = tensor.extract %doc[%i] : tensor<8xi32>
      %dj = tensor.extract %doc[%j] : tensor<8xi32>
      %p = arith.cmpi eq, %di, %dj : i32
      mha.yield %p : i1
    }
  return %o : tensor<1x2x8x16xf32>
}

// Prefix-LM (the first 3 keys are visible to every query, the rest
// causally), with query rows 2 and 5 seeing no key at all: zeros and
// lse = -inf. bf16.
func.func @prefix_lm_empty_rows_bf16(%q: tensor<2x2x8x16xbf16>, %k: tensor<2x2x8x16xbf16>, %v: tensor<2x2x8x16xbf16>) -> (tensor<2x2x8x16xbf16>, tensor<2x2x8xf32>) {
  %o, %lse = mha.attention %q, %k, %v : tensor<2x2x8x16xbf16>, tensor<2x2x8x16xbf16>, tensor<2x2x8x16xbf16> -> tensor<2x2x8x16xbf16>, tensor<2x2x8xf32>
    mask_mod {
    ^bb0(%b: index, %h: index, %i: index, %j: index):
      %c3 = arith.constant 3 : index
      %c2 = arith.constant 2 : index
      %c5 = arith.constant 5 : index
      %prefix = arith.cmpi ult, %j, %c3 : index
      %causal = arith.cmpi ule, %j, %i : index
      %seen = arith.ori %prefix, %causal : i1
      %row2 = arith.cmpi ne, %i, %c2 : index
      %row5 = arith.cmpi ne, %i, %c5 : index
      %rows = arith.andi %row2, %row5 : i1
      %p = arith.andi %seen, %rows : i1
      mha.yield %p : i1
    }
  return %o, %lse : tensor<2x2x8x16xbf16>, tensor<2x2x8xf32>
}

// Named variants and both modifiers together, in the documented order:
// scale -> softcap -> alibi -> score_mod -> masks (causal, window, mask
// tensor, mask_mod) -> softmax with sinks.
func.func @everything(%q: tensor<2x4x6x8xf32>, %k: tensor<2x2x10x8xf32>, %v: tensor<2x2x10x8xf32>, %m: tensor<2x1x6x10xi1>, %slopes: tensor<4xf32>, %sinks: tensor<4xf32>) -> (tensor<2x4x6x8xf32>, tensor<2x4x6xf32>) {
  %o, %lse = mha.attention %q, %k, %v mask(%m) alibi(%slopes : tensor<4xf32>) sinks(%sinks : tensor<4xf32>)
      {causal, window = [5, 0], softcap = 2.0 : f32, scale = 0.5 : f32}
      : tensor<2x4x6x8xf32>, tensor<2x2x10x8xf32>, tensor<2x2x10x8xf32>, tensor<2x1x6x10xi1> -> tensor<2x4x6x8xf32>, tensor<2x4x6xf32>
    score_mod {
    ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
      %hb = arith.addi %h, %b : index
      %hi = arith.index_cast %hb : index to i32
      %hf = arith.sitofp %hi : i32 to f32
      %c = arith.constant 0.25 : f32
      %w = arith.mulf %hf, %c : f32
      %e = math.exp %w : f32
      %r = arith.mulf %s, %e : f32
      %a = math.absf %r : f32
      %neg = arith.cmpf olt, %s, %c : f32
      %out = arith.select %neg, %r, %a : f32
      mha.yield %out : f32
    }
    mask_mod {
    ^bb0(%b: index, %h: index, %i: index, %j: index):
      // Head 3 of batch 1 skips odd keys.
      %c1 = arith.constant 1 : index
      %c3 = arith.constant 3 : index
      %odd = arith.andi %j, %c1 : index
      %is_odd = arith.cmpi eq, %odd, %c1 : index
      %is_b1 = arith.cmpi eq, %b, %c1 : index
      %is_h3 = arith.cmpi eq, %h, %c3 : index
      %bh = arith.andi %is_b1, %is_h3 : i1
      %hide = arith.andi %bh, %is_odd : i1
      %true = arith.constant true
      %p = arith.xori %hide, %true : i1
      mha.yield %p : i1
    }
  return %o, %lse : tensor<2x4x6x8xf32>, tensor<2x4x6xf32>
}

// Integer arithmetic of several widths: wrapping i8, signed division and
// remainder, shifts, unsigned compares and casts.
func.func @integer_ops(%q: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  %o = mha.attention %q, %q, %q : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32> -> tensor<1x2x16x8xf32>
    score_mod {
    ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
      %i8 = arith.index_cast %i : index to i8
      %j8 = arith.index_cast %j : index to i8
      %c100 = arith.constant 100 : i8
      %big = arith.muli %i8, %c100 : i8
      %sum = arith.addi %big, %j8 : i8
      %c3 = arith.constant 3 : i8
      %q3 = arith.divsi %sum, %c3 : i8
      %r3 = arith.remsi %sum, %c3 : i8
      %f3 = arith.floordivsi %sum, %c3 : i8
      %sh = arith.shrsi %q3, %c3 : i8
      %mix = arith.addi %sh, %r3 : i8
      %mix2 = arith.subi %mix, %f3 : i8
      %wide = arith.extsi %mix2 : i8 to i32
      %uwide = arith.extui %mix2 : i8 to i32
      %d = arith.subi %uwide, %wide : i32
      %df = arith.sitofp %d : i32 to f32
      %scale = arith.constant 0.001 : f32
      %bias = arith.mulf %df, %scale : f32
      %r = arith.addf %s, %bias : f32
      %max = arith.maximumf %r, %s : f32
      mha.yield %max : f32
    }
    mask_mod {
    ^bb0(%b: index, %h: index, %i: index, %j: index):
      %c7 = arith.constant 7 : index
      %x = arith.xori %i, %j : index
      %p = arith.cmpi ule, %x, %c7 : index
      mha.yield %p : i1
    }
  return %o : tensor<1x2x16x8xf32>
}

// math.atan is pure (the verifier accepts it) but not interpreted by the
// oracle.
func.func @unsupported_in_oracle(%q: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  %o = mha.attention %q, %q, %q : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x2x8x16xf32>
    score_mod {
    ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
      %r = math.atan %s : f32
      mha.yield %r : f32
    }
  return %o : tensor<1x2x8x16xf32>
}
