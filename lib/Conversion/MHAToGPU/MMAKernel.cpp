//===- MMAKernel.cpp - The mma.sync attention kernel ----------------------===//
//
// FlashAttention-2 class kernel for sm_80+ and f16/bf16: up to 8 warps of 16
// query rows each (128-row blocks; chooseMmaTileShape picks warps and kv tile
// per D and chip). Q arrives by cp.async and goes to registers by ldmatrix;
// K/V tiles are double buffered in shared memory by cp.async (tile i + 1 in
// flight while tile i is computed); S = Q K^T and O += P V are nvvm.mma.sync
// m16n8k16 with f32 accumulators; the result is staged in shared memory and
// written with 16-byte stores. Fragment layouts: MMAHelpers.h; layouts and
// stages: docs/gpu-codegen.md.
//
//===----------------------------------------------------------------------===//

#include "MMAHelpers.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::mha;
using namespace mlir::mha::kernels;

/// Shared-memory rows are padded by 8 elements (16 bytes) so that the 8 rows
/// a fragment load touches fall in different banks.
static constexpr int64_t kRowPad = 8;

/// Bytes of the two buffers of K (`width` = D) or V (`width` = Dv) tiles.
static int64_t kvBuffersBytes(const AttentionKernelConfig &cfg, int64_t width) {
  return 2 * cfg.blockN * (width + kRowPad) * byteWidth(cfg.elementType);
}

/// Bytes of the Q tile, [blockM][D + kRowPad], after the K/V buffers.
static int64_t qTileBytes(const AttentionKernelConfig &cfg) {
  return cfg.blockM() * (cfg.headDim + kRowPad) * byteWidth(cfg.elementType);
}

/// The result tile staged for 16-byte stores, [blockM][Dv + pad] of the
/// output type (f32 partial results with split-kv), from offset 0 once the
/// K/V buffers are no longer read.
static Type stagedType(const AttentionKernelConfig &cfg) {
  return cfg.splitKV ? Float32Type::get(cfg.elementType.getContext())
                     : cfg.elementType;
}
static int64_t stagedRowPad(const AttentionKernelConfig &cfg) {
  return 16 / byteWidth(stagedType(cfg));
}
static int64_t stagedBytes(const AttentionKernelConfig &cfg) {
  return cfg.blockM() * (cfg.valueDim + stagedRowPad(cfg)) *
         byteWidth(stagedType(cfg));
}

int64_t kernels::mmaSharedMemoryBytes(const AttentionKernelConfig &cfg) {
  return std::max(kvBuffersBytes(cfg, cfg.headDim) +
                      kvBuffersBytes(cfg, cfg.valueDim) + qTileBytes(cfg),
                  stagedBytes(cfg));
}

/// Fragment registers a thread may hold (Q, O and one S tile); the rest of
/// the 255 go to addresses, P and the softmax state.
static constexpr int64_t kFragmentRegisters = 128;

llvm::Error mlir::mha::chooseMmaTileShape(AttentionKernelConfig &cfg,
                                          const GPUChip &chip, int64_t kvTile,
                                          int64_t rows) {
  cfg.numWarps =
      cfg.splitKV ? std::clamp<int64_t>(llvm::divideCeil(rows, 16), 4, 8) : 8;
  const int64_t limit = chip.getMaxSharedMemoryPerBlock();
  if (kvTile > 0) {
    cfg.blockN = kvTile;
    if (cfg.sharedMemoryBytes() > limit)
      return llvm::createStringError(
          "kv-tile=" + std::to_string(kvTile) + " needs " +
          std::to_string(cfg.sharedMemoryBytes()) +
          " bytes of shared memory per block of the mma kernel (D = " +
          std::to_string(cfg.headDim) +
          ", Dv = " + std::to_string(cfg.valueDim) + "), more than the " +
          std::to_string(limit) + " of " + chip.str() +
          ": give a smaller kv-tile (or 0 for the automatic one)");
    return llvm::Error::success();
  }
  auto registers = [&](int64_t bn) {
    return cfg.headDim / 4 + cfg.valueDim / 2 + bn / 2;
  };
  cfg.blockN = registers(128) <= kFragmentRegisters ? 128 : 64;
  while (cfg.blockN > 16 && cfg.sharedMemoryBytes() > limit)
    cfg.blockN /= 2;
  if (cfg.sharedMemoryBytes() > limit)
    return llvm::createStringError(
        "the mma kernel needs " + std::to_string(cfg.sharedMemoryBytes()) +
        " bytes of shared memory per block, more than the " +
        std::to_string(limit) + " of " + chip.str());
  return llvm::Error::success();
}

