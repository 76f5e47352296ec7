//===- VectorizeBF16Contractions.cpp - mha-vectorize-bf16-contractions ----===//
//
// Rewrites static contractions C[m, n] += A * B of bf16 data into
// register-blocked micro-kernels of x86vector.avx512.dot (vdpbf16ps). One
// vdpbf16ps multiplies 16 pairs of bf16 values and adds both products of each
// pair to an f32 lane: twice the multiply-adds of an f32 FMA of the same
// width. The reduction therefore steps over pairs (k, k + 1): B is packed with
// rows 2k' and 2k' + 1 interleaved, and the pair A[m, 2k'], A[m, 2k' + 1] is
// broadcast to every lane as one 32-bit value. The kernel shape follows
// mha-vectorize-contractions (rows x vectors accumulators held across the k
// loop, column blocks outside row blocks); this is a separate pass because
// its operands, packing and numerics (f32 data rounded to bf16) differ.
//
//===----------------------------------------------------------------------===//

#include "mha/Codegen/CPU/Passes.h"

#include "ContractionMatch.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/X86Vector/X86VectorDialect.h"
#include "mlir/IR/PatternMatch.h"

#include "llvm/ADT/SetVector.h"

#define DEBUG_TYPE "mha-vectorize-bf16-contractions"

namespace mlir::mha {
#define GEN_PASS_DEF_MHAVECTORIZEBF16CONTRACTIONS
#include "mha/Codegen/CPU/Passes.h.inc"
} // namespace mlir::mha

using namespace mlir;
using namespace mlir::mha;
using mlir::mha::cpu::Contraction;
using mlir::mha::cpu::matchContraction;
using mlir::mha::cpu::matchRowScale;

