//===- ScoreModifiers.cpp - Attention variants in the kernels -------------===//

#include "ScoreModifiers.h"

#include "mha/Dialect/MHA/IR/MHAOps.h"
#include "mha/Dialect/MHA/Utils/MaskModAnalysis.h"
#include "mha/Dialect/MHA/Utils/Modifiers.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

using namespace mlir;
using namespace mlir::mha;
using namespace mlir::mha::kernels;

int64_t kernels::effectiveRightBound(const AttentionKernelConfig &cfg) {
  if (!cfg.causal)
    return cfg.windowRight;
  return cfg.windowRight >= 0 ? std::min<int64_t>(cfg.windowRight, 0) : 0;
}

std::optional<MaskFormula>
kernels::affineMaskMod(const AttentionKernelConfig &cfg) {
  if (!cfg.maskMod)
    return std::nullopt;
  return analyzeMaskMod(cast<AttentionOp>(cfg.modifiers)).formula;
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
  // An affine mask_mod bounds the keys of the queries too (on the raw
  // indices: the region sees q_idx, not i').
  if (std::optional<MaskFormula> f = affineMaskMod(cfg)) {
    auto [lo, hi] = kvRangeOf(kb.b, kb.b.getLoc(), *f, minQ, maxQ);
    if (lo)
      begin = kb.min(kb.max(begin, lo), skv);
    if (hi)
      end = kb.max(kb.min(end, hi), kb.c(0));
  }
  return {begin, end};
}

Value kernels::tileIsFull(KernelBuilder &kb, Value t0, int64_t n, Value minQ,
                          Value maxQ, Value sq, Value skv) {
  const AttentionKernelConfig &cfg = kb.cfg;
  std::optional<MaskFormula> f = affineMaskMod(cfg);
  if (cfg.mask != MaskKind::None || (cfg.maskMod && !f))
    return kb.boolean(false);
  Value shift = kb.sub(skv, sq);
  Value full = kb.le(kb.add(t0, n), skv);
  int64_t right = effectiveRightBound(cfg);
  // The last key is visible to the first query, the first key to the last.
  if (right >= 0)
    full = kb.andI(
        full, kb.le(kb.add(t0, n - 1), kb.add(kb.add(minQ, shift), right)));
  if (cfg.windowLeft >= 0)
    full = kb.andI(
        full, kb.le(kb.sub(kb.add(maxQ, shift), kb.c(cfg.windowLeft)), t0));
  if (f)
    full = kb.andI(full, classifyTile(kb.b, kb.b.getLoc(), *f, minQ, maxQ, t0,
                                      kb.add(t0, n - 1))
                             .first);
  return full;
}

bool kernels::mayHaveEmptyTiles(const AttentionKernelConfig &cfg) {
  return effectiveRightBound(cfg) >= 0 || cfg.windowLeft >= 0 ||
         affineMaskMod(cfg).has_value();
}

Value kernels::tileIsEmpty(KernelBuilder &kb, Value t0, int64_t n, Value minQ,
                           Value maxQ, Value sq, Value skv) {
  const AttentionKernelConfig &cfg = kb.cfg;
  Value empty;
  auto either = [&](Value e) {
    empty = empty ? arith::OrIOp::create(kb.b, empty, e).getResult() : e;
  };
  // The first key is past the last query's right bound, or the last key
  // before the first query's left one.
  if (int64_t right = effectiveRightBound(cfg); right >= 0)
    either(kb.lt(kb.add(kb.add(maxQ, kb.sub(skv, sq)), right), t0));
  if (cfg.windowLeft >= 0)
    either(kb.lt(kb.add(t0, n - 1),
                 kb.sub(kb.add(minQ, kb.sub(skv, sq)), kb.c(cfg.windowLeft))));
  if (std::optional<MaskFormula> f = affineMaskMod(cfg))
    either(
        classifyTile(kb.b, kb.b.getLoc(), *f, minQ, maxQ, t0, kb.add(t0, n - 1))
            .second);
  return empty ? empty : kb.boolean(false);
}

