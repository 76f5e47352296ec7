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
    }
  }
};
} // namespace
