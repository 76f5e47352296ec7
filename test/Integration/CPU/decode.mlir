// Short-query (decode) attentions that mha-cpu-pipeline sends through
// mha-split-kv (flash-decoding), through `mha-run --verify` (cpu pipeline vs
// the reference pipeline and the C++ oracle).
//
// RUN: mha-run %s --entry=decode_gqa --seed=1 --verify | FileCheck %s
// RUN: mha-run %s --entry=causal_sq4 --seed=2 --verify | FileCheck %s
// RUN: mha-run %s --entry=bf16_float_mask --seed=3 --verify | FileCheck %s
// RUN: mha-run %s --entry=f16_dv_ne_d --seed=4 --verify | FileCheck %s
// RUN: mha-run %s --entry=skv_below_splits --seed=5 --verify | FileCheck %s
// RUN: mha-run %s --entry=causal_skv_below_sq --seed=6 --verify | FileCheck %s
// RUN: mha-run %s --entry=sq16_full_mask --seed=7 --verify | FileCheck %s
// RUN: mha-run %s --entry=decode_gqa --seed=1 --verify --pipeline-options="kv-splits=3 kv-tile=16" | FileCheck %s
// RUN: mha-run %s --entry=decode_gqa --seed=1 --verify --pipeline-options="kv-splits=1" | FileCheck %s
// 8 tasks on 6 workers: the cost model splits in 3 to even out the last round.
// RUN: mha-run %s --entry=decode_gqa --seed=1 --verify --pipeline-options="threads=6 min-split-bytes=1024" | FileCheck %s
// Software prefetch of the K/V tiles ahead (keys in lanes at 16 lanes; keys
// clamped at the end of each split and of Skv).
// RUN: mha-run %s --entry=decode_gqa --seed=1 --verify --pipeline-options="vector-width=16 prefetch-tiles=1" | FileCheck %s
// RUN: mha-run %s --entry=decode_gqa --seed=1 --verify --pipeline-options="vector-width=16 prefetch-tiles=3 kv-splits=3 kv-tile=16" | FileCheck %s
// RUN: mha-run %s --entry=bf16_float_mask --seed=3 --verify --pipeline-options="vector-width=16 prefetch-tiles=2" | FileCheck %s
// RUN: mha-run %s --entry=masked_splits --seed=8 --verify | FileCheck %s --check-prefix=REF
//
// The decode kernel: GQA groups packed as tile rows, split by the cost model
// (4 workers, splits of at least 1 KiB) or not (2 workers), with and without
// packing, fully masked heads inside a packed group, Sq = 3 and 16 packed.
// RUN: mha-run %s --entry=packed_masked_heads --seed=10 --verify --pipeline-options="threads=2" | FileCheck %s --check-prefix=REF
// RUN: mha-run %s --entry=packed_masked_heads --seed=10 --verify --pipeline-options="threads=4 min-split-bytes=1024" | FileCheck %s --check-prefix=REF
// RUN: mha-run %s --entry=packed_masked_heads --seed=10 --verify --pipeline-options="threads=4 min-split-bytes=1024 pack-heads=false" | FileCheck %s --check-prefix=REF
// RUN: mha-run %s --entry=packed_sq3_mask --seed=11 --verify --pipeline-options="threads=2" | FileCheck %s
// RUN: mha-run %s --entry=packed_sq3_mask --seed=11 --verify --pipeline-options="threads=4 min-split-bytes=1024" | FileCheck %s
// RUN: mha-run %s --entry=packed_sq16_bf16 --seed=12 --verify --pipeline-options="threads=2" | FileCheck %s
// RUN: mha-run %s --entry=packed_sq16_bf16 --seed=12 --verify --pipeline-options="kv-splits=3" | FileCheck %s
//
// Dynamic Skv, with inputs written by mha-run --output.
// RUN: rm -rf %t && mkdir -p %t
// RUN: mha-run %S/Inputs/make-decode-inputs.mlir --seed=9 --output=0=%t/q.npy --output=1=%t/k.npy --output=2=%t/v.npy --output=3=%t/m.npy
// RUN: mha-run %s --entry=dynamic_skv --input=0=%t/q.npy --input=1=%t/k.npy --input=2=%t/v.npy --input=3=%t/m.npy --verify | FileCheck %s
// RUN: mha-run %s --entry=dynamic_skv --input=0=%t/q.npy --input=1=%t/k.npy --input=2=%t/v.npy --input=3=%t/m.npy --verify --pipeline-options="kv-splits=5 kv-tile=8" | FileCheck %s

