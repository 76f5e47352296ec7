//===- DecomposeMultiHeadAttention.cpp - mha-decompose-multi-head-attention
//===//
//
// Rewrites the whole-layer `mha.multi_head_attention` into linalg projections,
// head split/merge reshapes and one `mha.attention`, so that later passes only
// need to know how to lower (or fuse) the attention core.
//
//===----------------------------------------------------------------------===//

#include "mha/Dialect/MHA/IR/MHAOps.h"
#include "mha/Dialect/MHA/Transforms/Passes.h"
#include "mha/Dialect/MHA/Utils/BuilderUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#define DEBUG_TYPE "mha-decompose-multi-head-attention"

namespace mlir::mha {
#define GEN_PASS_DEF_MHADECOMPOSEMULTIHEADATTENTION
#include "mha/Dialect/MHA/Transforms/Passes.h.inc"
} // namespace mlir::mha

using namespace mlir;
using namespace mlir::mha;

namespace {
/// The tensor type of `shape`, with a dynamic dim for each SSA size.
RankedTensorType mixedTensorType(ArrayRef<OpFoldResult> shape, Type elt) {
  return RankedTensorType::get(decomposeMixedValues(shape).first, elt);
}

/// Casts `x` ([B, S, E]) so that E is static: the verifier lets a dynamic E
/// through, but the projections and the final expand need it fixed.
Value castToStaticEmbedding(OpBuilder &b, Location loc, Value x, int64_t e) {
  auto type = cast<RankedTensorType>(x.getType());
  if (!type.isDynamicDim(2))
    return x;
  SmallVector<int64_t> shape(type.getShape());
  shape[2] = e;
  return tensor::CastOp::create(b, loc, type.clone(shape), x);
}

/// An input prepared for projection: the [B*S, E] rows of a 2-D matmul, or
/// [B, S, E] itself, with the sizes of its leading dims.
struct ProjInput {
  Value x;
  SmallVector<OpFoldResult> lead;
};

/// Flattens [B, S, E] to [B*S, E] rows, unless B and S are both dynamic: the
/// [B*S, N] -> [B, S, ...] expand_shape that would undo it has two dynamic
/// dims in one group, and LLVM 22's expand-strided-metadata crashes on that
/// (llvm/llvm-project#186830, fixed after 22 by #187844). That case keeps
/// [B, S, E] and only ever reshapes the static trailing dims.
ProjInput prepareInput(OpBuilder &b, Location loc, Value x,
                       ArrayRef<OpFoldResult> sizes) {
  auto type = cast<RankedTensorType>(x.getType());
  if (type.isDynamicDim(0) && type.isDynamicDim(1))
    return {x, {sizes[0], sizes[1]}};
  Value rows = tensor::CollapseShapeOp::create(
      b, loc, x, ArrayRef<ReassociationIndices>{{0, 1}, {2}});
  return {rows, {tensor::getMixedSize(b, loc, rows, 0)}};
}

/// The reassociation between [B, S, H, D] and [B*S, H*D] (`rank` 2) or
/// [B, S, H*D] (`rank` 3).
SmallVector<ReassociationIndices> headGroups(int64_t rank) {
  if (rank == 2)
    return {{0, 1}, {2, 3}};
  return {{0}, {1}, {2, 3}};
}

/// x [M, K] or [B, S, K] x w [K, C] (+ bias [C]) -> [M, C] or [B, S, C], with
/// `lead` the sizes of the leading dims. Accumulates in f32 (as the attention
/// core does) and rounds once to the element type after the bias, like
/// cuBLAS-backed f16/bf16 linear layers.
Value project(OpBuilder &b, Location loc, Value x, ArrayRef<OpFoldResult> lead,
              Value w, Value bias) {
  Type elt = cast<RankedTensorType>(x.getType()).getElementType();
  Type f32 = b.getF32Type();
  int64_t rank = lead.size() + 1;
  int64_t cols = cast<RankedTensorType>(w.getType()).getDimSize(1);
  SmallVector<OpFoldResult> shape(lead);
  shape.push_back(b.getIndexAttr(cols));
  Value empty = tensor::EmptyOp::create(b, loc, shape, f32);
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(f32));
  Value init =
      linalg::FillOp::create(b, loc, ValueRange{zero}, ValueRange{empty})
          .getResult(0);
  Value acc;
  if (rank == 2) {
    acc = linalg::MatmulOp::create(b, loc, ValueRange{x, w}, ValueRange{init})
              .getResult(0);
  } else {
    // The same contraction over (b, s, c, k), as linalg.matmul computes it.
    MLIRContext *ctx = b.getContext();
    AffineExpr bd, sd, cd, kd;
    bindDims(ctx, bd, sd, cd, kd);
    SmallVector<AffineMap> maps = {AffineMap::get(4, 0, {bd, sd, kd}, ctx),
                                   AffineMap::get(4, 0, {kd, cd}, ctx),
                                   AffineMap::get(4, 0, {bd, sd, cd}, ctx)};
    SmallVector<utils::IteratorType> iterators(3,
                                               utils::IteratorType::parallel);
    iterators.push_back(utils::IteratorType::reduction);
    acc = contraction(b, loc, x, w, init, maps, iterators);
  }
  if (!bias && elt == f32)
    return acc;

