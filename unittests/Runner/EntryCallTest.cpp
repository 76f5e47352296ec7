//===- EntryCallTest.cpp - Memref descriptors of entry calls --------------===//

#include "mha/Runner/EntryCall.h"

#include "mha/Runtime/MemRefDescriptor.h"

#include "gtest/gtest.h"

using namespace mlir::mha::runner;

namespace {

TEST(EntryCallTest, ArgumentDescriptorsAreContiguousViews) {
  HostTensor a(DType::F32, {2, 3, 4});
  HostTensor b(DType::I1, {});
  EntryCall call({a, b}, {TensorSpec{DType::F16, {5}}});
  // The results' descriptors first, then one per argument.
  ASSERT_EQ(call.getPointers().size(), 3u);
  const auto *words = static_cast<const int64_t *>(call.getPointers()[1]);
  ::mha::runtime::Descriptor d{words, 3};
  EXPECT_EQ(d.allocated(), a.data());
  EXPECT_EQ(d.base(4), a.data());
  EXPECT_EQ(std::vector<int64_t>({d.size(0), d.size(1), d.size(2)}),
            std::vector<int64_t>({2, 3, 4}));
  EXPECT_EQ(std::vector<int64_t>({d.stride(0), d.stride(1), d.stride(2)}),
            std::vector<int64_t>({12, 4, 1}));
}

TEST(EntryCallTest, NoResultsNoResultPointer) {
  HostTensor a(DType::F32, {2});
  EntryCall call({a}, {});
  ASSERT_EQ(call.getPointers().size(), 1u);
  EXPECT_TRUE(call.copyResults().empty());
}

TEST(EntryCallTest, CopiesStridedResultsIntoCOrder) {
  // A 2x3 result that is the transpose of a 3x2 buffer, at offset 1.
  float buffer[7] = {-1, 0, 1, 2, 3, 4, 5};
  EntryCall call({},
                 {TensorSpec{DType::F32, {2, 3}}, TensorSpec{DType::F32, {1}}});
  auto *words = static_cast<int64_t *>(call.getPointers()[0]);
  int64_t first[] = {reinterpret_cast<int64_t>(buffer),
                     reinterpret_cast<int64_t>(buffer),
                     1,
                     2,
                     3,
                     1,
                     2};
  std::copy(std::begin(first), std::end(first), words);
  // The second result: a contiguous view of buffer[6].
  int64_t shape[] = {1};
  ::mha::runtime::writeContiguousDescriptor(
      words + ::mha::runtime::descriptorWords(2), buffer + 6, shape, 1);

  std::vector<HostTensor> results = call.copyResults();
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].shape, std::vector<int64_t>({2, 3}));
  std::vector<float> values;
  for (int64_t i = 0; i < 6; ++i)
    values.push_back(results[0].get(i));
  EXPECT_EQ(values, std::vector<float>({0, 2, 4, 1, 3, 5}));
  EXPECT_EQ(results[1].get(0), 5);
  EXPECT_EQ(call.getResultAllocations(),
            std::vector<void *>({buffer, buffer + 6}));
}

} // namespace
