//===- InsertShapeChecks.cpp - mha-insert-shape-checks --------------------===//
//
// Emits an mha.check_size for every size relation of an mha op that its
// verifier leaves to run time because a dimension is dynamic.
//
//===----------------------------------------------------------------------===//

#include "mha/Dialect/MHA/IR/MHAOps.h"
#include "mha/Dialect/MHA/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/Interfaces/FunctionInterfaces.h"

#define DEBUG_TYPE "mha-insert-shape-checks"

namespace mlir::mha {
#define GEN_PASS_DEF_MHAINSERTSHAPECHECKS
#include "mha/Dialect/MHA/Transforms/Passes.h.inc"
} // namespace mlir::mha

using namespace mlir;
using namespace mlir::mha;

namespace {
/// A size at run time: dimension `dim` of an operand, or a static size
/// that a type fixes (`operand` null).
struct Size {
  OpOperand *operand = nullptr;
  unsigned dim = 0;
  int64_t staticSize = ShapedType::kDynamic;
  /// Names the owner in messages: "'key' (argument 1)"; for static sizes
  /// with the verb that precedes the size: "the result type has".
  std::string owner;

  int64_t getStatic() const {
    if (!operand)
      return staticSize;
    return cast<RankedTensorType>(operand->get().getType()).getDimSize(dim);
  }
};

/// "'key' (argument 1)" when the operand is an argument of the enclosing
/// function (what a caller passes), else "'key' (operand 1 of mha.attention)".
std::string describe(OpOperand &operand, StringRef name) {
  std::string s = "'" + name.str() + "' (";
  auto arg = dyn_cast<BlockArgument>(operand.get());
  auto fn = dyn_cast<FunctionOpInterface>(operand.getOwner()->getParentOp());
  if (arg && fn && arg.getOwner()->isEntryBlock() &&
      arg.getOwner()->getParentOp() == fn)
    return s + "argument " + std::to_string(arg.getArgNumber()) + ")";
  return s + "operand " + std::to_string(operand.getOperandNumber()) + " of " +
         operand.getOwner()->getName().getStringRef().str() + ")";
}

class CheckBuilder {
public:
  explicit CheckBuilder(Operation *op) : b(op), loc(op->getLoc()) {}

  Size operand(OpOperand &operand, StringRef name, unsigned dim) {
    return Size{&operand, dim, ShapedType::kDynamic, describe(operand, name)};
  }
  static Size fixed(int64_t size, StringRef owner) {
    return Size{nullptr, 0, size, owner.str()};
  }

  /// Checks `actual == expected` at run time unless both are static (then
  /// the verifier has) or they are the same dimension of the same value.
  void equal(const Size &actual, StringRef dimName, const Size &expected) {
    int64_t a = actual.getStatic(), e = expected.getStatic();
    if (!ShapedType::isDynamic(a) && !ShapedType::isDynamic(e))
      return;
    // A dynamic size that no operand carries (a dynamic result dim) fixes
    // nothing.
    if ((!actual.operand && ShapedType::isDynamic(a)) ||
        (!expected.operand && ShapedType::isDynamic(e)))
      return;
    if (actual.operand && expected.operand &&
        actual.operand->get() == expected.operand->get() &&
        actual.dim == expected.dim)
      return;
    std::string what = "dimension " + std::to_string(actual.dim) + " (" +
                       dimName.str() + ") of " + actual.owner;
    std::string from =
        expected.operand ? expected.owner + " has" : expected.owner;
    CheckSizeOp::create(b, loc, value(actual), value(expected), what, from);
  }

private:
  Value value(const Size &s) {
    if (ShapedType::isDynamic(s.getStatic())) {
      Value dim = tensor::DimOp::create(b, loc, s.operand->get(), s.dim);
      return arith::IndexCastOp::create(b, loc, b.getI64Type(), dim);
    }
    return arith::ConstantIntOp::create(b, loc, s.getStatic(), 64);
  }

