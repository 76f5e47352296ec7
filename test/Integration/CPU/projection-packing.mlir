// Layers whose projections take every packing and reduction-split path of
// mha-cpu-pipeline (docs/cpu-codegen.md, "The model"): pack-b by the L1
// model, never, always; E = 200 (reduction chunks of 100, partial [64, 64]
// blocks at the edges) and E = 768 (chunks of a power-of-two row stride).
//
// RUN: mha-run %s --entry=odd --seed=1 --verify | FileCheck %s
// RUN: mha-run %s --entry=odd --seed=2 --verify --pipeline-options="pack-b=0" | FileCheck %s
// RUN: mha-run %s --entry=odd --seed=3 --verify --pipeline-options="pack-b=1" | FileCheck %s
// RUN: mha-run %s --entry=wide --seed=4 --verify | FileCheck %s
// RUN: mha-run %s --entry=wide --seed=5 --verify --pipeline-options="pack-b=0" | FileCheck %s
// RUN: mha-run %s --entry=wide --seed=6 --verify --pipeline-options="pack-b=1" | FileCheck %s
// CHECK: PASS

func.func @odd(%x: tensor<1x70x200xf32>,
               %wq: tensor<200x200xf32>, %wk: tensor<200x200xf32>,
               %wv: tensor<200x200xf32>, %wo: tensor<200x200xf32>,
               %bq: tensor<200xf32>, %bk: tensor<200xf32>,
               %bv: tensor<200xf32>, %bo: tensor<200xf32>)
    -> tensor<1x70x200xf32> {
  %y = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo
      bias(%bq, %bk, %bv, %bo) {num_heads = 5 : i64}
      : tensor<1x70x200xf32>, tensor<1x70x200xf32>, tensor<200x200xf32>,
        tensor<200x200xf32>, tensor<200x200xf32>, tensor<200x200xf32>,
        tensor<200xf32>, tensor<200xf32>, tensor<200xf32>, tensor<200xf32>
      -> tensor<1x70x200xf32>
  return %y : tensor<1x70x200xf32>
}

func.func @wide(%x: tensor<1x70x768xf32>,
                %wq: tensor<768x768xf32>, %wk: tensor<768x768xf32>,
                %wv: tensor<768x768xf32>, %wo: tensor<768x768xf32>,
                %bq: tensor<768xf32>, %bk: tensor<768xf32>,
                %bv: tensor<768xf32>, %bo: tensor<768xf32>)
    -> tensor<1x70x768xf32> {
  %y = mha.multi_head_attention %x, %x, %wq, %wk, %wv, %wo
      bias(%bq, %bk, %bv, %bo) {num_heads = 12 : i64}
      : tensor<1x70x768xf32>, tensor<1x70x768xf32>, tensor<768x768xf32>,
        tensor<768x768xf32>, tensor<768x768xf32>, tensor<768x768xf32>,
        tensor<768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768xf32>
      -> tensor<1x70x768xf32>
  return %y : tensor<1x70x768xf32>
}