namespace {

/// f32 lanes of one 512-bit vdpbf16ps.
constexpr int64_t kLanes = 16;

bool isBF16(Value v) { return getElementTypeOrSelf(v.getType()).isBF16(); }

/// The bf16 tensor that `v` is an element-wise widening of (a linalg.generic
/// with identity maps whose body is one arith.extf), or `v` itself when it is
/// bf16; else null.
Value bf16Source(Value v) {
  if (isBF16(v))
    return v;
  auto op = v.getDefiningOp<linalg::GenericOp>();
  if (!op || op.getNumDpsInputs() != 1 || op.getNumDpsInits() != 1 ||
      !op.hasPureTensorSemantics() ||
      !llvm::all_of(op.getIndexingMapsArray(),
                    [](AffineMap map) { return map.isIdentity(); }))
    return Value();
  Value in = op.getDpsInputOperand(0)->get();
  if (!isBF16(in) || cast<ShapedType>(in.getType()).getShape() !=
                         cast<ShapedType>(v.getType()).getShape())
    return Value();
  Block *body = op.getBlock();
  auto ext = dyn_cast<arith::ExtFOp>(&body->front());
  if (!ext || body->getOperations().size() != 2 ||
      ext.getIn() != body->getArgument(0) ||
      body->getTerminator()->getOperand(0) != ext.getResult())
    return Value();
  return in;
}

/// `v` as `scale * ext(X)` with X bf16: when `v` is a linalg.generic (or a
/// tensor.insert_slice of one into a zero-filled tensor) whose only input X
/// is bf16 and whose body is `scale * extf(x)` with `scale` defined outside,
/// returns the generic and `scale`. This is the pre-scaled, widened Q^T of
/// attention: packing X itself keeps the bf16 operand exact, where rounding
/// scale * x to bf16 would perturb the scores by 2^-9 of their size.
std::pair<linalg::GenericOp, Value> matchScaledWidening(Value v) {
  auto insert = v.getDefiningOp<tensor::InsertSliceOp>();
  if (insert) {
    auto fill = insert.getDest().getDefiningOp<linalg::FillOp>();
    auto zero =
        fill ? fill.getInputs()[0].getDefiningOp<arith::ConstantOp>() : nullptr;
    auto zeroAttr = zero ? dyn_cast<FloatAttr>(zero.getValue()) : nullptr;
    if (!zeroAttr || !zeroAttr.getValue().isPosZero())
      return {};
    v = insert.getSource();
  }
  auto op = v.getDefiningOp<linalg::GenericOp>();
  if (!op || op.getNumDpsInputs() != 1 || op.getNumDpsInits() != 1 ||
      !op.hasPureTensorSemantics() || !isBF16(op.getDpsInputOperand(0)->get()))
    return {};
  Block *body = op.getBlock();
  if (body->getOperations().size() != 3)
    return {};
  auto ext = dyn_cast<arith::ExtFOp>(&body->front());
  auto mul = dyn_cast<arith::MulFOp>(ext ? ext->getNextNode() : nullptr);
  if (!ext || !mul || ext.getIn() != body->getArgument(0) ||
      body->getTerminator()->getOperand(0) != mul.getResult())
    return {};
  Value scale = mul.getLhs() == ext.getResult()   ? mul.getRhs()
                : mul.getRhs() == ext.getResult() ? mul.getLhs()
                                                  : Value();
  if (!scale || !scale.getType().isF32() ||
      op->isAncestor(scale.getParentRegion()->getParentOp()))
    return {};
  return {op, scale};
}

/// The bf16 tensor X of `v = scale * ext(X)` (matchScaledWidening), laid out
/// like `v`: a clone of the widening that yields x itself into a bf16
/// tensor (zero-filled around it for an insert_slice), built before `point`.
Value unscaledBF16(OpBuilder &b, Operation *point, Value v,
                   linalg::GenericOp widening) {
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(point);
  Location loc = widening.getLoc();
  Type bf16 = b.getBF16Type();
  auto like = [&](Value t) -> Value {
    auto type = cast<RankedTensorType>(t.getType());
    SmallVector<Value> dynSizes;
    for (int64_t i = 0; i < type.getRank(); ++i)
      if (type.isDynamicDim(i))
        dynSizes.push_back(tensor::DimOp::create(b, loc, t, i));
    return tensor::EmptyOp::create(b, loc, type.getShape(), bf16, dynSizes);
  };
  auto insert = v.getDefiningOp<tensor::InsertSliceOp>();
  Value out = like(widening.getDpsInitOperand(0)->get());
  auto clone = linalg::GenericOp::create(
      b, loc, TypeRange{out.getType()}, widening.getDpsInputs(),
      ValueRange{out}, widening.getIndexingMapsArray(),
      widening.getIteratorTypesArray(),
      [](OpBuilder &nb, Location l, ValueRange args) {
        linalg::YieldOp::create(nb, l, args[0]);
      });
  if (!insert)
    return clone.getResult(0);
  Value dest = like(insert.getDest());
  Value zero = arith::ConstantOp::create(b, loc, bf16, b.getFloatAttr(bf16, 0));
  dest = linalg::FillOp::create(b, loc, zero, dest).getResult(0);
  return tensor::InsertSliceOp::create(
      b, loc, clone.getResult(0), dest, insert.getMixedOffsets(),
      insert.getMixedSizes(), insert.getMixedStrides());
}

/// Whether `v` holds bf16 data: a bf16 tensor, or a slice of / a linalg op
/// on one (the packed and widened K, V and Q tiles of attention).
bool holdsBF16Data(Value v) {
  for (int depth = 0; depth < 4 && v; ++depth) {
    if (isBF16(v))
      return true;
    Operation *def = v.getDefiningOp();
    if (!def)
      return false;
    if (auto insert = dyn_cast<tensor::InsertSliceOp>(def)) {
      v = insert.getSource();
    } else if (auto extract = dyn_cast<tensor::ExtractSliceOp>(def)) {
      v = extract.getSource();
    } else if (auto linalgOp = dyn_cast<linalg::LinalgOp>(def)) {
      return llvm::any_of(linalgOp.getDpsInputs(), isBF16);
    } else {
      return false;
    }
  }
  return false;
}

Value cst(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// `base + offset` (`base` when the offset is 0).
Value plus(OpBuilder &b, Location loc, Value base, int64_t offset) {
  return offset == 0 ? base
                     : arith::AddIOp::create(b, loc, base, cst(b, loc, offset));
}

/// The point before which a pack of `source` goes: before the outermost
/// scf.for around `op` that `source` does not depend on, else before `op`.
Operation *hoistPoint(Operation *op, Value source) {
  Operation *point = op;
  for (Operation *p = op->getParentOp(); isa_and_nonnull<scf::ForOp>(p);
       p = p->getParentOp()) {
    if (p->getRegion(0).isAncestor(source.getParentRegion()))
      break;
    point = p;
  }
  return point;
}

/// A fresh static bf16 buffer at the start of the scf.forall body around
/// `op` (outside every loop, so bufferization allocates it once per task).
Value scratch(OpBuilder &b, Operation *op, ArrayRef<int64_t> shape) {
  OpBuilder::InsertionGuard guard(b);
  auto forall = op->getParentOfType<scf::ForallOp>();
  b.setInsertionPointToStart(forall.getBody());
  return bufferization::AllocTensorOp::create(
      b, op->getLoc(), RankedTensorType::get(shape, b.getBF16Type()),
      ValueRange{});
}

/// `v` (f32 or bf16 vector) as bf16, rounded to nearest even.
Value toBF16(OpBuilder &b, Location loc, Value v) {
  auto type = cast<VectorType>(v.getType());
  if (type.getElementType().isBF16())
    return v;
  return arith::TruncFOp::create(b, loc, type.clone(b.getBF16Type()), v);
}

/// The [K, N] tensor `src` (f32 or bf16) as bf16 pairs of rows:
/// `dst[k', 2n + r] = src[2k' + r, n]`, built before `point`.
Value packPairs(OpBuilder &b, Operation *point, Operation *op, Value src) {
  OpBuilder::InsertionGuard guard(b);
  Location loc = op->getLoc();
  auto type = cast<RankedTensorType>(src.getType());
  int64_t k = type.getDimSize(0), n = type.getDimSize(1);
  Value dest = scratch(b, op, {k / 2, 2 * n});
  b.setInsertionPoint(point);
  Type elt = type.getElementType();
  Value pad = arith::ConstantOp::create(b, loc, elt, b.getFloatAttr(elt, 0.0));
  auto loop = scf::ForOp::create(
      b, loc, cst(b, loc, 0), cst(b, loc, k / 2), cst(b, loc, 1),
      ValueRange{dest},
      [&](OpBuilder &nb, Location l, Value k2, ValueRange args) {
        Value row0 = arith::MulIOp::create(nb, l, k2, cst(nb, l, 2));
        Value row1 = plus(nb, l, row0, 1);
        Value d = args[0];
        for (int64_t n0 = 0; n0 < n; n0 += kLanes) {
          int64_t width = std::min(kLanes, n - n0);
          auto vecType = VectorType::get({width}, elt);
          Value col = cst(nb, l, n0);
          Value r0 = vector::TransferReadOp::create(nb, l, vecType, src,
                                                    ValueRange{row0, col}, pad,
                                                    ArrayRef<bool>{true});
          Value r1 = vector::TransferReadOp::create(nb, l, vecType, src,
                                                    ValueRange{row1, col}, pad,
                                                    ArrayRef<bool>{true});
          Value pairs = vector::InterleaveOp::create(nb, l, toBF16(nb, l, r0),
                                                     toBF16(nb, l, r1));
          d = vector::TransferWriteOp::create(
                  nb, l, pairs, d, ValueRange{k2, cst(nb, l, 2 * n0)},
                  ArrayRef<bool>{true})
                  .getResult();
        }
        scf::YieldOp::create(nb, l, d);
      });
  return loop.getResult(0);
}

/// The [M, K] f32 tensor `src` rounded to bf16, built before `point`.
Value packRowsBF16(OpBuilder &b, Operation *point, Operation *op, Value src) {
  OpBuilder::InsertionGuard guard(b);
  Location loc = op->getLoc();
  auto type = cast<RankedTensorType>(src.getType());
  int64_t m = type.getDimSize(0), k = type.getDimSize(1);
  Value dest = scratch(b, op, {m, k});
  b.setInsertionPoint(point);
  Value pad = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0f));
  auto loop = scf::ForOp::create(
      b, loc, cst(b, loc, 0), cst(b, loc, m), cst(b, loc, 1), ValueRange{dest},
      [&](OpBuilder &nb, Location l, Value row, ValueRange args) {
        Value d = args[0];
        for (int64_t k0 = 0; k0 < k; k0 += kLanes) {
          int64_t width = std::min(kLanes, k - k0);
          Value col = cst(nb, l, k0);
          Value x = vector::TransferReadOp::create(
              nb, l, VectorType::get({width}, nb.getF32Type()), src,
              ValueRange{row, col}, pad, ArrayRef<bool>{true});
          d = vector::TransferWriteOp::create(nb, l, toBF16(nb, l, x), d,
                                              ValueRange{row, col},
                                              ArrayRef<bool>{true})
                  .getResult();
        }
        scf::YieldOp::create(nb, l, d);
      });
  return loop.getResult(0);
}

