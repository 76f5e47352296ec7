//===- Distributed.h - mha-run --shard-sequence / --shard-heads -*- C++ -*-===//
//
// Runs an entry on N MPI processes: each rank builds the full inputs, keeps
// its shard, runs the partitioned program (mha-shard-attention,
// mha-partition-attention, convert-mha-shard-to-mpi, then the chosen CPU
// pipeline), and rank 0 gathers the result, verifies and reports it.
//
//===----------------------------------------------------------------------===//

#ifndef MHA_TOOLS_MHARUN_DISTRIBUTED_H
#define MHA_TOOLS_MHARUN_DISTRIBUTED_H

#include "CompileSupport.h"
#include "RunSupport.h"

#include "mlir/IR/BuiltinOps.h"

namespace mlir::mha::tool {

struct ShardFlags {
  int64_t gridSize = 0;
  /// The split axis: "sequence" or "heads".
  std::string axis;
  /// --mpi-timeout: the longest a rank waits for another, in seconds.
  double timeoutSeconds = 300;
};

/// Runs @`entry` of `module` distributed as `shard` says; returns the exit
/// code (rank 0's report decides it). Fails with one clear error when mha-run
/// was built without MPI or the run has another number of processes.
int runDistributed(ModuleOp module, llvm::StringRef file, llvm::StringRef entry,
                   const CompileOptions &compileOptions,
                   const RunOptions &runOptions, bool verify,
                   const ShardFlags &shard);

} // namespace mlir::mha::tool

#endif // MHA_TOOLS_MHARUN_DISTRIBUTED_H
