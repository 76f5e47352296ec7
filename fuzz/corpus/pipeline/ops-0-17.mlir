func.func @mha_gqa(%x: tensor<2x64x256xf16>, %wq: tensor<256x256xf16>,
                   %wk: tensor<256x64xf16>, %wv: tensor<256x64xf16>,
                   %wo: tensor<256x256xf16>) -> tensor<2x64x256xf16> {
  %y = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo
      {num_heads = 8 : i64, num_kv_heads = 2 : i64, causal, scale = 0.125 : f32}
      : tensor<2x64x256xf16>, tensor<2x64x256xf16>, tensor<256x256xf16>,
        tensor<256x64xf16>, tensor<256x64xf16>, tensor<256x256xf16>
      -> tensor<2x64x256xf16>
  return %y : tensor<2x64x256xf16>
}
