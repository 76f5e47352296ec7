//===- ReferenceModifiersOracleTest.cpp - score_mod / mask_mod vs oracle --===//
//
// The reference pipeline, which inlines the score_mod / mask_mod regions in
// its linalg bodies, against the C++ oracle, which interprets them in
// float64 (OracleModifiers.h), on random inputs across shapes (GQA, MQA,
// Sq < Skv, Sq > Skv), dtypes and modifiers (reading an argument and a
// constant tensor, integer and float ops, empty rows with the lse).
//
//===----------------------------------------------------------------------===//

#include "mha/Runner/Compare.h"
#include "mha/Runner/OracleFunction.h"

#include "AttentionCase.h"

#include "gtest/gtest.h"

#include <cmath>

using namespace mlir;
using namespace mlir::mha::runner;

namespace {
struct Shape {
  int64_t b, h, hkv, sq, skv, d;
};

enum class Modifier { SoftcapAlibi, Window, Document, EmptyRowsLse };

struct ModifierCase {
  Shape s;
  DType dtype;
  Modifier modifier;
  bool causal;

  friend std::ostream &operator<<(std::ostream &os, const ModifierCase &c) {
    static const char *names[] = {"softcap+alibi", "window", "document",
                                  "empty-rows+lse"};
    return os << "B=" << c.s.b << " H=" << c.s.h << " Hkv=" << c.s.hkv
              << " Sq=" << c.s.sq << " Skv=" << c.s.skv << " D=" << c.s.d << " "
              << dtypeName(c.dtype).str() << " " << names[int(c.modifier)]
              << (c.causal ? " causal" : "");
  }
};

std::string tensorType(std::vector<int64_t> shape, DType dtype) {
  std::string s = "tensor<";
  for (int64_t d : shape)
    s += std::to_string(d) + "x";
  return s + dtypeName(dtype).str() + ">";
}

/// The module of `c`: @main(q, k, v[, slopes]) with its regions.
std::string buildModule(const ModifierCase &c) {
  const Shape &s = c.s;
  std::string q = tensorType({s.b, s.h, s.sq, s.d}, c.dtype);
  std::string k = tensorType({s.b, s.hkv, s.skv, s.d}, c.dtype);
  std::string o = q;
  std::string lse = tensorType({s.b, s.h, s.sq}, DType::F32);
  std::string slopes = tensorType({s.h}, DType::F32);
  bool withLse = c.modifier == Modifier::EmptyRowsLse;
  bool withSlopes = c.modifier == Modifier::SoftcapAlibi;
  std::string results = withLse ? o + ", " + lse : o;
  std::string text = "func.func @main(%q: " + q + ", %k: " + k + ", %v: " + k +
                     (withSlopes ? ", %slopes: " + slopes : "") + ") -> (" +
                     results + ") {\n";
  int64_t n = std::max(s.sq, s.skv);
  if (c.modifier == Modifier::Document) {
    // Documents of 3 tokens: ids x / 3.
    text += "  %doc = arith.constant dense<[";
    for (int64_t x = 0; x < n; ++x)
      text += (x ? ", " : "") + std::to_string(x / 3);
    text += "]> : tensor<" + std::to_string(n) + "xi64>\n";
  }
  text += std::string("  ") + (withLse ? "%o, %lse" : "%o") +
          " = mha.attention %q, %k, %v" + (c.causal ? " {causal}" : "") +
          " : " + q + ", " + k + ", " + k + " -> " + results + "\n";
  std::string off = std::to_string(s.skv - s.sq);
  switch (c.modifier) {
  case Modifier::SoftcapAlibi:
    text += R"(    score_mod {
    ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
      %c = arith.constant 0.75 : f32
      %d = arith.divf %s, %c : f32
      %t = math.tanh %d : f32
      %capped = arith.mulf %t, %c : f32
      %slope = tensor.extract %slopes[%h] : )" +
            slopes + R"(
      %off = arith.constant )" +
            off + R"( : index
      %ip = arith.addi %i, %off : index
      %dist = arith.subi %j, %ip : index
      %di = arith.index_cast %dist : index to i32
      %df = arith.sitofp %di : i32 to f32
      %bias = arith.mulf %slope, %df : f32
      %r = arith.addf %capped, %bias : f32
      mha.yield %r : f32
    }
)";
    break;
  case Modifier::Window:
    // i' - 2 <= j <= i' + 1, plus every key of head 0 below 2 (a sink-like
    // prefix), with the aligned i' = i + Skv - Sq.
    text += R"(    mask_mod {
    ^bb0(%b: index, %h: index, %i: index, %j: index):
      %off = arith.constant )" +
            off + R"( : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %c0 = arith.constant 0 : index
      %ip = arith.addi %i, %off : index
      %hi = arith.addi %ip, %c1 : index
      %lo = arith.subi %ip, %c2 : index
      %above = arith.cmpi sge, %j, %lo : index
      %below = arith.cmpi sle, %j, %hi : index
      %in = arith.andi %above, %below : i1
      %head0 = arith.cmpi eq, %h, %c0 : index
      %first = arith.cmpi slt, %j, %c2 : index
      %prefix = arith.andi %head0, %first : i1
      %p = arith.ori %in, %prefix : i1
      mha.yield %p : i1
    }
)";
    break;
  case Modifier::Document:
    text += R"(    mask_mod {
    ^bb0(%b: index, %h: index, %i: index, %j: index):
      %di = tensor.extract %doc[%i] : tensor<)" +
            std::to_string(n) + R"(xi64>
      %dj = tensor.extract %doc[%j] : tensor<)" +
            std::to_string(n) + R"(xi64>
      %p = arith.cmpi eq, %di, %dj : i64
      mha.yield %p : i1
    }
)";
    break;
  case Modifier::EmptyRowsLse:
    // Row 1 sees no key; the others see keys of the same parity as b + h.
    text += R"(    score_mod {
    ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
      %hb = arith.addi %h, %b : index
      %x = arith.index_cast %hb : index to i64
      %f = arith.sitofp %x : i64 to f32
      %c = arith.constant -0.125 : f32
      %w = arith.mulf %f, %c : f32
      %e = math.exp %w : f32
      %r = arith.mulf %s, %e : f32
      mha.yield %r : f32
    }
    mask_mod {
    ^bb0(%b: index, %h: index, %i: index, %j: index):
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %hb = arith.addi %h, %b : index
      %sum = arith.addi %hb, %j : index
      %par = arith.remui %sum, %c2 : index
      %even = arith.cmpi eq, %par, %c1 : index
      %row1 = arith.cmpi ne, %i, %c1 : index
      %p = arith.andi %even, %row1 : i1
      mha.yield %p : i1
    }
)";
    break;
  }
  text += "  return " + std::string(withLse ? "%o, %lse : " : "%o : ") +
          results + "\n}\n";
  return text;
}

