// RUN: mha-opt %s --pass-pipeline="builtin.module(llvm.func(mha-expand-float-conversions))" -split-input-file | FileCheck %s
// RUN: mha-opt %s --pass-pipeline="builtin.module(llvm.func(mha-expand-float-conversions{bf16=false}))" -split-input-file | FileCheck %s --check-prefix=F16ONLY

// The conversions become integer code; nothing with an f16/bf16 operand or
// result is left but bitcasts. Exhaustive numerics: MHACodegenTests.

// CHECK-LABEL: llvm.func @trunc_bf16_vector
// CHECK-NOT:     llvm.fptrunc
// CHECK:         llvm.bitcast %{{.+}} : vector<16xf32> to vector<16xi32>
// CHECK:         llvm.icmp "ugt"
// CHECK:         llvm.select
// CHECK:         llvm.trunc %{{.+}} : vector<16xi32> to vector<16xi16>
// CHECK:         llvm.bitcast %{{.+}} : vector<16xi16> to vector<16xbf16>
// F16ONLY-LABEL: llvm.func @trunc_bf16_vector
// F16ONLY:         llvm.fptrunc %{{.+}} : vector<16xf32> to vector<16xbf16>
llvm.func @trunc_bf16_vector(%x: vector<16xf32>) -> vector<16xbf16> {
  %h = llvm.fptrunc %x : vector<16xf32> to vector<16xbf16>
  llvm.return %h : vector<16xbf16>
}

// -----

// CHECK-LABEL: llvm.func @ext_f16_scalar
// CHECK-NOT:     llvm.fpext
// CHECK:         llvm.bitcast %{{.+}} : f16 to i16
// CHECK:         llvm.zext %{{.+}} : i16 to i32
// CHECK:         llvm.fsub
// CHECK:         llvm.bitcast %{{.+}} : i32 to f32
// F16ONLY-LABEL: llvm.func @ext_f16_scalar
// F16ONLY-NOT:     llvm.fpext %{{.+}} : f16
llvm.func @ext_f16_scalar(%h: f16) -> f32 {
  %x = llvm.fpext %h : f16 to f32
  llvm.return %x : f32
}

// -----

// f64 is rounded to odd in f32 first (one rounding in all); f16 -> f64
// widens exactly through f32.
// CHECK-LABEL: llvm.func @f64
// CHECK:         llvm.fptrunc %{{.+}} : f64 to f32
// CHECK:         llvm.fcmp "one"
// CHECK-NOT:     llvm.fptrunc %{{.+}} to f16
// CHECK:         llvm.fpext %{{.+}} : f32 to f64
// CHECK-NOT:     llvm.fpext %{{.+}} : f16
llvm.func @f64(%x: f64, %h: f16) -> (f16) {
  %t = llvm.fptrunc %x : f64 to f16
  %e = llvm.fpext %h : f16 to f64
  %s = llvm.fadd %e, %x : f64
  %r = llvm.fptrunc %s : f64 to f16
  llvm.return %r : f16
}

// -----

// Integer conversions go through f64 (to) and f32 (from).
// CHECK-LABEL: llvm.func @integers
// CHECK:         llvm.sitofp %{{.+}} : i32 to f64
// CHECK:         llvm.fptosi %{{.+}} : f32 to i32
// CHECK-NOT:     bf16 to i32
llvm.func @integers(%i: i32, %h: bf16) -> (bf16) {
  %f = llvm.sitofp %i : i32 to bf16
  %j = llvm.fptosi %h : bf16 to i32
  %g = llvm.uitofp %j : i32 to bf16
  llvm.return %g : bf16
}

// -----

// Other conversions are left alone.
// CHECK-LABEL: llvm.func @untouched
// CHECK:         llvm.fptrunc %{{.+}} : f64 to f32
// CHECK:         llvm.fpext %{{.+}} : f32 to f64
llvm.func @untouched(%x: f64) -> f64 {
  %t = llvm.fptrunc %x : f64 to f32
  %e = llvm.fpext %t : f32 to f64
  llvm.return %e : f64
}
