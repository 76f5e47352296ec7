//===- OracleModifiers.cpp - score_mod / mask_mod for the oracle ----------===//
//
// The regions are compiled once into a list of steps over numbered
// registers, then run at every (b, h, q_idx, kv_idx) of the oracle's loops.
// Floats are evaluated in double whatever their type (extf / truncf are
// exact); integers keep their width (wrapping, sign-extended registers).
//
//===----------------------------------------------------------------------===//

#include "mha/Runner/OracleModifiers.h"

#include "mha/Dialect/MHA/IR/MHAOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/ErrorHandling.h"

#include <cmath>
#include <functional>

using namespace mlir;
using namespace mlir::mha;
using namespace mlir::mha::runner;

namespace {
/// One value of a region: any float in `f` (as double), an integer or index
/// in `i`, sign-extended from its width (i1 is 0 or 1).
struct Scalar {
  double f = 0;
  int64_t i = 0;
};

/// A tensor read by tensor.extract: an entry argument (bound per call) or a
/// dense constant.
struct TensorSource {
  std::optional<unsigned> argument;
  std::vector<Scalar> constant;
  std::vector<int64_t> constantShape;
  bool isFloat = true;
  unsigned width = 0; // integer elements
};

/// The state of one program while it runs: registers and bound tensors.
struct Frame {
  std::vector<Scalar> regs;
  std::vector<std::vector<Scalar>> values; // per TensorSource
  std::vector<std::vector<int64_t>> shapes;
};

using Step = std::function<void(Frame &)>;

/// One compiled region.
struct Program {
  std::string name; // "score_mod" or "mask_mod"
  std::vector<Step> steps;
  std::vector<unsigned> argSlots;
  unsigned result = 0;
  unsigned numSlots = 0;

  void run(Frame &frame) const {
    for (const Step &step : steps)
      step(frame);
  }
};

[[noreturn]] void fail(const llvm::Twine &message) {
  llvm::report_fatal_error("the C++ oracle: " + message,
                           /*gen_crash_diag=*/false);
}

unsigned widthOf(Type type) {
  if (type.isIndex())
    return 64;
  if (auto i = dyn_cast<IntegerType>(type))
    return i.getWidth();
  return 0;
}

/// `v` wrapped to `width` bits, sign-extended (i1: 0 or 1).
int64_t wrap(int64_t v, unsigned width) {
  if (width == 1)
    return v & 1;
  if (width >= 64)
    return v;
  unsigned shift = 64 - width;
  return static_cast<int64_t>(static_cast<uint64_t>(v) << shift) >> shift;
}

uint64_t asUnsigned(int64_t v, unsigned width) {
  if (width >= 64)
    return static_cast<uint64_t>(v);
  return static_cast<uint64_t>(v) & ((uint64_t(1) << width) - 1);
}

bool compareFloat(arith::CmpFPredicate p, double a, double b) {
  bool unordered = std::isnan(a) || std::isnan(b);
  using P = arith::CmpFPredicate;
  switch (p) {
  case P::AlwaysFalse:
    return false;
  case P::AlwaysTrue:
    return true;
  case P::OEQ:
    return !unordered && a == b;
  case P::OGT:
    return !unordered && a > b;
  case P::OGE:
    return !unordered && a >= b;
  case P::OLT:
    return !unordered && a < b;
  case P::OLE:
    return !unordered && a <= b;
  case P::ONE:
    return !unordered && a != b;
  case P::ORD:
    return !unordered;
  case P::UEQ:
    return unordered || a == b;
  case P::UGT:
    return unordered || a > b;
  case P::UGE:
    return unordered || a >= b;
  case P::ULT:
    return unordered || a < b;
  case P::ULE:
    return unordered || a <= b;
  case P::UNE:
    return unordered || a != b;
  case P::UNO:
    return unordered;
  }
  llvm_unreachable("unknown cmpf predicate");
}

bool compareInt(arith::CmpIPredicate p, int64_t a, int64_t b, unsigned width) {
  uint64_t ua = asUnsigned(a, width), ub = asUnsigned(b, width);
  using P = arith::CmpIPredicate;
  switch (p) {
  case P::eq:
    return a == b;
  case P::ne:
    return a != b;
  case P::slt:
    return a < b;
  case P::sle:
    return a <= b;
  case P::sgt:
    return a > b;
  case P::sge:
    return a >= b;
  case P::ult:
    return ua < ub;
  case P::ule:
    return ua <= ub;
  case P::ugt:
    return ua > ub;
  case P::uge:
    return ua >= ub;
  }
  llvm_unreachable("unknown cmpi predicate");
}

int64_t floorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}
int64_t ceilDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) == (b < 0))) ? q + 1 : q;
}

