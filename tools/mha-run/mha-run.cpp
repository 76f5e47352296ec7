//===- mha-run.cpp - JIT-run and verify attention graphs ------------------===//
//
// Compiles an entry function with an mha pipeline, runs it on .npy or seeded
// random inputs, and optionally verifies it against the unfused reference
// pipeline and the C++ oracle, and benchmarks it.
//
// Exit codes: 0 success, 1 verification failed, 2 an error (usage, input,
// compilation or the run).
//
//===----------------------------------------------------------------------===//

#include "CompileSupport.h"
#include "Distributed.h"
#include "RunSupport.h"
#include "ToolSupport.h"

#include "mha/InitAll.h"
#include "mha/Runner/Compare.h"
#include "mha/Runner/Flops.h"
#include "mha/Runner/JitSession.h"
#include "mha/Runner/OracleFunction.h"
#include "mha/Runtime/Runtime.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::mha::runner;
namespace cl = llvm::cl;
using namespace mlir::mha::tool;

static cl::OptionCategory category("mha-run options");

static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<input.mlir>"),
                                      cl::Required, cl::cat(category));
static cl::opt<std::string>
    entryFlag("entry",
              cl::desc("Function to run (default: the only public one)"),
              cl::cat(category));
static cl::opt<bool>
    verifyFlag("verify",
               cl::desc("Compare with mha-reference-pipeline (and the "
                        "C++ oracle when the entry is a single mha op); "
                        "exit 1 on mismatch"),
               cl::cat(category));

static cl::opt<int64_t> shardSequenceFlag(
    "shard-sequence",
    cl::desc("Run on N MPI processes (mpirun -np N), the sequence split "
             "into N blocks: ring attention (docs/distributed.md)"),
    cl::cat(category));
static cl::opt<int64_t> shardHeadsFlag(
    "shard-heads",
    cl::desc("Run on N MPI processes (mpirun -np N), the heads split into N "
             "groups (docs/distributed.md)"),
    cl::cat(category));

static cl::opt<double> mpiTimeoutFlag(
    "mpi-timeout",
    cl::desc("With --shard-*: the longest a rank waits for another (a ring "
             "block, a collective, MPI_Init), in seconds; then it names what "
             "it waited for and aborts the job (default: $MHA_MPI_TIMEOUT, "
             "else 300)"),
    cl::cat(category));

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  CompileOptions compileOptions(category, /*jit=*/true);
  RunOptions runOptions(category);
  parseCommandLine(
      argc, argv, "mha-run", category,
      "JIT-compile an attention graph, run it, verify and time it");
  runOptions.validate();
  if (entryFlag.getNumOccurrences())
    rejectEmpty(entryFlag, {entryFlag.getValue()});
  PipelineKind pipeline = compileOptions.getPipelineKind();

  DialectRegistry registry;
  mlir::mha::registerAllDialects(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  llvm::SourceMgr sourceMgr;
  OwningOpRef<ModuleOp> module = parseInputFile(inputFile, context, sourceMgr);

  if (shardSequenceFlag.getNumOccurrences() &&
      shardHeadsFlag.getNumOccurrences())
    fail("--shard-sequence and --shard-heads cannot be combined (a 1-D grid)");
  if (shardSequenceFlag.getNumOccurrences() ||
      shardHeadsFlag.getNumOccurrences()) {
    ShardFlags shard;
    shard.axis = shardHeadsFlag.getNumOccurrences() ? "heads" : "sequence";
    shard.gridSize =
        shardHeadsFlag.getNumOccurrences() ? shardHeadsFlag : shardSequenceFlag;
    if (mpiTimeoutFlag.getNumOccurrences())
      shard.timeoutSeconds = mpiTimeoutFlag;
    else if (const char *env = std::getenv("MHA_MPI_TIMEOUT"))
      if (llvm::StringRef(env).getAsDouble(shard.timeoutSeconds))
        fail(llvm::Twine("MHA_MPI_TIMEOUT: expected a number of seconds, "
                         "got '") +
             env + "'");
    return runDistributed(*module, inputFile, entryFlag, compileOptions,
                          runOptions, verifyFlag, shard);
  }

  EntrySignature sig =
      check(getEntrySignature(*module, entryFlag), "'" + inputFile + "': ");
  auto func = module->lookupSymbol<func::FuncOp>(sig.name);

  std::vector<HostTensor> args = runOptions.makeInputs(sig.name, sig.args);
  failOn(checkInputs(sig, args));
  RunReport report;
  report.outputFiles = runOptions.getOutputFiles(sig.name, sig.results.size());

  TargetFlags target = compileOptions.getTarget();
  auto jit = check(JitFunction::compile(
      *module, sig, pipeline, compileOptions.pipelineOptions, target));
  report.results = check(jit->run(args), "run failed: ");
  const std::vector<HostTensor> &results = report.results;
  writeOutputs(report.outputFiles, results);

  // Verification against independent implementations.
  if (verifyFlag) {
    if (sig.results.empty())
      fail("--verify: @" + sig.name + " returns nothing to compare");
    std::vector<Check> &checks = report.checks.emplace();
    if (pipeline != PipelineKind::Reference) {
      // The same --target-cpu, so its conversions are checked too (the
      // C++ oracle below is independent of it).
      auto ref = check(JitFunction::compile(
                           *module, sig, PipelineKind::Reference, "", target),
                       "reference pipeline: ");
      std::vector<HostTensor> expected = check(ref->run(args));
      for (size_t i = 0; i < results.size(); ++i) {
        Tolerance tol = runOptions.getTolerance(results[i].dtype);
        checks.push_back(
            {"reference", i, tol, compare(results[i], expected[i], tol)});
      }
    }
    if (std::optional<std::vector<HostTensor>> oracle =
            evaluateWithOracle(func, args)) {
      for (size_t i = 0; i < oracle->size() && i < results.size(); ++i) {
        Tolerance tol = runOptions.getTolerance(results[i].dtype);
        checks.push_back(
            {"oracle", i, tol, compare(results[i], (*oracle)[i], tol)});
      }
    }
    if (checks.empty())
      fail("--verify with --pipeline=reference needs an entry that is a "
           "single mha op on its arguments (checked with the C++ oracle); "
           "use --pipeline=cpu to compare against the reference pipeline");
  }

  // Wall time of whole calls (a gpu entry synchronises with the device
  // before it returns, copies included) and, on the GPU, the device time of
  // its kernels alone (CUDA events around each launch).
  if (runOptions.benchRuns) {
    KernelTiming kernels{mhaRuntimeSetKernelTiming,
                         mhaRuntimeTakeKernelMilliseconds,
                         mhaRuntimeGetLastError};
    report.bench = timeCalls(
        runOptions.benchRuns, [&] { check(jit->run(args)); }, [] {},
        pipeline == PipelineKind::GPU ? &kernels : nullptr);
    report.bench->flops = countFlops(func, args);
  }

  return printReport(
      report, runOptions,
      llvm::json::Object{{"file", inputFile},
                         {"entry", sig.name},
                         {"pipeline", pipelineName(pipeline)},
                         {"target_cpu", jit->getTarget().describe()},
                         {"compile_seconds", jit->getCompileSeconds()}},
      llvm::formatv("@{0} compiled with the {1} pipeline in {2:f3} s for {3}",
                    sig.name, pipelineName(pipeline), jit->getCompileSeconds(),
                    jit->getTarget().describe())
          .str());
}
