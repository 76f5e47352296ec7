//===- MHAOps.cpp - mha dialect operations --------------------------------===//

#include "mha/Dialect/MHA/IR/MHAOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/Support/MathExtras.h"

#include <cmath>

using namespace mlir;
using namespace mlir::mha;

//===----------------------------------------------------------------------===//
// Custom assembly
//===----------------------------------------------------------------------===//

/// Parses `(, type)*` for the biases and `(, type)?` for the mask. The
/// operand lists decide how many types follow: a plain optional group of
/// types would let the bias types swallow the mask's.
static ParseResult parseOptionalOperandTypes(
    OpAsmParser &parser,
    ArrayRef<OpAsmParser::UnresolvedOperand> biases,
    SmallVectorImpl<Type> &biasTypes,
    std::optional<OpAsmParser::UnresolvedOperand> mask, Type &maskType) {
  for (size_t i = 0, e = biases.size(); i < e; ++i)
    if (parser.parseComma() || parser.parseType(biasTypes.emplace_back()))
      return failure();
  if (mask && (parser.parseComma() || parser.parseType(maskType)))
    return failure();
  return success();
}

static void printOptionalOperandTypes(OpAsmPrinter &printer, Operation *,
                                      OperandRange, TypeRange biasTypes,
                                      Value mask, Type maskType) {
  for (Type t : biasTypes)
    printer << ", " << t;
  if (mask)
    printer << ", " << maskType;
}

#define GET_OP_CLASSES
#include "mha/Dialect/MHA/IR/MHAOps.cpp.inc"

//===----------------------------------------------------------------------===//
// Verifier helpers
//===----------------------------------------------------------------------===//

namespace {
/// A ranked tensor operand with a human-readable name for diagnostics.
struct NamedTensor {
  StringRef name;
  RankedTensorType type;
  int64_t dim(unsigned i) const { return type.getDimSize(i); }
};

/// Prints a shape as "[2, 8, ?, 64]".
std::string shapeString(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (auto [i, d] : llvm::enumerate(shape))
    s += (i ? ", " : "") + (ShapedType::isDynamic(d) ? "?" : std::to_string(d));
  return s + "]";
}

/// Collects the checks shared by both ops so every message has one shape:
/// "<operand> <what> (dim <i>) is <n>, but <expected>".
class ShapeChecker {
public:
  explicit ShapeChecker(Operation *op) : op(op) {}

  LogicalResult rank(const NamedTensor &t, int64_t rank, StringRef layout) {
    if (t.type.getEncoding())
      return op->emitOpError()
             << t.name << " must not have a tensor encoding, but has "
             << t.type.getEncoding();
    if (t.type.getRank() == rank)
      return success();
    return op->emitOpError() << t.name << " must have rank " << rank << " ("
                             << layout << "), but has rank "
                             << t.type.getRank();
  }

  /// Checks `t.dim(i) == expected` when both are static.
  LogicalResult dim(const NamedTensor &t, unsigned i, StringRef what,
                    int64_t expected, StringRef expectedFrom) {
    int64_t actual = t.dim(i);
    if (ShapedType::isDynamic(actual) || ShapedType::isDynamic(expected) ||
        actual == expected)
      return success();
    return op->emitOpError()
           << t.name << " " << what << " (dim " << i << ") is " << actual
           << ", but " << expectedFrom << " is " << expected;
  }

  /// Head counts and head dims must be static and positive: lowering relies
  /// on constant head groups and a constant default scale.
  LogicalResult staticPositive(const NamedTensor &t, unsigned i,
                               StringRef what) {
    int64_t d = t.dim(i);
    if (ShapedType::isDynamic(d))
      return op->emitOpError() << t.name << " " << what << " (dim " << i
                               << ") must be static";
    if (d <= 0)
      return op->emitOpError() << t.name << " " << what << " (dim " << i
                               << ") must be positive, but is " << d;
    return success();
  }

  /// Accepts f32, f16 and bf16.
  LogicalResult floatElement(const NamedTensor &t) {
    Type e = t.type.getElementType();
    if (e.isF32() || e.isF16() || e.isBF16())
      return success();
    return op->emitOpError() << t.name
                             << " element type must be f32, f16 or bf16, but "
                                "is "
                             << e;
  }

