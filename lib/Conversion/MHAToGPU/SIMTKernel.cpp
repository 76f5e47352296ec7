//===- SIMTKernel.cpp - The CUDA-core attention kernel --------------------===//
//
// One thread per query row on CUDA cores, for every element type and head
// dimension: K/V tiles staged by the block in shared memory, the row's q and
// accumulator as f32 vectors, one online-softmax update per key.
//
//===----------------------------------------------------------------------===//

#include "KernelBuilder.h"
#include "ScoreModifiers.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <cmath>

using namespace mlir;
using namespace mlir::mha;
using namespace mlir::mha::kernels;

/// The dynamic shared memory a launch may use without opting in with
/// cuFuncSetAttribute (CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES);
/// the K and V tiles of this kernel stay within it on every chip.
static constexpr int64_t kSharedMemoryWithoutOptIn = 48 * 1024;

/// The most keys per tile.
static constexpr int64_t kMaxBlockN = 32;

int64_t mlir::mha::simtKernelBlockN(Type elementType, int64_t headDim,
                                    int64_t valueDim) {
  int64_t rowBytes = (headDim + valueDim) * byteWidth(elementType);
  int64_t n = kMaxBlockN;
  while (n > 1 && n * rowBytes > kSharedMemoryWithoutOptIn)
    n /= 2;
  return n;
}

int64_t kernels::simtSharedMemoryBytes(const AttentionKernelConfig &cfg) {
  return cfg.blockN * (cfg.headDim + cfg.valueDim) * byteWidth(cfg.elementType);
}

/// The widest vector of at most 16 bytes whose elements divide `width`
/// elements of `elementType`: the unit of the kernel's global accesses, whose
/// offsets are multiples of it (16-byte aligned when width * bytes is a
/// multiple of 16).
static int64_t vectorWidth(Type elementType, int64_t width) {
  int64_t w = 16 / byteWidth(elementType);
  while (width % w != 0)
    w /= 2;
  return w;
}

namespace {

/// The kernel, built in steps that share the thread's row and the block's
/// shared-memory tiles.
class SimtKernel {
public:
  SimtKernel(ImplicitLocOpBuilder &b, const AttentionKernelConfig &cfg,
             KernelArgs &a)
      : b(b), cfg(cfg), a(a), kb(b, cfg), D(cfg.headDim), Dv(cfg.valueDim),
        BN(cfg.blockN), accType(VectorType::get({Dv}, kb.f32)) {}

  void build();

private:
  SmallVector<Value> tileStep(ImplicitLocOpBuilder &ib, Value it,
                              ValueRange state);
  void stageTile(KernelBuilder &ib, Value src, Value dst, int64_t width,
                 Value t0);
  SmallVector<Value> keyStep(KernelBuilder &k2, Value t0, Value j, Value full,
                             ValueRange state);

  ImplicitLocOpBuilder &b;
  const AttentionKernelConfig &cfg;
  KernelArgs &a;
  KernelBuilder kb;
  const int64_t D, Dv, BN;
  const VectorType accType;

  BlockPlan plan;
  RowRef row;
  RowModifiers mods;
  Value rowBegin, rowEnd; // the keys the row sees
  Value qv; // the row's q, f32
  Value kvRow0;
  Value ks, vs; // [BN][D] and [BN][Dv] in shared memory
};

} // namespace

