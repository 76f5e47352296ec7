//===- InitAll.h - Register everything mha tools know ----------*- C++ -*-===//
//
// One registration point used by mha-opt, mha-run, mha-compile and the unit
// tests, so the tools never disagree on the dialects and passes they know.
//
//===----------------------------------------------------------------------===//

#ifndef MHA_INITALL_H
#define MHA_INITALL_H

namespace mlir {
class DialectRegistry;
namespace mha {

/// Adds the mha dialect and every upstream dialect (with its interface
/// extensions) that our pipelines produce.
void registerAllDialects(DialectRegistry &registry);

/// Registers the upstream passes, the mha passes and the mha pipelines with
/// the global pass registry (idempotent).
void registerAllPasses();

} // namespace mha
} // namespace mlir

#endif // MHA_INITALL_H
