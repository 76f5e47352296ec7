//===- RunSupport.h - What mha-run and mha-aot-check share -----*- C++ -*-===//
//
// Both tools call one entry on .npy or seeded random inputs, write its
// results, verify them and time the calls; the flags of that and the text
// and JSON reports of it are defined here once, so the two tools cannot
// disagree. LLVM Support only (mha-aot-check must not depend on MLIR).
//
//===----------------------------------------------------------------------===//

#ifndef MHA_TOOLS_RUNSUPPORT_H
#define MHA_TOOLS_RUNSUPPORT_H

#include "mha/Runner/Compare.h"
#include "mha/Runner/HostTensor.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mlir::mha::tool {

using runner::Comparison;
using runner::DType;
using runner::HostTensor;
using runner::TensorSpec;
using runner::Tolerance;

/// The flags that choose an entry's inputs and outputs, the tolerances of
/// --verify and the timing (--input, --seed, --output, --atol, --rtol,
/// --bench, --json). Construct it in main, before parseCommandLine.
struct RunOptions {
  explicit RunOptions(llvm::cl::OptionCategory &category);

  llvm::cl::list<std::string> inputs;
  llvm::cl::opt<uint64_t> seed;
  llvm::cl::list<std::string> outputs;
  llvm::cl::opt<double> atol, rtol;
  llvm::cl::opt<unsigned> benchRuns;
  llvm::cl::opt<bool> json;
  llvm::cl::opt<std::string> maxMemory;

  /// Checks the flags once parsed (a tolerance must be finite and >= 0)
  /// and applies --max-memory; fails naming the flag.
  void validate() const;

  /// The arguments of @`entry`: read from the --input files, random (--seed)
  /// for the others. Fails naming the argument on a bad file, a dynamic
  /// argument without --input, or one larger than the memory limit.
  std::vector<HostTensor> makeInputs(llvm::StringRef entry,
                                     llvm::ArrayRef<TensorSpec> args) const;
  /// The --output files by result position; fails on a position @`entry`
  /// does not have.
  std::map<size_t, std::string> getOutputFiles(llvm::StringRef entry,
                                               size_t numResults) const;
  /// The tolerance --verify compares a result of `dtype` with:
  /// Tolerance::defaultFor, unless --atol / --rtol are given.
  Tolerance getTolerance(DType dtype) const;
};

/// Writes each result that has an --output file.
void writeOutputs(const std::map<size_t, std::string> &files,
                  llvm::ArrayRef<HostTensor> results);

/// One comparison of --verify: result `result` against an independent
/// implementation.
struct Check {
  std::string against; // "reference" or "oracle"
  size_t result = 0;
  Tolerance tolerance;
  Comparison comparison;
};

/// Device-time hooks of the runtime the called code runs on (the functions
/// of mha/Runtime/Runtime.h, linked or looked up in a library).
struct KernelTiming {
  void (*setKernelTiming)(int);
  double (*takeKernelMilliseconds)();
  const char *(*getLastError)();
};

/// What --bench measured.
struct BenchResult {
  std::vector<double> seconds;       // wall time of each call
  std::vector<double> kernelSeconds; // device time of each call's kernels
  std::optional<double> flops;       // FLOPs of one call (FlopModel.h)
};

/// Times `runs` calls of `call` after one warm-up call; `afterCall` runs
/// after each, untimed. With `kernels`, also the device time of the kernels
/// of each call (a timing failure exits with status 2).
BenchResult timeCalls(unsigned runs, llvm::function_ref<void()> call,
                      llvm::function_ref<void()> afterCall,
                      const KernelTiming *kernels);
/// What a run of an entry produced.
struct RunReport {
  std::vector<HostTensor> results;
  std::map<size_t, std::string> outputFiles;
  std::optional<std::vector<Check>> checks; // with --verify
  std::optional<BenchResult> bench;         // with --bench
};

/// Prints `report` and returns the tool's exit status (1 when a check
/// failed, else 0). With --json: one record, the tool's own `fields` plus
///   "results": [{"dtype", "shape", "atol", "rtol"}, ...] (the tolerance
///     each result is, or would be, verified with, so that scripts that
///     compare outputs elsewhere, bench/gpu/report.py, need no table),
///   "verify": {"passed", "checks": [{"against", "result", "max_abs_error",
///     "max_rel_error", "mismatches", "atol", "rtol", "passed"}, ...]},
///   "bench": {"runs", "median_seconds", "min_seconds", "flops",
///     "gflops_per_second", "kernel_median_seconds",
///     "kernel_gflops_per_second"} (FLOP and kernel fields when known).
/// Else text: `heading`, then "result N: ...", "verify result N vs ...",
/// "bench: ..." lines and PASS or FAIL with --verify.
int printReport(const RunReport &report, const RunOptions &options,
                llvm::json::Object fields, llvm::StringRef heading);

} // namespace mlir::mha::tool

#endif // MHA_TOOLS_RUNSUPPORT_H
