// A rank that fails, hangs or runs something else ends the whole job with
// one clear error and a non-zero exit, never a hang: errors before the run
// are agreed on by all ranks (the lowest failing rank reports), and every
// wait (the ring's blocks, the collectives, MPI_Init) gives up after
// --mpi-timeout seconds. `timeout` turns a hang into a failure of the test.
//
// REQUIRES: mpi
//
// Without a launcher, --shard-* with N > 1 says how to start it.
// RUN: not timeout 60 mha-run %s --entry=mha --shard-sequence=2 --seed=1 2>&1 | FileCheck %s --check-prefix=LAUNCHER
// LAUNCHER: mha-run: error: --shard-sequence=2 needs 2 MPI processes, this run has 1: it was not started by an MPI launcher (start it with mpirun -np 2)
//
// Bad input on rank 1 only (its --input file is missing): rank 1 reports it,
// every rank stops.
// RUN: not timeout 300 %mpirun -np 2 bash -c 'if [ "$OMPI_COMM_WORLD_RANK" = 1 ]; then in=--input=0=%t.missing.npy; fi; exec mha-run %s --entry=mha --shard-sequence=2 --seed=1 $in' 2>&1 | FileCheck %s --check-prefix=INPUT
// INPUT: mha-run: error: rank 1: {{.*}}missing.npy
// INPUT-NOT: mha-run: error
//
// A compile error on rank 1 only (its entry does not split by 2).
// RUN: not timeout 300 %mpirun -np 2 bash -c 'e=mha; if [ "$OMPI_COMM_WORLD_RANK" = 1 ]; then e=uneven; fi; exec mha-run %s --entry=$e --shard-sequence=2 --seed=1' 2>&1 | FileCheck %s --check-prefix=COMPILE
// COMPILE: mha-run: error: rank 1: --shard-sequence: 'mha.attention' op mha-shard-attention: the query's sequence length 9 is not a multiple of grid-size 2
// COMPILE-NOT: mha-run: error
//
// Ranks that run different programs: rank 0 runs the ring once more
// (--bench) while rank 1 has finished. Rank 0's wait for rank 1's block gives
// up after --mpi-timeout and aborts the job, naming the step and the peer.
// RUN: not timeout 300 %mpirun -np 2 bash -c 'if [ "$OMPI_COMM_WORLD_RANK" = 0 ]; then b=--bench=1; fi; exec mha-run %s --entry=mha --shard-sequence=2 --seed=1 --mpi-timeout=3 $b' 2>&1 | FileCheck %s --check-prefix=HANG
// HANG: mha-run: error: rank 0: ring step 1 of 1: no block from rank 1 (message {{[01]}}, 512 bytes) within 3 s (--mpi-timeout): a rank failed, hangs or runs something else; aborting the job
//
// A process of the job that never joins it (rank 1 is not mha-run): rank 0
// gives up in MPI_Init.
// RUN: not timeout 300 %mpirun -np 2 bash -c 'if [ "$OMPI_COMM_WORLD_RANK" = 1 ]; then exec sleep 100; fi; exec mha-run %s --entry=mha --shard-sequence=2 --seed=1 --mpi-timeout=3' 2>&1 | FileCheck %s --check-prefix=INIT
// INIT: mha-run: error: rank 0: MPI_Init did not finish within 3 s (--mpi-timeout): a process of the job did not start or hangs
//
// A bad --mpi-timeout.
// RUN: not mha-run %s --entry=mha --shard-sequence=1 --mpi-timeout=0 2>&1 | FileCheck %s --check-prefix=BADTIMEOUT
// BADTIMEOUT: mha-run: error: --mpi-timeout: expected a finite number of seconds > 0, got 0

func.func @mha(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  %o = mha.attention %q, %k, %v : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32> -> tensor<1x2x16x8xf32>
  return %o : tensor<1x2x16x8xf32>
}

func.func @uneven(%q: tensor<1x2x9x8xf32>, %k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf32>) -> tensor<1x2x9x8xf32> {
  %o = mha.attention %q, %k, %v : tensor<1x2x9x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32> -> tensor<1x2x9x8xf32>
  return %o : tensor<1x2x9x8xf32>
}
