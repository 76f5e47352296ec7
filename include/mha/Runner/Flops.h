//===- Flops.h - FLOP counting for benchmarks -------------------*- C++ -*-===//

#ifndef MHA_RUNNER_FLOPS_H
#define MHA_RUNNER_FLOPS_H

#include "mha/Runner/FlopModel.h"
#include "mha/Runner/HostTensor.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <optional>

namespace mlir::mha::runner {

/// The FLOP terms (FlopModel.h) of one call of `func`: one attention term
/// per mha.attention, an attention and four matmul terms per
/// mha.multi_head_attention, one matmul term per linalg.matmul. Dims are
/// static or dims of `func`'s arguments; returns std::nullopt when a dim is
/// neither or nothing is counted.
std::optional<std::vector<FlopTerm>> collectFlopTerms(func::FuncOp func);

/// FLOPs of one call of `func` with `inputs`: evaluateFlops of
/// collectFlopTerms (2*B*H*Sq*Skv*(D+Dv) per attention, halved when causal,
/// plus 2*M*N*K per projection or linalg.matmul).
std::optional<double> countFlops(func::FuncOp func,
                                 llvm::ArrayRef<HostTensor> inputs);

} // namespace mlir::mha::runner

#endif // MHA_RUNNER_FLOPS_H
