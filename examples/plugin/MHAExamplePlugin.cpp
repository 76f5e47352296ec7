//===- MHAExamplePlugin.cpp - A pass and dialect plugin for mha-opt -------===//
//
// Extends mha-opt without forking it (see docs/tutorial-writing-a-pass.md):
//
//   mha-opt --load-pass-plugin=libMHAExamplePlugin.so \
//           --pass-pipeline='builtin.module(mha-make-scale-explicit)' in.mlir
//   mha-opt --load-dialect-plugin=libMHAExamplePlugin.so in.mlir
//
// The plugin does not link the mha libraries: it resolves their symbols
// (op classes, TypeIDs) from the mha-opt that loads it, so `isa<AttentionOp>`
// sees the tool's op, not a second copy.
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
/// Writes the effective scale (1/sqrt(D) when absent) on every
/// mha.attention, so that later tools need not know the default.
struct MakeScaleExplicitPass
    : public PassWrapper<MakeScaleExplicitPass, OperationPass<>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(MakeScaleExplicitPass)

  StringRef getArgument() const final { return "mha-make-scale-explicit"; }
  StringRef getDescription() const final {
    return "Materialise the default scale of mha.attention (example plugin)";
  }
  void runOnOperation() override {
    getOperation()->walk([](mha::AttentionOp op) {
      if (!op.getScale())
        op.setScaleAttr(Builder(op).getF32FloatAttr(op.getEffectiveScale()));
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
          [] { PassRegistration<MakeScaleExplicitPass>(); }};
}

extern "C" LLVM_ATTRIBUTE_WEAK DialectPluginLibraryInfo
mlirGetDialectPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "MHAExamplePlugin", LLVM_VERSION_STRING,
          [](DialectRegistry *registry) { registry->insert<MHAExtDialect>(); }};
}
