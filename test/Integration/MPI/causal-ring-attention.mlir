// Causal ring attention on the zig-zag layout (each rank holds chunks r and
// 2N-1-r of the sequence, so every rank does the same causal work, and
// fully masked chunk pairs are skipped), equal to the single-process
// reference pipeline and the C++ oracle.
//
// REQUIRES: mpi
// RUN: %mpirun -np 2 mha-run %s --entry=gqa --shard-sequence=2 --seed=1 --verify | FileCheck %s --check-prefixes=CHECK,TWO
// RUN: %mpirun -np 3 mha-run %s --entry=bf16 --shard-sequence=3 --seed=2 --verify | FileCheck %s

// TWO: @gqa sharded over 2 MPI ranks by sequence (ring: yes, zig-zag)
// CHECK: verify result 0 vs reference: {{.*}} PASS
// CHECK: verify result 0 vs oracle: {{.*}} PASS
// CHECK: PASS

func.func @gqa(%q: tensor<1x4x16x8xf32>, %k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x4x16x4xf32> {
  %o = mha.attention %q, %k, %v {causal} : tensor<1x4x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x4xf32> -> tensor<1x4x16x4xf32>
  return %o : tensor<1x4x16x4xf32>
}

func.func @bf16(%q: tensor<1x2x12x8xbf16>, %k: tensor<1x2x12x8xbf16>, %v: tensor<1x2x12x8xbf16>) -> tensor<1x2x12x8xbf16> {
  %o = mha.attention %q, %k, %v {causal, scale = 0.5 : f32} : tensor<1x2x12x8xbf16>, tensor<1x2x12x8xbf16>, tensor<1x2x12x8xbf16> -> tensor<1x2x12x8xbf16>
  return %o : tensor<1x2x12x8xbf16>
}
