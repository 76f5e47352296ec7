//===- VectorizeRows.cpp - mha-vectorize-rows -----------------------------===//
//
// Vectorises linalg ops on tensors one row at a time: every loop but the
// innermost is tiled by 1 (scf.for), so the innermost dimension only needs a
// static size for the tile to be static whatever the other sizes, and the
// tile is vectorised with `linalg::vectorize`. Reductions over outer
// dimensions (the row max / row sum of the transposed attention scores)
// become vector accumulators carried by the tile loop
// (`hoistLoopInvariantSubsets`); reductions over the innermost dimension
// (the row max / row sum of decode scores kept as [rows, keys]) become a
// halving tree per row tile. The vectors are then brought to 1-D and
// `math.exp` on vectors gets a polynomial approximation, so that
// convert-vector-to-llvm sees only simple 1-D operations.
//
//===----------------------------------------------------------------------===//

#include "mha/Codegen/CPU/Passes.h"

#include "mlir/Analysis/SliceAnalysis.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Approximation.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/LoopInvariantCodeMotionUtils.h"

#define DEBUG_TYPE "mha-vectorize-rows"

namespace mlir::mha {
#define GEN_PASS_DEF_MHAVECTORIZEROWS
#include "mha/Codegen/CPU/Passes.h.inc"
} // namespace mlir::mha

using namespace mlir;
using namespace mlir::mha;