void SimtKernel::build() {
  plan = planBlock(kb, a, BN);
  row = plan.row(kb, a.tid);
  mods = rowModifiers(kb, a, row);
  std::tie(rowBegin, rowEnd) = keyRange(kb, row.q, row.q, a.sq, a.skv);
  Value qRow = queryIndex(kb, a, row);
  int64_t qAlign = vectorWidth(cfg.elementType, D) * byteWidth(cfg.elementType);
  qv = kb.toF32(vector::LoadOp::create(
      b, VectorType::get({D}, cfg.elementType), a.q, kb.mul(qRow, D),
      /*nontemporal=*/false, llvm::Align(qAlign)));
  kvRow0 = firstKeyIndex(kb, a);

  Value dyn = dynamicShared(b);
  ks = sharedView(b, dyn, 0, {BN, D}, cfg.elementType);
  vs = sharedView(b, dyn, BN * D * byteWidth(cfg.elementType), {BN, Dv},
                  cfg.elementType);

  // State: running max, running sum, accumulator.
  Value accInit = kb.splat(accType, 0);
  scf::ForOp tiles =
      buildTileLoop(kb, plan, ValueRange{kb.negInf(), kb.cf(0), accInit},
                    [&](ImplicitLocOpBuilder &ib, Value it, ValueRange state) {
                      return tileStep(ib, it, state);
                    });

  SmallVector<Value> values;
  for (int64_t i = 0; i < Dv; ++i)
    values.push_back(
        vector::ExtractOp::create(b, tiles.getResult(2), ArrayRef<int64_t>{i}));
  Value always = kb.boolean(true);
  Value m = tiles.getResult(0), l = tiles.getResult(1);
  storeRow(kb, a, plan, row, kb.c(0), values, m, l, rowInverse(kb, mods, m, l),
           always,
           llvm::Align(vectorWidth(cfg.splitKV ? kb.f32 : cfg.elementType, Dv) *
                       byteWidth(cfg.splitKV ? kb.f32 : cfg.elementType)));
}

/// One kv tile: stage K and V, then one step per key of the tile that the
/// thread's row sees (causal, window and an affine mask_mod bound the loop,
/// so only a mask operand or a mask_mod of a partial tile is applied per
/// key). A tile that an affine mask_mod hides from the row is not walked,
/// and one hidden from the whole block is not staged.
SmallVector<Value> SimtKernel::tileStep(ImplicitLocOpBuilder &ib, Value it,
                                        ValueRange state) {
  KernelBuilder ikb(ib, cfg);
  Value t0 = ikb.mul(ikb.add(plan.tileBegin, it), BN);
  bool affine = affineMaskMod(cfg).has_value();
  gpu::BarrierOp::create(ib);
  auto stage = [&](KernelBuilder &sb) {
    stageTile(sb, a.k, ks, D, t0);
    stageTile(sb, a.v, vs, Dv, t0);
  };
  if (affine) {
    Value blockEmpty =
        tileIsEmpty(ikb, t0, BN, plan.minQ, plan.maxQ, a.sq, a.skv);
    scf::IfOp::create(ib,
                      arith::XOrIOp::create(ib, blockEmpty, ikb.boolean(true)),
                      [&](OpBuilder &nb, Location loc) {
                        ImplicitLocOpBuilder sib(loc, nb);
                        KernelBuilder skb(sib, cfg);
                        stage(skb);
                        scf::YieldOp::create(sib);
                      });
  } else {
    stage(ikb);
  }
  gpu::BarrierOp::create(ib);
  Value first = ikb.max(ikb.sub(rowBegin, t0), ikb.c(0));
  Value end = ikb.min(ikb.c(BN), ikb.sub(rowEnd, t0));
  Value full;
  if (cfg.mask != MaskKind::None || cfg.maskMod)
    full = tileIsFull(ikb, t0, BN, row.q, row.q, a.sq, a.skv);
  if (affine)
    end = ikb.select(tileIsEmpty(ikb, t0, BN, row.q, row.q, a.sq, a.skv), first,
                     end);
  auto keys = scf::ForOp::create(
      ib, first, end, ikb.c(1), state,
      [&](OpBuilder &kbld, Location kloc, Value j, ValueRange st) {
        ImplicitLocOpBuilder kbb(kloc, kbld);
        KernelBuilder k2(kbb, cfg);
        scf::YieldOp::create(kbb, keyStep(k2, t0, j, full, st));
      });
  return keys.getResults();
}

