//===- EntryCall.cpp - The memref descriptors of one entry call -----------===//

#include "mha/Runner/EntryCall.h"

#include "mha/Runtime/MemRefDescriptor.h"

#include "llvm/ADT/STLExtras.h"

#include <cstring>

using namespace mlir::mha::runner;
using ::mha::runtime::Descriptor;
using ::mha::runtime::descriptorWords;

EntryCall::EntryCall(llvm::ArrayRef<TensorRef> inputs,
                     llvm::ArrayRef<TensorSpec> results) {
  for (const TensorRef &t : inputs) {
    std::vector<int64_t> &words =
        argWords.emplace_back(descriptorWords(t.shape.size()));
    ::mha::runtime::writeContiguousDescriptor(words.data(), t.data,
                                              t.shape.data(), t.shape.size());
  }
  size_t numWords = 0;
  for (const TensorSpec &r : results) {
    resultTypes.push_back(r.dtype);
    resultRanks.push_back(r.shape.size());
    numWords += descriptorWords(r.shape.size());
  }
  resultWords.resize(numWords);
  if (!results.empty())
    pointers.push_back(resultWords.data());
  for (std::vector<int64_t> &words : argWords)
    pointers.push_back(words.data());
}

/// Copies the memref `m` into a new C-order tensor of `dtype`.
static HostTensor copyOut(DType dtype, Descriptor m) {
  HostTensor out(dtype,
                 std::vector<int64_t>(m.words + 3, m.words + 3 + m.rank));
  size_t elt = dtypeSize(dtype);
  const char *base = m.base(elt);
  int64_t n = out.numElements();
  // Identity-layout memrefs are one contiguous block; anything else is
  // copied element by element into C order.
  bool contiguous = true;
  for (int64_t i = m.rank, stride = 1; i-- > 0; stride *= m.size(i))
    contiguous &= m.size(i) == 1 || m.stride(i) == stride;
  if (contiguous) {
    if (n)
      std::memcpy(out.bytes.data(), base, n * elt);
    return out;
  }
  std::vector<int64_t> index(m.rank, 0);
  for (int64_t flat = 0; flat < n; ++flat) {
    int64_t src = 0;
    for (int64_t i = 0; i < m.rank; ++i)
      src += index[i] * m.stride(i);
    std::memcpy(out.bytes.data() + flat * elt, base + src * elt, elt);
    for (int64_t i = m.rank; i-- > 0;) {
      if (++index[i] < m.size(i))
        break;
      index[i] = 0;
    }
  }
  return out;
}

std::vector<HostTensor> EntryCall::copyResults() const {
  std::vector<HostTensor> out;
  size_t offset = 0;
  for (auto [dtype, rank] : llvm::zip_equal(resultTypes, resultRanks)) {
    out.push_back(
        copyOut(dtype, Descriptor{resultWords.data() + offset, int64_t(rank)}));
    offset += descriptorWords(rank);
  }
  return out;
}

std::vector<void *> EntryCall::getResultAllocations() const {
  std::vector<void *> out;
  size_t offset = 0;
  for (size_t rank : resultRanks) {
    out.push_back(
        Descriptor{resultWords.data() + offset, int64_t(rank)}.allocated());
    offset += descriptorWords(rank);
  }
  return out;
}
