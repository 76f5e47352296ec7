//===- RunSupport.cpp - What mha-run and mha-aot-check share --------------===//

#include "RunSupport.h"

#include "ToolSupport.h"

#include "mha/Runner/Npy.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

using namespace mlir::mha;
using namespace mlir::mha::runner;
using namespace mlir::mha::tool;
namespace cl = llvm::cl;
namespace json = llvm::json;

/// 1e-4 -> "1e-4", 0.02 -> "2e-2", 0 -> "0": how the help texts write
/// tolerances.
static std::string formatTolerance(double value) {
  if (value <= 0)
    return "0";
  int exponent = int(std::floor(std::log10(value) + 1e-9));
  char mantissa[32];
  std::snprintf(mantissa, sizeof(mantissa), "%g",
                value / std::pow(10.0, exponent));
  std::string text = mantissa;
  return exponent ? text + "e" + std::to_string(exponent) : text;
}

/// "Absolute tolerance (default: by dtype, f32 1e-4, ...)", generated from
/// Tolerance::defaultFor, the one definition of the defaults. Static: the
/// option keeps a reference to its description.
static llvm::StringRef toleranceHelp(bool absolute) {
  auto make = [](bool absolute) {
    std::string help = absolute ? "Absolute" : "Relative";
    help += " tolerance (default: by dtype";
    for (DType dtype : kAllDTypes) {
      Tolerance t = Tolerance::defaultFor(dtype);
      help += ", " + dtypeName(dtype).str() + " " +
              formatTolerance(absolute ? t.atol : t.rtol);
    }
    return help + ")";
  };
  static const std::string atolHelp = make(true), rtolHelp = make(false);
  return absolute ? atolHelp : rtolHelp;
}

RunOptions::RunOptions(cl::OptionCategory &category)
    : inputs("input", cl::desc("N=FILE.npy: argument N (0-based) from a file"),
             cl::cat(category)),
      seed("seed",
           cl::desc("Seed of the random values of arguments without --input "
                    "(floats uniform in [-1, 1), rank-2 weights in "
                    "+-1/sqrt(rows), i1 true with probability 0.9; the same "
                    "values in mha-run and mha-aot-check)"),
           cl::init(0), cl::cat(category)),
      outputs("output",
              cl::desc("FILE.npy (result 0) or N=FILE.npy (result N)"),
              cl::cat(category)),
      atol("atol", cl::desc(toleranceHelp(true)), cl::init(-1),
           cl::cat(category)),
      rtol("rtol", cl::desc(toleranceHelp(false)), cl::init(-1),
           cl::cat(category)),
      benchRuns("bench",
                cl::desc("Time N calls after one warm-up; report the median"),
                cl::init(0), cl::cat(category)),
      json("json", cl::desc("Print one machine-readable JSON record"),
           cl::cat(category)),
      maxMemory("max-memory",
                cl::desc("Most host memory the inputs and results may take, "
                         "e.g. 512M or 8G (default: the physical memory); "
                         "larger ones are refused up front"),
                cl::value_desc("size"), cl::cat(category)) {}

/// "512M", "8G", "1.5GiB", "4096" -> bytes (binary units); nullopt when
/// malformed.
static std::optional<uint64_t> parseSize(llvm::StringRef text) {
  llvm::StringRef number =
      text.take_while([](char c) { return llvm::isDigit(c) || c == '.'; });
  std::string lower = text.drop_front(number.size()).lower();
  llvm::StringRef unit = lower;
  if (!unit.consume_back("ib"))
    unit.consume_back("b");
  double value;
  if (number.empty() || number.getAsDouble(value))
    return std::nullopt;
  int shift = llvm::StringSwitch<int>(unit)
                  .Case("", 0)
                  .Case("k", 10)
                  .Case("m", 20)
                  .Case("g", 30)
                  .Case("t", 40)
                  .Default(-1);
  double bytes = value * std::ldexp(1.0, shift);
  if (shift < 0 || !(bytes >= 1) || bytes >= 0x1p63)
    return std::nullopt;
  return uint64_t(bytes);
}

static std::string formatDouble(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%g", value);
  return text;
}

void RunOptions::validate() const {
  for (const cl::opt<double> *flag : {&atol, &rtol})
    if (flag->getNumOccurrences() &&
        !(std::isfinite(flag->getValue()) && flag->getValue() >= 0))
      fail("--" + flag->ArgStr + "=" + formatDouble(flag->getValue()) +
           ": a tolerance must be finite and >= 0");
  if (maxMemory.getNumOccurrences()) {
    std::optional<uint64_t> bytes = parseSize(maxMemory);
    if (!bytes)
      fail("--max-memory=" + maxMemory +
           ": expected a size such as 512M or 8G");
    setHostMemoryLimit(*bytes, "--max-memory=" + maxMemory.getValue());
  }
}

