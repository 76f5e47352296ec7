//===- WGMMAKernel.cpp - The warpgroup-MMA attention kernel ---------------===//
//
// Warp-specialised (sm_90a, f16/bf16): kWgmmaConsumerWarpgroups consumer
// warpgroups of 64 query rows each and one producer warp. The producer's
// lane 0 TMA-loads Q once and K and V of every kv tile into a ring of
// kWgmmaStages stages; each stage has a full mbarrier (the producer's
// arrive.expect_tx plus the TMA bytes) and an empty one (one arrival per
// consumer thread once its wgmmas no longer read the stage). Use n of a
// stage (kv iteration it = n * kStages + s) waits for parity n % 2 of full[s]
// (consumers) and for parity (n - 1) % 2 of empty[s] (producer, n > 0).
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

/// Shared memory, in elements: Q [BM x D], the ring of kStages K [BN x D]
/// and V [BN x Dv] stages (all in TMA boxes of rows x 8), P [BM x BN] (the
/// 64 rows of each consumer warpgroup after one another).
struct SharedLayout {
  int64_t q, k[kWgmmaStages], v[kWgmmaStages], p, total;

  explicit SharedLayout(const AttentionKernelConfig &cfg) {
    const int64_t BM = cfg.blockM(), BN = cfg.blockN;
    q = 0;
    int64_t end = q + BM * cfg.headDim;
    for (int64_t s = 0; s < kWgmmaStages; ++s) {
      k[s] = end;
      v[s] = k[s] + BN * cfg.headDim;
      end = v[s] + cfg.valueDim * BN;
    }
    p = end;
    total = p + BM * BN;
  }
  /// Elements from one stage to the next.
  int64_t stageStride() const { return k[kWgmmaStages > 1 ? 1 : 0] - k[0]; }
};

/// The mbarriers of the kernel, one group: Q's, then full[s] (the producer's
/// arrive.expect_tx plus the TMA bytes of stage s) and empty[s] (one
/// arrival per consumer thread once its wgmmas no longer read stage s).
constexpr int64_t kQBarrier = 0;
constexpr int64_t fullBarrier(int64_t s) { return 1 + s; }
constexpr int64_t emptyBarrier(int64_t s) { return 1 + kWgmmaStages + s; }
constexpr int64_t kNumBarriers = 1 + 2 * kWgmmaStages;

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

/// The kernel, built in steps that share the block's plan, shared memory
/// and mbarriers. Threads [0, 128 * NC) are the NC consumer warpgroups,
/// the warp after them the producer, whose lane 0 issues every TMA load.
class WgmmaKernel {
public:
  WgmmaKernel(ImplicitLocOpBuilder &b, const AttentionKernelConfig &cfg,
              KernelArgs &a)
      : b(b), cfg(cfg), a(a), kb(b, cfg), ctx(b.getContext()), D(cfg.headDim),
        Dv(cfg.valueDim), BM(cfg.blockM()), BN(cfg.blockN),
        eb(byteWidth(cfg.elementType)), layout(cfg) {}

  void build();

private:
  void allocateSharedMemory();
  void initBarriers();
  void produce(KernelBuilder &pb);
  void consume(KernelBuilder &cb);
  void waitFull(KernelBuilder &ib, Value it);
  Value kOffset(KernelBuilder &ib, Value it);
  Value vOffset(KernelBuilder &ib, Value it);
  void tmaLoad(KernelBuilder &ib, Value tensorMap, int64_t rows, int64_t cols,
               Value off, Value row0, int64_t barrier, Value stage);
  void waitPhase(KernelBuilder &ib, Value barrier, Value parity);
  SmallVector<Value> iteration(ImplicitLocOpBuilder &ib, Value it,
                               ValueRange state);
  Value issueScores(KernelBuilder &mb, Value kOff);
  void storeP(KernelBuilder &mb, ArrayRef<Value> p);
  Value issuePV(KernelBuilder &mb, Value o, Value vOff);
  void warpgroupBarrier(KernelBuilder &mb);

