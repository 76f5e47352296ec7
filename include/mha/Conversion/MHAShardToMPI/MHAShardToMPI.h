//===- MHAShardToMPI.h - convert-mha-shard-to-mpi ---------------*- C++ -*-===//

#ifndef MHA_CONVERSION_MHASHARDTOMPI_MHASHARDTOMPI_H
#define MHA_CONVERSION_MHASHARDTOMPI_MHASHARDTOMPI_H

#include "mlir/Pass/Pass.h"

namespace mlir {
class DialectRegistry;
namespace mha {

#define GEN_PASS_DECL_CONVERTMHASHARDTOMPI
#include "mha/Conversion/Passes.h.inc"

/// Declares the memory effects of mpi.isend, mpi.irecv and mpi.wait (MLIR 22
/// declares none), which bufferization and deallocation need.
void registerMPIMemoryEffectModels(DialectRegistry &registry);

} // namespace mha
} // namespace mlir

#endif // MHA_CONVERSION_MHASHARDTOMPI_MHASHARDTOMPI_H
