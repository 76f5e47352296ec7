//===- GPUChip.h - An NVIDIA GPU architecture -------------------*- C++ -*-===//
//
// The `chip` option of convert-mha-to-gpu and mha-gpu-pipeline, parsed once
// from its textual form (sm_80, sm_90a, ...), so that an invalid chip is an
// option-parsing error and the kernels' requirements compare numbers.
//
//===----------------------------------------------------------------------===//

#ifndef MHA_TARGET_GPUCHIP_H
#define MHA_TARGET_GPUCHIP_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Error.h"

#include <optional>
#include <string>

namespace mlir::mha {

/// An NVIDIA GPU architecture: `sm_<version>`, or `sm_<version>a` for its
/// arch-specific variant (e.g. wgmma on sm_90a), whose code runs only on
/// that exact architecture.
struct GPUChip {
  /// Major * 10 + minor compute capability: 80 for sm_80, 90 for sm_90a.
  unsigned version = 90;
  bool archSpecific = true;

  /// The default: sm_90a (H100, H200).
  constexpr GPUChip() = default;
  constexpr GPUChip(unsigned version, bool archSpecific)
      : version(version), archSpecific(archSpecific) {}

  /// Parses "sm_XY" or "sm_XYa"; the error says what was expected.
  static llvm::Expected<GPUChip> parse(llvm::StringRef text);

  /// The chip to compile for a device of compute capability `capability`
  /// (major * 10 + minor): its arch-specific variant on sm_90, the only one
  /// the kernels use (later ones need newer PTX than the default features).
  static GPUChip forComputeCapability(unsigned capability);

  /// "sm_90a".
  std::string str() const;

  /// The oldest PTX ISA version (major * 10 + minor) that LLVM 22's NVPTX
  /// back end accepts for this chip, or std::nullopt for a chip it does not
  /// know (LLVM aborts on either, so they are checked before it runs).
  std::optional<unsigned> getMinPTXVersion() const;
  /// "sm_20, sm_21, ..., sm_121a": the chips getMinPTXVersion knows.
  static std::string getSupportedChips();
  /// The PTX features of a GPU pipeline whose options name none: "+ptx80",
  /// or the chip's minimum where that is newer.
  std::string getDefaultPTXFeatures() const;
  /// Checks that LLVM can generate code for this chip with `features` (the
  /// NVPTX features of the pipeline: a comma-separated list of +ptxNN):
  /// the chip is known, every feature is a PTX version LLVM knows, and the
  /// newest one requested is at least the chip's minimum. The error says
  /// what to give instead.
  llvm::Error checkFeatures(llvm::StringRef features) const;

  /// Resources of the chip that the kernels' tile shapes and flash-decoding
  /// splits are chosen from (CUDA C++ Programming Guide, "Technical
  /// Specifications per Compute Capability").
  /// Streaming multiprocessors of the chip's largest data-centre part (A100:
  /// 108, H100 SXM and H200: 132, B200: 148); a guess for a smaller part.
  unsigned getNumSMs() const;
  /// Shared memory per SM, and the most one block may opt into, in bytes
  /// (sm_80: 164 and 163 KiB, sm_90: 228 and 227 KiB).
  int64_t getSharedMemoryPerSM() const;
  int64_t getMaxSharedMemoryPerBlock() const;
  /// 32-bit registers per SM and at most per thread (every chip since sm_50).
  static constexpr int64_t kRegistersPerSM = 65536;
  static constexpr int64_t kMaxRegistersPerThread = 255;

  bool operator==(const GPUChip &other) const {
    return version == other.version && archSpecific == other.archSpecific;
  }
  bool operator!=(const GPUChip &other) const { return !(*this == other); }
};

llvm::raw_ostream &operator<<(llvm::raw_ostream &os, const GPUChip &chip);

} // namespace mlir::mha

namespace llvm::cl {

/// Keeps the default of a GPUChip option, for --help and option printing.
template <>
struct OptionValue<mlir::mha::GPUChip> final
    : OptionValueCopy<mlir::mha::GPUChip> {
  using WrapperType = mlir::mha::GPUChip;

  OptionValue() = default;
  OptionValue(const mlir::mha::GPUChip &value) { setValue(value); }
  OptionValue &operator=(const mlir::mha::GPUChip &value) {
    setValue(value);
    return *this;
  }
};

/// Parses GPUChip options (cl::opt, pass and pipeline options).
template <>
class parser<mlir::mha::GPUChip> : public basic_parser<mlir::mha::GPUChip> {
public:
  parser(Option &option) : basic_parser(option) {}

  /// Returns true (after reporting it) on error.
  bool parse(Option &option, StringRef argName, StringRef arg,
             mlir::mha::GPUChip &value);

  StringRef getValueName() const override { return "sm_XY[a]"; }

  void printOptionDiff(const Option &option, const mlir::mha::GPUChip &value,
                       const OptVal &defaultValue, size_t globalWidth) const;

  void anchor() override;
};

} // namespace llvm::cl

#endif // MHA_TARGET_GPUCHIP_H