  LogicalResult sameElement(const NamedTensor &t, const NamedTensor &ref) {
    if (t.type.getElementType() == ref.type.getElementType())
      return success();
    return op->emitOpError()
           << t.name << " element type " << t.type.getElementType()
           << " does not match " << ref.name << " element type "
           << ref.type.getElementType();
  }

  /// A mask is rank 4, i1 or the float type of the inputs, and each dim is 1
  /// or matches the corresponding dim of [B, H, Sq, Skv].
  LogicalResult mask(const NamedTensor &m, Type floatType,
                     ArrayRef<int64_t> scoreShape) {
    if (failed(rank(m, 4, "broadcastable to [B, H, Sq, Skv]")))
      return failure();
    Type e = m.type.getElementType();
    if (!e.isInteger(1) && e != floatType)
      return op->emitOpError() << "mask element type must be i1 or "
                               << floatType << ", but is " << e;
    static const char *names[] = {"B", "H", "Sq", "Skv"};
    for (unsigned i = 0; i < 4; ++i) {
      int64_t d = m.dim(i), want = scoreShape[i];
      if (ShapedType::isDynamic(d) || ShapedType::isDynamic(want) || d == 1 ||
          d == want)
        continue;
      return op->emitOpError()
             << "mask dim " << i << " is " << d << ", but must be 1 or "
             << names[i] << " = " << want
             << " to broadcast to [B, H, Sq, Skv] = " << shapeString(scoreShape);
    }
    return success();
  }

  LogicalResult scale(std::optional<APFloat> scale) {
    if (!scale)
      return success();
    double s = scale->convertToDouble();
    if (std::isfinite(s) && s > 0)
      return success();
    return op->emitOpError() << "scale must be finite and positive, but is "
                             << s;
  }

private:
  Operation *op;
};

/// The variants of mha.attention and mha.multi_head_attention: `alibi` and
/// `sinks` are f32 [H] over the query heads (`h`, named `hName`), `window`
/// is [left, right] with each side >= -1, `softcap` is finite and positive.
template <typename OpTy>
LogicalResult verifyVariants(OpTy op, ShapeChecker &check, int64_t h,
                             StringRef hName) {
  for (auto [name, operand] :
       {std::pair<StringRef, Value>{"alibi slopes", op.getAlibi()},
        std::pair<StringRef, Value>{"sinks", op.getSinks()}}) {
    if (!operand)
      continue;
    NamedTensor t{name, cast<RankedTensorType>(operand.getType())};
    if (failed(check.rank(t, 1, "[H]")))
      return failure();
    if (!t.type.getElementType().isF32())
      return op.emitOpError() << name << " element type must be f32, but is "
                              << t.type.getElementType();
    if (failed(check.dim(t, 0, "size H", h, hName)))
      return failure();
  }
  if (std::optional<ArrayAttr> window = op.getWindow()) {
    if (window->size() != 2)
      return op.emitOpError() << "window must be [left, right], but has "
                              << window->size() << " elements";
    static const char *sides[] = {"left", "right"};
    for (auto [i, bound] : llvm::enumerate(window->getValue())) {
      int64_t v = cast<IntegerAttr>(bound).getInt();
      if (v < -1)
        return op.emitOpError()
               << "window " << sides[i]
               << " bound must be >= 0 (or -1 for unbounded), but is " << v;
    }
  }
  if (std::optional<APFloat> c = op.getSoftcap()) {
    double v = c->convertToDouble();
    if (!std::isfinite(v) || v <= 0)
      return op.emitOpError()
             << "softcap must be finite and positive, but is " << v;
  }
  return success();
}
} // namespace

//===----------------------------------------------------------------------===//
// AttentionOp
//===----------------------------------------------------------------------===//