  Value addrOf(KernelBuilder &ib, int64_t elementOffset);
  Value addrOf(KernelBuilder &ib, Value elementOffset);
  Value tmaDescriptor(KernelBuilder &ib, Value off, int64_t rows,
                      int64_t kstep);
  /// acc + A B (`accumulate`) or A B, with `acc` then unread; B N-major
  /// (imm-trans-b) with `transposeB`.
  Value wgmma(KernelBuilder &ib, Value acc, int64_t n, Value descA, Value descB,
              bool accumulate = true, bool transposeB = false);
  Type accumulatorType(int64_t n);
  /// wgmma.wait_group `pending`: all but the `pending` most recent commit
  /// groups of the warpgroup are complete.
  void waitWgmma(ImplicitLocOpBuilder &ib, int64_t pending);
  void proxyFence(ImplicitLocOpBuilder &ib);
  /// Stage of kv iteration `it` and the parity of its use of the stage.
  Value stageOf(KernelBuilder &ib, Value it) {
    return ib.rem(it, kWgmmaStages);
  }
  Value useParity(KernelBuilder &ib, Value it, int64_t minus = 0) {
    return ib.eq(ib.rem(ib.add(ib.div(it, kWgmmaStages), minus), 2), ib.c(1));
  }

  ImplicitLocOpBuilder &b;
  const AttentionKernelConfig &cfg;
  KernelArgs &a;
  KernelBuilder kb;
  MLIRContext *ctx;
  const int64_t D, Dv, BM, BN, eb;
  const SharedLayout layout;

  BlockPlan plan;
  LaneLayout lanes;
  Value kvRow0;
  Value dyn, base; // base: the shared address of `dyn`, as i64
  Value smem;      // the elements of the layout
  Value mbar;
  Value warpgroup; // of a consumer thread
};

} // namespace

void WgmmaKernel::build() {
  plan = planBlock(kb, a, BN);
  kvRow0 = firstKeyIndex(kb, a);
  allocateSharedMemory();
  initBarriers();
  Value consumer = kb.lt(a.tid, kb.c(128 * kWgmmaConsumerWarpgroups));
  scf::IfOp::create(
      b, consumer,
      [&](OpBuilder &nb, Location loc) {
        ImplicitLocOpBuilder ib(loc, nb);
        KernelBuilder cb(ib, cfg);
        consume(cb);
        scf::YieldOp::create(ib);
      },
      [&](OpBuilder &nb, Location loc) {
        ImplicitLocOpBuilder ib(loc, nb);
        KernelBuilder pb(ib, cfg);
        Value leader = pb.eq(a.tid, pb.c(128 * kWgmmaConsumerWarpgroups));
        scf::IfOp::create(ib, leader, [&](OpBuilder &lb, Location lloc) {
          ImplicitLocOpBuilder lib(lloc, lb);
          KernelBuilder lkb(lib, cfg);
          produce(lkb);
          scf::YieldOp::create(lib);
        });
        scf::YieldOp::create(ib);
      });
}

void WgmmaKernel::allocateSharedMemory() {
  dyn = dynamicShared(b);
  smem = sharedView(b, dyn, 0, {layout.total}, cfg.elementType);
  base = arith::IndexCastOp::create(
      b, b.getI64Type(),
      memref::ExtractAlignedPointerAsIndexOp::create(b, dyn));
}

/// Thread 0 initialises the barriers (kNumBarriers, see above); a full
/// barrier expects the producer's one arrival, an empty barrier one per
/// consumer thread.
void WgmmaKernel::initBarriers() {
  auto wg = gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
  auto barrierType = nvgpu::MBarrierGroupType::get(ctx, wg, kNumBarriers);
  mbar = nvgpu::MBarrierCreateOp::create(b, barrierType);
  Value thread0 = kb.eq(a.tid, kb.c(0));
  for (int64_t i = 0; i < kNumBarriers; ++i) {
    bool empty = i >= emptyBarrier(0);
    nvgpu::MBarrierInitOp::create(
        b, mbar, kb.c(empty ? 128 * kWgmmaConsumerWarpgroups : 1), kb.c(i),
        thread0);
  }
  // The initialisation (a generic-proxy write) must be visible to the TMA
  // unit (the async proxy) before a TMA load completes on a barrier.
  proxyFence(b);
  gpu::BarrierOp::create(b);
}

