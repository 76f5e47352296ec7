//===- Passes.td - CPU code generation passes --------------*- tablegen -*-===//
//
// Passes of the CPU back end. They never touch mha ops: they work on upstream
// dialects (linalg on tensors, vector, LLVM), listed in the order of
// mha-cpu-pipeline, which sets their options from the target CPU.
//
//===----------------------------------------------------------------------===//

#ifndef MHA_CODEGEN_CPU_PASSES_TD
#define MHA_CODEGEN_CPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def MHATileProjections : Pass<"mha-tile-projections"> {
  let summary = "Tile linalg.matmul projections into parallel blocks";
  let description = [{
    Rewrites every `linalg.matmul` on tensors that is not already inside an
    `scf.forall` (the projections that `mha-decompose-multi-head-attention`
    produces) into its generic form tiled by an `scf.forall` over
    `[block-rows, block-cols]` output blocks (the reduction is split into
    chunks of at most `block-depth` by an `scf.for` inside a block when
    `block-depth` is set). The blocks run
    on OpenMP threads in `mha-cpu-pipeline`, and static blocks get the
    register-blocked micro-kernels of `mha-vectorize-contractions`. Partial
    blocks at the edges keep dynamic sizes and scalar code.

    Before:
    ```mlir
    %y = linalg.matmul ins(%x, %w : tensor<128x512xf32>, tensor<512x512xf32>)
        outs(%acc : tensor<128x512xf32>) -> tensor<128x512xf32>
    ```
    After (abridged):
    ```mlir
    %y = scf.forall (%i, %j) = (0, 0) to (128, 512) step (64, 64)
        shared_outs(%o = %acc) -> (tensor<128x512xf32>) {
      %t = linalg.generic {...} ins(%x_tile, %w_tile : tensor<64x512xf32>, tensor<512x64xf32>)
          outs(%o_tile : tensor<64x64xf32>) ...
      scf.forall.in_parallel { tensor.parallel_insert_slice %t into %o[%i, %j] ... }
    }
    ```
  }];
  let options = [
    Option<"blockRows", "block-rows", "int64_t", /*default=*/"64",
           "Output rows per parallel block; must be positive">,
    Option<"blockCols", "block-cols", "int64_t", /*default=*/"64",
           "Output columns per parallel block; must be positive">,
    Option<"blockDepth", "block-depth", "int64_t", /*default=*/"0",
           "Longest reduction chunk of a block: a static reduction longer "
           "than this is split by an scf.for into chunks of its largest "
           "divisor not above it (so that the chunks stay static), so that "
           "a micro-kernel's panel of the weights stays in L1; 0 keeps the "
           "whole reduction">
  ];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

