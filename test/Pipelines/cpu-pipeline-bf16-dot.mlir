// The AVX512-BF16 dot path of mha-cpu-pipeline is chosen from the target,
// never from the host: these compile for explicit CPUs and run anywhere.
//
// bf16-dot=auto (the default) takes it where the target's scheduling model
// gives vdpbf16ps more multiply-adds per cycle than f32 FMA (Cooper Lake),
// not where it gives fewer (Sapphire Rapids, Zen 4); bf16-dot=on takes it
// wherever the target has AVX512-BF16.
// RUN: mha-opt %s --split-input-file --mha-cpu-pipeline="target-cpu=cooperlake" | FileCheck %s --check-prefix=DOT
// RUN: mha-opt %s --split-input-file --mha-cpu-pipeline="target-cpu=sapphirerapids bf16-dot=on" | FileCheck %s --check-prefix=DOT
// RUN: mha-opt %s --split-input-file --mha-cpu-pipeline="target-cpu=znver4 bf16-dot=on" | FileCheck %s --check-prefix=DOT
// RUN: mha-opt %s --split-input-file --mha-cpu-pipeline="target-cpu=sapphirerapids" | FileCheck %s --check-prefix=WIDE
// RUN: mha-opt %s --split-input-file --mha-cpu-pipeline="target-cpu=znver4" | FileCheck %s --check-prefix=WIDE
// RUN: mha-opt %s --split-input-file --mha-cpu-pipeline="target-cpu=cooperlake bf16-dot=off" | FileCheck %s --check-prefix=WIDE
// Without AVX512-BF16 (or 16 lanes) there is no dot, whatever the option.
// RUN: mha-opt %s --split-input-file --mha-cpu-pipeline="target-cpu=skylake-avx512 bf16-dot=on" | FileCheck %s --check-prefix=WIDE
// RUN: mha-opt %s --split-input-file --mha-cpu-pipeline="target-cpu=cooperlake target-features=-avx512bf16 bf16-dot=on" | FileCheck %s --check-prefix=WIDE
// RUN: mha-opt %s --split-input-file --mha-cpu-pipeline="target-cpu=cooperlake bf16-dot=on vector-width=8" | FileCheck %s --check-prefix=WIDE
// RUN: mha-opt %s --split-input-file --mha-cpu-pipeline="target-cpu=x86-64-v3 bf16-dot=on" | FileCheck %s --check-prefix=WIDE
// The machine code: vdpbf16ps for Cooper Lake, none for Skylake-AVX512.
// RUN: mha-compile %s --pipeline=cpu --target-cpu=cooperlake --emit=obj -o %t.dot.o
// RUN: llvm-objdump -d %t.dot.o | FileCheck %s --check-prefix=ASM
// RUN: mha-compile %s --pipeline=cpu --target-cpu=skylake-avx512 --pipeline-options="bf16-dot=on" --emit=obj -o %t.wide.o
// RUN: llvm-objdump -d %t.wide.o | FileCheck %s --check-prefix=NOASM
// RUN: not mha-opt %s --mha-cpu-pipeline="bf16-dot=maybe" 2>&1 | FileCheck %s --check-prefix=BADOPT

// Both products of bf16 attention: Q . K^T with K read in place and Q^T
// packed exactly (the scale is applied to the f32 scores), P . V with P
// rounded to bf16 (vcvtneps2bf16 through llvm.fptrunc).
// DOT-LABEL: llvm.func @bf16_prefill
// DOT:         llvm.call_intrinsic "llvm.x86.avx512bf16.dpbf16ps.512"({{.*}}) : (vector<16xf32>, vector<32xbf16>, vector<32xbf16>) -> vector<16xf32>
// DOT:         llvm.fptrunc {{.*}} : vector<{{[0-9]+}}xf32> to vector<{{[0-9]+}}xbf16>
// DOT:         llvm.call_intrinsic "llvm.x86.avx512bf16.dpbf16ps.512"
// Widened: the K and V tiles become f32 for f32 FMAs.
// WIDE-LABEL: llvm.func @bf16_prefill
// WIDE-NOT:    dpbf16ps
// WIDE-LABEL: llvm.func @f32_prefill
// WIDE-NOT:    dpbf16ps
// ASM:         vdpbf16ps %zmm
// NOASM-NOT:   vdpbf16ps
// BADOPT: bf16-dot
func.func @bf16_prefill(%q: tensor<1x2x128x64xbf16>, %k: tensor<1x2x128x64xbf16>, %v: tensor<1x2x128x64xbf16>) -> tensor<1x2x128x64xbf16> {
  %o = mha.attention %q, %k, %v {causal} : tensor<1x2x128x64xbf16>, tensor<1x2x128x64xbf16>, tensor<1x2x128x64xbf16> -> tensor<1x2x128x64xbf16>
  return %o : tensor<1x2x128x64xbf16>
}

// -----

// f32 data never takes the dot path: nothing would round it to bf16.
// DOT-LABEL: llvm.func @f32_prefill
// DOT-NOT:     dpbf16ps
func.func @f32_prefill(%q: tensor<1x2x128x64xf32>, %k: tensor<1x2x128x64xf32>, %v: tensor<1x2x128x64xf32>) -> tensor<1x2x128x64xf32> {
  %o = mha.attention %q, %k, %v : tensor<1x2x128x64xf32>, tensor<1x2x128x64xf32>, tensor<1x2x128x64xf32> -> tensor<1x2x128x64xf32>
  return %o : tensor<1x2x128x64xf32>
}
