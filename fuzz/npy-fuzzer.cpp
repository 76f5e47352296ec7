//===- npy-fuzzer.cpp - libFuzzer target for the .npy reader --------------===//
//
// Feeds arbitrary bytes to parseNpy (what `mha-run --input`, `mha-aot-check`
// and the tests read). A file it accepts must describe exactly the bytes it
// holds, and serialising the tensor must read back to the same tensor.
//
//===----------------------------------------------------------------------===//

#include "mha/Runner/Npy.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>

using namespace mlir::mha::runner;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef contents(reinterpret_cast<const char *>(data), size);
  llvm::Expected<HostTensor> tensor = parseNpy(contents, "fuzz.npy");
  if (!tensor) {
    // Every error names the file.
    std::string message = llvm::toString(tensor.takeError());
    if (llvm::StringRef(message).find("'fuzz.npy'") == llvm::StringRef::npos) {
      fprintf(stderr, "error without the file name: %s\n", message.c_str());
      abort();
    }
    return 0;
  }
  if (tensor->bytes.size() != tensor->numElements() * dtypeSize(tensor->dtype))
    abort();
  llvm::Expected<HostTensor> again =
      parseNpy(serializeNpy(*tensor), "round-trip.npy");
  if (!again) {
    fprintf(stderr, "serialised tensor does not read back: %s\n",
            llvm::toString(again.takeError()).c_str());
    abort();
  }
  if (again->dtype != tensor->dtype || again->shape != tensor->shape ||
      again->bytes != tensor->bytes)
    abort();
  return 0;
}
