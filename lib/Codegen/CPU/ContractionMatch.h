//===- ContractionMatch.h - Contractions the micro-kernels take -*- C++ -*-===//
//
// What mha-vectorize-contractions (f32 FMA micro-kernels) and
// mha-vectorize-bf16-contractions (vdpbf16ps micro-kernels) share: the
// matchers, so both accept exactly the same contractions and row rescales,
// and the loop builder of their block loops.
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

/// `body(b, loc, iv, dest)` for iv in [lb, ub) step `step`, threading
/// `dest`; a single iteration is emitted inline, none returns `dest`.
Value buildLoop(OpBuilder &b, Location loc, int64_t lb, int64_t ub,
                int64_t step, Value dest,
                function_ref<Value(OpBuilder &, Location, Value, Value)> body);

} // namespace mlir::mha::cpu

#endif // MHA_LIB_CODEGEN_CPU_CONTRACTIONMATCH_H
