//===- mha-aot-check.cpp - Run and verify ahead-of-time compiled libraries ===//
//
// Loads a shared library written by mha-compile, reads its manifest, calls
// an entry on .npy or seeded random inputs (the generator of mha-run), and
// optionally verifies the result against the C++ oracle described by the
// manifest and times it. It links no LLVM or MLIR shared library (only
// LLVM's static Support library), so it runs wherever the compiled library
// runs.
//
// Exit codes: 0 success, 1 verification failed, 2 bad input, usage or a
// runtime error reported by the library.
//
//===----------------------------------------------------------------------===//

#include "mha/Runner/AotManifest.h"
#include "mha/Runner/Compare.h"
#include "mha/Runner/EntryCall.h"
#include "mha/Runner/Npy.h"
#include "mha/Runner/ToolSupport.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <sys/random.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <dlfcn.h>
#include <map>
#include <utility>

using namespace mlir::mha::runner;
namespace cl = llvm::cl;
using namespace mlir::mha::tool;

static cl::OptionCategory category("mha-aot-check options");

static cl::opt<std::string> libraryFile(cl::Positional, cl::desc("<lib.so>"),
                                        cl::Required, cl::cat(category));
static cl::opt<std::string>
    entryFlag("entry",
              cl::desc("Entry to call (default: the only one of the library)"),
              cl::cat(category));
static cl::list<std::string>
    inputFlags("input",
               cl::desc("N=FILE.npy: argument N (0-based) from a file"),
               cl::cat(category));
static cl::opt<uint64_t>
    seedFlag("seed",
             cl::desc("Seed of the random values of arguments without "
                      "--input (the values mha-run --seed makes)"),
             cl::init(0), cl::cat(category));
static cl::list<std::string>
    outputFlags("output",
                cl::desc("FILE.npy (result 0) or N=FILE.npy (result N)"),
                cl::cat(category));
static cl::opt<bool>
    verifyFlag("verify",
               cl::desc("Compare result 0 with the C++ oracle of the "
                        "manifest (entries that are a single mha op); exit "
                        "1 on mismatch"),
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
              cl::desc("Time N calls after one warm-up; report the median"),
              cl::init(0), cl::cat(category));
static cl::opt<bool>
    jsonFlag("json", cl::desc("Print one machine-readable JSON record"),
             cl::cat(category));
static cl::opt<bool>
    manifestFlag("manifest",
                 cl::desc("Print the library's manifest (JSON) and exit"),
                 cl::cat(category));

namespace {

/// JSON with one key or element per line, except for values whose compact
/// form fits on the line (shapes, dims, oracle specs).
void printReadable(llvm::raw_ostream &os, const llvm::json::Value &value,
                   unsigned indent) {
  std::string compact;
  llvm::raw_string_ostream(compact) << value;
  if (compact.size() + 2 * indent <= 96 ||
      (!value.getAsArray() && !value.getAsObject())) {
    os << compact;
    return;
  }
  std::string pad(2 * (indent + 1), ' ');
  if (const llvm::json::Array *a = value.getAsArray()) {
    os << "[\n";
    for (auto [i, e] : llvm::enumerate(*a)) {
      os << pad;
      printReadable(os, e, indent + 1);
      os << (i + 1 < a->size() ? ",\n" : "\n");
    }
    os << std::string(2 * indent, ' ') << "]";
    return;
  }
  const llvm::json::Object &o = *value.getAsObject();
  std::vector<std::string> keys;
  for (const auto &kv : o)
    keys.push_back(kv.first.str());
  llvm::sort(keys);
  os << "{\n";
  for (auto [i, key] : llvm::enumerate(keys)) {
    os << pad << llvm::json::Value(key) << ": ";
    printReadable(os, *o.get(key), indent + 1);
    os << (i + 1 < keys.size() ? ",\n" : "\n");
  }
  os << std::string(2 * indent, ' ') << "}";
}

//===----------------------------------------------------------------------===//
// Calling `void _mlir_ciface_NAME(void *, ...)` with N pointers
//===----------------------------------------------------------------------===//

using Pointer = void *;
constexpr size_t kMaxPointers = 64;

template <size_t... I>
void callWith(void *fn, Pointer *args, std::index_sequence<I...>) {
  using Fn = void (*)(decltype((void)I, Pointer())...);
  reinterpret_cast<Fn>(fn)(args[I]...);
}
template <size_t N> void callN(void *fn, Pointer *args) {
  callWith(fn, args, std::make_index_sequence<N>());
}
template <size_t... N>
constexpr std::array<void (*)(void *, Pointer *), sizeof...(N)>
makeCallTable(std::index_sequence<N...>) {
  return {&callN<N>...};
}
const auto callTable =
    makeCallTable(std::make_index_sequence<kMaxPointers + 1>());

/// The library and the runtime functions it links.
struct Library {
  void *handle = nullptr;
  AotManifest manifest;
  int (*releaseResult)(void *) = nullptr;
  const char *(*getLastError)() = nullptr;
  void (*clearError)() = nullptr;
  void (*setKernelTiming)(int) = nullptr;
  double (*takeKernelMilliseconds)() = nullptr;