namespace {

/// KernelBuilder plus the operand registers and instructions of mma.sync.
struct MmaSyncBuilder : KernelBuilder {
  using KernelBuilder::KernelBuilder;

  /// An A/B operand register from 2 elements of the input type: f16 operands
  /// are <2 x half>, bf16 ones travel as i32.
  Value operand(Value pair) {
    if (cfg.elementType.isF16())
      return pair;
    auto i32x1 = VectorType::get({1}, b.getI32Type());
    Value cast = vector::BitCastOp::create(b, i32x1, pair);
    return vector::ExtractOp::create(b, cast, ArrayRef<int64_t>{0});
  }
  Value pack(Value lo, Value hi) {
    auto pairType = VectorType::get({2}, cfg.elementType);
    return operand(vector::FromElementsOp::create(
        b, pairType,
        ValueRange{fromF32(lo, cfg.elementType),
                   fromF32(hi, cfg.elementType)}));
  }

  /// C += A * B on one 16x8x16 tile; `acc` is vector<4xf32>.
  Value mma(ArrayRef<Value> a, ArrayRef<Value> bOps, Value acc) {
    SmallVector<Value, 4> cOps;
    for (int64_t i = 0; i < 4; ++i)
      cOps.push_back(vector::ExtractOp::create(b, acc, ArrayRef<int64_t>{i}));
    auto ptx =
        cfg.elementType.isF16() ? NVVM::MMATypes::f16 : NVVM::MMATypes::bf16;
    auto resType = LLVM::LLVMStructType::getLiteral(b.getContext(),
                                                    SmallVector<Type>(4, f32));
    Value res = NVVM::MmaOp::create(
        b, resType, a, bOps, cOps, ArrayRef<int64_t>{16, 8, 16}, std::nullopt,
        std::nullopt, std::array<NVVM::MMATypes, 2>{ptx, ptx},
        std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                       NVVM::MMALayout::col});
    SmallVector<Value, 4> out;
    for (int64_t i = 0; i < 4; ++i)
      out.push_back(LLVM::ExtractValueOp::create(b, res, i));
    return vector::FromElementsOp::create(b, VectorType::get({4}, f32), out);
  }

  /// ldmatrix.x4 (.trans) of four 8 x 8 matrices of 16-bit elements from
  /// shared memory: vector<4x2xT>, row m = this lane's fragment of matrix m.
  Value ldmatrix(Value smem, ValueRange indices, bool trans) {
    auto type = VectorType::get({4, 2}, cfg.elementType);
    return nvgpu::LdMatrixOp::create(b, type, smem, indices, trans,
                                     /*numTiles=*/4);
  }

  /// Fragment `i` of an ldmatrix result as an mma operand register.
  Value fragment(Value frags, int64_t i) {
    return operand(vector::ExtractOp::create(b, frags, ArrayRef<int64_t>{i}));
  }
};

/// The kernel, built in steps that share the block's plan, lanes and
/// buffers.
class MmaKernel {
public:
  MmaKernel(ImplicitLocOpBuilder &b, const AttentionKernelConfig &cfg,
            KernelArgs &a)
      : b(b), cfg(cfg), a(a), kb(b, cfg), D(cfg.headDim), Dv(cfg.valueDim),
        BN(cfg.blockN), T(cfg.numThreads()), BM(cfg.blockM()),
        nKeyTiles(BN / 8), nOutTiles(Dv / 8) {}

