//===- MaskModAnalysis.cpp - Affine structure of mask_mod -----------------===//

#include "mha/Dialect/MHA/Utils/MaskModAnalysis.h"

#include "mha/Dialect/MHA/IR/MHAOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::mha;

MaskFormula MaskFormula::negated() const {
  MaskFormula n;
  switch (kind) {
  case Kind::True:
    n.kind = Kind::False;
    return n;
  case Kind::False:
    n.kind = Kind::True;
    return n;
  case Kind::Atom:
    n.kind = Kind::Atom;
    n.q = -q;
    n.kv = -kv;
    n.c = -c - 1;
    return n;
  case Kind::And:
  case Kind::Or:
    n.kind = kind == Kind::And ? Kind::Or : Kind::And;
    for (const MaskFormula &o : operands)
      n.operands.push_back(o.negated());
    return n;
  }
  llvm_unreachable("unknown formula kind");
}

namespace {
/// q * q_idx + kv * kv_idx + c.
struct Linear {
  int64_t q = 0, kv = 0, c = 0;
};

/// Coefficients stay far from overflow in every later sum and product.
constexpr int64_t kLimit = int64_t(1) << 40;
bool small(const Linear &l) {
  return std::abs(l.q) < kLimit && std::abs(l.kv) < kLimit &&
         std::abs(l.c) < kLimit;
}

/// The signed predicate of an unsigned one.
arith::CmpIPredicate signedOf(arith::CmpIPredicate p) {
  using P = arith::CmpIPredicate;
  switch (p) {
  case P::ult:
    return P::slt;
  case P::ule:
    return P::sle;
  case P::ugt:
    return P::sgt;
  case P::uge:
    return P::sge;
  default:
    return p;
  }
}

struct Parser {
  Block &block;

  std::optional<Linear> linear(Value v) {
    if (auto arg = dyn_cast<BlockArgument>(v)) {
      if (arg.getOwner() != &block)
        return std::nullopt;
      if (arg.getArgNumber() == 2)
        return Linear{1, 0, 0};
      if (arg.getArgNumber() == 3)
        return Linear{0, 1, 0};
      return std::nullopt; // b or h
    }
    // Constants may be hoisted above the op by folding.
    APInt value;
    if (matchPattern(v, m_ConstantInt(&value))) {
      if (value.getSignificantBits() > 41)
        return std::nullopt;
      return Linear{0, 0, value.getSExtValue()};
    }
    Operation *op = v.getDefiningOp();
    // Only ops of the region: another value defined above is unknown here.
    if (!op || op->getBlock() != &block)
      return std::nullopt;
    if (isa<arith::IndexCastOp, arith::IndexCastUIOp, arith::ExtSIOp>(op))
      return linear(op->getOperand(0));
    if (!isa<arith::AddIOp, arith::SubIOp, arith::MulIOp>(op))
      return std::nullopt;
    std::optional<Linear> a = linear(op->getOperand(0));
    std::optional<Linear> b = linear(op->getOperand(1));
    if (!a || !b)
      return std::nullopt;
    Linear r;
    if (isa<arith::AddIOp>(op)) {
      r = {a->q + b->q, a->kv + b->kv, a->c + b->c};
    } else if (isa<arith::SubIOp>(op)) {
      r = {a->q - b->q, a->kv - b->kv, a->c - b->c};
    } else {
      // One factor must be a constant.
      if (a->q || a->kv)
        std::swap(a, b);
      if (a->q || a->kv || std::abs(a->c) >= (int64_t(1) << 20))
        return std::nullopt;
      r = {a->c * b->q, a->c * b->kv, a->c * b->c};
    }
    if (!small(r))
      return std::nullopt;
    return r;
  }

  static MaskFormula atom(Linear l) {
    MaskFormula f;
    f.kind = MaskFormula::Kind::Atom;
    f.q = l.q;
    f.kv = l.kv;
    f.c = l.c;
    return f;
  }
  static MaskFormula combine(MaskFormula::Kind kind, MaskFormula a,
                             MaskFormula b) {
    MaskFormula f;
    f.kind = kind;
    f.operands = {std::move(a), std::move(b)};
    return f;
  }

