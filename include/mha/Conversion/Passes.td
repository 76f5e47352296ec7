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
       reads index 0); other mask dims must match at run time. The variants
       apply here too (softcap, ALiBi, window), and the `score_mod` /
       `mask_mod` regions are cloned into this body with `linalg.index`
       0..3 as their `(b, h, q_idx, kv_idx)`: `score_mod` after ALiBi,
       `mask_mod` as a last select to `-inf`;
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
    - `mma` (f16/bf16 with `D` and `Dv` multiples of 16, at most 128): 128
      query rows per block, eight warps of 16 rows each (four or more for
      flash-decoding), `nvvm.mma.sync` m16n8k16 tensor-core
      instructions for `Q·Kᵀ` and `P·V` with f32 accumulators; Q is copied
      to shared memory by `cp.async` and into registers by `ldmatrix`, B
      fragments are loaded by `ldmatrix` (`.trans` for V); K/V tiles
      (128 keys at D = 64, 64 at D = 128, within the chip's shared memory;
      `kv-tile` overrides) are staged in shared memory with asynchronous
      copies (`cp.async`, `nvgpu.device_async_copy`) into two buffers, so
      the next tile loads while the current one is computed; P stays in
      registers (the mma accumulator layout is the A-operand layout); the
      result is staged in shared memory and stored in 16-byte vectors.
      Causal blocks run heaviest (last query tile) first.
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
    tiles are split across `kv-splits` blocks (by default enough to fill
    every SM of `chip`), each writing a partial result and its log-sum-exp;
    a second kernel (`<kernel>_combine`) merges them.

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
    Option<"kvTile", "kv-tile", "int64_t", /*default=*/"0",
           "Keys per step of the online softmax in the tensor-core kernels "
           "(mma, wgmma; a multiple of 16; 0 picks it per D and chip, 64 "
           "for wgmma)">,
    Option<"kvSplits", "kv-splits", "int64_t", /*default=*/"0",
           "Flash-decoding splits of the kv range for attentions whose "
           "queries of one kv head fit a block (static Sq, "
           "H / Hkv * Sq <= block rows): 0 picks them at run time from B, "
           "Hkv, Skv and num-sms; 1 turns flash-decoding off">,
    Option<"numSMs", "num-sms", "int64_t", /*default=*/"0",
           "Streaming multiprocessors the automatic kv-splits aims to fill "
           "(0: the device's, asked at run time; the chip's, e.g. 108 for "
           "sm_80, 132 for sm_90a, without one)">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::func::FuncDialect",
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

