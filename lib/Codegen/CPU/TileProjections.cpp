//===- TileProjections.cpp - mha-tile-projections -------------------------===//
//
// Tiles the `linalg.matmul` projections of a decomposed attention layer into
// an `scf.forall` over [block-rows, block-cols] blocks, as generic ops. The
// blocks then run on OpenMP threads and, when static, get the same
// register-blocked FMA micro-kernels as attention
// (`mha-vectorize-contractions` works on generics inside `scf.forall`).
//
//===----------------------------------------------------------------------===//

#include "mha/Codegen/CPU/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

#define DEBUG_TYPE "mha-tile-projections"

namespace mlir::mha {
#define GEN_PASS_DEF_MHATILEPROJECTIONS
#include "mha/Codegen/CPU/Passes.h.inc"
} // namespace mlir::mha

using namespace mlir;

namespace {
struct MHATileProjectionsPass
    : mha::impl::MHATileProjectionsBase<MHATileProjectionsPass> {
  using MHATileProjectionsBase::MHATileProjectionsBase;

  void runOnOperation() override {
    if (blockDepth < 0) {
      getOperation()->emitError()
          << "mha-tile-projections: block-depth must not be negative, got "
          << int64_t(blockDepth);
      return signalPassFailure();
    }
    if (blockRows <= 0 || blockCols <= 0) {
      getOperation()->emitError()
          << "mha-tile-projections: block-rows and block-cols must be "
             "positive, got block-rows="
          << int64_t(blockRows) << " block-cols=" << int64_t(blockCols);
      return signalPassFailure();
    }
    SmallVector<linalg::MatmulOp> matmuls;
    getOperation()->walk([&](linalg::MatmulOp op) {
      if (op.hasPureTensorSemantics() && !op->getParentOfType<scf::ForallOp>())
        matmuls.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::MatmulOp matmul : matmuls) {
      // Generic form first: the micro-kernel pass matches generics.
      rewriter.setInsertionPoint(matmul);
      FailureOr<linalg::GenericOp> generic =
          linalg::generalizeNamedOp(rewriter, matmul);
      if (failed(generic))
        continue;
      scf::SCFTilingOptions options;
      options.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
      options.setTileSizes({rewriter.getIndexAttr(blockRows),
                            rewriter.getIndexAttr(blockCols),
                            rewriter.getIndexAttr(0)});
      rewriter.setInsertionPoint(*generic);
      FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
          rewriter, cast<TilingInterface>(generic->getOperation()), options);
      if (failed(tiled))
        continue;
      rewriter.replaceOp(*generic, tiled->replacements);
      if (blockDepth > 0 && tiled->tiledOps.size() == 1)
        splitReduction(rewriter, tiled->tiledOps.front());
    }
  }

  /// Splits the reduction of the block `op` into static chunks of the largest
  /// divisor of its length that is at most block-depth.
  void splitReduction(IRRewriter &rewriter, Operation *op) {
    auto generic = dyn_cast<linalg::GenericOp>(op);
    if (!generic)
      return;
    int64_t k = generic.getStaticLoopRanges()[2];
    if (ShapedType::isDynamic(k) || k <= blockDepth)
      return;
    int64_t depth = blockDepth;
    while (k % depth != 0)
      --depth;
    // Chunks too short to amortise reloading the accumulators: keep it whole.
    if (depth < 16)
      return;
    scf::SCFTilingOptions options;
    options.setLoopType(scf::SCFTilingOptions::LoopType::ForOp);
    options.setTileSizes({rewriter.getIndexAttr(0), rewriter.getIndexAttr(0),
                          rewriter.getIndexAttr(depth)});
    rewriter.setInsertionPoint(generic);
    FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
        rewriter, cast<TilingInterface>(generic.getOperation()), options);
    if (succeeded(tiled))
      rewriter.replaceOp(generic, tiled->replacements);
  }
};
} // namespace
