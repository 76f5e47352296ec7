//===- Pipelines.h - mha pass pipelines -------------------------*- C++ -*-===//
//
// Pipelines are plain functions so that mha-opt (through the registry),
// mha-run and mha-compile build exactly the same pass lists.
//
//===----------------------------------------------------------------------===//

#ifndef MHA_PIPELINES_PIPELINES_H
#define MHA_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassOptions.h"

namespace mlir {
class OpPassManager;
namespace mha {

/// Options of `mha-reference-pipeline`.
struct ReferencePipelineOptions
    : public PassPipelineOptions<ReferencePipelineOptions> {};

/// decompose + convert-mha-to-linalg (unfused) + bufferize + loops -> LLVM.
/// The oracle pipeline that `mha-run --verify` compares against.
void buildReferencePipeline(OpPassManager &pm,
                            const ReferencePipelineOptions &options);

/// The tail shared by every CPU pipeline: bufferized IR with `scf`/`linalg`
/// loops -> LLVM dialect (deallocation, loops, arith/math/memref/func ->
/// LLVM). Allocation goes through the generic `_mlir_memref_to_llvm_*`
/// functions so that hosts can track buffers the compiled code returns.
void buildLowerToLLVMPipeline(OpPassManager &pm);

/// Registers `mha-reference-pipeline` (and later pipelines) for mha-opt.
void registerMHAPipelines();

} // namespace mha
} // namespace mlir

#endif // MHA_PIPELINES_PIPELINES_H
