//===- LowerToLLVM.cpp - Shared tail of the CPU pipelines -----------------===//

#include "mha/Pipelines/Pipelines.h"

#include "mha/Codegen/CPU/Passes.h"
#include "mha/Conversion/Passes.h"
#include "mha/Dialect/MHA/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

// mlir::LowerToLLVMOptions exists too: name the return type in full.
mha::LowerToLLVMOptions
mlir::mha::LowerToLLVMOptions::forTarget(const CPUTarget &target) {
  mha::LowerToLLVMOptions options;
  options.nativeF16Conversions = target.hasF16Conversions();
  options.nativeBF16Conversions = target.hasBF16Conversions();
  options.nativeFMA = target.hasFMA();
  return options;
}

void mlir::mha::buildBufferizePipeline(OpPassManager &pm) {
  // Tensors -> buffers. Identity layouts at function boundaries give hosts
  // plain contiguous memref descriptors.
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  // The ring loop of partitioned attention yields the K/V block it received
  // (a new buffer) in place of the one it sent.
  bufferize.allowReturnAllocsFromLoops = true;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  // Temporaries are freed; returned buffers are owned by the caller.
  bufferization::buildBufferDeallocationPipeline(pm);
  pm.addPass(createConvertBufferizationToMemRefPass());
}

void mlir::mha::buildLowerToLLVMPipeline(OpPassManager &pm,
                                         const LowerToLLVMOptions &options) {
  if (options.bufferize)
    buildBufferizePipeline(pm);

  if (options.parallel) {
    pm.addPass(createForallToParallelLoopPass());
    ConvertSCFToOpenMPPassOptions omp;
    omp.numThreads = options.numThreads;
    pm.addPass(createConvertSCFToOpenMPPass(omp));
    // Inlines the memref.alloca_scope wrappers around loop bodies that hold
    // no alloca: scf-to-cf cannot lower loops nested in them.
    pm.addPass(createCanonicalizerPass());
  } else {
    pm.addPass(createForallToForLoopPass());
  }
  // Transfers the vectorising passes left n-D (permuted or broadcast reads)
  // become 1-D ones.
  if (options.vector) {
    VectorTransferToSCFOptions toSCF;
    toSCF.unroll = true;
    pm.addNestedPass<func::FuncOp>(createConvertVectorToSCFPass(toSCF));
  }
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createCanonicalizerPass());

  // f16/bf16 arithmetic is done in f32 (as LLVM would, but without its
  // conversion libcalls); only conversions reach the LLVM dialect.
  arith::ArithEmulateUnsupportedFloatsOptions emulate;
  emulate.sourceTypeStrs = {"f16", "bf16"};
  pm.addNestedPass<func::FuncOp>(
      arith::createArithEmulateUnsupportedFloats(emulate));
  pm.addNestedPass<func::FuncOp>(math::createMathExtendToSupportedTypes());
  if (!options.nativeFMA) {
    math::MathExpandOpsPassOptions expandFma;
    expandFma.opMnemonics = {"fma"};
    pm.addNestedPass<func::FuncOp>(math::createMathExpandOpsPass(expandFma));
  }
  pm.addPass(arith::createArithExpandOpsPass());
  if (options.vector) {
    ConvertVectorToLLVMPassOptions toLLVM;
    toLLVM.x86Vector = options.x86Vector;
    pm.addPass(createConvertVectorToLLVMPass(toLLVM));
    // Vector lowering pads with ub.poison.
    pm.addPass(createUBToLLVMConversionPass());
  }
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  FinalizeMemRefToLLVMConversionPassOptions memrefOptions;
  memrefOptions.useGenericFunctions = true;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefOptions));
  pm.addPass(createConvertFuncToLLVMPass());
  if (options.parallel)
    pm.addPass(createConvertOpenMPToLLVMPass());
  // Conversions the target has no instructions for become integer code
  // (host functions only: kernels in gpu.modules have them natively).
  if (!options.nativeF16Conversions || !options.nativeBF16Conversions) {
    MHAExpandFloatConversionsOptions expand;
    expand.f16 = !options.nativeF16Conversions;
    expand.bf16 = !options.nativeBF16Conversions;
    pm.addNestedPass<LLVM::LLVMFuncOp>(createMHAExpandFloatConversions(expand));
  }
  if (options.gpu)
    options.gpu(pm);
  // Calls of MPI (the ring exchange of partitioned attention); none otherwise.
  pm.addPass(createConvertMHAMPIToLLVM());
  pm.addPass(createReconcileUnrealizedCastsPass());
  // Error exits for failed shape checks and allocations (after every
  // conversion: they branch in the LLVM dialect and OpenMP regions).
  pm.addPass(createMHALowerRuntimeChecks());
}
