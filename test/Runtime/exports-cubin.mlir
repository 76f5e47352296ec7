// A cubin (cubin-format=bin, which needs ptxas) is loaded with
// mgpuModuleLoad(ptr, i64) instead of mgpuModuleLoadJIT; libmha_runtime.so
// exports it with the signature of Runtime.h.
//
// REQUIRES: ptxas
// RUN: mha-opt %s --gpu-lower-to-nvvm-pipeline="cubin-chip=sm_90a cubin-features=+ptx80 cubin-format=bin" \
// RUN: | mlir-translate --mlir-to-llvmir -o %t.ll
// RUN: llvm-nm -D --defined-only %mha_runtime_lib > %t.exports
// RUN: %python %S/Inputs/check_runtime_abi.py %mha_src_root/include/mha/Runtime/Runtime.h \
// RUN:     %t.exports %t.ll | FileCheck %s

// CHECK:      void @mgpuLaunchKernel(ptr, i64, i64, i64, i64, i64, i64, i32, ptr, ptr, ptr, i64)
// CHECK:      ptr @mgpuModuleGetFunction(ptr, ptr)
// CHECK-NEXT: ptr @mgpuModuleLoad(ptr, i64)
// CHECK-NEXT: void @mgpuModuleUnload(ptr)
// CHECK:      OK

module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @fill(%a: memref<16xf32>) kernel {
      %i = gpu.thread_id x
      %one = arith.constant 1.0 : f32
      memref.store %one, %a[%i] : memref<16xf32>
      gpu.return
    }
  }
  func.func @fill_on_gpu(%h: memref<16xf32>) {
    %c1 = arith.constant 1 : index
    %c16 = arith.constant 16 : index
    %t0 = gpu.wait async
    %d, %t1 = gpu.alloc async [%t0] () : memref<16xf32>
    %t2 = gpu.launch_func async [%t1] @kernels::@fill
        blocks in (%c1, %c1, %c1) threads in (%c16, %c1, %c1)
        args(%d : memref<16xf32>)
    %t3 = gpu.memcpy async [%t2] %h, %d : memref<16xf32>, memref<16xf32>
    %t4 = gpu.dealloc async [%t3] %d : memref<16xf32>
    gpu.wait [%t4]
    return
  }
}
