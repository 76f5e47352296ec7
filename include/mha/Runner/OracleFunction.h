//===- OracleFunction.h - Single-op entries for the oracle ------*- C++ -*-===//
//
// Recognises entry functions that are one mha.attention or
// mha.multi_head_attention applied to their arguments (the only IR-dependent
// part; the resulting OracleSpec is evaluated without MLIR, OracleSpec.h).
//
//===----------------------------------------------------------------------===//

#ifndef MHA_RUNNER_ORACLEFUNCTION_H
#define MHA_RUNNER_ORACLEFUNCTION_H

#include "mha/Runner/HostTensor.h"
#include "mha/Runner/OracleSpec.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <optional>

namespace mlir::mha::runner {

/// When `func` is one mha.attention or mha.multi_head_attention whose
/// operands are all arguments of `func` and whose results are returned (in
/// order: the output, then an mha.attention's lse), describes it as an
/// OracleSpec. Constants may precede the op (for its modifier regions).
/// Returns std::nullopt for any other function, and for an mha.attention
/// with score_mod / mask_mod regions (a spec without IR cannot carry them).
std::optional<OracleSpec> getOracleSpec(func::FuncOp func);

/// getOracleSpec + evaluateOracleSpecResults: evaluates every result of
/// `func` with the C++ oracle (Oracle.h), score_mod / mask_mod included
/// (OracleModifiers.h), or returns std::nullopt when it is not a single mha
/// op. A modifier the oracle cannot evaluate is a fatal error naming the op
/// (never a silent fallback).
std::optional<std::vector<HostTensor>>
evaluateWithOracle(func::FuncOp func, llvm::ArrayRef<HostTensor> inputs);

} // namespace mlir::mha::runner

#endif // MHA_RUNNER_ORACLEFUNCTION_H
