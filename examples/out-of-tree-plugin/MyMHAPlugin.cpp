//===- MyMHAPlugin.cpp - A pass plugin for mha-opt ------------------------===//
//
// Loaded with `mha-opt --load-pass-plugin=MyMHAPlugin.so`; run its passes
// with `--pass-pipeline='builtin.module(my-report-attention)'`.
//
//===----------------------------------------------------------------------===//

#include "mha/Dialect/MHA/IR/MHAOps.h"

#include "mlir/Pass/Pass.h"
#include "mlir/Tools/Plugins/PassPlugin.h"
#include "llvm/Config/llvm-config.h"

namespace my {
#define GEN_PASS_DECL
#define GEN_PASS_DEF_MYREPORTATTENTION
#define GEN_PASS_REGISTRATION
#include "Passes.h.inc"
} // namespace my

using namespace mlir;

namespace {
void printDim(llvm::raw_ostream &os, StringRef name, int64_t size) {
  os << ' ' << name << '=';
  if (ShapedType::isDynamic(size))
    os << '?';
  else
    os << size;
}

struct MyReportAttentionPass
    : my::impl::MyReportAttentionBase<MyReportAttentionPass> {
  using MyReportAttentionBase::MyReportAttentionBase;

  void runOnOperation() override {
    getOperation()->walk([&](mha::AttentionOp op) {
      if (onlyCausal && !op.getCausal())
        return;
      auto q = op.getQuery().getType(), k = op.getKey().getType(),
           v = op.getValue().getType();
      InFlightDiagnostic remark = op.emitRemark("attention");
      std::string text;
      llvm::raw_string_ostream os(text);
      printDim(os, "B", q.getDimSize(0));
      printDim(os, "H", q.getDimSize(1));
      printDim(os, "Hkv", k.getDimSize(1));
      printDim(os, "Sq", q.getDimSize(2));
      printDim(os, "Skv", k.getDimSize(2));
      printDim(os, "D", q.getDimSize(3));
      printDim(os, "Dv", v.getDimSize(3));
      if (op.getCausal())
        os << " causal";
      if (op.getMask())
        os << " mask";
      remark << text;
    });
  }
};
} // namespace

extern "C" LLVM_ATTRIBUTE_WEAK PassPluginLibraryInfo mlirGetPassPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "MyMHAPlugin", LLVM_VERSION_STRING,
          [] { my::registerMyMHAPluginPasses(); }};
}
