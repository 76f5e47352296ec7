// A multi-head attention layer split by its heads over MPI ranks of this
// machine (Megatron-style: column-parallel Q/K/V projections, row-parallel
// output projection, one all-reduce), each run equal to the single-process
// reference pipeline and the C++ oracle: MHA and GQA, self- and
// cross-attention (Sq != Skv, Dv != D), biases, causal, masks per head and
// broadcast over the heads, f32, f16 and bf16, a residual block around the
// layer, on 2, 3 and 4 ranks.
//
// REQUIRES: mpi
// RUN: %mpirun -np 2 mha-run %s --entry=gqa_bias_causal --shard-heads=2 --seed=1 --verify | FileCheck %s --check-prefixes=CHECK,TWO
// RUN: %mpirun -np 3 mha-run %s --entry=gqa_cross --shard-heads=3 --seed=2 --verify --bench=2 | FileCheck %s --check-prefixes=CHECK,THREE,BENCH
// RUN: %mpirun -np 4 mha-run %s --entry=f16_head_mask --shard-heads=4 --seed=3 --verify | FileCheck %s --check-prefixes=CHECK,FOUR
// RUN: %mpirun -np 2 mha-run %s --entry=bf16_residual_block --shard-heads=2 --seed=4 --verify | FileCheck %s --check-prefix=BLOCK
//
// A grid that would split a KV head from its query heads is one clear error
// (exit 2), never a hang.
// RUN: not %mpirun -np 4 mha-run %s --entry=gqa_bias_causal --shard-heads=4 --seed=1 2>&1 | FileCheck %s --check-prefix=KV

// TWO: @gqa_bias_causal sharded over 2 MPI ranks by heads (ring: no), cpu pipeline per rank
// THREE: @gqa_cross sharded over 3 MPI ranks by heads
// FOUR: @f16_head_mask sharded over 4 MPI ranks by heads
// The slowest rank's times (ranks start each call together).
// BENCH-SAME: ; CPU time per call on the slowest rank {{[0-9.]+}} s (median)
// CHECK: verify result 0 vs reference: {{.*}} PASS
// CHECK: verify result 0 vs oracle: {{.*}} PASS
// BENCH: bench: 2 runs, median
// CHECK: PASS
// The oracle knows single ops only: the block is checked against the
// reference pipeline.
// BLOCK: verify result 0 vs reference: {{.*}} PASS
// BLOCK-NOT: FAIL
// BLOCK: PASS
// KV: mha-run: error: --shard-heads: 'mha.multi_head_attention' op mha-shard-attention: the layer's num_kv_heads 2 is not a multiple of grid-size 4 (a rank keeps whole KV heads with their query heads)
// KV-NOT: mha-run: error

// Self-attention, 4 query heads on 2 KV heads, biases, causal.
func.func @gqa_bias_causal(%x: tensor<2x8x16xf32>, %wq: tensor<16x16xf32>, %wk: tensor<16x8xf32>, %wv: tensor<16x8xf32>, %wo: tensor<16x16xf32>, %bq: tensor<16xf32>, %bk: tensor<8xf32>, %bv: tensor<8xf32>, %bo: tensor<16xf32>) -> tensor<2x8x16xf32> {
  %y = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo bias(%bq, %bk, %bv, %bo) {num_heads = 4 : i64, num_kv_heads = 2 : i64, causal} : tensor<2x8x16xf32>, tensor<2x8x16xf32>, tensor<16x16xf32>, tensor<16x8xf32>, tensor<16x8xf32>, tensor<16x16xf32>, tensor<16xf32>, tensor<8xf32>, tensor<8xf32>, tensor<16xf32> -> tensor<2x8x16xf32>
  return %y : tensor<2x8x16xf32>
}

// Cross-attention (Sq = 5, Skv = 7), 6 query heads on 3 KV heads, D = 4,
// Dv = 2, an explicit scale.
func.func @gqa_cross(%x: tensor<1x5x24xf32>, %m: tensor<1x7x24xf32>, %wq: tensor<24x24xf32>, %wk: tensor<24x12xf32>, %wv: tensor<24x6xf32>, %wo: tensor<12x24xf32>) -> tensor<1x5x24xf32> {
  %y = mha.multi_head_attention %x, %m, %wq, %wk, %wv, %wo {num_heads = 6 : i64, num_kv_heads = 3 : i64, scale = 0.5 : f32} : tensor<1x5x24xf32>, tensor<1x7x24xf32>, tensor<24x24xf32>, tensor<24x12xf32>, tensor<24x6xf32>, tensor<12x24xf32> -> tensor<1x5x24xf32>
  return %y : tensor<1x5x24xf32>
}

// f16, 8 query heads on 4 KV heads, biases and a boolean mask per head
// (split with the heads).
func.func @f16_head_mask(%x: tensor<2x6x16xf16>, %wq: tensor<16x32xf16>, %wk: tensor<16x16xf16>, %wv: tensor<16x16xf16>, %wo: tensor<32x16xf16>, %bq: tensor<32xf16>, %bk: tensor<16xf16>, %bv: tensor<16xf16>, %bo: tensor<16xf16>, %mask: tensor<1x8x6x6xi1>) -> tensor<2x6x16xf16> {
  %y = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo bias(%bq, %bk, %bv, %bo) mask(%mask) {num_heads = 8 : i64, num_kv_heads = 4 : i64} : tensor<2x6x16xf16>, tensor<2x6x16xf16>, tensor<16x32xf16>, tensor<16x16xf16>, tensor<16x16xf16>, tensor<32x16xf16>, tensor<32xf16>, tensor<16xf16>, tensor<16xf16>, tensor<16xf16>, tensor<1x8x6x6xi1> -> tensor<2x6x16xf16>
  return %y : tensor<2x6x16xf16>
}

// A bf16 residual block: the layer on a computed input (x * x, replicated:
// every rank computes it), an additive mask broadcast over the heads
// (replicated), and the all-reduced result added to x.
func.func @bf16_residual_block(%x: tensor<1x8x32xbf16>, %wq: tensor<32x32xbf16>, %wk: tensor<32x32xbf16>, %wv: tensor<32x32xbf16>, %wo: tensor<32x32xbf16>, %mask: tensor<1x1x8x8xbf16>) -> tensor<1x8x32xbf16> {
  %e = tensor.empty() : tensor<1x8x32xbf16>
  %n = linalg.mul ins(%x, %x : tensor<1x8x32xbf16>, tensor<1x8x32xbf16>) outs(%e : tensor<1x8x32xbf16>) -> tensor<1x8x32xbf16>
  %h = mha.multi_head_attention %n, %n, %wq, %wk, %wv, %wo mask(%mask) {num_heads = 4 : i64} : tensor<1x8x32xbf16>, tensor<1x8x32xbf16>, tensor<32x32xbf16>, tensor<32x32xbf16>, tensor<32x32xbf16>, tensor<32x32xbf16>, tensor<1x1x8x8xbf16> -> tensor<1x8x32xbf16>
  %y = linalg.add ins(%h, %x : tensor<1x8x32xbf16>, tensor<1x8x32xbf16>) outs(%e : tensor<1x8x32xbf16>) -> tensor<1x8x32xbf16>
  return %y : tensor<1x8x32xbf16>
}
