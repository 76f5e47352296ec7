// REQUIRES: cuda-gpu
// Attention variants (window, softcap, ALiBi, sinks, lse) and the
// score_mod / mask_mod regions in the gpu
// pipeline's kernels through `mha-run --verify` (gpu pipeline vs the reference
// pipeline and the C++ oracle). Without a GPU the same entries run in the
// kernel emulator (unittests/GPU/GPUPipelineEmulationTest.cpp).
//
// RUN: mha-run %s --pipeline=gpu --entry=bf16_window_causal_gqa_lse --seed=1 --verify | FileCheck %s
// RUN: mha-run %s --pipeline=gpu --entry=f16_softcap_alibi_sinks --seed=2 --verify | FileCheck %s
// RUN: mha-run %s --pipeline=gpu --entry=f16_decode_all_variants --seed=3 --verify | FileCheck %s
// RUN: mha-run %s --pipeline=gpu --pipeline-options="kv-splits=1" --entry=f16_decode_all_variants --seed=3 --verify | FileCheck %s
// RUN: mha-run %s --pipeline=gpu --pipeline-options="kv-splits=3" --entry=bf16_decode_window_sinks_lse --seed=4 --verify | FileCheck %s
// RUN: mha-run %s --pipeline=gpu --entry=f32_simt_all_variants --seed=5 --verify | FileCheck %s
// RUN: mha-run %s --pipeline=gpu --pipeline-options="kernel=wgmma" --entry=bf16_window_causal_gqa_lse --seed=1 --verify | FileCheck %s
// RUN: mha-run %s --pipeline=gpu --pipeline-options="kernel=wgmma" --entry=f16_softcap_alibi_sinks --seed=2 --verify | FileCheck %s
// RUN: mha-run %s --pipeline=gpu --entry=bf16_document_causal_gqa --seed=6 --verify | FileCheck %s
// RUN: mha-run %s --pipeline=gpu --entry=f16_prefix_lm_softcap_mod_lse --seed=7 --verify | FileCheck %s
// RUN: mha-run %s --pipeline=gpu --entry=f16_decode_modifiers --seed=8 --verify | FileCheck %s
// RUN: mha-run %s --pipeline=gpu --entry=f32_simt_modifiers --seed=9 --verify | FileCheck %s
// RUN: mha-run %s --pipeline=gpu --pipeline-options="kernel=wgmma" --entry=bf16_document_causal_gqa --seed=6 --verify | FileCheck %s
// RUN: mha-run %s --pipeline=gpu --pipeline-options="kv-splits=3" --entry=f16_decode_sink_recent_mask_mod --seed=10 --verify | FileCheck %s
// RUN: mha-run %s --pipeline=gpu --pipeline-options="kernel=wgmma" --entry=f16_decode_sink_recent_mask_mod --seed=10 --verify | FileCheck %s

// CHECK: verify result 0 vs reference: {{.*}} mismatches=0 PASS

// Sliding window over a causal prefill with GQA and the lse result; Sq > Skv
// leaves the first rows without a key (output 0, lse -inf).
func.func @bf16_window_causal_gqa_lse(%q: tensor<1x4x160x64xbf16>, %k: tensor<1x2x140x64xbf16>, %v: tensor<1x2x140x64xbf16>) -> (tensor<1x4x160x64xbf16>, tensor<1x4x160xf32>) {
  %o, %lse = mha.attention %q, %k, %v {causal, window = [48, 0]}
      : tensor<1x4x160x64xbf16>, tensor<1x2x140x64xbf16>, tensor<1x2x140x64xbf16>
        -> tensor<1x4x160x64xbf16>, tensor<1x4x160xf32>
  return %o, %lse : tensor<1x4x160x64xbf16>, tensor<1x4x160xf32>
}

// Gemma-2 style softcap with ALiBi and gpt-oss style sinks, dynamic Sq.
func.func @f16_softcap_alibi_sinks(%q: tensor<1x2x?x32xf16>, %k: tensor<1x2x90x32xf16>, %v: tensor<1x2x90x32xf16>, %slopes: tensor<2xf32>, %sinks: tensor<2xf32>) -> tensor<1x2x?x32xf16> {
  %o = mha.attention %q, %k, %v alibi(%slopes : tensor<2xf32>) sinks(%sinks : tensor<2xf32>) {softcap = 2.0 : f32, scale = 1.0 : f32}
      : tensor<1x2x?x32xf16>, tensor<1x2x90x32xf16>, tensor<1x2x90x32xf16>
        -> tensor<1x2x?x32xf16>
  return %o : tensor<1x2x?x32xf16>
}

