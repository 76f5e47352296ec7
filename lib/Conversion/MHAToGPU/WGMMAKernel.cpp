//===- WGMMAKernel.cpp - The warpgroup-MMA attention kernel ---------------===//
//
// One warpgroup x 64 query rows (sm_90a, f16/bf16).
//
// wgmma.mma_async m64nNk16 reads both operands from shared memory through
// 64-bit matrix descriptors; every operand is stored "K-major, no swizzle",
// as 8 x 8 core matrices (8 rows of 16 contiguous bytes) whose descriptor
// gives the byte distance to the next core matrix along K (leading) and to
// the next 8 rows (stride). Q and K arrive by TMA in boxes of rows x 8
// elements, each a column of core matrices (leading = rows * 16, stride =
// 128). V arrives by TMA the same way (boxes of keys x 8 values), which for
// P V is B stored N-major (transposed, imm-trans-b = 1): core matrices of 8
// keys x 8 values, leading = 128 to the next 8 keys, stride = keys * 16 to
// the next 8 values (PTX ISA, "Canonical Layouts", MN-major no swizzle). P
// goes through shared memory (MLIR 22's nvvm.wgmma.mma_async takes A from
// shared memory only) with core matrix (i, j) at ((i * cols / 8) + j) * 128
// bytes (leading 128, stride cols / 8 * 128). The accumulator fragment of warp
// w is the mma.sync C layout repeated over the N / 8 column tiles, so masking,
// the online softmax and the epilogue are those of the mma.sync kernel
// (MMAHelpers.h).
//
//===----------------------------------------------------------------------===//

#include "MMAHelpers.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::mha;
using namespace mlir::mha::kernels;

/// Bytes of a core matrix: 8 rows of 16 bytes. Also the stride byte offset
/// of a matrix stored one column of core matrices after another (TMA boxes).
static constexpr int64_t kCoreMatrixBytes = 128;

/// A matrix descriptor holds bits 4-17 of the shared-memory address: the
/// address is masked to its 18 bits, then shifted right by 4.
static constexpr int64_t kDescriptorAddressMask = (1 << 18) - 1;

/// The suspend-time hint of mbarrier.try_wait (ns): how long a waiting
/// thread may sleep before try_wait returns and the wait loop retries.
static constexpr int64_t kTryWaitSuspendTimeHintNs = 10'000'000;

Type mlir::mha::tmaDescriptorType(MLIRContext *ctx,
                                  const AttentionKernelConfig &config,
                                  int64_t rows) {
  auto wg = gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
  auto box = MemRefType::get({rows, 8}, config.elementType,
                             MemRefLayoutAttrInterface{}, wg);
  return nvgpu::TensorMapDescriptorType::get(
      ctx, box, nvgpu::TensorMapSwizzleKind::SWIZZLE_NONE,
      nvgpu::TensorMapL2PromoKind::L2PROMO_NONE,
      nvgpu::TensorMapOOBKind::OOB_ZERO,
      nvgpu::TensorMapInterleaveKind::INTERLEAVE_NONE);
}

namespace {

/// Shared memory, in elements: Q [BM x D], K [BN x D], V [BN x Dv] (all in
/// TMA boxes of rows x 8), P [BM x BN].
struct SharedLayout {
  int64_t q, k, v, p, total;

  explicit SharedLayout(const AttentionKernelConfig &cfg) {
    const int64_t BM = cfg.blockM(), BN = cfg.blockN;
    q = 0;
    k = q + BM * cfg.headDim;
    v = k + BN * cfg.headDim;
    p = v + cfg.valueDim * BN;
    total = p + BM * BN;
  }
};

} // namespace

int64_t kernels::wgmmaSharedMemoryBytes(const AttentionKernelConfig &cfg) {
  return SharedLayout(cfg).total * byteWidth(cfg.elementType);
}

/// Element offset of (r, c) in a K-major, no-swizzle matrix with `cols`
/// columns.
static Value coreOffset(KernelBuilder &kb, Value r, Value c, int64_t cols) {
  Value tile = kb.add(kb.mul(kb.div(r, 8), cols / 8), kb.div(c, 8));
  return kb.add(kb.add(kb.mul(tile, 64), kb.mul(kb.rem(r, 8), 8)),
                kb.rem(c, 8));
}

