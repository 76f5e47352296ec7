// Lowered host code runs against libmha_runtime alone where no CUDA driver
// can be used: every GPU call becomes a no-op, nothing crashes, the host
// buffer is left as it was, and the runtime's sticky error says why.
//
// UNSUPPORTED: cuda-gpu
// RUN: mha-opt %s --gpu-lower-to-nvvm-pipeline="cubin-chip=sm_80 cubin-features=+ptx80 cubin-format=isa" \
// RUN: | mlir-runner --entry-point-result=void --shared-libs=%mha_runtime_lib \
// RUN:     --shared-libs=%mlir_c_runner_utils \
// RUN: | FileCheck %s

// CHECK: 1
// CHECK-NEXT: {{cannot load the CUDA driver library libcuda.so.1: .*; is the NVIDIA driver installed\?|CUDA error CUDA_ERROR_[A-Z_]+ \(.*\) in cuInit}}

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

  // Host code as the gpu pipeline emits it: device buffer, copies, launch.
  func.func @double_on_gpu(%h: memref<16xf32>) {
    %c1 = arith.constant 1 : index
    %c16 = arith.constant 16 : index
    %t0 = gpu.wait async
    %d, %t1 = gpu.alloc async [%t0] () : memref<16xf32>
    %t2 = gpu.memcpy async [%t1] %d, %h : memref<16xf32>, memref<16xf32>
    %t3 = gpu.launch_func async [%t2] @kernels::@double
        blocks in (%c1, %c1, %c1) threads in (%c16, %c1, %c1)
        args(%d : memref<16xf32>)
    %t4 = gpu.memcpy async [%t3] %h, %d : memref<16xf32>, memref<16xf32>
    %t5 = gpu.dealloc async [%t4] %d : memref<16xf32>
    gpu.wait [%t5]
    return
  }

  func.func private @mhaRuntimeGetLastError() -> !llvm.ptr
  func.func private @puts(!llvm.ptr) -> i32

  func.func @main() {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c16 = arith.constant 16 : index
    %one = arith.constant 1.0 : f32
    %h = memref.alloca() : memref<16xf32>
    scf.for %i = %c0 to %c16 step %c1 {
      memref.store %one, %h[%i] : memref<16xf32>
    }
    call @double_on_gpu(%h) : (memref<16xf32>) -> ()
    %v = memref.load %h[%c0] : memref<16xf32>
    vector.print %v : f32
    %error = call @mhaRuntimeGetLastError() : () -> !llvm.ptr
    %null = llvm.mlir.zero : !llvm.ptr
    %ok = llvm.icmp "eq" %error, %null : !llvm.ptr
    scf.if %ok {
      vector.print str "no runtime error\n"
    } else {
      %r = func.call @puts(%error) : (!llvm.ptr) -> i32
    }
    return
  }
}
