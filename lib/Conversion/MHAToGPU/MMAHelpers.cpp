//===- MMAHelpers.cpp - Shared by the tensor-core kernels -----------------===//

#include "MMAHelpers.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <cmath>

using namespace mlir;
using namespace mlir::mha;
using namespace mlir::mha::kernels;

bool mlir::mha::mmaKernelSupports(Type elementType, int64_t headDim,
                                  int64_t valueDim) {
  return (elementType.isF16() || elementType.isBF16()) && headDim % 16 == 0 &&
         valueDim % 16 == 0 && headDim <= 128 && valueDim <= 128;
}

LaneLayout kernels::laneLayout(KernelBuilder &kb, KernelArgs &a,
                               const BlockPlan &plan) {
  LaneLayout l;
  Value lane = kb.rem(a.tid, 32), warp = kb.div(a.tid, 32);
  l.g = kb.div(lane, 4);
  l.t = kb.rem(lane, 4);
  l.t2 = kb.mul(l.t, 2);
  l.rA = kb.add(kb.mul(warp, 16), l.g);
  l.rows[0] = plan.row(kb, l.rA);
  l.rows[1] = plan.row(kb, kb.add(l.rA, 8));
  for (int hh = 0; hh < 2; ++hh)
    l.mods[hh] = rowModifiers(kb, a, l.rows[hh]);
  if (kb.cfg.splitKV) {
    l.minQ = plan.minQ;
    l.maxQ = plan.maxQ;
  } else {
    Value warpRow0 = kb.mul(warp, 16);
    l.minQ = plan.row(kb, warpRow0).q;
    l.maxQ = plan.row(kb, kb.add(warpRow0, 15)).q;
  }
  return l;
}

Value kernels::quadReduce(KernelBuilder &kb, Value x, bool isMax) {
  for (int32_t off : {1, 2}) {
    Value other =
        gpu::ShuffleOp::create(kb.b, x, off, 32, gpu::ShuffleMode::XOR)
            .getShuffleResult();
    x = isMax ? kb.fmax(x, other) : kb.fadd(x, other);
  }
  return x;
}

SmallVector<Value> MmaLoopState::initial(KernelBuilder &kb) {
  Value zero4 = kb.splat(VectorType::get({4}, kb.f32), 0);
  SmallVector<Value> init = {kb.negInf(), kb.negInf(), kb.cf(0), kb.cf(0)};
  init.append(kb.cfg.valueDim / 8, zero4);
  return init;
}

SmallVector<Value> MmaLoopState::next(const SoftmaxStep &step, ValueRange acc) {
  SmallVector<Value> state = {step.m[0], step.m[1], step.l[0], step.l[1]};
  state.append(acc.begin(), acc.end());
  return state;
}

/// Applies maskScore to the scores `x` of a tile (keys from `t0`) where the
/// tile is partial for the warp's rows: past Skv, across the causal diagonal
/// or a window edge, or with a mask operand. Full tiles pay one uniform
/// branch.
static void maskTile(KernelBuilder &kb, KernelArgs &a, const LaneLayout &lanes,
                     Value t0, SmallVectorImpl<Value> &x,
                     ArrayRef<Value> visible) {
  const AttentionKernelConfig &cfg = kb.cfg;
  const int64_t BN = cfg.blockN;
  Value full = tileIsFull(kb, t0, BN, lanes.minQ, lanes.maxQ, a.sq, a.skv);
  Value needsMask =
      arith::XOrIOp::create(kb.b, full, kb.boolean(true)).getResult();
  auto masked = scf::IfOp::create(
      kb.b, needsMask,
      [&](OpBuilder &tb, Location tl) {
        ImplicitLocOpBuilder tib(tl, tb);
        KernelBuilder tkb(tib, cfg);
        SmallVector<Value> y;
        for (int64_t nt = 0; nt < BN / 8; ++nt)
          for (int64_t i = 0; i < 4; ++i) {
            const RowRef &row = lanes.rows[i < 2 ? 0 : 1];
            Value key = tkb.add(tkb.add(t0, lanes.t2), nt * 8 + (i & 1));
            y.push_back(
                tkb.maskScore(x[nt * 4 + i], row.q, key, row.head, a,
                              visible.empty() ? Value() : visible[nt * 4 + i]));
          }
        scf::YieldOp::create(tib, y);
      },
      [&](OpBuilder &eb, Location el) { scf::YieldOp::create(eb, el, x); });
  x.assign(masked.getResults().begin(), masked.getResults().end());
}

