// RUN: mha-opt %s -convert-mha-shard-to-mpi -split-input-file -verify-diagnostics | FileCheck %s

// The all-reduce of a head-parallel layer: mpi.allreduce from the input's
// buffer into a new one, on the world's processes (the 1-D grid).
// CHECK: module attributes {dlti.map = #dlti.map<"MPI:Implementation" = "OpenMPI">}
// CHECK-NOT: shard.grid
// CHECK-LABEL: func.func @sum
// CHECK-SAME: (%[[X:.*]]: tensor<2x8xf32>)
// CHECK: %[[COMM:.*]] = mpi.comm_world : !mpi.comm
// CHECK: %[[SEND:.*]] = bufferization.to_buffer %[[X]] read_only : tensor<2x8xf32> to memref<2x8xf32>
// CHECK: %[[RECV:.*]] = memref.alloc() : memref<2x8xf32>
// CHECK: mpi.allreduce(%[[SEND]], %[[RECV]], MPI_SUM, %[[COMM]]) : memref<2x8xf32>, memref<2x8xf32>
// CHECK: %[[Y:.*]] = bufferization.to_tensor %[[RECV]] restrict writable : memref<2x8xf32> to tensor<2x8xf32>
// CHECK: return %[[Y]]
shard.grid @mha_grid(shape = 3)
func.func @sum(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %y = shard.all_reduce %x on @mha_grid grid_axes = [0] : tensor<2x8xf32> -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// CHECK-LABEL: func.func @max
// CHECK: mpi.allreduce(%{{.*}}, %{{.*}}, MPI_MAX, %{{.*}})
shard.grid @mha_grid(shape = 2)
func.func @max(%x: tensor<4xf64>) -> tensor<4xf64> {
  %y = shard.all_reduce %x on @mha_grid grid_axes = [0] reduction = max : tensor<4xf64> -> tensor<4xf64>
  return %y : tensor<4xf64>
}

// -----

shard.grid @g(shape = 2)
func.func @convert(%x: tensor<4xf16>) -> tensor<4xf32> {
  // expected-error @+1 {{convert-mha-shard-to-mpi: only all-reduces of a static tensor into the same type are supported}}
  %y = shard.all_reduce %x on @g grid_axes = [0] : tensor<4xf16> -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

shard.grid @g(shape = 2)
func.func @average(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{convert-mha-shard-to-mpi: only sum, max, min and product all-reduces are supported}}
  %y = shard.all_reduce %x on @g grid_axes = [0] reduction = average : tensor<4xf32> -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

shard.grid @g2(shape = 2x2)
func.func @grid_2d(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{convert-mha-shard-to-mpi: only all-reduces on a static 1-D grid are supported}}
  %y = shard.all_reduce %x on @g2 grid_axes = [0] : tensor<4xf32> -> tensor<4xf32>
  return %y : tensor<4xf32>
}