  template <typename Fn> void lookup(Fn &fn, const char *name) {
    fn = reinterpret_cast<Fn>(dlsym(handle, name));
  }
};

Library loadLibrary(const std::string &path) {
  if (!llvm::sys::fs::exists(path))
    fail("cannot read '" + path + "': No such file or directory");
  // dlopen searches the library path for names without a slash.
  llvm::SmallString<256> absolute(path);
  llvm::sys::fs::make_absolute(absolute);
  Library lib;
  lib.handle = dlopen(absolute.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!lib.handle)
    fail("cannot load '" + path + "': " + dlerror());
  const char *(*manifest)() = nullptr;
  lib.lookup(manifest, kManifestSymbol);
  if (!manifest)
    fail("'" + path + "' has no " + kManifestSymbol +
         "(): it was not written by mha-compile");
  lib.manifest = check(parseManifest(manifest()), "'" + path + "': ");
  // The runtime the library itself links, so that results are released
  // by the allocator that made them.
  lib.lookup(lib.releaseResult, "mhaRuntimeReleaseResult");
  if (!lib.releaseResult)
    fail("'" + path +
         "' does not link libmha_runtime (no mhaRuntimeReleaseResult)");
  lib.lookup(lib.getLastError, "mhaRuntimeGetLastError");
  lib.lookup(lib.clearError, "mhaRuntimeClearError");
  lib.lookup(lib.setKernelTiming, "mhaRuntimeSetKernelTiming");
  lib.lookup(lib.takeKernelMilliseconds, "mhaRuntimeTakeKernelMilliseconds");
  return lib;
}

/// One call of an entry through its C interface, with the inputs' and the
/// results' descriptors.
class Call {
public:
  Call(const Library &lib, const AotEntry &entry,
       llvm::ArrayRef<HostTensor> inputs)
      : lib(lib), entry(entry),
        call(std::vector<TensorRef>(inputs.begin(), inputs.end()),
             entry.results) {
    std::string symbol = entry.symbol();
    fn = dlsym(lib.handle, symbol.c_str());
    if (!fn)
      fail("'" + libraryFile + "' has no symbol " + symbol +
           " although its manifest lists @" + entry.name);
    if (call.getPointers().size() > kMaxPointers)
      fail("@" + entry.name + " takes " +
           llvm::Twine(call.getPointers().size()) +
           " descriptors; mha-aot-check calls at most " +
           llvm::Twine(kMaxPointers));
  }

  /// Calls the entry; a runtime error (e.g. from CUDA) exits with status 2.
  void invoke() {
    if (lib.clearError)
      lib.clearError();
    std::vector<Pointer> pointers(call.getPointers());
    callTable[pointers.size()](fn, pointers.data());
    if (lib.getLastError)
      if (const char *error = lib.getLastError(); error && *error)
        fail("@" + entry.name + " failed: " + error);
  }

  /// Copies the results of the last call out (into C order) and releases
  /// the buffers the library allocated.
  std::vector<HostTensor> takeResults() {
    std::vector<HostTensor> results = call.copyResults();
    releaseResults();
    return results;
  }

  /// Releases the results of the last call without reading them; the
  /// runtime the library links releases each buffer once.
  void releaseResults() {
    for (void *allocated : call.getResultAllocations())
      lib.releaseResult(allocated);
  }

private:
  const Library &lib;
  const AotEntry &entry;
  EntryCall call;
  void *fn = nullptr;
};
} // namespace

