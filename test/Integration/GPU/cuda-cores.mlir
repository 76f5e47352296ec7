// REQUIRES: cuda-gpu
// Every feature case of the CPU integration tests, on the GPU (f32 and the
// odd head dims run on the CUDA-core kernel, f16/bf16 with D % 16 == 0 on
// tensor cores; layers keep their projections on the host).
//
// RUN: mha-run %S/../CPU/features.mlir --pipeline=gpu --entry=gqa_causal_sq_ne_skv --seed=1 --verify | FileCheck %s
// RUN: mha-run %S/../CPU/features.mlir --pipeline=gpu --entry=mqa_i1_mask --seed=2 --verify | FileCheck %s
// RUN: mha-run %S/../CPU/features.mlir --pipeline=gpu --entry=float_mask_dv_ne_d --seed=3 --verify | FileCheck %s
// RUN: mha-run %S/../CPU/features.mlir --pipeline=gpu --entry=f16_odd_sizes --seed=4 --verify | FileCheck %s
// RUN: mha-run %S/../CPU/features.mlir --pipeline=gpu --entry=bf16_causal_decode --seed=5 --verify | FileCheck %s
// RUN: mha-run %S/../CPU/features.mlir --pipeline=gpu --entry=prefill_longer_than_cache --seed=6 --verify | FileCheck %s
// RUN: mha-run %S/../CPU/features.mlir --pipeline=gpu --entry=layer_gqa_bias_mask --seed=7 --verify | FileCheck %s
// RUN: mha-run %S/../CPU/features.mlir --pipeline=gpu --entry=empty_kv --seed=9 --verify | FileCheck %s
// RUN: mha-run %S/../CPU/features.mlir --pipeline=gpu --entry=layer_f16_partial_blocks --seed=10 --verify | FileCheck %s
// RUN: mha-run %S/../../../examples/decode_step.mlir --pipeline=gpu --seed=1 --verify | FileCheck %s
// RUN: mha-run %S/../../../examples/gqa_causal_prefill.mlir --pipeline=gpu --seed=1 --verify | FileCheck %s
// RUN: mha-run %S/../../../examples/mha_layer.mlir --pipeline=gpu --seed=1 --verify --bench=3 | FileCheck %s --check-prefixes=CHECK,BENCH

// CHECK: verify result 0 vs reference: {{.*}} mismatches=0 PASS
// CHECK: verify result 0 vs oracle: {{.*}} mismatches=0 PASS
// BENCH: bench:
// CHECK: {{^PASS$}}
