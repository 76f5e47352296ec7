func.func @gqa_bias_mask_causal_scale(%x: tensor<2x16x64xf16>,
    %wq: tensor<64x64xf16>, %wk: tensor<64x16xf16>, %wv: tensor<64x16xf16>,
    %wo: tensor<64x64xf16>, %bq: tensor<64xf16>, %bk: tensor<16xf16>,
    %bv: tensor<16xf16>, %bo: tensor<64xf16>, %m: tensor<1x1x16x16xi1>)
    -> tensor<2x16x64xf16> {
  %y = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo
      bias(%bq, %bk, %bv, %bo) mask(%m)
      {num_heads = 8 : i64, num_kv_heads = 2 : i64, causal, scale = 0.25 : f32}
      : tensor<2x16x64xf16>, tensor<2x16x64xf16>, tensor<64x64xf16>,
        tensor<64x16xf16>, tensor<64x16xf16>, tensor<64x64xf16>,
        tensor<64xf16>, tensor<16xf16>, tensor<16xf16>, tensor<64xf16>,
        tensor<1x1x16x16xi1> -> tensor<2x16x64xf16>
  return %y : tensor<2x16x64xf16>
}
