//===- Compare.cpp - Comparing results with tolerances --------------------===//

#include "mha/Runner/Compare.h"

#include "llvm/Support/ErrorHandling.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace mlir::mha::runner;

Tolerance Tolerance::defaultFor(DType dtype) {
  switch (dtype) {
  case DType::F32:
    return {1e-4, 1e-4};
  case DType::F16:
    return {2e-3, 2e-3};
  case DType::BF16:
    return {2e-2, 2e-2};
  case DType::I1:
    return {0, 0};
  }
  llvm_unreachable("unknown dtype");
}

/// A NaN error sticks, so that reports show it.
static void updateMax(double &max, double value) {
  if (!std::isnan(max) && (std::isnan(value) || value > max))
    max = value;
}

Comparison mlir::mha::runner::compare(const HostTensor &actual,
                                      const HostTensor &expected,
                                      const Tolerance &tolerance) {
  Comparison result;
  if (actual.dtype != expected.dtype || actual.shape != expected.shape) {
    result.shapeMismatch = true;
    return result;
  }
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (int64_t i = 0, n = actual.numElements(); i < n; ++i) {
    double a = actual.get(i), e = expected.get(i);
    bool ok;
    double absError, relError;
    if (a == e) { // Also covers equal infinities, where a - e is NaN.
      ok = true;
      absError = relError = 0;
    } else if (std::isnan(a) || std::isnan(e)) {
      ok = false;
      absError = relError = nan;
    } else {
      absError = std::fabs(a - e);
      relError = absError / std::max(std::fabs(e), 1e-6);
      // Unequal values with an infinity never pass, although the allclose
      // bound is infinite when `e` is.
      ok = std::isfinite(absError) && std::isfinite(e) &&
           absError <= tolerance.atol + tolerance.rtol * std::fabs(e);
    }
    updateMax(result.maxAbsError, absError);
    updateMax(result.maxRelError, relError);
    if (!ok) {
      if (result.firstMismatch < 0)
        result.firstMismatch = i;
      ++result.mismatches;
    }
  }
  return result;
}
