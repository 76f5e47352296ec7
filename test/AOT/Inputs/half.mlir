// f16 and bf16 attention for test/AOT/no-float-runtime.test.
func.func @bf16_causal(%q: tensor<1x4x33x64xbf16>, %k: tensor<1x2x47x64xbf16>,
                       %v: tensor<1x2x47x64xbf16>) -> tensor<1x4x33x64xbf16> {
  %o = mha.attention %q, %k, %v {causal}
      : tensor<1x4x33x64xbf16>, tensor<1x2x47x64xbf16>, tensor<1x2x47x64xbf16>
      -> tensor<1x4x33x64xbf16>
  return %o : tensor<1x4x33x64xbf16>
}

func.func @f16_gqa_mask(%q: tensor<2x4x17x40xf16>, %k: tensor<2x1x29x40xf16>,
                        %v: tensor<2x1x29x24xf16>, %m: tensor<1x1x17x29xi1>)
    -> tensor<2x4x17x24xf16> {
  %o = mha.attention %q, %k, %v mask(%m)
      : tensor<2x4x17x40xf16>, tensor<2x1x29x40xf16>, tensor<2x1x29x24xf16>,
        tensor<1x1x17x29xi1> -> tensor<2x4x17x24xf16>
  return %o : tensor<2x4x17x24xf16>
}
