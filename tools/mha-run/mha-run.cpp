//===- mha-run.cpp - JIT-run and verify attention graphs ------------------===//
//
// Compiles an entry function with an mha pipeline, runs it on .npy or seeded
// random inputs, and optionally verifies it against the unfused reference
// pipeline and the C++ oracle, and benchmarks it.
//
// Exit codes: 0 success, 1 verification failed, 2 bad input or usage.
//
//===----------------------------------------------------------------------===//

#include "mha/InitAll.h"
#include "mha/Runner/Compare.h"
#include "mha/Runner/Flops.h"
#include "mha/Runner/JitSession.h"
#include "mha/Runner/Npy.h"
#include "mha/Runner/OracleFunction.h"
#include "mha/Runner/ToolSupport.h"
#include "mha/Runtime/Runtime.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>

using namespace mlir;
using namespace mlir::mha::runner;
namespace cl = llvm::cl;
using namespace mlir::mha::tool;

static cl::OptionCategory category("mha-run options");

static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<input.mlir>"),
                                      cl::Required, cl::cat(category));
// A string rather than cl::values so an unknown name gets our one-line error.
static cl::opt<std::string> pipelineFlag(
    "pipeline",
    cl::desc("Pipeline that compiles the entry function: 'cpu' "
             "(mha-cpu-pipeline: fused, tiled, multi-threaded), 'reference' "
             "(mha-reference-pipeline: unfused, the oracle) or 'gpu' "
             "(mha-gpu-pipeline: fused CUDA kernels, needs an NVIDIA GPU)"),
    cl::init("cpu"), cl::cat(category));
static cl::opt<std::string>
    entryFlag("entry",
              cl::desc("Function to run (default: the only public one)"),
              cl::cat(category));
static cl::list<std::string>
    inputFlags("input",
               cl::desc("N=FILE.npy: argument N (0-based) from a file"),
               cl::cat(category));
static cl::opt<uint64_t>
    seedFlag("seed",
             cl::desc("Seed of the random values of arguments without "
                      "--input (floats uniform in [-1, 1), i1 true with "
                      "probability 0.9)"),
             cl::init(0), cl::cat(category));
static cl::list<std::string>
    outputFlags("output",
                cl::desc("FILE.npy (result 0) or N=FILE.npy (result N)"),
                cl::cat(category));
static cl::opt<bool>
    verifyFlag("verify",
               cl::desc("Compare with mha-reference-pipeline (and the "
                        "C++ oracle when the entry is a single mha op); "
                        "exit 1 on mismatch"),
               cl::cat(category));
static cl::opt<double> absTol("atol",
                              cl::desc("Absolute tolerance (default: by dtype, "
                                       "f32 1e-4, f16 2e-3, bf16 2e-2)"),
                              cl::init(-1), cl::cat(category));
static cl::opt<double> relTol("rtol",
                              cl::desc("Relative tolerance (default: by dtype, "
                                       "f32 1e-4, f16 2e-3, bf16 2e-2)"),
                              cl::init(-1), cl::cat(category));
static cl::opt<unsigned>
    benchRuns("bench",
              cl::desc("Time N runs after one warm-up; report the median"),
              cl::init(0), cl::cat(category));
static cl::opt<bool>
    jsonFlag("json", cl::desc("Print one machine-readable JSON record"),
             cl::cat(category));
static cl::opt<std::string> pipelineOptions(
    "pipeline-options",
    cl::desc("Options of the selected pipeline, e.g. \"q-tile=64\""),
    cl::cat(category));
static cl::opt<std::string> targetCpuFlag(
    "target-cpu",
    cl::desc("LLVM CPU to compile for (default: 'host', this machine with "
             "all its features), e.g. x86-64, x86-64-v3, skylake-avx512, "
             "znver4; it must be able to run here. The vector width, "
             "micro-kernel shape, FMA and float conversions follow from it"),
    cl::value_desc("name"), cl::cat(category));
static cl::opt<std::string> targetFeaturesFlag(
    "target-features",
    cl::desc("LLVM features added to or removed from the target CPU's, e.g. "
             "+avx512bf16 or -avx512f,-avx2"),
    cl::value_desc("+a,-b"), cl::cat(category));

