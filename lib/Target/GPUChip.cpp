//===- GPUChip.cpp - An NVIDIA GPU architecture ---------------------------===//

#include "mha/Target/GPUChip.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>

using namespace mlir::mha;

llvm::Expected<GPUChip> GPUChip::parse(llvm::StringRef text) {
  llvm::StringRef rest = text;
  GPUChip chip;
  bool ok = rest.consume_front("sm_");
  llvm::StringRef digits = rest.take_while(llvm::isDigit);
  ok = ok && !digits.empty() && !digits.getAsInteger(10, chip.version);
  rest = rest.drop_front(digits.size());
  chip.archSpecific = rest.consume_front("a");
  if (!ok || !rest.empty())
    return llvm::createStringError(
        "'" + text + "' is not a GPU chip: expected sm_XY or sm_XYa (e.g. " +
        "sm_80, sm_90a)");
  return chip;
}

GPUChip GPUChip::forComputeCapability(unsigned capability) {
  return GPUChip(capability, /*archSpecific=*/capability == 90);
}

std::string GPUChip::str() const {
  return "sm_" + std::to_string(version) + (archSpecific ? "a" : "");
}

llvm::raw_ostream &mlir::mha::operator<<(llvm::raw_ostream &os,
                                         const GPUChip &chip) {
  return os << chip.str();
}

bool llvm::cl::parser<GPUChip>::parse(Option &option, StringRef argName,
                                      StringRef arg, GPUChip &value) {
  llvm::Expected<GPUChip> chip = GPUChip::parse(arg);
  if (!chip)
    return option.error(llvm::toString(chip.takeError()), argName);
  value = *chip;
  return false;
}

void llvm::cl::parser<GPUChip>::printOptionDiff(const Option &option,
                                                const GPUChip &value,
                                                const OptVal &defaultValue,
                                                size_t globalWidth) const {
  printOptionName(option, globalWidth);
  outs() << "= " << value << " (default: ";
  if (defaultValue.hasValue())
    outs() << defaultValue.getValue();
  else
    outs() << "*no default*";
  outs() << ")\n";
}

void llvm::cl::parser<GPUChip>::anchor() {}

namespace {
/// A chip LLVM 22's NVPTX back end knows and the oldest PTX ISA it accepts
/// for it (NVPTXSubtarget's getMinPTXVersionForSM; `llc-22 -march=nvptx64
/// -mcpu=sm_XY -mattr=+ptx32` reports each).
struct ChipPTX {
  unsigned version;
  bool archSpecific;
  unsigned minPTX;
};
constexpr ChipPTX kChips[] = {
    {20, false, 32},  {21, false, 32}, {30, false, 32},  {32, false, 40},
    {35, false, 32},  {37, false, 41}, {50, false, 40},  {52, false, 41},
    {53, false, 42},  {60, false, 50}, {61, false, 50},  {62, false, 50},
    {70, false, 60},  {72, false, 61}, {75, false, 63},  {80, false, 70},
    {86, false, 71},  {87, false, 74}, {88, false, 90},  {89, false, 78},
    {90, false, 78},  {90, true, 80},  {100, false, 86}, {100, true, 86},
    {101, false, 86}, {101, true, 86}, {103, false, 88}, {103, true, 88},
    {110, false, 90}, {110, true, 90}, {120, false, 87}, {120, true, 87},
    {121, false, 88}, {121, true, 88}};
/// The PTX ISA versions LLVM 22 has a +ptxNN feature for.
constexpr unsigned kPTXVersions[] = {32, 40, 41, 42, 43, 50, 60, 61, 62, 63, 64,
                                     65, 70, 71, 72, 73, 74, 75, 76, 77, 78, 80,
                                     81, 82, 83, 84, 85, 86, 87, 88, 90};

std::string ptxName(unsigned version) {
  return std::to_string(version / 10) + "." + std::to_string(version % 10);
}
} // namespace

std::optional<unsigned> GPUChip::getMinPTXVersion() const {
  for (const ChipPTX &c : kChips)
    if (c.version == version && c.archSpecific == archSpecific)
      return c.minPTX;
  return std::nullopt;
}

std::string GPUChip::getSupportedChips() {
  std::string list;
  for (const ChipPTX &c : kChips)
    list +=
        (list.empty() ? "" : ", ") + GPUChip(c.version, c.archSpecific).str();
  return list;
}

std::string GPUChip::getDefaultPTXFeatures() const {
  return "+ptx" + std::to_string(std::max(80u, getMinPTXVersion().value_or(0)));
}

llvm::Error GPUChip::checkFeatures(llvm::StringRef features) const {
  std::optional<unsigned> minPTX = getMinPTXVersion();
  if (!minPTX)
    return llvm::createStringError("chip " + str() +
                                   " is not one LLVM can generate code for "
                                   "(it knows " +
                                   getSupportedChips() + ")");
  unsigned requested = 0;
  llvm::SmallVector<llvm::StringRef> items;
  features.split(items, ',', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
  for (llvm::StringRef item : items) {
    llvm::StringRef name = item.trim();
    bool enable = name.consume_front("+");
    bool disable = !enable && name.consume_front("-");
    unsigned ptx = 0;
    bool known = name.consume_front("ptx") && !name.getAsInteger(10, ptx) &&
                 llvm::is_contained(kPTXVersions, ptx);
    if (!(enable || disable) || !known) {
      std::string valid;
      for (unsigned v : kPTXVersions)
        valid += (valid.empty() ? "ptx" : ", ptx") + std::to_string(v);
      return llvm::createStringError(
          "features: '" + item.trim().str() +
          "' is not +ptxNN or -ptxNN with a PTX ISA version LLVM knows (" +
          valid + ")");
    }
    if (enable)
      requested = std::max(requested, ptx);
  }
  if (requested && requested < *minPTX)
    return llvm::createStringError(
        "chip " + str() + " needs PTX " + ptxName(*minPTX) +
        " or later, but features=" + features.str() + " asks for PTX " +
        ptxName(requested) + ": give features=+ptx" + std::to_string(*minPTX) +
        " or later (or features= for the default)");
  return llvm::Error::success();
}

namespace {
struct ChipResources {
  unsigned version; // major * 10 + minor
  unsigned numSMs;
  int64_t smemPerSMKiB, smemPerBlockKiB;
};
/// Data-centre parts where there is one: V100, T4, A100, A40, Orin, L40S,
/// H100 SXM/H200, B200, Thor, RTX 5090.
constexpr ChipResources kResources[] = {
    {70, 80, 96, 96},    {75, 40, 64, 64},     {80, 108, 164, 163},
    {86, 84, 100, 99},   {87, 16, 164, 163},   {89, 142, 100, 99},
    {90, 132, 228, 227}, {100, 148, 228, 227}, {103, 148, 228, 227},
    {110, 20, 228, 227}, {120, 170, 100, 99},  {121, 48, 100, 99}};

/// The entry of `version`, or of the newest chip before it (older chips:
/// 48 KiB per block, 80 SMs).
ChipResources resourcesOf(unsigned version) {
  ChipResources found = {version, 80, 64, 48};
  for (const ChipResources &r : kResources)
    if (r.version <= version)
      found = r;
  return found;
}
} // namespace

unsigned GPUChip::getNumSMs() const { return resourcesOf(version).numSMs; }

int64_t GPUChip::getSharedMemoryPerSM() const {
  return resourcesOf(version).smemPerSMKiB * 1024;
}

int64_t GPUChip::getMaxSharedMemoryPerBlock() const {
  return resourcesOf(version).smemPerBlockKiB * 1024;
}