  void build();

private:
  void allocateSharedMemory();
  void issueQCopies();
  void loadQFragments();
  void prologue();
  void epilogue(ValueRange results);
  Value tileSeenByBlock(MmaSyncBuilder &ib, Value tile);
  Value issueCopies(MmaSyncBuilder &ib, Value tile, Value buf, Value tileValid);
  void copyTile(MmaSyncBuilder &ib, Value src, Value dst, int64_t width,
                Value t0, Value buf, Value tileValid,
                SmallVectorImpl<Value> &tokens);
  SmallVector<Value> iteration(ImplicitLocOpBuilder &ib, Value it,
                               ValueRange state);
  SmallVector<Value> scoreTile(MmaSyncBuilder &mb, Value buf);
  void accumulatePV(MmaSyncBuilder &mb, Value buf, ArrayRef<Value> p,
                    MutableArrayRef<Value> acc);

  ImplicitLocOpBuilder &b;
  const AttentionKernelConfig &cfg;
  KernelArgs &a;
  MmaSyncBuilder kb;
  const int64_t D, Dv, BN, T, BM, nKeyTiles, nOutTiles;

  BlockPlan plan;
  LaneLayout lanes;
  /// ldmatrix: lane 8m + r addresses row r of matrix m.
  Value lane8, lane8r;
  /// Q fragments (A operands) of every 16-wide slice of D.
  SmallVector<SmallVector<Value, 4>> qFrag;
  Value kvRow0;
  /// [2][BN][D + kRowPad], [2][BN][Dv + kRowPad] and [blockM][D + kRowPad]
  /// in shared memory; the staged result aliases ks (and beyond).
  Value ks, vs, qs, staged;
  /// The warp's first row in the block.
  Value warpRow0;
};

} // namespace

void MmaKernel::build() {
  plan = planBlock(kb, a, BN);
  lanes = laneLayout(kb, a, plan);
  Value lane = kb.rem(a.tid, 32);
  lane8 = kb.div(lane, 8);
  lane8r = kb.rem(lane, 8);
  warpRow0 = kb.mul(kb.div(a.tid, 32), 16);
  kvRow0 = firstKeyIndex(kb, a);
  allocateSharedMemory();
  prologue();
  loadQFragments();

  scf::ForOp loop =
      buildTileLoop(kb, plan, MmaLoopState::initial(kb),
                    [&](ImplicitLocOpBuilder &ib, Value it, ValueRange state) {
                      return iteration(ib, it, state);
                    });
  // No copy may be in flight when the block exits or reuses the buffers.
  Value lastGroup = nvgpu::DeviceAsyncCreateGroupOp::create(
      b, nvgpu::DeviceAsyncTokenType::get(b.getContext()), ValueRange{});
  nvgpu::DeviceAsyncWaitOp::create(b, lastGroup, b.getI32IntegerAttr(0));
  epilogue(loop.getResults());
}

void MmaKernel::allocateSharedMemory() {
  Value dyn = dynamicShared(b);
  int64_t kBytes = kvBuffersBytes(cfg, D);
  int64_t vBytes = kvBuffersBytes(cfg, Dv);
  ks = sharedView(b, dyn, 0, {2, BN, D + kRowPad}, cfg.elementType);
  vs = sharedView(b, dyn, kBytes, {2, BN, Dv + kRowPad}, cfg.elementType);
  qs = sharedView(b, dyn, kBytes + vBytes, {BM, D + kRowPad}, cfg.elementType);
  staged = sharedView(b, dyn, 0, {BM, Dv + stagedRowPad(cfg)}, stagedType(cfg));
}

/// The row and column of 16-byte chunk `chunk` of a tile with
/// `chunksPerRow` chunks per row, as cp.async copies them: 8 consecutive
/// chunks (the 8 lanes of one shared-memory phase of a 16-byte access) are
/// the same column of 8 consecutive rows, which the row padding (an odd
/// number of 16-byte units per row) puts in 8 different bank groups, so
/// the copies are conflict-free for every D. (Row-major order is only when
/// a row is a multiple of 8 chunks: at D = 32, rows of 5 units, a phase's
/// 2 rows overlap 2-way.) A warp still reads 8 rows x 4 chunks = 64
/// contiguous bytes per row from global memory.
static std::pair<Value, Value> chunkPosition(KernelBuilder &kb, Value chunk,
                                             int64_t chunksPerRow) {
  Value group = kb.div(chunk, 8 * chunksPerRow);
  Value r = kb.add(kb.mul(group, 8), kb.rem(chunk, 8));
  Value col = kb.mul(kb.rem(kb.div(chunk, 8), chunksPerRow), 8);
  return {r, col};
}