namespace {

struct Check {
  std::string against;
  size_t result;
  Tolerance tol;
  Comparison cmp;
};
} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  parseCommandLine(
      argc, argv, "mha-run", category,
      "JIT-compile an attention graph, run it, verify and time it");

  std::optional<PipelineKind> pipeline = parsePipelineKind(pipelineFlag);
  if (!pipeline)
    fail("unknown --pipeline=" + pipelineFlag +
         ": expected cpu, reference or gpu");

  DialectRegistry registry;
  mlir::mha::registerAllDialects(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();

  // Parse; diagnostics go to stderr through the source manager handler.
  std::string fileError;
  auto file = openInputFile(inputFile, &fileError);
  if (!file)
    fail("cannot read '" + inputFile + "': " + fileError);
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  OwningOpRef<ModuleOp> module;
  {
    SourceMgrDiagnosticHandler handler(sourceMgr, &context);
    module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  }
  if (!module)
    fail("'" + inputFile + "' is not valid MLIR (see the diagnostics above)");

  EntrySignature sig =
      check(getEntrySignature(*module, entryFlag), "'" + inputFile + "': ");
  auto func = module->lookupSymbol<func::FuncOp>(sig.name);

  // Inputs: files first, random values for the rest.
  std::map<size_t, std::string> inputFiles;
  for (const std::string &text : inputFlags) {
    auto [index, path] = splitIndexed("input", text, /*allowBare=*/false);
    if (index >= sig.args.size())
      fail("--input=" + text + ": @" + sig.name + " has only " +
           std::to_string(sig.args.size()) + " arguments");
    inputFiles[index] = path;
  }
  std::vector<HostTensor> args;
  for (auto [i, spec] : llvm::enumerate(sig.args)) {
    if (auto it = inputFiles.find(i); it != inputFiles.end()) {
      args.push_back(
          check(readNpy(it->second), "argument " + std::to_string(i) + ": "));
      continue;
    }
    if (llvm::any_of(spec.shape, ShapedType::isDynamic))
      fail("argument " + std::to_string(i) + " (" + spec.describe() +
           ") has dynamic dims: give it with --input=" + std::to_string(i) +
           "=FILE.npy");
    args.push_back(randomArgument(spec.dtype, spec.shape, seedFlag, i));
  }
  failOn(checkInputs(sig, args));

  std::map<size_t, std::string> outputFiles;
  for (const std::string &text : outputFlags) {
    auto [index, path] = splitIndexed("output", text, /*allowBare=*/true);
    if (index >= sig.results.size())
      fail("--output=" + text + ": @" + sig.name + " has only " +
           std::to_string(sig.results.size()) + " results");
    outputFiles[index] = path;
  }

  TargetFlags target{targetCpuFlag, targetFeaturesFlag};
  auto jit = check(
      JitFunction::compile(*module, sig, *pipeline, pipelineOptions, target));
  std::vector<HostTensor> results = check(jit->run(args), "run failed: ");
  for (auto &[index, path] : outputFiles)
    failOn(writeNpy(path, results[index]), "--output: ");

  // Verification against independent implementations.
  std::vector<Check> checks;
  auto tolFor = [](DType dtype) {
    Tolerance t = Tolerance::defaultFor(dtype);
    if (absTol >= 0)
      t.atol = absTol;
    if (relTol >= 0)
      t.rtol = relTol;
    return t;
  };
  if (verifyFlag) {
    if (sig.results.empty())
      fail("--verify: @" + sig.name + " returns nothing to compare");
    if (*pipeline != PipelineKind::Reference) {
      // The same --target-cpu, so its conversions are checked too (the
      // C++ oracle below is independent of it).
      auto ref = check(JitFunction::compile(*module, sig,
                                            PipelineKind::Reference, "",
                                            target),
                       "reference pipeline: ");
      std::vector<HostTensor> expected = check(ref->run(args));
      for (size_t i = 0; i < results.size(); ++i) {
        Tolerance tol = tolFor(results[i].dtype);
        checks.push_back(
            {"reference", i, tol, compare(results[i], expected[i], tol)});
      }
    }
    if (std::optional<HostTensor> oracle = evaluateWithOracle(func, args)) {
      Tolerance tol = tolFor(results[0].dtype);
      checks.push_back({"oracle", 0, tol, compare(results[0], *oracle, tol)});
    }
    if (checks.empty())
      fail("--verify with --pipeline=reference needs an entry that is a "
           "single mha op on its arguments (checked with the C++ oracle); "
           "use --pipeline=cpu to compare against the reference pipeline");
  }
  bool passed =
      llvm::all_of(checks, [](const Check &c) { return c.cmp.passed(); });

  // Wall time of whole calls (a gpu entry synchronises with the device
  // before it returns, copies included) and, on the GPU, the device time of
  // its kernels alone (CUDA events around each launch).
  std::vector<double> times, kernelTimes;
  std::optional<double> flops;
  bool gpu = *pipeline == PipelineKind::GPU;
  if (benchRuns) {
    flops = countFlops(func, args);
    check(jit->run(args)); // warm-up
    if (gpu) {
      mhaRuntimeSetKernelTiming(1);
      mhaRuntimeTakeKernelMilliseconds();
    }
    for (unsigned i = 0; i < benchRuns; ++i) {
      auto start = std::chrono::steady_clock::now();
      check(jit->run(args));
      std::chrono::duration<double> t =
          std::chrono::steady_clock::now() - start;
      times.push_back(t.count());
      if (gpu) {
        double ms = mhaRuntimeTakeKernelMilliseconds();
        if (ms < 0)
          fail(std::string("kernel timing failed: ") +
               (mhaRuntimeGetLastError() ? mhaRuntimeGetLastError() : "?"));
        kernelTimes.push_back(ms * 1e-3);
      }
    }
    if (gpu)
      mhaRuntimeSetKernelTiming(0);
  }

  if (jsonFlag) {
    llvm::json::Object record{{"file", inputFile},
                              {"entry", sig.name},
                              {"pipeline", pipelineName(*pipeline)},
                              {"target_cpu", jit->getTarget().describe()},
                              {"compile_seconds", jit->getCompileSeconds()}};
    llvm::json::Array res;
    for (const HostTensor &r : results)
      res.push_back(llvm::json::Object{{"dtype", dtypeName(r.dtype)},
                                       {"shape", llvm::json::Array(r.shape)}});
    record["results"] = std::move(res);
    if (verifyFlag) {
      llvm::json::Array cs;
      for (const Check &c : checks)
        cs.push_back(llvm::json::Object{{"against", c.against},
                                        {"result", int64_t(c.result)},
                                        {"max_abs_error", c.cmp.maxAbsError},
                                        {"max_rel_error", c.cmp.maxRelError},
                                        {"mismatches", c.cmp.mismatches},
                                        {"atol", c.tol.atol},
                                        {"rtol", c.tol.rtol},
                                        {"passed", c.cmp.passed()}});
      record["verify"] =
          llvm::json::Object{{"passed", passed}, {"checks", std::move(cs)}};
    }
    if (benchRuns) {
      llvm::json::Object b{
          {"runs", int64_t(benchRuns)},
          {"median_seconds", medianOf(times)},
          {"min_seconds", *std::min_element(times.begin(), times.end())}};
      if (flops) {
        b["flops"] = *flops;
        b["gflops_per_second"] = *flops / medianOf(times) / 1e9;
      }
      if (!kernelTimes.empty()) {
        b["kernel_median_seconds"] = medianOf(kernelTimes);
        if (flops)
          b["kernel_gflops_per_second"] = *flops / medianOf(kernelTimes) / 1e9;
      }
      record["bench"] = std::move(b);
    }
    llvm::outs() << llvm::json::Value(std::move(record)) << "\n";
    return passed ? 0 : 1;
  }

  llvm::outs() << "@" << sig.name << " compiled with the "
               << pipelineName(*pipeline) << " pipeline in "
               << llvm::formatv("{0:f3}", jit->getCompileSeconds())
               << " s for " << jit->getTarget().describe() << "\n";
  for (auto [i, r] : llvm::enumerate(results))
    llvm::outs() << "result " << i << ": " << r.describe()
                 << (outputFiles.count(i) ? " -> " + outputFiles[i] : "")
                 << "\n";
  for (const Check &c : checks) {
    llvm::outs() << llvm::formatv(
        "verify result {0} vs {1}: max_abs_err={2:e2} max_rel_err={3:e2} "
        "(atol={4:e1} rtol={5:e1}) mismatches={6} {7}\n",
        c.result, c.against, c.cmp.maxAbsError, c.cmp.maxRelError, c.tol.atol,
        c.tol.rtol, c.cmp.mismatches, c.cmp.passed() ? "PASS" : "FAIL");
    if (c.cmp.shapeMismatch)
      llvm::outs() << "  (shapes or dtypes differ)\n";
  }
  if (benchRuns) {
    double median = medianOf(times);
    llvm::outs() << llvm::formatv(
        "bench: {0} runs, median {1:f3} ms, min "
        "{2:f3} ms",
        benchRuns, median * 1e3,
        *std::min_element(times.begin(), times.end()) * 1e3);
    if (flops)
      llvm::outs() << llvm::formatv(", {0:f2} GFLOP/s", *flops / median / 1e9);
    llvm::outs() << "\n";
    if (!kernelTimes.empty()) {
      double kernel = medianOf(kernelTimes);
      llvm::outs() << llvm::formatv("bench: kernels (device time) median "
                                    "{0:f3} ms",
                                    kernel * 1e3);
      if (flops)
        llvm::outs() << llvm::formatv(", {0:f2} GFLOP/s",
                                      *flops / kernel / 1e9);
      llvm::outs() << "\n";
    }
  }
  if (verifyFlag)
    llvm::outs() << (passed ? "PASS" : "FAIL") << "\n";
  return passed ? 0 : 1;
}
