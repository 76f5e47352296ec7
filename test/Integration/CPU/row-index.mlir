// Index arithmetic on row tiles through the cpu pipeline, checked against
// the reference pipeline: an output plus a term computed from the innermost
// linalg.index alone (ALiBi's slope * (j - i) on [1, qt] score tiles) was
// miscompiled by mha-vectorize-rows (a pipeline error, or the term silently
// dropped). test/Codegen/CPU/mha-vectorize-rows-index.mlir has the pass.
//
// RUN: mha-run %s --entry=unit_rows --seed=1 --verify | FileCheck %s
// RUN: mha-run %s --entry=tiled_rows --seed=2 --verify | FileCheck %s
// CHECK: verify result 0 vs reference: {{.*}} mismatches=0 PASS

#id = affine_map<(j, i) -> (j, i)>

// [1, 16]: linalg.index 0 folds to 0, only the innermost index is left.
func.func @unit_rows(%x: tensor<1x16xf32>, %slope: tensor<2xf32>) -> tensor<2x1x16xf32> {
  %init = tensor.empty() : tensor<2x1x16xf32>
  %r = scf.forall (%h) in (2) shared_outs(%o = %init) -> (tensor<2x1x16xf32>) {
    %sl = tensor.extract %slope[%h] : tensor<2xf32>
    %buf = bufferization.alloc_tensor() : tensor<1x16xf32>
    %a = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
        ins(%x : tensor<1x16xf32>) outs(%buf : tensor<1x16xf32>) {
    ^bb0(%in: f32, %v: f32):
      %t = arith.mulf %in, %in : f32
      linalg.yield %t : f32
    } -> tensor<1x16xf32>
    %p = linalg.generic {indexing_maps = [#id], iterator_types = ["parallel", "parallel"]}
        outs(%a : tensor<1x16xf32>) {
    ^bb0(%v: f32):
      %j = linalg.index 0 : index
      %i = linalg.index 1 : index
      %jb = arith.addi %j, %h : index
      %d = arith.subi %jb, %i : index
      %d64 = arith.index_cast %d : index to i64
      %f = arith.sitofp %d64 : i64 to f32
      %m = arith.mulf %sl, %f : f32
      %w = arith.addf %v, %m : f32
      linalg.yield %w : f32
    } -> tensor<1x16xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %p into %o[%h, 0, 0] [1, 1, 16] [1, 1, 1] : tensor<1x16xf32> into tensor<2x1x16xf32>
    }
  }
  return %r : tensor<2x1x16xf32>
}

// [3, 24], tiled into [1, 8] rows: only the innermost index is used.
func.func @tiled_rows(%x: tensor<3x24xf32>, %slope: tensor<2xf32>) -> tensor<2x3x24xf32> {
  %init = tensor.empty() : tensor<2x3x24xf32>
  %r = scf.forall (%h) in (2) shared_outs(%o = %init) -> (tensor<2x3x24xf32>) {
    %sl = tensor.extract %slope[%h] : tensor<2xf32>
    %buf = bufferization.alloc_tensor() : tensor<3x24xf32>
    %a = linalg.copy ins(%x : tensor<3x24xf32>) outs(%buf : tensor<3x24xf32>) -> tensor<3x24xf32>
    %p = linalg.generic {indexing_maps = [#id], iterator_types = ["parallel", "parallel"]}
        outs(%a : tensor<3x24xf32>) {
    ^bb0(%v: f32):
      %i = linalg.index 1 : index
      %i64 = arith.index_cast %i : index to i64
      %f = arith.sitofp %i64 : i64 to f32
      %m = arith.mulf %sl, %f : f32
      %w = arith.maximumf %v, %m : f32
      linalg.yield %w : f32
    } -> tensor<3x24xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %p into %o[%h, 0, 0] [1, 3, 24] [1, 1, 1] : tensor<3x24xf32> into tensor<2x3x24xf32>
    }
  }
  return %r : tensor<2x3x24xf32>
}
