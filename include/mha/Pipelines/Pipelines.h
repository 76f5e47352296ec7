//===- Pipelines.h - mha pass pipelines -------------------------*- C++ -*-===//
//
// Pipelines are plain functions so that mha-opt (through the registry),
// mha-run and mha-compile build exactly the same pass lists.
//
//===----------------------------------------------------------------------===//

#ifndef MHA_PIPELINES_PIPELINES_H
#define MHA_PIPELINES_PIPELINES_H

#include "mha/Conversion/MHAToGPU/MHAToGPU.h"
#include "mha/Dialect/MHA/Transforms/Passes.h"
#include "mha/Pipelines/CheckedOptions.h"
#include "mha/Target/CPUTarget.h"

#include "mlir/Pass/PassOptions.h"

#include <functional>

namespace mlir {
class OpPassManager;
namespace mha {

/// The options of every pipeline that produces CPU code (all of them: the
/// GPU pipeline's host side is CPU code). Parse them with `parse` (an error
/// names the bad option), resolve them with getCPUTarget.
template <typename Derived>
struct CPUTargetPipelineOptions : public CheckedPipelineOptions<Derived> {
  template <typename T>
  using Option = typename CheckedPipelineOptions<Derived>::template Option<T>;

  Option<std::string> targetCpu{
      *this, "target-cpu",
      llvm::cl::desc("LLVM CPU the code is generated for: 'host' (this "
                     "machine), 'x86-64', 'x86-64-v3', 'skylake-avx512', "
                     "'znver4', ... Vector width, micro-kernel shape, FMA and "
                     "float conversions follow from its features"),
      llvm::cl::init(std::string(CPUTarget::kHost))};
  Option<std::string> targetFeatures{
      *this, "target-features",
      llvm::cl::desc("LLVM features added to or removed from target-cpu's, "
                     "e.g. '+avx512bf16' or '-avx512f'"),
      llvm::cl::init("")};
};

/// The target that `options` name; the error names an unknown CPU or
/// feature.
template <typename Derived>
llvm::Expected<CPUTarget>
getCPUTarget(const CPUTargetPipelineOptions<Derived> &options) {
  return CPUTarget::get(options.targetCpu, options.targetFeatures);
}

/// Options of `mha-reference-pipeline`.
struct ReferencePipelineOptions
    : public CPUTargetPipelineOptions<ReferencePipelineOptions> {};

/// mha-insert-shape-checks + decompose + convert-mha-to-linalg (unfused) +
/// bufferize + loops -> LLVM for `target`. The oracle pipeline that `mha-run
/// --verify` compares against.
void buildReferencePipeline(OpPassManager &pm,
                            const ReferencePipelineOptions &options,
                            const CPUTarget &target);

/// When mha-cpu-pipeline computes contractions of bf16 data with AVX512-BF16
/// dot products (mha-vectorize-bf16-contractions) instead of widening to f32.
enum class BF16Dot {
  /// Where the target has them and its scheduling model says they do more
  /// multiply-adds per cycle than f32 FMA (CPUTarget::prefersBF16Dot).
  Auto,
  /// Wherever the target has them.
  On,
  /// Never.
  Off,
};

/// Options of `mha-cpu-pipeline`.
struct CPUPipelineOptions
    : public CPUTargetPipelineOptions<CPUPipelineOptions> {
  Option<int64_t> qTile{
      *this, "q-tile",
      llvm::cl::desc("Query rows per tile (per thread task); 0 picks 128 or "
                     "64 per op from the target's L2 and the threads"),
      llvm::cl::init(0)};
  Option<int64_t> kvTile{*this, "kv-tile",
                         llvm::cl::desc("Keys per step of the online softmax"),
                         llvm::cl::init(64)};
  Option<int64_t> kvSplits{
      *this, "kv-splits",
      llvm::cl::desc("Parallel kv splits of mha-split-kv (flash-decoding) for "
                     "attentions with a static Sq <= split-max-sq: 0 picks "
                     "them with the cost model for `threads` workers, 1 "
                     "turns flash-decoding off"),
      llvm::cl::init(0)};
  Option<int64_t> splitMaxSq{
      *this, "split-max-sq",
      llvm::cl::desc("Longest static Sq that mha-split-kv splits"),
      llvm::cl::init(16)};
  Option<int64_t> minSplitBytes{
      *this, "min-split-bytes",
      llvm::cl::desc("Fewest K/V bytes an automatic split of mha-split-kv "
                     "streams"),
      llvm::cl::init(MHASplitKVOptions().minSplitBytes)};
  Option<bool> packHeads{
      *this, "pack-heads",
      llvm::cl::desc("Pack the queries of each GQA/MQA group as the rows of "
                     "one tile in mha-split-kv"),
      llvm::cl::init(true)};
  Option<bool> keysInLanes{
      *this, "keys-in-lanes",
      llvm::cl::desc("Let mha-split-kv keep the keys of a decode tile in the "
                     "vector lanes (scores [rows, keys], K transposed) where "
                     "its cost model says so; false keeps the rows in the "
                     "lanes"),
      llvm::cl::init(true)};
  Option<int64_t> prefetchTiles{
      *this, "prefetch-tiles",
      llvm::cl::desc("Decode tiles with keys in the lanes prefetch the K and "
                     "V tile this many kv tiles ahead (0: none)"),
      llvm::cl::init(MHASplitKVOptions().prefetchTiles)};
  Option<unsigned> threads{
      *this, "threads",
      llvm::cl::desc("OpenMP threads for the (batch, head, query tile) loop; "
                     "0 = all cores"),
      llvm::cl::init(0)};
  Option<int64_t> vectorWidth{
      *this, "vector-width",
      llvm::cl::desc("f32 lanes per vector: 0 takes the target's (16 with "
                     "AVX-512, 8 with AVX, else 4), 1 leaves the loop nest "
                     "scalar"),
      llvm::cl::init(0)};
  Option<int64_t> microKernelRows{
      *this, "micro-kernel-rows",
      llvm::cl::desc("Rows of a contraction register block "
                     "(mha-vectorize-contractions); 0 takes the target's (8 "
                     "with 32 vector registers, else 4)"),
      llvm::cl::init(0)};
  Option<int64_t> microKernelVectors{
      *this, "micro-kernel-vectors",
      llvm::cl::desc("Vector registers per row of a contraction register "
                     "block (mha-vectorize-contractions); 0 takes the "
                     "target's (2)"),
      llvm::cl::init(0)};
  Option<BF16Dot> bf16Dot{
      *this, "bf16-dot",
      llvm::cl::desc("AVX512-BF16 dot products (vdpbf16ps) for the "
                     "contractions of bf16 attention, with P rounded to bf16: "
                     "auto where the target's scheduling model says they beat "
                     "f32 FMA, on wherever the target has AVX512-BF16, off "
                     "widens to f32"),
      llvm::cl::init(BF16Dot::Auto),
      llvm::cl::values(
          clEnumValN(BF16Dot::Auto, "auto",
                     "where the target's model says they pay"),
          clEnumValN(BF16Dot::On, "on", "wherever the target has them"),
          clEnumValN(BF16Dot::Off, "off", "never: widen bf16 to f32"))};
  Option<int64_t> packB{
      *this, "pack-b",
      llvm::cl::desc("Copy each column panel of a contraction's B operand "
                     "into a contiguous scratch (mha-vectorize-contractions "
                     "pack-b): -1 lets the target's cache model decide, 0 "
                     "reads B in place, 1 packs"),
      llvm::cl::init(-1)};
};

/// mha-insert-shape-checks + decompose + mha-split-kv (flash-decoding for short
/// queries, unless kv-splits = 1) + mha-tile-attention (fused FlashAttention-2
/// loop nest) + mha-vectorize-contractions + mha-vectorize-rows (register-tiled
/// micro-kernels, row-wise vector softmax) + bufferize + OpenMP over
/// (B, H, q-tiles) -> LLVM, for `target`.
void buildCPUPipeline(OpPassManager &pm, const CPUPipelineOptions &options,
                      const CPUTarget &target);

/// How the shared tail treats `scf.forall`.
struct LowerToLLVMOptions {
  /// The defaults, with what `target` has instructions for (float
  /// conversions, FMA) set from its features.
  static LowerToLLVMOptions forTarget(const CPUTarget &target);

