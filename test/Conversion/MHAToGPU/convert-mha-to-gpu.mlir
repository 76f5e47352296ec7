// RUN: mha-opt %s --convert-mha-to-gpu --canonicalize --cse | FileCheck %s
// RUN: mha-opt %s --convert-mha-to-gpu="kernel=simt" --canonicalize --cse | FileCheck %s --check-prefix=SIMT
// RUN: mha-opt %s --convert-mha-to-gpu="kv-splits=1" --canonicalize --cse | FileCheck %s --check-prefix=NOSPLIT
// RUN: mha-opt %s --convert-mha-to-gpu="kernel=wgmma chip=sm_90a" --canonicalize --cse | FileCheck %s --check-prefix=WGMMA

// convert-mha-to-gpu: each mha.attention becomes host code that stages its
// operands in device memory, launches a kernel specialised for the op and
// copies the result back.

// Prefill, bf16, dynamic Sq/Skv: the tensor-core kernel on a grid of
// (ceil(Sq / 64), H, B) blocks of 128 threads; 36864 bytes of shared memory
// are two K and two V tiles of 64 x (64 + 8) bf16.
// CHECK-LABEL: func.func @prefill_bf16(
// CHECK-DAG:     %[[C8:.+]] = arith.constant 8 : index
// CHECK-DAG:     %[[C2:.+]] = arith.constant 2 : index
// CHECK-DAG:     %[[C64:.+]] = arith.constant 64 : index
// CHECK-DAG:     %[[C128:.+]] = arith.constant 128 : index
// CHECK-DAG:     %[[SMEM:.+]] = arith.constant 36864 : i32
// CHECK:         %[[QH:.+]] = bufferization.to_buffer %{{.+}} read_only
// CHECK:         %[[SQ:.+]] = tensor.dim %{{.+}}, %[[C2]]
// CHECK:         %[[QD:.+]] = gpu.alloc (%[[SQ]]) {bufferization.manual_deallocation} : memref<2x8x?x64xbf16>
// CHECK:         gpu.memcpy %[[QD]], %[[QH]]
// CHECK:         %[[OD:.+]] = gpu.alloc (%[[SQ]]) {bufferization.manual_deallocation} : memref<2x8x?x64xbf16>
// CHECK:         scf.if
// CHECK:           %[[GX:.+]] = arith.ceildivui %[[SQ]], %[[C64]]
// CHECK:           gpu.launch_func @mha_kernels::@attention_0 blocks in (%[[GX]], %[[C8]], %[[C2]]) threads in (%[[C128]], %{{.+}}, %{{.+}}) dynamic_shared_memory_size %[[SMEM]] args({{.*}} : memref<?xbf16>, {{.*}} : memref<?xbf16>, {{.*}} : memref<?xbf16>, {{.*}} : memref<?xbf16>, %[[C2]] : index, %[[SQ]] : index, %{{.+}} : index)
// CHECK:         %[[OH:.+]] = memref.alloc(%[[SQ]]) : memref<2x8x?x64xbf16>
// CHECK:         gpu.memcpy %[[OH]], %[[OD]]
// CHECK:         gpu.dealloc %[[QD]] {bufferization.manual_deallocation}
// CHECK:         %[[R:.+]] = bufferization.to_tensor %[[OH]] restrict writable
// CHECK:         return %[[R]]

// kernel=wgmma: 32768 bytes of shared memory (Q, K, V^T and P, 64 x 64
// bf16 each), Q and K by TMA (descriptors made on the host), 4 + 4
// warpgroup MMAs per kv tile.
// WGMMA-LABEL: func.func @prefill_bf16(
// WGMMA:         nvgpu.tma.create.descriptor %{{.+}} box[%c64, %c8] : memref<*xbf16> -> <tensor = memref<64x8xbf16, #gpu.address_space<workgroup>>, swizzle = none, l2promo = none, oob = zero, interleave = none>
// WGMMA:         gpu.launch_func @mha_kernels::@attention_0 {{.+}} dynamic_shared_memory_size %c32768_i32 args({{.+}} : !llvm.ptr, %{{.+}} : !llvm.ptr)
// WGMMA-LABEL: gpu.func @attention_0(
// WGMMA:         nvgpu.tma.async.load {{.+}} -> memref<64x8xbf16, #gpu.address_space<workgroup>>
// WGMMA:         nvgpu.mbarrier.try_wait.parity
// WGMMA-COUNT-4: nvvm.wgmma.mma_async {{.+}}, <m = 64, n = 64, k = 16>, D[<f32>, <one>], A[<bf16>, <one>, <row>], B[<bf16>, <one>, <col>]
// WGMMA:         nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
// WGMMA-COUNT-4: nvvm.wgmma.mma_async
// WGMMA-NOT:     nvvm.mma.sync