RowModifiers kernels::rowModifiers(KernelBuilder &kb, const KernelArgs &a,
                                   const RowRef &row) {
  const AttentionKernelConfig &cfg = kb.cfg;
  RowModifiers rm;
  rm.head = row.head;
  rm.q = row.q;
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

Value kernels::modifyScore(KernelBuilder &kb, const KernelArgs &a, Value raw,
                           const RowModifiers &rm, Value distance, Value key0,
                           int64_t offset) {
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
  if (cfg.scoreMod) {
    // The region sees the natural-log score; keys past Skv (masked later)
    // are clamped so that captured tensors are read in bounds.
    Value key = kb.add(key0, offset);
    key = kb.max(kb.min(key, kb.sub(a.skv, kb.c(1))), kb.c(0));
    Value s = kb.fmul(x, kb.cf(M_LN2));
    s = inlineScoreMod(kb.b, kb.b.getLoc(), cast<AttentionOp>(cfg.modifiers), s,
                       {a.batch, rm.head, rm.q, key}, &a.captures);
    x = kb.fmul(s, kb.cf(M_LOG2E));
  }
  return x;
}

Value kernels::applyMaskMod(KernelBuilder &kb, const KernelArgs &a, Value head,
                            Value q, Value key) {
  Value qc = kb.max(kb.min(q, kb.sub(a.sq, kb.c(1))), kb.c(0));
  Value keyc = kb.max(kb.min(key, kb.sub(a.skv, kb.c(1))), kb.c(0));
  return inlineMaskMod(kb.b, kb.b.getLoc(), cast<AttentionOp>(kb.cfg.modifiers),
                       {a.batch, head, qc, keyc}, &a.captures);
}

SmallVector<Value> kernels::kernelCaptures(Operation *op) {
  SmallVector<Value> captures;
  for (Value v : getModifierCaptures(cast<AttentionOp>(op)))
    if (isa<RankedTensorType>(v.getType()) || !matchPattern(v, m_Constant()))
      captures.push_back(v);
  return captures;
}

Type kernels::kernelCaptureType(Value capture) {
  if (auto t = dyn_cast<RankedTensorType>(capture.getType()))
    return MemRefType::get(t.getShape(), t.getElementType());
  return capture.getType();
}

LogicalResult kernels::verifyModifiersForKernel(Operation *op, StringRef pass) {
  auto attention = cast<AttentionOp>(op);
  for (Value v : getModifierCaptures(attention)) {
    Type t = v.getType();
    bool scalar = t.isIntOrIndexOrFloat();
    auto tensor = dyn_cast<RankedTensorType>(t);
    if (!scalar && !(tensor && tensor.getElementType().isIntOrFloat()))
      return op->emitOpError()
             << pass << ": a score_mod / mask_mod region captures a value of "
             << "type " << t
             << ", but kernels take only ranked tensors of integers or "
                "floats and scalars";
    if (!tensor)
      continue;
    for (OpOperand &use : v.getUses()) {
      Operation *user = use.getOwner();
      if (!op->isProperAncestor(user))
        continue;
      if (!isa<tensor::ExtractOp, tensor::DimOp>(user))
        return user->emitOpError()
               << "reads a tensor captured by a score_mod / mask_mod region, "
                  "which "
               << pass
               << " supports only through tensor.extract and tensor.dim";
    }
  }
  WalkResult result = op->walk([&](Operation *inner) {
    if (inner == op || !op->isProperAncestor(inner))
      return WalkResult::advance();
    StringRef dialect =
        inner->getDialect() ? inner->getDialect()->getNamespace() : StringRef();
    if (isa<tensor::ExtractOp, tensor::DimOp, YieldOp>(inner) ||
        llvm::is_contained({"arith", "math", "index", "scf"}, dialect))
      return WalkResult::advance();
    inner->emitOpError() << "in a score_mod / mask_mod region is not "
                            "supported by "
                         << pass
                         << " (kernels run arith, math, index and "
                            "scf ops and tensor.extract)";
    return WalkResult::interrupt();
  });
  return failure(result.wasInterrupted());
}

void kernels::mapCaptures(OpBuilder &b, Location loc,
                          const AttentionKernelConfig &cfg, ValueRange args,
                          KernelArgs &a) {
  auto attention = cast<AttentionOp>(cfg.modifiers);
  unsigned next = 0;
  for (Value v : getModifierCaptures(attention)) {
    if (isa<RankedTensorType>(v.getType())) {
      // A tensor view of the argument; finalizeModifiers rewrites its reads.
      a.captures.map(v, bufferization::ToTensorOp::create(
                            b, loc, v.getType(), args[next++],
                            /*restrict=*/true, /*writable=*/false));
    } else if (matchPattern(v, m_Constant())) {
      a.captures.map(v, b.clone(*v.getDefiningOp())->getResult(0));
    } else {
      a.captures.map(v, args[next++]);
    }
  }
}

/// Replaces the f32 math op `op` by arith / LLVM ops that NVPTX lowers to
/// instructions; leaves any other op (convert-gpu-to-nvvm makes it a
/// libdevice call, which gpu-module-to-binary links from the toolkit).
static void lowerMathWithoutLibdevice(Operation *op) {
  if (op->getNumResults() != 1 || !op->getResult(0).getType().isF32())
    return;
  ImplicitLocOpBuilder b(op->getLoc(), op);
  Type i32 = b.getI32Type(), f32 = b.getF32Type();
  auto bits = [&](Value x) { return arith::BitcastOp::create(b, i32, x); };
  auto fromBits = [&](Value x) { return arith::BitcastOp::create(b, f32, x); };
  auto mask = [&](Value x, uint32_t m) {
    return arith::AndIOp::create(
        b, bits(x), arith::ConstantOp::create(b, b.getI32IntegerAttr(m)));
  };
  auto absf = [&](Value x) { return fromBits(mask(x, 0x7fffffffu)); };
  // floor through a conversion to integer, exact where |x| < 2^23 (beyond,
  // x is an integer already).
  auto floorf = [&](Value x) {
    Value t =
        arith::SIToFPOp::create(b, f32, arith::FPToSIOp::create(b, i32, x));
    Value above = arith::CmpFOp::create(b, arith::CmpFPredicate::OGT, t, x);
    Value one = arith::ConstantOp::create(b, b.getF32FloatAttr(1.0f));
    Value f =
        arith::SelectOp::create(b, above, arith::SubFOp::create(b, t, one), t);
    Value big = arith::CmpFOp::create(
        b, arith::CmpFPredicate::UGE, absf(x),
        arith::ConstantOp::create(b, b.getF32FloatAttr(8388608.0f)));
    return arith::SelectOp::create(b, big, x, f).getResult();
  };
  Value r;
  if (auto fma = dyn_cast<math::FmaOp>(op))
    r = LLVM::FMAOp::create(b, fma.getA(), fma.getB(), fma.getC());
  else if (auto abs = dyn_cast<math::AbsFOp>(op))
    r = absf(abs.getOperand());
  else if (auto fl = dyn_cast<math::FloorOp>(op))
    r = floorf(fl.getOperand());
  else if (auto ce = dyn_cast<math::CeilOp>(op))
    r = arith::NegFOp::create(
        b, floorf(arith::NegFOp::create(b, ce.getOperand())));
  else if (auto cs = dyn_cast<math::CopySignOp>(op))
    r = fromBits(arith::OrIOp::create(b, mask(cs.getLhs(), 0x7fffffffu),
                                      mask(cs.getRhs(), 0x80000000u)));
  else
    return;
  op->getResult(0).replaceAllUsesWith(r);
  op->erase();
}

void kernels::finalizeModifiers(gpu::GPUFuncOp fn) {
  SmallVector<bufferization::ToTensorOp> views;
  fn.walk([&](bufferization::ToTensorOp op) { views.push_back(op); });
  for (bufferization::ToTensorOp view : views) {
    Value buffer = view.getBuffer();
    for (Operation *user : llvm::make_early_inc_range(view->getUsers())) {
      OpBuilder b(user);
      if (auto extract = dyn_cast<tensor::ExtractOp>(user)) {
        Value load = memref::LoadOp::create(b, extract.getLoc(), buffer,
                                            extract.getIndices());
        extract.getResult().replaceAllUsesWith(load);
      } else {
        auto dim = cast<tensor::DimOp>(user);
        Value size =
            memref::DimOp::create(b, dim.getLoc(), buffer, dim.getIndex());
        dim.getResult().replaceAllUsesWith(size);
      }
      user->erase();
    }
    view->erase();
  }
  // The regions' math functions become polynomials, and the f32 fma, absf,
  // floor, ceil and copysign left (of the polynomials or the regions)
  // instructions: convert-gpu-to-nvvm would make them libdevice calls. The
  // kernels' own exp2 and log2 stay.
  auto collectMathOps = [&] {
    SmallVector<Operation *> ops;
    fn.walk([&](Operation *op) {
      if (isa_and_nonnull<math::MathDialect>(op->getDialect()) &&
          !isa<math::Exp2Op, math::Log2Op>(op))
        ops.push_back(op);
    });
    return ops;
  };
  SmallVector<Operation *> mathOps = collectMathOps();
  if (mathOps.empty())
    return;
  MLIRContext *ctx = fn.getContext();
  RewritePatternSet approximations(ctx);
  populateMathPolynomialApproximationPatterns(approximations);
  (void)applyOpPatternsGreedily(mathOps, std::move(approximations));
  for (Operation *op : collectMathOps())
    lowerMathWithoutLibdevice(op);
}

Value kernels::rowInverse(KernelBuilder &kb, const RowModifiers &rm, Value m,
                          Value l) {
  Value denominator = l;
  if (rm.sink)
    denominator = kb.fadd(l, kb.exp2(kb.fsub(rm.sink, kb.safeMax(m))));
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
