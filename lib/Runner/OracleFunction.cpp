//===- OracleFunction.cpp - Evaluate simple entries with the oracle -------===//

#include "mha/Runner/OracleFunction.h"

#include "mha/Dialect/MHA/IR/MHAOps.h"
#include "mha/Runner/OracleModifiers.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace mlir::mha;
using namespace mlir::mha::runner;

/// The spec of `func`, with its modifier regions compiled when
/// `withModifiers` (an op the oracle cannot evaluate in them is a fatal
/// error naming it); without, an op with modifiers has no spec.
static std::optional<OracleSpec> recognize(func::FuncOp func,
                                           bool withModifiers) {
  if (func.isExternal())
    return std::nullopt;
  Block &body = func.getBody().front();
  // The op and the return, after constants that only modifier regions can
  // use (operands must be arguments, below).
  auto ops = llvm::make_pointer_range(body.getOperations());
  SmallVector<Operation *> rest;
  for (Operation *op : ops)
    if (!isa<arith::ConstantOp>(op) || !rest.empty())
      rest.push_back(op);
  if (rest.size() != 2)
    return std::nullopt;
  Operation *op = rest.front();
  // The entry returns the op's results, in order (output, then lse).
  auto ret = dyn_cast<func::ReturnOp>(body.getTerminator());
  if (!ret || ret.getNumOperands() != op->getNumResults() ||
      !llvm::equal(ret.getOperands(), op->getResults()))
    return std::nullopt;
  // Every operand must be an argument, so we know its value.
  auto position = [&](Value v) -> std::optional<unsigned> {
    auto arg = dyn_cast<BlockArgument>(v);
    if (!arg || arg.getOwner() != &body)
      return std::nullopt;
    return arg.getArgNumber();
  };
  for (Value v : op->getOperands())
    if (!position(v))
      return std::nullopt;
  OracleSpec spec;
  auto common = [&](auto op) {
    if (std::optional<APFloat> s = op.getScale())
      spec.scale = s->convertToDouble();
    spec.causal = op.getCausal();
    if (Value m = op.getMask())
      spec.mask = *position(m);
  };

  if (auto a = dyn_cast<AttentionOp>(op)) {
    spec.kind = OracleSpec::Kind::Attention;
    for (Value v : {a.getQuery(), a.getKey(), a.getValue()})
      spec.operands.push_back(*position(v));
    common(a);
    if (Value s = a.getAlibi())
      spec.alibi = *position(s);
    if (Value s = a.getSinks())
      spec.sinks = *position(s);
    std::tie(spec.windowLeft, spec.windowRight) = a.getWindowBounds();
    if (std::optional<APFloat> c = a.getSoftcap())
      spec.softcap = c->convertToDouble();
    spec.returnsLse = static_cast<bool>(a.getLse());
    if (a.hasScoreMod() || a.hasMaskMod()) {
      if (!withModifiers)
        return std::nullopt;
      llvm::Expected<std::shared_ptr<const OracleModifiers>> modifiers =
          compileOracleModifiers(func, a);
      if (!modifiers)
        llvm::report_fatal_error(llvm::Twine(toString(modifiers.takeError())),
                                 /*gen_crash_diag=*/false);
      spec.modifiers = std::move(*modifiers);
    }
    return spec;
  }
  if (auto l = dyn_cast<MultiHeadAttentionOp>(op)) {
    spec.kind = OracleSpec::Kind::MultiHeadAttention;
    for (Value v : {l.getQueryInput(), l.getKvInput(), l.getWq(), l.getWk(),
                    l.getWv(), l.getWo()})
      spec.operands.push_back(*position(v));
    for (Value b : l.getBiases())
      spec.biases.push_back(*position(b));
    spec.numHeads = l.getNumHeads();
    spec.numKvHeads = l.getNumKvHeadsOrDefault();
    common(l);
    return spec;
  }
  return std::nullopt;
}

std::optional<OracleSpec> mlir::mha::runner::getOracleSpec(func::FuncOp func) {
  return recognize(func, /*withModifiers=*/false);
}

std::optional<std::vector<HostTensor>>
mlir::mha::runner::evaluateWithOracle(func::FuncOp func,
                                      llvm::ArrayRef<HostTensor> inputs) {
  std::optional<OracleSpec> spec = recognize(func, /*withModifiers=*/true);
  if (!spec || !spec->validate(inputs.size()).empty())
    return std::nullopt;
  return evaluateOracleSpecResults(*spec, inputs);
}