struct MicroKernelBuilder {
  Contraction c;
  AffineMap cMap;
  /// Packed operands: `ap` is [M, K] (aIsMK) or pairs [K / 2, 2M], `bp` is
  /// pairs [K / 2, 2N]; all bf16.
  Value ap, bp;
  bool aIsMK;
  Value fillValue, rowScale;
  /// When B = productScale * B' (the pre-scaled Q^T of attention), B' is
  /// packed (exact bf16) and C = init + productScale * (A . B').
  Value productScale;

  /// Indices into C for row `m`, column `n`.
  SmallVector<Value> cIndices(Value m, Value n) const {
    Value iv[3];
    iv[c.m] = m;
    iv[c.n] = n;
    SmallVector<Value> result;
    for (AffineExpr e : cMap.getResults())
      result.push_back(iv[cast<AffineDimExpr>(e).getPosition()]);
    return result;
  }

  /// The bf16 pair A[m, 2k2], A[m, 2k2 + 1] in all 16 lanes.
  Value aPair(OpBuilder &b, Location loc, Value m, Value k2) const {
    Type bf16 = b.getBF16Type();
    Value two = cst(b, loc, 2);
    SmallVector<Value> idx =
        aIsMK ? SmallVector<Value>{m, arith::MulIOp::create(b, loc, k2, two)}
              : SmallVector<Value>{k2, arith::MulIOp::create(b, loc, m, two)};
    Value pad =
        arith::ConstantOp::create(b, loc, bf16, b.getFloatAttr(bf16, 0));
    Value pair = vector::TransferReadOp::create(
        b, loc, VectorType::get({2}, bf16), ap, idx, pad, ArrayRef<bool>{true});
    Value word = vector::BitCastOp::create(
        b, loc, VectorType::get({1}, b.getI32Type()), pair);
    Value splat = vector::BroadcastOp::create(
        b, loc, VectorType::get({kLanes}, b.getI32Type()), word);
    return vector::BitCastOp::create(
        b, loc, VectorType::get({2 * kLanes}, bf16), splat);
  }

