//===- ExpandFloatConversions.cpp - mha-expand-float-conversions ----------===//
//
// Rewrites f16/bf16 <-> f32 conversions of the LLVM dialect into integer
// arithmetic so that code for CPUs without F16C / AVX512-BF16 never calls
// the compiler runtime's conversion functions. The f16 algorithms are the
// classic branch-free ones (round to nearest even through an f32 addition
// for subnormals); the bf16 ones are those of arith-expand.
//
//===----------------------------------------------------------------------===//

#include "mha/Codegen/CPU/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/TypeUtilities.h"

#define DEBUG_TYPE "mha-expand-float-conversions"

namespace mlir::mha {
#define GEN_PASS_DEF_MHAEXPANDFLOATCONVERSIONS
#include "mha/Codegen/CPU/Passes.h.inc"
} // namespace mlir::mha

using namespace mlir;

namespace {
/// Builds scalar or vector integer/float arithmetic shaped like one value.
class Emitter {
public:
  Emitter(OpBuilder &b, Location loc, Type shapeOf)
      : b(b), loc(loc), shapeOf(shapeOf) {}

  /// `elem`, or a vector of it shaped like the value being converted.
  Type like(Type elem) const {
    if (auto vec = dyn_cast<VectorType>(shapeOf))
      return vec.clone(elem);
    return elem;
  }
  Type i16() const { return like(b.getI16Type()); }
  Type i32() const { return like(b.getI32Type()); }
  Type f32() const { return like(b.getF32Type()); }
  Type f64() const { return like(b.getF64Type()); }

  Value i32c(uint32_t v) {
    Type type = i32();
    IntegerAttr scalar = b.getI32IntegerAttr(int32_t(v));
    if (auto vec = dyn_cast<VectorType>(type))
      return LLVM::ConstantOp::create(b, loc, type,
                                      DenseElementsAttr::get(vec, scalar));
    return LLVM::ConstantOp::create(b, loc, type, scalar);
  }
  /// The f32 whose bits are `v`.
  Value f32c(uint32_t v) { return bitcast(i32c(v), f32()); }

  Value bitcast(Value v, Type t) {
    return LLVM::BitcastOp::create(b, loc, t, v);
  }
  Value band(Value x, Value y) { return LLVM::AndOp::create(b, loc, x, y); }
  Value bor(Value x, Value y) { return LLVM::OrOp::create(b, loc, x, y); }
  Value bxor(Value x, Value y) { return LLVM::XOrOp::create(b, loc, x, y); }
  Value shl(Value x, Value y) { return LLVM::ShlOp::create(b, loc, x, y); }
  Value lshr(Value x, Value y) { return LLVM::LShrOp::create(b, loc, x, y); }
  Value add(Value x, Value y) { return LLVM::AddOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return LLVM::SubOp::create(b, loc, x, y); }
  Value icmp(LLVM::ICmpPredicate p, Value x, Value y) {
    return LLVM::ICmpOp::create(b, loc, p, x, y);
  }
  Value select(Value c, Value x, Value y) {
    return LLVM::SelectOp::create(b, loc, c, x, y);
  }

  /// f32 -> f16 bits (i32, low 16 bits), round to nearest even.
  Value f32ToF16Bits(Value x) {
    using P = LLVM::ICmpPredicate;
    Value u = bitcast(x, i32());
    Value sign = band(u, i32c(0x80000000u));
    Value a = bxor(u, sign); // |x|
    // |x| >= 65520 (rounds to infinity) or NaN.
    Value infOrNaN = icmp(P::uge, a, i32c(0x47800000u));
    Value special = select(icmp(P::ugt, a, i32c(0x7f800000u)), i32c(0x7e00u),
                           i32c(0x7c00u));
    // |x| < 2^-14: an f16 subnormal or zero; adding 0.5f aligns the f16
    // subnormal grid with the f32 mantissa, so the addition rounds.
    Value isSubnormal = icmp(P::ult, a, i32c(0x38800000u));
    Value sum =
        LLVM::FAddOp::create(b, loc, bitcast(a, f32()), f32c(0x3f000000u));
    Value subnormal = sub(bitcast(sum, i32()), i32c(0x3f000000u));
    // Normal: rebias the exponent, round the 13 dropped bits to even.
    Value odd = band(lshr(a, i32c(13)), i32c(1));
    Value normal =
        lshr(add(add(a, i32c(0xc8000fffu)), odd), i32c(13)); // (15-127)<<23
    Value bits =
        select(infOrNaN, special, select(isSubnormal, subnormal, normal));
    return bor(bits, lshr(sign, i32c(16)));
  }

  /// f16 bits (i32, low 16 bits) -> f32, exact.
  Value f16BitsToF32(Value h) {
    using P = LLVM::ICmpPredicate;
    Value sign = shl(band(h, i32c(0x8000u)), i32c(16));
    Value shifted = shl(band(h, i32c(0x7fffu)), i32c(13));
    Value exp = band(shifted, i32c(0x0f800000u));
    Value normal = add(shifted, i32c(0x38000000u)); // (127-15)<<23
    Value infOrNaN = add(normal, i32c(0x38000000u));
    // Subnormal: renormalise by subtracting 2^-14 in f32 (exact).
    Value lifted = bitcast(add(normal, i32c(0x00800000u)), f32());
    Value subnormal =
        bitcast(LLVM::FSubOp::create(b, loc, lifted, f32c(0x38800000u)), i32());
    Value bits = select(icmp(P::eq, exp, i32c(0x0f800000u)), infOrNaN,
                        select(icmp(P::eq, exp, i32c(0)), subnormal, normal));
    return bitcast(bor(bits, sign), f32());
  }