  // One elementwise epilogue: broadcast the bias along the rows, add it in
  // f32 and round to the element type.
  AffineMap identity = b.getMultiDimIdentityMap(rank);
  AffineMap column = AffineMap::get(rank, 0, b.getAffineDimExpr(rank - 1));
  SmallVector<Value> ins = {acc};
  SmallVector<AffineMap> maps = {identity};
  if (bias) {
    ins.push_back(bias);
    maps.push_back(column);
  }
  maps.push_back(identity);
  Value out = tensor::EmptyOp::create(b, loc, shape, elt);
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{out.getType()}, ins, ValueRange{out}, maps,
             iterators,
             [&](OpBuilder &nb, Location nloc, ValueRange args) {
               Value sum = args[0];
               if (bias) {
                 Value bv = args[1];
                 if (elt != f32)
                   bv = arith::ExtFOp::create(nb, nloc, f32, bv);
                 sum = arith::AddFOp::create(nb, nloc, sum, bv);
               }
               if (elt != f32)
                 sum = arith::TruncFOp::create(nb, nloc, elt, sum);
               linalg::YieldOp::create(nb, nloc, sum);
             })
      .getResult(0);
}

/// `x` transposed by `perm` into a fresh tensor of the permuted `shape`.
Value transpose(OpBuilder &b, Location loc, Value x,
                ArrayRef<OpFoldResult> shape, ArrayRef<int64_t> perm) {
  Type elt = cast<RankedTensorType>(x.getType()).getElementType();
  SmallVector<OpFoldResult> permuted =
      llvm::map_to_vector(perm, [&](int64_t i) { return shape[i]; });
  Value init = tensor::EmptyOp::create(b, loc, permuted, elt);
  return linalg::TransposeOp::create(b, loc, x, init, perm)->getResult(0);
}

/// [B*S, heads*dim] or [B, S, heads*dim] -> [B, S, heads, dim]
/// -> [B, heads, S, dim].
Value splitHeads(OpBuilder &b, Location loc, Value proj, OpFoldResult batch,
                 OpFoldResult seq, int64_t heads, int64_t dim) {
  Type elt = cast<RankedTensorType>(proj.getType()).getElementType();
  SmallVector<OpFoldResult> shape = {batch, seq, b.getIndexAttr(heads),
                                     b.getIndexAttr(dim)};
  Value expanded = tensor::ExpandShapeOp::create(
      b, loc, mixedTensorType(shape, elt), proj,
      headGroups(cast<RankedTensorType>(proj.getType()).getRank()), shape);
  return transpose(b, loc, expanded, shape, {0, 2, 1, 3});
}

