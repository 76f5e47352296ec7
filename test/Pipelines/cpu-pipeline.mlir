// RUN: mha-opt %s --mha-cpu-pipeline="target-cpu=skylake-avx512" | FileCheck %s
// RUN: mha-opt %s --mha-cpu-pipeline="target-cpu=x86-64-v4 vector-width=0" | FileCheck %s
// RUN: mha-opt %s --mha-cpu-pipeline="vector-width=1" | FileCheck %s --check-prefix=SCALAR
// RUN: mha-opt %s --mha-cpu-pipeline="target-cpu=x86-64-v3" | FileCheck %s --check-prefix=AVX2
// RUN: mha-opt %s --mha-cpu-pipeline="target-cpu=skylake-avx512 vector-width=8" | FileCheck %s --check-prefix=AVX2
// RUN: mha-opt %s --mha-cpu-pipeline="target-cpu=x86-64" | FileCheck %s --check-prefix=SSE2
// RUN: not mha-opt %s --mha-cpu-pipeline="target-cpu=pentium9" 2>&1 | FileCheck %s --check-prefix=BADCPU
// RUN: not mha-opt %s --mha-cpu-pipeline="vector-width=-4" 2>&1 | FileCheck %s --check-prefix=BADWIDTH

// mha-cpu-pipeline: the tiled attention runs on vectors down to the LLVM
// dialect: register-tiled fmuladd (FMA) on 2 x 16 lanes (AVX-512), 2 x 8
// (AVX2) or 2 x 4 (SSE2), a polynomial exp (no libm call), OpenMP over
// (B, H, query tiles). The width follows target-cpu unless vector-width
// sets it (1: scalar); without F16C (x86-64) f16 conversions are integer
// code (mha-expand-float-conversions).

// CHECK-NOT:   mha.attention
// CHECK-NOT:   linalg.
// CHECK-NOT:   vector.
// CHECK-NOT:   scf.
// CHECK-NOT:   unrealized_conversion_cast
// CHECK-NOT:   @expf
// CHECK:       llvm.func @causal_f16(
// CHECK:         omp.parallel
// CHECK:         llvm.intr.fmuladd({{.+}}) : (vector<32xf32>, vector<32xf32>, vector<32xf32>) -> vector<32xf32>
// CHECK-NOT:   @expf

// SCALAR-NOT:  vector<
// SCALAR:      llvm.func @causal_f16(

// AVX2:        llvm.func @causal_f16(
// AVX2:          llvm.intr.fmuladd({{.+}}) : (vector<16xf32>, vector<16xf32>, vector<16xf32>) -> vector<16xf32>

// SSE2:        llvm.func @causal_f16(
// SSE2:          llvm.intr.fmuladd({{.+}}) : (vector<8xf32>, vector<8xf32>, vector<8xf32>) -> vector<8xf32>
// SSE2-NOT:      llvm.intr.fma(
// SSE2-NOT:      llvm.fpext {{.*}}f16
// SSE2-NOT:      llvm.fptrunc {{.*}}f16

// BADCPU:      mha-cpu-pipeline: unknown target CPU 'pentium9'

// BADWIDTH:    error: mha-vectorize-contractions: vector-width, micro-kernel-rows and micro-kernel-vectors must be positive, got vector-width=-4

func.func @causal_f16(%q: tensor<1x4x96x64xf16>, %k: tensor<1x2x96x64xf16>,
                      %v: tensor<1x2x96x64xf16>) -> tensor<1x4x96x64xf16> {
  %o = mha.attention %q, %k, %v {causal}
      : tensor<1x4x96x64xf16>, tensor<1x2x96x64xf16>, tensor<1x2x96x64xf16>
      -> tensor<1x4x96x64xf16>
  return %o : tensor<1x4x96x64xf16>
}
