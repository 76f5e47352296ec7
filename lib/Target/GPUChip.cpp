//===- GPUChip.cpp - An NVIDIA GPU architecture ---------------------------===//

#include "mha/Target/GPUChip.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/raw_ostream.h"

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