/// A wgmma shared-memory matrix descriptor (no swizzle) for the matrix at
/// shared address `addr` (bytes) with leading and stride byte offsets `lbo`
/// and `sbo`: bits 0-13 the address, 16-29 lbo, 32-45 sbo, each >> 4.
static Value matrixDescriptor(KernelBuilder &kb, Value addr, int64_t lbo,
                              int64_t sbo) {
  ImplicitLocOpBuilder &b = kb.b;
  auto c64 = [&](int64_t v) {
    return arith::ConstantOp::create(b, b.getI64IntegerAttr(v));
  };
  Value start = arith::ShRUIOp::create(
      b, arith::AndIOp::create(b, addr, c64(kDescriptorAddressMask)), c64(4));
  Value fields = c64(((lbo >> 4) << 16) | ((sbo >> 4) << 32));
  return arith::OrIOp::create(b, start, fields);
}

namespace {

/// The kernel, built in steps that share the block's plan, lanes, shared
/// memory and mbarrier.
class WgmmaKernel {
public:
  WgmmaKernel(ImplicitLocOpBuilder &b, const AttentionKernelConfig &cfg,
              KernelArgs &a)
      : b(b), cfg(cfg), a(a), kb(b, cfg), ctx(b.getContext()), D(cfg.headDim),
        Dv(cfg.valueDim), BM(cfg.blockM()), BN(cfg.blockN), T(cfg.numThreads()),
        eb(byteWidth(cfg.elementType)), layout(cfg) {}

  void build();

private:
  void allocateSharedMemory();
  void initBarrier();
  void loadQ();
  void tmaLoad(KernelBuilder &ib, Value tensorMap, int64_t rows, int64_t cols,
               int64_t off, Value row0);
  void waitPhase(KernelBuilder &ib, Value parity);
  SmallVector<Value> iteration(ImplicitLocOpBuilder &ib, Value it,
                               ValueRange state);
  SmallVector<Value> scoreTile(KernelBuilder &mb);
  void storeP(KernelBuilder &mb, ArrayRef<Value> p);
  SmallVector<Value> accumulatePV(KernelBuilder &mb, ArrayRef<Value> acc);

  Value addrOf(KernelBuilder &ib, int64_t elementOffset);
  Value tmaDescriptor(KernelBuilder &ib, int64_t off, int64_t rows,
                      int64_t kstep);
  /// acc + A B (`accumulate`) or A B, with `acc` then unread; B N-major
  /// (imm-trans-b) with `transposeB`.
  Value wgmma(KernelBuilder &ib, Value acc, int64_t n, Value descA, Value descB,
              bool accumulate = true, bool transposeB = false);
  Type accumulatorType(int64_t n);
  void waitWgmma(ImplicitLocOpBuilder &ib);
  void proxyFence(ImplicitLocOpBuilder &ib);

  ImplicitLocOpBuilder &b;
  const AttentionKernelConfig &cfg;
  KernelArgs &a;
  KernelBuilder kb;
  MLIRContext *ctx;
  const int64_t D, Dv, BM, BN, T, eb;
  const SharedLayout layout;

  BlockPlan plan;
  LaneLayout lanes;
  Value kvRow0;
  Value dyn, smem, base; // base: the shared address of `dyn`, as i64
  Value mbar, thread0;
};

} // namespace

void WgmmaKernel::build() {
  plan = planBlock(kb, a, BN);
  lanes = laneLayout(kb, a, plan);
  kvRow0 = firstKeyIndex(kb, a);
  allocateSharedMemory();
  initBarrier();
  loadQ();

  scf::ForOp loop =
      buildTileLoop(kb, plan, MmaLoopState::initial(kb),
                    [&](ImplicitLocOpBuilder &ib, Value it, ValueRange state) {
                      return iteration(ib, it, state);
                    });
  storeMmaRows(kb, a, plan, lanes, loop.getResults());
}

void WgmmaKernel::allocateSharedMemory() {
  dyn = dynamicShared(b);
  smem = sharedView(b, dyn, 0, {layout.total}, cfg.elementType);
  base = arith::IndexCastOp::create(
      b, b.getI64Type(),
      memref::ExtractAlignedPointerAsIndexOp::create(b, dyn));
}

