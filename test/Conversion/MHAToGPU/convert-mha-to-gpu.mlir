// RUN: mha-opt %s --convert-mha-to-gpu --canonicalize --cse | FileCheck %s
// RUN: mha-opt %s --convert-mha-to-gpu="kernel=simt" --canonicalize --cse | FileCheck %s --check-prefix=SIMT
// RUN: mha-opt %s --convert-mha-to-gpu="kv-splits=1" --canonicalize --cse | FileCheck %s --check-prefix=NOSPLIT
// RUN: mha-opt %s --convert-mha-to-gpu="kernel=wgmma chip=sm_90a" --canonicalize --cse | FileCheck %s --check-prefix=WGMMA
// RUN: mha-opt %s --convert-mha-to-gpu="chip=sm_80" --canonicalize --cse | FileCheck %s --check-prefix=SM80
// RUN: mha-opt %s --convert-mha-to-gpu="num-sms=66" --canonicalize --cse | FileCheck %s --check-prefix=SMS

// convert-mha-to-gpu: each mha.attention becomes host code that stages its
// operands in device memory, launches a kernel specialised for the op and
// copies the result back.

// Prefill, bf16, dynamic Sq/Skv, D = 64: the tensor-core kernel on a grid of
// (ceil(Sq / 128), H, B) blocks of 256 threads (8 warps); 92160 bytes of
// shared memory are two K and two V tiles of 128 x (64 + 8) bf16 and the Q
// tile of 128 x (64 + 8).
// CHECK-LABEL: func.func @prefill_bf16(
// CHECK-DAG:     %[[C8:.+]] = arith.constant 8 : index
// CHECK-DAG:     %[[C2:.+]] = arith.constant 2 : index
// CHECK-DAG:     %[[C128:.+]] = arith.constant 128 : index
// CHECK-DAG:     %[[C256:.+]] = arith.constant 256 : index
// CHECK-DAG:     %[[SMEM:.+]] = arith.constant 92160 : i32
// CHECK:         %[[QH:.+]] = bufferization.to_buffer %{{.+}} read_only
// CHECK:         %[[SQ:.+]] = tensor.dim %{{.+}}, %[[C2]]
// CHECK:         %[[QD:.+]] = gpu.alloc (%[[SQ]]) {bufferization.manual_deallocation} : memref<2x8x?x64xbf16>
// CHECK:         %[[OD:.+]] = gpu.alloc (%[[SQ]]) {bufferization.manual_deallocation} : memref<2x8x?x64xbf16>
// CHECK:         gpu.memcpy %[[QD]], %[[QH]]
// CHECK:         scf.if
// CHECK:           %[[GX:.+]] = arith.ceildivui %[[SQ]], %[[C128]]
// CHECK:           gpu.launch_func @mha_kernels::@attention_0 blocks in (%[[GX]], %[[C8]], %[[C2]]) threads in (%[[C256]], %{{.+}}, %{{.+}}) dynamic_shared_memory_size %[[SMEM]] args({{.*}} : memref<?xbf16>, {{.*}} : memref<?xbf16>, {{.*}} : memref<?xbf16>, {{.*}} : memref<?xbf16>, %[[C2]] : index, %[[SQ]] : index, %{{.+}} : index)
// CHECK:         %[[OH:.+]] = memref.alloc(%[[SQ]]) : memref<2x8x?x64xbf16>
// CHECK:         gpu.memcpy %[[OH]], %[[OD]]
// CHECK:         gpu.dealloc %[[QD]] {bufferization.manual_deallocation}
// CHECK:         %[[R:.+]] = bufferization.to_tensor %[[OH]] restrict writable
// CHECK:         return %[[R]]