LogicalResult AttentionOp::verify() {
  ShapeChecker check(*this);
  NamedTensor q{"query", getQuery().getType()};
  NamedTensor k{"key", getKey().getType()};
  NamedTensor v{"value", getValue().getType()};
  NamedTensor o{"result", getResult().getType()};

  if (failed(check.rank(q, 4, "[B, H, Sq, D]")) ||
      failed(check.rank(k, 4, "[B, Hkv, Skv, D]")) ||
      failed(check.rank(v, 4, "[B, Hkv, Skv, Dv]")) ||
      failed(check.rank(o, 4, "[B, H, Sq, Dv]")))
    return failure();
  if (failed(check.floatElement(q)) || failed(check.sameElement(k, q)) ||
      failed(check.sameElement(v, q)) || failed(check.sameElement(o, q)))
    return failure();

  if (failed(check.staticPositive(q, 1, "head count H")) ||
      failed(check.staticPositive(k, 1, "head count Hkv")) ||
      failed(check.staticPositive(q, 3, "head dim D")) ||
      failed(check.staticPositive(v, 3, "head dim Dv")))
    return failure();

  int64_t b = q.dim(0), h = q.dim(1), sq = q.dim(2), d = q.dim(3);
  int64_t hkv = k.dim(1), skv = k.dim(2), dv = v.dim(3);
  if (h % hkv != 0)
    return emitOpError() << "query head count H = " << h
                         << " must be a multiple of key head count Hkv = "
                         << hkv;
  if (failed(check.dim(k, 0, "batch size B", b, "query batch size")) ||
      failed(check.dim(v, 0, "batch size B", b, "query batch size")) ||
      failed(check.dim(k, 3, "head dim D", d, "query head dim")) ||
      failed(check.dim(v, 1, "head count Hkv", hkv, "key head count")) ||
      failed(check.dim(v, 2, "sequence length Skv", skv,
                       "key sequence length")) ||
      failed(check.dim(o, 0, "batch size B", b, "query batch size")) ||
      failed(check.dim(o, 1, "head count H", h, "query head count")) ||
      failed(check.dim(o, 2, "sequence length Sq", sq,
                       "query sequence length")) ||
      failed(check.dim(o, 3, "head dim Dv", dv, "value head dim")))
    return failure();

  if (Value m = getMask()) {
    NamedTensor mt{"mask", cast<RankedTensorType>(m.getType())};
    if (failed(check.mask(mt, q.type.getElementType(), {b, h, sq, skv})))
      return failure();
  }

  if (failed(verifyVariants(*this, check, h, "query head count")))
    return failure();

  if (Value lse = getLse()) {
    NamedTensor l{"lse result", cast<RankedTensorType>(lse.getType())};
    if (failed(check.rank(l, 3, "[B, H, Sq]")))
      return failure();
    if (!l.type.getElementType().isF32())
      return emitOpError() << "lse result element type must be f32, but is "
                           << l.type.getElementType();
    if (failed(check.dim(l, 0, "batch size B", b, "query batch size")) ||
        failed(check.dim(l, 1, "head count H", h, "query head count")) ||
        failed(
            check.dim(l, 2, "sequence length Sq", sq, "query sequence length")))
      return failure();
  }

  return check.scale(getScale());
}

/// Checks one modifier region: a single block with block arguments `args`
/// (named `argNames` in messages), ops free of memory effects, and an
/// `mha.yield` of `yieldType`.
static LogicalResult verifyModifier(AttentionOp op, Region &region,
                                    StringRef regionName, ArrayRef<Type> args,
                                    ArrayRef<StringRef> argNames,
                                    Type yieldType) {
  if (region.empty())
    return success();
  if (!region.hasOneBlock())
    return op.emitOpError()
           << regionName << " region must have one block, but has "
           << region.getBlocks().size();
  Block &block = region.front();
  if (block.getNumArguments() != args.size()) {
    std::string expected;
    for (auto [i, name] : llvm::enumerate(argNames))
      expected += (i ? ", " : "") + name.str();
    return op.emitOpError() << regionName << " region must have " << args.size()
                            << " block arguments (" << expected << "), but has "
                            << block.getNumArguments();
  }
  for (auto [i, arg] : llvm::enumerate(block.getArguments()))
    if (arg.getType() != args[i])
      return op.emitOpError()
             << regionName << " block argument #" << i << " ('" << argNames[i]
             << "') must be " << args[i] << ", but is " << arg.getType();
  for (Operation &nested : block) {
    if (isa<YieldOp>(nested) || isMemoryEffectFree(&nested))
      continue;
    InFlightDiagnostic diag =
        op.emitOpError() << regionName << " region may only hold ops without "
                         << "memory effects, but '" << nested.getName()
                         << "' may have them";
    diag.attachNote(nested.getLoc()) << "see the op here";
    return diag;
  }
  auto yield = block.empty() ? nullptr : dyn_cast<YieldOp>(block.back());
  if (!yield)
    return op.emitOpError()
           << regionName << " region must end with 'mha.yield'";
  if (yield.getValue().getType() != yieldType)
    return op.emitOpError() << regionName << " region must yield " << yieldType
                            << ", but yields " << yield.getValue().getType();
  return success();
}

