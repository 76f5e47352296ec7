// Bad input gets one clear error naming the culprit and exit status 2 (never
// a crash); a verification mismatch exits with 1.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: mha-run %S/Inputs/make-inputs.mlir --seed=1 --output=0=%t/q.npy --output=1=%t/k.npy --output=3=%t/h.npy
// RUN: printf 'not a numpy file' > %t/garbage.npy
//
// Missing input IR file.
// RUN: %expect_exit 2 mha-run %t/does-not-exist.mlir | FileCheck %s --check-prefix=NOFILE
// NOFILE: mha-run: error: cannot read '{{.*}}does-not-exist.mlir': {{.*}}No such file or directory
//
// Malformed IR: the verifier's diagnostic, then one error line.
// RUN: %expect_exit 2 mha-run %S/Inputs/malformed.mlir | FileCheck %s --check-prefix=MALFORMED
// MALFORMED: malformed.mlir:2:8: error: 'mha.attention' op query head count H = 2 must be a multiple of key head count Hkv = 3
// MALFORMED: mha-run: error: '{{.*}}malformed.mlir' is not valid MLIR (see the diagnostics above)
// RUN: %expect_exit 2 mha-run %S/Inputs/syntax-error.mlir | FileCheck %s --check-prefix=SYNTAX
// SYNTAX: syntax-error.mlir:{{[0-9]+}}:{{[0-9]+}}: error: expected
// SYNTAX: mha-run: error: '{{.*}}syntax-error.mlir' is not valid MLIR
//
// Missing .npy file.
// RUN: %expect_exit 2 mha-run %S/Inputs/attention.mlir --input=0=%t/missing.npy | FileCheck %s --check-prefix=NONPY
// NONPY: mha-run: error: argument 0: cannot open '{{.*}}missing.npy': No such file or directory
//
// Not a .npy file.
// RUN: %expect_exit 2 mha-run %S/Inputs/attention.mlir --input=0=%t/garbage.npy | FileCheck %s --check-prefix=GARBAGE
// GARBAGE: mha-run: error: argument 0: '{{.*}}garbage.npy': {{.*}}magic
//
// Wrong dtype: an f16 file for an f32 argument.
// RUN: %expect_exit 2 mha-run %S/Inputs/attention.mlir --input=0=%t/h.npy --input=1=%t/k.npy --input=2=%t/k.npy | FileCheck %s --check-prefix=DTYPE
// DTYPE: mha-run: error: argument 0 (tensor<1x2x?x16xf32>): expected element type f32, got f16[1x2x7x16]
//
// Wrong shape: K's file given for Q (1 head instead of 2).
// RUN: %expect_exit 2 mha-run %S/Inputs/attention.mlir --input=0=%t/k.npy --input=1=%t/k.npy --input=2=%t/k.npy | FileCheck %s --check-prefix=SHAPE
// SHAPE: mha-run: error: argument 0 (tensor<1x2x?x16xf32>): shape mismatch, got f32[1x1x11x16]
//
// Dynamic dims need an input file.
// RUN: %expect_exit 2 mha-run %S/Inputs/attention.mlir --seed=1 | FileCheck %s --check-prefix=DYN
// DYN: mha-run: error: argument 0 (tensor<1x2x?x16xf32>) has dynamic dims: give it with --input=0=FILE.npy
//
// Unknown entry, ambiguous entry.
// RUN: %expect_exit 2 mha-run %S/Inputs/attention.mlir --entry=nope | FileCheck %s --check-prefix=ENTRY
// ENTRY: mha-run: error: '{{.*}}attention.mlir': no function named 'nope' with a body in the input
// RUN: %expect_exit 2 mha-run %S/Inputs/two-functions.mlir | FileCheck %s --check-prefix=AMBIGUOUS
// AMBIGUOUS: mha-run: error: '{{.*}}two-functions.mlir': expected exactly one public function, found 2 (@first @second); choose one with --entry=NAME
//
// Unsupported signature.
// RUN: %expect_exit 2 mha-run %S/Inputs/unsupported-signature.mlir | FileCheck %s --check-prefix=SIG
// SIG: mha-run: error: '{{.*}}unsupported-signature.mlir': argument 0 of @main has unsupported type tensor<4xi32> (supported: ranked tensors of f32, f16, bf16 and i1)
//
// Malformed --input / --output flags and out-of-range positions.
// RUN: %expect_exit 2 mha-run %S/Inputs/attention.mlir --input=%t/q.npy | FileCheck %s --check-prefix=INFLAG
// INFLAG: mha-run: error: --input={{.*}}q.npy: expected N=FILE with N a 0-based argument position
// RUN: %expect_exit 2 mha-run %S/Inputs/attention.mlir --input=7=%t/q.npy | FileCheck %s --check-prefix=INRANGE
// INRANGE: mha-run: error: --input=7={{.*}}: @main has only 3 arguments
// RUN: %expect_exit 2 mha-run %S/../../../examples/decode_step.mlir --output=3=%t/o.npy | FileCheck %s --check-prefix=OUTRANGE
// OUTRANGE: mha-run: error: --output=3={{.*}}: @main has only 1 results
//
// Unknown pipeline, unavailable pipeline, bad pipeline options.
// RUN: %expect_exit 2 mha-run %S/../../../examples/decode_step.mlir --pipeline=tpu | FileCheck %s --check-prefix=PIPE
// PIPE: mha-run: error: unknown --pipeline=tpu: expected cpu, reference or gpu
// RUN: %expect_exit 2 mha-run %S/../../../examples/decode_step.mlir --pipeline=reference --pipeline-options=bogus=1 | FileCheck %s --check-prefix=OPTS
// OPTS: mha-run: error: invalid reference pipeline options 'bogus=1': unknown option 'bogus' (mha-reference-pipeline has: target-cpu, target-features)
//
// --verify with the reference pipeline on a graph the oracle cannot evaluate.
// RUN: %expect_exit 2 mha-run %S/features.mlir --entry=two_attentions --pipeline=reference --verify | FileCheck %s --check-prefix=NOORACLE
// NOORACLE: mha-run: error: --verify with --pipeline=reference needs an entry that is a single mha op
//
// A mismatch fails with exit status 1: zero tolerance on f16 output.
// RUN: %expect_exit 1 mha-run %S/../../../examples/gqa_causal_prefill.mlir --seed=1 --verify --atol=0 --rtol=0 | FileCheck %s --check-prefix=MISMATCH
// MISMATCH: verify result 0 vs oracle: {{.*}} mismatches={{[1-9][0-9]*}} FAIL
// MISMATCH: {{^FAIL$}}
//
// Nothing to verify.
// RUN: %expect_exit 2 mha-run %S/Inputs/no-results.mlir --verify | FileCheck %s --check-prefix=NORESULTS
// NORESULTS: mha-run: error: --verify: @main returns nothing to compare
