//===- JitSession.h - Compile and call an entry function --------*- C++ -*-===//
//
// Lowers a module with one of the mha pipelines, JIT-compiles it
// (ExecutionEngine; O3, the reference pipeline O2) for a CPU target this
// host can run (default: the host) and calls a function whose arguments and
// results are ranked tensors of f32/f16/bf16/i1.
//
//===----------------------------------------------------------------------===//

#ifndef MHA_RUNNER_JITSESSION_H
#define MHA_RUNNER_JITSESSION_H

#include "mha/Runner/HostTensor.h"
#include "mha/Runner/PipelineBuilder.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace mlir {
class ExecutionEngine;
namespace mha::runner {
class JitMemoryMapper;

struct EntrySignature {
  std::string name;
  std::vector<TensorSpec> args, results;
};

/// Finds the entry function (`entry`, or the only public func.func when
/// empty) and checks that its signature is supported.
llvm::Expected<EntrySignature> getEntrySignature(ModuleOp module,
                                                 llvm::StringRef entry);

/// Checks that `inputs` match the entry's arguments (count, dtype, static
/// dims); errors name the argument position.
llvm::Error checkInputs(const EntrySignature &signature,
                        llvm::ArrayRef<TensorRef> inputs);
inline llvm::Error checkInputs(const EntrySignature &signature,
                               llvm::ArrayRef<HostTensor> inputs) {
  return checkInputs(signature,
                     std::vector<TensorRef>(inputs.begin(), inputs.end()));
}

/// Why a call of compiled code failed (mha/Runtime/Runtime.h's
/// MhaRuntimeErrorKind): hosts map the kinds to their error surfaces (C API
/// status, Python exception).
enum class RunErrorKind {
  /// The arguments' dynamic sizes violate a relation of an op.
  ShapeMismatch,
  /// An allocation of the compiled code failed.
  OutOfMemory,
  /// The CUDA driver or device failed, or anything else the runtime reports.
  Device,
};

/// An error of a call of compiled code, with its kind.
class RunError : public llvm::ErrorInfo<RunError> {
public:
  static char ID;
  RunError(RunErrorKind kind, std::string message)
      : kind(kind), text(std::move(message)) {}
  RunErrorKind getKind() const { return kind; }
  void log(llvm::raw_ostream &os) const override { os << text; }
  std::error_code convertToErrorCode() const override {
    return llvm::inconvertibleErrorCode();
  }

private:
  RunErrorKind kind;
  std::string text;
};

/// Consumes `err` (which must fail): its kind (Device for errors that are
/// not RunErrors) and its message.
std::pair<RunErrorKind, std::string> takeRunError(llvm::Error err);

/// A module lowered to the LLVM dialect and the CPU it was lowered for.
struct LoweredEntry {
  OwningOpRef<ModuleOp> module;
  CPUTarget target;
};

/// Clones `module` and lowers it with `kind` (and `pipelineOptions`, in the
/// pipeline's textual option syntax, and `target`) the way
/// JitFunction::compile does: the entry gets a C interface and read-only
/// arguments; GPU code targets the chip of device 0 unless the options name
/// one. Diagnostics of the pipeline are returned in the error.
llvm::Expected<LoweredEntry> lowerEntry(ModuleOp module,
                                        const EntrySignature &signature,
                                        PipelineKind kind,
                                        llvm::StringRef pipelineOptions = "",
                                        const TargetFlags &target = {});

/// A compiled entry function.
class JitFunction {
public:
  /// A function the compiled code calls, given by address; it takes
  /// precedence over the runtime library's (tests use it to emulate the
  /// mgpu* CUDA wrappers on machines without a GPU).
  using SymbolOverride = std::pair<std::string, void *>;

  /// Clones `module`, lowers it with `kind` (and `pipelineOptions`, in the
  /// pipeline's textual option syntax) for `target` (default: the host) and
  /// JIT-compiles it. A target whose code cannot run on this host (it needs
  /// features the host lacks) is an error. Diagnostics of the pipeline are
  /// returned in the error.
  static llvm::Expected<std::unique_ptr<JitFunction>>
  compile(ModuleOp module, const EntrySignature &signature, PipelineKind kind,
          llvm::StringRef pipelineOptions = "", const TargetFlags &target = {},
          llvm::ArrayRef<SymbolOverride> symbolOverrides = {});
  ~JitFunction();

  /// Calls the function; `inputs` must have passed checkInputs. Inputs are
  /// passed without copies and never modified (arguments are compiled as
  /// read-only: `bufferization.writable = false`). A failure of the
  /// compiled code (its shape checks, allocations, the CUDA runtime) is a
  /// RunError; calls from several threads at once report their own errors.
  llvm::Expected<std::vector<HostTensor>> run(llvm::ArrayRef<TensorRef> inputs);
  llvm::Expected<std::vector<HostTensor>>
  run(llvm::ArrayRef<HostTensor> inputs) {
    return run(std::vector<TensorRef>(inputs.begin(), inputs.end()));
  }

  /// Seconds spent lowering and JIT-compiling.
  double getCompileSeconds() const { return compileSeconds; }
  /// The CPU the code was compiled for.
  const CPUTarget &getTarget() const { return *target; }

private:
  JitFunction() = default;
  EntrySignature signature;
  // Holds the engine's code and data; declared first, destroyed last.
  std::unique_ptr<JitMemoryMapper> memoryMapper;
  std::unique_ptr<ExecutionEngine> engine;
  // The packed entry point, looked up once (an ORC lookup per call costs
  // more than a tiny attention).
  void (*packedEntry)(void **) = nullptr;
  std::optional<CPUTarget> target;
  double compileSeconds = 0;
};

} // namespace mha::runner
} // namespace mlir

#endif // MHA_RUNNER_JITSESSION_H
