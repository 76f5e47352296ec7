//===- CPUTarget.cpp - The CPU that generated code targets ----------------===//

#include "mha/Target/CPUTarget.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/MC/MCInstrInfo.h"
#include "llvm/MC/MCSchedule.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"

#include <numeric>
#include <unistd.h>

using namespace mlir::mha;

static const llvm::Target *lookupTarget(const llvm::Triple &triple,
                                        std::string &error) {
  static bool initialized = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    return true;
  }();
  (void)initialized;
  return llvm::TargetRegistry::lookupTarget(triple, error);
}

/// Every feature of the host, as a feature string ("+a,-b,...").
static std::string hostFeatureString() {
  llvm::SubtargetFeatures features;
  for (const auto &feature : llvm::sys::getHostCPUFeatures())
    features.AddFeature(feature.first(), feature.second);
  return features.getString();
}

/// Reciprocal throughput (cycles per instruction) of the instructions
/// named in `names` under the scheduling model of `subtarget`, in the same
/// order; std::nullopt for one the model does not describe.
static llvm::SmallVector<std::optional<double>>
reciprocalThroughputs(const llvm::Target &target,
                      const llvm::MCSubtargetInfo &subtarget,
                      llvm::ArrayRef<llvm::StringRef> names) {
  llvm::SmallVector<std::optional<double>> result(names.size());
  const llvm::MCSchedModel &model = subtarget.getSchedModel();
  std::unique_ptr<llvm::MCInstrInfo> info(target.createMCInstrInfo());
  if (!info || !model.hasInstrSchedModel())
    return result;
  // Opcode numbers are private to the X86 back end: find them by name.
  for (unsigned opcode = 0, e = info->getNumOpcodes(); opcode < e; ++opcode) {
    const auto *it = llvm::find(names, info->getName(opcode));
    if (it == names.end())
      continue;
    const llvm::MCSchedClassDesc *desc =
        model.getSchedClassDesc(info->get(opcode).getSchedClass());
    if (desc && desc->isValid() && !desc->isVariant())
      result[it - names.begin()] =
          llvm::MCSchedModel::getReciprocalThroughput(subtarget, *desc);
  }
  return result;
}

/// The data caches of the LLVM CPU `cpu` (its family's usual figures).
static CPUTarget::Caches familyCaches(llvm::StringRef cpu) {
  // Golden Cove / Sunny Cove and later Intel cores, Zen 5: 48 KiB 12-way.
  if (llvm::is_contained({"sapphirerapids", "emeraldrapids", "graniterapids",
                          "graniterapids-d", "diamondrapids"},
                         cpu))
    return {48 << 10, 12, 2 << 20};
  if (llvm::is_contained({"icelake-server", "icelake-client", "tigerlake",
                          "rocketlake", "alderlake", "raptorlake", "meteorlake",
                          "arrowlake", "arrowlake-s", "lunarlake",
                          "pantherlake"},
                         cpu))
    return {48 << 10, 12, 1280 << 10};
  if (cpu == "znver5")
    return {48 << 10, 12, 1 << 20};
  if (llvm::is_contained({"skylake-avx512", "cascadelake", "cooperlake",
                          "cannonlake", "znver4"},
                         cpu))
    return {32 << 10, 8, 1 << 20};
  if (llvm::is_contained(
          {"haswell", "broadwell", "skylake", "ivybridge", "sandybridge"}, cpu))
    return {32 << 10, 8, 256 << 10};
  return {32 << 10, 8, 512 << 10};
}

