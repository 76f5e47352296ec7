//===- Modifiers.cpp - Inlining the score_mod / mask_mod regions ----------===//

#include "mha/Dialect/MHA/Utils/Modifiers.h"

#include "mha/Dialect/MHA/IR/MHAOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/SetVector.h"

using namespace mlir;
using namespace mlir::mha;

/// Clones the single block of `region` with its arguments bound to `args`
/// and returns the value its `mha.yield` yields (mapped).
static Value inlineRegion(OpBuilder &b, Location loc, Region &region,
                          ArrayRef<Value> args, const IRMapping *captures) {
  Block &block = region.front();
  assert(block.getNumArguments() == args.size() && "verified block arguments");
  IRMapping map;
  if (captures)
    for (auto [from, to] : captures->getValueMap())
      map.map(from, to);
  for (auto [arg, given] : llvm::zip(block.getArguments(), args)) {
    Value value = given;
    if (value.getType() != arg.getType()) {
      // Only indices differ in type (verified f32 score): cast the builder's
      // integer ids to index.
      value = arith::IndexCastOp::create(b, loc, arg.getType(), value);
    }
    map.map(arg, value);
  }
  for (Operation &op : block.without_terminator())
    b.clone(op, map);
  auto yield = cast<YieldOp>(block.getTerminator());
  return map.lookupOrDefault(yield.getValue());
}

static SmallVector<Value> indexArgs(ValueRange idx) {
  assert(idx.size() == 4 && "expected (b, h, q_idx, kv_idx)");
  return SmallVector<Value>(idx.begin(), idx.end());
}

Value mlir::mha::inlineScoreMod(OpBuilder &b, Location loc, AttentionOp op,
                                Value score, ValueRange idx,
                                const IRMapping *captures) {
  if (!op.hasScoreMod())
    return score;
  SmallVector<Value> args{score};
  llvm::append_range(args, indexArgs(idx));
  return inlineRegion(b, loc, op.getScoreMod(), args, captures);
}

Value mlir::mha::inlineMaskMod(OpBuilder &b, Location loc, AttentionOp op,
                               ValueRange idx, const IRMapping *captures) {
  if (!op.hasMaskMod())
    return Value();
  return inlineRegion(b, loc, op.getMaskMod(), indexArgs(idx), captures);
}

SmallVector<Value> mlir::mha::getModifierCaptures(AttentionOp op) {
  llvm::SetVector<Value> values;
  getUsedValuesDefinedAbove(op->getRegions(), values);
  return values.takeVector();
}
