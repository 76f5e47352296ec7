//===- Flops.cpp - FLOP counting for benchmarks ---------------------------===//

#include "mha/Runner/Flops.h"

#include "mha/Dialect/MHA/IR/MHAOps.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"

using namespace mlir;
using namespace mlir::mha;
using namespace mlir::mha::runner;

namespace {
/// Resolves dims of values, using the actual input shapes for dynamic dims
/// of function arguments.
class DimResolver {
public:
  DimResolver(func::FuncOp func, llvm::ArrayRef<HostTensor> inputs)
      : func(func), inputs(inputs) {}

  std::optional<double> dim(Value v, unsigned i) {
    auto type = cast<ShapedType>(v.getType());
    if (!type.isDynamicDim(i))
      return double(type.getDimSize(i));
    auto arg = dyn_cast<BlockArgument>(v);
    if (arg && arg.getOwner() == &func.getBody().front() &&
        arg.getArgNumber() < inputs.size())
      return double(inputs[arg.getArgNumber()].shape[i]);
    return std::nullopt;
  }

private:
  func::FuncOp func;
  llvm::ArrayRef<HostTensor> inputs;
};
} // namespace

std::optional<double>
mlir::mha::runner::countFlops(func::FuncOp func,
                              llvm::ArrayRef<HostTensor> inputs) {
  DimResolver r(func, inputs);
  double total = 0;
  bool unknown = false, counted = false;
  auto attention = [&](std::optional<double> b, double h,
                       std::optional<double> sq, std::optional<double> skv,
                       double d, double dv, bool causal) {
    if (!b || !sq || !skv) {
      unknown = true;
      return;
    }
    total += 2 * *b * h * *sq * *skv * (d + dv) * (causal ? 0.5 : 1.0);
  };
  func.walk([&](Operation *op) {
    if (auto a = dyn_cast<AttentionOp>(op)) {
      counted = true;
      auto qt = a.getQuery().getType();
      attention(r.dim(a.getQuery(), 0), qt.getDimSize(1),
                r.dim(a.getQuery(), 2), r.dim(a.getKey(), 2), qt.getDimSize(3),
                a.getValue().getType().getDimSize(3), a.getCausal());
    } else if (auto l = dyn_cast<MultiHeadAttentionOp>(op)) {
      counted = true;
      double h = l.getNumHeads(), hkv = l.getNumKvHeadsOrDefault();
      double e = l.getWq().getType().getDimSize(0);
      double d = l.getWq().getType().getDimSize(1) / h;
      double dv = l.getWv().getType().getDimSize(1) / hkv;
      std::optional<double> b = r.dim(l.getQueryInput(), 0),
                            sq = r.dim(l.getQueryInput(), 1),
                            skv = r.dim(l.getKvInput(), 1);
      attention(b, h, sq, skv, d, dv, l.getCausal());
      if (b && sq && skv)
        total +=
            2 * *b *
            (*sq * e * h * d + *skv * e * hkv * (d + dv) + *sq * h * dv * e);
    } else if (auto m = dyn_cast<linalg::MatmulOp>(op)) {
      counted = true;
      Value a = m.getDpsInputs()[0], bm = m.getDpsInputs()[1];
      auto mm = r.dim(a, 0), k = r.dim(a, 1), n = r.dim(bm, 1);
      if (mm && k && n)
        total += 2 * *mm * *n * *k;
      else
        unknown = true;
    }
  });
  if (unknown || !counted)
    return std::nullopt;
  return total;
}
