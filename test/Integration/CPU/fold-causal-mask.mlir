// mha-fold-causal-mask keeps the numbers: the graph with its constant causal
// mask and the graph with `causal` give the same result on the same inputs.
//
// RUN: mha-run %s --seed=1 --output=%t.mask.npy | FileCheck %s --check-prefix=OUT
// RUN: mha-opt %s -mha-fold-causal-mask -canonicalize -o %t.mlir
// RUN: FileCheck %s --check-prefix=FOLDED < %t.mlir
// RUN: mha-run %t.mlir --seed=1 --output=%t.causal.npy --verify | FileCheck %s --check-prefix=OUT
// RUN: %python -c "import numpy as np, sys; a, b = np.load(sys.argv[1]), np.load(sys.argv[2]); assert a.shape == (1, 2, 3, 8) and np.allclose(a, b, atol=1e-5, rtol=1e-5), abs(a - b).max()" %t.mask.npy %t.causal.npy

// OUT: result 0: f32[1x2x3x8] -> {{.*}}.npy
// FOLDED: mha.attention %{{.*}}, %{{.*}}, %{{.*}} {causal} :
func.func @attn(%q: tensor<1x2x3x8xf32>, %kv: tensor<1x2x5x8xf32>) -> tensor<1x2x3x8xf32> {
  %m = arith.constant dense<[[[[true, true, true, false, false],
                               [true, true, true, true, false],
                               [true, true, true, true, true]]]]> : tensor<1x1x3x5xi1>
  %o = mha.attention %q, %kv, %kv mask(%m) : tensor<1x2x3x8xf32>, tensor<1x2x5x8xf32>, tensor<1x2x5x8xf32>, tensor<1x1x3x5xi1> -> tensor<1x2x3x8xf32>
  return %o : tensor<1x2x3x8xf32>
}