LogicalResult AttentionOp::verifyRegions() {
  MLIRContext *ctx = getContext();
  Type f32 = Float32Type::get(ctx), index = IndexType::get(ctx);
  if (failed(verifyModifier(*this, getScoreMod(), "score_mod",
                            {f32, index, index, index, index},
                            {"score", "b", "h", "q_idx", "kv_idx"}, f32)))
    return failure();
  return verifyModifier(
      *this, getMaskMod(), "mask_mod", {index, index, index, index},
      {"b", "h", "q_idx", "kv_idx"}, IntegerType::get(ctx, 1));
}

/// (left, right) of a `window` attribute; -1 (unbounded) without one.
static std::pair<int64_t, int64_t>
windowBounds(std::optional<ArrayAttr> window) {
  if (!window || window->size() != 2)
    return {-1, -1};
  return {cast<IntegerAttr>((*window)[0]).getInt(),
          cast<IntegerAttr>((*window)[1]).getInt()};
}

std::pair<int64_t, int64_t> AttentionOp::getWindowBounds() {
  return windowBounds(getWindow());
}

SmallVector<StringRef> AttentionOp::getVariantNames() {
  SmallVector<StringRef> names;
  if (getWindow())
    names.push_back("window");
  if (getSoftcap())
    names.push_back("softcap");
  if (getAlibi())
    names.push_back("alibi");
  if (getSinks())
    names.push_back("sinks");
  if (getLse())
    names.push_back("lse");
  if (hasScoreMod())
    names.push_back("score_mod");
  if (hasMaskMod())
    names.push_back("mask_mod");
  return names;
}

bool AttentionOp::hasVariants() { return !getVariantNames().empty(); }

double AttentionOp::getEffectiveScale() {
  if (std::optional<APFloat> s = getScale())
    return s->convertToDouble();
  return 1.0 / std::sqrt(double(getQuery().getType().getDimSize(3)));
}

int64_t AttentionOp::getGroupSize() {
  return getQuery().getType().getDimSize(1) / getKey().getType().getDimSize(1);
}

//===----------------------------------------------------------------------===//
// MultiHeadAttentionOp
//===----------------------------------------------------------------------===//

int64_t MultiHeadAttentionOp::getNumKvHeadsOrDefault() {
  return getNumKvHeads().value_or(getNumHeads());
}

std::pair<int64_t, int64_t> MultiHeadAttentionOp::getWindowBounds() {
  return windowBounds(getWindow());
}

AttentionOp MultiHeadAttentionOp::createAttention(OpBuilder &b, Location loc,
                                                  Type result, Value q, Value k,
                                                  Value v) {
  return AttentionOp::create(b, loc, result, /*lse=*/Type(), q, k, v, getMask(),
                             getAlibi(), getSinks(), getScaleAttr(),
                             getCausalAttr(), getWindowAttr(),
                             getSoftcapAttr());
}

