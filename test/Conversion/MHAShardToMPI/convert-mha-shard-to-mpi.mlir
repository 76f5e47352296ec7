// RUN: mha-opt %s -convert-mha-shard-to-mpi -split-input-file -verify-diagnostics | FileCheck %s

// The shift becomes a non-blocking exchange with the ring neighbours; its
// waits sit before the first use of the shifted value, after the work in
// between (here the arith.addf), which the transfer overlaps.
// CHECK: module attributes {dlti.map = #dlti.map<"MPI:Implementation" = "OpenMPI">}
// CHECK-NOT: shard.grid
// CHECK-LABEL: func.func @shift
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>, %[[A:.*]]: f32, %[[B:.*]]: f32)
// CHECK: %[[COMM:.*]] = mpi.comm_world : !mpi.comm
// CHECK: %[[RANK:.*]] = mpi.comm_rank(%[[COMM]]) : i32
// CHECK-DAG: %[[C3:.*]] = arith.constant 3 : i32
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : i32
// CHECK: %[[D0:.*]] = arith.addi %[[RANK]], %[[C1]] : i32
// CHECK: %[[DEST:.*]] = arith.remui %[[D0]], %[[C3]] : i32
// CHECK: %[[C2:.*]] = arith.constant 2 : i32
// CHECK: %[[S0:.*]] = arith.addi %[[RANK]], %[[C2]] : i32
// CHECK: %[[SRC:.*]] = arith.remui %[[S0]], %[[C3]] : i32
// CHECK: %[[SEND:.*]] = bufferization.to_buffer %[[X]] read_only : tensor<4x8xf32> to memref<4x8xf32>
// CHECK: %[[RECV:.*]] = memref.alloc() : memref<4x8xf32>
// CHECK: %[[TAG:.*]] = arith.constant 0 : i32
// CHECK: %[[R0:.*]] = mpi.isend(%[[SEND]], %[[TAG]], %[[DEST]], %[[COMM]]) : memref<4x8xf32>, i32, i32 -> !mpi.request
// CHECK: %[[R1:.*]] = mpi.irecv(%[[RECV]], %[[TAG]], %[[SRC]], %[[COMM]]) : memref<4x8xf32>, i32, i32 -> !mpi.request
// CHECK: %[[SUM:.*]] = arith.addf %[[A]], %[[B]] : f32
// CHECK: mpi.wait(%[[R0]]) : !mpi.request
// CHECK: mpi.wait(%[[R1]]) : !mpi.request
// CHECK: %[[Y:.*]] = bufferization.to_tensor %[[RECV]] restrict writable : memref<4x8xf32> to tensor<4x8xf32>
// CHECK: return %[[Y]], %[[SUM]]
shard.grid @mha_grid(shape = 3)
func.func @shift(%x: tensor<4x8xf32>, %a: f32, %b: f32) -> (tensor<4x8xf32>, f32) {
  %y = shard.shift %x on @mha_grid grid_axes = [0] shift_axis = 0 offset = 1 rotate : tensor<4x8xf32> -> tensor<4x8xf32>
  %s = arith.addf %a, %b : f32
  return %y, %s : tensor<4x8xf32>, f32
}

// -----

shard.grid @g(shape = 2)
func.func @no_rotate(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{convert-mha-shard-to-mpi: only rotating shifts are supported}}
  %y = shard.shift %x on @g grid_axes = [0] shift_axis = 0 offset = 1 : tensor<4xf32> -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

shard.grid @g2(shape = 2x2)
func.func @grid_2d(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{convert-mha-shard-to-mpi: only shifts on a static 1-D grid are supported}}
  %y = shard.shift %x on @g2 grid_axes = [0] shift_axis = 0 offset = 1 rotate : tensor<4xf32> -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// The linear index on a 1-D grid is the rank in MPI_COMM_WORLD.
// CHECK-LABEL: func.func @rank
// CHECK: %[[COMM:.*]] = mpi.comm_world : !mpi.comm
// CHECK: %[[RANK:.*]] = mpi.comm_rank(%[[COMM]]) : i32
// CHECK: %[[I:.*]] = arith.index_cast %[[RANK]] : i32 to index
// CHECK: return %[[I]]
shard.grid @mha_grid(shape = 4)
func.func @rank() -> index {
  %i = shard.process_linear_index on @mha_grid : index
  return %i : index
}