/// Compiles the regions of one op; the tensors they read are shared.
class Compiler {
public:
  explicit Compiler(func::FuncOp func) : func(func) {}

  llvm::Error compile(Region &region, StringRef name, Program &program);

  std::vector<TensorSource> tensors;

private:
  llvm::Error error(Operation *op, const llvm::Twine &what) {
    std::string location;
    llvm::raw_string_ostream os(location);
    op->getLoc().print(os);
    return llvm::createStringError("the C++ oracle cannot evaluate '" +
                                   op->getName().getStringRef() + "' in the " +
                                   currentName + " region of mha.attention" +
                                   what + " (at " + location + ")");
  }

  /// The register of `v`; constants defined above the region get one on
  /// first use.
  llvm::Expected<unsigned> operand(Value v);
  llvm::Expected<unsigned> tensorOf(Value tensor, Operation *user);
  llvm::Error compileOp(Operation *op);

  unsigned newSlot(Value v) {
    unsigned slot = program->numSlots++;
    slots[v] = slot;
    return slot;
  }

  func::FuncOp func;
  Program *program = nullptr;
  StringRef currentName;
  llvm::DenseMap<Value, unsigned> slots;
  llvm::DenseMap<Value, unsigned> tensorIds;
};

llvm::Expected<unsigned> Compiler::operand(Value v) {
  auto it = slots.find(v);
  if (it != slots.end())
    return it->second;
  // Defined above the region: only scalar constants have a value here.
  Operation *def = v.getDefiningOp();
  auto constant = dyn_cast_or_null<arith::ConstantOp>(def);
  if (!constant || isa<ShapedType>(v.getType())) {
    if (!def)
      return llvm::createStringError(
          "the C++ oracle cannot evaluate the " + currentName.str() +
          " region of mha.attention: it uses a block argument defined above "
          "it that is not a tensor read by tensor.extract");
    return error(def, " (used by the region, defined above it)");
  }
  if (llvm::Error err = compileOp(def))
    return std::move(err);
  return slots.lookup(v);
}

llvm::Expected<unsigned> Compiler::tensorOf(Value tensor, Operation *user) {
  auto it = tensorIds.find(tensor);
  if (it != tensorIds.end())
    return it->second;
  TensorSource source;
  auto type = cast<RankedTensorType>(tensor.getType());
  source.isFloat = isa<FloatType>(type.getElementType());
  source.width = widthOf(type.getElementType());
  if (auto arg = dyn_cast<BlockArgument>(tensor);
      arg && arg.getOwner() == &func.getBody().front()) {
    source.argument = arg.getArgNumber();
  } else if (auto constant = tensor.getDefiningOp<arith::ConstantOp>()) {
    auto dense = dyn_cast<DenseElementsAttr>(constant.getValue());
    if (!dense)
      return error(constant, " (a tensor constant that is not dense)");
    source.constantShape.assign(type.getShape().begin(), type.getShape().end());
    if (source.isFloat) {
      for (APFloat x : dense.getValues<APFloat>())
        source.constant.push_back({x.convertToDouble(), 0});
    } else {
      for (APInt x : dense.getValues<APInt>())
        source.constant.push_back({0, source.width == 1
                                          ? int64_t(x.getZExtValue())
                                          : x.getSExtValue()});
    }
  } else {
    Operation *def = tensor.getDefiningOp();
    if (!def)
      return error(user, ": it reads a tensor that is neither an argument "
                         "of the entry nor a constant");
    return error(def, " (it defines a tensor the region reads)");
  }
  tensors.push_back(std::move(source));
  return tensorIds[tensor] = tensors.size() - 1;
}

llvm::Error Compiler::compile(Region &region, StringRef name, Program &result) {
  program = &result;
  currentName = name;
  result.name = name.str();
  slots.clear();
  Block &block = region.front();
  for (BlockArgument arg : block.getArguments())
    result.argSlots.push_back(newSlot(arg));
  for (Operation &op : block.without_terminator())
    if (llvm::Error err = compileOp(&op))
      return err;
  auto yield = cast<YieldOp>(block.getTerminator());
  llvm::Expected<unsigned> slot = operand(yield.getValue());
  if (!slot)
    return slot.takeError();
  result.result = *slot;
  return llvm::Error::success();
}

