// RUN: mha-opt %s --mha-gpu-pipeline="chip=sm_80 format=isa" | FileCheck %s

// The host code of mha-gpu-pipeline checks the dynamic sizes at entry,
// before it creates a stream, allocates device memory or copies anything
// (mha-insert-shape-checks, mha-lower-runtime-checks), and its host
// allocations are checked like the CPU pipelines'.
// CHECK-LABEL: llvm.func @dyn(
// CHECK-NEXT: %[[S:.*]] = llvm.call @mhaRuntimeBeginCall() : () -> !llvm.ptr
// CHECK-NOT: llvm.call @mgpu
// CHECK: llvm.cond_br %{{.*}} weights([1, 1048575]), ^[[B:.*]], ^
// CHECK-NOT: llvm.call @mgpu
// CHECK: llvm.cond_br %{{.*}} weights([1, 1048575]), ^[[SKV:.*]], ^
// CHECK-NOT: llvm.call @mgpu
// CHECK: llvm.cond_br %{{.*}} weights([1, 1048575]), ^[[MASK:.*]], ^
// CHECK-NOT: llvm.call @mgpu
// CHECK: llvm.cond_br %{{.*}} weights([1, 1048575]), ^[[MASK2:.*]], ^
// CHECK: llvm.call @mgpuStreamCreate()
// CHECK: llvm.call @mgpuMemAlloc
// CHECK: ^[[B]]:
// CHECK: llvm.call @mhaRuntimeReportShapeMismatch(%[[S]], {{.*}})
// CHECK: ^[[SKV]]:
// CHECK: llvm.call @mhaRuntimeReportShapeMismatch(%[[S]], {{.*}})
// CHECK: llvm.call @mhaRuntimeReportAllocationFailure(%[[S]], {{.*}})
func.func @dyn(%q: tensor<?x4x?x64xf16>, %k: tensor<?x2x?x64xf16>, %v: tensor<?x2x?x64xf16>, %m: tensor<1x1x?x?xi1>) -> tensor<?x4x?x64xf16> {
  %o = mha.attention %q, %k, %v mask(%m) : tensor<?x4x?x64xf16>, tensor<?x2x?x64xf16>, tensor<?x2x?x64xf16>, tensor<1x1x?x?xi1> -> tensor<?x4x?x64xf16>
  return %o : tensor<?x4x?x64xf16>
}