LogicalResult MultiHeadAttentionOp::verify() {
  ShapeChecker check(*this);
  int64_t h = getNumHeads();
  if (h <= 0)
    return emitOpError() << "num_heads must be positive, but is " << h;
  int64_t hkv = getNumKvHeadsOrDefault();
  if (hkv <= 0)
    return emitOpError() << "num_kv_heads must be positive, but is " << hkv;
  if (h % hkv != 0)
    return emitOpError() << "num_heads = " << h
                         << " must be a multiple of num_kv_heads = " << hkv;

  NamedTensor xq{"query_input", getQueryInput().getType()};
  NamedTensor xkv{"kv_input", getKvInput().getType()};
  NamedTensor wq{"wq", getWq().getType()};
  NamedTensor wk{"wk", getWk().getType()};
  NamedTensor wv{"wv", getWv().getType()};
  NamedTensor wo{"wo", getWo().getType()};
  NamedTensor y{"result", getResult().getType()};
  if (failed(check.rank(xq, 3, "[B, Sq, E]")) ||
      failed(check.rank(xkv, 3, "[B, Skv, E]")) ||
      failed(check.rank(wq, 2, "[E, H*D]")) ||
      failed(check.rank(wk, 2, "[E, Hkv*D]")) ||
      failed(check.rank(wv, 2, "[E, Hkv*Dv]")) ||
      failed(check.rank(wo, 2, "[H*Dv, E]")) ||
      failed(check.rank(y, 3, "[B, Sq, E]")))
    return failure();
  for (const NamedTensor *t : {&xq, &xkv, &wq, &wk, &wv, &wo, &y})
    if (failed(t == &xq ? check.floatElement(xq) : check.sameElement(*t, xq)))
      return failure();

  // Weights are static: they fix E, D and Dv.
  for (const NamedTensor *t : {&wq, &wk, &wv, &wo})
    for (unsigned i = 0; i < 2; ++i)
      if (failed(check.staticPositive(*t, i, i == 0 ? "rows" : "columns")))
        return failure();
  int64_t e = wq.dim(0);
  if (wq.dim(1) % h != 0)
    return emitOpError() << "wq columns (dim 1) = " << wq.dim(1)
                         << " must be a multiple of num_heads = " << h
                         << " (wq is [E, H*D])";
  int64_t d = wq.dim(1) / h;
  if (wv.dim(1) % hkv != 0)
    return emitOpError() << "wv columns (dim 1) = " << wv.dim(1)
                         << " must be a multiple of num_kv_heads = " << hkv
                         << " (wv is [E, Hkv*Dv])";
  int64_t dv = wv.dim(1) / hkv;

  // H*Dv can overflow for absurd head counts; the other products are
  // weight dims and fit by construction.
  int64_t hdv;
  if (llvm::MulOverflow(h, dv, hdv))
    return emitOpError() << "num_heads * value head dim (" << h << " * " << dv
                         << ") overflows a 64-bit size";

  int64_t b = xq.dim(0), sq = xq.dim(1), skv = xkv.dim(1);
  if (failed(check.dim(xq, 2, "embedding size E", e, "wq rows")) ||
      failed(check.dim(xkv, 0, "batch size B", b, "query_input batch size")) ||
      failed(check.dim(xkv, 2, "embedding size E", e, "wq rows")) ||
      failed(check.dim(wk, 0, "rows", e, "embedding size E")) ||
      failed(check.dim(wk, 1, "columns", hkv * d,
                       "num_kv_heads * head dim (Hkv*D)")) ||
      failed(check.dim(wv, 0, "rows", e, "embedding size E")) ||
      failed(check.dim(wo, 0, "rows", hdv, "num_heads * value head dim "
                                               "(H*Dv)")) ||
      failed(check.dim(wo, 1, "columns", e, "embedding size E")) ||
      failed(check.dim(y, 0, "batch size B", b, "query_input batch size")) ||
      failed(check.dim(y, 1, "sequence length Sq", sq,
                       "query_input sequence length")) ||
      failed(check.dim(y, 2, "embedding size E", e, "wq rows")))
    return failure();

  OperandRange biases = getBiases();
  if (!biases.empty() && biases.size() != 4)
    return emitOpError() << "bias(...) takes 4 operands (bq, bk, bv, bo), but "
                            "has "
                         << biases.size();
  if (biases.size() == 4) {
    static const char *names[] = {"bq", "bk", "bv", "bo"};
    int64_t sizes[] = {h * d, hkv * d, hkv * dv, e};
    static const char *what[] = {"H*D", "Hkv*D", "Hkv*Dv", "E"};
    for (unsigned i = 0; i < 4; ++i) {
      NamedTensor bt{names[i], cast<RankedTensorType>(biases[i].getType())};
      if (failed(check.rank(bt, 1, std::string("[") + what[i] + "]")) ||
          failed(check.sameElement(bt, xq)) ||
          failed(check.dim(bt, 0, "size", sizes[i], what[i])))
        return failure();
    }
  }

  if (Value m = getMask()) {
    NamedTensor mt{"mask", cast<RankedTensorType>(m.getType())};
    if (failed(check.mask(mt, xq.type.getElementType(), {b, h, sq, skv})))
      return failure();
  }
  if (failed(verifyVariants(*this, check, h, "num_heads")))
    return failure();
  return check.scale(getScale());
}