/// The host's data caches from the OS (glibc reads CPUID), falling back to
/// the family's figures for what it does not report (some VMs report 0).
static CPUTarget::Caches hostCaches(llvm::StringRef cpu) {
  CPUTarget::Caches c = familyCaches(cpu);
#if defined(_SC_LEVEL1_DCACHE_SIZE) && defined(_SC_LEVEL1_DCACHE_ASSOC) &&     \
    defined(_SC_LEVEL2_CACHE_SIZE)
  long l1 = sysconf(_SC_LEVEL1_DCACHE_SIZE);
  long ways = sysconf(_SC_LEVEL1_DCACHE_ASSOC);
  long l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);
  if (l1 > 0 && ways > 0 && l1 % ways == 0) {
    c.l1Bytes = l1;
    c.l1Ways = ways;
  }
  if (l2 > 0)
    c.l2Bytes = l2;
#endif
  return c;
}

llvm::Expected<CPUTarget> CPUTarget::get(llvm::StringRef cpuName,
                                         llvm::StringRef extraFeatures) {
  bool host = cpuName.empty() || cpuName == kHost;
  // The plain host is resolved once (every JIT compile asks for it).
  if (host && extraFeatures.trim().empty())
    return getHost();
  return resolve(cpuName, extraFeatures);
}

llvm::Expected<CPUTarget> CPUTarget::resolve(llvm::StringRef cpuName,
                                             llvm::StringRef extraFeatures) {
  CPUTarget target;
  target.triple = llvm::Triple(llvm::sys::getProcessTriple());
  std::string error;
  const llvm::Target *llvmTarget = lookupTarget(target.triple, error);
  if (!llvmTarget)
    return llvm::createStringError("no LLVM target for " + target.triple.str() +
                                   ": " + error);
  bool host = cpuName.empty() || cpuName == kHost;
  target.cpu = host ? llvm::sys::getHostCPUName().str() : cpuName.str();

  // Check the names before the subtarget sees them: it only warns about
  // unknown ones (and aborts on them in checkFeatures).
  std::unique_ptr<llvm::MCSubtargetInfo> generic(
      llvmTarget->createMCSubtargetInfo(target.triple, "", ""));
  if (!generic)
    return llvm::createStringError("no subtarget information for " +
                                   target.triple.str());
  if (!generic->isCPUStringValid(target.cpu))
    return llvm::createStringError(
        "unknown target CPU '" + target.cpu + "' for " + target.triple.str() +
        " (llc-22 -mcpu=help lists them; 'host' is this machine)");
  llvm::SmallVector<llvm::StringRef> requested;
  extraFeatures.split(requested, ',', -1, /*KeepEmpty=*/false);
  for (llvm::StringRef f : requested) {
    llvm::StringRef name = f.trim();
    if (name.empty() || (name.front() != '+' && name.front() != '-'))
      return llvm::createStringError(
          "target feature '" + name.str() +
          "' must start with '+' (enable) or '-' (disable)");
    name = name.drop_front();
    if (!llvm::is_contained(
            llvm::map_range(generic->getAllProcessorFeatures(),
                            [](const llvm::SubtargetFeatureKV &kv) {
                              return llvm::StringRef(kv.Key);
                            }),
            name))
      return llvm::createStringError("unknown target feature '" + name.str() +
                                     "' for " + target.triple.str() +
                                     " (llc-22 -mattr=help lists them)");
  }

  std::string all = host ? hostFeatureString() : "";
  for (llvm::StringRef f : requested)
    all += (all.empty() ? "" : ",") + f.trim().str();
  target.features = all;
  target.caches = host ? hostCaches(target.cpu) : familyCaches(target.cpu);
  target.requested = extraFeatures.trim().str();
  target.subtarget.reset(llvmTarget->createMCSubtargetInfo(
      target.triple, target.cpu, target.features));
  if (!target.subtarget)
    return llvm::createStringError("cannot describe target CPU '" + target.cpu +
                                   "'");
  if (target.hasBF16Dot()) {
    llvm::SmallVector<std::optional<double>> cycles = reciprocalThroughputs(
        *llvmTarget, *target.subtarget, {"VDPBF16PSZr", "VFMADD231PSZr"});
    if (cycles[0] && cycles[1] && *cycles[0] > 0)
      target.bf16DotSpeedup = 2 * *cycles[1] / *cycles[0];
  }
  return target;
}

