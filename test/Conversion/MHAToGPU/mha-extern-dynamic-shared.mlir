// RUN: mha-opt %s --split-input-file --pass-pipeline="builtin.module(gpu.module(mha-extern-dynamic-shared))" | FileCheck %s
// RUN: mha-opt %s --split-input-file --pass-pipeline="builtin.module(gpu.module(mha-extern-dynamic-shared{alignment=1024}))" | FileCheck %s --check-prefix=ALIGN
// RUN: not mha-opt %s --split-input-file --pass-pipeline="builtin.module(gpu.module(mha-extern-dynamic-shared{alignment=24}))" 2>&1 | FileCheck %s --check-prefix=BAD

// The dynamic shared memory of convert-gpu-to-nvvm becomes an aligned
// extern array (NVPTX: `.extern .shared .align 128 .b8 ...[]`), placed by
// ptxas after the static shared variables such as nvgpu's mbarriers, which
// keep their linkage, as do shared arrays with elements.

// CHECK-LABEL: gpu.module @kernels
// CHECK:       llvm.mlir.global external @__dynamic_shmem__0() {addr_space = 3 : i32, alignment = 128 : i64} : !llvm.array<0 x i8>
// CHECK:       llvm.mlir.global private @__mbarrier() {addr_space = 3 : i32, alignment = 8 : i64} : !llvm.array<1 x i64>
// CHECK:       llvm.mlir.global internal @tile() {addr_space = 3 : i32, alignment = 16 : i64} : !llvm.array<4 x i8>
// CHECK:       llvm.mlir.global internal @global_zero() {addr_space = 1 : i32} : !llvm.array<0 x i8>
// ALIGN:       llvm.mlir.global external @__dynamic_shmem__0() {addr_space = 3 : i32, alignment = 1024 : i64}
// BAD:         error: mha-extern-dynamic-shared: alignment must be a power of two, got 24
gpu.module @kernels {
  llvm.mlir.global internal @__dynamic_shmem__0() {addr_space = 3 : i32, alignment = 16 : i64} : !llvm.array<0 x i8>
  llvm.mlir.global private @__mbarrier() {addr_space = 3 : i32, alignment = 8 : i64} : !llvm.array<1 x i64>
  llvm.mlir.global internal @tile() {addr_space = 3 : i32, alignment = 16 : i64} : !llvm.array<4 x i8>
  llvm.mlir.global internal @global_zero() {addr_space = 1 : i32} : !llvm.array<0 x i8>
}
