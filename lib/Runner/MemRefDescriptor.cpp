//===- MemRefDescriptor.cpp - Ranked memref descriptors of host tensors --===//

#include "mha/Runner/MemRefDescriptor.h"

#include <cstring>

using namespace mlir::mha::runner;

std::vector<int64_t>
mlir::mha::runner::contiguousDescriptor(const void *data,
                                        const std::vector<int64_t> &shape) {
  size_t rank = shape.size();
  std::vector<int64_t> d(descriptorWords(rank));
  d[0] = d[1] = reinterpret_cast<int64_t>(data);
  d[2] = 0;
  int64_t stride = 1;
  for (size_t i = rank; i-- > 0;) {
    d[3 + i] = shape[i];
    d[3 + rank + i] = stride;
    stride *= shape[i];
  }
  return d;
}

HostTensor mlir::mha::runner::copyFromDescriptor(DType dtype, const int64_t *d,
                                                 size_t rank) {
  std::vector<int64_t> shape(d + 3, d + 3 + rank);
  HostTensor out(dtype, shape);
  size_t elt = dtypeSize(dtype);
  auto *base = reinterpret_cast<const uint8_t *>(d[1]) + d[2] * elt;
  int64_t n = out.numElements();
  // Identity-layout memrefs are one contiguous block; anything else is
  // copied element by element into C order.
  bool contiguous = true;
  for (int64_t i = rank, stride = 1; i-- > 0; stride *= shape[i])
    contiguous &= shape[i] == 1 || d[3 + rank + i] == stride;
  if (contiguous) {
    if (n)
      std::memcpy(out.bytes.data(), base, n * elt);
    return out;
  }
  std::vector<int64_t> index(rank, 0);
  for (int64_t flat = 0; flat < n; ++flat) {
    int64_t src = 0;
    for (size_t i = 0; i < rank; ++i)
      src += index[i] * d[3 + rank + i];
    std::memcpy(out.bytes.data() + flat * elt, base + src * elt, elt);
    for (size_t i = rank; i-- > 0;) {
      if (++index[i] < shape[i])
        break;
      index[i] = 0;
    }
  }
  return out;
}
