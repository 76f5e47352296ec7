//===- MHAMPIToLLVM.h - convert-mha-mpi-to-llvm -----------------*- C++ -*-===//

#ifndef MHA_CONVERSION_MHAMPITOLLVM_MHAMPITOLLVM_H
#define MHA_CONVERSION_MHAMPITOLLVM_MHAMPITOLLVM_H

#include "mlir/Pass/Pass.h"

namespace mlir {
namespace mha {

#define GEN_PASS_DECL_CONVERTMHAMPITOLLVM
#include "mha/Conversion/Passes.h.inc"

} // namespace mha
} // namespace mlir

#endif // MHA_CONVERSION_MHAMPITOLLVM_MHAMPITOLLVM_H
