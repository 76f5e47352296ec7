//===- OracleModifiers.h - score_mod / mask_mod for the oracle --*- C++ -*-===//
//
// A small interpreter of the modifier regions of mha.attention, in double:
// the C++ oracle evaluates them at every (b, h, q_idx, kv_idx) without
// lowering them, so it stays independent of the pipelines it checks.
//
//===----------------------------------------------------------------------===//

#ifndef MHA_RUNNER_ORACLEMODIFIERS_H
#define MHA_RUNNER_ORACLEMODIFIERS_H

#include "mha/Runner/OracleSpec.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/Error.h"

namespace mlir::mha {
class AttentionOp;
namespace runner {

/// Compiles the score_mod / mask_mod regions of `op`, the only op of
/// `func`. The regions may use arith, math, index casts and tensor.extract
/// of `func`'s tensor arguments or of dense constants; any other op, or a
/// value defined above by anything but a constant, is an error naming it.
/// Returns null when `op` has no modifier region.
llvm::Expected<std::shared_ptr<const OracleModifiers>>
compileOracleModifiers(func::FuncOp func, AttentionOp op);

} // namespace runner
} // namespace mlir::mha

#endif // MHA_RUNNER_ORACLEMODIFIERS_H
