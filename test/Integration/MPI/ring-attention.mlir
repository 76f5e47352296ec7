// Distributed attention on MPI ranks of this machine, each run equal to the
// single-process reference pipeline and the C++ oracle (rank 0 gathers the
// result and verifies it): the ring over the sequence for 2, 3 and 4 ranks
// (GQA, Sq != Skv, f16, bf16), a decode step (Sq = 1: K/V split, the query
// and the result replicated) and a split of the heads.
//
// REQUIRES: mpi
// RUN: %mpirun -np 2 mha-run %s --entry=mha --shard-sequence=2 --seed=1 --verify | FileCheck %s --check-prefixes=CHECK,TWO
// RUN: %mpirun -np 3 mha-run %s --entry=gqa_sq_ne_skv --shard-sequence=3 --seed=2 --verify | FileCheck %s --check-prefixes=CHECK,THREE
// RUN: %mpirun -np 4 mha-run %s --entry=f16 --shard-sequence=4 --seed=3 --verify --pipeline-options="q-tile=4 kv-tile=4" | FileCheck %s
// RUN: %mpirun -np 2 mha-run %s --entry=bf16 --shard-sequence=2 --seed=4 --verify | FileCheck %s
// RUN: %mpirun -np 2 mha-run %s --entry=gqa_sq_ne_skv --shard-heads=2 --seed=5 --verify | FileCheck %s --check-prefixes=CHECK,HEADS
// RUN: %mpirun -np 3 mha-run %s --entry=decode --shard-sequence=3 --seed=6 --verify | FileCheck %s --check-prefixes=CHECK,DECODE
//
// A size that does not divide, or a run with another number of processes,
// is one clear error (exit 2), never a hang.
// RUN: not %mpirun -np 2 mha-run %s --entry=gqa_sq_ne_skv --shard-sequence=2 --seed=1 2>&1 | FileCheck %s --check-prefix=UNEVEN
// RUN: not %mpirun -np 2 mha-run %s --entry=mha --shard-sequence=3 --seed=1 2>&1 | FileCheck %s --check-prefix=NP
// RUN: not mha-run %s --entry=mha --shard-sequence=2 --shard-heads=2 --seed=1 2>&1 | FileCheck %s --check-prefix=BOTH

// TWO: @mha sharded over 2 MPI ranks by sequence (ring: yes), cpu pipeline per rank
// THREE: @gqa_sq_ne_skv sharded over 3 MPI ranks by sequence
// DECODE: @decode sharded over 3 MPI ranks by sequence
// HEADS: @gqa_sq_ne_skv sharded over 2 MPI ranks by heads (ring: no)
// CHECK: verify result 0 vs reference: {{.*}} PASS
// CHECK: verify result 0 vs oracle: {{.*}} PASS
// CHECK: PASS
// UNEVEN: mha-run: error: --shard-sequence: 'mha.attention' op mha-shard-attention: the query's sequence length 9 is not a multiple of grid-size 2
// UNEVEN-NOT: mha-run: error
// NP: mha-run: error: --shard-sequence=3 needs 3 MPI processes, this run has 2 (start it with mpirun -np 3)
// BOTH: mha-run: error: --shard-sequence and --shard-heads cannot be combined

func.func @mha(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  %o = mha.attention %q, %k, %v : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32> -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

func.func @gqa_sq_ne_skv(%q: tensor<2x4x9x8xf32>, %k: tensor<2x2x15x8xf32>, %v: tensor<2x2x15x4xf32>) -> tensor<2x4x9x4xf32> {
  %o = mha.attention %q, %k, %v {scale = 0.3 : f32} : tensor<2x4x9x8xf32>, tensor<2x2x15x8xf32>, tensor<2x2x15x4xf32> -> tensor<2x4x9x4xf32>
  return %o : tensor<2x4x9x4xf32>
}

func.func @f16(%q: tensor<1x2x16x8xf16>, %k: tensor<1x1x32x8xf16>, %v: tensor<1x1x32x8xf16>) -> tensor<1x2x16x8xf16> {
  %o = mha.attention %q, %k, %v : tensor<1x2x16x8xf16>, tensor<1x1x32x8xf16>, tensor<1x1x32x8xf16> -> tensor<1x2x16x8xf16>
  return %o : tensor<1x2x16x8xf16>
}

func.func @bf16(%q: tensor<1x2x8x16xbf16>, %k: tensor<1x2x8x16xbf16>, %v: tensor<1x2x8x16xbf16>) -> tensor<1x2x8x16xbf16> {
  %o = mha.attention %q, %k, %v : tensor<1x2x8x16xbf16>, tensor<1x2x8x16xbf16>, tensor<1x2x8x16xbf16> -> tensor<1x2x8x16xbf16>
  return %o : tensor<1x2x8x16xbf16>
}

func.func @decode(%q: tensor<2x8x1x16xf16>, %k: tensor<2x2x24x16xf16>, %v: tensor<2x2x24x16xf16>) -> tensor<2x8x1x16xf16> {
  %o = mha.attention %q, %k, %v : tensor<2x8x1x16xf16>, tensor<2x2x24x16xf16>, tensor<2x2x24x16xf16> -> tensor<2x8x1x16xf16>
  return %o : tensor<2x8x1x16xf16>
}