  /// C[m0 : m0 + rows, n0 : n0 + 16 vectors] = init + A . B.
  Value block(OpBuilder &b, Location loc, Value dest, Value m0, Value n0,
              int64_t rows, int64_t vectors) const {
    auto accType = VectorType::get({kLanes}, b.getF32Type());
    Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0f));
    SmallVector<Value> rowIdx, colIdx, inits;
    for (int64_t v = 0; v < vectors; ++v)
      colIdx.push_back(plus(b, loc, n0, v * kLanes));
    // The initial value of C[row, colIdx[v]].
    auto initial = [&](OpBuilder &nb, Location l, int64_t r,
                       int64_t v) -> Value {
      if (fillValue)
        return vector::BroadcastOp::create(nb, l, accType, fillValue);
      Value init = vector::TransferReadOp::create(
          nb, l, accType, dest, cIndices(rowIdx[r], colIdx[v]), zero,
          ArrayRef<bool>{true});
      if (rowScale)
        init = arith::MulFOp::create(
            nb, l, init,
            vector::BroadcastOp::create(
                nb, l, accType,
                tensor::ExtractOp::create(nb, l, rowScale, rowIdx[r])));
      return init;
    };
    for (int64_t r = 0; r < rows; ++r) {
      rowIdx.push_back(plus(b, loc, m0, r));
      for (int64_t v = 0; v < vectors; ++v)
        inits.push_back(
            productScale
                ? vector::BroadcastOp::create(b, loc, accType, zero).getResult()
                : initial(b, loc, r, v));
    }

    Type bf16 = b.getBF16Type();
    auto pairsType = VectorType::get({2 * kLanes}, bf16);
    auto kLoop = scf::ForOp::create(
        b, loc, cst(b, loc, 0), cst(b, loc, c.kSize / 2), cst(b, loc, 1), inits,
        [&](OpBuilder &nb, Location l, Value k2, ValueRange accs) {
          Value pad =
              arith::ConstantOp::create(nb, l, bf16, nb.getFloatAttr(bf16, 0));
          SmallVector<Value> bVecs;
          for (int64_t v = 0; v < vectors; ++v) {
            Value col = arith::MulIOp::create(nb, l, colIdx[v], cst(nb, l, 2));
            bVecs.push_back(vector::TransferReadOp::create(
                nb, l, pairsType, bp, ValueRange{k2, col}, pad,
                ArrayRef<bool>{true}));
          }
          SmallVector<Value> next;
          for (int64_t r = 0; r < rows; ++r) {
            Value a = aPair(nb, l, rowIdx[r], k2);
            for (int64_t v = 0; v < vectors; ++v)
              next.push_back(x86vector::DotBF16Op::create(
                  nb, l, accType, accs[r * vectors + v], a, bVecs[v]));
          }
          scf::YieldOp::create(nb, l, next);
        });

    Value scale;
    if (productScale)
      scale = vector::BroadcastOp::create(b, loc, accType, productScale);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t v = 0; v < vectors; ++v) {
        Value result = kLoop.getResult(r * vectors + v);
        if (scale)
          result = vector::FMAOp::create(b, loc, scale, result,
                                         initial(b, loc, r, v));
        dest = vector::TransferWriteOp::create(b, loc, result, dest,
                                               cIndices(rowIdx[r], colIdx[v]),
                                               ArrayRef<bool>{true})
                   .getResult();
      }
    return dest;
  }

  /// Covers C with [rows, 16 vectors] blocks, columns outer.
  Value build(OpBuilder &b, Location loc, Value dest, int64_t rows,
              int64_t vectors) const {
    int64_t cols = vectors * kLanes;
    int64_t mFull = c.mSize - c.mSize % rows;
    int64_t nFull = c.nSize - c.nSize % cols;
    auto rowBlocks = [&](OpBuilder &nb, Location l, Value n0, Value d,
                         int64_t vecs) {
      d = cpu::buildLoop(nb, l, 0, mFull, rows, d,
                         [&](OpBuilder &bb, Location ll, Value m0, Value dd) {
                           return block(bb, ll, dd, m0, n0, rows, vecs);
                         });
      if (mFull < c.mSize)
        d = block(nb, l, d, cst(nb, l, mFull), n0, c.mSize - mFull, vecs);
      return d;
    };
    dest = cpu::buildLoop(b, loc, 0, nFull, cols, dest,
                          [&](OpBuilder &nb, Location l, Value n0, Value d) {
                            return rowBlocks(nb, l, n0, d, vectors);
                          });
    if (nFull < c.nSize)
      dest = rowBlocks(b, loc, cst(b, loc, nFull), dest,
                       (c.nSize - nFull) / kLanes);
    return dest;
  }
};

