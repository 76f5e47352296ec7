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

#include "RunSupport.h"
#include "ToolSupport.h"

#include "mha/Runner/AotManifest.h"
#include "mha/Runner/Compare.h"
#include "mha/Runner/EntryCall.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <sys/random.h>

#include <array>
#include <dlfcn.h>
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
static cl::opt<bool>
    verifyFlag("verify",
               cl::desc("Compare every result with the C++ oracle of the "
                        "manifest (entries that are a single mha op); exit "
                        "1 on mismatch"),
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
  RunOptions runOptions(category);
  parseCommandLine(
      argc, argv, "mha-aot-check", category,
      "call an entry of a library written by mha-compile, verify and time it");
  runOptions.validate();
  if (entryFlag.getNumOccurrences())
    rejectEmpty(entryFlag, {entryFlag.getValue()});

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
  std::string names;
  for (const AotEntry &e : manifest.entries)
    names += " @" + e.name;
  const AotEntry *entry = nullptr;
  if (!entryFlag.empty()) {
    entry = manifest.lookup(entryFlag);
    if (!entry)
      fail("'" + libraryFile + "' has no entry '" + entryFlag +
           "' (entries:" + names + ")");
  } else if (manifest.entries.size() == 1) {
    entry = &manifest.entries.front();
  } else {
    fail("'" + libraryFile + "' has " + llvm::Twine(manifest.entries.size()) +
         " entries" + (names.empty() ? "" : " (" + names.substr(1) + ")") +
         "; choose one with --entry=NAME");
  }

  std::vector<HostTensor> args =
      runOptions.makeInputs(entry->name, entry->args);
  failOn(checkInputs(*entry, args));
  RunReport report;
  report.outputFiles =
      runOptions.getOutputFiles(entry->name, entry->results.size());
  if (verifyFlag && entry->results.empty())
    fail("--verify: @" + entry->name + " returns nothing to compare");
  if (verifyFlag && !entry->oracle)
    fail("--verify: @" + entry->name +
         " is not a single mha op on its arguments, so the manifest has no "
         "oracle to check it with (check the source with mha-run --verify)");

  Call call(lib, *entry, args);
  call.invoke();
  report.results = call.takeResults();
  writeOutputs(report.outputFiles, report.results);

  // Verification against the C++ oracle: every result (the manifest
  // reader checked that the oracle gives as many), each with the tolerance
  // of its dtype unless --atol / --rtol say otherwise.
  if (verifyFlag) {
    std::vector<HostTensor> expected =
        evaluateOracleSpecResults(*entry->oracle, args);
    std::vector<Check> &checks = report.checks.emplace();
    for (auto [i, result] : llvm::enumerate(report.results)) {
      Tolerance tol = runOptions.getTolerance(result.dtype);
      checks.push_back({"oracle", i, tol, compare(result, expected[i], tol)});
    }
  }

  // Timing: the call of the entry (results are released between calls).
  if (runOptions.benchRuns) {
    std::optional<KernelTiming> kernels;
    if (manifest.pipeline == "gpu" && lib.setKernelTiming &&
        lib.takeKernelMilliseconds && lib.getLastError)
      kernels = KernelTiming{lib.setKernelTiming, lib.takeKernelMilliseconds,
                             lib.getLastError};
    report.bench = timeCalls(
        runOptions.benchRuns, [&] { call.invoke(); },
        [&] { call.releaseResults(); }, kernels ? &*kernels : nullptr);
    if (entry->flops) {
      std::vector<std::vector<int64_t>> shapes;
      for (const HostTensor &t : args)
        shapes.push_back(t.shape);
      report.bench->flops = evaluateFlops(*entry->flops, shapes);
    }
  }

  return printReport(report, runOptions,
                     llvm::json::Object{{"library", libraryFile},
                                        {"entry", entry->name},
                                        {"pipeline", manifest.pipeline},
                                        {"cpu", manifest.cpu},
                                        {"source", manifest.source}},
                     "@" + entry->name + " from " + libraryFile + " (" +
                         manifest.pipeline + " pipeline, cpu " + manifest.cpu +
                         ", compiled from " + manifest.source + ")");
}
