// The runtime's ABI against what MLIR 22 emits calls to: every mgpu*
// function that gpu-lower-to-nvvm-pipeline (gpu-to-llvm, and
// convert-nvgpu-to-nvvm for TMA) declares for this module, and the CPU
// helpers of the memref lowering, are exported by libmha_runtime.so with the
// signatures of include/mha/Runtime/Runtime.h; the library exports exactly
// the header's functions. Guards against ABI drift when MLIR changes.
//
// RUN: mha-opt %s --gpu-lower-to-nvvm-pipeline="cubin-chip=sm_90a cubin-features=+ptx80 cubin-format=isa" \
// RUN: | mlir-translate --mlir-to-llvmir -o %t.gpu.ll
// RUN: mha-opt %S/Inputs/cpu-helpers.mlir --pass-pipeline="builtin.module(finalize-memref-to-llvm{use-generic-functions=1},convert-func-to-llvm,reconcile-unrealized-casts)" \
// RUN: | mlir-translate --mlir-to-llvmir -o %t.cpu.ll
// RUN: mha-opt %S/Inputs/cpu-helpers.mlir --pass-pipeline="builtin.module(finalize-memref-to-llvm{use-generic-functions=1 use-aligned-alloc=1},convert-func-to-llvm,reconcile-unrealized-casts)" \
// RUN: | mlir-translate --mlir-to-llvmir -o %t.cpu-aligned.ll
// RUN: llvm-nm -D --defined-only %mha_runtime_lib > %t.exports
// RUN: %python %S/Inputs/check_runtime_abi.py %mha_src_root/include/mha/Runtime/Runtime.h \
// RUN:     %t.exports %t.gpu.ll %t.cpu.ll %t.cpu-aligned.ll | FileCheck %s

// CHECK:      ptr @_mlir_memref_to_llvm_aligned_alloc(i64, i64)
// CHECK-NEXT: ptr @_mlir_memref_to_llvm_alloc(i64)
// CHECK-NEXT: void @_mlir_memref_to_llvm_free(ptr)
// CHECK-NEXT: void @memrefCopy(i64, ptr, ptr)
// CHECK-NEXT: ptr @mgpuEventCreate()
// CHECK-NEXT: void @mgpuEventDestroy(ptr)
// CHECK-NEXT: void @mgpuEventRecord(ptr, ptr)
// CHECK-NEXT: void @mgpuLaunchClusterKernel(ptr, i64, i64, i64, i64, i64, i64, i64, i64, i64, i32, ptr, ptr, ptr)
// CHECK-NEXT: void @mgpuLaunchKernel(ptr, i64, i64, i64, i64, i64, i64, i32, ptr, ptr, ptr, i64)
// CHECK-NEXT: ptr @mgpuMemAlloc(i64, ptr, i8)
// CHECK-NEXT: void @mgpuMemFree(ptr, ptr)
// CHECK-NEXT: void @mgpuMemHostRegisterMemRef(i64, ptr, i64)
// CHECK-NEXT: void @mgpuMemHostUnregisterMemRef(i64, ptr, i64)
// CHECK-NEXT: void @mgpuMemcpy(ptr, ptr, i64, ptr)
// CHECK-NEXT: void @mgpuMemset16(ptr, i16, i64, ptr)
// CHECK-NEXT: void @mgpuMemset32(ptr, i32, i64, ptr)
// CHECK-NEXT: ptr @mgpuModuleGetFunction(ptr, ptr)
// CHECK-NEXT: ptr @mgpuModuleLoadJIT(ptr, i32)
// CHECK-NEXT: void @mgpuModuleUnload(ptr)
// CHECK-NEXT: void @mgpuSetDefaultDevice(i32)
// CHECK-NEXT: ptr @mgpuStreamCreate()
// CHECK-NEXT: void @mgpuStreamDestroy(ptr)
// CHECK-NEXT: void @mgpuStreamSynchronize(ptr)
// CHECK-NEXT: void @mgpuStreamWaitEvent(ptr, ptr)
// CHECK-NEXT: ptr @mgpuTensorMapEncodeTiledMemref(i64, ptr, i64, i64, i64, i64, i64, ptr)
// CHECK-NEXT: OK

