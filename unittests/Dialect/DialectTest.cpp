//===- DialectTest.cpp - mha ops built programmatically ------------------===//

#include "mha/Dialect/MHA/IR/MHAOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"

#include "gtest/gtest.h"

using namespace mlir;
using namespace mlir::mha;

namespace {
class MHADialectTest : public ::testing::Test {
protected:
  MHADialectTest() : builder(&ctx) {
    ctx.loadDialect<MHADialect, func::FuncDialect>();
    module = ModuleOp::create(builder.getUnknownLoc());
    builder.setInsertionPointToEnd(module->getBody());
    // Collect diagnostics instead of printing them.
    handler = ctx.getDiagEngine().registerHandler([this](Diagnostic &d) {
      diagnostics.push_back(d.str());
      return success();
    });
  }
  ~MHADialectTest() override { ctx.getDiagEngine().eraseHandler(handler); }

  RankedTensorType tensor(ArrayRef<int64_t> shape, Type elt = {}) {
    return RankedTensorType::get(shape, elt ? elt : builder.getF32Type());
  }

  /// Creates a function whose arguments have `types` and returns its args.
  SmallVector<Value> args(ArrayRef<Type> types) {
    auto fn = func::FuncOp::create(builder, builder.getUnknownLoc(), "f",
                                   builder.getFunctionType(types, {}));
    Block *entry = fn.addEntryBlock();
    builder.setInsertionPointToEnd(entry);
    return SmallVector<Value>(entry->getArguments());
  }

  MLIRContext ctx;
  OpBuilder builder;
  OwningOpRef<ModuleOp> module;
  DiagnosticEngine::HandlerID handler;
  std::vector<std::string> diagnostics;
};

TEST_F(MHADialectTest, AttentionGQAVerifies) {
  auto q = tensor({2, 8, 16, 64}), kv = tensor({2, 2, 32, 64});
  SmallVector<Value> a = args({q, kv, kv});
  auto op = AttentionOp::create(builder, builder.getUnknownLoc(), q, a[0],
                                a[1], a[2], /*mask=*/Value(),
                                /*scale=*/nullptr, /*causal=*/true);
  EXPECT_TRUE(succeeded(verify(op)));
  EXPECT_EQ(op.getGroupSize(), 4);
  EXPECT_DOUBLE_EQ(op.getEffectiveScale(), 0.125);
  EXPECT_TRUE(op.getCausal());
  EXPECT_TRUE(diagnostics.empty());
}

TEST_F(MHADialectTest, AttentionExplicitScaleAndMask) {
  auto q = tensor({1, 4, 1, 128}), kv = tensor({1, 4, 300, 128});
  auto m = tensor({1, 1, 1, 300}, builder.getI1Type());
  SmallVector<Value> a = args({q, kv, kv, m});
  auto op = AttentionOp::create(builder, builder.getUnknownLoc(), q, a[0],
                                a[1], a[2], a[3], builder.getF32FloatAttr(0.5),
                                false);
  EXPECT_TRUE(succeeded(verify(op)));
  EXPECT_DOUBLE_EQ(op.getEffectiveScale(), 0.5);
}

TEST_F(MHADialectTest, AttentionHeadDivisibilityDiagnostic) {
  auto q = tensor({1, 6, 8, 16}), kv = tensor({1, 4, 8, 16});
  SmallVector<Value> a = args({q, kv, kv});
  auto op = AttentionOp::create(builder, builder.getUnknownLoc(), q, a[0],
                                a[1], a[2], Value(), nullptr, false);
  EXPECT_TRUE(failed(verify(op)));
  ASSERT_EQ(diagnostics.size(), 1u);
  EXPECT_NE(diagnostics[0].find("query head count H = 6 must be a multiple "
                                "of key head count Hkv = 4"),
            std::string::npos)
      << diagnostics[0];
}

TEST_F(MHADialectTest, AttentionMaskBroadcastDiagnostic) {
  auto q = tensor({2, 4, 8, 16}), kv = tensor({2, 4, 10, 16});
  auto m = tensor({1, 1, 8, 9}, builder.getI1Type());
  SmallVector<Value> a = args({q, kv, kv, m});
  auto op = AttentionOp::create(builder, builder.getUnknownLoc(), q, a[0],
                                a[1], a[2], a[3], nullptr, false);
  EXPECT_TRUE(failed(verify(op)));
  ASSERT_EQ(diagnostics.size(), 1u);
  EXPECT_NE(diagnostics[0].find("mask dim 3 is 9, but must be 1 or Skv = 10"),
            std::string::npos)
      << diagnostics[0];
}

TEST_F(MHADialectTest, MultiHeadAttentionWithBiases) {
  auto x = tensor({2, 16, 64}), wq = tensor({64, 64}), wkv = tensor({64, 32});
  auto bq = tensor({64}), bkv = tensor({32});
  SmallVector<Value> a = args({x, wq, wkv, wkv, wq, bq, bkv, bkv, bq});
  auto op = MultiHeadAttentionOp::create(
      builder, builder.getUnknownLoc(), x, a[0], a[0], a[1], a[2], a[3], a[4],
      ValueRange{a[5], a[6], a[7], a[8]}, /*mask=*/Value(),
      8, builder.getI64IntegerAttr(4),
      /*scale=*/nullptr, /*causal=*/false);
  EXPECT_TRUE(succeeded(verify(op))) << (diagnostics.empty() ? "" : diagnostics[0]);
  EXPECT_EQ(op.getNumKvHeadsOrDefault(), 4);
  EXPECT_EQ(op.getBo(), a[8]);
}

TEST_F(MHADialectTest, MultiHeadAttentionBiasCountDiagnostic) {
  auto x = tensor({2, 16, 64}), w = tensor({64, 64}), b = tensor({64});
  SmallVector<Value> a = args({x, w, b});
  auto op = MultiHeadAttentionOp::create(
      builder, builder.getUnknownLoc(), x, a[0], a[0], a[1], a[1], a[1], a[1],
      ValueRange{a[2], a[2]}, Value(), 8, nullptr,
      nullptr, false);
  EXPECT_TRUE(failed(verify(op)));
  ASSERT_EQ(diagnostics.size(), 1u);
  EXPECT_NE(diagnostics[0].find("bias(...) takes 4 operands"), std::string::npos)
      << diagnostics[0];
}
} // namespace