// kernel=wgmma: 81920 bytes of shared memory (Q and P of 128 x 64 bf16,
// the three stages of the K/V ring of 64 x 64 bf16 each), 288 threads (two
// consumer warpgroups and the producer warp), Q (boxes of 128 rows), K and
// V (64 rows) by TMA. The descriptors are encoded by the runtime into host
// memory before any copy, copied to the device with Q, K and V (on the
// launches' stream once gpu-async-region has run) and freed with them.
// Mbarriers: Q's and 3 full ones (one arrival), 3 empty ones (one per
// consumer thread). The consumers wait for Q and issue S(0) (the first of
// its 4 wgmmas with scale-d = 0); per kv tile they wait for the next
// tile's full barrier, issue its S (4 wgmmas, one commit group), run the
// softmax of this tile meanwhile, store P (a barrier per warpgroup), issue
// P V (4 wgmmas, V N-major: B row), wait for both groups and release the
// tile's stage. The producer loads Q, then K and V of each tile into its
// stage once the stage's previous use was released.
// WGMMA-LABEL: func.func @prefill_bf16(
// WGMMA:         call @mhaRuntimeEncodeTensorMap2D(%{{.+}}, %c9_i64, %{{.+}}, %{{.+}}, %c64_i64, %c128_i64, %c128_i64, %c8_i64)
// WGMMA-COUNT-2: call @mhaRuntimeEncodeTensorMap2D(%{{.+}}, %c9_i64, %{{.+}}, %{{.+}}, %c64_i64, %c128_i64, %c64_i64, %c8_i64)
// WGMMA-NOT:     gpu.memcpy
// WGMMA-COUNT-3: gpu.alloc () {bufferization.manual_deallocation} : memref<16xi64>
// WGMMA-COUNT-3: gpu.memcpy %{{.+}} : memref<2x{{.+}}xbf16>
// WGMMA-COUNT-3: gpu.memcpy %{{.+}} : memref<16xi64>, memref<16xi64>
// WGMMA:         gpu.launch_func @mha_kernels::@attention_0 {{.+}} threads in (%c288, %c1, %c1) dynamic_shared_memory_size %c81920_i32 args({{.+}} : !llvm.ptr, %{{.+}} : !llvm.ptr, %{{.+}} : !llvm.ptr)
// WGMMA-COUNT-3: gpu.dealloc %{{.+}} {bufferization.manual_deallocation} : memref<16xi64>
// WGMMA-LABEL: gpu.func @attention_0(
// WGMMA:         nvgpu.mbarrier.create -> <memorySpace = #gpu.address_space<workgroup>, num_barriers = 7>
// WGMMA-COUNT-4: nvgpu.mbarrier.init %{{.+}}[%{{.+}}], %c1, predicate
// WGMMA-COUNT-3: nvgpu.mbarrier.init %{{.+}}[%{{.+}}], %c256, predicate
// WGMMA:         nvgpu.mbarrier.try_wait.parity %{{.+}}[%c0], %false
// WGMMA:         nvgpu.mbarrier.try_wait.parity %{{.+}}[%c1], %false
// WGMMA:         nvvm.wgmma.mma_async {{.+}}, D[<f32>, <zero>], A[<bf16>, <one>, <row>], B[<bf16>, <one>, <col>]
// WGMMA-COUNT-3: nvvm.wgmma.mma_async {{.+}}, D[<f32>, <one>], A[<bf16>, <one>, <row>], B[<bf16>, <one>, <col>]
// WGMMA-NEXT:    nvvm.wgmma.commit.group.sync.aligned
// WGMMA-NEXT:    nvvm.wgmma.wait.group.sync.aligned 0
// WGMMA:         scf.for
// WGMMA:         nvgpu.mbarrier.try_wait.parity
// WGMMA:         nvvm.wgmma.mma_async {{.+}}, <m = 64, n = 64, k = 16>, D[<f32>, <zero>], A[<bf16>, <one>, <row>], B[<bf16>, <one>, <col>]
// WGMMA-COUNT-3: nvvm.wgmma.mma_async {{.+}}, <m = 64, n = 64, k = 16>, D[<f32>, <one>], A[<bf16>, <one>, <row>], B[<bf16>, <one>, <col>]
// WGMMA-NEXT:    nvvm.wgmma.commit.group.sync.aligned
// WGMMA-NOT:     nvvm.wgmma.wait.group
// WGMMA:         nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
// WGMMA:         nvvm.barrier id = %c1_i32 number_of_threads = %c128_i32
// WGMMA:         nvvm.barrier id = %c2_i32 number_of_threads = %c128_i32
// WGMMA-COUNT-4: nvvm.wgmma.mma_async {{.+}}, B[<bf16>, <one>, <row>]
// WGMMA-NEXT:    nvvm.wgmma.commit.group.sync.aligned
// WGMMA-NEXT:    nvvm.wgmma.wait.group.sync.aligned 0
// WGMMA:         nvgpu.mbarrier.arrive %{{.+}} -> !nvgpu.mbarrier.token
// WGMMA:         nvgpu.mbarrier.arrive.expect_tx %{{.+}}[%c0], %c16384
// WGMMA-COUNT-8: nvgpu.tma.async.load {{.+}} -> memref<128x8xbf16, #gpu.address_space<workgroup>>
// WGMMA:         scf.for
// WGMMA:         nvgpu.mbarrier.try_wait.parity
// WGMMA:         nvgpu.mbarrier.arrive.expect_tx %{{.+}}, %c16384
// WGMMA-COUNT-16: nvgpu.tma.async.load {{.+}} -> memref<64x8xbf16, #gpu.address_space<workgroup>>
// WGMMA-NOT:     nvvm.mma.sync
// WGMMA-LABEL: func.func private @mhaRuntimeEncodeTensorMap2D(!llvm.ptr, i64, !llvm.ptr, i64, i64, i64, i64, i64)

