// Layers through mha-tile-layer (projections in parallel blocks that write
// Q/K/V in [B, H, S, D] and read the attention output head by head), each
// against the reference pipeline and the C++ oracle at mha-run's tolerances
// for the element type: an odd S with bias (one row block of 37, blocks of
// whole heads), GQA cross-attention with an i1 mask, causal and bias (K and
// V in one forall, Q in another), f16 without bias and bf16 with bias
// (rounding in the block epilogue), Dv != D (K and V in separate foralls),
// a dynamic batch, and head blocks narrower than a head (haswell's 64-column
// blocks against D = 128).
//
// RUN: mha-run %s --entry=odd_s_bias --seed=1 --verify | FileCheck %s
// RUN: mha-run %s --entry=gqa_cross_mask --seed=2 --verify | FileCheck %s
// RUN: mha-run %s --entry=f16_no_bias --seed=3 --verify | FileCheck %s
// RUN: mha-run %s --entry=bf16_bias_causal --seed=4 --verify | FileCheck %s
// RUN: mha-run %s --entry=dv_ne_d --seed=5 --verify | FileCheck %s
// RUN: rm -rf %t && mkdir -p %t
// RUN: mha-run %S/Inputs/make-tile-layer-inputs.mlir --seed=6 --output=0=%t/x.npy --output=1=%t/wq.npy --output=2=%t/wk.npy --output=3=%t/wv.npy --output=4=%t/wo.npy --output=5=%t/bq.npy --output=6=%t/bk.npy --output=7=%t/bv.npy --output=8=%t/bo.npy
// RUN: mha-run %s --entry=dynamic_batch --input=0=%t/x.npy --input=1=%t/wq.npy --input=2=%t/wk.npy --input=3=%t/wv.npy --input=4=%t/wo.npy --input=5=%t/bq.npy --input=6=%t/bk.npy --input=7=%t/bv.npy --input=8=%t/bo.npy --verify | FileCheck %s
// RUN: mha-run %s --entry=narrow_blocks --seed=7 --verify --pipeline-options="target-cpu=haswell" | FileCheck %s
// CHECK-NOT: FAIL
// CHECK: PASS

func.func @odd_s_bias(%x: tensor<1x37x96xf32>, %wq: tensor<96x96xf32>, %wk: tensor<96x96xf32>, %wv: tensor<96x96xf32>, %wo: tensor<96x96xf32>, %bq: tensor<96xf32>, %bk: tensor<96xf32>, %bv: tensor<96xf32>, %bo: tensor<96xf32>) -> tensor<1x37x96xf32> {
  %y = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo bias(%bq, %bk, %bv, %bo) {num_heads = 3 : i64} : tensor<1x37x96xf32>, tensor<1x37x96xf32>, tensor<96x96xf32>, tensor<96x96xf32>, tensor<96x96xf32>, tensor<96x96xf32>, tensor<96xf32>, tensor<96xf32>, tensor<96xf32>, tensor<96xf32> -> tensor<1x37x96xf32>
  return %y : tensor<1x37x96xf32>
}

func.func @gqa_cross_mask(%x: tensor<2x16x64xf32>, %m: tensor<2x24x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>, %bq: tensor<64xf32>, %bk: tensor<32xf32>, %bv: tensor<32xf32>, %bo: tensor<64xf32>, %mask: tensor<2x1x16x24xi1>) -> tensor<2x16x64xf32> {
  %y = mha.multi_head_attention %x, %m, %wq, %wk, %wv, %wo bias(%bq, %bk, %bv, %bo) mask(%mask) {num_heads = 4 : i64, num_kv_heads = 2 : i64, causal} : tensor<2x16x64xf32>, tensor<2x24x64xf32>, tensor<64x64xf32>, tensor<64x32xf32>, tensor<64x32xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<32xf32>, tensor<32xf32>, tensor<64xf32>, tensor<2x1x16x24xi1> -> tensor<2x16x64xf32>
  return %y : tensor<2x16x64xf32>
}

func.func @f16_no_bias(%x: tensor<1x40x64xf16>, %wq: tensor<64x64xf16>, %wk: tensor<64x64xf16>, %wv: tensor<64x64xf16>, %wo: tensor<64x64xf16>) -> tensor<1x40x64xf16> {
  %y = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo {num_heads = 4 : i64} : tensor<1x40x64xf16>, tensor<1x40x64xf16>, tensor<64x64xf16>, tensor<64x64xf16>, tensor<64x64xf16>, tensor<64x64xf16> -> tensor<1x40x64xf16>
  return %y : tensor<1x40x64xf16>
}

func.func @bf16_bias_causal(%x: tensor<1x32x64xbf16>, %wq: tensor<64x64xbf16>, %wk: tensor<64x64xbf16>, %wv: tensor<64x64xbf16>, %wo: tensor<64x64xbf16>, %bq: tensor<64xbf16>, %bk: tensor<64xbf16>, %bv: tensor<64xbf16>, %bo: tensor<64xbf16>) -> tensor<1x32x64xbf16> {
  %y = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo bias(%bq, %bk, %bv, %bo) {num_heads = 2 : i64, causal} : tensor<1x32x64xbf16>, tensor<1x32x64xbf16>, tensor<64x64xbf16>, tensor<64x64xbf16>, tensor<64x64xbf16>, tensor<64x64xbf16>, tensor<64xbf16>, tensor<64xbf16>, tensor<64xbf16>, tensor<64xbf16> -> tensor<1x32x64xbf16>
  return %y : tensor<1x32x64xbf16>
}

func.func @dv_ne_d(%x: tensor<1x24x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x64xf32>, %wv: tensor<64x128xf32>, %wo: tensor<128x64xf32>, %bq: tensor<64xf32>, %bk: tensor<64xf32>, %bv: tensor<128xf32>, %bo: tensor<64xf32>) -> tensor<1x24x64xf32> {
  %y = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo bias(%bq, %bk, %bv, %bo) {num_heads = 4 : i64} : tensor<1x24x64xf32>, tensor<1x24x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x128xf32>, tensor<128x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<128xf32>, tensor<64xf32> -> tensor<1x24x64xf32>
  return %y : tensor<1x24x64xf32>
}

func.func @dynamic_batch(%x: tensor<?x32x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x64xf32>, %wv: tensor<64x64xf32>, %wo: tensor<64x64xf32>, %bq: tensor<64xf32>, %bk: tensor<64xf32>, %bv: tensor<64xf32>, %bo: tensor<64xf32>) -> tensor<?x32x64xf32> {
  %y = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo bias(%bq, %bk, %bv, %bo) {num_heads = 2 : i64} : tensor<?x32x64xf32>, tensor<?x32x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32> -> tensor<?x32x64xf32>
  return %y : tensor<?x32x64xf32>
}

func.func @narrow_blocks(%x: tensor<1x64x256xf32>, %wq: tensor<256x256xf32>, %wk: tensor<256x256xf32>, %wv: tensor<256x256xf32>, %wo: tensor<256x256xf32>, %bq: tensor<256xf32>, %bk: tensor<256xf32>, %bv: tensor<256xf32>, %bo: tensor<256xf32>) -> tensor<1x64x256xf32> {
  %y = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo bias(%bq, %bk, %bv, %bo) {num_heads = 2 : i64} : tensor<1x64x256xf32>, tensor<1x64x256xf32>, tensor<256x256xf32>, tensor<256x256xf32>, tensor<256x256xf32>, tensor<256x256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32> -> tensor<1x64x256xf32>
  return %y : tensor<1x64x256xf32>
}
