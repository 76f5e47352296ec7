// RUN: mha-opt %s -mha-shard-attention="grid-size=2 axis=heads" -mha-partition-attention -split-input-file | FileCheck %s
// RUN: mha-opt %s -mha-shard-attention="grid-size=2 axis=heads" -mha-partition-attention -convert-mha-shard-to-mpi -split-input-file | FileCheck %s --check-prefix=MPI
// RUN: mha-opt %s -mha-shard-attention="grid-size=2 axis=heads" -mha-partition-attention -convert-mha-shard-to-mpi -split-input-file --mha-cpu-pipeline="target-cpu=x86-64-v3" | FileCheck %s --check-prefix=LLVM

// The program of one rank of a layer split by heads over 2 ranks: its 2 of
// 4 query heads and 1 of 2 KV heads (columns of W_q, W_k, W_v and of their
// biases), its 8 of 16 rows of W_o. The layer runs on them with a zero
// output bias, one all-reduce sums the partial output projections, and the
// output bias is added once, after it.
// CHECK-NOT: shard.shard
// CHECK-LABEL: func.func @layer
// CHECK-SAME: (%[[X:.*]]: tensor<1x8x16xf32>, %[[WQ:.*]]: tensor<16x8xf32>, %[[WK:.*]]: tensor<16x4xf32>, %[[WV:.*]]: tensor<16x4xf32>, %[[WO:.*]]: tensor<8x16xf32>, %[[BQ:.*]]: tensor<8xf32>, %[[BK:.*]]: tensor<4xf32>, %[[BV:.*]]: tensor<4xf32>, %[[BO:.*]]: tensor<16xf32>, %[[MASK:.*]]: tensor<1x1x8x8xi1>) -> tensor<1x8x16xf32>
// CHECK: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : tensor<16xf32>
// CHECK: %[[P:.*]] = mha.multi_head_attention %[[X]], %[[X]], %[[WQ]], %[[WK]], %[[WV]], %[[WO]] bias(%[[BQ]], %[[BK]], %[[BV]], %[[ZERO]]) mask(%[[MASK]]) {causal, num_heads = 2 : i64, num_kv_heads = 1 : i64}
// CHECK: %[[SUM:.*]] = shard.all_reduce %[[P]] on @mha_grid grid_axes = [0] : tensor<1x8x16xf32> -> tensor<1x8x16xf32>
// CHECK: %[[Y:.*]] = linalg.generic {{.*}} ins(%[[SUM]], %[[BO]] : tensor<1x8x16xf32>, tensor<16xf32>)
// CHECK: arith.addf
// CHECK: return %[[Y]] : tensor<1x8x16xf32>

// After lowering to mpi: one mpi.allreduce of the partial result.
// MPI: module attributes {dlti.map = #dlti.map<"MPI:Implementation" = "OpenMPI">}
// MPI-NOT: shard.
// MPI-LABEL: func.func @layer
// MPI: %[[P:.*]] = mha.multi_head_attention
// MPI: %[[COMM:.*]] = mpi.comm_world : !mpi.comm
// MPI: %[[SEND:.*]] = bufferization.to_buffer %[[P]] read_only : tensor<1x8x16xf32> to memref<1x8x16xf32>
// MPI: %[[RECV:.*]] = memref.alloc() : memref<1x8x16xf32>
// MPI: mpi.allreduce(%[[SEND]], %[[RECV]], MPI_SUM, %[[COMM]]) : memref<1x8x16xf32>, memref<1x8x16xf32>
// MPI: %[[SUM:.*]] = bufferization.to_tensor %[[RECV]] restrict writable
// MPI-NOT: mpi.
// MPI: linalg.generic {{.*}} ins(%[[SUM]], %{{.*}} : tensor<1x8x16xf32>, tensor<16xf32>)
// MPI-NOT: mpi.
// MPI: return

// Through the CPU pipeline: the local layer fused and bufferized like one
// process's, the all-reduce a call of Open MPI's MPI_Allreduce.
// LLVM-DAG: llvm.func @MPI_Allreduce(!llvm.ptr, !llvm.ptr, i32, !llvm.ptr, !llvm.ptr, !llvm.ptr) -> i32
// LLVM-DAG: llvm.mlir.global external @ompi_mpi_op_sum()
// LLVM-DAG: llvm.mlir.global external @ompi_mpi_float()
// LLVM-LABEL: llvm.func @layer
// LLVM: llvm.call @MPI_Allreduce
// LLVM-NOT: mpi.
func.func @layer(%x: tensor<1x8x16xf32>, %wq: tensor<16x16xf32>, %wk: tensor<16x8xf32>, %wv: tensor<16x8xf32>, %wo: tensor<16x16xf32>, %bq: tensor<16xf32>, %bk: tensor<8xf32>, %bv: tensor<8xf32>, %bo: tensor<16xf32>, %mask: tensor<1x1x8x8xi1>) -> tensor<1x8x16xf32> {
  %y = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo bias(%bq, %bk, %bv, %bo) mask(%mask) {num_heads = 4 : i64, num_kv_heads = 2 : i64, causal} : tensor<1x8x16xf32>, tensor<1x8x16xf32>, tensor<16x16xf32>, tensor<16x8xf32>, tensor<16x8xf32>, tensor<16x16xf32>, tensor<16xf32>, tensor<8xf32>, tensor<8xf32>, tensor<16xf32>, tensor<1x1x8x8xi1> -> tensor<1x8x16xf32>
  return %y : tensor<1x8x16xf32>
}

// -----

