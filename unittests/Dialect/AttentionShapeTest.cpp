//===- AttentionShapeTest.cpp - AttentionShape of parsed ops --------------===//

#include "mha/Dialect/MHA/Utils/AttentionShape.h"
#include "mha/Dialect/MHA/IR/MHADialect.h"
#include "mha/Dialect/MHA/IR/MHAOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include "gtest/gtest.h"

using namespace mlir;
using namespace mlir::mha;

namespace {
constexpr int64_t kDyn = ShapedType::kDynamic;

/// Whether `size` is `dim` of `source`, as a DimOp (tensor or memref).
template <typename DimOp>
bool isDimOf(OpFoldResult size, Value source, int64_t dim) {
  auto value = dyn_cast_if_present<Value>(size);
  auto op = value ? value.getDefiningOp<DimOp>() : DimOp();
  return op && op.getSource() == source && op.getConstantIndex() == dim;
}

class AttentionShapeTest : public ::testing::Test {
protected:
  AttentionShapeTest() {
    ctx.loadDialect<MHADialect, func::FuncDialect, memref::MemRefDialect,
                    tensor::TensorDialect>();
  }

  /// The only mha.attention of `ir`, which must parse and verify.
  AttentionOp parse(StringRef ir) {
    module = parseSourceString<ModuleOp>(ir, &ctx);
    EXPECT_TRUE(module) << ir.str();
    AttentionOp found;
    if (module)
      module->walk([&](AttentionOp op) { found = op; });
    EXPECT_TRUE(found);
    return found;
  }

