// RUN: %mha-opt %s --load-pass-plugin=%plugin --pass-pipeline='builtin.module(my-report-attention)' -split-input-file -verify-diagnostics | FileCheck %s
// RUN: %mha-opt %s --load-pass-plugin=%plugin --pass-pipeline='builtin.module(my-report-attention{only-causal=true})' -split-input-file 2>&1 >/dev/null | FileCheck %s --check-prefix=CAUSAL --implicit-check-not=remark:

// The IR is unchanged.
// CHECK-LABEL: func.func @gqa
// CHECK:         mha.attention
func.func @gqa(%q: tensor<1x8x128x64xf16>, %kv: tensor<1x2x128x64xf16>) -> tensor<1x8x128x64xf16> {
  // expected-remark @+1 {{attention B=1 H=8 Hkv=2 Sq=128 Skv=128 D=64 Dv=64}}
  %o = mha.attention %q, %kv, %kv : tensor<1x8x128x64xf16>, tensor<1x2x128x64xf16>, tensor<1x2x128x64xf16> -> tensor<1x8x128x64xf16>
  return %o : tensor<1x8x128x64xf16>
}

// -----

// CHECK-LABEL: func.func @decode
// With only-causal, the remark of @gqa is gone.
// CAUSAL: remark: attention B=? H=4 Hkv=4 Sq=1 Skv=? D=32 Dv=16 causal
func.func @decode(%q: tensor<?x4x1x32xf32>, %k: tensor<?x4x?x32xf32>, %v: tensor<?x4x?x16xf32>) -> tensor<?x4x1x16xf32> {
  // expected-remark @+1 {{attention B=? H=4 Hkv=4 Sq=1 Skv=? D=32 Dv=16 causal}}
  %o = mha.attention %q, %k, %v {causal} : tensor<?x4x1x32xf32>, tensor<?x4x?x32xf32>, tensor<?x4x?x16xf32> -> tensor<?x4x1x16xf32>
  return %o : tensor<?x4x1x16xf32>
}
