//===- ContractionMatch.h - Contractions the micro-kernels take -*- C++ -*-===//
//
// The matchers shared by mha-vectorize-contractions (f32 FMA micro-kernels)
// and mha-vectorize-bf16-contractions (vdpbf16ps micro-kernels), so both
// passes accept exactly the same contractions and row rescales.
//
//===----------------------------------------------------------------------===//

#ifndef MHA_LIB_CODEGEN_CPU_CONTRACTIONMATCH_H
#define MHA_LIB_CODEGEN_CPU_CONTRACTIONMATCH_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace mlir::mha::cpu {

/// A matched contraction: loop positions of m, n, k, their static sizes and
/// the operands in the roles of the micro-kernel; `aIsMK` when A is indexed
/// (m, k), else (k, m).
struct Contraction {
  unsigned m, n, k;
  int64_t mSize, nSize, kSize;
  OpOperand *a, *b, *c;
  bool aIsMK;
};

/// Matches `yield out + ext?(x) * ext?(y)` over two 2-D inputs and one 2-D
/// f32 init, three static loops (two parallel, one reduction), C indexed
/// (m, n) and one input indexed (k, n): that input is B, the other (indexed
/// by m and k in any order) is A. Input element types are the caller's to
/// check.
FailureOr<Contraction> matchContraction(linalg::GenericOp op);

/// `scale` when `op` is `C0[m, n] * scale[m]` (identity C0, single use, f32):
/// the row rescale that a micro-kernel applies as it loads C0; else null.
Value matchRowScale(linalg::GenericOp op);

} // namespace mlir::mha::cpu

#endif // MHA_LIB_CODEGEN_CPU_CONTRACTIONMATCH_H
