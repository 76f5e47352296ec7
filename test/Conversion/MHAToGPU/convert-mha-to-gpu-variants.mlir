// RUN: mha-opt %s --convert-mha-to-gpu --canonicalize --cse | FileCheck %s
// RUN: mha-opt %s --convert-mha-to-gpu="kernel=simt" --canonicalize --cse | FileCheck %s --check-prefix=SIMT

// Attention variants in the GPU kernels (lib/Conversion/MHAToGPU/
// ScoreModifiers.h): the host stages the ALiBi slopes and sinks and brings
// back the lse result; the kernel trims its kv loop to the window, applies
// softcap and ALiBi to every score and masks only partial tiles.

// CHECK-LABEL: func.func @prefill_all_variants(
// CHECK:         gpu.launch_func @mha_kernels::@attention_0 blocks in (%{{.+}}, %{{.+}}, %{{.+}}) threads in (%c256, %{{.+}}, %{{.+}}) dynamic_shared_memory_size %{{.+}} args(%{{.+}} : memref<?xbf16>, %{{.+}} : memref<?xbf16>, %{{.+}} : memref<?xbf16>, %{{.+}} : memref<?xf32>, %{{.+}} : memref<?xf32>, %{{.+}} : memref<?xbf16>, %{{.+}} : memref<?xf32>, %c1 : index, %c256 : index, %c256 : index)
// CHECK:         %[[LSEHOST:.+]] = memref.alloc() : memref<1x4x256xf32>
// CHECK:         gpu.memcpy %[[LSEHOST]], %{{.+}} : memref<1x4x256xf32>, memref<1x4x256xf32>
// CHECK:         %[[LSET:.+]] = bufferization.to_tensor %[[LSEHOST]] restrict writable
// CHECK:         return %{{.+}}, %[[LSET]]

// Flash-decoding (@decode_window_sinks below): at most
// ceil((Sq + left) / blockN) + 1 splits under a window; the combine kernel
// takes the sinks (read at head (row / Sq) mod H) and writes the lse.
// CHECK-LABEL: func.func @decode_window_sinks(
// CHECK:         %[[TILES:.+]] = arith.ceildivui %{{.+}}, %c128 : index
// CHECK:         arith.minui %[[TILES]], %c10 : index
// CHECK:         gpu.launch_func @mha_kernels::@attention_1 {{.+}} args(%{{.+}} : memref<?xf16>, %{{.+}} : memref<?xf16>, %{{.+}} : memref<?xf16>, %{{.+}} : memref<?xf32>, %{{.+}} : memref<?xf32>, %c1 : index, %c1 : index, %{{.+}} : index, %{{.+}} : index)
// CHECK:         gpu.launch_func @mha_kernels::@attention_1_combine {{.+}} args(%{{.+}} : memref<?xf32>, %{{.+}} : memref<?xf32>, %{{.+}} : memref<?xf16>, %c8 : index, %{{.+}} : index, %{{.+}} : memref<?xf32>, %c1 : index, %{{.+}} : memref<?xf32>)

// The kv loop: from the tile of the window's first key (q0 + Skv - Sq - 64)
// to the tile past the causal diagonal of the block's last query.
// CHECK-LABEL: gpu.func @attention_0(
// CHECK-SAME:      %{{[^:]+}}: memref<?xbf16>, %{{[^:]+}}: memref<?xbf16>, %{{[^:]+}}: memref<?xbf16>, %[[SL:[^:]+]]: memref<?xf32>, %[[SK:[^:]+]]: memref<?xf32>, %{{[^:]+}}: memref<?xbf16>, %[[LS:[^:]+]]: memref<?xf32>, %{{[^:]+}}: index, %[[SQ:[^:]+]]: index, %[[SKV:[^:]+]]: index)
// CHECK:         %[[Q0:.+]] = arith.muli %{{.+}}, %c128 : index
// CHECK:         %[[SHIFT:.+]] = arith.subi %[[SKV]], %[[SQ]] : index
// CHECK:         %[[A:.+]] = arith.addi %[[Q0]], %[[SHIFT]] : index
// CHECK:         %[[B:.+]] = arith.subi %[[A]], %c64 : index
// CHECK:         %[[C:.+]] = arith.maxsi %[[B]], %c0 : index
// CHECK:         %[[FIRST:.+]] = arith.minsi %[[C]], %[[SKV]] : index
// CHECK:         %[[T0:.+]] = arith.divui %[[FIRST]], %c128 : index
// CHECK:         %[[N:.+]] = arith.subi %{{.+}}, %[[T0]] : index
// CHECK:         %[[COUNT:.+]] = arith.maxsi %[[N]], %c0 : index
// Per row: the ALiBi slope and the sink, in log2 units.
// CHECK:         memref.load %[[SL]][%{{.+}}] : memref<?xf32>
// CHECK:         memref.load %[[SK]][%{{.+}}] : memref<?xf32>
// CHECK:         scf.for %{{.+}} = %c0 to %[[COUNT]] step %c1
// Softcap: c log2(e) (1 - 2 / (1 + exp2(2 s / c))) with an approximate
// reciprocal, then ALiBi as one fma.
// CHECK:           math.exp2
// CHECK-NEXT:      arith.addf
// CHECK-NEXT:      arith.divf %{{.+}}, %{{.+}} fastmath<afn> : f32
// CHECK-NEXT:      llvm.intr.fma
// CHECK-NEXT:      llvm.intr.fma
// A full tile (within Skv, the diagonal and the window's left edge for all
// rows of the warp) keeps its scores; only a partial one selects.
// CHECK:           arith.subi %{{.+}}, %c64 : index
// CHECK-NEXT:      %[[LEFT:.+]] = arith.cmpi sle, %{{.+}}, %{{.+}} : index
// CHECK-NEXT:      %[[FULL:.+]] = arith.andi %{{.+}}, %[[LEFT]] : i1
// CHECK-NEXT:      scf.if %[[FULL]] -> (f32,
// CHECK-NOT:         arith.select
// CHECK:           } else {
// CHECK:             arith.select
// The epilogue: the sink joins the denominator; lane t = 0 writes the lse.
// CHECK:         math.log2
// CHECK:         memref.store %{{.+}}, %[[LS]][%{{.+}}] : memref<?xf32>