// SIMT-LABEL:  gpu.func @attention_0(
// SIMT-NOT:      nvvm.mma.sync
// SIMT:          vector.reduction <add>, %{{.+}} : vector<64xf32> into f32

// Decode, GQA 32/8, Sq = 1: flash-decoding. The 4 query heads of a kv head
// share a block; the kv range is split across blocks that write partial
// results (f32) and their log-sum-exp, merged by a second kernel.
// CHECK-LABEL: func.func @decode_gqa(
// CHECK:         %[[P:.+]] = gpu.alloc (%{{.+}}) {bufferization.manual_deallocation} : memref<?xf32>
// CHECK:         %[[L:.+]] = gpu.alloc (%{{.+}}) {bufferization.manual_deallocation} : memref<?xf32>
// CHECK:         gpu.launch_func @mha_kernels::@attention_1 blocks in (%[[S:.+]], %{{.+}}, %{{.+}}) {{.+}} args({{.+}}, %[[P]] : memref<?xf32>, %[[L]] : memref<?xf32>, {{.+}}, %[[S]] : index)
// CHECK:         gpu.launch_func @mha_kernels::@attention_1_combine {{.+}} args(%[[P]] : memref<?xf32>, %[[L]] : memref<?xf32>,
// CHECK:         gpu.dealloc %[[P]]

// The kernel: cp.async staging (2 x 4 chunks of 16 bytes per thread per K/V
// tile), 4 x 8 mma.sync for Q.K^T and 4 x 8 for P.V per tile, and warp
// shuffles for the row max and sum.
// CHECK-LABEL: gpu.module @mha_kernels
// CHECK:       gpu.func @attention_0(%{{.+}}: memref<?xbf16>, %{{.+}}: memref<?xbf16>, %{{.+}}: memref<?xbf16>, %{{.+}}: memref<?xbf16>, %{{.+}}: index, %{{.+}}: index, %{{.+}}: index) kernel attributes {known_block_size = array<i32: 128, 1, 1>}
// CHECK:         gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
// CHECK:         memref.view {{.+}} to memref<2x64x72xbf16, #gpu.address_space<workgroup>>
// CHECK:         nvgpu.device_async_copy {{.+}}, 8, {{.+}} {bypassL1}
// CHECK:         scf.for
// CHECK:           nvgpu.device_async_wait %{{.+}} {numGroups = 1 : i32}
// CHECK:           gpu.barrier
// CHECK-COUNT-64:  nvvm.mma.sync {{.+}} {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>}
// CHECK:           gpu.barrier
// CHECK:         gpu.shuffle xor

// CHECK:       gpu.func @attention_1(
// CHECK:       gpu.func @attention_1_combine(%{{.+}}: memref<?xf32>, %{{.+}}: memref<?xf32>, %{{.+}}: memref<?xf16>, %{{.+}}: index, %{{.+}}: index) kernel

// NOSPLIT-LABEL: func.func @decode_gqa(
// NOSPLIT-NOT:     memref<?xf32>
// NOSPLIT:         gpu.launch_func @mha_kernels::@attention_1 blocks
// NOSPLIT-NOT:     combine

func.func @prefill_bf16(%q: tensor<2x8x?x64xbf16>, %k: tensor<2x2x?x64xbf16>,
                        %v: tensor<2x2x?x64xbf16>) -> tensor<2x8x?x64xbf16> {
  %o = mha.attention %q, %k, %v {causal}
      : tensor<2x8x?x64xbf16>, tensor<2x2x?x64xbf16>, tensor<2x2x?x64xbf16>
      -> tensor<2x8x?x64xbf16>
  return %o : tensor<2x8x?x64xbf16>
}

func.func @decode_gqa(%q: tensor<?x32x1x128xf16>, %k: tensor<?x8x?x128xf16>,
                      %v: tensor<?x8x?x128xf16>) -> tensor<?x32x1x128xf16> {
  %o = mha.attention %q, %k, %v
      : tensor<?x32x1x128xf16>, tensor<?x8x?x128xf16>, tensor<?x8x?x128xf16>
      -> tensor<?x32x1x128xf16>
  return %o : tensor<?x32x1x128xf16>
}