SoftmaxStep kernels::softmaxTile(KernelBuilder &kb, KernelArgs &a,
                                 const BlockPlan &plan, const LaneLayout &lanes,
                                 Value t0, SmallVectorImpl<Value> &x,
                                 ValueRange state, ArrayRef<Value> visible) {
  const int64_t nKeyTiles = kb.cfg.blockN / 8;
  // Element (nt, i) is key t0 + 2t + 8 nt + (i & 1) of row i < 2 ? g : g + 8.
  Value key0 = kb.add(t0, lanes.t2);
  Value distance[2] = {alibiDistance(kb, lanes.mods[0], key0),
                       alibiDistance(kb, lanes.mods[1], key0)};
  for (int64_t nt = 0; nt < nKeyTiles; ++nt)
    for (int64_t i = 0; i < 4; ++i) {
      int hh = i < 2 ? 0 : 1;
      x[nt * 4 + i] = modifyScore(kb, a, x[nt * 4 + i], lanes.mods[hh],
                                  distance[hh], key0, nt * 8 + (i & 1));
    }
  maskTile(kb, a, lanes, t0, x, visible);

  SoftmaxStep step;
  for (int hh = 0; hh < 2; ++hh) {
    Value mOld = MmaLoopState::max(state, hh);
    Value mx = mOld;
    for (int64_t nt = 0; nt < nKeyTiles; ++nt)
      for (int64_t i = 2 * hh; i < 2 * hh + 2; ++i)
        mx = kb.fmax(mx, x[nt * 4 + i]);
    step.m[hh] = quadReduce(kb, mx, /*isMax=*/true);
    Value base = kb.safeMax(step.m[hh]);
    step.alpha[hh] = kb.exp2(kb.fsub(mOld, base));
    Value sum = kb.fmul(MmaLoopState::sum(state, hh), step.alpha[hh]);
    for (int64_t nt = 0; nt < nKeyTiles; ++nt)
      for (int64_t i = 2 * hh; i < 2 * hh + 2; ++i) {
        x[nt * 4 + i] = kb.exp2(kb.fsub(x[nt * 4 + i], base));
        sum = kb.fadd(sum, x[nt * 4 + i]);
      }
    step.l[hh] = sum; // this lane's partial row sum
  }
  return step;
}

SmallVector<Value> kernels::tileVisibility(KernelBuilder &kb, KernelArgs &a,
                                           const LaneLayout &lanes, Value t0) {
  SmallVector<Value> bits;
  for (int64_t nt = 0; nt < kb.cfg.blockN / 8; ++nt)
    for (int64_t i = 0; i < 4; ++i) {
      const RowRef &row = lanes.rows[i < 2 ? 0 : 1];
      Value key = kb.add(kb.add(t0, lanes.t2), nt * 8 + (i & 1));
      bits.push_back(kb.keyVisible(row.q, key, row.head, a));
    }
  return bits;
}

Value kernels::warpAny(KernelBuilder &kb, ArrayRef<Value> bits) {
  Value any = bits.front();
  for (Value bit : bits.drop_front())
    any = arith::OrIOp::create(kb.b, any, bit);
  Value word = arith::ExtUIOp::create(kb.b, kb.b.getI32Type(), any).getResult();
  for (int32_t off : {1, 2, 4, 8, 16}) {
    Value other =
        gpu::ShuffleOp::create(kb.b, word, off, 32, gpu::ShuffleMode::XOR)
            .getShuffleResult();
    word = arith::OrIOp::create(kb.b, word, other);
  }
  return arith::CmpIOp::create(
      kb.b, arith::CmpIPredicate::ne, word,
      arith::ConstantOp::create(kb.b, kb.b.getI32IntegerAttr(0)));
}

SmallVector<Value> kernels::rescaleAccumulators(KernelBuilder &kb,
                                                ValueRange state,
                                                const SoftmaxStep &step) {
  Value alphaVec = vector::FromElementsOp::create(
      kb.b, VectorType::get({4}, kb.f32),
      ValueRange{step.alpha[0], step.alpha[0], step.alpha[1], step.alpha[1]});
  SmallVector<Value> acc;
  for (int64_t dn = 0; dn < kb.cfg.valueDim / 8; ++dn)
    acc.push_back(
        arith::MulFOp::create(kb.b, MmaLoopState::acc(state, dn), alphaVec));
  return acc;
}

void kernels::storeMmaRows(KernelBuilder &kb, KernelArgs &a,
                           const BlockPlan &plan, const LaneLayout &lanes,
                           ValueRange results) {
  ImplicitLocOpBuilder &b = kb.b;
  const int64_t nOutTiles = kb.cfg.valueDim / 8;
  Value firstOfQuad = kb.eq(lanes.t, kb.c(0));
  for (int hh = 0; hh < 2; ++hh) {
    Value l = quadReduce(kb, MmaLoopState::sum(results, hh), /*isMax=*/false);
    Value m = MmaLoopState::max(results, hh);
    Value inv = rowInverse(kb, lanes.mods[hh], m, l);
    for (int64_t dn = 0; dn < nOutTiles; ++dn) {
      Value acc = MmaLoopState::acc(results, dn);
      SmallVector<Value, 2> vals;
      for (int64_t i = 0; i < 2; ++i)
        vals.push_back(
            vector::ExtractOp::create(b, acc, ArrayRef<int64_t>{2 * hh + i}));
      Value writeLse = dn == 0 ? firstOfQuad : kb.boolean(false);
      storeRow(kb, a, plan, lanes.rows[hh], kb.add(lanes.t2, dn * 8), vals, m,
               l, inv, writeLse);
    }
  }
}
