// mha-opt loads passes and dialects from plugins (examples/plugin).
//
// RUN: mha-opt %s --load-dialect-plugin=%mha_obj_root/lib/libMHAExamplePlugin.so --load-pass-plugin=%mha_obj_root/lib/libMHAExamplePlugin.so --pass-pipeline='builtin.module(mha-make-scale-explicit)' | FileCheck %s
//
// Without the dialect plugin, mha_ext is unknown.
// RUN: not mha-opt %s 2>&1 | FileCheck %s --check-prefix=NOPLUGIN
// NOPLUGIN: error: operation being parsed with an unregistered dialect
//
// A missing plugin is reported (and ignored, as upstream mlir-opt does), the
// run then fails on the unknown pass.
// RUN: not mha-opt %s --load-pass-plugin=%t-missing.so --pass-pipeline='builtin.module(mha-make-scale-explicit)' 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: Failed to load passes from '{{.*}}-missing.so'

// CHECK-LABEL: func.func @f
// CHECK:         "mha_ext.note"()
// CHECK:         mha.attention {{.*}} {scale = 2.500000e-01 : f32}
// CHECK:         mha.attention {{.*}} {causal, scale = 5.000000e-01 : f32}
func.func @f(%q: tensor<1x2x3x16xf32>) -> (tensor<1x2x3x16xf32>, tensor<1x2x3x16xf32>) {
  "mha_ext.note"() {text = "hello"} : () -> ()
  %a = mha.attention %q, %q, %q : tensor<1x2x3x16xf32>, tensor<1x2x3x16xf32>, tensor<1x2x3x16xf32> -> tensor<1x2x3x16xf32>
  %b = mha.attention %q, %q, %q {causal, scale = 0.5 : f32} : tensor<1x2x3x16xf32>, tensor<1x2x3x16xf32>, tensor<1x2x3x16xf32> -> tensor<1x2x3x16xf32>
  return %a, %b : tensor<1x2x3x16xf32>, tensor<1x2x3x16xf32>
}
