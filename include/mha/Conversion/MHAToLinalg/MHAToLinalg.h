//===- MHAToLinalg.h - mha.attention reference lowering ---------*- C++ -*-===//

#ifndef MHA_CONVERSION_MHATOLINALG_MHATOLINALG_H
#define MHA_CONVERSION_MHATOLINALG_MHATOLINALG_H

#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;
namespace mha {

#define GEN_PASS_DECL_CONVERTMHATOLINALG
#include "mha/Conversion/Passes.h.inc"

/// Lowers mha.attention to unfused linalg ops (the reference semantics).
void populateMHAToLinalgConversionPatterns(RewritePatternSet &patterns);

} // namespace mha
} // namespace mlir

#endif // MHA_CONVERSION_MHATOLINALG_MHATOLINALG_H