/// The producer (one thread): Q, then K and V of kv iteration `it` into
/// stage it % kStages once the consumers released the stage's previous use
/// (iteration it - kStages), by waiting on its empty barrier.
void WgmmaKernel::produce(KernelBuilder &pb) {
  const int64_t H = cfg.numHeads, Hkv = cfg.numKvHeads;
  Value qRow0 =
      cfg.splitKV
          ? pb.mul(pb.add(pb.mul(a.batch, H), pb.mul(a.kvHead, H / Hkv)), a.sq)
          : pb.add(
                pb.mul(pb.add(pb.mul(a.batch, H), plan.row(pb, pb.c(0)).head),
                       a.sq),
                plan.minQ);
  nvgpu::MBarrierArriveExpectTxOp::create(pb.b, mbar, pb.c(BM * D * eb),
                                          pb.c(kQBarrier), Value());
  tmaLoad(pb, a.qTensorMap, BM, D, pb.c(layout.q), qRow0, kQBarrier, Value());

  scf::ForOp::create(pb.b, pb.c(0), plan.tileCount, pb.c(1), ValueRange{},
                     [&](OpBuilder &nb, Location loc, Value it, ValueRange) {
                       ImplicitLocOpBuilder ib(loc, nb);
                       KernelBuilder mb(ib, cfg);
                       Value stage = stageOf(mb, it);
                       // Use n = it / kStages of the stage waits for the
                       // consumers' release of use n - 1: the phase of parity
                       // (n - 1) % 2 of its empty barrier.
                       Value reused = mb.le(mb.c(kWgmmaStages), it);
                       scf::IfOp::create(
                           ib, reused, [&](OpBuilder &wb, Location wl) {
                             ImplicitLocOpBuilder wib(wl, wb);
                             KernelBuilder wkb(wib, cfg);
                             waitPhase(wkb, wkb.add(stage, emptyBarrier(0)),
                                       useParity(wkb, it, /*minus=*/1));
                             scf::YieldOp::create(wib);
                           });
                       Value t0 = mb.mul(mb.add(plan.tileBegin, it), BN);
                       // K and V rows past Skv belong to the next head (or are
                       // zero-filled past the tensor); their scores are masked,
                       // so their P is 0.
                       Value kvRow = mb.add(kvRow0, t0);
                       Value full = mb.add(stage, fullBarrier(0));
                       nvgpu::MBarrierArriveExpectTxOp::create(
                           ib, mbar, mb.c(BN * (D + Dv) * eb), full, Value());
                       Value stageOff = mb.mul(stage, layout.stageStride());
                       tmaLoad(mb, a.kTensorMap, BN, D,
                               mb.add(stageOff, layout.k[0]), kvRow, 0, full);
                       tmaLoad(mb, a.vTensorMap, BN, Dv,
                               mb.add(stageOff, layout.v[0]), kvRow, 0, full);
                       scf::YieldOp::create(ib);
                     });
}

