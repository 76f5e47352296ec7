//===- Passes.td - mha conversion passes -------------------*- tablegen -*-===//

#ifndef MHA_CONVERSION_PASSES_TD
#define MHA_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertMHAToLinalg : Pass<"convert-mha-to-linalg"> {
  let summary = "Lower mha.attention to its unfused reference semantics in "
                "linalg";
  let description = [{
    The reference semantics of `mha.attention`, kept deliberately simple and
    unfused so that it can serve as the oracle for every optimised pipeline.
    Each step is one `linalg.generic` on tensors, accumulating in f32 (`f16`
    and `bf16` operands go through `arith.extf`):

    1. `scores[b,h,i,j] = sum_d q[b,h,i,d] * k[b,h floordiv G,j,d]` with
       `G = H / Hkv`: GQA/MQA read K/V through the indexing map, so K/V are
       never copied;
    2. elementwise, in place: `s = scale * s`, plus a float mask (extended to
       f32); an `i1` mask that is false and, with `causal`, every key
       `j > i + (Skv - Sq)` (bottom-right aligned, `Skv - Sq` may be dynamic)
       give `-inf`. Mask dims of static size 1 broadcast (their indexing map
       reads index 0); other mask dims must match at run time;
    3. row max over `j` (initialised to `-inf`);
    4. `p = exp(s - max)`, subtracting 0 instead when the max is `-inf` so that
       a row that sees no key gets `p = 0` rather than NaN; then the row sum;
    5. `acc[b,h,i,e] = sum_j p[b,h,i,j] * v[b,h floordiv G,j,e]`, then
       `o = sum == 0 ? 0 : acc / sum`, truncated to the result element type.

    The `[B, H, Sq, Skv]` f32 score tensor is materialised. Dynamic `B`, `Sq`
    and `Skv` come from `tensor.dim` unless some operand knows them
    statically. `mha.attention` must be the only `mha` op left: a
    `mha.multi_head_attention` makes the pass fail with an error asking to run
    `mha-decompose-multi-head-attention` first.

    Before:
    ```mlir
    %o = mha.attention %q, %k, %v {causal}
        : tensor<1x2x3x4xf32>, tensor<1x1x5x4xf32>, tensor<1x1x5x4xf32> -> tensor<1x2x3x4xf32>
    ```
    After: `linalg.fill` + seven `linalg.generic` ops over `tensor<1x2x3x5xf32>`
    scores, `tensor<1x2x3xf32>` row statistics and a `tensor<1x2x3x4xf32>`
    accumulator; K/V use the map `(d0, d1, d2, d3, d4) -> (d0, d1 floordiv 2,
    d3, d4)`.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

def ConvertMHAToGPU : Pass<"convert-mha-to-gpu", "::mlir::ModuleOp"> {
  let summary = "Lower mha.attention to a fused FlashAttention-2 GPU kernel "
                "and its host-side launch";
  let description = [{
    Replaces every `mha.attention` (on tensors) with host code that copies
    Q, K, V (and the mask) to device buffers (`gpu.alloc` + `gpu.memcpy`),
    launches a fused attention kernel and copies the result back. The kernels
    are `gpu.func`s in one `gpu.module @mha_kernels`, each specialised for the
    static parts of its op (H, Hkv, D, Dv, element type, mask kind, causal,
    scale); `B`, `Sq`, `Skv` and the mask's broadcast strides are kernel
    arguments, so dynamic sizes are supported.

    The grid is `(ceil(Sq / block-m), H, B)`. Each block walks the kv tiles
    with a FlashAttention-2 online softmax (running max / sum in f32, exp2
    with the scale folded into log2(e)); with `causal` it stops at the last
    tile its rows can see and masks only tiles that cross the diagonal or the
    end of the sequence. A query row that sees no key produces zeros.

    Three kernels:
    - `mma` (f16/bf16 with `D` and `Dv` multiples of 16, at most 128): four
      warps, 16 query rows each, `nvvm.mma.sync` m16n8k16 tensor-core
      instructions for `Q·Kᵀ` and `P·V` with f32 accumulators, B fragments
      loaded by `ldmatrix` (`.trans` for V); K/V tiles are
      staged in shared memory with asynchronous copies (`cp.async`,
      `nvgpu.device_async_copy`) into two buffers, so the next tile loads
      while the current one is computed; P stays in registers (the mma
      accumulator layout is the A-operand layout).
    - `wgmma` (opt-in, sm_90a): one warpgroup, 64 query rows,
      `nvvm.wgmma.mma_async` m64nNk16 for both products with every operand
      in shared memory in K-major, no-swizzle core-matrix layouts (Q and K
      loaded by TMA with an mbarrier, descriptors made on the host; V
      transposed by the threads; P written back from registers). Its
      descriptors and layouts are checked only by the host emulator of the
      unit tests so far, so `auto` does not pick it.
    - `simt` (everything else, e.g. f32): one thread per query row on CUDA
      cores, K/V tiles in shared memory, f32 vectors per row.

    Short queries (decode) use flash-decoding: when the `H / Hkv * Sq`
    queries that share a K/V head fit one block, the block takes all of them
    (K/V are read once per kv head, not once per query head) and the kv
    tiles are split across `kv-splits` blocks, each writing a partial result
    and its log-sum-exp; a second kernel (`<kernel>_combine`) merges them.

    `kernel=auto` picks `mma` when the op qualifies and `chip` is sm_80 or
    later. The `gpu.module` carries no target: `mha-gpu-pipeline` attaches
    `#nvvm.target` for the same `chip` and serialises it.
  }];
  let options = [
    Option<"kernel", "kernel", "::mlir::mha::AttentionKernelKind",
           /*default=*/"::mlir::mha::AttentionKernelKind::Auto",
           "Attention kernel family: auto (mma when the op and the chip "
           "allow it, else simt), mma, wgmma or simt",
           "::mlir::mha::attentionKernelKindValues()">,
    Option<"chip", "chip", "::mlir::mha::GPUChip",
           /*default=*/"::mlir::mha::GPUChip(90, /*archSpecific=*/true)",
           "NVIDIA GPU architecture of the kernels, sm_XY or sm_XYa: the mma "
           "kernel needs sm_80 or later (auto falls back to simt before), "
           "wgmma needs sm_90a">,
    Option<"kvTile", "kv-tile", "int64_t", /*default=*/"64",
           "Keys per step of the online softmax in the tensor-core kernels "
           "(mma, wgmma; a multiple of 16)">,
    Option<"kvSplits", "kv-splits", "int64_t", /*default=*/"0",
           "Flash-decoding splits of the kv range for attentions whose "
           "queries of one kv head fit a block (static Sq, "
           "H / Hkv * Sq <= block rows): 0 picks them at run time from B, "
           "Hkv, Skv and num-sms; 1 turns flash-decoding off">,
    Option<"numSMs", "num-sms", "int64_t", /*default=*/"132",
           "Streaming multiprocessors the automatic kv-splits aims to fill "
           "(132 on H100 SXM and H200)">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::NVVM::NVVMDialect",
    "::mlir::nvgpu::NVGPUDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect"
  ];
}

#endif // MHA_CONVERSION_PASSES_TD
