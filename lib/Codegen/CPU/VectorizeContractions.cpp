//===- VectorizeContractions.cpp - mha-vectorize-contractions -------------===//
//
// Rewrites static f32 contractions C[m, n] += A[.., ..] * B[k, n] on tensors
// (n contiguous in B and C; A indexed by m and k in any order) into a
// register-tiled outer-product micro-kernel: for each [micro-kernel-rows,
// micro-kernel-vectors * vector-width] block of C the accumulators live in
// vector registers across the whole k loop, each k step loading one row of B
// and broadcasting one scalar of A per accumulator row into vector.fma. This is
// the classic CPU GEMM inner kernel; it keeps the FMA units busy without
// relying on LLVM to find register tiling in scalar loops.
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
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"

#include <numeric>
#include <optional>

#define DEBUG_TYPE "mha-vectorize-contractions"

namespace mlir::mha {
#define GEN_PASS_DEF_MHAVECTORIZECONTRACTIONS
#include "mha/Codegen/CPU/Passes.h.inc"
} // namespace mlir::mha

using namespace mlir;
using namespace mlir::mha;
using mlir::mha::cpu::Contraction;
using mlir::mha::cpu::matchContraction;
using mlir::mha::cpu::matchRowScale;

namespace {

/// The tensor whose buffer `b` is read from: through unit-stride slices and
/// the destinations of the ops that wrote it. Null when a slice has other
/// strides.
Value sliceRoot(Value b) {
  while (Operation *def = b.getDefiningOp()) {
    if (auto slice = dyn_cast<tensor::ExtractSliceOp>(def)) {
      if (!slice.hasUnitStride())
        return Value();
      b = slice.getSource();
    } else if (auto insert = dyn_cast<tensor::InsertSliceOp>(def)) {
      b = insert.getDest();
    } else if (auto dps = dyn_cast<DestinationStyleOpInterface>(def)) {
      b = dps.getTiedOpOperand(cast<OpResult>(b))->get();
    } else {
      break;
    }
  }
  return b;
}

/// Whether `b` lives in a buffer this compilation allocates (bufferization
/// aligns those to 64 bytes); a caller's tensor may start anywhere, so that
/// its vector rows straddle cache lines.
bool isOwnBuffer(Value b) {
  Value root = sliceRoot(b);
  return root && isa_and_nonnull<bufferization::AllocTensorOp, tensor::EmptyOp>(
                     root.getDefiningOp());
}

/// Row stride in bytes of the buffer that `b` (a 2-D tensor, rows over k)
/// is read from: the innermost size of the tensor it is sliced out of, or
/// nullopt when that is dynamic.
std::optional<int64_t> rowStrideBytes(Value b) {
  b = sliceRoot(b);
  if (!b)
    return std::nullopt;
  auto type = cast<RankedTensorType>(b.getType());
  int64_t inner = type.getShape().back();
  if (ShapedType::isDynamic(inner))
    return std::nullopt;
  return inner * type.getElementTypeBitWidth() / 8;
}

/// Whether the [K, cols] panel of B, read in place, would crowd more than
/// half the ways of some L1 set (see the pass description).
bool panelAliases(const Contraction &c, int64_t cols, int64_t l1Bytes,
                  int64_t l1Ways) {
  std::optional<int64_t> ld = rowStrideBytes(c.b->get());
  if (!ld)
    return true;
  constexpr int64_t kLine = 64;
  int64_t eltBytes =
      getElementTypeOrSelf(c.b->get().getType()).getIntOrFloatBitWidth() / 8;
  // A panel that is already contiguous has nothing to gain.
  if (*ld == cols * eltBytes)
    return false;
  int64_t way =
      std::max<int64_t>(kLine, l1Bytes / std::max<int64_t>(1, l1Ways));
  int64_t positions = way / std::gcd(*ld, way);
  int64_t linesPerSet = llvm::divideCeil(c.kSize, positions);
  return linesPerSet > l1Ways / 2;
}

struct MicroKernelBuilder {
  Contraction c;
  AffineMap aMap, bMap, cMap;
  /// The initial value of every C element when C is a fresh linalg.fill, so
  /// that the accumulators start from it instead of reading C.
  Value fillValue;
  /// When C = C0 * rowScale[m] (the online-softmax correction of the
  /// accumulator), the per-row scale, applied as the accumulators are loaded
  /// from C0 instead of in a separate pass over C.
  Value rowScale;
  /// A [K, block columns] f32 scratch tensor that each column panel of B is
  /// copied into before its row blocks run (null: B is read in place).
  Value panel;