  /// f32 -> bf16 bits (i32, low 16 bits), round to nearest even, quiet NaN.
  Value f32ToBF16Bits(Value x) {
    Value u = bitcast(x, i32());
    Value isNaN = icmp(LLVM::ICmpPredicate::ugt, band(u, i32c(0x7fffffffu)),
                       i32c(0x7f800000u));
    Value odd = band(lshr(u, i32c(16)), i32c(1));
    Value rounded = lshr(add(add(u, i32c(0x7fffu)), odd), i32c(16));
    Value quiet = bor(lshr(u, i32c(16)), i32c(0x40u));
    return select(isNaN, quiet, rounded);
  }

  /// bf16 bits (i32, low 16 bits) -> f32, exact.
  Value bf16BitsToF32(Value h) { return bitcast(shl(h, i32c(16)), f32()); }

  /// f64 -> f32 rounded to odd: a later rounding to a type at least two
  /// bits narrower than f32 then rounds once, as from f64 directly.
  Value f64ToF32RoundToOdd(Value x) {
    Value t = LLVM::FPTruncOp::create(b, loc, f32(), x);
    Value back = LLVM::FPExtOp::create(b, loc, f64(), t);
    Value inexact =
        LLVM::FCmpOp::create(b, loc, LLVM::FCmpPredicate::one, back, x);
    Value away = LLVM::FCmpOp::create(b, loc, LLVM::FCmpPredicate::ogt,
                                      LLVM::FAbsOp::create(b, loc, back),
                                      LLVM::FAbsOp::create(b, loc, x));
    Value bits = bitcast(t, i32());
    bits = select(away, sub(bits, i32c(1)), bits); // truncate toward zero
    bits = select(inexact, bor(bits, i32c(1)), bits);
    return bitcast(bits, f32());
  }

  /// Bits (i32) of a 16-bit float as that float type.
  Value fromBits(Value bits, Type halfType) {
    return bitcast(LLVM::TruncOp::create(b, loc, i16(), bits), halfType);
  }
  /// A 16-bit float as its bits in an i32.
  Value toBits(Value half) {
    return LLVM::ZExtOp::create(b, loc, i32(), bitcast(half, i16()));
  }

private:
  OpBuilder &b;
  Location loc;
  Type shapeOf;
};

struct ExpandFloatConversionsPass
    : public mha::impl::MHAExpandFloatConversionsBase<
          ExpandFloatConversionsPass> {
  using Base::Base;

  bool expands(Type type) const {
    Type elem = getElementTypeOrSelf(type);
    return (f16 && elem.isF16()) || (bf16 && elem.isBF16());
  }

  /// `half` (an f16/bf16 scalar or vector) as f32.
  Value extend(Emitter &e, Value half) {
    Value bits = e.toBits(half);
    return getElementTypeOrSelf(half).isF16() ? e.f16BitsToF32(bits)
                                              : e.bf16BitsToF32(bits);
  }
  /// An f32 or f64 scalar or vector rounded to `halfType`.
  Value truncate(Emitter &e, Value x, Type halfType) {
    if (getElementTypeOrSelf(x).isF64())
      x = e.f64ToF32RoundToOdd(x);
    Value bits = getElementTypeOrSelf(halfType).isF16() ? e.f32ToF16Bits(x)
                                                        : e.f32ToBF16Bits(x);
    return e.fromBits(bits, halfType);
  }

  void runOnOperation() override {
    SmallVector<Operation *> worklist;
    getOperation()->walk([&](Operation *op) {
      if (isa<LLVM::FPExtOp, LLVM::FPToSIOp, LLVM::FPToUIOp>(op) &&
          expands(op->getOperand(0).getType()))
        worklist.push_back(op);
      else if (isa<LLVM::FPTruncOp, LLVM::SIToFPOp, LLVM::UIToFPOp>(op) &&
               expands(op->getResult(0).getType()))
        worklist.push_back(op);
    });
    for (Operation *op : worklist) {
      OpBuilder b(op);
      Value in = op->getOperand(0);
      Type outType = op->getResult(0).getType();
      Emitter e(b, op->getLoc(), in.getType());
      Type outElem = getElementTypeOrSelf(outType);
      Type inElem = getElementTypeOrSelf(in.getType());
      Value result;
      if (isa<LLVM::FPExtOp>(op)) {
        result = extend(e, in);
        if (outElem.isF64())
          result = LLVM::FPExtOp::create(b, op->getLoc(), outType, result);
        else if (!outElem.isF32())
          continue; // to x86_fp80 and friends: left to LLVM
      } else if (isa<LLVM::FPTruncOp>(op)) {
        if (!inElem.isF32() && !inElem.isF64())
          continue;
        result = truncate(e, in, outType);
      } else if (isa<LLVM::FPToSIOp, LLVM::FPToUIOp>(op)) {
        Value wide = extend(e, in);
        OperationState state(op->getLoc(), op->getName(), wide, outType,
                             op->getAttrs());
        result = b.create(state)->getResult(0);
      } else { // sitofp / uitofp: exact in f64 up to 53 bits, then one rounding
        OperationState state(op->getLoc(), op->getName(), in, e.f64(),
                             op->getAttrs());
        result = truncate(e, b.create(state)->getResult(0), outType);
      }
      op->getResult(0).replaceAllUsesWith(result);
      op->erase();
    }
  }
};
} // namespace