/// One mbarrier (one arrival, thread 0's, plus the bytes) tracks each TMA
/// load; Q is phase 0, kv tile i phase i + 1.
void WgmmaKernel::initBarrier() {
  auto wg = gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
  auto barrierType = nvgpu::MBarrierGroupType::get(ctx, wg, 1);
  mbar = nvgpu::MBarrierCreateOp::create(b, barrierType);
  thread0 = kb.eq(a.tid, kb.c(0));
  nvgpu::MBarrierInitOp::create(b, mbar, kb.c(1), kb.c(0), thread0);
  // The initialisation (a generic-proxy write) must be visible to the TMA
  // unit (the async proxy) before a TMA load completes on the barrier.
  proxyFence(b);
  gpu::BarrierOp::create(b);
}

/// Loads the block's Q rows, consecutive rows of the [B * H * Sq, D] matrix
/// (with flash-decoding: the G heads of the kv head, all queries).
void WgmmaKernel::loadQ() {
  const int64_t H = cfg.numHeads, Hkv = cfg.numKvHeads;
  Value qRow0 =
      cfg.splitKV
          ? kb.mul(kb.add(kb.mul(a.batch, H), kb.mul(a.kvHead, H / Hkv)), a.sq)
          : kb.add(
                kb.mul(kb.add(kb.mul(a.batch, H), plan.row(kb, kb.c(0)).head),
                       a.sq),
                plan.minQ);
  nvgpu::MBarrierArriveExpectTxOp::create(b, mbar, kb.c(BM * D * eb), kb.c(0),
                                          thread0);
  tmaLoad(kb, a.qTensorMap, BM, D, layout.q, qRow0);
  waitPhase(kb, kb.boolean(false));
}

/// Q, K and V arrive by TMA in boxes of rows x 8 elements: box j (columns
/// 8j .. 8j + 7) is a column of core matrices at `off + j * rows * 8`, so
/// the next core matrix along the columns is rows * 16 bytes away and the
/// next 8 rows 128 bytes. The caller expects the bytes on the mbarrier.
void WgmmaKernel::tmaLoad(KernelBuilder &ib, Value tensorMap, int64_t rows,
                          int64_t cols, int64_t off, Value row0) {
  for (int64_t j = 0; j < cols / 8; ++j) {
    Value dst = sharedView(ib.b, dyn, (off + j * rows * 8) * eb, {rows, 8},
                           cfg.elementType);
    nvgpu::TmaAsyncLoadOp::create(ib.b, dst, mbar, tensorMap,
                                  ValueRange{ib.c(j * 8), row0}, ib.c(0),
                                  Value(), thread0);
  }
}

void WgmmaKernel::waitPhase(KernelBuilder &ib, Value parity) {
  nvgpu::MBarrierTryWaitParityOp::create(
      ib.b, mbar, parity, ib.c(kTryWaitSuspendTimeHintNs), ib.c(0));
}

/// One kv tile: K and V by TMA, S = Q K^T, the softmax step, P
/// to shared memory and O = O * alpha + P V. Returns the next loop state.
SmallVector<Value> WgmmaKernel::iteration(ImplicitLocOpBuilder &ib, Value it,
                                          ValueRange state) {
  KernelBuilder mb(ib, cfg);
  Value t0 = mb.mul(mb.add(plan.tileBegin, it), BN);
  // The previous tile's K, V and P are no longer read.
  gpu::BarrierOp::create(ib);
  // K and V rows past Skv belong to the next head (or are zero-filled past
  // the tensor); their scores are masked, so their P is 0.
  Value kvRow = mb.add(kvRow0, t0);
  auto load = [&](KernelBuilder &lkb) {
    tmaLoad(lkb, a.kTensorMap, BN, D, layout.k, kvRow);
    tmaLoad(lkb, a.vTensorMap, BN, Dv, layout.v, kvRow);
  };
  auto compute = [&](ImplicitLocOpBuilder &cib) {
    KernelBuilder cb(cib, cfg);
    SmallVector<Value> x = scoreTile(cb);
    SoftmaxStep step = softmaxTile(cb, a, plan, lanes, t0, x, state);
    storeP(cb, x);
    proxyFence(cib);
    gpu::BarrierOp::create(cib);
    SmallVector<Value> acc =
        accumulatePV(cb, rescaleAccumulators(cb, state, step));
    return MmaLoopState::next(step, acc);
  };
  // Phase it + 1 of the mbarrier: this tile's K and V.
  auto wait = [&] { waitPhase(mb, mb.eq(mb.rem(it, 2), mb.c(0))); };
  if (!affineMaskMod(cfg)) {
    nvgpu::MBarrierArriveExpectTxOp::create(ib, mbar, mb.c(BN * (D + Dv) * eb),
                                            mb.c(0), thread0);
    load(mb);
    wait();
    return compute(ib);
  }
  // A tile that an affine mask_mod hides from the whole block (tileIsEmpty,
  // uniform over the block) is neither loaded nor computed; its phase of
  // the mbarrier completes on the arrival alone, so the parities stay in
  // step.
  Value run = arith::XOrIOp::create(
      ib, tileIsEmpty(mb, t0, BN, plan.minQ, plan.maxQ, a.sq, a.skv),
      mb.boolean(true));
  nvgpu::MBarrierArriveExpectTxOp::create(
      ib, mbar, mb.select(run, mb.c(BN * (D + Dv) * eb), mb.c(0)), mb.c(0),
      thread0);
  scf::IfOp::create(ib, run, [&](OpBuilder &nb, Location loc) {
    ImplicitLocOpBuilder lib(loc, nb);
    KernelBuilder lkb(lib, cfg);
    load(lkb);
    scf::YieldOp::create(lib);
  });
  wait();
  auto guarded = scf::IfOp::create(
      ib, run,
      [&](OpBuilder &nb, Location loc) {
        ImplicitLocOpBuilder cib(loc, nb);
        scf::YieldOp::create(cib, compute(cib));
      },
      [&](OpBuilder &nb, Location loc) {
        scf::YieldOp::create(nb, loc, state);
      });
  return SmallVector<Value>(guarded.getResults());
}

