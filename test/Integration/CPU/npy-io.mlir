// .npy inputs and outputs: write random tensors with --output, feed them back
// with --input to a function with dynamic sequence lengths, and check that a
// rerun reproduces the written output bit for bit.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: mha-run %S/Inputs/make-inputs.mlir --seed=9 --output=0=%t/q.npy --output=1=%t/k.npy --output=2=%t/v.npy --output=3=%t/h.npy --output=4=%t/m.npy | FileCheck %s --check-prefix=GEN
// GEN: result 0: f32[1x2x7x16] -> {{.*}}q.npy
// GEN: result 3: f16[1x2x7x16] -> {{.*}}h.npy
// GEN: result 4: i1[1x1x1x11] -> {{.*}}m.npy
//
// RUN: mha-run %S/Inputs/attention.mlir --input=0=%t/q.npy --input=1=%t/k.npy --input=2=%t/v.npy --verify --output=%t/o.npy | FileCheck %s --check-prefix=OUT
// OUT: result 0: f32[1x2x7x16] -> {{.*}}o.npy
// OUT: verify result 0 vs oracle: {{.*}} PASS
//
// Running again from the same files gives the same bytes.
// RUN: mha-run %S/Inputs/attention.mlir --input=0=%t/q.npy --input=1=%t/k.npy --input=2=%t/v.npy --output=0=%t/o2.npy
// RUN: cmp %t/o.npy %t/o2.npy
//
// The JSON record.
// RUN: mha-run %S/Inputs/attention.mlir --input=0=%t/q.npy --input=1=%t/k.npy --input=2=%t/v.npy --verify --bench=2 --json | FileCheck %s --check-prefix=JSON
// JSON: {"bench":{"flops":{{[0-9.e+]+}},"gflops_per_second":{{[0-9.e+-]+}},"median_seconds":{{[0-9.e+-]+}},"min_seconds":{{[0-9.e+-]+}},"runs":2},"compile_seconds":{{[0-9.e+-]+}},"entry":"main","file":"{{.*}}attention.mlir","pipeline":"cpu","results":[{"atol":0.0001,"dtype":"f32","rtol":0.0001,"shape":[1,2,7,16]}],"target_cpu":"{{[a-z0-9-]+}}","verify":{"checks":[{"against":"reference",{{.*}}"passed":true,{{.*}}},{"against":"oracle",{{.*}}"passed":true,{{.*}}}],"passed":true}}
//
// --bench prints the median time and GFLOP/s.
// RUN: mha-run %S/Inputs/attention.mlir --input=0=%t/q.npy --input=1=%t/k.npy --input=2=%t/v.npy --bench=3 | FileCheck %s --check-prefix=BENCH
// BENCH: bench: 3 runs, median {{[0-9]+\.[0-9]+}} ms, min {{[0-9]+\.[0-9]+}} ms, {{[0-9]+\.[0-9]+}} GFLOP/s
//
// In-place writes in the compiled code never reach the caller's inputs: the
// reference run of --verify sees the original values.
// RUN: mha-run %S/Inputs/fill-arg.mlir --seed=3 --verify | FileCheck %s --check-prefix=INPLACE
// INPLACE: verify result 1 vs reference: max_abs_err=0.00e+00 {{.*}} PASS
// INPLACE: {{^PASS$}}