namespace {

/// The largest divisor of `size` that is at most `limit`.
int64_t largestDivisorAtMost(int64_t size, int64_t limit) {
  for (int64_t t = std::min(size, limit); t > 1; --t)
    if (size % t == 0)
      return t;
  return 1;
}

/// Whether `op` is a 2-D all-parallel op that reads an operand transposed
/// and whose sizes `tile` divides: it is better vectorised by square tiles
/// (vector.transpose, lowered with shuffles) than by gathering rows.
bool isTiledTranspose(linalg::LinalgOp op, ArrayRef<int64_t> ranges,
                      int64_t tile) {
  if (tile <= 1 || ranges.size() != 2 || op.getNumReductionLoops() != 0 ||
      llvm::any_of(ranges, [&](int64_t r) {
        return ShapedType::isDynamic(r) || r % tile != 0;
      }))
    return false;
  AffineMap transposed =
      AffineMap::getPermutationMap(ArrayRef<unsigned>{1, 0}, op.getContext());
  return llvm::any_of(op.getIndexingMapsArray(),
                      [&](AffineMap map) { return map == transposed; });
}

/// Whether `linalg::vectorize` would combine an output with a vector of lower
/// rank than the output's. It vectorises `linalg.index` of the innermost
/// loop to a 1-D vector, to be broadcast by the elementwise ops that use it;
/// but an op that combines an output block argument with a value (what
/// `matchReduction` matches, e.g. `out + f(index)`) is taken for a reduction
/// whenever the two shapes differ, and a reduction over no dimension is
/// built: invalid IR that canonicalisation folds to the output alone, so the
/// term was silently dropped (ALiBi on [1, qt] score tiles).
bool combinesOutputWithRowIndex(linalg::LinalgOp op) {
  unsigned numLoops = op.getNumLoops();
  Block *body = op.getBlock();
  if (numLoops < 2 || !body)
    return false;
  // Values that vectorise to 1-D: the innermost index and what is computed
  // from it and from uniform values (defined outside the body, or in it from
  // such values only); block arguments and the other indices are full rank.
  llvm::SmallPtrSet<Value, 8> rowOnly, fullRank;
  for (BlockArgument arg : body->getArguments())
    fullRank.insert(arg);
  for (Operation &inner : body->without_terminator()) {
    llvm::SmallPtrSetImpl<Value> *kind = nullptr;
    if (auto index = dyn_cast<linalg::IndexOp>(inner))
      kind = index.getDim() == numLoops - 1 ? &rowOnly : &fullRank;
    else if (llvm::any_of(inner.getOperands(),
                          [&](Value v) { return fullRank.contains(v); }))
      kind = &fullRank;
    else if (llvm::any_of(inner.getOperands(),
                          [&](Value v) { return rowOnly.contains(v); }))
      kind = &rowOnly;
    if (kind)
      kind->insert(inner.result_begin(), inner.result_end());
  }
  if (rowOnly.empty())
    return false;
  SmallVector<BlockArgument> outputs(op.getRegionOutputArgs());
  for (unsigned i = 0, e = outputs.size(); i < e; ++i) {
    SmallVector<Operation *> combiners;
    if (Value reduced = matchReduction(outputs, i, combiners))
      if (rowOnly.contains(reduced))
        return true;
  }
  return false;
}

/// Rewrites a vector.multi_reduction over the innermost dim of a vector whose
/// other dims are 1 (a row tile of an innermost reduction) into a halving
/// tree: the two halves combined lane by lane down to one element, then
/// combined with the accumulator. This reassociates like the lane-wise
/// reductions over outer dims do; a vector.reduction `add` would lower to
/// LLVM's ordered reduction, one dependent add per element.
void lowerInnermostReduction(RewriterBase &rewriter,
                             vector::MultiDimReductionOp red) {
  VectorType srcType = red.getSourceVectorType();
  int64_t rank = srcType.getRank();
  if (red.getReductionDims() != ArrayRef<int64_t>{rank - 1} ||
      llvm::any_of(srcType.getShape().drop_back(),
                   [](int64_t s) { return s != 1; }) ||
      srcType.isScalable())
    return;
  rewriter.setInsertionPoint(red);
  Location loc = red.getLoc();
  vector::CombiningKind kind = red.getKind();
  int64_t n = srcType.getShape().back();
  Type elt = srcType.getElementType();
  Value v = vector::ShapeCastOp::create(
      rewriter, loc, VectorType::get({n}, elt), red.getSource());
  while (n > 1 && n % 2 == 0) {
    n /= 2;
    auto half = [&](int64_t offset) {
      return vector::ExtractStridedSliceOp::create(
          rewriter, loc, v, ArrayRef<int64_t>{offset}, ArrayRef<int64_t>{n},
          ArrayRef<int64_t>{1});
    };
    v = vector::makeArithReduction(rewriter, loc, kind, half(0), half(n));
  }
  Value acc = red.getAcc();
  bool vectorAcc = isa<VectorType>(acc.getType());
  Value accScalar =
      vectorAcc ? vector::ExtractOp::create(rewriter, loc, acc,
                                            SmallVector<int64_t>(rank - 1, 0))
                      .getResult()
                : acc;
  Value r = n == 1
                ? vector::makeArithReduction(
                      rewriter, loc, kind,
                      vector::ExtractOp::create(rewriter, loc, v,
                                                ArrayRef<int64_t>{0}),
                      accScalar)
                : vector::ReductionOp::create(rewriter, loc, kind, v, accScalar)
                      .getResult();
  if (vectorAcc)
    r = vector::BroadcastOp::create(rewriter, loc, acc.getType(), r);
  rewriter.replaceOp(red, r);
}

/// Tiles `op` by rows (or square tiles when it transposes) and vectorises the
/// tile. An innermost reduction (the row max / row sum of scores kept as
/// [rows, keys]) becomes one horizontal reduction per row
/// (lowerInnermostReduction). Leaves `op` alone when its innermost loop is
/// dynamic, when it reduces over both inner and outer dims, or when the
/// vectoriser would miscompile it (combinesOutputWithRowIndex).
LogicalResult vectorizeByRows(RewriterBase &rewriter, linalg::LinalgOp op,
                              int64_t maxVectorSize, int64_t transposeTile) {
  unsigned numLoops = op.getNumLoops();
  if (numLoops == 0 || !op.hasPureTensorSemantics())
    return failure();
  // Vectors of i1 are bit-packed in memory while i1 buffers hold a byte per
  // element: vector loads of an i1 mask would read the wrong bits.
  if (llvm::any_of(op->getOperandTypes(), [](Type t) {
        Type elt = getElementTypeOrSelf(t);
        return elt.isIntOrFloat() && elt.getIntOrFloatBitWidth() < 8;
      }))
    return failure();
  if (combinesOutputWithRowIndex(op))
    return failure();
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t inner = ranges.back();
  bool innerReduction =
      linalg::isReductionIterator(op.getIteratorTypesArray().back());
  if (ShapedType::isDynamic(inner) ||
      (innerReduction && op.getNumReductionLoops() != 1))
    return failure();

  // Tile sizes: 1 for every outer loop, a divisor of the innermost size.
  SmallVector<OpFoldResult> tileSizes(numLoops - 1, rewriter.getIndexAttr(1));
  int64_t innerTile = largestDivisorAtMost(inner, maxVectorSize);
  tileSizes.push_back(
      rewriter.getIndexAttr(innerTile == inner ? 0 : innerTile));
  bool needsTiling =
      innerTile != inner || llvm::any_of(ArrayRef(ranges).drop_back(),
                                         [](int64_t r) { return r != 1; });
  if (isTiledTranspose(op, ranges, transposeTile)) {
    tileSizes.assign(2, rewriter.getIndexAttr(transposeTile));
    needsTiling = true;
  }

  Operation *target = op;
  rewriter.setInsertionPoint(op);
  if (needsTiling) {
    scf::SCFTilingOptions options;
    options.setTileSizes(tileSizes);
    // With the innermost dim tiled too, its loop goes outermost when outer
    // dims reduce, so that each accumulator slice is invariant in the
    // reduction loops inside it.
    if (innerTile != inner && op.getNumReductionLoops() != 0 &&
        !innerReduction) {
      SmallVector<int64_t> order = {int64_t(numLoops) - 1};
      for (int64_t i = 0; i + 1 < int64_t(numLoops); ++i)
        order.push_back(i);
      options.setInterchange(order);
    }
    FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
        rewriter, cast<TilingInterface>(op.getOperation()), options);
    if (failed(tiled))
      return failure();
    rewriter.replaceOp(op, tiled->replacements);
    target = tiled->tiledOps.back();
  }
  rewriter.setInsertionPoint(target);
  Block *block = target->getBlock();
  FailureOr<linalg::VectorizationResult> vectorized =
      linalg::vectorize(rewriter, target);
  if (failed(vectorized))
    return success(); // Tiled but scalar: still correct.
  rewriter.replaceOp(target, vectorized->replacements);
  if (innerReduction) {
    // The vectorised tile's reductions are in `block`; any other one there
    // that matches is rewritten the same way, which is as correct.
    SmallVector<vector::MultiDimReductionOp> reductions;
    block->walk(
        [&](vector::MultiDimReductionOp red) { reductions.push_back(red); });
    for (vector::MultiDimReductionOp red : reductions)
      lowerInnermostReduction(rewriter, red);
  }
  return success();
}

