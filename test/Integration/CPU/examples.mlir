// Every example compiles, JIT-runs and verifies on the CPU, against the
// reference pipeline and the C++ oracle.
//
// RUN: mha-run %mha_src_root/examples/mha_layer.mlir --seed=1 --verify | FileCheck %s --check-prefixes=CHECK,LAYER
// RUN: mha-run %mha_src_root/examples/gqa_causal_prefill.mlir --seed=2 --verify | FileCheck %s --check-prefixes=CHECK,PREFILL
// RUN: mha-run %mha_src_root/examples/decode_step.mlir --seed=3 --verify | FileCheck %s --check-prefixes=CHECK,DECODE
// RUN: mha-run %mha_src_root/examples/sliding_window_gqa.mlir --seed=4 --verify | FileCheck %s --check-prefix=WINDOW
// RUN: mha-run %mha_src_root/examples/softcap.mlir --seed=5 --verify | FileCheck %s --check-prefixes=CHECK,SOFTCAP
// RUN: mha-run %mha_src_root/examples/attention_sinks.mlir --seed=6 --verify | FileCheck %s --check-prefixes=CHECK,SINKS
// RUN: mha-run %mha_src_root/examples/document_mask.mlir --seed=7 --verify | FileCheck %s --check-prefixes=CHECK,DOCUMENT

// CHECK: @main compiled with the cpu pipeline in {{[0-9]+\.[0-9]+}} s
// LAYER: result 0: f32[1x128x512]
// PREFILL: result 0: f16[1x16x256x64]
// DECODE: result 0: f32[1x32x1x128]
// SOFTCAP: result 0: bf16[1x8x256x128]
// SINKS: result 0: f32[1x16x512x64]
// DOCUMENT: result 0: f32[1x8x256x64]
// CHECK: verify result 0 vs reference: max_abs_err={{[0-9]\.[0-9]+e[-+][0-9]+}} max_rel_err={{[0-9]\.[0-9]+e[-+][0-9]+}} (atol={{.*}} rtol={{.*}}) mismatches=0 PASS
// CHECK: verify result 0 vs oracle: max_abs_err={{[0-9]\.[0-9]+e[-+][0-9]+}} max_rel_err={{[0-9]\.[0-9]+e[-+][0-9]+}} (atol={{.*}} rtol={{.*}}) mismatches=0 PASS
// CHECK-NEXT: {{^PASS$}}

// WINDOW: result 0: f32[1x16x1024x64]
// WINDOW: result 1: f32[1x16x1024]
// WINDOW: verify result 0 vs reference: {{.*}} mismatches=0 PASS
// WINDOW: verify result 1 vs reference: {{.*}} mismatches=0 PASS
// WINDOW: verify result 0 vs oracle: {{.*}} mismatches=0 PASS
// WINDOW: verify result 1 vs oracle: {{.*}} mismatches=0 PASS
// WINDOW-NEXT: {{^PASS$}}
