//===- EntryCall.h - The memref descriptors of one entry call ---*- C++ -*-===//
//
// Compiled entries are called through their C interface
// `void _mlir_ciface_NAME(results *, arg0 *, ...)`: a pointer to one ranked
// memref descriptor (mha/Runtime/MemRefDescriptor.h) per argument, preceded,
// when the entry has results, by a pointer to their descriptors. Shared by
// the JIT and mha-aot-check (which must not depend on MLIR).
//
//===----------------------------------------------------------------------===//

#ifndef MHA_RUNNER_ENTRYCALL_H
#define MHA_RUNNER_ENTRYCALL_H

#include "mha/Runner/HostTensor.h"

#include "llvm/ADT/ArrayRef.h"

#include <vector>

namespace mlir::mha::runner {

/// The descriptors of a call: the arguments' describe the inputs in place
/// (no copies: compiled entries never write their arguments), the results'
/// are filled by the call.
class EntryCall {
public:
  EntryCall(llvm::ArrayRef<TensorRef> inputs,
            llvm::ArrayRef<TensorSpec> results);
  // The pointers point into the descriptors this object owns.
  EntryCall(const EntryCall &) = delete;
  EntryCall &operator=(const EntryCall &) = delete;

  /// The pointer arguments of the C interface, in order.
  llvm::ArrayRef<void *> getPointers() const { return pointers; }

  /// Copies the results of the last call (any strides) into new C-order
  /// tensors.
  std::vector<HostTensor> copyResults() const;
  /// The allocated pointer of each result of the last call, for
  /// mhaRuntimeReleaseResult (which releases each buffer once).
  std::vector<void *> getResultAllocations() const;

private:
  std::vector<DType> resultTypes;
  std::vector<size_t> resultRanks;
  std::vector<std::vector<int64_t>> argWords;
  std::vector<int64_t> resultWords;
  std::vector<void *> pointers;
};

} // namespace mlir::mha::runner

#endif // MHA_RUNNER_ENTRYCALL_H
