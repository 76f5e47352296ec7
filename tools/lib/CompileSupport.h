//===- CompileSupport.h - What mha-run and mha-compile share ---*- C++ -*-===//
//
// Both tools read an MLIR file and lower it with one of the mha pipelines
// for a CPU target: the flags of that (--pipeline, --pipeline-options,
// --target-cpu, --target-features) and reading the input are defined here
// once.
//
//===----------------------------------------------------------------------===//

#ifndef MHA_TOOLS_COMPILESUPPORT_H
#define MHA_TOOLS_COMPILESUPPORT_H

#include "mha/Runner/PipelineBuilder.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/SourceMgr.h"

#include <string>

namespace mlir::mha::tool {

/// The pipeline and target flags. Construct it in main, before
/// parseCommandLine; `jit` words the help for code that runs on this host.
struct CompileOptions {
  CompileOptions(llvm::cl::OptionCategory &category, bool jit);

  // Strings rather than cl::values so an unknown name gets our one-line
  // error.
  llvm::cl::opt<std::string> pipeline;
  llvm::cl::opt<std::string> pipelineOptions;
  llvm::cl::opt<std::string> targetCpu;
  llvm::cl::opt<std::string> targetFeatures;

  /// --pipeline; an unknown name fails (exit 2).
  runner::PipelineKind getPipelineKind() const;
  runner::TargetFlags getTarget() const { return {targetCpu, targetFeatures}; }
};

/// Parses and verifies the MLIR file `path`; diagnostics go to stderr
/// through `sourceMgr`, which must outlive the module for later diagnostics
/// to quote the source. A file that cannot be read or is not valid MLIR
/// fails (exit 2).
OwningOpRef<ModuleOp> parseInputFile(llvm::StringRef path, MLIRContext &context,
                                     llvm::SourceMgr &sourceMgr);

} // namespace mlir::mha::tool

#endif // MHA_TOOLS_COMPILESUPPORT_H