/// Cooperative, bounds-checked copy of one K or V tile into shared memory,
/// in vectors of vectorWidth elements (16 bytes where the width allows).
void SimtKernel::stageTile(KernelBuilder &ib, Value src, Value dst,
                           int64_t width, Value t0) {
  const int64_t w = vectorWidth(cfg.elementType, width);
  auto vecType = VectorType::get({w}, cfg.elementType);
  Value zero = arith::ConstantOp::create(
      ib.b, DenseElementsAttr::get(vecType, ib.b.getZeroAttr(cfg.elementType)));
  scf::ForOp::create(
      ib.b, a.tid, ib.c(BN * width / w), ib.c(cfg.numThreads()), ValueRange{},
      [&](OpBuilder &nb, Location loc, Value e, ValueRange) {
        ImplicitLocOpBuilder eb(loc, nb);
        KernelBuilder ekb(eb, cfg);
        Value r = ekb.div(e, width / w),
              col = ekb.mul(ekb.rem(e, width / w), w);
        Value key = ekb.add(t0, r);
        Value keyc = ekb.min(key, ekb.sub(a.skv, ekb.c(1)));
        Value off = ekb.add(ekb.mul(ekb.add(kvRow0, keyc), width), col);
        Value x =
            vector::LoadOp::create(eb, vecType, src, off, /*nontemporal=*/false,
                                   llvm::Align(w * byteWidth(cfg.elementType)));
        x = ekb.select(ekb.lt(key, a.skv), x, zero);
        vector::StoreOp::create(eb, x, dst, ValueRange{r, col});
        scf::YieldOp::create(eb);
      });
}

/// The online-softmax update of the row with key t0 + j; `full`: the tile
/// is full for the row (tileIsFull), so no mask is applied.
SmallVector<Value> SimtKernel::keyStep(KernelBuilder &k2, Value t0, Value j,
                                       Value full, ValueRange state) {
  ImplicitLocOpBuilder &kbb = k2.b;
  auto vecD = VectorType::get({D}, cfg.elementType);
  auto vecDv = VectorType::get({Dv}, cfg.elementType);
  Value key = k2.add(t0, j);
  Value kj =
      k2.toF32(vector::LoadOp::create(kbb, vecD, ks, ValueRange{j, k2.c(0)}));
  Value dot = vector::ReductionOp::create(kbb, vector::CombiningKind::ADD,
                                          arith::MulFOp::create(kbb, qv, kj));
  Value x = modifyScore(k2, a, dot, mods, alibiDistance(k2, mods, key), key, 0);
  if (cfg.mask != MaskKind::None || cfg.maskMod) {
    auto masked = scf::IfOp::create(
        kbb, full,
        [&](OpBuilder &nb, Location loc) { scf::YieldOp::create(nb, loc, x); },
        [&](OpBuilder &nb, Location loc) {
          ImplicitLocOpBuilder mib(loc, nb);
          KernelBuilder mkb(mib, cfg);
          scf::YieldOp::create(mib, mkb.maskScore(x, row.q, key, row.head, a));
        });
    x = masked.getResult(0);
  }
  Value m = state[0], l = state[1], acc = state[2];
  Value mNew = k2.fmax(m, x);
  Value base = k2.safeMax(mNew);
  Value alpha = k2.exp2(k2.fsub(m, base));
  Value p = k2.exp2(k2.fsub(x, base));
  Value lNew = k2.fadd(k2.fmul(l, alpha), p);
  Value vj =
      k2.toF32(vector::LoadOp::create(kbb, vecDv, vs, ValueRange{j, k2.c(0)}));
  Value scaled = arith::MulFOp::create(
      kbb, acc, vector::BroadcastOp::create(kbb, accType, alpha));
  Value accNew = vector::FMAOp::create(
      kbb, vector::BroadcastOp::create(kbb, accType, p), vj, scaled);
  return {mNew, lNew, accNew};
}

void kernels::buildSimtBody(ImplicitLocOpBuilder &b,
                            const AttentionKernelConfig &cfg, KernelArgs &a) {
  SimtKernel(b, cfg, a).build();
}