  std::optional<MaskFormula> formula(Value v) {
    APInt value;
    if (matchPattern(v, m_ConstantInt(&value))) {
      MaskFormula f;
      f.kind =
          value.isZero() ? MaskFormula::Kind::False : MaskFormula::Kind::True;
      return f;
    }
    Operation *op = v.getDefiningOp();
    if (!op || op->getBlock() != &block)
      return std::nullopt;
    if (isa<arith::AndIOp, arith::OrIOp, arith::XOrIOp>(op)) {
      std::optional<MaskFormula> a = formula(op->getOperand(0));
      std::optional<MaskFormula> b = formula(op->getOperand(1));
      if (!a || !b)
        return std::nullopt;
      if (isa<arith::AndIOp>(op))
        return combine(MaskFormula::Kind::And, *a, *b);
      if (isa<arith::OrIOp>(op))
        return combine(MaskFormula::Kind::Or, *a, *b);
      // a xor b = (a and not b) or (not a and b).
      return combine(MaskFormula::Kind::Or,
                     combine(MaskFormula::Kind::And, *a, b->negated()),
                     combine(MaskFormula::Kind::And, a->negated(), *b));
    }
    if (auto select = dyn_cast<arith::SelectOp>(op)) {
      std::optional<MaskFormula> c = formula(select.getCondition());
      std::optional<MaskFormula> t = formula(select.getTrueValue());
      std::optional<MaskFormula> e = formula(select.getFalseValue());
      if (!c || !t || !e)
        return std::nullopt;
      return combine(MaskFormula::Kind::Or,
                     combine(MaskFormula::Kind::And, *c, *t),
                     combine(MaskFormula::Kind::And, c->negated(), *e));
    }
    auto cmp = dyn_cast<arith::CmpIOp>(op);
    if (!cmp)
      return std::nullopt;
    std::optional<Linear> a = linear(cmp.getLhs());
    std::optional<Linear> b = linear(cmp.getRhs());
    if (!a || !b)
      return std::nullopt;
    // d = a - b; every predicate as atoms d >= ... .
    Linear d{a->q - b->q, a->kv - b->kv, a->c - b->c};
    Linear nd{-d.q, -d.kv, -d.c};
    auto shifted = [](Linear l, int64_t by) {
      l.c += by;
      return l;
    };
    using P = arith::CmpIPredicate;
    P pred = cmp.getPredicate();
    // q_idx and kv_idx are >= 0: forms with no negative term compare the
    // same signed and unsigned.
    auto nonNegative = [](const Linear &l) {
      return l.q >= 0 && l.kv >= 0 && l.c >= 0;
    };
    if (nonNegative(*a) && nonNegative(*b))
      pred = signedOf(pred);
    switch (pred) {
    case P::sge:
      return atom(d);
    case P::sgt:
      return atom(shifted(d, -1));
    case P::sle:
      return atom(nd);
    case P::slt:
      return atom(shifted(nd, -1));
    case P::eq:
      return combine(MaskFormula::Kind::And, atom(d), atom(nd));
    case P::ne:
      return combine(MaskFormula::Kind::Or, atom(shifted(d, -1)),
                     atom(shifted(nd, -1)));
    default:
      // Unsigned comparisons of differences are not linear.
      return std::nullopt;
    }
  }
};

Value cst(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// a * x, folding the trivial factors.
Value scaled(OpBuilder &b, Location loc, int64_t a, Value x) {
  if (a == 1)
    return x;
  return arith::MulIOp::create(b, loc, cst(b, loc, a), x);
}

/// q * qi + kv * kj + c at the given point (kj may be null when kv == 0).
Value evaluate(OpBuilder &b, Location loc, const MaskFormula &f, Value qi,
               Value kj) {
  Value r = cst(b, loc, f.c);
  if (f.q)
    r = arith::AddIOp::create(b, loc, r, scaled(b, loc, f.q, qi));
  if (f.kv)
    r = arith::AddIOp::create(b, loc, r, scaled(b, loc, f.kv, kj));
  return r;
}

Value boolConst(OpBuilder &b, Location loc, bool v) {
  return arith::ConstantIntOp::create(b, loc, b.getI1Type(), v);
}
} // namespace

MaskModInfo mlir::mha::analyzeMaskMod(AttentionOp op) {
  Block &block = op.getMaskMod().front();
  MaskModInfo info;
  info.usesBatch = !block.getArgument(0).use_empty();
  info.usesHead = !block.getArgument(1).use_empty();
  Parser parser{block};
  info.formula =
      parser.formula(cast<YieldOp>(block.getTerminator()).getValue());
  return info;
}

std::pair<Value, Value> mlir::mha::classifyTile(OpBuilder &b, Location loc,
                                                const MaskFormula &f, Value q0,
                                                Value q1, Value k0, Value k1) {
  using K = MaskFormula::Kind;
  switch (f.kind) {
  case K::True:
    return {boolConst(b, loc, true), boolConst(b, loc, false)};
  case K::False:
    return {boolConst(b, loc, false), boolConst(b, loc, true)};
  case K::Atom: {
    // The smallest and largest values of the form over the rectangle.
    Value lo = evaluate(b, loc, f, f.q > 0 ? q0 : q1, f.kv > 0 ? k0 : k1);
    Value hi = evaluate(b, loc, f, f.q > 0 ? q1 : q0, f.kv > 0 ? k1 : k0);
    Value zero = cst(b, loc, 0);
    return {arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, lo, zero),
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, hi, zero)};
  }
  case K::And:
  case K::Or: {
    Value allTrue, allFalse;
    for (const MaskFormula &o : f.operands) {
      auto [t, e] = classifyTile(b, loc, o, q0, q1, k0, k1);
      if (!allTrue) {
        allTrue = t, allFalse = e;
        continue;
      }
      if (f.kind == K::And) {
        allTrue = arith::AndIOp::create(b, loc, allTrue, t);
        allFalse = arith::OrIOp::create(b, loc, allFalse, e);
      } else {
        allTrue = arith::OrIOp::create(b, loc, allTrue, t);
        allFalse = arith::AndIOp::create(b, loc, allFalse, e);
      }
    }
    return {allTrue, allFalse};
  }
  }
  llvm_unreachable("unknown formula kind");
}