// SIMT-LABEL:  gpu.func @attention_0(
// SIMT-NOT:      nvvm.mma.sync
// SIMT:          vector.reduction <add>, %{{.+}} : vector<64xf32> into f32

// Decode, GQA 32/8, Sq = 1, D = 128: flash-decoding. The 4 query heads of a
// kv head share a block (4 warps, kv tiles of 64: 87040 bytes of shared
// memory); the kv range is split across ceil(SMs * 2 blocks per SM /
// (B * 8)) blocks (at most one per kv tile; the device's SMs, 132 for sm_90a
// without one) that write partial results (f32) and their log-sum-exp,
// merged by a second kernel (8 columns per thread).
// CHECK-LABEL: func.func @decode_gqa(
// CHECK:         %[[NSM:.+]] = call @mhaRuntimeNumSMs(%c132_i64) : (i64) -> i64
// CHECK:         %[[NSMI:.+]] = arith.index_cast %[[NSM]] : i64 to index
// CHECK:         %[[BLOCKS:.+]] = arith.muli %[[NSMI]], %c2 : index
// CHECK:         arith.ceildivui %[[BLOCKS]], %{{.+}} : index
// CHECK:         %[[P:.+]] = gpu.alloc (%{{.+}}) {bufferization.manual_deallocation} : memref<?xf32>
// CHECK:         %[[L:.+]] = gpu.alloc (%{{.+}}) {bufferization.manual_deallocation} : memref<?xf32>
// CHECK:         gpu.launch_func @mha_kernels::@attention_1 blocks in (%[[S:.+]], %{{.+}}, %{{.+}}) threads in (%c128, %c1, %c1) dynamic_shared_memory_size %c87040_i32 args({{.+}}, %[[P]] : memref<?xf32>, %[[L]] : memref<?xf32>, {{.+}}, %[[S]] : index)
// CHECK:         %[[CG:.+]] = arith.ceildivui %{{.+}}, %c1024 : index
// CHECK:         gpu.launch_func @mha_kernels::@attention_1_combine blocks in (%[[CG]], %c1, %c1) threads in (%c128, %c1, %c1) {{.+}} args(%[[P]] : memref<?xf32>, %[[L]] : memref<?xf32>,
// CHECK:         gpu.dealloc %[[P]]