// LLVM's static Support library calls arc4random (glibc 2.36) for random
// numbers when the build machine's glibc has it; that one symbol would keep
// mha-aot-check, which must run on GPU machines with older systems (glibc
// 2.34, e.g. Ubuntu 22.04), from starting. This definition takes its place.
extern "C" uint32_t arc4random(void) {
  uint32_t value = 0;
  while (getrandom(&value, sizeof(value), 0) != sizeof(value)) {
  }
  return value;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  parseCommandLine(
      argc, argv, "mha-aot-check", category,
      "call an entry of a library written by mha-compile, verify and time it");

  Library lib = loadLibrary(libraryFile);
  const AotManifest &manifest = lib.manifest;
  if (manifestFlag) {
    // Reprinted from the parsed form: what this tool understood.
    printReadable(llvm::outs(),
                  check(llvm::json::parse(serializeManifest(manifest))), 0);
    llvm::outs() << "\n";
    return 0;
  }

  // The entry.
  const AotEntry *entry = nullptr;
  if (!entryFlag.empty()) {
    entry = manifest.lookup(entryFlag);
    if (!entry) {
      std::string names;
      for (const AotEntry &e : manifest.entries)
        names += " @" + e.name;
      fail("'" + libraryFile + "' has no entry '" + entryFlag +
           "' (entries:" + names + ")");
    }
  } else if (manifest.entries.size() == 1) {
    entry = &manifest.entries.front();
  } else {
    std::string names;
    for (const AotEntry &e : manifest.entries)
      names += " @" + e.name;
    fail("'" + libraryFile + "' has " + llvm::Twine(manifest.entries.size()) +
         " entries" + (names.empty() ? "" : " (" + names.substr(1) + ")") +
         "; choose one with --entry=NAME");
  }

  // Inputs: files first, random values for the rest.
  std::map<size_t, std::string> inputFiles;
  for (const std::string &text : inputFlags) {
    auto [index, path] = splitIndexed("input", text, /*allowBare=*/false);
    if (index >= entry->args.size())
      fail("--input=" + text + ": @" + entry->name + " has only " +
           llvm::Twine(entry->args.size()) + " arguments");
    inputFiles[index] = path;
  }
  std::vector<HostTensor> args;
  for (auto [i, spec] : llvm::enumerate(entry->args)) {
    if (auto it = inputFiles.find(i); it != inputFiles.end()) {
      args.push_back(
          check(readNpy(it->second), "argument " + llvm::Twine(i) + ": "));
      continue;
    }
    if (llvm::any_of(spec.shape, [](int64_t d) { return d < 0; }))
      fail("argument " + llvm::Twine(i) + " (" + spec.describe() +
           ") has dynamic dims: give it with --input=" + llvm::Twine(i) +
           "=FILE.npy");
    args.push_back(randomArgument(spec.dtype, spec.shape, seedFlag, i));
  }
  failOn(checkInputs(*entry, args));

  std::map<size_t, std::string> outputFiles;
  for (const std::string &text : outputFlags) {
    auto [index, path] = splitIndexed("output", text, /*allowBare=*/true);
    if (index >= entry->results.size())
      fail("--output=" + text + ": @" + entry->name + " has only " +
           llvm::Twine(entry->results.size()) + " results");
    outputFiles[index] = path;
  }
  if (verifyFlag && entry->results.empty())
    fail("--verify: @" + entry->name + " returns nothing to compare");
  if (verifyFlag && !entry->oracle)
    fail("--verify: @" + entry->name +
         " is not a single mha op on its arguments, so the manifest has no "
         "oracle to check it with (check the source with mha-run --verify)");

  Call call(lib, *entry, args);
  call.invoke();
  std::vector<HostTensor> results = call.takeResults();
  for (auto &[index, path] : outputFiles)
    failOn(writeNpy(path, results[index]), "--output: ");

  // Verification against the C++ oracle.
  Tolerance tol = Tolerance::defaultFor(
      entry->results.empty() ? DType::F32 : entry->results[0].dtype);
  if (absTol >= 0)
    tol.atol = absTol;
  if (relTol >= 0)
    tol.rtol = relTol;
  std::optional<Comparison> cmp;
  if (verifyFlag)
    cmp = compare(results[0], evaluateOracleSpec(*entry->oracle, args), tol);
  bool passed = !cmp || cmp->passed();

  // Timing: the call of the entry (results are released between calls).
  std::vector<double> times, kernelMs;
  std::optional<double> flops;
  bool gpu = manifest.pipeline == "gpu" && lib.setKernelTiming &&
             lib.takeKernelMilliseconds;
  if (benchRuns) {
    if (entry->flops) {
      std::vector<std::vector<int64_t>> shapes;
      for (const HostTensor &t : args)
        shapes.push_back(t.shape);
      flops = evaluateFlops(*entry->flops, shapes);
    }
    call.invoke(); // warm-up
    call.releaseResults();
    if (gpu) {
      lib.setKernelTiming(1);
      lib.takeKernelMilliseconds();
    }
    for (unsigned i = 0; i < benchRuns; ++i) {
      auto start = std::chrono::steady_clock::now();
      call.invoke();
      std::chrono::duration<double> t =
          std::chrono::steady_clock::now() - start;
      times.push_back(t.count());
      if (gpu)
        kernelMs.push_back(lib.takeKernelMilliseconds());
      call.releaseResults();
    }
    if (gpu)
      lib.setKernelTiming(0);
  }

  if (jsonFlag) {
    llvm::json::Object record{{"library", libraryFile},
                              {"entry", entry->name},
                              {"pipeline", manifest.pipeline},
                              {"cpu", manifest.cpu},
                              {"source", manifest.source}};
    llvm::json::Array res;
    for (const HostTensor &r : results)
      res.push_back(llvm::json::Object{{"dtype", dtypeName(r.dtype)},
                                       {"shape", llvm::json::Array(r.shape)}});
    record["results"] = std::move(res);
    if (cmp)
      record["verify"] =
          llvm::json::Object{{"passed", passed},
                             {"checks", llvm::json::Array{llvm::json::Object{
                                            {"against", "oracle"},
                                            {"result", 0},
                                            {"max_abs_error", cmp->maxAbsError},
                                            {"max_rel_error", cmp->maxRelError},
                                            {"mismatches", cmp->mismatches},
                                            {"atol", tol.atol},
                                            {"rtol", tol.rtol},
                                            {"passed", cmp->passed()}}}}};
    if (benchRuns) {
      double median = medianOf(times);
      llvm::json::Object b{
          {"runs", int64_t(benchRuns)},
          {"median_seconds", median},
          {"min_seconds", *std::min_element(times.begin(), times.end())}};
      if (flops) {
        b["flops"] = *flops;
        b["gflops_per_second"] = *flops / median / 1e9;
      }
      if (gpu) {
        double kernel = medianOf(kernelMs);
        b["kernel_median_seconds"] = kernel * 1e-3;
        if (flops && kernel > 0)
          b["kernel_gflops_per_second"] = *flops / (kernel * 1e-3) / 1e9;
      }
      record["bench"] = std::move(b);
    }
    llvm::outs() << llvm::json::Value(std::move(record)) << "\n";
    return passed ? 0 : 1;
  }

  llvm::outs() << "@" << entry->name << " from " << libraryFile << " ("
               << manifest.pipeline << " pipeline, cpu " << manifest.cpu
               << ", compiled from " << manifest.source << ")\n";
  for (auto [i, r] : llvm::enumerate(results))
    llvm::outs() << "result " << i << ": " << r.describe()
                 << (outputFiles.count(i) ? " -> " + outputFiles[i] : "")
                 << "\n";
  if (cmp) {
    llvm::outs() << llvm::formatv(
        "verify result 0 vs oracle: max_abs_err={0:e2} max_rel_err={1:e2} "
        "(atol={2:e1} rtol={3:e1}) mismatches={4} {5}\n",
        cmp->maxAbsError, cmp->maxRelError, tol.atol, tol.rtol, cmp->mismatches,
        cmp->passed() ? "PASS" : "FAIL");
    if (cmp->shapeMismatch)
      llvm::outs() << "  (shapes or dtypes differ)\n";
  }
  if (benchRuns) {
    double median = medianOf(times);
    llvm::outs() << llvm::formatv(
        "bench: {0} runs, median {1:f3} ms, min {2:f3} ms", benchRuns,
        median * 1e3, *std::min_element(times.begin(), times.end()) * 1e3);
    if (flops)
      llvm::outs() << llvm::formatv(", {0:f2} GFLOP/s", *flops / median / 1e9);
    llvm::outs() << "\n";
    if (gpu) {
      double kernel = medianOf(kernelMs);
      llvm::outs() << llvm::formatv("kernel: median {0:f3} ms", kernel);
      if (flops && kernel > 0)
        llvm::outs() << llvm::formatv(", {0:f2} GFLOP/s",
                                      *flops / (kernel * 1e-3) / 1e9);
      llvm::outs() << "\n";
    }
  }
  if (verifyFlag)
    llvm::outs() << (passed ? "PASS" : "FAIL") << "\n";
  return passed ? 0 : 1;
}
