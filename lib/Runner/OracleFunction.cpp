//===- OracleFunction.cpp - Evaluate simple entries with the oracle -------===//

#include "mha/Runner/OracleFunction.h"

#include "mha/Dialect/MHA/IR/MHAOps.h"
#include "mha/Runner/Oracle.h"

using namespace mlir;
using namespace mlir::mha;
using namespace mlir::mha::runner;

std::optional<HostTensor>
mlir::mha::runner::evaluateWithOracle(func::FuncOp func,
                                      llvm::ArrayRef<HostTensor> inputs) {
  Block &body = func.getBody().front();
  if (body.getOperations().size() != 2 || func.getNumResults() != 1)
    return std::nullopt;
  Operation *op = &body.front();
  auto ret = dyn_cast<func::ReturnOp>(body.getTerminator());
  if (!ret || ret.getOperand(0).getDefiningOp() != op)
    return std::nullopt;
  // Every operand must be an argument, so we know its value.
  auto input = [&](Value v) -> const HostTensor * {
    auto arg = dyn_cast<BlockArgument>(v);
    if (!arg || arg.getOwner() != &body)
      return nullptr;
    return &inputs[arg.getArgNumber()];
  };
  for (Value v : op->getOperands())
    if (!input(v))
      return std::nullopt;
  auto maskOf = [&](Value m) { return m ? input(m) : nullptr; };
  auto attrsOf = [](auto op) {
    AttentionAttrs attrs;
    if (std::optional<APFloat> s = op.getScale())
      attrs.scale = s->convertToDouble();
    attrs.causal = op.getCausal();
    return attrs;
  };

  if (auto a = dyn_cast<AttentionOp>(op))
    return oracleAttention(*input(a.getQuery()), *input(a.getKey()),
                           *input(a.getValue()), maskOf(a.getMask()),
                           attrsOf(a));
  if (auto l = dyn_cast<MultiHeadAttentionOp>(op)) {
    std::vector<const HostTensor *> biases;
    for (Value b : l.getBiases())
      biases.push_back(input(b));
    return oracleMultiHeadAttention(
        *input(l.getQueryInput()), *input(l.getKvInput()), *input(l.getWq()),
        *input(l.getWk()), *input(l.getWv()), *input(l.getWo()), biases,
        maskOf(l.getMask()), l.getNumHeads(), l.getNumKvHeadsOrDefault(),
        attrsOf(l));
  }
  return std::nullopt;
}
