//===- Passes.h - mha conversion passes -------------------------*- C++ -*-===//

#ifndef MHA_CONVERSION_PASSES_H
#define MHA_CONVERSION_PASSES_H

#include "mha/Conversion/MHAMPIToLLVM/MHAMPIToLLVM.h"
#include "mha/Conversion/MHAShardToMPI/MHAShardToMPI.h"
#include "mha/Conversion/MHAToGPU/MHAToGPU.h"
#include "mha/Conversion/MHAToLinalg/MHAToLinalg.h"

namespace mlir {
namespace mha {

#define GEN_PASS_REGISTRATION
#include "mha/Conversion/Passes.h.inc"

} // namespace mha
} // namespace mlir

#endif // MHA_CONVERSION_PASSES_H