  /// Indices into the operand of `map` given the loop values.
  SmallVector<Value> indices(AffineMap map, Value iv[3]) const {
    SmallVector<Value> result;
    for (AffineExpr e : map.getResults())
      result.push_back(iv[cast<AffineDimExpr>(e).getPosition()]);
    return result;
  }

  Value index(OpBuilder &b, Location loc, Value base, int64_t offset) const {
    if (offset == 0)
      return base;
    return arith::AddIOp::create(
        b, loc, base, arith::ConstantIndexOp::create(b, loc, offset));
  }

  /// C[m0 : m0 + rows, n0 : n0 + cols] = init + A . B with `rows`
  /// accumulators of vector<cols> held in registers across the k loop.
  Value block(OpBuilder &b, Location loc, Value dest, Value m0, Value n0,
              int64_t rows, int64_t cols, Value packed) const {
    Type f32 = b.getF32Type();
    auto accType = VectorType::get({cols}, f32);
    Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0f));
    SmallVector<bool> inBounds = {true};

    SmallVector<Value> rowIdx, inits;
    for (int64_t r = 0; r < rows; ++r) {
      rowIdx.push_back(index(b, loc, m0, r));
      if (fillValue) {
        inits.push_back(
            vector::BroadcastOp::create(b, loc, accType, fillValue));
        continue;
      }
      Value iv[3];
      iv[c.m] = rowIdx.back();
      iv[c.n] = n0;
      iv[c.k] = Value();
      Value init = vector::TransferReadOp::create(
          b, loc, accType, dest, indices(cMap, iv), zero, inBounds);
      if (rowScale) {
        Value scale =
            tensor::ExtractOp::create(b, loc, rowScale, rowIdx.back());
        init = arith::MulFOp::create(
            b, loc, init, vector::BroadcastOp::create(b, loc, accType, scale));
      }
      inits.push_back(init);
    }

    Value lb = arith::ConstantIndexOp::create(b, loc, 0);
    Value ub = arith::ConstantIndexOp::create(b, loc, c.kSize);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    auto kLoop = scf::ForOp::create(
        b, loc, lb, ub, one, inits,
        [&](OpBuilder &nb, Location l, Value kIv, ValueRange accs) {
          Value iv[3];
          iv[c.m] = Value();
          iv[c.n] = n0;
          iv[c.k] = kIv;
          Value bSrc = packed ? packed : c.b->get();
          Type bElt = getElementTypeOrSelf(bSrc.getType());
          Value bPad = arith::ConstantOp::create(nb, l, bElt,
                                                 nb.getFloatAttr(bElt, 0.0));
          SmallVector<Value> bIdx =
              packed
                  ? SmallVector<Value>{kIv,
                                       arith::ConstantIndexOp::create(nb, l, 0)}
                  : indices(bMap, iv);
          Value bRow = vector::TransferReadOp::create(
              nb, l, VectorType::get({cols}, bElt), bSrc, bIdx, bPad, inBounds);
          if (!bElt.isF32())
            bRow = arith::ExtFOp::create(nb, l, accType, bRow);
          SmallVector<Value> next;
          for (int64_t r = 0; r < rows; ++r) {
            iv[c.m] = rowIdx[r];
            Value a =
                tensor::ExtractOp::create(nb, l, c.a->get(), indices(aMap, iv));
            if (!a.getType().isF32())
              a = arith::ExtFOp::create(nb, l, f32, a);
            Value aSplat = vector::BroadcastOp::create(nb, l, accType, a);
            next.push_back(vector::FMAOp::create(nb, l, aSplat, bRow, accs[r]));
          }
          scf::YieldOp::create(nb, l, next);
        });