/// cp.async of the block's Q rows (16 bytes per copy, zero-filled for rows
/// past the end), committed as one group.
void MmaKernel::issueQCopies() {
  int64_t chunksPerRow = D / 8;
  SmallVector<Value> tokens;
  // BM * D / 8 chunks over 2 * BM threads: D / 16 rounds, no remainder.
  for (int64_t i = 0; i < BM * chunksPerRow / T; ++i) {
    auto [r, col] = chunkPosition(kb, kb.add(a.tid, i * T), chunksPerRow);
    RowRef row = plan.row(kb, r);
    Value srcOff = kb.add(kb.mul(queryIndex(kb, a, row), D), col);
    Value n = kb.select(row.valid, kb.c(8), kb.c(0));
    tokens.push_back(nvgpu::DeviceAsyncCopyOp::create(
        b, qs, ValueRange{r, col}, a.q, ValueRange{srcOff}, b.getIndexAttr(8),
        n, b.getUnitAttr()));
  }
  nvgpu::DeviceAsyncCreateGroupOp::create(
      b, nvgpu::DeviceAsyncTokenType::get(b.getContext()), tokens);
}

/// Q and (when there is one: with Skv = 0 there is no valid address to clamp
/// to) kv tile 0 into buffer 0, in two groups; waits for Q only.
void MmaKernel::prologue() {
  issueQCopies();
  scf::IfOp::create(
      b, kb.lt(kb.c(0), plan.tileCount),
      [&](OpBuilder &nb, Location loc) {
        ImplicitLocOpBuilder ib(loc, nb);
        MmaSyncBuilder mb(ib, cfg);
        Value group = issueCopies(mb, plan.tileBegin, mb.c(0),
                                  tileSeenByBlock(mb, plan.tileBegin));
        nvgpu::DeviceAsyncWaitOp::create(ib, group, ib.getI32IntegerAttr(1));
        scf::YieldOp::create(ib);
      },
      [&](OpBuilder &nb, Location loc) {
        ImplicitLocOpBuilder ib(loc, nb);
        Value none = nvgpu::DeviceAsyncCreateGroupOp::create(
            ib, nvgpu::DeviceAsyncTokenType::get(ib.getContext()),
            ValueRange{});
        nvgpu::DeviceAsyncWaitOp::create(ib, none, ib.getI32IntegerAttr(0));
        scf::YieldOp::create(ib);
      });
  gpu::BarrierOp::create(b);
}

/// The A fragments of the warp's 16 rows for every 16-wide slice of D, by
/// ldmatrix.x4: lanes 0-15 address rows 0-15 at column 0 of the slice, lanes
/// 16-31 the same rows at column 8, so matrices 0-3 are R0-R3 of the A
/// layout.
void MmaKernel::loadQFragments() {
  Value lane = kb.rem(a.tid, 32);
  Value row = kb.add(warpRow0, kb.rem(lane, 16));
  Value col0 = kb.mul(kb.div(lane, 16), 8);
  for (int64_t kstep = 0; kstep < D / 16; ++kstep) {
    Value frags =
        kb.ldmatrix(qs, ValueRange{row, kb.add(col0, kstep * 16)}, false);
    qFrag.push_back({kb.fragment(frags, 0), kb.fragment(frags, 1),
                     kb.fragment(frags, 2), kb.fragment(frags, 3)});
  }
}