// CHECK: verify result 0 vs reference: {{.*}} mismatches=0 PASS
// CHECK: verify result 0 vs oracle: {{.*}} mismatches=0 PASS
// CHECK-NEXT: {{^PASS$}}

// REF: verify result 0 vs reference: {{.*}} mismatches=0 PASS
// REF: {{^PASS$}}

// Decode step: GQA 32/8, Skv = 1000 (not a multiple of the kv tile).
func.func @decode_gqa(%q: tensor<1x32x1x64xf32>, %k: tensor<1x8x1000x64xf32>, %v: tensor<1x8x1000x64xf32>) -> tensor<1x32x1x64xf32> {
  %o = mha.attention %q, %k, %v : tensor<1x32x1x64xf32>, tensor<1x8x1000x64xf32>, tensor<1x8x1000x64xf32> -> tensor<1x32x1x64xf32>
  return %o : tensor<1x32x1x64xf32>
}

// Four speculative queries, causal (bottom-right), Skv = 37.
func.func @causal_sq4(%q: tensor<2x4x4x16xf32>, %k: tensor<2x2x37x16xf32>, %v: tensor<2x2x37x16xf32>) -> tensor<2x4x4x16xf32> {
  %o = mha.attention %q, %k, %v {causal} : tensor<2x4x4x16xf32>, tensor<2x2x37x16xf32>, tensor<2x2x37x16xf32> -> tensor<2x4x4x16xf32>
  return %o : tensor<2x4x4x16xf32>
}

// bf16 with a float mask broadcast over batch and heads.
func.func @bf16_float_mask(%q: tensor<2x4x2x32xbf16>, %k: tensor<2x4x300x32xbf16>, %v: tensor<2x4x300x32xbf16>, %m: tensor<1x1x2x300xbf16>) -> tensor<2x4x2x32xbf16> {
  %o = mha.attention %q, %k, %v mask(%m) : tensor<2x4x2x32xbf16>, tensor<2x4x300x32xbf16>, tensor<2x4x300x32xbf16>, tensor<1x1x2x300xbf16> -> tensor<2x4x2x32xbf16>
  return %o : tensor<2x4x2x32xbf16>
}

// f16, MQA, Dv != D, a per-batch i1 mask.
func.func @f16_dv_ne_d(%q: tensor<3x4x1x24xf16>, %k: tensor<3x1x200x24xf16>, %v: tensor<3x1x200x40xf16>, %m: tensor<3x1x1x200xi1>) -> tensor<3x4x1x40xf16> {
  %o = mha.attention %q, %k, %v mask(%m) : tensor<3x4x1x24xf16>, tensor<3x1x200x24xf16>, tensor<3x1x200x40xf16>, tensor<3x1x1x200xi1> -> tensor<3x4x1x40xf16>
  return %o : tensor<3x4x1x40xf16>
}

// Fewer keys than splits: most splits are empty.
func.func @skv_below_splits(%q: tensor<1x2x1x8xf32>, %k: tensor<1x2x5x8xf32>, %v: tensor<1x2x5x8xf32>) -> tensor<1x2x1x8xf32> {
  %o = mha.attention %q, %k, %v : tensor<1x2x1x8xf32>, tensor<1x2x5x8xf32>, tensor<1x2x5x8xf32> -> tensor<1x2x1x8xf32>
  return %o : tensor<1x2x1x8xf32>
}

// Causal with Sq > Skv: the first queries see no key (output 0).
func.func @causal_skv_below_sq(%q: tensor<1x2x6x8xf32>, %k: tensor<1x2x3x8xf32>, %v: tensor<1x2x3x8xf32>) -> tensor<1x2x6x8xf32> {
  %o = mha.attention %q, %k, %v {causal} : tensor<1x2x6x8xf32>, tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32> -> tensor<1x2x6x8xf32>
  return %o : tensor<1x2x6x8xf32>
}

// Sq = split-max-sq with a full [B, H, Sq, Skv] i1 mask.
func.func @sq16_full_mask(%q: tensor<1x2x16x32xf32>, %k: tensor<1x2x150x32xf32>, %v: tensor<1x2x150x32xf32>, %m: tensor<1x2x16x150xi1>) -> tensor<1x2x16x32xf32> {
  %o = mha.attention %q, %k, %v mask(%m) : tensor<1x2x16x32xf32>, tensor<1x2x150x32xf32>, tensor<1x2x150x32xf32>, tensor<1x2x16x150xi1> -> tensor<1x2x16x32xf32>
  return %o : tensor<1x2x16x32xf32>
}

