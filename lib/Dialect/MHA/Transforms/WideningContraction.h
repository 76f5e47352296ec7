//===- WideningContraction.h - f32 multiply-accumulate body -----*- C++ -*-===//
//
// The body of the layer's projections as `linalg.generic`: acc + l * r with
// f16/bf16 operands widened to f32 first. Shared by
// mha-decompose-multi-head-attention and mha-tile-layer so that both build
// the one contraction the CPU micro-kernel matchers recognise.
//
//===----------------------------------------------------------------------===//

#ifndef MHA_LIB_DIALECT_MHA_TRANSFORMS_WIDENINGCONTRACTION_H
#define MHA_LIB_DIALECT_MHA_TRANSFORMS_WIDENINGCONTRACTION_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace mlir::mha {

/// Yields `args[2] + ext(args[0]) * ext(args[1])` in f32.
inline void buildWideningMulAdd(OpBuilder &b, Location loc, ValueRange args) {
  Type f32 = b.getF32Type();
  auto widen = [&](Value v) -> Value {
    return v.getType() == f32 ? v : arith::ExtFOp::create(b, loc, f32, v);
  };
  Value mul = arith::MulFOp::create(b, loc, widen(args[0]), widen(args[1]));
  Value sum = arith::AddFOp::create(b, loc, args[2], mul);
  linalg::YieldOp::create(b, loc, ValueRange{sum});
}

} // namespace mlir::mha

#endif // MHA_LIB_DIALECT_MHA_TRANSFORMS_WIDENINGCONTRACTION_H
