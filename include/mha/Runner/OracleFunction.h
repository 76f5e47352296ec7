//===- OracleFunction.h - Evaluate simple entries with the oracle -*- C++
//-*-===//

#ifndef MHA_RUNNER_ORACLEFUNCTION_H
#define MHA_RUNNER_ORACLEFUNCTION_H

#include "mha/Runner/HostTensor.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <optional>

namespace mlir::mha::runner {

/// When `func` is one mha.attention or mha.multi_head_attention applied to
/// its arguments and returned, evaluates it with the C++ oracle (Oracle.h).
/// Returns std::nullopt for any other function.
std::optional<HostTensor> evaluateWithOracle(func::FuncOp func,
                                             llvm::ArrayRef<HostTensor> inputs);

} // namespace mlir::mha::runner

#endif // MHA_RUNNER_ORACLEFUNCTION_H
