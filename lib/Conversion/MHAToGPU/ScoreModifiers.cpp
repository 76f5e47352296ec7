//===- ScoreModifiers.cpp - Attention variants in the kernels -------------===//

#include "ScoreModifiers.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include <cmath>

using namespace mlir;
using namespace mlir::mha;
using namespace mlir::mha::kernels;

int64_t kernels::effectiveRightBound(const AttentionKernelConfig &cfg) {
  if (!cfg.causal)
    return cfg.windowRight;
  return cfg.windowRight >= 0 ? std::min<int64_t>(cfg.windowRight, 0) : 0;
}

std::pair<Value, Value> kernels::keyRange(KernelBuilder &kb, Value minQ,
                                          Value maxQ, Value sq, Value skv) {
  const AttentionKernelConfig &cfg = kb.cfg;
  Value shift = kb.sub(skv, sq); // i' = i + shift
  Value begin = kb.c(0), end = skv;
  int64_t right = effectiveRightBound(cfg);
  if (right >= 0)
    end = kb.max(kb.min(kb.add(kb.add(maxQ, shift), right + 1), skv), kb.c(0));
  if (cfg.windowLeft >= 0)
    begin = kb.min(
        kb.max(kb.sub(kb.add(minQ, shift), kb.c(cfg.windowLeft)), kb.c(0)),
        skv);
  return {begin, end};
}

Value kernels::tileIsFull(KernelBuilder &kb, Value t0, int64_t n, Value minQ,
                          Value maxQ, Value sq, Value skv) {
  const AttentionKernelConfig &cfg = kb.cfg;
  if (cfg.mask != MaskKind::None)
    return kb.boolean(false);
  Value shift = kb.sub(skv, sq);
  Value full = kb.le(kb.add(t0, n), skv);
  int64_t right = effectiveRightBound(cfg);
  // The last key is visible to the first query, the first key to the last.
  if (right >= 0)
    full = kb.andI(full,
                   kb.le(kb.add(t0, n - 1), kb.add(kb.add(minQ, shift), right)));
  if (cfg.windowLeft >= 0)
    full = kb.andI(
        full, kb.le(kb.sub(kb.add(maxQ, shift), kb.c(cfg.windowLeft)), t0));
  return full;
}

RowModifiers kernels::rowModifiers(KernelBuilder &kb, const KernelArgs &a,
                                   const RowRef &row) {
  const AttentionKernelConfig &cfg = kb.cfg;
  RowModifiers rm;
  if (cfg.alibi) {
    rm.alignedQ = kb.add(row.q, kb.sub(a.skv, a.sq));
    rm.slope = kb.fmul(memref::LoadOp::create(kb.b, a.alibi, row.head),
                       kb.cf(M_LOG2E));
  }
  // With split-kv the combine kernel adds the sink.
  if (cfg.sinks && !cfg.splitKV)
    rm.sink = kb.fmul(memref::LoadOp::create(kb.b, a.sinks, row.head),
                      kb.cf(M_LOG2E));
  return rm;
}

/// An index as f32 (exact below 2^24, far beyond any sequence length).
static Value indexToF32(KernelBuilder &kb, Value v) {
  Value i32 = arith::IndexCastOp::create(kb.b, kb.b.getI32Type(), v);
  return arith::SIToFPOp::create(kb.b, kb.f32, i32);
}

Value kernels::alibiDistance(KernelBuilder &kb, const RowModifiers &rm,
                             Value key0) {
  if (!rm.slope)
    return Value();
  return indexToF32(kb, kb.sub(key0, rm.alignedQ));
}

/// a * b + c as one fma.rn.f32 (math.fma would become libdevice's
/// __nv_fmaf in convert-gpu-to-nvvm).
static Value fma(KernelBuilder &kb, Value a, Value b, Value c) {
  return LLVM::FMAOp::create(kb.b, a, b, c);
}

Value kernels::modifyScore(KernelBuilder &kb, Value raw, const RowModifiers &rm,
                           Value distance, int64_t offset) {
  const AttentionKernelConfig &cfg = kb.cfg;
  Value x;
  if (cfg.softcap) {
    // c * tanh(s / c) in log2 units, s = scale * raw:
    //   tanh(u) = 1 - 2 / (1 + exp(2u)), so x = c log2(e) (1 - 2 r) with
    //   r = 1 / (1 + exp2(raw * 2 scale log2(e) / c)).
    // One ex2.approx and one approximate reciprocal (no libdevice); both
    // ends saturate (exp2 -> inf gives r = 0, exp2 -> 0 gives r = 1), and the
    // absolute error stays near 1 ulp of c log2(e) (AttentionKernelEmulation
    // softcap cases).
    double c = *cfg.softcap;
    Value e = kb.exp2(kb.fmul(raw, kb.cf(2.0 * cfg.scale * M_LOG2E / c)));
    Value r = arith::DivFOp::create(kb.b, kb.cf(1), kb.fadd(kb.cf(1), e),
                                    arith::FastMathFlags::afn);
    x = fma(kb, r, kb.cf(-2.0 * c * M_LOG2E), kb.cf(c * M_LOG2E));
  } else {
    x = kb.fmul(raw, kb.cf(cfg.scale * M_LOG2E));
  }
  if (rm.slope) {
    Value d = offset ? kb.fadd(distance, kb.cf(double(offset))) : distance;
    x = fma(kb, rm.slope, d, x);
  }
  return x;
}

Value kernels::rowInverse(KernelBuilder &kb, const RowModifiers &rm, Value m,
                          Value l) {
  Value denominator = l;
  if (rm.sink)
    denominator =
        kb.fadd(l, kb.exp2(kb.fsub(rm.sink, kb.safeMax(m))));
  return kb.select(kb.isZero(denominator), kb.cf(0),
                   arith::DivFOp::create(kb.b, kb.cf(1), denominator));
}

void kernels::storeLse(KernelBuilder &kb, const KernelArgs &a,
                       const RowRef &row, Value m, Value l, Value write) {
  const AttentionKernelConfig &cfg = kb.cfg;
  if (!cfg.lse || cfg.splitKV)
    return;
  scf::IfOp::create(
      kb.b, kb.andI(row.valid, write), [&](OpBuilder &nb, Location loc) {
        ImplicitLocOpBuilder ib(loc, nb);
        KernelBuilder lk(ib, cfg);
        Value lse = lk.select(
            lk.isZero(l), lk.negInf(),
            lk.fmul(lk.fadd(m, math::Log2Op::create(ib, l)), lk.cf(M_LN2)));
        memref::StoreOp::create(ib, lse, a.lseOut, queryIndex(lk, a, row));
        scf::YieldOp::create(ib);
      });
}
