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

/// Options of `mha-cpu-pipeline`.
struct CPUPipelineOptions : public PassPipelineOptions<CPUPipelineOptions> {
  Option<int64_t> qTile{*this, "q-tile",
                        llvm::cl::desc("Query rows per tile (per thread task)"),
                        llvm::cl::init(64)};
  Option<int64_t> kvTile{*this, "kv-tile",
                         llvm::cl::desc("Keys per step of the online softmax"),
                         llvm::cl::init(64)};
  Option<int64_t> kvSplits{
      *this, "kv-splits",
      llvm::cl::desc("Parallel kv splits of mha-split-kv (flash-decoding) for "
                     "attentions with a static Sq <= split-max-sq; 0 turns "
                     "the split off"),
      llvm::cl::init(8)};
  Option<int64_t> splitMaxSq{
      *this, "split-max-sq",
      llvm::cl::desc("Longest static Sq that mha-split-kv splits"),
      llvm::cl::init(16)};
  Option<unsigned> threads{
      *this, "threads",
      llvm::cl::desc("OpenMP threads for the (batch, head, query tile) loop; "
                     "0 = all cores"),
      llvm::cl::init(0)};
  Option<int64_t> vectorWidth{
      *this, "vector-width",
      llvm::cl::desc("f32 lanes per vector register of the target: 16 for "
                     "AVX-512, 8 for AVX2 (hosts pick it from their CPU "
                     "features); 0 leaves the loop nest scalar"),
      llvm::cl::init(16)};
  Option<unsigned> microKernelRows{
      *this, "micro-kernel-rows",
      llvm::cl::desc("Rows of a contraction register block; 0 picks from "
                     "vector-width"),
      llvm::cl::init(0)};
  Option<unsigned> microKernelVectors{
      *this, "micro-kernel-vectors",
      llvm::cl::desc("Vector registers per row of a contraction register "
                     "block; 0 picks from vector-width"),
      llvm::cl::init(0)};
};

/// decompose + mha-split-kv (flash-decoding for short queries, unless
/// kv-splits = 0) + mha-tile-attention (fused FlashAttention-2 loop nest) +
/// mha-vectorize-contractions + mha-vectorize-rows (register-tiled
/// micro-kernels, row-wise vector softmax) + bufferize + OpenMP over
/// (B, H, q-tiles) -> LLVM.
void buildCPUPipeline(OpPassManager &pm, const CPUPipelineOptions &options);

/// How the shared tail treats `scf.forall`.
struct LowerToLLVMOptions {
  /// Map `scf.forall` to OpenMP worksharing loops (else sequential loops).
  bool parallel = false;
  /// OpenMP threads; 0 lets the runtime use every core.
  unsigned numThreads = 0;
  /// Lower vector dialect ops (from the vectorising passes) to LLVM.
  bool vector = false;
};

/// The tail shared by every CPU pipeline: tensors -> buffers -> loops ->
/// LLVM dialect. Allocation goes through the generic
/// `_mlir_memref_to_llvm_*` functions so that hosts can track buffers the
/// compiled code returns.
void buildLowerToLLVMPipeline(OpPassManager &pm,
                              const LowerToLLVMOptions &options = {});

/// Registers `mha-reference-pipeline` and `mha-cpu-pipeline` for mha-opt.
void registerMHAPipelines();

} // namespace mha
} // namespace mlir

#endif // MHA_PIPELINES_PIPELINES_H
