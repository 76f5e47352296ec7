//===- PipelineBuilder.cpp - Build an mha pipeline by kind ----------------===//

#include "mha/Runner/PipelineBuilder.h"

#include "mha/Pipelines/Pipelines.h"

#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::mha;
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

namespace {
/// Parses `text` into the options of one pipeline, applies `flags` and
/// resolves the target, then builds the pipeline with it.
template <typename Options>
llvm::Expected<CPUTarget> buildWithTarget(
    OpPassManager &pm, llvm::StringRef text, const TargetFlags &flags,
    llvm::StringRef name,
    void (*build)(OpPassManager &, const Options &, const CPUTarget &)) {
  Options options;
  if (llvm::Error err = options.parse(text, name))
    return std::move(err);
  auto apply = [](auto &option, const std::string &value,
                  llvm::StringRef name) -> llvm::Error {
    if (value.empty())
      return llvm::Error::success();
    if (option.hasValue() && option.getValue() != value)
      return llvm::createStringError(
          "the target is given twice: --" + name.str() + "=" + value +
          " and the pipeline option " + name.str() + "=" + option.getValue());
    option = value;
    return llvm::Error::success();
  };
  if (llvm::Error err = apply(options.targetCpu, flags.cpu, "target-cpu"))
    return std::move(err);
  if (llvm::Error err =
          apply(options.targetFeatures, flags.features, "target-features"))
    return std::move(err);
  // A chip named in the options wins over the caller's (the JIT's device).
  if constexpr (std::is_same_v<Options, GPUPipelineOptions>)
    if (flags.gpuChip && !options.chip.hasValue())
      options.chip = *flags.gpuChip;
  if (llvm::Error err = checkPipelineOptions(options))
    return std::move(err);
  llvm::Expected<CPUTarget> target = getCPUTarget(options);
  if (!target)
    return target.takeError();
  build(pm, options, *target);
  return target;
}
} // namespace

llvm::Expected<CPUTarget>
mlir::mha::runner::buildPipelineForKind(OpPassManager &pm, PipelineKind kind,
                                        llvm::StringRef options,
                                        const TargetFlags &target) {
  switch (kind) {
  case PipelineKind::Reference:
    return buildWithTarget<ReferencePipelineOptions>(
        pm, options, target, "mha-reference-pipeline", buildReferencePipeline);
  case PipelineKind::CPU:
    return buildWithTarget<CPUPipelineOptions>(
        pm, options, target, "mha-cpu-pipeline", buildCPUPipeline);
  case PipelineKind::GPU:
    return buildWithTarget<GPUPipelineOptions>(
        pm, options, target, "mha-gpu-pipeline", buildGPUPipeline);
  }
  llvm_unreachable("unknown pipeline kind");
}