/// A consumer warpgroup: waits for Q, then runs the online softmax over the
/// kv tiles as the ring delivers them, and writes its 64 rows. S = Q K^T of
/// a tile is issued one iteration ahead, so that the softmax of tile it
/// runs while the tensor cores compute the scores of tile it + 1:
///   iteration it: wait full(it + 1); issue S(it + 1); softmax(S(it));
///   P(it) to shared memory; issue O += P(it) V(it); wgmma.wait_group 0;
///   arrive empty(it).
/// No wgmma is in flight across the loop's back edge: carrying a pending
/// accumulator through the loop's phi copies made ptxas serialise the
/// wgmmas (C7514).
void WgmmaKernel::consume(KernelBuilder &cb) {
  ImplicitLocOpBuilder &ib = cb.b;
  lanes = laneLayout(cb, a, plan);
  warpgroup = cb.div(a.tid, 128);
  waitPhase(cb, cb.c(kQBarrier), cb.boolean(false));
  Value n = plan.tileCount;
  // Prologue: S(0). Without tiles its stage is never loaded: the wgmmas
  // then read stale bytes whose scores the empty loop never uses.
  Value any = cb.lt(cb.c(0), n);
  scf::IfOp::create(ib, any, [&](OpBuilder &nb, Location loc) {
    ImplicitLocOpBuilder wib(loc, nb);
    KernelBuilder wkb(wib, cfg);
    waitFull(wkb, wkb.c(0));
    scf::YieldOp::create(wib);
  });
  Value s0 = issueScores(cb, kOffset(cb, cb.c(0)));
  waitWgmma(ib, 0);
  // O starts at zero (written before any wgmma.fence).
  Value o0 = LLVM::UndefOp::create(ib, accumulatorType(Dv));
  for (int64_t i = 0; i < Dv / 2; ++i)
    o0 = LLVM::InsertValueOp::create(ib, o0, cb.cf(0), ArrayRef<int64_t>{i});
  SmallVector<Value> init = {cb.negInf(), cb.negInf(), cb.cf(0),
                             cb.cf(0),    o0,          s0};
  auto loop = scf::ForOp::create(
      ib, cb.c(0), n, cb.c(1), init,
      [&](OpBuilder &nb, Location loc, Value it, ValueRange state) {
        ImplicitLocOpBuilder lib(loc, nb);
        scf::YieldOp::create(lib, iteration(lib, it, state));
      });
  // The epilogue takes the mma.sync accumulator layout: vector<4xf32> per
  // 8 output columns.
  SmallVector<Value> results(loop.getResults().take_front(4));
  Value o = loop.getResult(4);
  auto vec4 = VectorType::get({4}, cb.f32);
  for (int64_t dn = 0; dn < Dv / 8; ++dn) {
    SmallVector<Value, 4> vals;
    for (int64_t i = 0; i < 4; ++i)
      vals.push_back(LLVM::ExtractValueOp::create(ib, o, dn * 4 + i));
    results.push_back(vector::FromElementsOp::create(ib, vec4, vals));
  }
  storeMmaRows(cb, a, plan, lanes, results);
}

/// Q, K and V arrive by TMA in boxes of rows x 8 elements: box j (columns
/// 8j .. 8j + 7) is a column of core matrices at `off + j * rows * 8`, so
/// the next core matrix along the columns is rows * 16 bytes away and the
/// next 8 rows 128 bytes. The loads complete on barrier `barrier`, or
/// `dynBarrier` when given; the caller expects their bytes on it.
void WgmmaKernel::tmaLoad(KernelBuilder &ib, Value tensorMap, int64_t rows,
                          int64_t cols, Value off, Value row0, int64_t barrier,
                          Value dynBarrier) {
  auto wg = gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
  auto boxType = MemRefType::get({rows, 8}, cfg.elementType,
                                 MemRefLayoutAttrInterface{}, wg);
  Value id = dynBarrier ? dynBarrier : ib.c(barrier);
  for (int64_t j = 0; j < cols / 8; ++j) {
    Value byteOff = ib.mul(ib.add(off, j * rows * 8), eb);
    Value dst =
        memref::ViewOp::create(ib.b, boxType, dyn, byteOff, ValueRange{});
    nvgpu::TmaAsyncLoadOp::create(ib.b, dst, mbar, tensorMap,
                                  ValueRange{ib.c(j * 8), row0}, id, Value(),
                                  Value());
  }
}

void WgmmaKernel::waitPhase(KernelBuilder &ib, Value barrier, Value parity) {
  nvgpu::MBarrierTryWaitParityOp::create(
      ib.b, mbar, parity, ib.c(kTryWaitSuspendTimeHintNs), barrier);
}

