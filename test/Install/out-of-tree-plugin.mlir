// examples/out-of-tree-plugin, the template of docs/extending.md, builds
// against an installed mha-mlir (find_package(MHA), MHA::MHAHeaders), passes
// its own lit test, and loads into the installed mha-opt next to the
// project's passes and examples/plugin without a name clash.
//
// RUN: rm -rf %t && cmake --install %mha_obj_root --prefix %t/prefix > %t.log
// RUN: cmake -G Ninja -S %mha_src_root/examples/out-of-tree-plugin -B %t/build -DCMAKE_PREFIX_PATH=%t/prefix -DCMAKE_CXX_COMPILER=clang++-22 >> %t.log
// RUN: cmake --build %t/build --target check-my-mha-plugin | FileCheck %s --check-prefix=LIT
// LIT: Passed: 1
//
// The plugin links no mha library: it uses the TypeID of AttentionOp that
// mha-opt defines, so isa<AttentionOp> matches the tool's ops.
// RUN: llvm-nm -D --defined-only %t/build/lib/MyMHAPlugin.so | FileCheck %s --check-prefix=NM --implicit-check-not=TypeIDResolverINS_3mha11AttentionOpEvE2idE
// NM: mlirGetPassPluginInfo
// RUN: llvm-nm -D --undefined-only %t/build/lib/MyMHAPlugin.so | FileCheck %s --check-prefix=UNDEF
// UNDEF: TypeIDResolverINS_3mha11AttentionOpEvE2idE
//
// RUN: %t/prefix/bin/mha-opt %s --load-pass-plugin=%t/build/lib/MyMHAPlugin.so --load-pass-plugin=%mha_obj_root/lib/libMHAExamplePlugin.so --load-dialect-plugin=%mha_obj_root/lib/libMHAExamplePlugin.so --pass-pipeline='builtin.module(mha-fold-causal-mask, mha-ext-annotate-flops, my-report-attention, canonicalize)' 2>&1 | FileCheck %s
// CHECK: remark: attention B=1 H=2 Hkv=2 Sq=2 Skv=2 D=4 Dv=4 causal
// CHECK: mha.attention %{{.*}} {causal, mha_ext.flops = 64 : i64}
func.func @f(%q: tensor<1x2x2x4xf32>) -> tensor<1x2x2x4xf32> {
  %m = arith.constant dense<[[[[true, false], [true, true]]]]> : tensor<1x1x2x2xi1>
  %o = mha.attention %q, %q, %q mask(%m) : tensor<1x2x2x4xf32>, tensor<1x2x2x4xf32>, tensor<1x2x2x4xf32>, tensor<1x1x2x2xi1> -> tensor<1x2x2x4xf32>
  return %o : tensor<1x2x2x4xf32>
}