std::vector<HostTensor>
RunOptions::makeInputs(llvm::StringRef entry,
                       llvm::ArrayRef<TensorSpec> args) const {
  std::map<size_t, std::string> files;
  for (const std::string &text : inputs) {
    auto [index, path] = splitIndexed("input", text, /*allowBare=*/false);
    if (index >= args.size())
      fail("--input=" + text + ": @" + entry + " has only " +
           llvm::Twine(args.size()) + " arguments");
    files[index] = path;
  }
  std::vector<HostTensor> tensors;
  for (auto [i, spec] : llvm::enumerate(args)) {
    if (auto it = files.find(i); it != files.end()) {
      tensors.push_back(
          check(readNpy(it->second), "argument " + llvm::Twine(i) + ": "));
      continue;
    }
    // Dynamic dims are negative (ShapedType::kDynamic or -1).
    if (llvm::any_of(spec.shape, [](int64_t d) { return d < 0; }))
      fail("argument " + llvm::Twine(i) + " (" + spec.describe() +
           ") has dynamic dims: give it with --input=" + llvm::Twine(i) +
           "=FILE.npy");
    std::string what =
        "argument " + std::to_string(i) + " (" + spec.describe() + ")";
    uint64_t bytes = check(getTensorBytes(spec.dtype, spec.shape), what + ": ");
    failOn(checkHostAllocation(bytes, what));
    tensors.push_back(randomArgument(spec.dtype, spec.shape, seed, i));
  }
  return tensors;
}

std::map<size_t, std::string>
RunOptions::getOutputFiles(llvm::StringRef entry, size_t numResults) const {
  std::map<size_t, std::string> files;
  for (const std::string &text : outputs) {
    auto [index, path] = splitIndexed("output", text, /*allowBare=*/true);
    if (index >= numResults)
      fail("--output=" + text + ": @" + entry + " has only " +
           llvm::Twine(numResults) + " results");
    files[index] = path;
  }
  return files;
}

Tolerance RunOptions::getTolerance(DType dtype) const {
  Tolerance t = Tolerance::defaultFor(dtype);
  if (atol.getNumOccurrences())
    t.atol = atol;
  if (rtol.getNumOccurrences())
    t.rtol = rtol;
  return t;
}

void tool::writeOutputs(const std::map<size_t, std::string> &files,
                        llvm::ArrayRef<HostTensor> results) {
  for (const auto &[index, path] : files)
    failOn(writeNpy(path, results[index]), "--output: ");
}

static json::Array resultsRecord(llvm::ArrayRef<HostTensor> results,
                                 const RunOptions &options) {
  json::Array records;
  for (const HostTensor &r : results) {
    Tolerance t = options.getTolerance(r.dtype);
    records.push_back(json::Object{{"dtype", dtypeName(r.dtype)},
                                   {"shape", json::Array(r.shape)},
                                   {"atol", t.atol},
                                   {"rtol", t.rtol}});
  }
  return records;
}

static void printResults(llvm::raw_ostream &os,
                         llvm::ArrayRef<HostTensor> results,
                         const std::map<size_t, std::string> &outputFiles) {
  for (auto [i, r] : llvm::enumerate(results)) {
    os << "result " << i << ": " << r.describe();
    if (auto it = outputFiles.find(i); it != outputFiles.end())
      os << " -> " << it->second;
    os << "\n";
  }
}

static bool allPassed(llvm::ArrayRef<Check> checks) {
  return llvm::all_of(checks,
                      [](const Check &c) { return c.comparison.passed(); });
}

static json::Object verifyRecord(llvm::ArrayRef<Check> checks) {
  json::Array records;
  for (const Check &c : checks)
    records.push_back(json::Object{{"against", c.against},
                                   {"result", int64_t(c.result)},
                                   {"max_abs_error", c.comparison.maxAbsError},
                                   {"max_rel_error", c.comparison.maxRelError},
                                   {"mismatches", c.comparison.mismatches},
                                   {"atol", c.tolerance.atol},
                                   {"rtol", c.tolerance.rtol},
                                   {"passed", c.comparison.passed()}});
  return json::Object{{"passed", allPassed(checks)},
                      {"checks", std::move(records)}};
}