struct DecomposeMultiHeadAttention : OpRewritePattern<MultiHeadAttentionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MultiHeadAttentionOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    // The verifier guarantees static weights and divisible head counts.
    int64_t h = op.getNumHeads();
    int64_t hkv = op.getNumKvHeadsOrDefault();
    int64_t e = op.getWq().getType().getDimSize(0);
    int64_t d = op.getWq().getType().getDimSize(1) / h;
    int64_t dv = op.getWv().getType().getDimSize(1) / hkv;
    Type elt = op.getQueryInput().getType().getElementType();

    Value xq = castToStaticEmbedding(rewriter, loc, op.getQueryInput(), e);
    Value xkv = op.getKvInput() == op.getQueryInput()
                    ? xq
                    : castToStaticEmbedding(rewriter, loc, op.getKvInput(), e);
    SmallVector<OpFoldResult> qSizes = tensor::getMixedSizes(rewriter, loc, xq);
    SmallVector<OpFoldResult> kvSizes =
        xkv == xq ? qSizes : tensor::getMixedSizes(rewriter, loc, xkv);

    // Self-attention projects Q, K and V from the same rows.
    ProjInput qIn = prepareInput(rewriter, loc, xq, qSizes);
    ProjInput kvIn =
        xkv == xq ? qIn : prepareInput(rewriter, loc, xkv, kvSizes);
    Value q = project(rewriter, loc, qIn.x, qIn.lead, op.getWq(), op.getBq());
    Value k = project(rewriter, loc, kvIn.x, kvIn.lead, op.getWk(), op.getBk());
    Value v = project(rewriter, loc, kvIn.x, kvIn.lead, op.getWv(), op.getBv());

    q = splitHeads(rewriter, loc, q, qSizes[0], qSizes[1], h, d);
    k = splitHeads(rewriter, loc, k, kvSizes[0], kvSizes[1], hkv, d);
    v = splitHeads(rewriter, loc, v, kvSizes[0], kvSizes[1], hkv, dv);

    SmallVector<OpFoldResult> oShape = {qSizes[0], rewriter.getIndexAttr(h),
                                        qSizes[1], rewriter.getIndexAttr(dv)};
    Value o =
        op.createAttention(rewriter, loc, mixedTensorType(oShape, elt), q, k, v)
            .getResult();

    // Concatenate the heads: [B, H, Sq, Dv] -> [B, Sq, H, Dv] -> [B*Sq, H*Dv]
    // (or [B, Sq, H*Dv], laid out as the query projection's input).
    o = transpose(rewriter, loc, o, oShape, {0, 2, 1, 3});
    o = tensor::CollapseShapeOp::create(rewriter, loc, o,
                                        headGroups(qIn.lead.size() + 1));
    Value y = project(rewriter, loc, o, qIn.lead, op.getWo(), op.getBo());

    if (qIn.lead.size() == 1) {
      SmallVector<OpFoldResult> yShape = {qSizes[0], qSizes[1],
                                          rewriter.getIndexAttr(e)};
      y = tensor::ExpandShapeOp::create(
          rewriter, loc, mixedTensorType(yShape, elt), y,
          ArrayRef<ReassociationIndices>{{0, 1}, {2}}, yShape);
    }
    // The result type may be more static than the inputs (e.g. a static B
    // with a dynamic query_input B); the verifier made them compatible.
    if (y.getType() != op.getType())
      y = tensor::CastOp::create(rewriter, loc, op.getType(), y);
    rewriter.replaceOp(op, y);
    return success();
  }
};

struct MHADecomposeMultiHeadAttentionPass
    : mha::impl::MHADecomposeMultiHeadAttentionBase<
          MHADecomposeMultiHeadAttentionPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateDecomposeMultiHeadAttentionPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace

void mlir::mha::populateDecomposeMultiHeadAttentionPatterns(
    RewritePatternSet &patterns) {
  patterns.add<DecomposeMultiHeadAttention>(patterns.getContext());
}