const CPUTarget &CPUTarget::getHost() {
  static const CPUTarget host = [] {
    llvm::Expected<CPUTarget> t = resolve(kHost, "");
    if (!t)
      llvm::report_fatal_error(t.takeError());
    return std::move(*t);
  }();
  return host;
}

std::string CPUTarget::describe() const {
  return requested.empty() ? cpu : cpu + " with " + requested;
}

bool CPUTarget::hasFeature(llvm::StringRef name) const {
  for (const llvm::SubtargetFeatureKV &kv :
       subtarget->getAllProcessorFeatures())
    if (name == kv.Key)
      return subtarget->getFeatureBits().test(kv.Value);
  return false;
}

int64_t CPUTarget::getVectorWidth() const {
  if (!triple.isX86())
    return 4;
  if (hasFeature("avx512f"))
    return 16;
  if (hasFeature("avx"))
    return 8;
  return 4;
}

int64_t CPUTarget::getVectorRegisters() const {
  return triple.isX86() && hasFeature("avx512f") ? 32 : 16;
}

int64_t CPUTarget::getMicroKernelRows(int64_t tileRows) const {
  int64_t vectors = getMicroKernelVectors();
  // One row of B and one broadcast of A beside the accumulators.
  int64_t fit =
      std::max<int64_t>(1, (getVectorRegisters() - vectors - 1) / vectors);
  for (int64_t rows = fit; rows > 1; --rows)
    if (tileRows % rows == 0)
      return rows;
  return 1;
}

llvm::SmallVector<std::string> CPUTarget::getFeaturesMissingOnHost() const {
  // Instructions that compilers emit only for intrinsics or inline assembly.
  static const llvm::StringSet<> systemOnly = {
      "amx-avx512", "amx-bf16",   "amx-complex", "amx-fp16", "amx-fp8",
      "amx-int8",   "amx-movrs",  "amx-tf32",    "amx-tile", "amx-transpose",
      "cldemote",   "clflushopt", "clwb",        "clzero",   "enqcmd",
      "fsgsbase",   "hreset",     "invpcid",     "kl",       "movdir64b",
      "movdiri",    "mwaitx",     "pconfig",     "pku",      "prfchw",
      "ptwrite",    "rdpid",      "rdpru",       "rdrnd",    "rdseed",
      "rtm",        "serialize",  "sgx",         "shstk",    "tsxldtrk",
      "uintr",      "usermsr",    "waitpkg",     "wbnoinvd", "widekl",
      "xsave",      "xsavec",     "xsaveopt",    "xsaves"};
  llvm::StringMap<bool> host = llvm::sys::getHostCPUFeatures();
  llvm::SmallVector<std::string> missing;
  for (const llvm::SubtargetFeatureKV &kv :
       subtarget->getAllProcessorFeatures()) {
    if (!subtarget->getFeatureBits().test(kv.Value) ||
        systemOnly.contains(kv.Key))
      continue;
    auto it = host.find(kv.Key);
    // Tuning flags are features too, but the host never reports them.
    if (it != host.end() && !it->second)
      missing.push_back(kv.Key);
  }
  return missing;
}

llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
CPUTarget::createTargetMachine(llvm::CodeGenOptLevel level) const {
  std::string error;
  const llvm::Target *llvmTarget = lookupTarget(triple, error);
  if (!llvmTarget)
    return llvm::createStringError("no LLVM target for " + triple.str() + ": " +
                                   error);
  std::unique_ptr<llvm::TargetMachine> machine(llvmTarget->createTargetMachine(
      triple, cpu, features, llvm::TargetOptions(), llvm::Reloc::PIC_,
      std::nullopt, level));
  if (!machine)
    return llvm::createStringError("cannot create a target machine for " +
                                   describe());
  return machine;
}