  MLIRContext ctx;
  OwningOpRef<ModuleOp> module;
};

TEST_F(AttentionShapeTest, StaticGQAWithBroadcastMask) {
  AttentionOp op = parse(R"mlir(
    func.func @f(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>,
                 %v: tensor<2x2x32x48xf16>, %m: tensor<1x8x1x32xi1>)
        -> tensor<2x8x16x48xf16> {
      %o = mha.attention %q, %k, %v mask(%m) {causal}
          : tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>,
            tensor<2x2x32x48xf16>, tensor<1x8x1x32xi1> -> tensor<2x8x16x48xf16>
      return %o : tensor<2x8x16x48xf16>
    })mlir");
  AttentionShape s = AttentionShape::get(op);
  EXPECT_EQ(s.batch, 2);
  EXPECT_EQ(s.numHeads, 8);
  EXPECT_EQ(s.numKvHeads, 2);
  EXPECT_EQ(s.group, 4);
  EXPECT_EQ(s.sq, 16);
  EXPECT_EQ(s.skv, 32);
  EXPECT_EQ(s.headDim, 64);
  EXPECT_EQ(s.valueDim, 48);
  EXPECT_TRUE(s.elementType.isF16());
  EXPECT_TRUE(s.causal);
  EXPECT_DOUBLE_EQ(s.scale, 0.125);
  EXPECT_TRUE(s.hasStaticSq() && s.hasStaticSkv());

  ASSERT_TRUE(s.hasMask());
  EXPECT_TRUE(s.hasBoolMask());
  EXPECT_TRUE(s.isMaskBroadcast(0));
  EXPECT_FALSE(s.isMaskBroadcast(1));
  EXPECT_TRUE(s.isMaskBroadcast(2));
  EXPECT_FALSE(s.isMaskBroadcast(3));

  AffineExpr b, h, i, j;
  bindDims(&ctx, b, h, i, j);
  AffineExpr zero = getAffineConstantExpr(0, &ctx);
  EXPECT_EQ(s.getMaskIndices({b, h, i, j}),
            (SmallVector<AffineExpr>{zero, h, zero, j}));
  EXPECT_EQ(s.getKvHead(h), h.floorDiv(4));
}

TEST_F(AttentionShapeTest, NoMaskNoGroupExplicitScale) {
  AttentionOp op = parse(R"mlir(
    func.func @f(%q: tensor<1x4x1x32xf32>, %kv: tensor<1x4x100x32xf32>)
        -> tensor<1x4x1x32xf32> {
      %o = mha.attention %q, %kv, %kv {scale = 5.000000e-01 : f32}
          : tensor<1x4x1x32xf32>, tensor<1x4x100x32xf32>,
            tensor<1x4x100x32xf32> -> tensor<1x4x1x32xf32>
      return %o : tensor<1x4x1x32xf32>
    })mlir");
  AttentionShape s = AttentionShape::get(op);
  EXPECT_FALSE(s.hasMask());
  EXPECT_FALSE(s.hasBoolMask());
  EXPECT_FALSE(s.isMaskBroadcast(0));
  EXPECT_FALSE(s.causal);
  EXPECT_DOUBLE_EQ(s.scale, 0.5);
  EXPECT_EQ(s.group, 1);
  AffineExpr h = getAffineDimExpr(1, &ctx);
  EXPECT_EQ(s.getKvHead(h), h);
}

// Operands disagree on static-ness: the most static view of each size wins,
// including a float mask's non-broadcast dims.
TEST_F(AttentionShapeTest, MostStaticViewWins) {
  AttentionOp op = parse(R"mlir(
    func.func @f(%q: tensor<?x2x?x16xbf16>, %k: tensor<?x1x?x16xbf16>,
                 %v: tensor<?x1x?x16xbf16>, %m: tensor<3x1x?x40xbf16>)
        -> tensor<?x2x5x16xbf16> {
      %o = mha.attention %q, %k, %v mask(%m)
          : tensor<?x2x?x16xbf16>, tensor<?x1x?x16xbf16>,
            tensor<?x1x?x16xbf16>, tensor<3x1x?x40xbf16>
            -> tensor<?x2x5x16xbf16>
      return %o : tensor<?x2x5x16xbf16>
    })mlir");
  AttentionShape s = AttentionShape::get(op);
  EXPECT_EQ(s.batch, 3);
  EXPECT_EQ(s.sq, 5);
  EXPECT_EQ(s.skv, 40);
  EXPECT_TRUE(s.hasMask());
  EXPECT_FALSE(s.hasBoolMask());
  EXPECT_TRUE(s.isMaskBroadcast(1));
  EXPECT_FALSE(s.isMaskBroadcast(2));
}

// Dynamic sizes become dims of the given query and key, tensors or memrefs;
// static ones are attributes.
TEST_F(AttentionShapeTest, SizesForBuilders) {
  AttentionOp op = parse(R"mlir(
    func.func @f(%q: tensor<?x4x7x8xf32>, %k: tensor<?x2x?x8xf32>,
                 %v: tensor<?x2x?x12xf32>, %qb: memref<?x4x7x8xf32>,
                 %kb: memref<?x2x?x8xf32>) -> tensor<?x4x7x12xf32> {
      %o = mha.attention %q, %k, %v
          : tensor<?x4x7x8xf32>, tensor<?x2x?x8xf32>, tensor<?x2x?x12xf32>
            -> tensor<?x4x7x12xf32>
      return %o : tensor<?x4x7x12xf32>
    })mlir");
  AttentionShape s = AttentionShape::get(op);
  EXPECT_EQ(s.batch, kDyn);
  EXPECT_EQ(s.skv, kDyn);
  EXPECT_TRUE(s.hasStaticSq());
  EXPECT_FALSE(s.hasStaticSkv());

  OpBuilder b(op);
  Location loc = op.getLoc();
  AttentionSizes t = s.getSizes(b, loc, op.getQuery(), op.getKey());
  EXPECT_TRUE(isDimOf<tensor::DimOp>(t.batch, op.getQuery(), 0));
  EXPECT_TRUE(isDimOf<tensor::DimOp>(t.skv, op.getKey(), 2));
  EXPECT_EQ(getConstantIntValue(t.sq), 7);
  EXPECT_EQ(getConstantIntValue(t.numHeads), 4);
  EXPECT_EQ(getConstantIntValue(t.numKvHeads), 2);
  EXPECT_EQ(getConstantIntValue(t.headDim), 8);
  EXPECT_EQ(getConstantIntValue(t.valueDim), 12);
  EXPECT_EQ(t.getResultSizes().size(), 4u);
  EXPECT_EQ(getConstantIntValue(t.getResultSizes()[3]), 12);
  EXPECT_EQ(t.getScoreSizes()[3], t.skv);

  auto fn = op->getParentOfType<func::FuncOp>();
  Value qBuf = fn.getArgument(3), kBuf = fn.getArgument(4);
  AttentionSizes m = s.getSizes(b, loc, qBuf, kBuf);
  EXPECT_TRUE(isDimOf<memref::DimOp>(m.batch, qBuf, 0));
  EXPECT_TRUE(isDimOf<memref::DimOp>(m.skv, kBuf, 2));
  EXPECT_EQ(getConstantIntValue(m.sq), 7);
}
} // namespace
