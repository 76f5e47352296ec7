//===- MMAKernel.cpp - The mma.sync attention kernel ----------------------===//
//
// Four warps of 16 query rows each (sm_80+, f16/bf16): Q fragments in
// registers, K/V tiles double buffered in shared memory by cp.async, the
// B fragments read by ldmatrix, S = Q K^T and O += P V by nvvm.mma.sync
// m16n8k16 with f32 accumulators. Fragment layouts: MMAHelpers.h.
//
//===----------------------------------------------------------------------===//

#include "MMAHelpers.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
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

int64_t kernels::mmaSharedMemoryBytes(const AttentionKernelConfig &cfg) {
  return kvBuffersBytes(cfg, cfg.headDim) + kvBuffersBytes(cfg, cfg.valueDim);
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
        BN(cfg.blockN), T(cfg.numThreads()), nKeyTiles(BN / 8),
        nOutTiles(Dv / 8) {}

  void build();

private:
  void loadQFragments();
  void allocateSharedMemory();
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
  const int64_t D, Dv, BN, T, nKeyTiles, nOutTiles;

  BlockPlan plan;
  LaneLayout lanes;
  /// ldmatrix: lane 8m + r addresses row r of matrix m.
  Value lane8, lane8r;
  /// Q fragments (A operands) of every 16-wide slice of D.
  SmallVector<SmallVector<Value, 4>> qFrag;
  Value kvRow0;
  /// [2][BN][D + kRowPad] and [2][BN][Dv + kRowPad] in shared memory.
  Value ks, vs;
};

} // namespace

void MmaKernel::build() {
  plan = planBlock(kb, a, BN);
  lanes = laneLayout(kb, a, plan);
  Value lane = kb.rem(a.tid, 32);
  lane8 = kb.div(lane, 8);
  lane8r = kb.rem(lane, 8);
  loadQFragments();
  kvRow0 = firstKeyIndex(kb, a);
  allocateSharedMemory();

  // Prologue: tile 0 into buffer 0 (only if there is one: with Skv = 0 there
  // is no valid address to clamp to).
  scf::IfOp::create(b, kb.lt(kb.c(0), plan.tileCount),
                    [&](OpBuilder &nb, Location loc) {
                      ImplicitLocOpBuilder ib(loc, nb);
                      MmaSyncBuilder mb(ib, cfg);
                      Value yes = mb.boolean(true);
                      issueCopies(mb, plan.tileBegin, mb.c(0), yes);
                      scf::YieldOp::create(ib);
                    });

  scf::ForOp loop =
      buildTileLoop(kb, plan, MmaLoopState::initial(kb),
                    [&](ImplicitLocOpBuilder &ib, Value it, ValueRange state) {
                      return iteration(ib, it, state);
                    });
  // No copy may be in flight when the block exits.
  Value lastGroup = nvgpu::DeviceAsyncCreateGroupOp::create(
      b, nvgpu::DeviceAsyncTokenType::get(b.getContext()), ValueRange{});
  nvgpu::DeviceAsyncWaitOp::create(b, lastGroup, b.getI32IntegerAttr(0));

  storeMmaRows(kb, a, plan, lanes, loop.getResults());
}

void MmaKernel::loadQFragments() {
  auto pairType = VectorType::get({2}, cfg.elementType);
  Value qRowA = kb.mul(queryIndex(kb, a, lanes.rows[0]), D);
  Value qRowB = kb.mul(queryIndex(kb, a, lanes.rows[1]), D);
  for (int64_t ks = 0; ks < D / 16; ++ks) {
    Value col = kb.add(lanes.t2, ks * 16);
    auto load = [&](Value rowOff, int64_t extra) {
      return kb.operand(vector::LoadOp::create(
          b, pairType, a.q, kb.add(kb.add(rowOff, col), extra)));
    };
    qFrag.push_back(
        {load(qRowA, 0), load(qRowB, 0), load(qRowA, 8), load(qRowB, 8)});
  }
}

void MmaKernel::allocateSharedMemory() {
  Value dyn = dynamicShared(b);
  ks = sharedView(b, dyn, 0, {2, BN, D + kRowPad}, cfg.elementType);
  vs = sharedView(b, dyn, kvBuffersBytes(cfg, D), {2, BN, Dv + kRowPad},
                  cfg.elementType);
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
    Value r = ib.div(chunk, chunksPerRow);
    Value col = ib.mul(ib.rem(chunk, chunksPerRow), 8);
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
  Value group = issueCopies(mb, mb.add(tile, 1), mb.rem(next, 2),
                            mb.lt(next, plan.tileCount));
  // All but the group just issued are done: tile `it` has landed.
  nvgpu::DeviceAsyncWaitOp::create(ib, group, ib.getI32IntegerAttr(1));
  gpu::BarrierOp::create(ib);
  Value t0 = mb.mul(tile, BN);

  SmallVector<Value> x = scoreTile(mb, buf);
  SoftmaxStep step = softmaxTile(mb, a, plan, lanes, t0, x, state);
  SmallVector<Value> acc = rescaleAccumulators(mb, state, step);
  accumulatePV(mb, buf, x, acc);
  // Buffer `buf` is refilled two iterations later: everyone must be done
  // reading it.
  gpu::BarrierOp::create(ib);
  return MmaLoopState::next(step, acc);
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
