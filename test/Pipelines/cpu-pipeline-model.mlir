// RUN: mha-opt %s --mha-cpu-pipeline="target-cpu=haswell" --dump-pass-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=HSW
// RUN: mha-opt %s --mha-cpu-pipeline="target-cpu=skylake-avx512" --dump-pass-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=SKX
// RUN: mha-opt %s --mha-cpu-pipeline="target-cpu=sapphirerapids" --dump-pass-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=SPR
// RUN: mha-opt %s --mha-cpu-pipeline="target-cpu=znver4" --dump-pass-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=ZEN4
// RUN: mha-opt %s --mha-cpu-pipeline="target-cpu=x86-64" --dump-pass-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=SSE2
// RUN: mha-opt %s --mha-cpu-pipeline="target-cpu=skylake-avx512 q-tile=48 kv-tile=96" --dump-pass-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=SKX48
// RUN: mha-opt %s --mha-cpu-pipeline="target-cpu=haswell q-tile=48 kv-tile=48" --dump-pass-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=HSW48
// RUN: mha-opt %s --mha-cpu-pipeline="target-cpu=skylake-avx512 keys-in-lanes=false" --dump-pass-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=ROWS
// RUN: mha-opt %s --mha-cpu-pipeline="target-cpu=znver4 micro-kernel-rows=3 micro-kernel-vectors=4 pack-b=0" --dump-pass-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=OVERRIDE

// The decisions of mha-cpu-pipeline's target model (docs/cpu-codegen.md,
// "The model"), for CPUs other than the host: the register block of the
// micro-kernels from the vector registers (one row of B and one broadcast
// beside rows x 2 accumulators, rows dividing the tiles) and the L1 geometry
// that decides which B panels are packed.

// The decode kernel chooses its score layout from the vector width;
// keys-in-lanes=false keeps the rows in the lanes.
// HSW: mha-split-kv{{{.*}} vector-width=8}
// SKX: mha-split-kv{{{.*}} vector-width=16}
// SSE2: mha-split-kv{{{.*}} vector-width=4}
// ROWS: mha-split-kv{{{.*}} vector-width=0}

// The query tile is picked per op (q-tile=0) from the target's L2 size
// and the threads; an explicit q-tile is kept.
// HSW: mha-tile-attention{kv-tile=64 l2-bytes=262144 q-tile=0 threads=0}
// SPR: mha-tile-attention{kv-tile=64 l2-bytes=2097152 q-tile=0 threads=0}
// ZEN4: mha-tile-attention{kv-tile=64 l2-bytes=1048576 q-tile=0 threads=0}
// SKX48: mha-tile-attention{kv-tile=96 l2-bytes={{[0-9]+}} q-tile=48 threads=0}

// 16 registers of 8 lanes: (16 - 3) / 2 = 6 rows fit, 4 divide 64.
// HSW: mha-vectorize-contractions{l1-bytes=32768 l1-ways=8 micro-kernel-rows=4 micro-kernel-vectors=2 pack-b=-1 vector-width=8}
// 32 registers of 16 lanes: 14 fit, 8 divide 64.
// SKX: mha-vectorize-contractions{l1-bytes=32768 l1-ways=8 micro-kernel-rows=8 micro-kernel-vectors=2 pack-b=-1 vector-width=16}
// SPR: mha-vectorize-contractions{l1-bytes=49152 l1-ways=12 micro-kernel-rows=8 micro-kernel-vectors=2 pack-b=-1 vector-width=16}
// ZEN4: mha-vectorize-contractions{l1-bytes=32768 l1-ways=8 micro-kernel-rows=8 micro-kernel-vectors=2 pack-b=-1 vector-width=16}
// SSE2: mha-vectorize-contractions{l1-bytes=32768 l1-ways=8 micro-kernel-rows=4 micro-kernel-vectors=2 pack-b=-1 vector-width=4}
// Tiles of 48 (the gcd of the q and kv tiles): 12 of the 14 rows divide it.
// SKX48: mha-vectorize-contractions{{{.*}} micro-kernel-rows=12 micro-kernel-vectors=2
// HSW48: mha-vectorize-contractions{{{.*}} micro-kernel-rows=6 micro-kernel-vectors=2
// OVERRIDE: mha-vectorize-contractions{l1-bytes=32768 l1-ways=8 micro-kernel-rows=3 micro-kernel-vectors=4 pack-b=0 vector-width=16}

func.func @main(%q: tensor<1x2x64x64xf32>) -> tensor<1x2x64x64xf32> {
  %o = mha.attention %q, %q, %q : tensor<1x2x64x64xf32>, tensor<1x2x64x64xf32>, tensor<1x2x64x64xf32> -> tensor<1x2x64x64xf32>
  return %o : tensor<1x2x64x64xf32>
}
