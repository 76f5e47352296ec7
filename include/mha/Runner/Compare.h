//===- Compare.h - Comparing results with tolerances ------------*- C++ -*-===//

#ifndef MHA_RUNNER_COMPARE_H
#define MHA_RUNNER_COMPARE_H

#include "mha/Runner/HostTensor.h"

namespace mlir::mha::runner {

/// An element passes when |actual - expected| <= atol + rtol * |expected|
/// (NumPy's allclose). NaN never passes; equal infinities do.
struct Tolerance {
  double atol = 0, rtol = 0;
  /// f32: 1e-4/1e-4, f16: 2e-3/2e-3, bf16: 2e-2/2e-2, i1: exact.
  static Tolerance defaultFor(DType dtype);
};

struct Comparison {
  double maxAbsError = 0; // max |a - e|
  double maxRelError = 0; // max |a - e| / max(|e|, 1e-6)
  int64_t mismatches = 0; // elements outside the tolerance
  int64_t firstMismatch = -1;
  bool shapeMismatch = false;
  bool passed() const { return !shapeMismatch && mismatches == 0; }
};

Comparison compare(const HostTensor &actual, const HostTensor &expected,
                   const Tolerance &tolerance);

} // namespace mlir::mha::runner

#endif // MHA_RUNNER_COMPARE_H
