//===- ReferencePipeline.cpp - mha-reference-pipeline ---------------------===//

#include "mha/Pipelines/Pipelines.h"

#include "mha/Conversion/Passes.h"
#include "mha/Dialect/MHA/Transforms/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void mlir::mha::buildReferencePipeline(OpPassManager &pm,
                                       const ReferencePipelineOptions &,
                                       const CPUTarget &target) {
  pm.addPass(createMHAInsertShapeChecks());
  pm.addPass(createMHADecomposeMultiHeadAttention());
  pm.addPass(createConvertMHAToLinalg());
  pm.addPass(createCanonicalizerPass());
  buildLowerToLLVMPipeline(pm, LowerToLLVMOptions::forTarget(target));
}
