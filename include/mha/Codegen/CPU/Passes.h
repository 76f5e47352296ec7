//===- Passes.h - CPU code generation passes --------------------*- C++ -*-===//

#ifndef MHA_CODEGEN_CPU_PASSES_H
#define MHA_CODEGEN_CPU_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mlir::mha {

#define GEN_PASS_DECL
#include "mha/Codegen/CPU/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "mha/Codegen/CPU/Passes.h.inc"

} // namespace mlir::mha

#endif // MHA_CODEGEN_CPU_PASSES_H
