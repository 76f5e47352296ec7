// REQUIRES: ptxas
// RUN: mha-opt %s --mha-gpu-pipeline="chip=sm_90a format=bin" | FileCheck %s --check-prefix=BIN
// RUN: mha-opt %s --mha-gpu-pipeline="chip=sm_80 format=isa" -o %t.mlir
// RUN: %extract_ptx %t.mlir > %t.ptx
// RUN: %ptxas -arch=sm_80 -v %t.ptx -o %t.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS
// RUN: mha-opt %s --mha-gpu-pipeline="chip=sm_90a format=isa" -o %t90.mlir
// RUN: %extract_ptx %t90.mlir > %t90.ptx
// RUN: %ptxas -arch=sm_90a -v %t90.ptx -o %t90.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS
// RUN: mha-opt %s --mha-gpu-pipeline="chip=sm_90a format=isa kernel=wgmma" -o %twg.mlir
// RUN: %extract_ptx %twg.mlir > %twg.ptx
// RUN: FileCheck %s --check-prefix=WGMMA < %twg.ptx
// RUN: %ptxas -arch=sm_90a -v %twg.ptx -o %twg.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS
// RUN: %ptxas -arch=sm_90a -v %twg.ptx -o %twg.cubin 2>&1 | FileCheck %s --check-prefix=WGMMA-V
// RUN: %ptxas -arch=sm_90a %twg.ptx -o %twg.cubin 2>&1 | FileCheck %s --check-prefix=WGMMA-PTXAS --allow-empty

// ptxas (from the CUDA toolkit, run by gpu-module-to-binary) turns the
// kernels into a cubin, and the tensor-core kernels keep their fragments in
// registers: no spills at D = 64 and D = 128.

// BIN:       gpu.binary @mha_kernels [#gpu.object<#nvvm.target<O = 3, chip = "sm_90a", features = "+ptx80">, properties = {{.+}}, bin = "

// PTXAS-DAG: Compiling entry function 'attention_0'
// PTXAS-DAG: Compiling entry function 'attention_1'
// PTXAS-NOT: {{[1-9][0-9]*}} bytes spill

// No register of a wgmma accumulator is written between wgmma.fence and the
// wgmma (the first product of a tile zeroes it with scale-d = 0); otherwise
// ptxas serialises the wgmmas with an injected warpgroup.arrive.
// WGMMA-PTXAS-NOT: C7519

// The wgmma kernel's named barriers have constant ids: bar.sync 0 and one
// per consumer warpgroup (a register id makes ptxas reserve all 16).
// No wgmma accumulator is read while its wgmma is in flight (Q K^T of the
// next tile is, during the softmax), so ptxas keeps the wgmma pipeline
// (no C7514 "wgmma.mma_async instructions are serialized").
// WGMMA-V-NOT: Performance Loss
// WGMMA-V-COUNT-2: used 3 barriers
// WGMMA-V-NOT: Performance Loss

// kernel=wgmma (sm_90a): warpgroup MMA for both products, operands in
// shared memory behind matrix descriptors, Q, K and V loaded by TMA, P
// through shared memory.
// The dynamic shared memory is an extern array, after the static mbarrier
// (not a one-byte static variable that the mbarrier follows).
// WGMMA:       .extern .shared .align 128 .b8 __dynamic_shmem__0[];
// WGMMA-LABEL: .entry attention_0(
// The mbarriers of Q and of the 3-stage K/V ring (full and empty per
// stage): 7 of 8 bytes.
// WGMMA:         .shared .align 8 .b8 __mbarrier[56];
// Their initialisation is fenced for the async proxy before TMA.
// WGMMA:         mbarrier.init.shared.b64
// WGMMA-NOT:     cp.async.bulk.tensor
// WGMMA:         fence.proxy.async.shared::cta
// WGMMA-NOT:     cp.async.bulk.tensor
// WGMMA:         bar.sync 0
// WGMMA-NOT:     mma.sync
// WGMMA-DAG:     wgmma.fence.sync.aligned
// WGMMA-DAG:     wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16
// WGMMA-DAG:     wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16
// WGMMA-DAG:     wgmma.commit_group.sync.aligned
// WGMMA-DAG:     wgmma.wait_group.sync.aligned 0
// WGMMA-DAG:     fence.proxy.async.shared::cta
// WGMMA-DAG:     cp.async.bulk.tensor.2d.shared::cluster.global{{(.tile)?}}.mbarrier::complete_tx::bytes
// WGMMA-DAG:     mbarrier.arrive.expect_tx.shared.b64
// WGMMA-DAG:     mbarrier.try_wait.parity.shared.b64
// A consumer releases a stage (empty barrier) and orders its warpgroup's P
// stores before its wgmmas without the producer warp (bar.sync id, 128).
// WGMMA-DAG:     mbarrier.arrive.shared.b64
// WGMMA-DAG:     bar.sync 1, 128;
// WGMMA-DAG:     bar.sync 2, 128;
// P V reads V as the TMA loaded it: B N-major (imm-trans-a 0, imm-trans-b 1).
// WGMMA-DAG:     p, 1, 1, 0, 1;
// WGMMA-LABEL: .entry attention_1(
// WGMMA:         wgmma.mma_async.sync.aligned.m64n64k16.f32.f16.f16

func.func @d128(%q: tensor<1x16x512x128xbf16>, %k: tensor<1x16x512x128xbf16>,
                %v: tensor<1x16x512x128xbf16>) -> tensor<1x16x512x128xbf16> {
  %o = mha.attention %q, %k, %v
      : tensor<1x16x512x128xbf16>, tensor<1x16x512x128xbf16>,
        tensor<1x16x512x128xbf16> -> tensor<1x16x512x128xbf16>
  return %o : tensor<1x16x512x128xbf16>
}

func.func @d64_causal(%q: tensor<1x16x512x64xf16>, %k: tensor<1x16x512x64xf16>,
                      %v: tensor<1x16x512x64xf16>) -> tensor<1x16x512x64xf16> {
  %o = mha.attention %q, %k, %v {causal}
      : tensor<1x16x512x64xf16>, tensor<1x16x512x64xf16>,
        tensor<1x16x512x64xf16> -> tensor<1x16x512x64xf16>
  return %o : tensor<1x16x512x64xf16>
}
