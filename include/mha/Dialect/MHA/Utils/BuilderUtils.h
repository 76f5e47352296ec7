//===- BuilderUtils.h - IR building helpers of the lowerings ----*- C++ -*-===//
//
// Small builders shared by the reference lowering (convert-mha-to-linalg) and
// the fused lowerings (mha-tile-attention, mha-split-kv).
//
//===----------------------------------------------------------------------===//

#ifndef MHA_DIALECT_MHA_UTILS_BUILDERUTILS_H
#define MHA_DIALECT_MHA_UTILS_BUILDERUTILS_H

#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/Builders.h"

namespace mlir::mha {

constexpr utils::IteratorType kPar = utils::IteratorType::parallel;
constexpr utils::IteratorType kRed = utils::IteratorType::reduction;

Value f32Constant(OpBuilder &b, Location loc, float value);

/// Extends f16/bf16 to the f32 accumulation type; f32 is returned as is.
Value toF32(OpBuilder &b, Location loc, Value v);

/// `dest` filled with `value` (`linalg.fill`).
Value fill(OpBuilder &b, Location loc, Value value, Value dest);

/// A `tensor.empty` of `sizes` (static where constant) filled with `value`.
Value filledTensor(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                   Value value);

/// A `tensor.empty` of `type` whose dynamic dims have the sizes `sizes` (one
/// per dim): a result type may be less static than the sizes are known.
Value emptyTensor(OpBuilder &b, Location loc, RankedTensorType type,
                  ArrayRef<OpFoldResult> sizes);

/// The map from `numDims` loop dims to the loop dims `dims`.
AffineMap dimsMap(MLIRContext *ctx, unsigned numDims, ArrayRef<unsigned> dims);

/// `acc + ext(x) * ext(y)` in f32: one step of a contraction.
Value multiplyAdd(OpBuilder &b, Location loc, Value acc, Value x, Value y);

/// Bottom-right causal masking: whether key `j` is in the future of query
/// `i`, `j > i + offset`, with offset = Skv - Sq (minus the tile origins for
/// local indices).
Value isFutureKey(OpBuilder &b, Location loc, Value i, Value j, Value offset);

/// The softcapped f32 score `cap * tanh(s / cap)`, with tanh expanded as
/// `1 - 2 / (exp(2x) + 1)` (exact at +-inf, no libm call, any target).
Value softcapScore(OpBuilder &b, Location loc, Value s, double cap);

/// The window predicate of mha.attention: true when key `j` is hidden from
/// aligned query position `ip` (i + Skv - Sq), i.e. `j < ip - left` or
/// `j > ip + right`; a negative bound is unbounded. Null when both are.
Value isOutsideWindow(OpBuilder &b, Location loc, Value ip, Value j,
                      int64_t left, int64_t right);

/// The ALiBi bias `slope * (j - ip)` in f32 (`slope` f32, `j`/`ip` index).
Value alibiBias(OpBuilder &b, Location loc, Value slope, Value j, Value ip);

/// `num / den` in `elemType`, or 0 where `den` is 0 (`zero`, an f32 0): the
/// output of a softmax row that saw no key (its `num` is 0 too), never NaN.
Value divideOrZero(OpBuilder &b, Location loc, Value num, Value den, Value zero,
                   Type elemType);

/// A `linalg.generic` with one result whose body yields `body(args)`.
Value generic(OpBuilder &b, Location loc, ValueRange ins, Value out,
              ArrayRef<AffineMap> maps, ArrayRef<utils::IteratorType> iterators,
              function_ref<Value(OpBuilder &, Location, ValueRange)> body);

/// `acc += ext(x) * ext(y)` in f32 (`multiplyAdd`) over the loops
/// `iterators`, as a `linalg.generic` with the maps `maps` of x, y and acc.
Value contraction(OpBuilder &b, Location loc, Value x, Value y, Value acc,
                  ArrayRef<AffineMap> maps,
                  ArrayRef<utils::IteratorType> iterators);

} // namespace mlir::mha

#endif // MHA_DIALECT_MHA_UTILS_BUILDERUTILS_H
