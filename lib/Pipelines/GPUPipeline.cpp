//===- GPUPipeline.cpp - mha-gpu-pipeline ---------------------------------===//

#include "mha/Pipelines/Pipelines.h"

#include "mha/Codegen/CPU/Passes.h"
#include "mha/Conversion/Passes.h"
#include "mha/Dialect/MHA/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/Transforms/OptimizeForNVVM.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FileSystem.h"

using namespace mlir;

mha::ConvertMHAToGPUOptions
mlir::mha::getConvertMHAToGPUOptions(const GPUPipelineOptions &options) {
  ConvertMHAToGPUOptions toGPU;
  toGPU.kernel = options.kernel;
  toGPU.chip = options.chip;
  toGPU.kvTile = options.kvTile;
  toGPU.kvSplits = options.kvSplits;
  toGPU.numSMs = options.numSMs;
  return toGPU;
}

llvm::Error
mlir::mha::checkGPUPipelineOptions(const GPUPipelineOptions &options) {
  const GPUChip &chip = options.chip;
  if (llvm::Error err = chip.checkFeatures(options.features))
    return err;
  // gpu-module-to-binary's spellings; it reports another without failing.
  static constexpr llvm::StringLiteral kFormats[] = {
      "bin", "binary",   "fatbin", "fatbinary",
      "isa", "assembly", "llvm",   "offloading"};
  if (!llvm::is_contained(kFormats, options.format.getValue()))
    return llvm::createStringError("option format: '" + options.format +
                                   "' is not one of bin, fatbin, isa, llvm");
  if (!options.cudaPath.empty() &&
      !llvm::sys::fs::is_directory(options.cudaPath.getValue()))
    return llvm::createStringError("option cuda-path: '" + options.cudaPath +
                                   "' is not a directory (give the CUDA "
                                   "toolkit's root, which holds bin/ptxas)");
  return llvm::Error::success();
}

void mlir::mha::buildGPUKernelLoweringPipeline(
    OpPassManager &pm, const GPUPipelineOptions &options) {
  // nvgpu (cp.async) and gpu ops -> NVVM, with the target attached for
  // serialisation.
  pm.addPass(createConvertNVGPUToNVVMPass());
  GpuNVVMAttachTargetOptions target;
  target.chip = options.chip.getValue().str();
  target.features = options.features.empty()
                        ? options.chip.getValue().getDefaultPTXFeatures()
                        : options.features.getValue();
  target.optLevel = options.optLevel;
  pm.addPass(createGpuNVVMAttachTarget(target));
  OpPassManager &kernels = pm.nest<gpu::GPUModuleOp>();
  kernels.addPass(createSCFToControlFlowPass());
  kernels.addPass(createConvertGpuOpsToNVVMOps());
  // The dynamic shared memory after the static variables, not among them.
  kernels.addPass(createMHAExternDynamicShared());
  kernels.addPass(LLVM::createNVVMOptimizeForTargetPass());
  kernels.addPass(createCanonicalizerPass());
  kernels.addPass(createCSEPass());
  kernels.addPass(createReconcileUnrealizedCastsPass());
}

void mlir::mha::buildGPUOffloadPipeline(OpPassManager &pm,
                                        const GPUPipelineOptions &options) {
  pm.addPass(createMHAInsertShapeChecks());
  pm.addPass(createMHADecomposeMultiHeadAttention());
  // Layer projections run on the host, in parallel vectorised blocks.
  pm.addPass(createMHATileProjections());
  pm.addPass(createConvertMHAToGPU(getConvertMHAToGPUOptions(options)));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void mlir::mha::buildGPUPipeline(OpPassManager &pm,
                                 const GPUPipelineOptions &options,
                                 const CPUTarget &target) {
  buildGPUOffloadPipeline(pm, options);
  buildBufferizePipeline(pm);
  // Host-side gpu.alloc / memcpy / launch_func become a chain on one stream.
  pm.addNestedPass<func::FuncOp>(createGpuAsyncRegionPass());

  buildGPUKernelLoweringPipeline(pm, options);

  // Host: the CPU tail, then the runtime calls and the embedded binary.
  LowerToLLVMOptions lower = LowerToLLVMOptions::forTarget(target);
  lower.bufferize = false;
  lower.parallel = true;
  lower.numThreads = options.threads;
  lower.vector = true;
  std::string format = options.format;
  std::string cudaPath = options.cudaPath;
  if (cudaPath.empty())
    cudaPath = MHA_DEFAULT_CUDA_PATH;
  lower.gpu = [format, cudaPath](OpPassManager &host) {
    host.addPass(createGpuToLLVMConversionPass());
    // Inline-PTX NVVM ops (wgmma) are lowered last, so the kernels stay
    // inspectable (and emulable) at the NVVM level until here.
    host.addNestedPass<gpu::GPUModuleOp>(createConvertNVVMToLLVMPass());
    GpuModuleToBinaryPassOptions binary;
    binary.compilationTarget = format;
    binary.toolkitPath = cudaPath;
    host.addPass(createGpuModuleToBinaryPass(binary));
    host.addPass(createReconcileUnrealizedCastsPass());
  };
  buildLowerToLLVMPipeline(pm, lower);
}
