func.func @mha_bias_mask(%x: tensor<1x16x64xbf16>, %wq: tensor<64x64xbf16>,
                         %wk: tensor<64x32xbf16>, %wv: tensor<64x32xbf16>,
                         %wo: tensor<64x64xbf16>, %bq: tensor<64xbf16>,
                         %bk: tensor<32xbf16>, %bv: tensor<32xbf16>, %bo: tensor<64xbf16>,
                         %m: tensor<1x4x16x16xbf16>) -> tensor<1x16x64xbf16> {
  %y = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo bias(%bq, %bk, %bv, %bo) mask(%m)
      {num_heads = 4 : i64, num_kv_heads = 2 : i64, causal}
      : tensor<1x16x64xbf16>, tensor<1x16x64xbf16>, tensor<64x64xbf16>, tensor<64x32xbf16>,
        tensor<64x32xbf16>, tensor<64x64xbf16>, tensor<64xbf16>, tensor<32xbf16>,
        tensor<32xbf16>, tensor<64xbf16>, tensor<1x4x16x16xbf16> -> tensor<1x16x64xbf16>
  return %y : tensor<1x16x64xbf16>
}
