// RUN: mha-opt %s -mha-tile-attention="q-tile=0 l2-bytes=2097152 threads=2" -split-input-file | FileCheck %s --check-prefix=L2M
// RUN: mha-opt %s -mha-tile-attention="q-tile=0 l2-bytes=262144 threads=2" -split-input-file | FileCheck %s --check-prefix=L256K
// RUN: mha-opt %s -mha-tile-attention="q-tile=0 l2-bytes=2097152 threads=128" -split-input-file | FileCheck %s --check-prefix=MANY
// RUN: mha-opt %s -mha-tile-attention="q-tile=0 kv-tile=48 l2-bytes=2097152 threads=2" -split-input-file | FileCheck %s --check-prefix=KV48
// RUN: not mha-opt %s -mha-tile-attention="q-tile=0 l2-bytes=0" -split-input-file 2>&1 | FileCheck %s --check-prefix=BADL2

// q-tile=0: the tile model of mha-tile-attention (docs/cpu-codegen.md,
// "Tiles") picks 128 query rows where one kv step's working set fits half
// of L2, 128 and the kv tile are multiples of one another, Sq > 64 and
// B * H * ceil(Sq / 128) leaves at least 4 tasks per thread and there is
// no causal mask or window; else 64.

// BADL2: error: mha-tile-attention: q-tile and threads must not be negative, kv-tile and l2-bytes must be positive, got q-tile=0 kv-tile=64 l2-bytes=0 threads=0

// D = 128, kv tile 64: 4 * (128 * 320 + 64 * 256) = 224 KiB fits half of
// 2 MiB (128 rows: 16 query tiles per head), not half of 256 KiB (64
// rows: 32 tiles). 128 threads want 512 tasks: 64 rows. A kv tile of 48 is
// no divisor of 128: 64 rows.
// L2M-LABEL: func.func @prefill_d128
// L2M: scf.forall ({{.*}}) in (1, 16, 16)
// L2M: tensor<128x128xf32>
// L256K-LABEL: func.func @prefill_d128
// L256K: scf.forall ({{.*}}) in (1, 16, 32)
// MANY-LABEL: func.func @prefill_d128
// MANY: scf.forall ({{.*}}) in (1, 16, 32)
// KV48-LABEL: func.func @prefill_d128
// KV48: scf.forall ({{.*}}) in (1, 16, 32)
func.func @prefill_d128(%q: tensor<1x16x2048x128xf32>) -> tensor<1x16x2048x128xf32> {
  %o = mha.attention %q, %q, %q : tensor<1x16x2048x128xf32>, tensor<1x16x2048x128xf32>, tensor<1x16x2048x128xf32> -> tensor<1x16x2048x128xf32>
  return %o : tensor<1x16x2048x128xf32>
}

// -----

// D = 64: 4 * (128 * 192 + 64 * 128) = 128 KiB fits half of 256 KiB too.
// L2M-LABEL: func.func @prefill_d64
// L2M: scf.forall ({{.*}}) in (2, 8, 3)
// L256K-LABEL: func.func @prefill_d64
// L256K: scf.forall ({{.*}}) in (2, 8, 3)
// MANY-LABEL: func.func @prefill_d64
// MANY: scf.forall ({{.*}}) in (2, 8, 5)
func.func @prefill_d64(%q: tensor<2x8x300x64xf32>) -> tensor<2x8x300x64xf32> {
  %o = mha.attention %q, %q, %q : tensor<2x8x300x64xf32>, tensor<2x8x300x64xf32>, tensor<2x8x300x64xf32> -> tensor<2x8x300x64xf32>
  return %o : tensor<2x8x300x64xf32>
}

// -----

// Causal (and windows) keep 64: the peeled diagonal.
// L2M-LABEL: func.func @causal
// L2M: scf.forall ({{.*}}) in (1, 16, 32)
func.func @causal(%q: tensor<1x16x2048x64xf32>) -> tensor<1x16x2048x64xf32> {
  %o = mha.attention %q, %q, %q {causal} : tensor<1x16x2048x64xf32>, tensor<1x16x2048x64xf32>, tensor<1x16x2048x64xf32> -> tensor<1x16x2048x64xf32>
  return %o : tensor<1x16x2048x64xf32>
}

// -----

// Sq = 64 fits one tile of 64.
// L2M-LABEL: func.func @short
// L2M: scf.forall ({{.*}}) in (1, 16, 1)
func.func @short(%q: tensor<1x16x64x64xf32>) -> tensor<1x16x64x64xf32> {
  %o = mha.attention %q, %q, %q : tensor<1x16x64x64xf32>, tensor<1x16x64x64xf32>, tensor<1x16x64x64xf32> -> tensor<1x16x64x64xf32>
  return %o : tensor<1x16x64x64xf32>
}

// -----

// Dynamic sizes are assumed long: ceildiv(Sq, 128) query tiles.
// L2M: affine_map<()[s0] -> (s0 ceildiv 128)>
// L2M-LABEL: func.func @dynamic
func.func @dynamic(%q: tensor<?x16x?x64xf32>) -> tensor<?x16x?x64xf32> {
  %o = mha.attention %q, %q, %q : tensor<?x16x?x64xf32>, tensor<?x16x?x64xf32>, tensor<?x16x?x64xf32> -> tensor<?x16x?x64xf32>
  return %o : tensor<?x16x?x64xf32>
}