// Flash-decoding (split-kv): the combine kernel adds the sinks and writes
// the lse.
func.func @f16_decode_all_variants(%q: tensor<1x8x2x64xf16>, %k: tensor<1x2x300x64xf16>, %v: tensor<1x2x300x64xf16>, %slopes: tensor<8xf32>, %sinks: tensor<8xf32>) -> (tensor<1x8x2x64xf16>, tensor<1x8x2xf32>) {
  %o, %lse = mha.attention %q, %k, %v alibi(%slopes : tensor<8xf32>) sinks(%sinks : tensor<8xf32>) {causal, window = [200, -1], softcap = 5.0 : f32}
      : tensor<1x8x2x64xf16>, tensor<1x2x300x64xf16>, tensor<1x2x300x64xf16>
        -> tensor<1x8x2x64xf16>, tensor<1x8x2xf32>
  return %o, %lse : tensor<1x8x2x64xf16>, tensor<1x8x2xf32>
}

// A window that starts past the first kv tiles: split-kv walks only the
// visible ones.
func.func @bf16_decode_window_sinks_lse(%q: tensor<2x4x1x64xbf16>, %k: tensor<2x1x400x64xbf16>, %v: tensor<2x1x400x64xbf16>, %sinks: tensor<4xf32>) -> (tensor<2x4x1x64xbf16>, tensor<2x4x1xf32>) {
  %o, %lse = mha.attention %q, %k, %v sinks(%sinks : tensor<4xf32>) {window = [150, 0]}
      : tensor<2x4x1x64xbf16>, tensor<2x1x400x64xbf16>, tensor<2x1x400x64xbf16>
        -> tensor<2x4x1x64xbf16>, tensor<2x4x1xf32>
  return %o, %lse : tensor<2x4x1x64xbf16>, tensor<2x4x1xf32>
}

// CUDA cores (f32), every variant.
func.func @f32_simt_all_variants(%q: tensor<1x4x50x16xf32>, %k: tensor<1x2x70x16xf32>, %v: tensor<1x2x70x16xf32>, %slopes: tensor<4xf32>, %sinks: tensor<4xf32>) -> (tensor<1x4x50x16xf32>, tensor<1x4x50xf32>) {
  %o, %lse = mha.attention %q, %k, %v alibi(%slopes : tensor<4xf32>) sinks(%sinks : tensor<4xf32>) {causal, window = [20, 0], softcap = 4.0 : f32}
      : tensor<1x4x50x16xf32>, tensor<1x2x70x16xf32>, tensor<1x2x70x16xf32>
        -> tensor<1x4x50x16xf32>, tensor<1x4x50xf32>
  return %o, %lse : tensor<1x4x50x16xf32>, tensor<1x4x50xf32>
}

// score_mod / mask_mod regions, inlined in the kernels: a packed batch of
// three documents (ids read from a captured constant) with causal masking,
// GQA, bf16.
func.func @bf16_document_causal_gqa(%q: tensor<1x4x96x32xbf16>, %k: tensor<1x2x96x32xbf16>, %v: tensor<1x2x96x32xbf16>) -> tensor<1x4x96x32xbf16> {
  %doc = arith.constant dense<[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2]> : tensor<96xi32>
  %o = mha.attention %q, %k, %v {causal} : tensor<1x4x96x32xbf16>, tensor<1x2x96x32xbf16>, tensor<1x2x96x32xbf16> -> tensor<1x4x96x32xbf16>
    mask_mod {
    ^bb0(%b: index, %h: index, %i: index, %j: index):
      %di = tensor.extract %doc[%i] : tensor<96xi32>
      %dj = tensor.extract %doc[%j] : tensor<96xi32>
      %p = arith.cmpi eq, %di, %dj : i32
      mha.yield %p : i1
    }
  return %o : tensor<1x4x96x32xbf16>
}

// Softcap written as a score_mod (math.tanh, expanded into a polynomial in
// the kernel) and prefix-LM as a mask_mod, with rows 5 and 40 seeing no
// key: zeros and lse = -inf.
func.func @f16_prefix_lm_softcap_mod_lse(%q: tensor<2x2x70x64xf16>, %k: tensor<2x2x70x64xf16>, %v: tensor<2x2x70x64xf16>) -> (tensor<2x2x70x64xf16>, tensor<2x2x70xf32>) {
  %o, %lse = mha.attention %q, %k, %v {scale = 1.0 : f32} : tensor<2x2x70x64xf16>, tensor<2x2x70x64xf16>, tensor<2x2x70x64xf16> -> tensor<2x2x70x64xf16>, tensor<2x2x70xf32>
    score_mod {
    ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
      %c = arith.constant 2.0 : f32
      %d = arith.divf %s, %c : f32
      %t = math.tanh %d : f32
      %r = arith.mulf %t, %c : f32
      mha.yield %r : f32
    }
    mask_mod {
    ^bb0(%b: index, %h: index, %i: index, %j: index):
      %c10 = arith.constant 10 : index
      %c5 = arith.constant 5 : index
      %c40 = arith.constant 40 : index
      %prefix = arith.cmpi ult, %j, %c10 : index
      %causal = arith.cmpi ule, %j, %i : index
      %seen = arith.ori %prefix, %causal : i1
      %row5 = arith.cmpi ne, %i, %c5 : index
      %row40 = arith.cmpi ne, %i, %c40 : index
      %rows = arith.andi %row5, %row40 : i1
      %p = arith.andi %seen, %rows : i1
      mha.yield %p : i1
    }
  return %o, %lse : tensor<2x2x70x64xf16>, tensor<2x2x70xf32>
}