/// S = Q K^T: D / 16 steps of m64n<BN>k16, as this lane's BN / 2 scores.
SmallVector<Value> WgmmaKernel::scoreTile(KernelBuilder &mb) {
  // The first product overwrites the accumulators (scale-d = 0): zeroing
  // them instead would write their registers after wgmma.fence, and ptxas
  // would serialise the wgmmas (warning C7519).
  Value s = LLVM::UndefOp::create(mb.b, accumulatorType(BN));
  NVVM::WgmmaFenceAlignedOp::create(mb.b);
  for (int64_t ks = 0; ks < D / 16; ++ks)
    s = wgmma(mb, s, BN, tmaDescriptor(mb, layout.q, BM, ks),
              tmaDescriptor(mb, layout.k, BN, ks), /*accumulate=*/ks > 0);
  waitWgmma(mb.b);
  SmallVector<Value> x;
  for (int64_t i = 0; i < BN / 2; ++i)
    x.push_back(LLVM::ExtractValueOp::create(mb.b, s, i));
  return x;
}

/// P -> shared memory (rows rA and rA + 8, keys 8 nt + 2t, +1).
void WgmmaKernel::storeP(KernelBuilder &mb, ArrayRef<Value> p) {
  Type elt = cfg.elementType;
  auto pairType = VectorType::get({2}, elt);
  for (int64_t nt = 0; nt < BN / 8; ++nt)
    for (int hh = 0; hh < 2; ++hh) {
      Value row = mb.add(lanes.rA, 8 * hh);
      Value key = mb.add(lanes.t2, nt * 8);
      Value pair = vector::FromElementsOp::create(
          mb.b, pairType,
          ValueRange{mb.fromF32(p[nt * 4 + 2 * hh], elt),
                     mb.fromF32(p[nt * 4 + 2 * hh + 1], elt)});
      vector::StoreOp::create(mb.b, pair, smem,
                              mb.add(coreOffset(mb, row, key, BN), layout.p));
    }
}

