// The JIT binds lowered code to libmha_runtime and turns its sticky error
// into one error line (exit 2) after the run: here host code calls the CUDA
// wrappers directly where no GPU can be used.
//
// UNSUPPORTED: cuda-gpu
// RUN: %python %mha_src_root/test/Integration/CPU/Inputs/expect-exit.py 2 \
// RUN:     mha-run %s --pipeline=reference --seed=1 | FileCheck %s
// RUN: %python %mha_src_root/test/Integration/CPU/Inputs/expect-exit.py 2 \
// RUN:     mha-run %s --pipeline=cpu --seed=1 | FileCheck %s

// CHECK: mha-run: error: run failed: {{cannot load the CUDA driver library libcuda.so.1: .*; is the NVIDIA driver installed\?|CUDA error CUDA_ERROR_[A-Z_]+ \(.*\) in cuInit}}

func.func private @mgpuStreamCreate() -> !llvm.ptr
func.func private @mgpuStreamDestroy(!llvm.ptr)

func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  %stream = call @mgpuStreamCreate() : () -> !llvm.ptr
  call @mgpuStreamDestroy(%stream) : (!llvm.ptr) -> ()
  return %x : tensor<4xf32>
}