  OpBuilder b;
  Location loc;
};

const char *const kScoreDims[] = {"batch size B", "head count H",
                                  "sequence length Sq", "sequence length Skv"};

/// A mask dim is a static 1 (broadcast) or equals the score dim; a dynamic
/// mask dim is never broadcast by the lowerings.
void checkMask(CheckBuilder &check, OpOperand &mask, ArrayRef<Size> scores) {
  auto type = cast<RankedTensorType>(mask.get().getType());
  for (unsigned i = 0; i < 4; ++i)
    if (type.getDimSize(i) != 1)
      check.equal(check.operand(mask, "mask", i), kScoreDims[i], scores[i]);
}

/// A static B or Sq of the result type fixes the query's.
void checkResult(CheckBuilder &check, RankedTensorType result, Size b,
                 unsigned bDim, Size sq, unsigned sqDim,
                 StringRef source = "the result type has") {
  check.equal(b, "batch size B",
              CheckBuilder::fixed(result.getDimSize(bDim), source));
  check.equal(sq, "sequence length Sq",
              CheckBuilder::fixed(result.getDimSize(sqDim), source));
}

void insertChecks(AttentionOp op) {
  CheckBuilder check(op);
  OpOperand &q = op.getQueryMutable(), &k = op.getKeyMutable(),
            &v = op.getValueMutable();
  Size qB = check.operand(q, "query", 0), qSq = check.operand(q, "query", 2);
  Size kSkv = check.operand(k, "key", 2);
  check.equal(check.operand(k, "key", 0), "batch size B", qB);
  check.equal(check.operand(v, "value", 0), "batch size B", qB);
  check.equal(check.operand(v, "value", 2), "sequence length Skv", kSkv);
  // H, Hkv, D and Dv are static (verified).
  checkResult(check, op.getResult().getType(), qB, 0, qSq, 2);
  if (Value lse = op.getLse())
    checkResult(check, cast<RankedTensorType>(lse.getType()), qB, 0, qSq, 2,
                "the lse result type has");
  if (op.getMask()) {
    Size h = CheckBuilder::fixed(op.getQuery().getType().getDimSize(1),
                                 describe(q, "query") + " has");
    checkMask(check, op.getMaskMutable()[0], {qB, h, qSq, kSkv});
  }
}

void insertChecks(MultiHeadAttentionOp op) {
  CheckBuilder check(op);
  OpOperand &xq = op.getQueryInputMutable(), &xkv = op.getKvInputMutable();
  Size b = check.operand(xq, "query_input", 0);
  Size sq = check.operand(xq, "query_input", 1);
  Size skv = check.operand(xkv, "kv_input", 1);
  // The weights are static (verified): they fix E.
  Size e = CheckBuilder::fixed(op.getWq().getType().getDimSize(0),
                               "E (the rows of " +
                                   describe(op.getWqMutable(), "wq") + ") is");
  check.equal(check.operand(xq, "query_input", 2), "embedding size E", e);
  check.equal(check.operand(xkv, "kv_input", 0), "batch size B", b);
  check.equal(check.operand(xkv, "kv_input", 2), "embedding size E", e);
  checkResult(check, op.getResult().getType(), b, 0, sq, 1);

  int64_t h = op.getNumHeads(), hkv = op.getNumKvHeadsOrDefault();
  int64_t d = op.getWq().getType().getDimSize(1) / h;
  int64_t dv = op.getWv().getType().getDimSize(1) / hkv;
  if (op.getBiases().size() == 4) {
    static const char *names[] = {"bq", "bk", "bv", "bo"};
    static const char *what[] = {"H*D", "Hkv*D", "Hkv*Dv", "E"};
    int64_t sizes[] = {h * d, hkv * d, hkv * dv, e.staticSize};
    for (unsigned i = 0; i < 4; ++i)
      check.equal(check.operand(op.getBiasesMutable()[i], names[i], 0), "size",
                  CheckBuilder::fixed(sizes[i], std::string("the layer's ") +
                                                    what[i] + " is"));
  }
  if (op.getMask()) {
    Size heads = CheckBuilder::fixed(h, "num_heads is");
    checkMask(check, op.getMaskMutable()[0], {b, heads, sq, skv});
  }
}

struct MHAInsertShapeChecksPass
    : mha::impl::MHAInsertShapeChecksBase<MHAInsertShapeChecksPass> {
  void runOnOperation() override {
    getOperation()->walk([](Operation *op) {
      if (auto attention = dyn_cast<AttentionOp>(op))
        insertChecks(attention);
      else if (auto layer = dyn_cast<MultiHeadAttentionOp>(op))
        insertChecks(layer);
    });
  }
};
} // namespace