// The kernel (causal: query tiles in reverse block order): Q by cp.async
// into its tile and into registers by ldmatrix (4 x4 loads for D = 64) once
// the prologue has waited for all but the group of kv tile 0; per kv tile,
// 2 x 4 cp.async chunks of 16 bytes per thread for the next K/V tile, 4 x 16
// mma.sync for Q.K^T and 8 x 8 for P.V, warp shuffles for the row max and
// sum; the result is staged in shared memory and stored in 16-byte vectors.
// CHECK-LABEL: gpu.module @mha_kernels
// CHECK:       gpu.func @attention_0(%{{.+}}: memref<?xbf16>, %{{.+}}: memref<?xbf16>, %{{.+}}: memref<?xbf16>, %{{.+}}: memref<?xbf16>, %{{.+}}: index, %{{.+}}: index, %{{.+}}: index) kernel attributes {known_block_size = array<i32: 256, 1, 1>}
// CHECK:         gpu.grid_dim x
// CHECK:         gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
// CHECK:         memref.view {{.+}} to memref<2x128x72xbf16, #gpu.address_space<workgroup>>
// CHECK:         %[[QS:.+]] = memref.view {{.+}}[%c73728][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<128x72xbf16, #gpu.address_space<workgroup>>
// CHECK:         nvgpu.device_async_copy {{.+}}, %[[QS]][{{.+}}], 8, {{.+}} {bypassL1}
// CHECK:         scf.if
// CHECK:           nvgpu.device_async_wait %{{.+}} {numGroups = 1 : i32}
// CHECK:         } else {
// CHECK:           nvgpu.device_async_wait %{{.+}} {numGroups = 0 : i32}
// CHECK:         gpu.barrier
// CHECK-COUNT-4: nvgpu.ldmatrix %[[QS]]
// CHECK:         scf.for
// CHECK:           nvgpu.device_async_wait %{{.+}} {numGroups = 1 : i32}
// CHECK:           gpu.barrier
// CHECK-COUNT-128: nvvm.mma.sync {{.+}} {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>}
// CHECK:           gpu.barrier
// CHECK:         gpu.shuffle xor
// CHECK:         gpu.barrier
// CHECK:         vector.load %{{.+}} : memref<128x72xbf16, #gpu.address_space<workgroup>>, vector<8xbf16>
// CHECK:         vector.store %{{.+}} {alignment = 16 : i64} : memref<?xbf16>, vector<8xbf16>

// CHECK:       gpu.func @attention_1(
// CHECK:         vector.store %{{.+}} {alignment = 16 : i64} : memref<?xf32>, vector<4xf32>
// CHECK:       gpu.func @attention_1_combine(%{{.+}}: memref<?xf32>, %{{.+}}: memref<?xf32>, %{{.+}}: memref<?xf16>, %{{.+}}: index, %{{.+}}: index) kernel
// CHECK:         vector.load %{{.+}} {alignment = 16 : i64} : memref<?xf32>, vector<8xf32>
// CHECK:         vector.store %{{.+}} {alignment = 16 : i64} : memref<?xf16>, vector<8xf16>

// The automatic split count fills the device's SMs, asked at run time
// before any GPU operation (the chip's, 108 on sm_80, without a device): 164
// KiB per SM hold one 87040-byte block each on sm_80; num-sms=66 (two
// blocks per SM on sm_90a) gives 132 blocks and asks nothing.
// SM80-LABEL: func.func @decode_gqa(
// SM80:         %[[NSM:.+]] = call @mhaRuntimeNumSMs(%c108_i64) : (i64) -> i64
// SM80-NEXT:    %[[NSMI:.+]] = arith.index_cast %[[NSM]] : i64 to index
// SM80-NOT:     gpu.alloc
// SM80:         gpu.alloc
// SM80:         arith.ceildivui %[[NSMI]], %{{.+}} : index
// SMS-NOT:      mhaRuntimeNumSMs
// SMS-LABEL:  func.func @decode_gqa(
// SMS:          arith.ceildivui %c132, %{{.+}} : index

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