struct MHAVectorizeBF16ContractionsPass
    : mha::impl::MHAVectorizeBF16ContractionsBase<
          MHAVectorizeBF16ContractionsPass> {
  using MHAVectorizeBF16ContractionsBase::MHAVectorizeBF16ContractionsBase;

  void runOnOperation() override {
    int64_t blockRows = microKernelRows, blockVectors = microKernelVectors;
    if (blockRows <= 0 || blockVectors <= 0) {
      getOperation()->emitError()
          << "mha-vectorize-bf16-contractions: micro-kernel-rows and "
             "micro-kernel-vectors must be positive, got micro-kernel-rows="
          << blockRows << " micro-kernel-vectors=" << blockVectors;
      return signalPassFailure();
    }
    SmallVector<linalg::GenericOp> candidates;
    getOperation()->walk([&](linalg::GenericOp op) {
      if (op->getParentOfType<scf::ForallOp>())
        candidates.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    // Ops that only fed a rewritten contraction (widenings, fills, row
    // scales), erased once every candidate has been looked at.
    llvm::SetVector<Operation *> dead;
    for (linalg::GenericOp op : candidates) {
      if (dead.contains(op))
        continue;
      FailureOr<Contraction> c = matchContraction(op);
      // Inputs are f32 or bf16; vdpbf16ps reduces pairs and fills 16 lanes:
      // even K, N in vectors.
      auto f32OrBF16 = [](OpOperand *in) {
        Type elt = getElementTypeOrSelf(in->get().getType());
        return elt.isF32() || elt.isBF16();
      };
      if (failed(c) || !f32OrBF16(c->a) || !f32OrBF16(c->b) ||
          c->kSize % 2 != 0 || c->nSize % kLanes != 0 ||
          !(holdsBF16Data(c->a->get()) || holdsBF16Data(c->b->get())))
        continue;
      rewrite(rewriter, op, *c, blockRows, blockVectors, dead);
    }
    // Users first: a fill may feed a widening.
    SmallVector<Operation *> pending(dead.begin(), dead.end());
    bool erased = true;
    while (erased) {
      erased = false;
      for (Operation *&d : pending)
        if (d && d->use_empty()) {
          rewriter.eraseOp(d);
          d = nullptr;
          erased = true;
        }
    }
  }

  void rewrite(IRRewriter &rewriter, linalg::GenericOp op, const Contraction &c,
               int64_t blockRows, int64_t blockVectors,
               llvm::SetVector<Operation *> &dead) {
    // Packing reads the bf16 data itself where an operand only widens it.
    auto source = [&](Value v) {
      Value bf16 = bf16Source(v);
      if (bf16 && bf16 != v)
        dead.insert(v.getDefiningOp());
      return bf16 ? bf16 : v;
    };
    Value aSrc = source(c.a->get()), bSrc = source(c.b->get());
    Value productScale;
    if (!isBF16(bSrc)) {
      auto [widening, scale] = matchScaledWidening(bSrc);
      if (widening) {
        Operation *point = hoistPoint(op, bSrc);
        // The clone reads the widening's inputs: place it after them.
        for (Value in : widening->getOperands())
          if (Operation *def = in.getDefiningOp();
              def && def->getBlock() == point->getBlock() &&
              point->isBeforeInBlock(def))
            point = def->getNextNode();
        bSrc = unscaledBF16(rewriter, point, bSrc, widening);
        productScale = scale;
      }
    }
    Value bp = packPairs(rewriter, hoistPoint(op, bSrc), op, bSrc);
    Value ap = aSrc;
    if (!c.aIsMK)
      ap = packPairs(rewriter, hoistPoint(op, aSrc), op, aSrc);
    else if (!isBF16(aSrc))
      ap = packRowsBF16(rewriter, hoistPoint(op, aSrc), op, aSrc);

    MicroKernelBuilder builder{
        c, op.getMatchingIndexingMap(c.c), ap, bp, c.aIsMK, Value(), Value()};
    rewriter.setInsertionPoint(op);
    Value dest = c.c->get();
    // C = fill(x) fully overwritten: start the accumulators at x; C = C0 *
    // scale[m]: scale as the accumulators are loaded.
    auto fillOp = dest.getDefiningOp<linalg::FillOp>();
    auto scaleOp = dest.getDefiningOp<linalg::GenericOp>();
    if (fillOp && fillOp->hasOneUse() && fillOp.hasPureTensorSemantics()) {
      builder.fillValue = fillOp.getInputs()[0];
      dest = fillOp.getOutputs()[0];
      dead.insert(fillOp);
    } else if (Value scale = matchRowScale(scaleOp)) {
      builder.rowScale = scale;
      dest = scaleOp.getDpsInitOperand(0)->get();
      dead.insert(scaleOp);
    }
    builder.productScale = productScale;
    Value result =
        builder.build(rewriter, op.getLoc(), dest, blockRows, blockVectors);
    rewriter.replaceOp(op, result);
  }
};
} // namespace
