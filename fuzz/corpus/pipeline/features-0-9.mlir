func.func @layer_f16_partial_blocks(%x: tensor<2x37x96xf16>, %wq: tensor<96x96xf16>, %wk: tensor<96x32xf16>, %wv: tensor<96x32xf16>, %wo: tensor<96x96xf16>) -> tensor<2x37x96xf16> {
  %o = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo {num_heads = 6 : i64, num_kv_heads = 2 : i64, causal} : tensor<2x37x96xf16>, tensor<2x37x96xf16>, tensor<96x96xf16>, tensor<96x32xf16>, tensor<96x32xf16>, tensor<96x96xf16> -> tensor<2x37x96xf16>
  return %o : tensor<2x37x96xf16>
}