    for (int64_t r = 0; r < rows; ++r) {
      Value iv[3];
      iv[c.m] = rowIdx[r];
      iv[c.n] = n0;
      iv[c.k] = Value();
      dest = vector::TransferWriteOp::create(b, loc, kLoop.getResult(r), dest,
                                             indices(cMap, iv), inBounds)
                 .getResult();
    }
    return dest;
  }

  /// B[0 : K, n0 : n0 + cols] copied (and widened) into the first `cols`
  /// columns of the panel scratch, row by row.
  Value packPanel(OpBuilder &b, Location loc, Value n0, int64_t cols) const {
    Type f32 = b.getF32Type();
    Value bSrc = c.b->get();
    Type bElt = getElementTypeOrSelf(bSrc.getType());
    SmallVector<bool> inBounds = {true};
    auto forOp = scf::ForOp::create(
        b, loc, arith::ConstantIndexOp::create(b, loc, 0),
        arith::ConstantIndexOp::create(b, loc, c.kSize),
        arith::ConstantIndexOp::create(b, loc, 1), ValueRange{panel},
        [&](OpBuilder &nb, Location l, Value kIv, ValueRange args) {
          Value iv[3];
          iv[c.m] = Value();
          iv[c.n] = n0;
          iv[c.k] = kIv;
          Value pad = arith::ConstantOp::create(nb, l, bElt,
                                                nb.getFloatAttr(bElt, 0.0));
          Value row = vector::TransferReadOp::create(
              nb, l, VectorType::get({cols}, bElt), bSrc, indices(bMap, iv),
              pad, inBounds);
          if (!bElt.isF32())
            row =
                arith::ExtFOp::create(nb, l, VectorType::get({cols}, f32), row);
          Value zeroIdx = arith::ConstantIndexOp::create(nb, l, 0);
          scf::YieldOp::create(
              nb, l,
              vector::TransferWriteOp::create(
                  nb, l, row, args[0], ValueRange{kIv, zeroIdx}, inBounds)
                  .getResult());
        });
    return forOp.getResult(0);
  }

  /// Covers C with [rows, cols] blocks, n outer so that one [K, cols] panel
  /// of B stays in cache while the rows of A stream by; the last row and
  /// column blocks take what is left.
  Value build(OpBuilder &b, Location loc, Value dest, int64_t rows,
              int64_t cols) const {
    int64_t mFull = c.mSize - c.mSize % rows;
    int64_t nFull = c.nSize - c.nSize % cols;
    auto rowBlocks = [&](OpBuilder &nb, Location l, Value n0, Value d,
                         int64_t width) {
      Value packed = panel ? packPanel(nb, l, n0, width) : Value();
      d = cpu::buildLoop(nb, l, 0, mFull, rows, d,
                         [&](OpBuilder &bb, Location ll, Value m0, Value dd) {
                           return block(bb, ll, dd, m0, n0, rows, width,
                                        packed);
                         });
      if (mFull < c.mSize)
        d = block(nb, l, d, arith::ConstantIndexOp::create(nb, l, mFull), n0,
                  c.mSize - mFull, width, packed);
      return d;
    };
    dest = cpu::buildLoop(b, loc, 0, nFull, cols, dest,
                          [&](OpBuilder &nb, Location l, Value n0, Value d) {
                            return rowBlocks(nb, l, n0, d, cols);
                          });
    if (nFull < c.nSize)
      dest = rowBlocks(b, loc, arith::ConstantIndexOp::create(b, loc, nFull),
                       dest, c.nSize - nFull);
    return dest;
  }
};

