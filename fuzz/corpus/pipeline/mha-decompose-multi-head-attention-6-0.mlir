func.func @bf16_multi_query_float_mask(%x: tensor<1x8x32xbf16>,
    %wq: tensor<32x32xbf16>, %wk: tensor<32x8xbf16>, %wv: tensor<32x8xbf16>,
    %wo: tensor<32x32xbf16>, %m: tensor<1x4x8x8xbf16>) -> tensor<1x8x32xbf16> {
  %y = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo mask(%m)
      {num_heads = 4 : i64, num_kv_heads = 1 : i64}
      : tensor<1x8x32xbf16>, tensor<1x8x32xbf16>, tensor<32x32xbf16>,
        tensor<32x8xbf16>, tensor<32x8xbf16>, tensor<32x32xbf16>,
        tensor<1x4x8x8xbf16> -> tensor<1x8x32xbf16>
  return %y : tensor<1x8x32xbf16>
}
