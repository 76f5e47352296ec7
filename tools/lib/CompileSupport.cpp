//===- CompileSupport.cpp - What mha-run and mha-compile share ------------===//

#include "CompileSupport.h"

#include "ToolSupport.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"

using namespace mlir;
using namespace mlir::mha::runner;
using namespace mlir::mha::tool;
namespace cl = llvm::cl;

CompileOptions::CompileOptions(cl::OptionCategory &category, bool jit)
    : pipeline("pipeline",
               cl::desc(jit ? "Pipeline that compiles the entry function: "
                              "'cpu' (mha-cpu-pipeline: fused, tiled, "
                              "vectorised for --target-cpu, multi-threaded), "
                              "'reference' (mha-reference-pipeline: unfused, "
                              "the oracle) or 'gpu' (mha-gpu-pipeline: fused "
                              "CUDA kernels, needs an NVIDIA GPU)"
                            : "Pipeline that compiles the entries: 'cpu' "
                              "(mha-cpu-pipeline: fused, tiled, vectorised "
                              "for --target-cpu, multi-threaded), "
                              "'reference' (mha-reference-pipeline: unfused, "
                              "the oracle) or 'gpu' (mha-gpu-pipeline: fused "
                              "CUDA kernels)"),
               cl::init("cpu"), cl::cat(category)),
      pipelineOptions("pipeline-options",
                      cl::desc("Options of the selected pipeline, e.g. "
                               "\"q-tile=64 threads=2\""),
                      cl::cat(category)),
      targetCpu("target-cpu",
                cl::desc(jit ? "LLVM CPU to compile for (default: 'host', "
                               "this machine with all its features), e.g. "
                               "x86-64, x86-64-v3, skylake-avx512, znver4; it "
                               "must be able to run here. The vector width, "
                               "micro-kernel shape, FMA and float "
                               "conversions follow from its features"
                             : "LLVM CPU to compile for (default: 'host', "
                               "this machine with all its features), e.g. "
                               "x86-64, x86-64-v3, skylake-avx512, znver4. "
                               "The vector width, micro-kernel shape, FMA "
                               "and float conversions follow from its "
                               "features"),
                cl::value_desc("name"), cl::cat(category)),
      targetFeatures("target-features",
                     cl::desc("LLVM features added to or removed from the "
                              "target CPU's, e.g. +avx512bf16 or "
                              "-avx512f,-avx2"),
                     cl::value_desc("+a,-b"), cl::cat(category)) {}

PipelineKind CompileOptions::getPipelineKind() const {
  std::optional<PipelineKind> kind = parsePipelineKind(pipeline);
  if (!kind)
    fail("unknown --pipeline=" + pipeline + ": expected cpu, reference or gpu");
  return *kind;
}

OwningOpRef<ModuleOp>
mlir::mha::tool::parseInputFile(llvm::StringRef path, MLIRContext &context,
                                llvm::SourceMgr &sourceMgr) {
  std::string error;
  std::unique_ptr<llvm::MemoryBuffer> file = openInputFile(path, &error);
  if (!file)
    fail("cannot read '" + path + "': " + error);
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  SourceMgrDiagnosticHandler handler(sourceMgr, &context);
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    fail("'" + path + "' is not valid MLIR (see the diagnostics above)");
  return module;
}