// CHECK-LABEL: gpu.func @attention_1_combine(
// CHECK-SAME:      %{{[^:]+}}: memref<?xf32>, %{{[^:]+}}: memref<?xf32>, %{{[^:]+}}: memref<?xf16>, %{{[^:]+}}: index, %{{[^:]+}}: index, %[[SINKS:[^:]+]]: memref<?xf32>, %[[CSQ:[^:]+]]: index, %[[LSE:[^:]+]]: memref<?xf32>)
// CHECK:         %[[R:.+]] = arith.divui %{{.+}}, %[[CSQ]] : index
// CHECK:         %[[H:.+]] = arith.remui %[[R]], %c8 : index
// CHECK:         memref.load %[[SINKS]][%[[H]]] : memref<?xf32>
// CHECK:         math.log2
// CHECK:         memref.store %{{.+}}, %[[LSE]][%{{.+}}] : memref<?xf32>

// The SIMT kernel loops over each row's visible keys of a tile: no
// per-key mask (the selects left are the softmax's safe maximum).
// SIMT-LABEL: gpu.func @attention_0(
// SIMT:         scf.for
// SIMT:           scf.for %{{.+}} = %{{.+}} to %{{.+}} step %c1 iter_args
// SIMT-NOT:         arith.select
// SIMT:             vector.reduction <add>
// SIMT-NOT:         arith.select
// SIMT:             math.exp2
// SIMT-NOT:         arith.select
// SIMT:             llvm.intr.fma
// SIMT-NOT:         arith.select
// SIMT:             arith.maximumf

func.func @prefill_all_variants(%q: tensor<1x4x256x64xbf16>, %k: tensor<1x2x256x64xbf16>, %v: tensor<1x2x256x64xbf16>, %a: tensor<4xf32>, %s: tensor<4xf32>) -> (tensor<1x4x256x64xbf16>, tensor<1x4x256xf32>) {
  %o, %l = mha.attention %q, %k, %v alibi(%a : tensor<4xf32>) sinks(%s : tensor<4xf32>) {causal, window = [64, 0], softcap = 30.0 : f32}
      : tensor<1x4x256x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16> -> tensor<1x4x256x64xbf16>, tensor<1x4x256xf32>
  return %o, %l : tensor<1x4x256x64xbf16>, tensor<1x4x256xf32>
}

func.func @decode_window_sinks(%q: tensor<1x8x1x64xf16>, %k: tensor<1x2x?x64xf16>, %v: tensor<1x2x?x64xf16>, %s: tensor<8xf32>) -> (tensor<1x8x1x64xf16>, tensor<1x8x1xf32>) {
  %o, %l = mha.attention %q, %k, %v sinks(%s : tensor<8xf32>) {window = [1024, 0]}
      : tensor<1x8x1x64xf16>, tensor<1x2x?x64xf16>, tensor<1x2x?x64xf16> -> tensor<1x8x1x64xf16>, tensor<1x8x1xf32>
  return %o, %l : tensor<1x8x1x64xf16>, tensor<1x8x1xf32>
}
