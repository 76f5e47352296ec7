// RUN: mha-opt %s --mha-gpu-pipeline="chip=sm_80 format=isa" -o %t80.mlir
// RUN: FileCheck %s --check-prefixes=CHECK,SM80 < %t80.mlir
// RUN: %extract_ptx %t80.mlir | FileCheck %s --check-prefix=PTX
// RUN: mha-opt %s --mha-gpu-pipeline="chip=sm_90a format=isa" -o %t90.mlir
// RUN: FileCheck %s --check-prefixes=CHECK,SM90 < %t90.mlir
// RUN: %extract_ptx %t90.mlir | FileCheck %s --check-prefix=PTX

// mha-gpu-pipeline down to PTX (no ptxas needed): the host side is LLVM
// dialect calling the mgpu* runtime functions (gpu.launch_func on LLVM
// values becomes mgpuLaunchKernel when translated to LLVM IR), the kernels
// are PTX with
// tensor-core mma.sync (bf16 and f16), cp.async staging, warp shuffles and
// ex2.approx. f32 (and the decode-shaped f32 case, split-kv) runs on
// CUDA cores, reading Q, K and V and writing the result in 16-byte vectors
// (only the mask is read element by element).

// CHECK-NOT:   unrealized_conversion_cast
// CHECK-LABEL: llvm.func @bf16_causal(
// CHECK:         llvm.call @mgpuStreamCreate()
// CHECK:         llvm.call @mgpuMemAlloc(
// CHECK:         llvm.call @mgpuMemcpy(
// CHECK:         gpu.launch_func <%{{.+}} : !llvm.ptr> @mha_kernels::@attention_0 blocks
// CHECK:         llvm.call @mgpuStreamSynchronize(
// CHECK:         llvm.call @mgpuMemFree(
// CHECK-LABEL: llvm.func @f16_decode(
// CHECK:         gpu.launch_func <%{{.+}} : !llvm.ptr> @mha_kernels::@attention_1 blocks
// CHECK:         gpu.launch_func <%{{.+}} : !llvm.ptr> @mha_kernels::@attention_1_combine blocks
// CHECK-LABEL: llvm.func @f32_mask(
// CHECK:       gpu.binary @mha_kernels
// SM80-SAME:     chip = "sm_80"
// SM90-SAME:     chip = "sm_90a", features = "+ptx80"

// PTX-LABEL:   .entry attention_0(
// PTX-DAG:       cp.async.cg.shared.global
// PTX-DAG:       mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// PTX-DAG:       shfl.sync.bfly.b32
// PTX-DAG:       ex2.approx
// PTX-LABEL:   .entry attention_1(
// PTX-DAG:       mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// PTX-DAG:       cp.async.cg.shared.global
// PTX-LABEL:   .entry attention_1_combine(
// PTX-LABEL:   .entry attention_2(
// PTX-NOT:       mma.sync
// PTX-NOT:       ld.global.{{(b32|f32|v2)}}
// PTX:           ld.global.v4.b32
// PTX:           ld.shared
// PTX-NOT:       st.global.{{(f32|v2)}}
// PTX:           st.global.v4.b32
// PTX-LABEL:   .entry attention_2_combine(

func.func @bf16_causal(%q: tensor<2x8x256x128xbf16>, %k: tensor<2x8x256x128xbf16>,
                       %v: tensor<2x8x256x128xbf16>) -> tensor<2x8x256x128xbf16> {
  %o = mha.attention %q, %k, %v {causal}
      : tensor<2x8x256x128xbf16>, tensor<2x8x256x128xbf16>,
        tensor<2x8x256x128xbf16> -> tensor<2x8x256x128xbf16>
  return %o : tensor<2x8x256x128xbf16>
}

func.func @f16_decode(%q: tensor<4x32x1x64xf16>, %k: tensor<4x8x4096x64xf16>,
                      %v: tensor<4x8x4096x64xf16>) -> tensor<4x32x1x64xf16> {
  %o = mha.attention %q, %k, %v
      : tensor<4x32x1x64xf16>, tensor<4x8x4096x64xf16>,
        tensor<4x8x4096x64xf16> -> tensor<4x32x1x64xf16>
  return %o : tensor<4x32x1x64xf16>
}

func.func @f32_mask(%q: tensor<1x4x100x32xf32>, %k: tensor<1x4x100x32xf32>,
                    %v: tensor<1x4x100x32xf32>, %m: tensor<1x1x100x100xi1>)
    -> tensor<1x4x100x32xf32> {
  %o = mha.attention %q, %k, %v mask(%m)
      : tensor<1x4x100x32xf32>, tensor<1x4x100x32xf32>,
        tensor<1x4x100x32xf32>, tensor<1x1x100x100xi1> -> tensor<1x4x100x32xf32>
  return %o : tensor<1x4x100x32xf32>
}