// f16 cross-attention (Sq != Skv, Dv != D) with a per-head mask: the mask
// is split by its heads; the partial results are summed in f32 (MPI has no
// f16) and rounded once.
// CHECK-LABEL: func.func @f16
// CHECK-SAME: (%[[X:.*]]: tensor<1x4x8xf16>, %[[M:.*]]: tensor<1x6x8xf16>, %[[WQ:.*]]: tensor<8x4xf16>, %[[WK:.*]]: tensor<8x4xf16>, %[[WV:.*]]: tensor<8x6xf16>, %[[WO:.*]]: tensor<6x8xf16>, %[[MASK:.*]]: tensor<1x2x4x6xf16>) -> tensor<1x4x8xf16>
// CHECK: %[[P:.*]] = mha.multi_head_attention %[[X]], %[[M]], %[[WQ]], %[[WK]], %[[WV]], %[[WO]] mask(%[[MASK]]) {num_heads = 2 : i64, scale = 5.000000e-01 : f32}
// CHECK: %[[P32:.*]] = linalg.generic {{.*}} ins(%[[P]] : tensor<1x4x8xf16>)
// CHECK: arith.extf
// CHECK: %[[SUM:.*]] = shard.all_reduce %[[P32]] on @mha_grid grid_axes = [0] : tensor<1x4x8xf32> -> tensor<1x4x8xf32>
// CHECK: %[[Y:.*]] = linalg.generic {{.*}} ins(%[[SUM]] : tensor<1x4x8xf32>)
// CHECK: arith.truncf
// CHECK: return %[[Y]] : tensor<1x4x8xf16>
func.func @f16(%x: tensor<1x4x8xf16>, %m: tensor<1x6x8xf16>, %wq: tensor<8x8xf16>, %wk: tensor<8x8xf16>, %wv: tensor<8x12xf16>, %wo: tensor<12x8xf16>, %mask: tensor<1x4x4x6xf16>) -> tensor<1x4x8xf16> {
  %y = mha.multi_head_attention %x, %m, %wq, %wk, %wv, %wo mask(%mask) {num_heads = 4 : i64, scale = 0.5 : f32} : tensor<1x4x8xf16>, tensor<1x6x8xf16>, tensor<8x8xf16>, tensor<8x8xf16>, tensor<8x12xf16>, tensor<12x8xf16>, tensor<1x4x4x6xf16> -> tensor<1x4x8xf16>
  return %y : tensor<1x4x8xf16>
}

// -----

// A residual block: the computed input is replicated (every rank computes
// it whole), and the all-reduced result is used as it was.
// CHECK-LABEL: func.func @block
// CHECK-SAME: (%[[X:.*]]: tensor<1x8x16xf32>, %[[W:.*]]: tensor<16x8xf32>, %[[WO:.*]]: tensor<8x16xf32>)
// CHECK: %[[N:.*]] = linalg.mul ins(%[[X]], %[[X]]
// CHECK: %[[P:.*]] = mha.multi_head_attention %[[N]], %[[N]], %[[W]], %[[W]], %[[W]], %[[WO]] {num_heads = 1 : i64}
// CHECK: %[[SUM:.*]] = shard.all_reduce %[[P]]
// CHECK: %[[Y:.*]] = linalg.add ins(%[[SUM]], %[[X]] :
// CHECK: return %[[Y]]
func.func @block(%x: tensor<1x8x16xf32>, %w: tensor<16x16xf32>, %wo: tensor<16x16xf32>) -> tensor<1x8x16xf32> {
  %e = tensor.empty() : tensor<1x8x16xf32>
  %n = linalg.mul ins(%x, %x : tensor<1x8x16xf32>, tensor<1x8x16xf32>) outs(%e : tensor<1x8x16xf32>) -> tensor<1x8x16xf32>
  %h = mha.multi_head_attention %n, %n, %w, %w, %w, %wo {num_heads = 2 : i64} : tensor<1x8x16xf32>, tensor<1x8x16xf32>, tensor<16x16xf32>, tensor<16x16xf32>, tensor<16x16xf32>, tensor<16x16xf32> -> tensor<1x8x16xf32>
  %y = linalg.add ins(%h, %x : tensor<1x8x16xf32>, tensor<1x8x16xf32>) outs(%e : tensor<1x8x16xf32>) -> tensor<1x8x16xf32>
  return %y : tensor<1x8x16xf32>
}

// -----

// ALiBi slopes and sinks go with their query heads (split like the rows of
// W_o); window and softcap stay on each rank's layer.
// CHECK-LABEL: func.func @layer_variants
// CHECK-SAME: %[[SLOPES:[^:]*]]: tensor<2xf32>, %[[SINKS:[^:]*]]: tensor<2xf32>)
// CHECK: mha.multi_head_attention {{.*}} alibi(%[[SLOPES]] : tensor<2xf32>) sinks(%[[SINKS]] : tensor<2xf32>) {num_heads = 2 : i64, num_kv_heads = 1 : i64, softcap = 2.000000e+00 : f32, window = [3, 0]}
func.func @layer_variants(%x: tensor<1x8x16xf32>, %wq: tensor<16x16xf32>, %wk: tensor<16x8xf32>, %wv: tensor<16x8xf32>, %wo: tensor<16x16xf32>, %slopes: tensor<4xf32>, %s: tensor<4xf32>) -> tensor<1x8x16xf32> {
  %y = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo alibi(%slopes : tensor<4xf32>) sinks(%s : tensor<4xf32>) {num_heads = 4 : i64, num_kv_heads = 2 : i64, window = [3, 0], softcap = 2.0 : f32} : tensor<1x8x16xf32>, tensor<1x8x16xf32>, tensor<16x16xf32>, tensor<16x8xf32>, tensor<16x8xf32>, tensor<16x16xf32> -> tensor<1x8x16xf32>
  return %y : tensor<1x8x16xf32>
}
