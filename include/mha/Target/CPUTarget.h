//===- CPUTarget.h - The CPU that generated code targets --------*- C++ -*-===//
//
// One description of a CPU target (an LLVM CPU name plus feature overrides)
// and what code generation derives from it: the vector width, the register
// block of the contraction micro-kernels, which float conversions the
// hardware has, and whether code for it can run on this host. Every tool,
// pipeline and JIT takes its CPU decisions from here, never from the host
// directly.
//
//===----------------------------------------------------------------------===//

#ifndef MHA_TARGET_CPUTARGET_H
#define MHA_TARGET_CPUTARGET_H

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/CodeGen.h"
#include "llvm/Support/Error.h"
#include "llvm/TargetParser/Triple.h"

#include <memory>
#include <optional>
#include <string>

namespace llvm {
class MCSubtargetInfo;
class TargetMachine;
} // namespace llvm

namespace mlir::mha {

class CPUTarget {
public:
  /// The name that stands for the machine this runs on, with every feature
  /// it has ("" means the same).
  static constexpr llvm::StringLiteral kHost = "host";

  /// Resolves `cpu` (an LLVM CPU name such as "x86-64", "x86-64-v3",
  /// "skylake-avx512", "znver4", or "host") with `features` ("+a,-b", LLVM
  /// feature names, applied on top of the CPU's). The error names the
  /// unknown CPU or feature.
  static llvm::Expected<CPUTarget> get(llvm::StringRef cpu = kHost,
                                       llvm::StringRef features = "");

  /// The host with all of its features (resolved once).
  static const CPUTarget &getHost();

  /// The resolved LLVM CPU name ("host" becomes the host's name).
  const std::string &getCPU() const { return cpu; }
  /// The feature string the target machine is created with.
  const std::string &getFeatures() const { return features; }
  const llvm::Triple &getTriple() const { return triple; }
  /// "cpu" or "cpu with +a,-b" for messages.
  std::string describe() const;

  /// Whether the target has the LLVM feature `name` (e.g. "avx512f").
  bool hasFeature(llvm::StringRef name) const;

  /// f32 lanes of the widest vector unit: 16 (AVX-512F), 8 (AVX), else 4.
  int64_t getVectorWidth() const;
  /// Architectural vector registers: 32 with AVX-512F, else 16.
  int64_t getVectorRegisters() const;
  /// Rows and vectors per row of the contraction register block (see
  /// docs/cpu-codegen.md, "The model"): `vectors` registers hold one row of
  /// B, one holds the broadcast of A, and the rest hold rows x vectors
  /// accumulators; rows is the largest that fits and divides `tileRows`
  /// (the rows of the attention tiles), so that no tile has a remainder
  /// block. 8 x 2 with 32 registers, 4 x 2 with 16.
  int64_t getMicroKernelRows(int64_t tileRows = 64) const;
  int64_t getMicroKernelVectors() const { return 2; }

  /// The data caches the tile and packing model reads.
  struct Caches {
    int64_t l1Bytes, l1Ways, l2Bytes;
  };
  /// The host's caches as the OS reports them; for a named CPU those of its
  /// family; else 32 KiB 8-way L1 and 512 KiB L2.
  const Caches &getCaches() const { return caches; }
  /// Fused multiply-add (FMA3); without it vector.fma would become libm
  /// calls, so contractions multiply and add separately.
  bool hasFMA() const { return hasFeature("fma"); }
  /// f16 <-> f32 conversion instructions (F16C); without them LLVM calls
  /// __extendhfsf2 / __truncsfhf2 of the compiler runtime.
  bool hasF16Conversions() const { return hasFeature("f16c"); }
  /// f32 -> bf16 conversion instructions (AVX512-BF16); without them LLVM
  /// calls __truncsfbf2, which Debian 12's libgcc does not have.
  bool hasBF16Conversions() const { return hasFeature("avx512bf16"); }
  /// bf16 pair dot products with f32 accumulation (vdpbf16ps, 512-bit).
  bool hasBF16Dot() const {
    return hasFeature("avx512bf16") && hasFeature("avx512f");
  }
  /// Multiply-adds per cycle of 512-bit vdpbf16ps over those of 512-bit f32
  /// FMA (vfmadd231ps), from the target's scheduling model: one vdpbf16ps
  /// does 32, one FMA 16, so the ratio is 2 x (FMA reciprocal throughput) /
  /// (vdpbf16ps reciprocal throughput). std::nullopt without the feature or
  /// a model of both instructions. LLVM 22 models Cooper Lake at 2 (one
  /// vdpbf16ps per cycle), Sapphire/Emerald Rapids at 1 and Zen 4 at 0.67.
  std::optional<double> getBF16DotSpeedup() const { return bf16DotSpeedup; }
  /// Whether bf16 contractions should use vdpbf16ps: the target has it and
  /// its model says it does more multiply-adds per cycle than f32 FMA.
  bool prefersBF16Dot() const {
    return hasBF16Dot() && bf16DotSpeedup && *bf16DotSpeedup > 1.0;
  }

  /// ISA features this target enables that the host lacks: empty when code
  /// for it runs here. Features that compiled code never uses implicitly
  /// (system instructions such as PKU, AMX tiles or SGX, reached only
  /// through intrinsics) are not counted, so that virtual machines which
  /// hide them can still run code for their CPU family.
  llvm::SmallVector<std::string> getFeaturesMissingOnHost() const;

  /// A target machine for this CPU and its features.
  llvm::Expected<std::unique_ptr<llvm::TargetMachine>> createTargetMachine(
      llvm::CodeGenOptLevel level = llvm::CodeGenOptLevel::Aggressive) const;

private:
  CPUTarget() = default;
  /// get() without the cache of the host.
  static llvm::Expected<CPUTarget> resolve(llvm::StringRef cpu,
                                           llvm::StringRef features);
  std::string cpu, features, requested;
  llvm::Triple triple;
  std::shared_ptr<const llvm::MCSubtargetInfo> subtarget;
  std::optional<double> bf16DotSpeedup;
  Caches caches{};
};

} // namespace mlir::mha

#endif // MHA_TARGET_CPUTARGET_H