llvm::Error Compiler::compileOp(Operation *op) {
  if (op->getNumResults() != 1 || op->getNumRegions() != 0)
    return error(op, "");
  SmallVector<unsigned> in;
  for (Value v : op->getOperands()) {
    if (isa<ShapedType>(v.getType()))
      continue; // tensor.extract's tensor
    llvm::Expected<unsigned> slot = operand(v);
    if (!slot)
      return slot.takeError();
    in.push_back(*slot);
  }
  Value resultValue = op->getResult(0);
  unsigned r = newSlot(resultValue);
  unsigned width = widthOf(resultValue.getType());
  std::vector<Step> &steps = program->steps;

  auto floatUnary = [&](double (*f)(double)) {
    unsigned a = in[0];
    steps.push_back([=](Frame &fr) { fr.regs[r].f = f(fr.regs[a].f); });
  };
  auto floatBinary = [&](double (*f)(double, double)) {
    unsigned a = in[0], b = in[1];
    steps.push_back(
        [=](Frame &fr) { fr.regs[r].f = f(fr.regs[a].f, fr.regs[b].f); });
  };
  // Integer ops see signed registers and the width of their operands.
  auto intBinary = [&](int64_t (*f)(int64_t, int64_t, unsigned)) {
    unsigned a = in[0], b = in[1];
    steps.push_back([=](Frame &fr) {
      fr.regs[r].i = wrap(f(fr.regs[a].i, fr.regs[b].i, width), width);
    });
  };
  auto intDivide = [&](int64_t (*f)(int64_t, int64_t, unsigned)) {
    unsigned a = in[0], b = in[1];
    std::string name =
        op->getName().getStringRef().str() + " in " + program->name;
    steps.push_back([=](Frame &fr) {
      if (fr.regs[b].i == 0)
        fail("division by zero in '" + name + "'");
      fr.regs[r].i = wrap(f(fr.regs[a].i, fr.regs[b].i, width), width);
    });
  };
  auto copy = [&](bool toFloat, auto convert) {
    unsigned a = in[0];
    steps.push_back([=](Frame &fr) {
      if (toFloat)
        fr.regs[r].f = convert(fr.regs[a]);
      else
        fr.regs[r].i = convert(fr.regs[a]);
    });
  };

  bool handled = true;
  llvm::TypeSwitch<Operation *>(op)
      .Case([&](arith::ConstantOp c) {
        Scalar value;
        if (auto f = dyn_cast<FloatAttr>(c.getValue()))
          value.f = f.getValueAsDouble();
        else if (auto i = dyn_cast<IntegerAttr>(c.getValue()))
          value.i = width == 1 ? int64_t(i.getValue().getZExtValue())
                               : i.getValue().getSExtValue();
        else
          handled = false;
        steps.push_back([=](Frame &fr) { fr.regs[r] = value; });
      })
      .Case([&](arith::AddFOp) {
        floatBinary([](double a, double b) { return a + b; });
      })
      .Case([&](arith::SubFOp) {
        floatBinary([](double a, double b) { return a - b; });
      })
      .Case([&](arith::MulFOp) {
        floatBinary([](double a, double b) { return a * b; });
      })
      .Case([&](arith::DivFOp) {
        floatBinary([](double a, double b) { return a / b; });
      })
      .Case([&](arith::RemFOp) {
        floatBinary([](double a, double b) { return std::fmod(a, b); });
      })
      .Case([&](arith::MaximumFOp) {
        floatBinary([](double a, double b) {
          return std::isnan(a) || std::isnan(b) ? NAN : std::max(a, b);
        });
      })
      .Case([&](arith::MinimumFOp) {
        floatBinary([](double a, double b) {
          return std::isnan(a) || std::isnan(b) ? NAN : std::min(a, b);
        });
      })
      .Case([&](arith::MaxNumFOp) {
        floatBinary([](double a, double b) { return std::fmax(a, b); });
      })
      .Case([&](arith::MinNumFOp) {
        floatBinary([](double a, double b) { return std::fmin(a, b); });
      })
      .Case([&](math::PowFOp) {
        floatBinary([](double a, double b) { return std::pow(a, b); });
      })
      .Case([&](math::CopySignOp) {
        floatBinary([](double a, double b) { return std::copysign(a, b); });
      })
      .Case([&](arith::NegFOp) { floatUnary([](double a) { return -a; }); })
      .Case([&](math::TanhOp) {
        floatUnary([](double a) { return std::tanh(a); });
      })
      .Case([&](math::ExpOp) {
        floatUnary([](double a) { return std::exp(a); });
      })
      .Case([&](math::Exp2Op) {
        floatUnary([](double a) { return std::exp2(a); });
      })
      .Case([&](math::ExpM1Op) {
        floatUnary([](double a) { return std::expm1(a); });
      })
      .Case([&](math::LogOp) {
        floatUnary([](double a) { return std::log(a); });
      })
      .Case([&](math::Log1pOp) {
        floatUnary([](double a) { return std::log1p(a); });
      })
      .Case([&](math::Log2Op) {
        floatUnary([](double a) { return std::log2(a); });
      })
      .Case([&](math::AbsFOp) {
        floatUnary([](double a) { return std::fabs(a); });
      })
      .Case([&](math::SqrtOp) {
        floatUnary([](double a) { return std::sqrt(a); });
      })
      .Case([&](math::RsqrtOp) {
        floatUnary([](double a) { return 1.0 / std::sqrt(a); });
      })
      .Case([&](math::SinOp) {
        floatUnary([](double a) { return std::sin(a); });
      })
      .Case([&](math::CosOp) {
        floatUnary([](double a) { return std::cos(a); });
      })
      .Case([&](math::ErfOp) {
        floatUnary([](double a) { return std::erf(a); });
      })
      .Case([&](math::FloorOp) {
        floatUnary([](double a) { return std::floor(a); });
      })
      .Case([&](math::CeilOp) {
        floatUnary([](double a) { return std::ceil(a); });
      })
      .Case([&](math::RoundOp) {
        floatUnary([](double a) { return std::round(a); });
      })
      .Case([&](math::TruncOp) {
        floatUnary([](double a) { return std::trunc(a); });
      })
      // Evaluated in double: the rounding of a narrower type is not
      // modelled (the oracle is the exact reference).
      .Case<arith::ExtFOp, arith::TruncFOp>(
          [&](auto) { floatUnary([](double a) { return a; }); })
      .Case([&](arith::AddIOp) {
        intBinary([](int64_t a, int64_t b, unsigned) {
          return int64_t(uint64_t(a) + uint64_t(b));
        });
      })
      .Case([&](arith::SubIOp) {
        intBinary([](int64_t a, int64_t b, unsigned) {
          return int64_t(uint64_t(a) - uint64_t(b));
        });
      })
      .Case([&](arith::MulIOp) {
        intBinary([](int64_t a, int64_t b, unsigned) {
          return int64_t(uint64_t(a) * uint64_t(b));
        });
      })
      .Case([&](arith::AndIOp) {
        intBinary([](int64_t a, int64_t b, unsigned) { return a & b; });
      })
      .Case([&](arith::OrIOp) {
        intBinary([](int64_t a, int64_t b, unsigned) { return a | b; });
      })
      .Case([&](arith::XOrIOp) {
        intBinary([](int64_t a, int64_t b, unsigned) { return a ^ b; });
      })
      .Case([&](arith::MaxSIOp) {
        intBinary(
            [](int64_t a, int64_t b, unsigned) { return std::max(a, b); });
      })
      .Case([&](arith::MinSIOp) {
        intBinary(
            [](int64_t a, int64_t b, unsigned) { return std::min(a, b); });
      })
      .Case([&](arith::MaxUIOp) {
        intBinary([](int64_t a, int64_t b, unsigned w) {
          return asUnsigned(a, w) >= asUnsigned(b, w) ? a : b;
        });
      })
      .Case([&](arith::MinUIOp) {
        intBinary([](int64_t a, int64_t b, unsigned w) {
          return asUnsigned(a, w) <= asUnsigned(b, w) ? a : b;
        });
      })
      .Case([&](arith::ShLIOp) {
        intBinary([](int64_t a, int64_t b, unsigned w) {
          return uint64_t(b) >= w ? int64_t(0) : int64_t(uint64_t(a) << b);
        });
      })
      .Case([&](arith::ShRSIOp) {
        intBinary([](int64_t a, int64_t b, unsigned w) {
          return uint64_t(b) >= w ? (a < 0 ? int64_t(-1) : int64_t(0)) : a >> b;
        });
      })
      .Case([&](arith::ShRUIOp) {
        intBinary([](int64_t a, int64_t b, unsigned w) {
          return uint64_t(b) >= w ? int64_t(0) : int64_t(asUnsigned(a, w) >> b);
        });
      })
      .Case([&](arith::DivSIOp) {
        intDivide([](int64_t a, int64_t b, unsigned) { return a / b; });
      })
      .Case([&](arith::RemSIOp) {
        intDivide([](int64_t a, int64_t b, unsigned) { return a % b; });
      })
      .Case([&](arith::DivUIOp) {
        intDivide([](int64_t a, int64_t b, unsigned w) {
          return int64_t(asUnsigned(a, w) / asUnsigned(b, w));
        });
      })
      .Case([&](arith::RemUIOp) {
        intDivide([](int64_t a, int64_t b, unsigned w) {
          return int64_t(asUnsigned(a, w) % asUnsigned(b, w));
        });
      })
      .Case([&](arith::FloorDivSIOp) {
        intDivide(
            [](int64_t a, int64_t b, unsigned) { return floorDiv(a, b); });
      })
      .Case([&](arith::CeilDivSIOp) {
        intDivide([](int64_t a, int64_t b, unsigned) { return ceilDiv(a, b); });
      })
      .Case([&](math::AbsIOp) {
        unsigned a = in[0];
        steps.push_back([=](Frame &fr) {
          fr.regs[r].i = wrap(std::abs(fr.regs[a].i), width);
        });
      })
      // Integer casts: sign-extended registers make index_cast / extsi /
      // trunci a re-wrap, and the unsigned ones a zero-extension first.
      .Case<arith::IndexCastOp, arith::ExtSIOp, arith::TruncIOp>([&](auto) {
        copy(false, [=](Scalar s) { return wrap(s.i, width); });
      })
      .Case<arith::IndexCastUIOp, arith::ExtUIOp>([&](auto cast) {
        unsigned from = widthOf(cast.getIn().getType());
        copy(false, [=](Scalar s) {
          return wrap(int64_t(asUnsigned(s.i, from)), width);
        });
      })
      .Case([&](arith::SIToFPOp) {
        copy(true, [](Scalar s) { return double(s.i); });
      })
      .Case([&](arith::UIToFPOp cast) {
        unsigned from = widthOf(cast.getIn().getType());
        copy(true, [=](Scalar s) { return double(asUnsigned(s.i, from)); });
      })
      .Case<arith::FPToSIOp, arith::FPToUIOp>([&](auto) {
        copy(false, [=](Scalar s) {
          if (!std::isfinite(s.f))
            fail("fptosi / fptoui of a non-finite value");
          return wrap(int64_t(std::trunc(s.f)), width);
        });
      })
      .Case([&](arith::CmpFOp cmp) {
        unsigned a = in[0], b = in[1];
        arith::CmpFPredicate p = cmp.getPredicate();
        steps.push_back([=](Frame &fr) {
          fr.regs[r].i = compareFloat(p, fr.regs[a].f, fr.regs[b].f);
        });
      })
      .Case([&](arith::CmpIOp cmp) {
        unsigned a = in[0], b = in[1];
        arith::CmpIPredicate p = cmp.getPredicate();
        unsigned w = widthOf(cmp.getLhs().getType());
        steps.push_back([=](Frame &fr) {
          fr.regs[r].i = compareInt(p, fr.regs[a].i, fr.regs[b].i, w);
        });
      })
      .Case([&](arith::SelectOp select) {
        if (isa<ShapedType>(select.getType())) {
          handled = false;
          return;
        }
        unsigned c = in[0], a = in[1], b = in[2];
        steps.push_back([=](Frame &fr) {
          fr.regs[r] = fr.regs[c].i ? fr.regs[a] : fr.regs[b];
        });
      })
      .Case([&](tensor::ExtractOp extract) {
        llvm::Expected<unsigned> id = tensorOf(extract.getTensor(), op);
        if (!id) {
          llvm::consumeError(id.takeError());
          handled = false;
          return;
        }
        unsigned t = *id;
        std::vector<unsigned> indices(in.begin(), in.end());
        std::string where = program->name;
        steps.push_back([=](Frame &fr) {
          const std::vector<int64_t> &shape = fr.shapes[t];
          int64_t flat = 0;
          for (auto [d, slot] : llvm::enumerate(indices)) {
            int64_t x = fr.regs[slot].i;
            if (x < 0 || x >= shape[d])
              fail("tensor.extract in the " + where + " region reads index " +
                   llvm::Twine(x) + " of dim " + llvm::Twine(d) +
                   " of a tensor of size " + llvm::Twine(shape[d]));
            flat = flat * shape[d] + x;
          }
          fr.regs[r] = fr.values[t][flat];
        });
      })
      .Default([&](Operation *) { handled = false; });
  if (!handled) {
    // tensorOf's own message names a defining op; rebuild it for the user.
    if (auto extract = dyn_cast<tensor::ExtractOp>(op)) {
      llvm::Expected<unsigned> id = tensorOf(extract.getTensor(), op);
      if (!id)
        return id.takeError();
    }
    return error(op, "");
  }
  return llvm::Error::success();
}