class ReferenceModifiersOracleTest
    : public ::testing::TestWithParam<ModifierCase> {};

TEST_P(ReferenceModifiersOracleTest, MatchesOracle) {
  const ModifierCase &c = GetParam();
  std::string text = buildModule(c);
  const Shape &s = c.s;
  uint64_t seed = s.b * 131 + s.h * 17 + s.sq * 7 + s.skv + int(c.modifier);
  std::vector<HostTensor> inputs = {
      randomTensor(c.dtype, {s.b, s.h, s.sq, s.d}, seed),
      randomTensor(c.dtype, {s.b, s.hkv, s.skv, s.d}, seed + 1),
      randomTensor(c.dtype, {s.b, s.hkv, s.skv, s.d}, seed + 2)};
  if (c.modifier == Modifier::SoftcapAlibi)
    inputs.push_back(randomTensor(DType::F32, {s.h}, seed + 3, 0.5f));

  auto results = mlir::mha::testing::compileAndRun(
      text, PipelineKind::Reference, "", inputs);
  ASSERT_TRUE(bool(results)) << llvm::toString(results.takeError()) << "\n"
                             << text;
  OwningOpRef<ModuleOp> module =
      parseSourceString<ModuleOp>(text, &mlir::mha::testing::sharedContext());
  ASSERT_TRUE(module);
  std::optional<std::vector<HostTensor>> expected =
      evaluateWithOracle(module->lookupSymbol<func::FuncOp>("main"), inputs);
  ASSERT_TRUE(expected) << "the oracle does not recognise\n" << text;
  ASSERT_EQ(results->size(), expected->size());
  for (size_t r = 0; r < results->size(); ++r) {
    Tolerance tol = Tolerance::defaultFor((*results)[r].dtype);
    Comparison cmp = compare((*results)[r], (*expected)[r], tol);
    EXPECT_TRUE(cmp.passed())
        << "result " << r << ": max_abs_err=" << cmp.maxAbsError
        << " max_rel_err=" << cmp.maxRelError
        << " mismatches=" << cmp.mismatches << "\n"
        << text;
  }
  if (c.modifier == Modifier::EmptyRowsLse) {
    // Row 1 of every head: zeros, lse = -inf.
    const HostTensor &o = (*results)[0], &lse = (*results)[1];
    for (int64_t bh = 0; bh < s.b * s.h; ++bh) {
      EXPECT_EQ(lse.get(bh * s.sq + 1), -INFINITY);
      for (int64_t e = 0; e < s.d; ++e)
        EXPECT_EQ(o.get((bh * s.sq + 1) * s.d + e), 0.0f);
    }
  }
}

std::vector<ModifierCase> cases() {
  const Shape shapes[] = {{2, 4, 2, 5, 11, 8},   // GQA, Sq < Skv
                          {1, 2, 2, 12, 7, 16},  // Sq > Skv
                          {1, 8, 1, 16, 16, 8}}; // MQA
  const DType dtypes[] = {DType::F32, DType::F16, DType::BF16};
  std::vector<ModifierCase> out;
  int n = 0;
  for (const Shape &s : shapes)
    for (Modifier m : {Modifier::SoftcapAlibi, Modifier::Window,
                       Modifier::Document, Modifier::EmptyRowsLse}) {
      out.push_back({s, dtypes[n % 3], m, /*causal=*/n % 2 == 1});
      ++n;
    }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Matrix, ReferenceModifiersOracleTest,
                         ::testing::ValuesIn(cases()));
} // namespace
