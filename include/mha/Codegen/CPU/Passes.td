//===- Passes.td - CPU code generation passes --------------*- tablegen -*-===//
//
// Passes of the CPU back end: they work on upstream dialects (vector, LLVM)
// after the mha ops are gone, and take their decisions from the target CPU.
//
//===----------------------------------------------------------------------===//

#ifndef MHA_CODEGEN_CPU_PASSES_TD
#define MHA_CODEGEN_CPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def MHAExpandFloatConversions
    : Pass<"mha-expand-float-conversions", "::mlir::LLVM::LLVMFuncOp"> {
  let summary = "Expand f16/bf16 conversions into integer arithmetic for CPUs "
                "that lack conversion instructions";
  let description = [{
    Without F16C (f16) or AVX512-BF16 (bf16) LLVM lowers `fpext`/`fptrunc`
    between these types and f32 to calls into the compiler runtime
    (`__extendhfsf2`, `__truncsfhf2`, `__truncsfbf2`, ...). Debian 12's
    libgcc lacks some of them, and code that depends on them does not link
    or load everywhere. This pass rewrites every such conversion of an
    `llvm.func` (scalars and vectors) into branch-free integer and f32
    arithmetic with the same results as the hardware: round to nearest even,
    subnormals, infinities, and NaNs kept quiet with their sign.

    - `llvm.fpext` from f16/bf16 to f32 or f64 (exact).
    - `llvm.fptrunc` from f32 to f16/bf16; from f64 through f32 rounded to
      odd, so there is a single rounding.
    - `llvm.sitofp`/`llvm.uitofp` to f16/bf16 (through f64) and
      `llvm.fptosi`/`llvm.fptoui` from f16/bf16 (through f32).

    Arithmetic on f16/bf16 is not handled here: the CPU pipelines compute it
    in f32 first (`arith-emulate-unsupported-floats`). The pipelines run
    this pass on the host functions only (not inside `gpu.module`), with
    `f16` and `bf16` set from the target CPU's features.

    Before:
    ```mlir
    %h = llvm.fptrunc %x : vector<16xf32> to vector<16xbf16>
    ```
    After (abridged):
    ```mlir
    %u = llvm.bitcast %x : vector<16xf32> to vector<16xi32>
    %lsb = llvm.and (llvm.lshr %u, 16), 1
    %r = llvm.lshr (llvm.add (llvm.add %u, 0x7fff), %lsb), 16
    %nan = llvm.icmp "ugt" (llvm.and %u, 0x7fffffff), 0x7f800000
    %h = llvm.bitcast (llvm.trunc (llvm.select %nan, quiet, %r)) : ... to vector<16xbf16>
    ```
  }];
  let options = [
    Option<"f16", "f16", "bool", /*default=*/"true",
           "Expand conversions from and to f16 (for targets without F16C)">,
    Option<"bf16", "bf16", "bool", /*default=*/"true",
           "Expand conversions from and to bf16 (for targets without "
           "AVX512-BF16)">,
  ];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

#endif // MHA_CODEGEN_CPU_PASSES_TD