  /// Map `scf.forall` to OpenMP worksharing loops (else sequential loops).
  bool parallel = false;
  /// OpenMP threads; 0 lets the runtime use every core.
  unsigned numThreads = 0;
  /// Lower vector dialect ops (from the vectorising passes) to LLVM.
  bool vector = false;
  /// The target has f16 / bf16 conversion instructions; where it does not,
  /// f16/bf16 arithmetic is done in f32 and conversions are expanded into
  /// integer code (mha-expand-float-conversions), so generated code never
  /// calls the compiler runtime.
  bool nativeF16Conversions = false;
  bool nativeBF16Conversions = false;
  /// The target has fused multiply-add; where it does not, math.fma (of the
  /// polynomial exp) becomes a multiply and an add instead of libm calls.
  bool nativeFMA = false;
  /// Lower x86vector ops (the AVX512-BF16 dot products of
  /// mha-vectorize-bf16-contractions) with the vector dialect.
  bool x86Vector = false;
  /// Run buildBufferizePipeline first (pipelines that add passes between
  /// bufferization and lowering call it themselves).
  bool bufferize = true;
  /// Adds the passes that lower host-side gpu ops and serialise gpu.modules,
  /// after the host code is in the LLVM dialect.
  std::function<void(OpPassManager &)> gpu;
};

/// One-shot bufferization with identity layouts at function boundaries,
/// ownership-based deallocation, bufferization -> memref.
void buildBufferizePipeline(OpPassManager &pm);

/// The tail shared by every CPU pipeline: tensors -> buffers -> loops ->
/// LLVM dialect. Allocation goes through the generic
/// `_mlir_memref_to_llvm_*` functions so that hosts can track buffers the
/// compiled code returns. Ends with mha-lower-runtime-checks: error exits
/// for the shape checks and the allocations.
void buildLowerToLLVMPipeline(OpPassManager &pm,
                              const LowerToLLVMOptions &options = {});

/// Options of `mha-gpu-pipeline`. The ones it forwards to convert-mha-to-gpu
/// (kernel, chip, kv-tile, kv-splits, num-sms) have the pass's names, types,
/// defaults (taken from ConvertMHAToGPUOptions) and help (checked by
/// test/Pipelines/gpu-pipeline-options.test); getConvertMHAToGPUOptions
/// copies them.
struct GPUPipelineOptions
    : public CPUTargetPipelineOptions<GPUPipelineOptions> {
  Option<AttentionKernelKind> kernel{
      *this, "kernel",
      llvm::cl::desc("Attention kernel family: auto (mma when the op and the "
                     "chip allow it, else simt), mma, wgmma or simt"),
      llvm::cl::init(ConvertMHAToGPUOptions().kernel),
      attentionKernelKindValues()};
  Option<GPUChip> chip{
      *this, "chip",
      llvm::cl::desc("NVIDIA GPU architecture of the kernels, sm_XY or "
                     "sm_XYa: the mma kernel needs sm_80 or later (auto "
                     "falls back to simt before), wgmma needs sm_90a"),
      llvm::cl::init(ConvertMHAToGPUOptions().chip)};
  Option<int64_t> kvTile{
      *this, "kv-tile",
      llvm::cl::desc("Keys per step of the online softmax in the tensor-core "
                     "kernels (mma, wgmma; a multiple of 16; 0 picks it per "
                     "D and chip, 64 for wgmma)"),
      llvm::cl::init(ConvertMHAToGPUOptions().kvTile)};
  Option<int64_t> kvSplits{
      *this, "kv-splits",
      llvm::cl::desc("Flash-decoding splits of the kv range for attentions "
                     "whose queries of one kv head fit a block (static Sq, "
                     "H / Hkv * Sq <= block rows): 0 picks them at run time "
                     "from B, Hkv, Skv and num-sms; 1 turns flash-decoding "
                     "off"),
      llvm::cl::init(ConvertMHAToGPUOptions().kvSplits)};
  Option<int64_t> numSMs{
      *this, "num-sms",
      llvm::cl::desc("Streaming multiprocessors the automatic kv-splits aims "
                     "to fill (0: the device's, asked at run time; the "
                     "chip's, e.g. 108 for sm_80, 132 for sm_90a, without "
                     "one)"),
      llvm::cl::init(ConvertMHAToGPUOptions().numSMs)};
  Option<std::string> features{
      *this, "features",
      llvm::cl::desc("PTX features of the kernels: +ptxNN, the PTX ISA "
                     "version (empty: +ptx80, or the chip's minimum where "
                     "that is newer, e.g. +ptx86 for sm_100)"),
      llvm::cl::init("")};
  Option<std::string> format{
      *this, "format",
      llvm::cl::desc("What gpu.modules become: 'bin' (cubin, needs ptxas), "
                     "'fatbin' (needs ptxas and fatbinary), 'isa' (PTX, "
                     "JIT-compiled by the driver) or 'llvm' (LLVM IR, for "
                     "inspection)"),
      llvm::cl::init("bin")};
  Option<std::string> cudaPath{
      *this, "cuda-path",
      llvm::cl::desc("CUDA toolkit holding ptxas (empty: the toolkit found "
                     "when mha-mlir was configured, else MLIR's search of "
                     "CUDA_ROOT / CUDA_HOME / CUDA_PATH / PATH)"),
      llvm::cl::init("")};
  Option<unsigned> optLevel{
      *this, "opt-level",
      llvm::cl::desc("LLVM optimisation level of the kernels"),
      llvm::cl::init(3)};
  Option<unsigned> threads{
      *this, "threads",
      llvm::cl::desc("OpenMP threads of the host-side loops (layer "
                     "projections); 0 = all cores"),
      llvm::cl::init(0)};
};

/// Checks what LLVM and MLIR would otherwise report as a fatal error, or
/// on stderr without failing: the chip and its PTX features (see
/// GPUChip::checkFeatures), the format and the cuda-path directory.
llvm::Error checkGPUPipelineOptions(const GPUPipelineOptions &options);

/// Checks the options of a pipeline once parsed (`Options::parse`) and
/// completed: checkGPUPipelineOptions for the GPU pipeline's.
template <typename Options>
llvm::Error checkPipelineOptions(const Options &options) {
  if constexpr (std::is_same_v<Options, GPUPipelineOptions>)
    return checkGPUPipelineOptions(options);
  return llvm::Error::success();
}

/// The options of convert-mha-to-gpu that `options` name.
ConvertMHAToGPUOptions
getConvertMHAToGPUOptions(const GPUPipelineOptions &options);

/// The first stage of mha-gpu-pipeline: run-time shape checks
/// (mha-insert-shape-checks), decompose layers, tile their projections
/// (host), convert-mha-to-gpu (kernels + launches).
void buildGPUOffloadPipeline(OpPassManager &pm,
                             const GPUPipelineOptions &options);

/// The kernel half of mha-gpu-pipeline: every gpu.module -> LLVM + NVVM
/// dialects with an #nvvm.target attached (not yet serialised).
void buildGPUKernelLoweringPipeline(OpPassManager &pm,
                                    const GPUPipelineOptions &options);

/// decompose + convert-mha-to-gpu (fused FlashAttention-2 kernels, host-side
/// staging and launch) + bufferize + gpu-async-region, kernels -> NVVM ->
/// cubin/PTX (nvvm-attach-target, gpu-module-to-binary), host -> LLVM
/// calling the mgpu* runtime functions (gpu-to-llvm). Layer projections stay
/// on the host. `target` is the CPU of the host code.
void buildGPUPipeline(OpPassManager &pm, const GPUPipelineOptions &options,
                      const CPUTarget &target);

/// Registers `mha-reference-pipeline`, `mha-cpu-pipeline` and
/// `mha-gpu-pipeline` for mha-opt.
void registerMHAPipelines();

} // namespace mha
} // namespace mlir

#endif // MHA_PIPELINES_PIPELINES_H
