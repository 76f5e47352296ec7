func.func @layer_gqa_bias_mask(%x: tensor<2x16x64xf32>, %y: tensor<2x24x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x16xf32>, %wv: tensor<64x16xf32>, %wo: tensor<64x64xf32>, %bq: tensor<64xf32>, %bk: tensor<16xf32>, %bv: tensor<16xf32>, %bo: tensor<64xf32>, %m: tensor<2x1x16x24xi1>) -> tensor<2x16x64xf32> {
  %o = mha.multi_head_attention %x, %y, %wq, %wk, %wv, %wo bias(%bq, %bk, %bv, %bo) mask(%m) {num_heads = 8 : i64, num_kv_heads = 2 : i64, causal} : tensor<2x16x64xf32>, tensor<2x24x64xf32>, tensor<64x64xf32>, tensor<64x16xf32>, tensor<64x16xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<16xf32>, tensor<16xf32>, tensor<64xf32>, tensor<2x1x16x24xi1> -> tensor<2x16x64xf32>
  return %o : tensor<2x16x64xf32>
}