struct MHAVectorizeContractionsPass
    : mha::impl::MHAVectorizeContractionsBase<MHAVectorizeContractionsPass> {
  using MHAVectorizeContractionsBase::MHAVectorizeContractionsBase;

  void runOnOperation() override {
    int64_t width = vectorWidth, blockRows = microKernelRows,
            blockVectors = microKernelVectors;
    if (l1Bytes <= 0 || l1Ways <= 0) {
      getOperation()->emitError()
          << "mha-vectorize-contractions: l1-bytes and l1-ways must be "
             "positive, got l1-bytes="
          << int64_t(l1Bytes) << " l1-ways=" << int64_t(l1Ways);
      return signalPassFailure();
    }
    if (width <= 0 || blockRows <= 0 || blockVectors <= 0) {
      getOperation()->emitError()
          << "mha-vectorize-contractions: vector-width, micro-kernel-rows and "
             "micro-kernel-vectors must be positive, got vector-width="
          << width << " micro-kernel-rows=" << blockRows
          << " micro-kernel-vectors=" << blockVectors;
      return signalPassFailure();
    }
    SmallVector<linalg::GenericOp> candidates;
    getOperation()->walk([&](linalg::GenericOp op) {
      if (op->getParentOfType<scf::ForallOp>())
        candidates.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::GenericOp op : candidates) {
      FailureOr<Contraction> c = matchContraction(op);
      if (failed(c))
        continue;
      MicroKernelBuilder builder{*c,
                                 op.getMatchingIndexingMap(c->a),
                                 op.getMatchingIndexingMap(c->b),
                                 op.getMatchingIndexingMap(c->c),
                                 Value(),
                                 Value(),
                                 Value()};
      // The panel of B is reused by every row block of its columns: copy it
      // once into a contiguous scratch, allocated once per parallel task.
      int64_t panelCols = std::min(blockVectors * width, c->nSize);
      bool widens = !getElementTypeOrSelf(c->b->get().getType()).isF32();
      bool pack = packB > 0 ||
                  (packB < 0 && (widens || !isOwnBuffer(c->b->get()) ||
                                 panelAliases(*c, panelCols, l1Bytes, l1Ways)));
      if (pack && c->mSize > blockRows) {
        auto forall = op->getParentOfType<scf::ForallOp>();
        rewriter.setInsertionPointToStart(forall.getBody());
        builder.panel = bufferization::AllocTensorOp::create(
            rewriter, op.getLoc(),
            RankedTensorType::get({c->kSize, panelCols}, rewriter.getF32Type()),
            ValueRange{});
      }
      rewriter.setInsertionPoint(op);
      Value dest = c->c->get();
      // C = fill(x) fully overwritten: start the accumulators at x.
      auto fillOp = dest.getDefiningOp<linalg::FillOp>();
      auto scaleOp = dest.getDefiningOp<linalg::GenericOp>();
      if (fillOp && fillOp->hasOneUse() && fillOp.hasPureTensorSemantics()) {
        builder.fillValue = fillOp.getInputs()[0];
        dest = fillOp.getOutputs()[0];
        scaleOp = nullptr;
      } else if (Value scale = matchRowScale(scaleOp)) {
        builder.rowScale = scale;
        dest = scaleOp.getDpsInitOperand(0)->get();
      } else {
        scaleOp = nullptr;
      }
      Value result = builder.build(rewriter, op.getLoc(), dest, blockRows,
                                   blockVectors * width);
      rewriter.replaceOp(op, result);
      if (fillOp && fillOp->use_empty())
        rewriter.eraseOp(fillOp);
      if (scaleOp && scaleOp->use_empty())
        rewriter.eraseOp(scaleOp);
    }
  }
};
} // namespace
