// RUN: mha-opt %s -mha-vectorize-rows="max-vector-size=16" | FileCheck %s

// A 1 x 1 slice of a wider tensor broadcast over a row tile (the mask element
// of a one-key kv tile): the read of one element is a tensor.extract, not a
// 0-d vector.transfer_read, which convert-vector-to-llvm cannot lower from a
// strided memref.

// CHECK-LABEL: func.func @scalar_operand
// CHECK:         scf.forall
// CHECK:           %[[E:.+]] = tensor.extract %{{.+}} : tensor<4x7xf32>
// CHECK:           %[[B:.+]] = vector.broadcast %[[E]] : f32 to vector<16xf32>
// CHECK:           arith.addf %{{.+}}, %[[B]] : vector<16xf32>
// CHECK-NOT:       vector.transfer_read {{.+}} vector<f32>
func.func @scalar_operand(%s: tensor<4x64xf32>, %mask: tensor<4x7xf32>, %j: index) -> tensor<4x64xf32> {
  %r = scf.forall (%i) in (4) shared_outs(%o = %s) -> tensor<4x64xf32> {
    %m = tensor.extract_slice %mask[%i, %j] [1, 1] [1, 1] : tensor<4x7xf32> to tensor<1x1xf32>
    %t = tensor.extract_slice %o[%i, 0] [1, 64] [1, 1] : tensor<4x64xf32> to tensor<1x64xf32>
    %g = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, 0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%m : tensor<1x1xf32>) outs(%t : tensor<1x64xf32>) {
    ^bb0(%a: f32, %b: f32):
      %x = arith.addf %b, %a : f32
      linalg.yield %x : f32
    } -> tensor<1x64xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %g into %o[%i, 0] [1, 64] [1, 1] : tensor<1x64xf32> into tensor<4x64xf32>
    }
  }
  return %r : tensor<4x64xf32>
}
