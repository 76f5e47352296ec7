// RUN: mha-opt %s -finalize-memref-to-llvm -convert-func-to-llvm -convert-mha-mpi-to-llvm -reconcile-unrealized-casts -split-input-file -verify-diagnostics | FileCheck %s

// The all-reduce of a head-parallel layer, for Open MPI: MPI_Allreduce of
// 2 x 8 f32 elements with the addresses of Open MPI's MPI_FLOAT and MPI_SUM
// (`ompi_mpi_op_sum`: MLIR 22's own pattern names it `ompi_mpi_sum`, which
// Open MPI does not define).
// CHECK-DAG: llvm.func @MPI_Allreduce(!llvm.ptr, !llvm.ptr, i32, !llvm.ptr, !llvm.ptr, !llvm.ptr) -> i32
// CHECK-DAG: llvm.mlir.global external @ompi_mpi_float() {{.*}} : !llvm.struct<"ompi_predefined_datatype_t", opaque>
// CHECK-DAG: llvm.mlir.global external @ompi_mpi_op_sum() {{.*}} : !llvm.struct<"ompi_predefined_op_t", opaque>
// CHECK-NOT: @ompi_mpi_sum
// CHECK-LABEL: llvm.func @sum
// CHECK: %[[SEND:.*]] = llvm.getelementptr %{{.*}}[%{{.*}}] : (!llvm.ptr, i64) -> !llvm.ptr, f32
// CHECK: %[[RECV:.*]] = llvm.getelementptr %{{.*}}[%{{.*}}] : (!llvm.ptr, i64) -> !llvm.ptr, f32
// CHECK: %[[COUNT:.*]] = llvm.mlir.constant(16 : i32) : i32
// CHECK: %[[FLOAT:.*]] = llvm.mlir.addressof @ompi_mpi_float : !llvm.ptr
// CHECK: %[[SUM:.*]] = llvm.mlir.addressof @ompi_mpi_op_sum : !llvm.ptr
// CHECK: llvm.call @MPI_Allreduce(%[[SEND]], %[[RECV]], %[[COUNT]], %[[FLOAT]], %[[SUM]], %{{.*}})
// CHECK-NOT: mpi.
module attributes {dlti.map = #dlti.map<"MPI:Implementation" = "OpenMPI">} {
  func.func @sum(%send: memref<2x8xf32>, %recv: memref<2x8xf32>) {
    %comm = mpi.comm_world : !mpi.comm
    mpi.allreduce(%send, %recv, MPI_SUM, %comm) : memref<2x8xf32>, memref<2x8xf32>
    return
  }
}

// -----

// f64 and MPI_MAX.
// CHECK-LABEL: llvm.func @max
// CHECK: llvm.mlir.addressof @ompi_mpi_double
// CHECK: llvm.mlir.addressof @ompi_mpi_op_max
// CHECK: llvm.call @MPI_Allreduce
module attributes {dlti.map = #dlti.map<"MPI:Implementation" = "OpenMPI">} {
  func.func @max(%send: memref<4xf64>, %recv: memref<4xf64>) {
    %comm = mpi.comm_world : !mpi.comm
    mpi.allreduce(%send, %recv, MPI_MAX, %comm) : memref<4xf64>, memref<4xf64>
    return
  }
}

// -----

// MPI has no f16: the partition sums in f32.
module attributes {dlti.map = #dlti.map<"MPI:Implementation" = "OpenMPI">} {
  func.func @f16(%send: memref<4xf16>, %recv: memref<4xf16>) {
    %comm = mpi.comm_world : !mpi.comm
    // expected-error @+1 {{convert-mha-mpi-to-llvm: mpi.allreduce needs two static f32 or f64 buffers of one type, got 'memref<4xf16>' and 'memref<4xf16>'}}
    mpi.allreduce(%send, %recv, MPI_SUM, %comm) : memref<4xf16>, memref<4xf16>
    return
  }
}