def MHAVectorizeContractions : Pass<"mha-vectorize-contractions"> {
  let summary = "Register-tiled vector micro-kernels for static f32 "
                "contractions on tensors";
  let description = [{
    Rewrites every `linalg.generic` on tensors nested in an `scf.forall` (the
    tiled loop nests; other ops are left alone) of the form
    `C[m, n] += ext(A[m, k] or A[k, m]) * ext(B[k, n])` (two inputs, one f32
    init, loops two parallel and one reduction, all static) into a
    register-tiled outer-product micro-kernel. `C` is covered with blocks of
    `micro-kernel-rows` x `micro-kernel-vectors * vector-width` elements (the
    last row and column blocks take what is left); for each block,
    `micro-kernel-rows` accumulators of
    `vector<micro-kernel-vectors * vector-width x f32>` live in registers
    across an `scf.for` over `k`, whose step loads one row of `B` (contiguous
    in `n`) and broadcasts one scalar of `A` per row into `vector.fma`. Column
    blocks are the outer loop, so one `[K, block columns]` panel of `B` stays
    in cache while the rows of `A` stream by. When `C` is a `linalg.fill` used
    only by the contraction, the accumulators start from the fill value and
    the fill is dropped; when `C` is `C0[m, n] * scale[m]` (a `linalg.generic`
    used only by the contraction: the online-softmax correction of the
    accumulator), the scale is applied as the accumulators are loaded from
    `C0`.

    Packing (`pack-b`): a row block reads the whole `[K, block columns]`
    panel of `B`, and every row block of the same columns reads it again, so
    the panel must stay in L1. Read in place, its `K` rows lie `ld` bytes
    apart (the row stride of the tensor that `B` is a slice of); they fall
    on `P = W / gcd(ld, W)` distinct positions of one L1 way of
    `W = l1-bytes / l1-ways` bytes, so each L1 set holds about `K / P` of
    its lines. Beyond half the ways (the rest is left to `A` and `C`) the
    panel evicts itself: power-of-two strides such as a 512-float weight
    matrix put all `K` rows on a handful of sets. A panel in a caller's
    tensor has a second cost: its start is not known to be aligned, and
    a vector row that straddles two cache lines costs two L1 accesses
    (`malloc` returns 16-byte aligned blocks). With `pack-b=-1` such a
    panel (aliasing, of dynamic stride, not in a buffer the compilation
    allocates, or of f16/bf16, widened once instead of once per row block)
    is first copied row by row into a
    contiguous f32 `[K, block columns]` scratch (a
    `bufferization.alloc_tensor` at the top of the enclosing `scf.forall`
    body, so one buffer per task, none per step), from which the row blocks
    read unit-stride rows.

    In `mha-cpu-pipeline` this vectorises both contractions of the
    `mha-tile-attention` loop nest: `S^T = K . Q^T` (rows over keys, vectors
    over queries, reduction over `D`) and `acc += P^T . V` (rows over
    queries, vectors over `Dv`, reduction over keys).

    Before (f32, `S^T[j, i] += K[j, d] * Q^T[d, i]`):
    ```mlir
    %s = linalg.generic {indexing_maps = [affine_map<(j, i, d) -> (j, d)>,
                                          affine_map<(j, i, d) -> (d, i)>,
                                          affine_map<(j, i, d) -> (j, i)>],
        iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%k, %qt : tensor<16x32xf32>, tensor<32x32xf32>)
        outs(%zero_filled : tensor<16x32xf32>) { ... mulf, addf ... }
    ```
    After `-mha-vectorize-contractions="vector-width=16 micro-kernel-rows=8
    micro-kernel-vectors=2"` (abridged):
    ```mlir
    %r = scf.for %m0 = %c0 to %c16 step %c8 iter_args(%c = %buf) {
      %acc:8 = scf.for %kk = %c0 to %c32 step %c1
          iter_args(%a0 = %zeros, ...) -> (vector<32xf32>, ...) {
        %b = vector.transfer_read %qt[%kk, %c0] ... : tensor<32x32xf32>, vector<32xf32>
        %x0 = tensor.extract %k[%m0, %kk] : tensor<16x32xf32>
        %s0 = vector.broadcast %x0 : f32 to vector<32xf32>
        %f0 = vector.fma %s0, %b, %a0 : vector<32xf32>
        ...
        scf.yield %f0, ... : vector<32xf32>, ...
      }
      %w0 = vector.transfer_write %acc#0, %c[%m0, %c0] ...
      ...
    }
    ```
  }];
  let options = [
    Option<"vectorWidth", "vector-width", "int64_t", /*default=*/"16",
           "f32 lanes per vector register (16 for AVX-512, 8 for AVX2); "
           "must be positive">,
    Option<"microKernelRows", "micro-kernel-rows", "int64_t",
           /*default=*/"8",
           "Rows of C per micro-kernel block; must be positive">,
    Option<"microKernelVectors", "micro-kernel-vectors", "int64_t",
           /*default=*/"2",
           "Vector registers per row of a micro-kernel block; must be "
           "positive">,
    Option<"packB", "pack-b", "int64_t", /*default=*/"-1",
           "Copy each [K, block columns] panel of B into a contiguous f32 "
           "scratch before the row blocks that share it run: 1 always (when "
           "at least two row blocks share it), 0 never, -1 when the L1 model "
           "says the panel read in place would not stay in L1 (see the "
           "description)">,
    Option<"l1Bytes", "l1-bytes", "int64_t", /*default=*/"32768",
           "L1 data cache size of the target, for pack-b=-1">,
    Option<"l1Ways", "l1-ways", "int64_t", /*default=*/"8",
           "L1 data cache associativity of the target, for pack-b=-1">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
    "::mlir::vector::VectorDialect"
  ];
}