/// Waits until the stage of kv iteration `it` holds its K and V: use
/// it / kStages of the stage, phase parity (it / kStages) % 2 of its full
/// barrier.
void WgmmaKernel::waitFull(KernelBuilder &ib, Value it) {
  waitPhase(ib, ib.add(stageOf(ib, it), fullBarrier(0)), useParity(ib, it));
}

Value WgmmaKernel::kOffset(KernelBuilder &ib, Value it) {
  return ib.add(ib.mul(stageOf(ib, it), layout.stageStride()), layout.k[0]);
}

Value WgmmaKernel::vOffset(KernelBuilder &ib, Value it) {
  return ib.add(ib.mul(stageOf(ib, it), layout.stageStride()), layout.v[0]);
}

/// Iteration `it` of a consumer warpgroup (see consume) on the state (m,
/// m', l, l' of the lane's rows, the O accumulators, S(it)); returns the
/// next state.
SmallVector<Value> WgmmaKernel::iteration(ImplicitLocOpBuilder &ib, Value it,
                                          ValueRange state) {
  KernelBuilder mb(ib, cfg);
  Value t0 = mb.mul(mb.add(plan.tileBegin, it), BN);
  Value n = plan.tileCount;
  // S(it + 1); the last iteration recomputes S(it) from its own stage
  // (unused), so that every iteration issues the same wgmmas.
  Value next = mb.add(it, 1);
  Value hasNext = mb.lt(next, n);
  scf::IfOp::create(ib, hasNext, [&](OpBuilder &nb, Location loc) {
    ImplicitLocOpBuilder wib(loc, nb);
    KernelBuilder wkb(wib, cfg);
    waitFull(wkb, next);
    scf::YieldOp::create(wib);
  });
  Value sNext = issueScores(mb, kOffset(mb, mb.select(hasNext, next, it)));

  SmallVector<Value> x;
  for (int64_t i = 0; i < BN / 2; ++i)
    x.push_back(LLVM::ExtractValueOp::create(ib, state[5], i));
  SoftmaxStep step = softmaxTile(mb, a, plan, lanes, t0, x, state);
  storeP(mb, x);
  proxyFence(ib);
  warpgroupBarrier(mb);

  // O * alpha of its row (elements 0, 1 of each 4: row g, 2, 3: g + 8).
  Value o = state[4];
  for (int64_t i = 0; i < Dv / 2; ++i) {
    Value v = LLVM::ExtractValueOp::create(ib, o, i);
    o = LLVM::InsertValueOp::create(ib, o, mb.fmul(v, step.alpha[(i % 4) / 2]),
                                    ArrayRef<int64_t>{i});
  }
  o = issuePV(mb, o, vOffset(mb, it));
  // S(it + 1) and O are complete, and no wgmma reads the stage of tile it.
  waitWgmma(ib, 0);
  nvgpu::MBarrierArriveOp::create(ib, nvgpu::MBarrierTokenType::get(ctx), mbar,
                                  mb.add(stageOf(mb, it), emptyBarrier(0)));
  return {step.m[0], step.m[1], step.l[0], step.l[1], o, sNext};
}

/// bar.sync 1 + warpgroup, 128: the warpgroup's P stores before its wgmmas
/// read P (the producer warp and the other warpgroups do not take part).
/// Each warpgroup's id is a constant, so that ptxas counts the kernel's
/// barriers (with a register id it assumes all 16).
void WgmmaKernel::warpgroupBarrier(KernelBuilder &mb) {
  for (int64_t g = 0; g < kWgmmaConsumerWarpgroups; ++g) {
    scf::IfOp::create(
        mb.b, mb.eq(warpgroup, mb.c(g)), [&](OpBuilder &nb, Location loc) {
          ImplicitLocOpBuilder ib(loc, nb);
          Value id = arith::ConstantOp::create(ib, ib.getI32IntegerAttr(1 + g));
          Value n = arith::ConstantOp::create(ib, ib.getI32IntegerAttr(128));
          NVVM::BarrierOp::create(ib, Type(), id, n, nullptr, Value());
          scf::YieldOp::create(ib);
        });
  }
}

