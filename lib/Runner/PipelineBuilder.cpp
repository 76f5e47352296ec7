//===- PipelineBuilder.cpp - Build an mha pipeline by kind ----------------===//

#include "mha/Runner/PipelineBuilder.h"

#include "mha/InitAll.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Host.h"

using namespace mlir;
using namespace mlir::mha::runner;

llvm::StringRef mlir::mha::runner::pipelineName(PipelineKind kind) {
  switch (kind) {
  case PipelineKind::Reference:
    return "reference";
  case PipelineKind::CPU:
    return "cpu";
  case PipelineKind::GPU:
    return "gpu";
  }
  llvm_unreachable("unknown pipeline kind");
}

std::optional<PipelineKind>
mlir::mha::runner::parsePipelineKind(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<PipelineKind>>(name)
      .Case("cpu", PipelineKind::CPU)
      .Case("reference", PipelineKind::Reference)
      .Case("gpu", PipelineKind::GPU)
      .Default(std::nullopt);
}

llvm::StringRef mlir::mha::runner::pipelineRegistryName(PipelineKind kind) {
  switch (kind) {
  case PipelineKind::Reference:
    return "mha-reference-pipeline";
  case PipelineKind::CPU:
    return "mha-cpu-pipeline";
  case PipelineKind::GPU:
    return "mha-gpu-pipeline";
  }
  llvm_unreachable("unknown pipeline kind");
}

int64_t mlir::mha::runner::hostVectorWidth() {
  llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
  if (features.lookup("avx512f"))
    return 16;
  if (features.lookup("avx2"))
    return 8;
  return 4;
}

LogicalResult mlir::mha::runner::buildPipelineForKind(
    OpPassManager &pm, PipelineKind kind, llvm::StringRef options,
    llvm::raw_ostream &errors, std::optional<int64_t> vectorWidth) {
  mlir::mha::registerAllPasses();
  llvm::StringRef name = pipelineRegistryName(kind);
  if (!PassPipelineInfo::lookup(name)) {
    errors << "the " << pipelineName(kind)
           << " pipeline is not available in this build";
    return failure();
  }
  std::string all = options.str();
  // The CPU pipeline vectorises for the target (the JIT's host, or the CPU
  // mha-compile targets): AVX-512, AVX2 or SSE widths, unless the user chose
  // a width.
  if (kind == PipelineKind::CPU && !options.contains("vector-width"))
    all = "vector-width=" +
          std::to_string(vectorWidth ? *vectorWidth : hostVectorWidth()) +
          (all.empty() ? "" : " " + all);
  std::string text = name.str() + (all.empty() ? "" : "{" + all + "}");
  return parsePassPipeline(text, pm, errors);
}