def MHAVectorizeBF16Contractions : Pass<"mha-vectorize-bf16-contractions"> {
  let summary = "AVX512-BF16 dot-product micro-kernels for contractions of "
                "bf16 data";
  let description = [{
    Rewrites the contractions that `mha-vectorize-contractions` would take
    (`C[m, n] += ext(A) * ext(B)`, f32 `C`, all static, in an `scf.forall`)
    when an operand holds bf16 data (a bf16 tensor, or one widened from bf16
    by a `linalg` op) into register-blocked micro-kernels of
    `x86vector.avx512.dot` (`vdpbf16ps`: 16 f32 lanes, each accumulating the
    products of one pair of bf16 values, so one instruction does the work
    of two f32 FMAs). The pass is for targets with AVX512-BF16;
    `mha-cpu-pipeline` runs it before `mha-vectorize-contractions` only then.

    The reduction runs over pairs `(k, k + 1)`, so the operands are packed
    into bf16 pair layouts (f32 values are rounded to nearest even):
    - `B[k, n]` becomes `Bp[k / 2, 2 n + k % 2]`: rows `2k'` and `2k' + 1`
      interleaved, one 32-element vector per 16 columns;
    - `A` indexed `(k, m)` becomes `Ap[k / 2, 2 m + k % 2]` the same way;
      `A` indexed `(m, k)` is read in place when it is bf16 (its pairs are
      adjacent), else rounded into a bf16 copy of the same layout.
    The pair of `A` of each row is broadcast as one 32-bit value. A pack
    whose source is invariant in the enclosing `scf.for` loops is placed
    before them (the query tile of attention is packed once per tile, not
    per kv step). Accumulation is f32 throughout. `C` starts from a
    `linalg.fill` or a row-scaled `C0` as in `mha-vectorize-contractions`.

    Contractions with an odd reduction size, a column count that is not a
    multiple of 16, or no bf16 operand are left to
    `mha-vectorize-contractions` (f32 FMAs).

    In attention, `S^T = K . (scale Q)^T` reads K in place and packs the
    pre-scaled Q^T (rounded to bf16); `acc += P^T . V` rounds the
    probabilities P to bf16 as it packs them, while the row sums stay f32.

    Before (`S^T[j, i] += K[j, d] * Q^T[d, i]`, K bf16):
    ```mlir
    %s = linalg.generic {... ["parallel", "parallel", "reduction"]}
        ins(%k, %qt : tensor<16x32xbf16>, tensor<32x32xf32>)
        outs(%zero_filled : tensor<16x32xf32>) { ... extf, mulf, addf ... }
    ```
    After (abridged):
    ```mlir
    %qp = scf.for %k2 = %c0 to %c16 step %c1 iter_args(%t = %buf) {
      %r0 = vector.transfer_read %qt[2 k2, n0] : vector<16xf32>
      %r1 = vector.transfer_read %qt[2 k2 + 1, n0] : vector<16xf32>
      %i = vector.interleave (arith.truncf %r0), (arith.truncf %r1)
          : vector<16xbf16> -> vector<32xbf16>
      vector.transfer_write %i, %t[%k2, 2 n0] ...
    }
    %acc:16 = scf.for %k2 = %c0 to %c16 step %c1 iter_args(...) {
      %b0 = vector.transfer_read %qp[%k2, %c0] : tensor<16x64xbf16>, vector<32xbf16>
      %p = vector.transfer_read %k[%m, 2 k2] : tensor<16x32xbf16>, vector<2xbf16>
      %a = vector.bitcast (vector.broadcast (vector.bitcast %p : vector<1xi32>))
          : vector<16xi32> to vector<32xbf16>
      %d0 = x86vector.avx512.dot %acc0, %a, %b0 : vector<32xbf16> -> vector<16xf32>
      ...
    }
    ```
  }];
  let options = [
    Option<"microKernelRows", "micro-kernel-rows", "int64_t",
           /*default=*/"8",
           "Rows of C per micro-kernel block; must be positive">,
    Option<"microKernelVectors", "micro-kernel-vectors", "int64_t",
           /*default=*/"2",
           "16-lane f32 accumulators per row of a micro-kernel block; must "
           "be positive">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
    "::mlir::vector::VectorDialect",
    "::mlir::x86vector::X86VectorDialect"
  ];
}

