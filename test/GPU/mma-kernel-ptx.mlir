// REQUIRES: ptxas
// RUN: mha-opt %s --mha-gpu-pipeline="chip=sm_80 format=isa" -o %t80.mlir
// RUN: %extract_ptx %t80.mlir > %t80.ptx
// RUN: FileCheck %s --check-prefix=PTX < %t80.ptx
// RUN: %ptxas -arch=sm_80 -v %t80.ptx -o %t80.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS
// RUN: mha-opt %s --mha-gpu-pipeline="chip=sm_90a format=isa" -o %t90.mlir
// RUN: %extract_ptx %t90.mlir > %t90.ptx
// RUN: %ptxas -arch=sm_90a -v %t90.ptx -o %t90.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS

// The mma kernel (8 warps, 128-row blocks, tile shapes of
// chooseMmaTileShape) keeps its fragments in registers at D = 64 and 128,
// bf16 and f16, causal or not, prefill and decode: ptxas reports no spills
// on sm_80 and sm_90a.
// PTXAS-COUNT-6: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// PTXAS-NOT:     {{[1-9][0-9]*}} bytes spill

// Every access of Q, K, V and the result is 16 bytes wide: Q, K and V by
// cp.async 16, the result (bf16/f16, or the f32 partial results of
// flash-decoding) by st.global.v4 from the tile staged in shared memory.
// Only the split kernel's log-sum-exp (one f32 per row) and the combine
// kernel's reads of it are scalar; the combine kernel reads partial results
// by ld.global.v4 (4 f32) and writes 8 f16 per st.global.v4.
// PTX-LABEL: .entry attention_0(
// PTX-NOT:     {{(ld|st)\.global}}
// PTX:         cp.async.cg.shared.global [{{.+}}], [{{.+}}], 16, {{.+}};
// PTX-NOT:     {{ld\.global|st\.global\.(b16|b32|v2)}}
// PTX:         st.global.v4.b32
// PTX-NOT:     {{ld\.global|st\.global\.(b16|b32|v2)}}
// PTX-LABEL: .entry attention_1(
// PTX-NOT:     {{ld\.global|st\.global\.(b16|b32|v2)}}
// PTX:         st.global.v4.b32
// PTX-LABEL: .entry attention_2(
// PTX-NOT:     {{ld\.global|st\.global\.(b16|b32|v2)}}
// PTX:         st.global.v4.b32
// PTX-LABEL: .entry attention_3(
// PTX-NOT:     {{ld\.global|st\.global\.(b16|b32|v2)}}
// PTX:         st.global.v4.b32
// PTX-LABEL: .entry attention_4(
// PTX-NOT:     {{ld\.global|st\.global\.(b16|v2)}}
// PTX:         st.global.v4.b32
// PTX-LABEL: .entry attention_4_combine(
// PTX-NOT:     st.global
// PTX:         ld.global.v4.b32
// PTX-NOT:     {{st\.global\.(b16|b32|v2)}}
// PTX:         st.global.v4.b32

func.func @d128_bf16(%q: tensor<1x4x300x128xbf16>, %k: tensor<1x4x300x128xbf16>,
                     %v: tensor<1x4x300x128xbf16>) -> tensor<1x4x300x128xbf16> {
  %o = mha.attention %q, %k, %v
      : tensor<1x4x300x128xbf16>, tensor<1x4x300x128xbf16>,
        tensor<1x4x300x128xbf16> -> tensor<1x4x300x128xbf16>
  return %o : tensor<1x4x300x128xbf16>
}

func.func @d128_f16_causal(%q: tensor<1x4x300x128xf16>, %k: tensor<1x4x300x128xf16>,
                           %v: tensor<1x4x300x128xf16>) -> tensor<1x4x300x128xf16> {
  %o = mha.attention %q, %k, %v {causal}
      : tensor<1x4x300x128xf16>, tensor<1x4x300x128xf16>,
        tensor<1x4x300x128xf16> -> tensor<1x4x300x128xf16>
  return %o : tensor<1x4x300x128xf16>
}

func.func @d64_bf16_causal(%q: tensor<1x4x300x64xbf16>, %k: tensor<1x4x300x64xbf16>,
                           %v: tensor<1x4x300x64xbf16>) -> tensor<1x4x300x64xbf16> {
  %o = mha.attention %q, %k, %v {causal}
      : tensor<1x4x300x64xbf16>, tensor<1x4x300x64xbf16>,
        tensor<1x4x300x64xbf16> -> tensor<1x4x300x64xbf16>
  return %o : tensor<1x4x300x64xbf16>
}

func.func @d64_f16(%q: tensor<1x4x300x64xf16>, %k: tensor<1x4x300x64xf16>,
                   %v: tensor<1x4x300x64xf16>) -> tensor<1x4x300x64xf16> {
  %o = mha.attention %q, %k, %v
      : tensor<1x4x300x64xf16>, tensor<1x4x300x64xf16>,
        tensor<1x4x300x64xf16> -> tensor<1x4x300x64xf16>
  return %o : tensor<1x4x300x64xf16>
}

func.func @decode_gqa_d128(%q: tensor<1x32x1x128xf16>, %k: tensor<1x8x4096x128xf16>,
                           %v: tensor<1x8x4096x128xf16>) -> tensor<1x32x1x128xf16> {
  %o = mha.attention %q, %k, %v
      : tensor<1x32x1x128xf16>, tensor<1x8x4096x128xf16>,
        tensor<1x8x4096x128xf16> -> tensor<1x32x1x128xf16>
  return %o : tensor<1x32x1x128xf16>
}
