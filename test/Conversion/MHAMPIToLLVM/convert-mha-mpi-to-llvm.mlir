// RUN: mha-opt %s -finalize-memref-to-llvm -convert-func-to-llvm -convert-mha-mpi-to-llvm -reconcile-unrealized-casts -split-input-file -verify-diagnostics | FileCheck %s

// Open MPI's ABI: handles are addresses of ompi_* globals, the request is a
// pointer-sized stack slot of the entry block, the buffer is sent as bytes
// (4 x 8 x f32 = 128) and MPI_STATUS_IGNORE is null.
// CHECK-DAG: llvm.func @MPI_Wait(!llvm.ptr, !llvm.ptr) -> i32
// CHECK-DAG: llvm.func @MPI_Irecv(!llvm.ptr, i32, !llvm.ptr, i32, i32, !llvm.ptr, !llvm.ptr) -> i32
// CHECK-DAG: llvm.func @MPI_Isend(!llvm.ptr, i32, !llvm.ptr, i32, i32, !llvm.ptr, !llvm.ptr) -> i32
// CHECK-DAG: llvm.mlir.global external @ompi_mpi_byte()
// CHECK-DAG: llvm.mlir.global external @ompi_mpi_comm_world()
// CHECK-LABEL: llvm.func @exchange
// CHECK: %[[REQ1:.*]] = llvm.alloca %{{.*}} x !llvm.ptr
// CHECK: %[[REQ0:.*]] = llvm.alloca %{{.*}} x !llvm.ptr
// CHECK: llvm.call @MPI_Comm_rank
// CHECK: %[[BYTES:.*]] = llvm.mlir.constant(128 : i32) : i32
// CHECK: %[[BYTE:.*]] = llvm.mlir.addressof @ompi_mpi_byte : !llvm.ptr
// CHECK: llvm.call @MPI_Isend(%{{.*}}, %[[BYTES]], %[[BYTE]], %{{.*}}, %{{.*}}, %{{.*}}, %[[REQ0]])
// CHECK: llvm.call @MPI_Irecv(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[REQ1]])
// CHECK: %[[NULL:.*]] = llvm.mlir.zero : !llvm.ptr
// CHECK: llvm.call @MPI_Wait(%[[REQ0]], %[[NULL]])
// CHECK: llvm.call @MPI_Wait(%[[REQ1]], %{{.*}})
// CHECK-NOT: mpi.
module attributes {dlti.map = #dlti.map<"MPI:Implementation" = "OpenMPI">} {
  func.func @exchange(%send: memref<4x8xf32>, %recv: memref<4x8xf32>) {
    %comm = mpi.comm_world : !mpi.comm
    %rank = mpi.comm_rank(%comm) : i32
    %tag = arith.constant 0 : i32
    %r0 = mpi.isend(%send, %tag, %rank, %comm) : memref<4x8xf32>, i32, i32 -> !mpi.request
    %r1 = mpi.irecv(%recv, %tag, %rank, %comm) : memref<4x8xf32>, i32, i32 -> !mpi.request
    mpi.wait(%r0) : !mpi.request
    mpi.wait(%r1) : !mpi.request
    return
  }
}

// -----

// expected-error @+1 {{convert-mha-mpi-to-llvm: mpi.isend, mpi.irecv and mpi.wait are lowered for Open MPI only}}
module {
  func.func @mpich(%send: memref<4xf32>) {
    %comm = mpi.comm_world : !mpi.comm
    %tag = arith.constant 0 : i32
    %r0 = mpi.isend(%send, %tag, %tag, %comm) : memref<4xf32>, i32, i32 -> !mpi.request
    mpi.wait(%r0) : !mpi.request
    return
  }
}