!desc = !nvgpu.tensormap.descriptor<tensor = memref<64x64xf16, 3>, swizzle = swizzle_128b, l2promo = none, oob = zero, interleave = none>
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @double(%a: memref<16xf32>) kernel {
      %i = gpu.thread_id x
      %v = memref.load %a[%i] : memref<16xf32>
      %w = arith.addf %v, %v : f32
      memref.store %w, %a[%i] : memref<16xf32>
      gpu.return
    }
  }
  // Keeps the TMA descriptor alive.
  func.func private @sink(!llvm.ptr)
  // Allocation, memsets, copies, launches (with dynamic shared memory, with
  // clusters), host registration, TMA descriptors, the default device, and
  // events to join two streams.
  func.func @host(%h: memref<16xf32>, %hi: memref<16xi16>, %u: memref<*xf16>) {
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %c16 = arith.constant 16 : index
    %c64 = arith.constant 64 : index
    %dev = arith.constant 0 : i32
    %smem = arith.constant 1024 : i32
    %f = arith.constant 1.0 : f32
    %s = arith.constant 7 : i16
    gpu.set_default_device %dev
    gpu.host_register %u : memref<*xf16>
    %t0 = gpu.wait async
    %d, %t1 = gpu.alloc async [%t0] () : memref<16xf32>
    %di, %t2 = gpu.alloc async [%t0] () : memref<16xi16>
    %t3 = gpu.wait async [%t1, %t2]
    %t4 = gpu.memset async [%t3] %d, %f : memref<16xf32>, f32
    %t5 = gpu.memset async [%t4] %di, %s : memref<16xi16>, i16
    %t6 = gpu.memcpy async [%t5] %d, %h : memref<16xf32>, memref<16xf32>
    %t7 = gpu.launch_func async [%t6] @kernels::@double blocks in (%c1, %c1, %c1) threads in (%c16, %c1, %c1) dynamic_shared_memory_size %smem args(%d : memref<16xf32>)
    %t8 = gpu.launch_func async [%t7] @kernels::@double clusters in (%c2, %c1, %c1) blocks in (%c2, %c1, %c1) threads in (%c16, %c1, %c1) args(%d : memref<16xf32>)
    %t9 = gpu.memcpy async [%t8] %h, %d : memref<16xf32>, memref<16xf32>
    %t10 = gpu.memcpy async [%t9] %hi, %di : memref<16xi16>, memref<16xi16>
    %t11 = gpu.dealloc async [%t10] %di : memref<16xi16>
    %t12 = gpu.dealloc async [%t11] %d : memref<16xf32>
    gpu.wait [%t12]
    %t = nvgpu.tma.create.descriptor %u box[%c64, %c64] : memref<*xf16> -> !desc
    %p = builtin.unrealized_conversion_cast %t : !desc to !llvm.ptr
    func.call @sink(%p) : (!llvm.ptr) -> ()
    gpu.host_unregister %u : memref<*xf16>
    return
  }
  // Two streams waited on together.
  func.func @join(%h: memref<16xf32>) {
    %t0 = gpu.wait async
    %a, %t1 = gpu.alloc async [%t0] () : memref<16xf32>
    %t2 = gpu.memcpy async [%t1] %a, %h : memref<16xf32>, memref<16xf32>
    %t3 = gpu.memcpy async [%t1] %h, %a : memref<16xf32>, memref<16xf32>
    gpu.wait [%t2, %t3]
    return
  }
  // gpu.alloc host_shared (managed memory).
  func.func @shared() -> memref<16xf32> {
    %m = gpu.alloc host_shared () : memref<16xf32>
    return %m : memref<16xf32>
  }
}