// Flash-decoding with both modifiers and every named variant: the score_mod
// reads a captured scalar argument and uses math.exp.
func.func @f16_decode_modifiers(%q: tensor<1x4x2x64xf16>, %k: tensor<1x2x200x64xf16>, %v: tensor<1x2x200x64xf16>, %slopes: tensor<4xf32>, %sinks: tensor<4xf32>, %w: tensor<4xf32>) -> (tensor<1x4x2x64xf16>, tensor<1x4x2xf32>) {
  %o, %lse = mha.attention %q, %k, %v alibi(%slopes : tensor<4xf32>) sinks(%sinks : tensor<4xf32>) {causal, window = [150, 0], softcap = 5.0 : f32}
      : tensor<1x4x2x64xf16>, tensor<1x2x200x64xf16>, tensor<1x2x200x64xf16> -> tensor<1x4x2x64xf16>, tensor<1x4x2xf32>
    score_mod {
    ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
      %wh = tensor.extract %w[%h] : tensor<4xf32>
      %e = math.exp %wh : f32
      %r = arith.mulf %s, %e : f32
      mha.yield %r : f32
    }
    mask_mod {
    ^bb0(%b: index, %h: index, %i: index, %j: index):
      // Head 3 skips odd keys.
      %c1 = arith.constant 1 : index
      %c3 = arith.constant 3 : index
      %odd = arith.andi %j, %c1 : index
      %is_odd = arith.cmpi eq, %odd, %c1 : index
      %is_h3 = arith.cmpi eq, %h, %c3 : index
      %hide = arith.andi %is_h3, %is_odd : i1
      %true = arith.constant true
      %p = arith.xori %hide, %true : i1
      mha.yield %p : i1
    }
  return %o, %lse : tensor<1x4x2x64xf16>, tensor<1x4x2xf32>
}

// CUDA cores (f32): both modifiers with a mask operand and every named
// variant.
func.func @f32_simt_modifiers(%q: tensor<2x4x6x8xf32>, %k: tensor<2x2x10x8xf32>, %v: tensor<2x2x10x8xf32>, %m: tensor<2x1x6x10xi1>, %slopes: tensor<4xf32>, %sinks: tensor<4xf32>) -> (tensor<2x4x6x8xf32>, tensor<2x4x6xf32>) {
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
      mha.yield %r : f32
    }
    mask_mod {
    ^bb0(%b: index, %h: index, %i: index, %j: index):
      %c1 = arith.constant 1 : index
      %c3 = arith.constant 3 : index
      %odd = arith.andi %j, %c1 : index
      %is_odd = arith.cmpi eq, %odd, %c1 : index
      %is_h3 = arith.cmpi eq, %h, %c3 : index
      %hide = arith.andi %is_h3, %is_odd : i1
      %true = arith.constant true
      %p = arith.xori %hide, %true : i1
      mha.yield %p : i1
    }
  return %o, %lse : tensor<2x4x6x8xf32>, tensor<2x4x6xf32>
}

// Flash-decoding with an affine mask_mod (MaskModAnalysis.h): 16 sink keys
// and the keys from 180 + q_idx on. The kv tiles between them are empty and
// skipped (tileIsEmpty), in the split kernels too.
func.func @f16_decode_sink_recent_mask_mod(%q: tensor<1x4x2x64xf16>, %k: tensor<1x2x300x64xf16>, %v: tensor<1x2x300x64xf16>) -> (tensor<1x4x2x64xf16>, tensor<1x4x2xf32>) {
  %o, %lse = mha.attention %q, %k, %v : tensor<1x4x2x64xf16>, tensor<1x2x300x64xf16>, tensor<1x2x300x64xf16> -> tensor<1x4x2x64xf16>, tensor<1x4x2xf32>
    mask_mod {
    ^bb0(%b: index, %h: index, %i: index, %j: index):
      %c16 = arith.constant 16 : index
      %c180 = arith.constant 180 : index
      %sink = arith.cmpi ult, %j, %c16 : index
      %i180 = arith.addi %i, %c180 : index
      %recent = arith.cmpi uge, %j, %i180 : index
      %p = arith.ori %sink, %recent : i1
      mha.yield %p : i1
    }
  return %o, %lse : tensor<1x4x2x64xf16>, tensor<1x4x2xf32>
}
