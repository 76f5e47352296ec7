//===- MaskModAnalysisTest.cpp - mha::analyzeMaskMod ----------------------===//
//
// The formulas analyzeMaskMod reads from mask_mod regions, evaluated at every
// (q_idx, kv_idx) of a small grid against the meaning of the region, and the
// regions it must call data dependent.
//
//===----------------------------------------------------------------------===//

#include "mha/Dialect/MHA/Utils/MaskModAnalysis.h"
#include "mha/Dialect/MHA/IR/MHAOps.h"
#include "mha/InitAll.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Parser/Parser.h"

#include "gtest/gtest.h"

#include <functional>

using namespace mlir;
using namespace mlir::mha;

namespace {
bool evaluate(const MaskFormula &f, int64_t i, int64_t j) {
  using K = MaskFormula::Kind;
  switch (f.kind) {
  case K::True:
    return true;
  case K::False:
    return false;
  case K::Atom:
    return f.q * i + f.kv * j + f.c >= 0;
  case K::And:
    return llvm::all_of(
        f.operands, [&](const MaskFormula &o) { return evaluate(o, i, j); });
  case K::Or:
    return llvm::any_of(
        f.operands, [&](const MaskFormula &o) { return evaluate(o, i, j); });
  }
  return false;
}

class MaskModAnalysisTest : public ::testing::Test {
protected:
  MaskModAnalysisTest() {
    DialectRegistry registry;
    registerAllDialects(registry);
    ctx.appendDialectRegistry(registry);
    ctx.loadAllAvailableDialects();
  }

  /// Analyses the mask_mod with body `body` (block args %b, %h, %i, %j;
  /// `%doc: tensor<16xi32>` is defined above).
  MaskModInfo analyze(const std::string &body) {
    std::string text =
        "func.func @f(%q: tensor<1x2x16x8xf32>, %doc: tensor<16xi32>) -> "
        "tensor<1x2x16x8xf32> {\n"
        "  %o = mha.attention %q, %q, %q : tensor<1x2x16x8xf32>, "
        "tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32> -> tensor<1x2x16x8xf32>\n"
        "    mask_mod {\n    ^bb0(%b: index, %h: index, %i: index, %j: "
        "index):\n" +
        body + "    }\n  return %o : tensor<1x2x16x8xf32>\n}\n";
    module = parseSourceString<ModuleOp>(text, &ctx);
    EXPECT_TRUE(module) << text;
    AttentionOp op;
    module->walk([&](AttentionOp a) { op = a; });
    return analyzeMaskMod(op);
  }

  /// The formula of `body` agrees with `expected` on [0, 24)^2.
  void expectFormula(const std::string &body,
                     std::function<bool(int64_t, int64_t)> expected) {
    MaskModInfo info = analyze(body);
    ASSERT_TRUE(info.formula.has_value()) << body;
    for (int64_t i = 0; i < 24; ++i)
      for (int64_t j = 0; j < 24; ++j)
        EXPECT_EQ(evaluate(*info.formula, i, j), expected(i, j))
            << "at q_idx=" << i << " kv_idx=" << j << " of\n"
            << body;
  }

  MLIRContext ctx;
  OwningOpRef<ModuleOp> module;
};

TEST_F(MaskModAnalysisTest, PrefixLMWithUnsignedCompares) {
  expectFormula("      %c5 = arith.constant 5 : index\n"
                "      %p = arith.cmpi ult, %j, %c5 : index\n"
                "      %c = arith.cmpi ule, %j, %i : index\n"
                "      %r = arith.ori %p, %c : i1\n"
                "      mha.yield %r : i1\n",
                [](int64_t i, int64_t j) { return j < 5 || j <= i; });
}

TEST_F(MaskModAnalysisTest, BandWithScaledTermsAndEquality) {
  // (i - j in [2, 6]) xor (j == 2 * i - 3), through select and subi/muli.
  expectFormula("      %c2 = arith.constant 2 : index\n"
                "      %c3 = arith.constant 3 : index\n"
                "      %c6 = arith.constant 6 : index\n"
                "      %d = arith.subi %i, %j : index\n"
                "      %lo = arith.cmpi sge, %d, %c2 : index\n"
                "      %hi = arith.cmpi sle, %d, %c6 : index\n"
                "      %band = arith.select %lo, %hi, %lo : i1\n"
                "      %i2 = arith.muli %c2, %i : index\n"
                "      %t = arith.subi %i2, %c3 : index\n"
                "      %e = arith.cmpi eq, %j, %t : index\n"
                "      %r = arith.xori %band, %e : i1\n"
                "      mha.yield %r : i1\n",
                [](int64_t i, int64_t j) {
                  bool band = i - j >= 2 && i - j <= 6;
                  return band != (j == 2 * i - 3);
                });
}

TEST_F(MaskModAnalysisTest, NegationAndCasts) {
  // not (j > i + 1), the sum computed in i64.
  expectFormula("      %ii = arith.index_cast %i : index to i64\n"
                "      %jj = arith.index_cast %j : index to i64\n"
                "      %c1 = arith.constant 1 : i64\n"
                "      %s = arith.addi %ii, %c1 : i64\n"
                "      %g = arith.cmpi sgt, %jj, %s : i64\n"
                "      %t = arith.constant true\n"
                "      %r = arith.xori %g, %t : i1\n"
                "      mha.yield %r : i1\n",
                [](int64_t i, int64_t j) { return j <= i + 1; });
}

TEST_F(MaskModAnalysisTest, DataDependentMasks) {
  // Document ids read from a tensor.
  MaskModInfo doc =
      analyze("      %x = tensor.extract %doc[%i] : tensor<16xi32>\n"
              "      %y = tensor.extract %doc[%j] : tensor<16xi32>\n"
              "      %r = arith.cmpi eq, %x, %y : i32\n"
              "      mha.yield %r : i1\n");
  EXPECT_FALSE(doc.formula.has_value());
  EXPECT_FALSE(doc.usesBatch);
  EXPECT_FALSE(doc.usesHead);
  // The head.
  MaskModInfo head = analyze("      %r = arith.cmpi sle, %h, %j : index\n"
                             "      mha.yield %r : i1\n");
  EXPECT_FALSE(head.formula.has_value());
  EXPECT_TRUE(head.usesHead);
  // A product of indices, and an unsigned compare of a difference.
  EXPECT_FALSE(analyze("      %p = arith.muli %i, %j : index\n"
                       "      %c9 = arith.constant 9 : index\n"
                       "      %r = arith.cmpi slt, %p, %c9 : index\n"
                       "      mha.yield %r : i1\n")
                   .formula.has_value());
  EXPECT_FALSE(analyze("      %d = arith.subi %i, %j : index\n"
                       "      %c3 = arith.constant 3 : index\n"
                       "      %r = arith.cmpi ult, %d, %c3 : index\n"
                       "      mha.yield %r : i1\n")
                   .formula.has_value());
}
} // namespace
