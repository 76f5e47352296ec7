// RUN: mha-opt %s -mha-tile-projections -split-input-file | FileCheck %s
// RUN: mha-opt %s -mha-tile-projections="block-rows=32 block-cols=128" -split-input-file | FileCheck %s --check-prefix=SIZES
// RUN: not mha-opt %s -mha-tile-projections="block-rows=0" -split-input-file 2>&1 | FileCheck %s --check-prefix=ERR
// RUN: mha-opt %s -mha-tile-projections="block-depth=192" -split-input-file | FileCheck %s --check-prefix=DEPTH
// RUN: not mha-opt %s -mha-tile-projections="block-depth=-1" -split-input-file 2>&1 | FileCheck %s --check-prefix=ERRDEPTH
// ERRDEPTH: mha-tile-projections: block-depth must not be negative, got -1
// ERR: mha-tile-projections: block-rows and block-cols must be positive, got block-rows=0 block-cols=64

// With block-depth=192 the reduction over E = 512 runs in static chunks of
// 128 (its largest divisor up to 192) inside each block.
// DEPTH-LABEL: func.func @projection
// DEPTH:         scf.forall
// DEPTH:           %[[R:[[:alnum:]_]+]] = scf.for %[[K:[[:alnum:]_]+]] = %{{.+}} to %{{.+}} step %{{.+}} iter_args(%{{.+}}) -> (tensor<64x64xf32>)
// DEPTH:             tensor.extract_slice %{{.+}}[0, %[[K]]] [64, 128] [1, 1]
// DEPTH:             tensor.extract_slice %{{.+}}[%[[K]], 0] [128, 64] [1, 1]
// DEPTH:             linalg.generic {{.*}} ins(%{{.+}}, %{{.+}} : tensor<64x128xf16>, tensor<128x64xf16>) outs(%{{.+}} : tensor<64x64xf32>)
// DEPTH:           tensor.parallel_insert_slice %[[R]]

// A projection becomes a generic contraction tiled over [64, 64] output
// blocks of an scf.forall; the reduction over E stays whole.
// CHECK-LABEL: func.func @projection
// CHECK-SAME:      %[[X:.+]]: tensor<128x512xf16>, %[[W:.+]]: tensor<512x256xf16>
// CHECK:         %[[FILL:.+]] = linalg.fill
// CHECK:         %[[Y:.+]] = scf.forall (%[[I:.+]], %[[J:.+]]) = (0, 0) to (128, 256) step (64, 64) shared_outs(%[[O:.+]] = %[[FILL]]) -> (tensor<128x256xf32>)
// CHECK:           %[[XT:.+]] = tensor.extract_slice %[[X]][%[[I]], 0] [64, 512] [1, 1]
// CHECK:           %[[WT:.+]] = tensor.extract_slice %[[W]][0, %[[J]]] [512, 64] [1, 1]
// CHECK:           %[[OT:.+]] = tensor.extract_slice %[[O]][%[[I]], %[[J]]] [64, 64] [1, 1]
// CHECK:           %[[T:.+]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]{{.*}} ins(%[[XT]], %[[WT]] : tensor<64x512xf16>, tensor<512x64xf16>) outs(%[[OT]] : tensor<64x64xf32>)
// CHECK:             arith.extf
// CHECK:             arith.mulf
// CHECK:             arith.addf
// CHECK:           tensor.parallel_insert_slice %[[T]] into %[[O]][%[[I]], %[[J]]] [64, 64] [1, 1]
// CHECK-NOT:     linalg.matmul
// CHECK:         return %[[Y]]
// SIZES-LABEL: func.func @projection
// SIZES:         scf.forall ({{.*}}) = (0, 0) to (128, 256) step (32, 128)
func.func @projection(%x: tensor<128x512xf16>, %w: tensor<512x256xf16>) -> tensor<128x256xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<128x256xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<128x256xf32>) -> tensor<128x256xf32>
  %y = linalg.matmul ins(%x, %w : tensor<128x512xf16>, tensor<512x256xf16>) outs(%acc : tensor<128x256xf32>) -> tensor<128x256xf32>
  return %y : tensor<128x256xf32>
}

// -----

// Dynamic rows give partial blocks (affine.min sizes).
// CHECK-LABEL: func.func @dynamic_rows
// CHECK:         scf.forall
// CHECK:           affine.min
// CHECK:           linalg.generic {{.*}} outs(%{{.+}} : tensor<?x64xf32>)
// SIZES-LABEL: func.func @dynamic_rows
func.func @dynamic_rows(%x: tensor<?x64xf32>, %w: tensor<64x64xf32>, %acc: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %y = linalg.matmul ins(%x, %w : tensor<?x64xf32>, tensor<64x64xf32>) outs(%acc : tensor<?x64xf32>) -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}