static void printChecks(llvm::raw_ostream &os, llvm::ArrayRef<Check> checks) {
  for (const Check &c : checks) {
    os << llvm::formatv(
        "verify result {0} vs {1}: max_abs_err={2:e2} max_rel_err={3:e2} "
        "(atol={4:e1} rtol={5:e1}) mismatches={6} {7}\n",
        c.result, c.against, c.comparison.maxAbsError, c.comparison.maxRelError,
        c.tolerance.atol, c.tolerance.rtol, c.comparison.mismatches,
        c.comparison.passed() ? "PASS" : "FAIL");
    if (c.comparison.shapeMismatch)
      os << "  (shapes or dtypes differ)\n";
  }
}

BenchResult tool::timeCalls(unsigned runs, llvm::function_ref<void()> call,
                            llvm::function_ref<void()> afterCall,
                            const KernelTiming *kernels) {
  BenchResult bench;
  call(); // warm-up
  afterCall();
  if (kernels) {
    kernels->setKernelTiming(1);
    kernels->takeKernelMilliseconds(); // drop the warm-up's
  }
  for (unsigned i = 0; i < runs; ++i) {
    auto start = std::chrono::steady_clock::now();
    call();
    std::chrono::duration<double> t = std::chrono::steady_clock::now() - start;
    bench.seconds.push_back(t.count());
    if (kernels) {
      double ms = kernels->takeKernelMilliseconds();
      if (ms < 0) {
        const char *error = kernels->getLastError();
        fail(llvm::Twine("kernel timing failed: ") + (error ? error : "?"));
      }
      bench.kernelSeconds.push_back(ms * 1e-3);
    }
    afterCall();
  }
  if (kernels)
    kernels->setKernelTiming(0);
  return bench;
}

/// GFLOP/s of `flops` in `seconds`, when both are known.
static std::optional<double> gflopsPerSecond(std::optional<double> flops,
                                             double seconds) {
  if (!flops || seconds <= 0)
    return std::nullopt;
  return *flops / seconds / 1e9;
}

static json::Object benchRecord(const BenchResult &bench) {
  double median = medianOf(bench.seconds);
  json::Object record{{"runs", int64_t(bench.seconds.size())},
                      {"median_seconds", median},
                      {"min_seconds", *std::min_element(bench.seconds.begin(),
                                                        bench.seconds.end())}};
  if (bench.flops)
    record["flops"] = *bench.flops;
  if (auto rate = gflopsPerSecond(bench.flops, median))
    record["gflops_per_second"] = *rate;
  if (!bench.kernelSeconds.empty()) {
    double kernel = medianOf(bench.kernelSeconds);
    record["kernel_median_seconds"] = kernel;
    if (auto rate = gflopsPerSecond(bench.flops, kernel))
      record["kernel_gflops_per_second"] = *rate;
  }
  return record;
}

static void printBench(llvm::raw_ostream &os, const BenchResult &bench) {
  double median = medianOf(bench.seconds);
  os << llvm::formatv(
      "bench: {0} runs, median {1:f3} ms, min {2:f3} ms", bench.seconds.size(),
      median * 1e3,
      *std::min_element(bench.seconds.begin(), bench.seconds.end()) * 1e3);
  if (auto rate = gflopsPerSecond(bench.flops, median))
    os << llvm::formatv(", {0:f2} GFLOP/s", *rate);
  os << "\n";
  if (bench.kernelSeconds.empty())
    return;
  double kernel = medianOf(bench.kernelSeconds);
  os << llvm::formatv("bench: kernels (device time) median {0:f3} ms",
                      kernel * 1e3);
  if (auto rate = gflopsPerSecond(bench.flops, kernel))
    os << llvm::formatv(", {0:f2} GFLOP/s", *rate);
  os << "\n";
}

int tool::printReport(const RunReport &report, const RunOptions &options,
                      json::Object fields, llvm::StringRef heading) {
  bool passed = !report.checks || allPassed(*report.checks);
  if (options.json) {
    fields["results"] = resultsRecord(report.results, options);
    if (report.checks)
      fields["verify"] = verifyRecord(*report.checks);
    if (report.bench)
      fields["bench"] = benchRecord(*report.bench);
    llvm::outs() << json::Value(std::move(fields)) << "\n";
    return passed ? 0 : 1;
  }
  llvm::outs() << heading << "\n";
  printResults(llvm::outs(), report.results, report.outputFiles);
  if (report.checks)
    printChecks(llvm::outs(), *report.checks);
  if (report.bench)
    printBench(llvm::outs(), *report.bench);
  if (report.checks)
    llvm::outs() << (passed ? "PASS" : "FAIL") << "\n";
  return passed ? 0 : 1;
}
