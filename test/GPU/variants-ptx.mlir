// REQUIRES: ptxas
// RUN: mha-opt %s --mha-gpu-pipeline="chip=sm_80 format=isa" -o %t80.mlir
// RUN: %extract_ptx %t80.mlir > %t80.ptx
// RUN: FileCheck %s --check-prefix=PTX < %t80.ptx
// RUN: %ptxas -arch=sm_80 -v %t80.ptx -o %t80.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS
// RUN: mha-opt %s --mha-gpu-pipeline="chip=sm_90a format=isa kernel=wgmma" -o %t90.mlir
// RUN: %extract_ptx %t90.mlir > %t90.ptx
// RUN: FileCheck %s --check-prefix=PTX < %t90.ptx
// RUN: %ptxas -arch=sm_90a -v %t90.ptx -o %t90.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS

// The variants need no libdevice: softcap's tanh is ex2.approx and an
// approximate reciprocal, ALiBi an fma, sinks an ex2.approx per row
// (lib/Conversion/MHAToGPU/ScoreModifiers.cpp; the lse's log2 per row is
// expanded inline). No kernel calls a function.
// PTX-NOT:     call
// PTX-NOT:     __nv_
// PTX-LABEL: .entry attention_0(
// PTX:         ex2.approx
// PTX:         rcp.approx.f32
// PTX:         fma.rn.f32
// PTX-NOT:     call

// With every variant, the kernels keep their fragments in registers.
// PTXAS:     0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// PTXAS-NOT:     {{[1-9][0-9]*}} bytes spill

func.func @prefill(%q: tensor<1x4x256x64xbf16>, %k: tensor<1x2x256x64xbf16>, %v: tensor<1x2x256x64xbf16>, %a: tensor<4xf32>, %s: tensor<4xf32>) -> (tensor<1x4x256x64xbf16>, tensor<1x4x256xf32>) {
  %o, %l = mha.attention %q, %k, %v alibi(%a : tensor<4xf32>) sinks(%s : tensor<4xf32>) {causal, window = [64, 0], softcap = 30.0 : f32}
      : tensor<1x4x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16> -> tensor<1x4x256x64xbf16>, tensor<1x4x256xf32>
  return %o, %l : tensor<1x4x256x64xbf16>, tensor<1x4x256xf32>
}
