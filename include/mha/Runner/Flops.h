//===- Flops.h - FLOP counting for benchmarks -------------------*- C++ -*-===//

#ifndef MHA_RUNNER_FLOPS_H
#define MHA_RUNNER_FLOPS_H

#include "mha/Runner/HostTensor.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <optional>

namespace mlir::mha::runner {

/// FLOPs of one call of `func` with `inputs`: 2*B*H*Sq*Skv*(D+Dv) per
/// mha.attention (4*B*H*Sq*Skv*D when Dv = D), halved when causal (the
/// FlashAttention convention), plus 2*M*N*K per projection or linalg.matmul.
/// Dynamic dims are resolved when the operand is a function argument;
/// returns std::nullopt when a dim stays unknown or nothing is counted.
std::optional<double> countFlops(func::FuncOp func,
                                 llvm::ArrayRef<HostTensor> inputs);

} // namespace mlir::mha::runner

#endif // MHA_RUNNER_FLOPS_H