//===----------------------------------------------------------------------===//
// CheckSizeOp
//===----------------------------------------------------------------------===//

LogicalResult CheckSizeOp::canonicalize(CheckSizeOp op,
                                        PatternRewriter &rewriter) {
  APInt actual, expected;
  if (!matchPattern(op.getActual(), m_ConstantInt(&actual)) ||
      !matchPattern(op.getExpected(), m_ConstantInt(&expected)) ||
      actual != expected)
    return failure();
  rewriter.eraseOp(op);
  return success();
}

//===----------------------------------------------------------------------===//
// Canonicalization
//===----------------------------------------------------------------------===//

namespace {
/// True when `mask` is a splat constant that keeps every score: `true` for
/// i1 masks, +-0.0 for additive float masks.
bool isNoOpMask(Value mask) {
  DenseElementsAttr attr;
  if (!mask || !matchPattern(mask, m_Constant(&attr)) || !attr.isSplat())
    return false;
  if (attr.getElementType().isInteger(1))
    return attr.getSplatValue<bool>();
  return attr.getSplatValue<APFloat>().isZero();
}

/// True when `scale` is the default 1/sqrt(D) as rounded to f32.
bool isDefaultScale(std::optional<APFloat> scale, int64_t headDim) {
  return scale && scale->convertToFloat() ==
                      static_cast<float>(1.0 / std::sqrt(double(headDim)));
}

int64_t headDimOf(AttentionOp op) {
  return op.getQuery().getType().getDimSize(3);
}
int64_t headDimOf(MultiHeadAttentionOp op) {
  return op.getWq().getType().getDimSize(1) / op.getNumHeads();
}

/// True when the `mask_mod` of `op` keeps every score (yields `true`) or
/// the `score_mod` of `op` yields its score unchanged: the region is a no-op.
bool isNoOpMaskMod(AttentionOp op) {
  if (!op.hasMaskMod())
    return false;
  auto yield = cast<YieldOp>(op.getMaskMod().front().getTerminator());
  return matchPattern(yield.getValue(), m_One());
}
bool isNoOpScoreMod(AttentionOp op) {
  if (!op.hasScoreMod())
    return false;
  Block &block = op.getScoreMod().front();
  return cast<YieldOp>(block.getTerminator()).getValue() ==
         block.getArgument(0);
}

/// Removes operands, attributes and modifier regions that restate the
/// defaults.
template <typename OpTy>
struct DropDefaults : public OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    bool dropMask = isNoOpMask(op.getMask());
    bool dropScale = isDefaultScale(op.getScale(), headDimOf(op));
    bool dropKvHeads = false, dropMaskMod = false, dropScoreMod = false;
    if constexpr (std::is_same_v<OpTy, MultiHeadAttentionOp>)
      dropKvHeads = op.getNumKvHeads() == op.getNumHeads();
    if constexpr (std::is_same_v<OpTy, AttentionOp>) {
      dropMaskMod = isNoOpMaskMod(op);
      dropScoreMod = isNoOpScoreMod(op);
    }
    if (!dropMask && !dropScale && !dropKvHeads && !dropMaskMod &&
        !dropScoreMod)
      return failure();
    // The region's ops are used only inside it: erasing its block drops them.
    if constexpr (std::is_same_v<OpTy, AttentionOp>) {
      if (dropMaskMod)
        rewriter.eraseBlock(&op.getMaskMod().front());
      if (dropScoreMod)
        rewriter.eraseBlock(&op.getScoreMod().front());
    }
    rewriter.modifyOpInPlace(op, [&] {
      if (dropMask)
        op.getMaskMutable().clear();
      if (dropScale)
        op.removeScaleAttr();
      if constexpr (std::is_same_v<OpTy, MultiHeadAttentionOp>)
        if (dropKvHeads)
          op.removeNumKvHeadsAttr();
    });
    return success();
  }
};
} // namespace

void AttentionOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                              MLIRContext *context) {
  results.add<DropDefaults<AttentionOp>>(context);
}

void MultiHeadAttentionOp::getCanonicalizationPatterns(
    RewritePatternSet &results, MLIRContext *context) {
  results.add<DropDefaults<MultiHeadAttentionOp>>(context);
}