/// A 0-d transfer_read (what dropping the unit dims of a 1 x 1 tile's read
/// leaves, e.g. the mask element of a one-key tile) becomes tensor.extract +
/// broadcast. convert-vector-to-llvm lowers a 0-d read only from a memref
/// whose innermost stride is 1, and a slice of a wider tensor has another.
struct ScalarTransferReadToExtract : OpRewritePattern<vector::TransferReadOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(vector::TransferReadOp read,
                                PatternRewriter &rewriter) const override {
    if (read.getVectorType().getRank() != 0 || read.getMask() ||
        !isa<RankedTensorType>(read.getBase().getType()))
      return failure();
    Value scalar = tensor::ExtractOp::create(rewriter, read.getLoc(),
                                             read.getBase(), read.getIndices());
    rewriter.replaceOpWithNewOp<vector::BroadcastOp>(read, read.getVectorType(),
                                                     scalar);
    return success();
  }
};

struct MHAVectorizeRowsPass
    : mha::impl::MHAVectorizeRowsBase<MHAVectorizeRowsPass> {
  using MHAVectorizeRowsBase::MHAVectorizeRowsBase;

  void runOnOperation() override {
    int64_t maxSize = maxVectorSize, square = transposeTile;
    if (maxSize <= 0 || square < 0) {
      getOperation()->emitError()
          << "mha-vectorize-rows: max-vector-size must be positive and "
             "transpose-tile non-negative, got max-vector-size="
          << maxSize << " transpose-tile=" << square;
      return signalPassFailure();
    }
    MLIRContext *ctx = &getContext();
    // Only the loop nests of tiled ops (scf.forall bodies) are touched: other
    // ops keep their scalar lowering and the libm exp.
    SmallVector<scf::ForallOp> roots;
    getOperation()->walk<WalkOrder::PreOrder>([&](scf::ForallOp forall) {
      roots.push_back(forall);
      return WalkResult::skip();
    });
    IRRewriter rewriter(ctx);
    for (scf::ForallOp root : roots) {
      SmallVector<linalg::LinalgOp> candidates;
      root->walk([&](linalg::LinalgOp op) {
        if (isa<linalg::GenericOp, linalg::FillOp, linalg::CopyOp>(op))
          candidates.push_back(op);
      });
      for (linalg::LinalgOp op : candidates)
        (void)vectorizeByRows(rewriter, op, maxSize, square);
    }

    auto addCanonicalization = [&](RewritePatternSet &patterns) {
      for (Dialect *dialect : ctx->getLoadedDialects())
        dialect->getCanonicalizationPatterns(patterns);
      for (RegisteredOperationName name : ctx->getRegisteredOperations())
        name.getCanonicalizationPatterns(patterns, ctx);
    };
    // Row tiles are written with transfer_write into an extract_slice that
    // is inserted back: fold the pair into a write of the whole tensor first
    // (before unit dims are dropped, which hides the pair), so that
    // bufferization sees no insert_slice and emits no copy.
    RewritePatternSet foldPatterns(ctx);
    tensor::populateFoldTensorSubsetIntoVectorTransferPatterns(foldPatterns);
    addCanonicalization(foldPatterns);
    FrozenRewritePatternSet folds(std::move(foldPatterns));

    // Then down to 1-D vector ops, with a polynomial exp.
    RewritePatternSet lowerPatterns(ctx);
    tensor::populateFoldTensorSubsetIntoVectorTransferPatterns(lowerPatterns);
    vector::populateVectorMultiReductionLoweringPatterns(
        lowerPatterns, vector::VectorMultiReductionLowering::InnerParallel);
    vector::populateCastAwayVectorLeadingOneDimPatterns(lowerPatterns);
    vector::populateVectorTransferDropUnitDimsPatterns(lowerPatterns);
    vector::populateVectorTransferPermutationMapLoweringPatterns(lowerPatterns);
    vector::populateSinkVectorOpsPatterns(lowerPatterns);
    vector::populateVectorTransposeLoweringPatterns(
        lowerPatterns, square == 16
                           ? vector::VectorTransposeLowering::Shuffle16x16
                           : vector::VectorTransposeLowering::Shuffle1D);
    populateMathPolynomialApproximationPatterns(
        lowerPatterns,
        [](StringRef name) { return name == math::ExpOp::getOperationName(); });
    lowerPatterns.add<ScalarTransferReadToExtract>(ctx);
    addCanonicalization(lowerPatterns);
    FrozenRewritePatternSet lowering(std::move(lowerPatterns));

    for (scf::ForallOp root : roots) {
      if (failed(applyPatternsGreedily(root, folds)))
        return signalPassFailure();
      // Reduction accumulators (and any value read and written back at the
      // same place every iteration) become vectors carried by the loops.
      SmallVector<scf::ForOp> loops;
      root->walk([&](scf::ForOp loop) { loops.push_back(loop); });
      for (scf::ForOp loop : loops)
        (void)hoistLoopInvariantSubsets(rewriter, loop);
      if (failed(applyPatternsGreedily(root, lowering)))
        return signalPassFailure();
    }
  }
};
} // namespace