/// Issues S = Q K^T, D / 16 steps of m64n<BN>k16 as one commit group, K
/// being the stage at element offset `kOff`; the result (this lane's BN / 2
/// scores) is valid after a wgmma.wait_group that covers the group.
Value WgmmaKernel::issueScores(KernelBuilder &mb, Value kOff) {
  // The first product overwrites the accumulators (scale-d = 0): zeroing
  // them instead would write their registers after wgmma.fence, and ptxas
  // would serialise the wgmmas (warning C7519).
  Value s = LLVM::UndefOp::create(mb.b, accumulatorType(BN));
  // This warpgroup's 64 rows of the Q boxes.
  Value qOff = mb.add(mb.mul(warpgroup, 64 * 8), layout.q);
  NVVM::WgmmaFenceAlignedOp::create(mb.b);
  for (int64_t ks = 0; ks < D / 16; ++ks)
    s = wgmma(mb, s, BN, tmaDescriptor(mb, qOff, BM, ks),
              tmaDescriptor(mb, kOff, BN, ks), /*accumulate=*/ks > 0);
  NVVM::WgmmaGroupSyncAlignedOp::create(mb.b);
  return s;
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

/// Issues O += P V, BN / 16 steps of m64n<Dv>k16 on the accumulators `o`
/// as one commit group, V being the stage at element offset `vOff`.
Value WgmmaKernel::issuePV(KernelBuilder &mb, Value o, Value vOff) {
  ImplicitLocOpBuilder &ib = mb.b;
  // P is a K-major [BM][BN] core-matrix layout, V the TMA boxes (N-major:
  // 8 keys x 8 values per core matrix, the next 8 keys 128 bytes on, the
  // next 8 values BN * 16 bytes on); step kk starts 16 keys (two core
  // matrices, 128 elements) further in both.
  const int64_t sbo = BN / 8 * kCoreMatrixBytes;
  // This warpgroup's 64 rows of P.
  Value pOff = mb.add(mb.mul(warpgroup, 64 * BN), layout.p);
  NVVM::WgmmaFenceAlignedOp::create(ib);
  for (int64_t kk = 0; kk < BN / 16; ++kk)
    o = wgmma(mb, o, Dv,
              matrixDescriptor(mb, addrOf(mb, mb.add(pOff, kk * 16 * 8)),
                               kCoreMatrixBytes, sbo),
              matrixDescriptor(mb, addrOf(mb, mb.add(vOff, kk * 16 * 8)),
                               kCoreMatrixBytes, BN * 16),
              /*accumulate=*/true, /*transposeB=*/true);
  NVVM::WgmmaGroupSyncAlignedOp::create(ib);
  return o;
}

/// The shared address (i64) of element `elementOffset` of the layout.
Value WgmmaKernel::addrOf(KernelBuilder &ib, int64_t elementOffset) {
  return arith::AddIOp::create(
      ib.b, base,
      arith::ConstantOp::create(ib.b,
                                ib.b.getI64IntegerAttr(elementOffset * eb)));
}

Value WgmmaKernel::addrOf(KernelBuilder &ib, Value elementOffset) {
  Value bytes = arith::IndexCastOp::create(ib.b, ib.b.getI64Type(),
                                           ib.mul(elementOffset, eb));
  return arith::AddIOp::create(ib.b, base, bytes);
}

/// The descriptor of k-step `kstep` (boxes 2 kstep and 2 kstep + 1) of a
/// TMA-loaded matrix whose boxes have `rows` rows, from element offset
/// `off`.
Value WgmmaKernel::tmaDescriptor(KernelBuilder &ib, Value off, int64_t rows,
                                 int64_t kstep) {
  return matrixDescriptor(ib, addrOf(ib, ib.add(off, kstep * 2 * rows * 8)),
                          rows * 16, kCoreMatrixBytes);
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

void WgmmaKernel::waitWgmma(ImplicitLocOpBuilder &ib, int64_t pending) {
  NVVM::WgmmaWaitGroupSyncOp::create(ib, ib.getI64IntegerAttr(pending));
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
