//===- options-fuzzer.cpp - libFuzzer target for pipeline options ---------===//
//
// The pipeline-option strings of `mha-run --pipeline-options`,
// `mha-compile --pipeline-options`, the C API and Python's `options=`, all
// of which go through buildPipelineForKind. The input is text:
//
//   line 1: the pipeline (cpu, reference, gpu)
//   line 2: its options, e.g. "q-tile=16 kv-tile=32 threads=2"
//   line 3: --target-cpu (optional)
//   line 4: --target-features (optional); later lines are ignored
//
// Options that parse are then run on a small attention, so that every value
// the parser accepts is one the passes handle: an error is fine, a crash is
// not. GPU pipelines run only with format=llvm (no ptxas needed here).
//
//===----------------------------------------------------------------------===//

#include "mha/InitAll.h"
#include "mha/Pipelines/Pipelines.h"
#include "mha/Runner/PipelineBuilder.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>

using namespace mlir;
using namespace mlir::mha::runner;

// Covers GQA, a mask, causal masking and flash-decoding (Sq <= 16).
static const char *const kModule = R"mlir(
func.func @main(%q: tensor<1x4x3x8xf32>, %k: tensor<1x2x5x8xf32>,
                %v: tensor<1x2x5x8xf32>, %m: tensor<1x1x3x5xi1>)
    -> tensor<1x4x3x8xf32> {
  %o = mha.attention %q, %k, %v mask(%m) {causal}
      : tensor<1x4x3x8xf32>, tensor<1x2x5x8xf32>, tensor<1x2x5x8xf32>,
        tensor<1x1x3x5xi1> -> tensor<1x4x3x8xf32>
  return %o : tensor<1x4x3x8xf32>
}
)mlir";

static DialectRegistry *registry;

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  mlir::mha::registerAllPasses();
  registry = new DialectRegistry();
  mlir::mha::registerAllDialects(*registry);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef input(reinterpret_cast<const char *>(data), size);
  llvm::SmallVector<llvm::StringRef, 4> lines;
  input.split(lines, '\n');
  std::optional<PipelineKind> kind = parsePipelineKind(lines[0]);
  if (!kind)
    return 0;
  llvm::StringRef options = lines.size() > 1 ? lines[1] : "";
  TargetFlags flags;
  if (lines.size() > 2)
    flags.cpu = lines[2].str();
  if (lines.size() > 3)
    flags.features = lines[3].str();

  MLIRContext context(*registry, MLIRContext::Threading::DISABLED);
  ScopedDiagnosticHandler quiet(&context,
                                [](Diagnostic &) { return success(); });
  PassManager pm(&context, ModuleOp::getOperationName());
  llvm::Expected<mlir::mha::CPUTarget> target =
      buildPipelineForKind(pm, *kind, options, flags);
  if (!target) {
    llvm::consumeError(target.takeError());
    return 0;
  }
  if (*kind == PipelineKind::GPU) {
    mlir::mha::GPUPipelineOptions gpu;
    std::string ignored;
    llvm::raw_string_ostream os(ignored);
    if (failed(gpu.parseFromString(options, os)) || gpu.format != "llvm")
      return 0;
  }
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(kModule, &context);
  if (!module)
    abort(); // The fixed module always parses.
  (void)pm.run(*module);
  return 0;
}