/// Normalises the accumulators, stages the rows in shared memory (each lane
/// writes its two rows' pairs), then the block writes them to global memory
/// in 16-byte chunks, row by row; with split-kv lane t = 0 of each quad also
/// writes its rows' log-sum-exp.
void MmaKernel::epilogue(ValueRange results) {
  // Every warp is done reading the K/V buffers that `staged` aliases.
  gpu::BarrierOp::create(b);
  Type outType = stagedType(cfg);
  Value firstOfQuad = kb.eq(lanes.t, kb.c(0));
  for (int hh = 0; hh < 2; ++hh) {
    Value l = quadReduce(kb, MmaLoopState::sum(results, hh), /*isMax=*/false);
    Value m = MmaLoopState::max(results, hh);
    Value isZero = kb.isZero(l);
    Value inv = rowInverse(kb, lanes.mods[hh], m, l);
    storeLse(kb, a, lanes.rows[hh], m, l, firstOfQuad);
    Value invVec =
        vector::BroadcastOp::create(b, VectorType::get({2}, kb.f32), inv);
    Value r = kb.add(lanes.rA, hh * 8);
    for (int64_t dn = 0; dn < nOutTiles; ++dn) {
      Value acc = MmaLoopState::acc(results, dn);
      Value pair = vector::ShuffleOp::create(
          b, acc, acc, ArrayRef<int64_t>{2 * hh, 2 * hh + 1});
      pair = kb.fromF32(arith::MulFOp::create(b, pair, invVec), outType);
      vector::StoreOp::create(b, pair, staged,
                              ValueRange{r, kb.add(lanes.t2, dn * 8)});
    }
    if (cfg.splitKV) {
      const RowRef &row = lanes.rows[hh];
      scf::IfOp::create(
          b, kb.andI(row.valid, firstOfQuad), [&](OpBuilder &nb, Location loc) {
            ImplicitLocOpBuilder ib(loc, nb);
            KernelBuilder lk(ib, cfg);
            Value slot =
                lk.add(lk.mul(queryIndex(lk, a, row), a.splits), plan.split);
            Value lse = lk.select(isZero, lk.negInf(),
                                  lk.fadd(m, math::Log2Op::create(ib, l)));
            memref::StoreOp::create(ib, lse, a.lse, slot);
            scf::YieldOp::create(ib);
          });
    }
  }
  gpu::BarrierOp::create(b);

  const int64_t perChunk = 16 / byteWidth(outType);
  const int64_t chunksPerRow = Dv / perChunk;
  auto chunkType = VectorType::get({perChunk}, outType);
  // BM * chunksPerRow chunks over 2 * BM threads: chunksPerRow / 2 rounds.
  for (int64_t i = 0; i < BM * chunksPerRow / T; ++i) {
    Value chunk = kb.add(a.tid, i * T);
    Value r = kb.div(chunk, chunksPerRow);
    Value col = kb.mul(kb.rem(chunk, chunksPerRow), perChunk);
    RowRef row = plan.row(kb, r);
    scf::IfOp::create(b, row.valid, [&](OpBuilder &nb, Location loc) {
      ImplicitLocOpBuilder ib(loc, nb);
      KernelBuilder rk(ib, cfg);
      Value vec =
          vector::LoadOp::create(ib, chunkType, staged, ValueRange{r, col});
      Value dstRow = queryIndex(rk, a, row);
      Value dst = cfg.splitKV ? a.partial : a.out;
      if (cfg.splitKV)
        dstRow = rk.add(rk.mul(dstRow, a.splits), plan.split);
      vector::StoreOp::create(ib, vec, dst, rk.add(rk.mul(dstRow, Dv), col),
                              /*nontemporal=*/false, llvm::Align(16));
      scf::YieldOp::create(ib);
    });
  }
}

/// Whether some query of the block may see a key of tile `tile`: false for
/// a tile that an affine mask_mod hides from the whole block, which is then
/// not read (its copies zero-fill, so that the commit groups stay in step).
Value MmaKernel::tileSeenByBlock(MmaSyncBuilder &ib, Value tile) {
  if (!affineMaskMod(cfg))
    return ib.boolean(true);
  Value empty =
      tileIsEmpty(ib, ib.mul(tile, BN), BN, plan.minQ, plan.maxQ, a.sq, a.skv);
  return arith::XOrIOp::create(ib.b, empty, ib.boolean(true));
}

/// Asynchronous 16-byte copies of tile `tile` of K and V into buffer `buf`,
/// committed as one group (returned).
Value MmaKernel::issueCopies(MmaSyncBuilder &ib, Value tile, Value buf,
                             Value tileValid) {
  Value t0 = ib.mul(tile, BN);
  SmallVector<Value> tokens;
  copyTile(ib, a.k, ks, D, t0, buf, tileValid, tokens);
  copyTile(ib, a.v, vs, Dv, t0, buf, tileValid, tokens);
  return nvgpu::DeviceAsyncCreateGroupOp::create(
      ib.b, nvgpu::DeviceAsyncTokenType::get(ib.b.getContext()), tokens);
}

