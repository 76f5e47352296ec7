// mha-opt loads passes and dialects from plugins (examples/plugin).
//
// RUN: mha-opt %s --load-dialect-plugin=%mha_obj_root/lib/libMHAExamplePlugin.so --load-pass-plugin=%mha_obj_root/lib/libMHAExamplePlugin.so --pass-pipeline='builtin.module(mha-ext-annotate-flops)' | FileCheck %s
//
// The annotation lasts through canonicalization, and the plugin's pass runs
// next to the project's passes in one pipeline (no name clash).
// RUN: mha-opt %s --load-dialect-plugin=%mha_obj_root/lib/libMHAExamplePlugin.so --load-pass-plugin=%mha_obj_root/lib/libMHAExamplePlugin.so --pass-pipeline='builtin.module(mha-fold-causal-mask, mha-ext-annotate-flops, canonicalize)' | FileCheck %s
//
// Without the dialect plugin, mha_ext is unknown.
// RUN: not mha-opt %s 2>&1 | FileCheck %s --check-prefix=NOPLUGIN
// NOPLUGIN: error: operation being parsed with an unregistered dialect
//
// A missing plugin is reported (and ignored, as upstream mlir-opt does), the
// run then fails on the unknown pass.
// RUN: not mha-opt %s --load-pass-plugin=%t-missing.so --pass-pipeline='builtin.module(mha-ext-annotate-flops)' 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: Failed to load passes from '{{.*}}-missing.so'

// 2·B·H·Sq·Skv·(D + Dv) = 2·1·2·3·3·32 = 1152, halved when causal.
// CHECK-LABEL: func.func @f
// CHECK:         "mha_ext.note"()
// CHECK:         mha.attention {{.*}} {mha_ext.flops = 1152 : i64}
// CHECK:         mha.attention {{.*}} {causal, mha_ext.flops = 576 : i64, scale = 5.000000e-01 : f32}
// Dynamic shapes: no count.
// CHECK:         mha.attention
// CHECK-NOT:     mha_ext.flops
// CHECK-SAME:    tensor<1x2x?x16xf32>
func.func @f(%q: tensor<1x2x3x16xf32>, %d: tensor<1x2x?x16xf32>) -> (tensor<1x2x3x16xf32>, tensor<1x2x3x16xf32>, tensor<1x2x?x16xf32>) {
  "mha_ext.note"() {text = "hello"} : () -> ()
  %a = mha.attention %q, %q, %q : tensor<1x2x3x16xf32>, tensor<1x2x3x16xf32>, tensor<1x2x3x16xf32> -> tensor<1x2x3x16xf32>
  %b = mha.attention %q, %q, %q {causal, scale = 0.5 : f32} : tensor<1x2x3x16xf32>, tensor<1x2x3x16xf32>, tensor<1x2x3x16xf32> -> tensor<1x2x3x16xf32>
  %c = mha.attention %d, %d, %d : tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32> -> tensor<1x2x?x16xf32>
  return %a, %b, %c : tensor<1x2x3x16xf32>, tensor<1x2x3x16xf32>, tensor<1x2x?x16xf32>
}