std::pair<Value, Value> mlir::mha::kvRangeOf(OpBuilder &b, Location loc,
                                             const MaskFormula &f, Value q0,
                                             Value q1) {
  using K = MaskFormula::Kind;
  switch (f.kind) {
  case K::True:
    return {Value(), Value()};
  case K::False:
    // Nothing is visible: an empty range.
    return {cst(b, loc, 0), cst(b, loc, 0)};
  case K::Atom: {
    if (f.kv == 0)
      return {Value(), Value()};
    // kv * kj >= -(q * qi + c) over the rows; the weakest bound is at the
    // row where q * qi is largest.
    Value qi = f.q > 0 ? q1 : q0;
    MaskFormula rest = f;
    rest.kv = 0;
    Value negRest = arith::SubIOp::create(b, loc, cst(b, loc, 0),
                                          evaluate(b, loc, rest, qi, Value()));
    if (f.kv > 0) // kj >= ceil(-rest / kv)
      return {arith::CeilDivSIOp::create(b, loc, negRest, cst(b, loc, f.kv)),
              Value()};
    // kj <= floor(rest / -kv): hidden from floor(...) + 1 on.
    Value rest1 = arith::SubIOp::create(b, loc, cst(b, loc, 0), negRest);
    Value last = arith::FloorDivSIOp::create(b, loc, rest1, cst(b, loc, -f.kv));
    return {Value(), arith::AddIOp::create(b, loc, last, cst(b, loc, 1))};
  }
  case K::And:
  case K::Or: {
    // And: the tightest bound of any operand; Or: the loosest, and only if
    // every operand bounds that side.
    Value lo, hi;
    bool loAll = true, hiAll = true;
    for (const MaskFormula &o : f.operands) {
      auto [l, h] = kvRangeOf(b, loc, o, q0, q1);
      auto merge = [&](Value &acc, Value v, bool &all, bool isLo) {
        if (!v) {
          all = false;
          return;
        }
        if (!acc) {
          acc = v;
          return;
        }
        bool takeMax = (f.kind == K::And) == isLo;
        acc = takeMax ? arith::MaxSIOp::create(b, loc, acc, v).getResult()
                      : arith::MinSIOp::create(b, loc, acc, v).getResult();
      };
      merge(lo, l, loAll, /*isLo=*/true);
      merge(hi, h, hiAll, /*isLo=*/false);
    }
    if (f.kind == K::Or) {
      if (!loAll)
        lo = Value();
      if (!hiAll)
        hi = Value();
    }
    return {lo, hi};
  }
  }
  llvm_unreachable("unknown formula kind");
}