def MHAVectorizeRows : Pass<"mha-vectorize-rows"> {
  let summary = "Vectorise static-row linalg ops on tensors one row at a time";
  let description = [{
    For every `linalg.generic`, `linalg.fill` and `linalg.copy` on tensors
    nested in an `scf.forall` (the tiled loop nests; other ops keep their
    scalar lowering and libm `exp`) whose innermost loop is static:
    tiles every outer loop by 1 (and the innermost one by its largest
    divisor not above `max-vector-size`) with `scf.for`, so the tile is static
    even when outer sizes are dynamic, and vectorises the tile with
    `linalg::vectorize`. A 2-D op that reads or writes an operand transposed
    is tiled by `transpose-tile` x `transpose-tile` squares instead when that
    divides both sizes, and its `vector.transpose` lowered with shuffles (16 x
    16: the AVX-512 sequence). Ops with i1 operands are left alone (i1 vectors
    are bit-packed in memory, i1 buffers are not), as are ops that fail to
    vectorise (tiled or not, still correct). An op whose only reduction is
    the innermost loop (the row max / row sum of decode scores kept as
    `[rows, keys]`) is tiled the same way; each row tile's
    `vector.multi_reduction` becomes a halving tree (the two halves combined
    lane by lane down to one element, then with the row's value), not
    LLVM's ordered `vector.reduce.fadd` (one dependent add per element).

    Then any value read and written back at the same place on each iteration
    of a loop becomes a vector carried by the loop
    (`hoistLoopInvariantSubsets`): the row max and row sum of the transposed
    attention scores, reductions over the outer dim, stay in registers. The
    vector code is brought to 1-D (leading unit dims dropped,
    `vector.multi_reduction` lowered, transfer permutations lowered) and
    `math.exp` gets the polynomial approximation of
    `populateMathPolynomialApproximationPatterns` (a vectorised fast exp,
    relative error about 2^-22, exp(-inf) = 0).

    Before:
    ```mlir
    %p = linalg.generic {indexing_maps = [affine_map<(j, i) -> (i)>,
                                          affine_map<(j, i) -> (j, i)>],
        iterator_types = ["parallel", "parallel"]}
        ins(%m : tensor<32xf32>) outs(%s : tensor<16x32xf32>) {
    ^bb0(%mi: f32, %x: f32):
      %d = arith.subf %x, %mi : f32
      %e = math.exp %d : f32
      linalg.yield %e : f32
    } -> tensor<16x32xf32>
    ```
    After (abridged):
    ```mlir
    %p = scf.for %j = %c0 to %c16 step %c1 iter_args(%t = %s) -> (tensor<16x32xf32>) {
      %x = vector.transfer_read %t[%j, %c0] ... : tensor<16x32xf32>, vector<32xf32>
      %mi = vector.transfer_read %m[%c0] ... : tensor<32xf32>, vector<32xf32>
      %d = arith.subf %x, %mi : vector<32xf32>
      ... polynomial exp on vector<32xf32> ...
      %w = vector.transfer_write %e, %t[%j, %c0] ... : vector<32xf32>, tensor<16x32xf32>
      scf.yield %w : tensor<16x32xf32>
    }
    ```
  }];
  let options = [
    Option<"maxVectorSize", "max-vector-size", "int64_t", /*default=*/"64",
           "Most elements per vector op (the innermost tile); must be "
           "positive">,
    Option<"transposeTile", "transpose-tile", "int64_t", /*default=*/"16",
           "Square tile for 2-D ops that read an operand transposed when it "
           "divides both sizes (16: AVX-512 16x16 shuffle transposes); 0 "
           "tiles them by rows like the others">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
    "::mlir::vector::VectorDialect"
  ];
}

def MHAExpandFloatConversions
    : Pass<"mha-expand-float-conversions", "::mlir::LLVM::LLVMFuncOp"> {
  let summary = "Expand f16/bf16 conversions into integer arithmetic for CPUs "
                "that lack conversion instructions";
  let description = [{
    Without F16C (f16) or AVX512-BF16 (bf16) LLVM lowers `fpext`/`fptrunc`
    between these types and f32 to calls into the compiler runtime
    (`__extendhfsf2`, `__truncsfhf2`, `__truncsfbf2`, ...). Debian 12's
    libgcc lacks some of them, and code that depends on them does not link
    or load everywhere. This pass rewrites every such conversion of an
    `llvm.func` (scalars and vectors) into branch-free integer and f32
    arithmetic with the same results as the hardware: round to nearest even,
    subnormals, infinities, and NaNs kept quiet with their sign.

    - `llvm.fpext` from f16/bf16 to f32 or f64 (exact).
    - `llvm.fptrunc` from f32 to f16/bf16; from f64 through f32 rounded to
      odd, so there is a single rounding.
    - `llvm.sitofp`/`llvm.uitofp` to f16/bf16 (through f64) and
      `llvm.fptosi`/`llvm.fptoui` from f16/bf16 (through f32).

    Arithmetic on f16/bf16 is not handled here: the CPU pipelines compute it
    in f32 first (`arith-emulate-unsupported-floats`). The pipelines run
    this pass on the host functions only (not inside `gpu.module`), with
    `f16` and `bf16` set from the target CPU's features.

    Before:
    ```mlir
    %h = llvm.fptrunc %x : vector<16xf32> to vector<16xbf16>
    ```
    After (abridged):
    ```mlir
    %u = llvm.bitcast %x : vector<16xf32> to vector<16xi32>
    %lsb = llvm.and (llvm.lshr %u, 16), 1
    %r = llvm.lshr (llvm.add (llvm.add %u, 0x7fff), %lsb), 16
    %nan = llvm.icmp "ugt" (llvm.and %u, 0x7fffffff), 0x7f800000
    %h = llvm.bitcast (llvm.trunc (llvm.select %nan, quiet, %r)) : ... to vector<16xbf16>
    ```
  }];
  let options = [
    Option<"f16", "f16", "bool", /*default=*/"true",
           "Expand conversions from and to f16 (for targets without F16C)">,
    Option<"bf16", "bf16", "bool", /*default=*/"true",
           "Expand conversions from and to bf16 (for targets without "
           "AVX512-BF16)">,
  ];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

#endif // MHA_CODEGEN_CPU_PASSES_TD
