//===- AttentionKernels.h - Fused attention kernels in the gpu dialect ----===//
//
// Builders of the `gpu.func` kernels that convert-mha-to-gpu launches. They
// are plain functions so that the host-side rewrite and the kernel bodies can
// be read (and changed) separately.
//
//===----------------------------------------------------------------------===//

#ifndef MHA_LIB_CONVERSION_MHATOGPU_ATTENTIONKERNELS_H
#define MHA_LIB_CONVERSION_MHATOGPU_ATTENTIONKERNELS_H

#include "mha/Conversion/MHAToGPU/AttentionKernelKind.h"
#include "mha/Target/GPUChip.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"

#include <functional>
#include <optional>

namespace mlir::mha {

enum class MaskKind { None, Bool, Float };

/// The wgmma kernel's consumer warpgroups (64 query rows each) and the
/// stages of its K/V ring (WGMMAKernel.cpp). A producer warp follows the
/// consumers.
constexpr int64_t kWgmmaConsumerWarpgroups = 2;
constexpr int64_t kWgmmaStages = 3;

/// The static parameters a kernel is specialised for. Everything else (B, Sq,
/// Skv, mask broadcast strides) is a kernel argument.
struct AttentionKernelConfig {
  AttentionKernelKind kind = AttentionKernelKind::Simt; // never Auto
  Type elementType; // of Q, K, V and the result
  int64_t numHeads = 1, numKvHeads = 1, headDim = 0, valueDim = 0;
  bool causal = false;
  double scale = 1.0;
  MaskKind mask = MaskKind::None;
  Type maskElementType; // i1 or elementType
  /// Variants (ScoreModifiers.h): window bounds (-1 unbounded), softcap,
  /// ALiBi slopes and sink logits (f32 [H] operands), the lse result.
  int64_t windowLeft = -1, windowRight = -1;
  std::optional<double> softcap;
  bool alibi = false, sinks = false, lse = false;
  /// score_mod / mask_mod (ScoreModifiers.h): the mha.attention whose
  /// regions the kernel inlines (null without), and the kernel argument
  /// types of the values they capture (kernelCaptures), after the mask
  /// strides.
  Operation *modifiers = nullptr;
  bool scoreMod = false, maskMod = false;
  SmallVector<Type> captureTypes;
  /// Flash-decoding: a block holds the G = H / Hkv query heads that share a
  /// K/V head (times all Sq queries), the kv tiles are split across
  /// gridDim.x blocks, and buildCombineKernel merges their partial results.
  bool splitKV = false;
  /// Keys per kv tile: chooseMmaTileShape for mma, kv-tile (64 when 0) for
  /// wgmma, simtKernelBlockN for simt.
  int64_t blockN = 0;
  /// Warps of the mma kernel (16 query rows each): chooseMmaTileShape.
  int64_t numWarps = 4;

  /// Query rows per block and threads per block.
  int64_t blockM() const {
    switch (kind) {
    case AttentionKernelKind::Simt:
      return 128;
    case AttentionKernelKind::Mma:
      return 16 * numWarps;
    case AttentionKernelKind::Wgmma:
    case AttentionKernelKind::Auto:
      break;
    }
    return 64 * kWgmmaConsumerWarpgroups;
  }
  int64_t numThreads() const {
    switch (kind) {
    case AttentionKernelKind::Mma:
      return 32 * numWarps;
    case AttentionKernelKind::Wgmma:
      return 128 * kWgmmaConsumerWarpgroups + 32;
    case AttentionKernelKind::Simt:
    case AttentionKernelKind::Auto:
      break;
    }
    return 128;
  }

  /// Bytes of dynamic shared memory the kernel needs.
  int64_t sharedMemoryBytes() const;
};

/// The TMA descriptor type of the wgmma kernel's Q (`rows` = blockM) and K
/// (`rows` = blockN) loads: boxes of rows x 8 elements (16 bytes, one
/// column of core matrices), no swizzle, zero fill out of bounds.
Type tmaDescriptorType(MLIRContext *ctx, const AttentionKernelConfig &config,
                       int64_t rows);

/// Whether the tensor-core kernel supports these shapes and types.
bool mmaKernelSupports(Type elementType, int64_t headDim, int64_t valueDim);

/// The most query rows an mma block holds (8 warps of 16).
constexpr int64_t kMmaMaxBlockRows = 128;

/// Chooses the mma kernel's block (numWarps) and kv tile (blockN) for
/// `config` (types, D, Dv, splitKV set) on `chip`; `rows` is G * Sq with
/// split-kv. Rule (docs/gpu-codegen.md, "Tile shapes"):
///  - 8 warps (128 rows); with split-kv ceil(rows / 16) warps, at least 4;
///  - blockN = `kvTile` if positive, else 128 when the fragments a thread
///    holds (Q: D / 4, O: Dv / 2, S: blockN / 2 registers) stay within 128 of
///    its 255 registers, else 64, halved while the shared memory exceeds what
///    a block of `chip` may use.
/// Fails, naming kv-tile, when the given tile does not fit the chip.
llvm::Error chooseMmaTileShape(AttentionKernelConfig &config,
                               const GPUChip &chip, int64_t kvTile,
                               int64_t rows);

/// Threads per block of the combine kernel and the output columns each
/// thread merges (16 bytes of the result where Dv allows).
constexpr int64_t kCombineThreads = 128;
int64_t combineColumnsPerThread(const AttentionKernelConfig &config);

/// Keys per tile of the SIMT kernel: as many as fit the 48 KiB of dynamic
/// shared memory a launch gets without opting in, at most 32.
int64_t simtKernelBlockN(Type elementType, int64_t headDim, int64_t valueDim);

/// Builds the kernel `name` at the end of `module`. Its arguments are
///   (q, k, v, [mask,] [alibi,] [sinks,] out : memref<?xT> in global memory,
///    flattened C order (alibi and sinks memref<?xf32> of [H]), [lse :
///    memref<?xf32> of [B, H, Sq]], B, Sq, Skv : index, [mask strides of b,
///    h, i, j : index])
/// and it must be launched on a grid (ceil(Sq / blockM), H, B) of
/// numThreads() threads with sharedMemoryBytes() of dynamic shared memory.
/// With splitKV, `out` is replaced by (partial : memref<?xf32> of
/// [B, H, Sq, splits, Dv], lse : memref<?xf32> of [B, H, Sq, splits]), a
/// `splits : index` argument follows Skv, sinks and the lse result move to
/// the combine kernel, and the grid is (splits, Hkv, B);
/// G * Sq must not exceed blockM(). The wgmma kernel takes two more
/// arguments, the TMA descriptors (tmaDescriptorType) of Q and K viewed as
/// [rows, D] matrices.
gpu::GPUFuncOp buildAttentionKernel(OpBuilder &builder, Location loc,
                                    gpu::GPUModuleOp module, StringRef name,
                                    const AttentionKernelConfig &config);

/// The kernel that merges split-kv partial results:
///   (partial, lse : memref<?xf32>, out : memref<?xT>, rows = B * H * Sq,
///    splits : index, [sinks : memref<?xf32>, Sq : index,] [lse result :
///    memref<?xf32>]),
/// launched on ceil(rows * Dv / (kCombineThreads *
/// combineColumnsPerThread)) blocks of kCombineThreads.
gpu::GPUFuncOp buildCombineKernel(OpBuilder &builder, Location loc,
                                  gpu::GPUModuleOp module, StringRef name,
                                  const AttentionKernelConfig &config);

} // namespace mlir::mha

#endif // MHA_LIB_CONVERSION_MHATOGPU_ATTENTIONKERNELS_H