/// Binds the compiled programs to an entry's inputs.
class CompiledModifiers : public OracleModifiers {
public:
  std::optional<Program> scoreMod, maskMod;
  std::vector<TensorSource> tensors;

  void bind(llvm::ArrayRef<HostTensor> inputs,
            AttentionAttrs &attrs) const override {
    auto makeFrame = [&](const Program &program) {
      auto frame = std::make_shared<Frame>();
      frame->regs.resize(program.numSlots);
      for (const TensorSource &t : tensors) {
        if (!t.argument) {
          frame->values.push_back(t.constant);
          frame->shapes.push_back(t.constantShape);
          continue;
        }
        const HostTensor &input = inputs[*t.argument];
        std::vector<Scalar> values(input.numElements());
        for (int64_t i = 0, e = values.size(); i < e; ++i) {
          if (t.isFloat)
            values[i].f = input.get(i);
          else
            values[i].i = wrap(int64_t(input.get(i)), t.width);
        }
        frame->values.push_back(std::move(values));
        frame->shapes.push_back(input.shape);
      }
      return frame;
    };
    if (scoreMod) {
      auto frame = makeFrame(*scoreMod);
      const Program *p = &*scoreMod;
      attrs.scoreMod = [frame, p](double s, int64_t b, int64_t h, int64_t i,
                                  int64_t j) {
        std::vector<Scalar> &regs = frame->regs;
        regs[p->argSlots[0]].f = s;
        regs[p->argSlots[1]].i = b;
        regs[p->argSlots[2]].i = h;
        regs[p->argSlots[3]].i = i;
        regs[p->argSlots[4]].i = j;
        p->run(*frame);
        return regs[p->result].f;
      };
    }
    if (maskMod) {
      auto frame = makeFrame(*maskMod);
      const Program *p = &*maskMod;
      attrs.maskMod = [frame, p](int64_t b, int64_t h, int64_t i, int64_t j) {
        std::vector<Scalar> &regs = frame->regs;
        regs[p->argSlots[0]].i = b;
        regs[p->argSlots[1]].i = h;
        regs[p->argSlots[2]].i = i;
        regs[p->argSlots[3]].i = j;
        p->run(*frame);
        return regs[p->result].i != 0;
      };
    }
  }
};
} // namespace

llvm::Expected<std::shared_ptr<const OracleModifiers>>
mlir::mha::runner::compileOracleModifiers(func::FuncOp func, AttentionOp op) {
  if (!op.hasScoreMod() && !op.hasMaskMod())
    return nullptr;
  auto modifiers = std::make_shared<CompiledModifiers>();
  Compiler compiler(func);
  if (op.hasScoreMod()) {
    modifiers->scoreMod.emplace();
    if (llvm::Error err = compiler.compile(op.getScoreMod(), "score_mod",
                                           *modifiers->scoreMod))
      return std::move(err);
  }
  if (op.hasMaskMod()) {
    modifiers->maskMod.emplace();
    if (llvm::Error err =
            compiler.compile(op.getMaskMod(), "mask_mod", *modifiers->maskMod))
      return std::move(err);
  }
  modifiers->tensors = std::move(compiler.tensors);
  return std::shared_ptr<const OracleModifiers>(std::move(modifiers));
}
