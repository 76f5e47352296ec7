// RUN: mha-opt %s --mha-cpu-pipeline | FileCheck %s
// RUN: mha-opt %s --mha-cpu-pipeline="vector-width=0" | FileCheck %s --check-prefix=SCALAR
// RUN: mha-opt %s --mha-cpu-pipeline="vector-width=8" | FileCheck %s --check-prefix=AVX2
// RUN: not mha-opt %s --mha-cpu-pipeline="vector-width=-4" 2>&1 | FileCheck %s --check-prefix=BADWIDTH

// mha-cpu-pipeline: the tiled attention runs on vectors down to the LLVM
// dialect: register-tiled fmuladd (FMA) on 2 x 16 lanes (AVX-512) or 2 x 8 (AVX2), a
// polynomial exp (no libm call), OpenMP over (B, H, query tiles).

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

// BADWIDTH:    error: mha-vectorize-contractions: vector-width, rows and vectors must be positive, got vector-width=-4

func.func @causal_f16(%q: tensor<1x4x96x64xf16>, %k: tensor<1x2x96x64xf16>,
                      %v: tensor<1x2x96x64xf16>) -> tensor<1x4x96x64xf16> {
  %o = mha.attention %q, %k, %v {causal}
      : tensor<1x4x96x64xf16>, tensor<1x2x96x64xf16>, tensor<1x2x96x64xf16>
      -> tensor<1x4x96x64xf16>
  return %o : tensor<1x4x96x64xf16>
}