// An i1 [1, 1, 1, Skv] mask that hides keys [64, 192): with 8 splits of 64
// keys, splits 1 and 2 see no key at all (and 4 to 7 are empty).
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @masked_splits(%q: tensor<1x4x1x32xf32>, %k: tensor<1x2x200x32xf32>, %v: tensor<1x2x200x32xf32>, %m: tensor<1x1x1x200xi1>) -> tensor<1x4x1x32xf32> {
  %e = tensor.empty() : tensor<1x1x1x200xi1>
  %c64 = arith.constant 64 : index
  %c192 = arith.constant 192 : index
  %mask = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%m : tensor<1x1x1x200xi1>) outs(%e : tensor<1x1x1x200xi1>) {
  ^bb0(%in: i1, %out: i1):
    %j = linalg.index 3 : index
    %lo = arith.cmpi ult, %j, %c64 : index
    %hi = arith.cmpi uge, %j, %c192 : index
    %keep = arith.ori %lo, %hi : i1
    %r = arith.andi %in, %keep : i1
    linalg.yield %r : i1
  } -> tensor<1x1x1x200xi1>
  %o = mha.attention %q, %k, %v mask(%mask) : tensor<1x4x1x32xf32>, tensor<1x2x200x32xf32>, tensor<1x2x200x32xf32>, tensor<1x1x1x200xi1> -> tensor<1x4x1x32xf32>
  return %o : tensor<1x4x1x32xf32>
}

// Dynamic Skv (and B), static Sq = 3, a per-batch i1 mask.
func.func @dynamic_skv(%q: tensor<?x4x3x32xf32>, %k: tensor<?x2x?x32xf32>, %v: tensor<?x2x?x32xf32>, %m: tensor<?x1x1x?xi1>) -> tensor<?x4x3x32xf32> {
  %o = mha.attention %q, %k, %v mask(%m) : tensor<?x4x3x32xf32>, tensor<?x2x?x32xf32>, tensor<?x2x?x32xf32>, tensor<?x1x1x?xi1> -> tensor<?x4x3x32xf32>
  return %o : tensor<?x4x3x32xf32>
}

// MQA-like group of 4 over 37 keys (not a multiple of the kv tile) with a
// per-head i1 mask broadcast over keys that hides every key of heads 1 and
// 3: their packed rows see no key and must be 0, next to rows that see all.
func.func @packed_masked_heads(%q: tensor<1x4x1x32xf32>, %k: tensor<1x1x37x32xf32>, %v: tensor<1x1x37x32xf32>) -> tensor<1x4x1x32xf32> {
  %m = arith.constant dense<[[[[true]], [[false]], [[true]], [[false]]]]> : tensor<1x4x1x1xi1>
  %o = mha.attention %q, %k, %v mask(%m) : tensor<1x4x1x32xf32>, tensor<1x1x37x32xf32>, tensor<1x1x37x32xf32>, tensor<1x4x1x1xi1> -> tensor<1x4x1x32xf32>
  return %o : tensor<1x4x1x32xf32>
}

// Sq = 3, GQA 8/2, a full [B, H, Sq, Skv] float mask: 2 x 4 x 3 packed rows.
func.func @packed_sq3_mask(%q: tensor<2x8x3x16xf32>, %k: tensor<2x2x129x16xf32>, %v: tensor<2x2x129x16xf32>, %m: tensor<2x8x3x129xf32>) -> tensor<2x8x3x16xf32> {
  %o = mha.attention %q, %k, %v mask(%m) : tensor<2x8x3x16xf32>, tensor<2x2x129x16xf32>, tensor<2x2x129x16xf32>, tensor<2x8x3x129xf32> -> tensor<2x8x3x16xf32>
  return %o : tensor<2x8x3x16xf32>
}

// Sq = 16 (split-max-sq), bf16, MQA 4/1: 64 packed rows.
func.func @packed_sq16_bf16(%q: tensor<1x4x16x64xbf16>, %k: tensor<1x1x300x64xbf16>, %v: tensor<1x1x300x64xbf16>) -> tensor<1x4x16x64xbf16> {
  %o = mha.attention %q, %k, %v : tensor<1x4x16x64xbf16>, tensor<1x1x300x64xbf16>, tensor<1x1x300x64xbf16> -> tensor<1x4x16x64xbf16>
  return %o : tensor<1x4x16x64xbf16>
}
