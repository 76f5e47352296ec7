//===- Flops.cpp - FLOP counting for benchmarks ---------------------------===//

#include "mha/Runner/Flops.h"

#include "mha/Dialect/MHA/IR/MHAOps.h"
#include "mha/Dialect/MHA/Utils/AttentionShape.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"

using namespace mlir;
using namespace mlir::mha;
using namespace mlir::mha::runner;

/// Dim `i` of `v`: static, or a dim of an argument of `func`.
static std::optional<FlopDim> dimOf(func::FuncOp func, Value v, unsigned i) {
  auto type = cast<ShapedType>(v.getType());
  if (!type.isDynamicDim(i))
    return FlopDim{type.getDimSize(i), {}};
  auto arg = dyn_cast<BlockArgument>(v);
  if (arg && arg.getOwner() == &func.getBody().front())
    return FlopDim::ofArg(arg.getArgNumber(), i);
  return std::nullopt;
}

static FlopDim constant(int64_t value) { return FlopDim{value, {}}; }

std::optional<std::vector<FlopTerm>>
mlir::mha::runner::collectFlopTerms(func::FuncOp func) {
  if (func.isExternal())
    return std::nullopt;
  std::vector<FlopTerm> terms;
  bool unknown = false;
  auto attention = [&](std::optional<FlopDim> b, int64_t h,
                       std::optional<FlopDim> sq, std::optional<FlopDim> skv,
                       int64_t d, int64_t dv, bool causal) {
    if (!b || !sq || !skv) {
      unknown = true;
      return;
    }
    terms.push_back({FlopTerm::Kind::Attention,
                     {*b, constant(h), *sq, *skv, constant(d), constant(dv)},
                     causal});
  };
  auto matmul = [&](FlopDim m, FlopDim n, FlopDim k) {
    terms.push_back({FlopTerm::Kind::Matmul, {m, n, k}, false});
  };
  func.walk([&](Operation *op) {
    if (auto a = dyn_cast<AttentionOp>(op)) {
      // Static sizes from the one description of an attention; B, Sq and
      // Skv may be dynamic and are then read from the arguments at run time.
      AttentionShape s = AttentionShape::get(a);
      attention(dimOf(func, a.getQuery(), 0), s.numHeads,
                dimOf(func, a.getQuery(), 2), dimOf(func, a.getKey(), 2),
                s.headDim, s.valueDim, s.causal);
      // A window counts its visible pairs.
      if (!unknown && s.hasWindow()) {
        terms.back().windowLeft = s.windowLeft;
        terms.back().windowRight = s.windowRight;
      }
    } else if (auto l = dyn_cast<MultiHeadAttentionOp>(op)) {
      int64_t h = l.getNumHeads(), hkv = l.getNumKvHeadsOrDefault();
      int64_t e = l.getWq().getType().getDimSize(0);
      int64_t d = l.getWq().getType().getDimSize(1) / h;
      int64_t dv = l.getWv().getType().getDimSize(1) / hkv;
      std::optional<FlopDim> b = dimOf(func, l.getQueryInput(), 0),
                             sq = dimOf(func, l.getQueryInput(), 1),
                             skv = dimOf(func, l.getKvInput(), 1);
      attention(b, h, sq, skv, d, dv, l.getCausal());
      auto [left, right] = l.getWindowBounds();
      if (b && sq && skv && (left >= 0 || right >= 0)) {
        terms.back().windowLeft = left;
        terms.back().windowRight = right;
      }
      if (b && sq && skv) {
        FlopDim rowsQ = *b * *sq, rowsKv = *b * *skv;
        matmul(rowsQ, constant(h * d), constant(e));     // Q projection
        matmul(rowsKv, constant(hkv * d), constant(e));  // K projection
        matmul(rowsKv, constant(hkv * dv), constant(e)); // V projection
        matmul(rowsQ, constant(e), constant(h * dv));    // output projection
      }
    } else if (auto m = dyn_cast<linalg::MatmulOp>(op)) {
      Value a = m.getDpsInputs()[0], bm = m.getDpsInputs()[1];
      std::optional<FlopDim> mm = dimOf(func, a, 0), k = dimOf(func, a, 1),
                             n = dimOf(func, bm, 1);
      if (mm && k && n)
        matmul(*mm, *n, *k);
      else
        unknown = true;
    }
  });
  if (unknown || terms.empty())
    return std::nullopt;
  return terms;
}

std::optional<double>
mlir::mha::runner::countFlops(func::FuncOp func,
                              llvm::ArrayRef<HostTensor> inputs) {
  std::optional<std::vector<FlopTerm>> terms = collectFlopTerms(func);
  if (!terms)
    return std::nullopt;
  std::vector<std::vector<int64_t>> shapes;
  for (const HostTensor &t : inputs)
    shapes.push_back(t.shape);
  return evaluateFlops(*terms, shapes);
}
