//===- MHAExamplePlugin.cpp - A pass and dialect plugin for mha-opt -------===//
//
// Extends mha-opt without forking it (docs/extending.md):
//
//   mha-opt --load-pass-plugin=libMHAExamplePlugin.so \
//       --pass-pipeline='builtin.module(mha-ext-annotate-flops)' in.mlir
//   mha-opt --load-dialect-plugin=libMHAExamplePlugin.so in.mlir
//
// It is built with the project; examples/out-of-tree-plugin is the same kind
// of plugin built against an installed mha-mlir. The plugin does not link the
// mha libraries: it resolves their symbols (op classes, TypeIDs) from the
// mha-opt that loads it, so `isa<AttentionOp>` sees the tool's op, not a
// second copy. Its pass and dialect use their own prefix (`mha-ext-`,
// `mha_ext`), so they never clash with the passes of the project.
//
//===----------------------------------------------------------------------===//

#include "mha/Dialect/MHA/IR/MHAOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Dialect.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Tools/Plugins/DialectPlugin.h"
#include "mlir/Tools/Plugins/PassPlugin.h"
#include "llvm/Config/llvm-config.h"

using namespace mlir;

namespace {
/// Attaches `mha_ext.flops` to every mha.attention with static shapes: the
/// FLOPs that `mha-run --bench` counts for it (2·B·H·Sq·Skv·(D + Dv), halved
/// when causal). A discardable attribute: canonicalization keeps it.
struct AnnotateFlopsPass
    : public PassWrapper<AnnotateFlopsPass, OperationPass<>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(AnnotateFlopsPass)

  StringRef getArgument() const final { return "mha-ext-annotate-flops"; }
  StringRef getDescription() const final {
    return "Attach the FLOP count of each mha.attention as mha_ext.flops "
           "(example plugin)";
  }
  void runOnOperation() override {
    getOperation()->walk([](mha::AttentionOp op) {
      auto q = op.getQuery().getType(), k = op.getKey().getType(),
           v = op.getValue().getType();
      if (!q.hasStaticShape() || !k.hasStaticShape() || !v.hasStaticShape())
        return;
      int64_t flops = 2 * q.getDimSize(0) * q.getDimSize(1) * q.getDimSize(2) *
                      k.getDimSize(2) * (q.getDimSize(3) + v.getDimSize(3));
      if (op.getCausal())
        flops /= 2;
      op->setAttr("mha_ext.flops", Builder(op).getI64IntegerAttr(flops));
    });
  }
};

/// A dialect with no ops of its own: `mha_ext.*` operations parse once the
/// plugin is loaded. Enough to show --load-dialect-plugin working.
class MHAExtDialect : public Dialect {
public:
  explicit MHAExtDialect(MLIRContext *ctx)
      : Dialect(getDialectNamespace(), ctx, TypeID::get<MHAExtDialect>()) {
    allowUnknownOperations();
  }
  static StringRef getDialectNamespace() { return "mha_ext"; }
};
} // namespace

MLIR_DECLARE_EXPLICIT_TYPE_ID(MHAExtDialect)
MLIR_DEFINE_EXPLICIT_TYPE_ID(MHAExtDialect)

extern "C" LLVM_ATTRIBUTE_WEAK PassPluginLibraryInfo mlirGetPassPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "MHAExamplePlugin", LLVM_VERSION_STRING,
          [] { PassRegistration<AnnotateFlopsPass>(); }};
}

extern "C" LLVM_ATTRIBUTE_WEAK DialectPluginLibraryInfo
mlirGetDialectPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "MHAExamplePlugin", LLVM_VERSION_STRING,
          [](DialectRegistry *registry) { registry->insert<MHAExtDialect>(); }};
}