/// acc + P V: BN / 16 steps of m64n<Dv>k16 on the accumulators `acc`
/// (vector<4xf32> per 8 columns), which the instruction takes as a struct.
SmallVector<Value> WgmmaKernel::accumulatePV(KernelBuilder &mb,
                                             ArrayRef<Value> acc) {
  ImplicitLocOpBuilder &ib = mb.b;
  const int64_t nOutTiles = Dv / 8;
  Value o = LLVM::UndefOp::create(ib, accumulatorType(Dv));
  for (int64_t dn = 0; dn < nOutTiles; ++dn)
    for (int64_t i = 0; i < 4; ++i)
      o = LLVM::InsertValueOp::create(
          ib, o, vector::ExtractOp::create(ib, acc[dn], ArrayRef<int64_t>{i}),
          ArrayRef<int64_t>{dn * 4 + i});
  // P is a K-major [BM][BN] core-matrix layout, V the TMA boxes (N-major:
  // 8 keys x 8 values per core matrix, the next 8 keys 128 bytes on, the
  // next 8 values BN * 16 bytes on); step kk starts 16 keys (two core
  // matrices, 128 elements) further in both.
  const int64_t sbo = BN / 8 * kCoreMatrixBytes;
  NVVM::WgmmaFenceAlignedOp::create(ib);
  for (int64_t kk = 0; kk < BN / 16; ++kk)
    o = wgmma(mb, o, Dv,
              matrixDescriptor(mb, addrOf(mb, layout.p + kk * 16 * 8),
                               kCoreMatrixBytes, sbo),
              matrixDescriptor(mb, addrOf(mb, layout.v + kk * 16 * 8),
                               kCoreMatrixBytes, BN * 16),
              /*accumulate=*/true, /*transposeB=*/true);
  waitWgmma(ib);
  SmallVector<Value> result;
  auto vec4 = VectorType::get({4}, mb.f32);
  for (int64_t dn = 0; dn < nOutTiles; ++dn) {
    SmallVector<Value, 4> vals;
    for (int64_t i = 0; i < 4; ++i)
      vals.push_back(LLVM::ExtractValueOp::create(ib, o, dn * 4 + i));
    result.push_back(vector::FromElementsOp::create(ib, vec4, vals));
  }
  return result;
}

/// The shared address (i64) of element `elementOffset` of the layout.
Value WgmmaKernel::addrOf(KernelBuilder &ib, int64_t elementOffset) {
  return arith::AddIOp::create(
      ib.b, base,
      arith::ConstantOp::create(ib.b,
                                ib.b.getI64IntegerAttr(elementOffset * eb)));
}

/// The descriptor of k-step `kstep` (boxes 2 kstep and 2 kstep + 1) of a
/// TMA-loaded matrix of `rows` rows at element offset `off`.
Value WgmmaKernel::tmaDescriptor(KernelBuilder &ib, int64_t off, int64_t rows,
                                 int64_t kstep) {
  return matrixDescriptor(ib, addrOf(ib, off + kstep * 2 * rows * 8), rows * 16,
                          kCoreMatrixBytes);
}

Value WgmmaKernel::wgmma(KernelBuilder &ib, Value acc, int64_t n, Value descA,
                         Value descB, bool accumulate, bool transposeB) {
  auto type =
      cfg.elementType.isF16() ? NVVM::WGMMATypes::f16 : NVVM::WGMMATypes::bf16;
  return NVVM::WgmmaMmaAsyncOp::create(
      ib.b, acc.getType(), acc, descA, descB,
      NVVM::MMAShapeAttr::get(ctx, 64, n, 16), type, type,
      NVVM::WGMMATypes::f32,
      accumulate ? NVVM::WGMMAScaleOut::one : NVVM::WGMMAScaleOut::zero,
      NVVM::WGMMAScaleIn::one, NVVM::WGMMAScaleIn::one, NVVM::MMALayout::row,
      transposeB ? NVVM::MMALayout::row : NVVM::MMALayout::col, nullptr);
}

/// The accumulator struct of m64n<n>: n / 2 f32 per thread.
Type WgmmaKernel::accumulatorType(int64_t n) {
  return LLVM::LLVMStructType::getLiteral(ctx,
                                          SmallVector<Type>(n / 2, kb.f32));
}

void WgmmaKernel::waitWgmma(ImplicitLocOpBuilder &ib) {
  NVVM::WgmmaGroupSyncAlignedOp::create(ib);
  NVVM::WgmmaWaitGroupSyncOp::create(ib, ib.getI64IntegerAttr(0));
}

/// Generic-proxy writes (st.shared, cp.async, mbarrier.init) must be
/// visible to the async proxy (wgmma, TMA).
void WgmmaKernel::proxyFence(ImplicitLocOpBuilder &ib) {
  NVVM::FenceProxyOp::create(
      ib, NVVM::ProxyKind::async_shared,
      NVVM::SharedSpaceAttr::get(ctx, NVVM::SharedSpace::shared_cta));
}

void kernels::buildWgmmaBody(ImplicitLocOpBuilder &b,
                             const AttentionKernelConfig &cfg, KernelArgs &a) {
  WgmmaKernel(b, cfg, a).build();
}