/// The copies of one K or V tile (keys from `t0`, rows of `width`). Rows past
/// Skv (or a tile past the last one) are zero-filled from a clamped, valid
/// address, so every thread issues the same copies.
void MmaKernel::copyTile(MmaSyncBuilder &ib, Value src, Value dst,
                         int64_t width, Value t0, Value buf, Value tileValid,
                         SmallVectorImpl<Value> &tokens) {
  int64_t chunksPerRow = width / 8, chunks = BN * chunksPerRow;
  for (int64_t i = 0; i < llvm::divideCeil(chunks, T); ++i) {
    // Surplus threads of the last round repeat the last chunk (same bytes to
    // the same place) instead of branching around the copy.
    Value chunk = ib.min(ib.add(a.tid, i * T), ib.c(chunks - 1));
    auto [r, col] = chunkPosition(ib, chunk, chunksPerRow);
    Value key = ib.add(t0, r);
    Value keyc = ib.min(key, ib.sub(a.skv, ib.c(1)));
    Value srcOff = ib.add(ib.mul(ib.add(kvRow0, keyc), width), col);
    Value n =
        ib.select(ib.andI(tileValid, ib.lt(key, a.skv)), ib.c(8), ib.c(0));
    tokens.push_back(nvgpu::DeviceAsyncCopyOp::create(
        ib.b, dst, ValueRange{buf, r, col}, src, ValueRange{srcOff},
        ib.b.getIndexAttr(8), n, ib.b.getUnitAttr()));
  }
}

/// One kv tile: prefetch the next one, then S = Q K^T, the softmax step and
/// O = O * alpha + P V. Returns the next loop state.
SmallVector<Value> MmaKernel::iteration(ImplicitLocOpBuilder &ib, Value it,
                                        ValueRange state) {
  MmaSyncBuilder mb(ib, cfg);
  Value buf = mb.rem(it, 2);
  Value next = mb.add(it, 1);
  Value tile = mb.add(plan.tileBegin, it);
  Value nextTile = mb.add(tile, 1);
  Value group = issueCopies(
      mb, nextTile, mb.rem(next, 2),
      mb.andI(mb.lt(next, plan.tileCount), tileSeenByBlock(mb, nextTile)));
  // All but the group just issued are done: tile `it` has landed.
  nvgpu::DeviceAsyncWaitOp::create(ib, group, ib.getI32IntegerAttr(1));
  gpu::BarrierOp::create(ib);
  Value t0 = mb.mul(tile, BN);

  auto compute = [&](MmaSyncBuilder &cb, ArrayRef<Value> visible) {
    SmallVector<Value> x = scoreTile(cb, buf);
    SoftmaxStep step = softmaxTile(cb, a, plan, lanes, t0, x, state, visible);
    SmallVector<Value> acc = rescaleAccumulators(cb, state, step);
    accumulatePV(cb, buf, x, acc);
    return MmaLoopState::next(step, acc);
  };
  SmallVector<Value> nextState;
  bool dataDependent = cfg.maskMod && !affineMaskMod(cfg);
  if (!dataDependent && !mayHaveEmptyTiles(cfg)) {
    nextState = compute(mb, {});
  } else {
    // A warp whose rows see no key of the tile (above the causal diagonal,
    // left of the window, hidden by the mask_mod) skips its MMAs and
    // exponentials: by tileIsEmpty (uniform, no mask_mod evaluated), or by
    // a vote over the elements for a data-dependent mask_mod.
    SmallVector<Value> visible;
    Value run;
    if (!dataDependent) {
      run = arith::XOrIOp::create(
          ib, tileIsEmpty(mb, t0, BN, lanes.minQ, lanes.maxQ, a.sq, a.skv),
          mb.boolean(true));
    } else {
      visible = tileVisibility(mb, a, lanes, t0);
      run = warpAny(mb, visible);
    }
    auto skip = scf::IfOp::create(
        ib, run,
        [&](OpBuilder &nb, Location loc) {
          ImplicitLocOpBuilder cib(loc, nb);
          MmaSyncBuilder cb(cib, cfg);
          scf::YieldOp::create(cib, compute(cb, visible));
        },
        [&](OpBuilder &nb, Location loc) {
          scf::YieldOp::create(nb, loc, state);
        });
    nextState.assign(skip.getResults().begin(), skip.getResults().end());
  }
  // Buffer `buf` is refilled two iterations later: everyone must be done
  // reading it.
  gpu::BarrierOp::create(ib);
  return nextState;
}

