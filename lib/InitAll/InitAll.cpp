//===- InitAll.cpp - Register everything mha tools know -------------------===//

#include "mha/InitAll.h"

#include "mha/Codegen/CPU/Passes.h"
#include "mha/Conversion/Passes.h"
#include "mha/Dialect/MHA/IR/MHADialect.h"
#include "mha/Dialect/MHA/Transforms/Passes.h"
#include "mha/Pipelines/Pipelines.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

void mlir::mha::registerAllDialects(DialectRegistry &registry) {
  registry.insert<MHADialect>();
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::registerAllToLLVMIRTranslations(registry);
  registerConvertMHAToGPUExternalModels(registry);
  registerMPIMemoryEffectModels(registry);
}

void mlir::mha::registerAllPasses() {
  static bool once = [] {
    mlir::registerAllPasses();
    registerMHATransformsPasses();
    registerMHAConversionPasses();
    registerMHACPUCodegenPasses();
    registerMHAPipelines();
    return true;
  }();
  (void)once;
}
