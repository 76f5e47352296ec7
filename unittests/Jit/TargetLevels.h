//===- TargetLevels.h - The CPU levels the JIT tests run at -----*- C++ -*-===//
//
// The numeric JIT tests run once per x86-64 level, so every vector width
// (SSE2 4, AVX2 8, AVX-512 16 lanes), every micro-kernel shape, both ways
// of converting f16/bf16 (instructions, or the integer expansion of
// mha-expand-float-conversions) and the AVX512-BF16 dot products of
// mha-vectorize-bf16-contractions are tested on whatever CPU runs the suite.
// A level whose code this host cannot run is skipped with the features it
// lacks (lit counts it as skipped), never dropped silently.
//
//===----------------------------------------------------------------------===//

#ifndef MHA_UNITTESTS_JIT_TARGETLEVELS_H
#define MHA_UNITTESTS_JIT_TARGETLEVELS_H

#include "mha/Runner/PipelineBuilder.h"
#include "mha/Target/CPUTarget.h"

#include "llvm/ADT/StringExtras.h"

#include <optional>
#include <string>
#include <vector>

namespace mlir::mha::testing {

struct TargetLevel {
  /// GoogleTest-safe name of the level.
  const char *name;
  /// LLVM CPU names, the first that runs here is used.
  std::vector<const char *> cpus;
  /// mha-cpu-pipeline options the level adds: the AVX512-BF16 level forces
  /// the vdpbf16ps path, which `auto` leaves to the scheduling model.
  const char *cpuOptions = "";
};

inline const std::vector<TargetLevel> &targetLevels() {
  static const std::vector<TargetLevel> levels = {
      {"x86_64", {"x86-64"}},                 // SSE2: 4 lanes, no FMA, no F16C
      {"x86_64_v3", {"x86-64-v3"}},           // AVX2, FMA, F16C: 8 lanes
      {"skylake_avx512", {"skylake-avx512"}}, // AVX-512 without BF16
      // AVX512-BF16, with the vdpbf16ps path forced.
      {"avx512_bf16", {"sapphirerapids", "znver4"}, "bf16-dot=on"},
  };
  return levels;
}

/// The flags of the first CPU of `level` this host runs, or std::nullopt
/// with `why` set to what the host lacks.
inline std::optional<runner::TargetFlags> resolveLevel(const TargetLevel &level,
                                                       std::string &why) {
  for (const char *cpu : level.cpus) {
    llvm::Expected<CPUTarget> target = CPUTarget::get(cpu);
    if (!target) {
      why += llvm::toString(target.takeError()) + "; ";
      continue;
    }
    llvm::SmallVector<std::string> missing = target->getFeaturesMissingOnHost();
    if (missing.empty())
      return runner::TargetFlags{cpu, ""};
    why += std::string(cpu) + " needs " + llvm::join(missing, ", ") + "; ";
  }
  return std::nullopt;
}

} // namespace mlir::mha::testing

#endif // MHA_UNITTESTS_JIT_TARGETLEVELS_H