/// S = Q K^T for this warp's 16 rows and BN keys, as 4 scores per 8-key
/// tile. One ldmatrix.x4 reads the B fragments of two 8-key tiles: matrices
/// (keys of tile nt, d 0-7 / 8-15 of the step), then tile nt + 1.
SmallVector<Value> MmaKernel::scoreTile(MmaSyncBuilder &mb, Value buf) {
  Value zeroTile = mb.splat(VectorType::get({4}, mb.f32), 0);
  SmallVector<Value> s(nKeyTiles, zeroTile);
  for (int64_t kstep = 0; kstep < D / 16; ++kstep) {
    for (int64_t nt = 0; nt < nKeyTiles; nt += 2) {
      Value key = mb.add(mb.add(mb.mul(mb.div(lane8, 2), 8), lane8r), nt * 8);
      Value col = mb.add(mb.mul(mb.rem(lane8, 2), 8), kstep * 16);
      Value frags = mb.ldmatrix(ks, ValueRange{buf, key, col}, /*trans=*/false);
      for (int64_t j = 0; j < 2; ++j)
        s[nt + j] =
            mb.mma(qFrag[kstep],
                   {mb.fragment(frags, 2 * j), mb.fragment(frags, 2 * j + 1)},
                   s[nt + j]);
    }
  }
  SmallVector<Value> x;
  for (int64_t nt = 0; nt < nKeyTiles; ++nt)
    for (int64_t i = 0; i < 4; ++i)
      x.push_back(vector::ExtractOp::create(mb.b, s[nt], ArrayRef<int64_t>{i}));
  return x;
}

/// acc += P V, with P (`p`, the softmax step's output in the accumulator
/// layout) packed into A operands in registers.
void MmaKernel::accumulatePV(MmaSyncBuilder &mb, Value buf, ArrayRef<Value> p,
                             MutableArrayRef<Value> acc) {
  for (int64_t kk = 0; kk < BN / 16; ++kk) {
    auto at = [&](int64_t nt, int64_t i) { return p[nt * 4 + i]; };
    SmallVector<Value, 4> pa = {mb.pack(at(2 * kk, 0), at(2 * kk, 1)),
                                mb.pack(at(2 * kk, 2), at(2 * kk, 3)),
                                mb.pack(at(2 * kk + 1, 0), at(2 * kk + 1, 1)),
                                mb.pack(at(2 * kk + 1, 2), at(2 * kk + 1, 3))};
    // ldmatrix.trans.x4 of V [key][dv]: matrices (keys 0-7, 8-15 of the
    // step) x (8 columns of tile dn, then dn + 1) are the B fragments of two
    // output tiles.
    Value key = mb.add(mb.add(mb.mul(mb.rem(lane8, 2), 8), lane8r), kk * 16);
    for (int64_t dn = 0; dn < nOutTiles; dn += 2) {
      Value col = mb.add(mb.mul(mb.div(lane8, 2), 8), dn * 8);
      Value frags = mb.ldmatrix(vs, ValueRange{buf, key, col}, /*trans=*/true);
      for (int64_t j = 0; j < 2; ++j)
        acc[dn + j] = mb.mma(
            pa, {mb.fragment(frags, 2 * j), mb.fragment(frags, 2 * j + 1)},
            acc[dn + j]);
    }
  }
}

void kernels::buildMmaBody(ImplicitLocOpBuilder &b,
                           const AttentionKernelConfig &cfg, KernelArgs &a) {
  MmaKernel(b, cfg, a).build();
}