def MHAExternDynamicShared
    : Pass<"mha-extern-dynamic-shared", "::mlir::gpu::GPUModuleOp"> {
  let summary = "Declare the dynamic shared memory of NVVM kernels as an "
                "aligned extern array";
  let description = [{
    `convert-gpu-to-nvvm` lowers `gpu.dynamic_shared_memory` to an internal,
    zero-sized `llvm.mlir.global` in address space 3. NVPTX prints that as a
    one-byte *static* shared variable (`.shared .align 16 .b8
    __dynamic_shmem__0;`), so ptxas places it among the kernel's static
    shared variables (an mbarrier of `nvgpu.mbarrier.create` lands 8 bytes
    after it) and every byte the kernel addresses through it past the first
    overlaps them. This pass makes each such global external, which NVPTX
    prints as `.extern .shared .align N .b8 __dynamic_shmem__0[];`: the
    launch's dynamic shared memory, which ptxas places after all static
    variables. Its alignment is raised to `alignment`.

    ```mlir
    llvm.mlir.global internal @__dynamic_shmem__0()
        {addr_space = 3 : i32, alignment = 16 : i64} : !llvm.array<0 x i8>
    // becomes
    llvm.mlir.global external @__dynamic_shmem__0()
        {addr_space = 3 : i32, alignment = 128 : i64} : !llvm.array<0 x i8>
    ```
  }];
  let options = [
    Option<"alignment", "alignment", "int64_t", /*default=*/"128",
           "Byte alignment of the dynamic shared memory (128: the alignment "
           "TMA needs for a box's destination; 1024 for 128-byte swizzled "
           "boxes)">,
  ];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def ConvertMHAShardToMPI : Pass<"convert-mha-shard-to-mpi", "::mlir::ModuleOp"> {
  let summary = "Lower the ring shifts of partitioned attention to "
                "non-blocking MPI";
  let description = [{
    Lowers `shard.shift ... rotate` on a 1-D grid (what
    `mha-partition-attention` emits for ring attention; MLIR 22's
    `convert-shard-to-mpi` has no lowering for it) to a non-blocking
    exchange with the ring neighbours of `MPI_COMM_WORLD`:
    `mpi.isend` of the tensor's buffer to rank `(r + offset) mod N` and
    `mpi.irecv` from rank `(r - offset) mod N` into a new buffer, issued where
    the shift was. The two `mpi.wait`s and the `bufferization.to_tensor` of
    the received buffer are placed just before the first use of the shifted
    value, so the work in between (the attention of the current block)
    overlaps the transfer. Each shift in a function gets its own tag.

    The module is marked `#dlti.map<"MPI:Implementation" = "OpenMPI">`: the
    ABI of `convert-mha-mpi-to-llvm` and of upstream's MPI lowering.
    `shard.process_linear_index` on a 1-D grid becomes the rank in
    `MPI_COMM_WORLD`. `shard.all_reduce` (sum, max, min, product) of a
    static tensor on a 1-D grid (the head-parallel layer's) becomes an
    `mpi.allreduce` from the tensor's buffer into a new one. Other `shard`
    ops are left to upstream
    `convert-shard-to-mpi`; `shard.grid`s nothing refers to any more are
    erased.

    ```mlir
    %kn = shard.shift %k on @mha_grid grid_axes = [0] shift_axis = 0
          offset = 1 rotate : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
    %o, %lse = mha.attention %q, %k, %v ...
    scf.yield %kn, ...
    ```
    becomes
    ```mlir
    %comm = mpi.comm_world : !mpi.comm
    %rank = mpi.comm_rank(%comm) : i32
    ... // dest = (rank + 1) mod 2, source = (rank + 1) mod 2
    %send = bufferization.to_buffer %k read_only : ... to memref<1x2x4x4xf32>
    %recv = memref.alloc() : memref<1x2x4x4xf32>
    %r0 = mpi.isend(%send, %c0_i32, %dest, %comm) : memref<1x2x4x4xf32>, i32, i32 -> !mpi.request
    %r1 = mpi.irecv(%recv, %c0_i32, %source, %comm) : memref<1x2x4x4xf32>, i32, i32 -> !mpi.request
    %o, %lse = mha.attention %q, %k, %v ...
    mpi.wait(%r0) : !mpi.request
    mpi.wait(%r1) : !mpi.request
    %kn = bufferization.to_tensor %recv restrict writable : memref<1x2x4x4xf32> to tensor<1x2x4x4xf32>
    scf.yield %kn, ...
    ```
  }];
  let dependentDialects = [
    "::mlir::DLTIDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::mpi::MPIDialect"
  ];
}

def ConvertMHAMPIToLLVM : Pass<"convert-mha-mpi-to-llvm", "::mlir::ModuleOp"> {
  let summary = "Lower the mpi dialect to calls of the Open MPI C ABI";
  let description = [{
    Runs MLIR 22's MPI-to-LLVM patterns (`mpi.comm_world`, `comm_rank`,
    `send`, `recv`, `allreduce`, ... which follow the ABI named by the
    module's `"MPI:Implementation"` DLTI entry) and adds the three it lacks
    for the Open MPI ABI:
    - `mpi.isend` / `mpi.irecv` → `MPI_Isend` / `MPI_Irecv` of the buffer as
      `MPI_BYTE`s (any element type), the request in a stack slot of the
      function's entry block;
    - `mpi.wait` → `MPI_Wait(request, MPI_STATUS_IGNORE)`;
    - `mpi.allreduce` of f32 or f64 buffers (Open MPI only; upstream names
      its reductions `ompi_mpi_sum`, ..., which Open MPI calls
      `ompi_mpi_op_sum`, ...) → `MPI_Allreduce`.

    Runs on LLVM-dialect code whose memrefs are already converted (after
    `finalize-memref-to-llvm` and `convert-func-to-llvm`); a module without
    `mpi` ops is left unchanged. A module that names another MPI
    implementation, or a buffer of more than 2^31 - 1 bytes (an MPI `int`
    count), is an error.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

#endif // MHA_CONVERSION_PASSES_TD
