//===- JitMemoryMapperTest.cpp - JIT sections within one window -----------===//
//
// The JIT's sections of one module must stay within 2 GiB of each other
// (JitMemoryMapper.h). The second test fragments the address space the way
// AddressSanitizer's allocator does and then compiles and runs: before the
// mapper, the code landed more than 1 TiB from its GOT and jumped to an
// unmapped address (SIGSEGV).
//
//===----------------------------------------------------------------------===//

#include "AttentionCase.h"

#include "mha/Runner/Compare.h"
#include "mha/Runner/JitMemoryMapper.h"

#include "llvm/Support/Process.h"

#include <gtest/gtest.h>

#include <sys/mman.h>

using namespace mlir::mha::runner;
using llvm::sys::Memory;

namespace {

TEST(JitMemoryMapperTest, BlocksStayInOneWindow) {
  JitMemoryMapper mapper;
  size_t page = llvm::sys::Process::getPageSizeEstimate();
  std::vector<llvm::sys::MemoryBlock> blocks;
  for (size_t bytes : {size_t(1), page, 3 * page + 1, size_t(1) << 20}) {
    std::error_code ec;
    llvm::sys::MemoryBlock b = mapper.allocateMappedMemory(
        llvm::SectionMemoryManager::AllocationPurpose::Code, bytes, nullptr,
        Memory::MF_READ | Memory::MF_WRITE, ec);
    ASSERT_FALSE(ec) << ec.message();
    ASSERT_GE(b.allocatedSize(), bytes);
    const char *base = static_cast<const char *>(b.base());
    EXPECT_GE(base, mapper.getWindowBegin());
    EXPECT_LE(base + b.allocatedSize(),
              mapper.getWindowBegin() + JitMemoryMapper::kWindowBytes);
    static_cast<char *>(b.base())[bytes - 1] = 42; // writable
    blocks.push_back(b);
  }
  EXPECT_FALSE(
      mapper.protectMappedMemory(blocks[0], Memory::MF_READ | Memory::MF_EXEC));
  for (llvm::sys::MemoryBlock &b : blocks) {
    EXPECT_FALSE(mapper.releaseMappedMemory(b));
    EXPECT_EQ(b.base(), nullptr);
  }
  // More than the window: a clear ENOMEM, no block.
  std::error_code ec;
  llvm::sys::MemoryBlock b = mapper.allocateMappedMemory(
      llvm::SectionMemoryManager::AllocationPurpose::RWData,
      JitMemoryMapper::kWindowBytes, nullptr,
      Memory::MF_READ | Memory::MF_WRITE, ec);
  EXPECT_EQ(ec, std::make_error_code(std::errc::not_enough_memory));
  EXPECT_EQ(b.base(), nullptr);
}

/// Reserves `reserveBytes` of address space (as ASan's allocator reserves 4
/// TiB), fills every gap above it, then frees one page there: the JIT's
/// first small allocation takes that page, everything larger lands below
/// the reservation, more than `reserveBytes` away. Linux places mappings
/// top-down; elsewhere this only does not fragment.
class FragmentedAddressSpace {
public:
  explicit FragmentedAddressSpace(size_t reserveBytes)
      : reserveBytes(reserveBytes) {
    void *r = ::mmap(nullptr, reserveBytes, PROT_NONE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (r == MAP_FAILED)
      return;
    reservation = static_cast<char *>(r);
    size_t page = llvm::sys::Process::getPageSizeEstimate();
    for (size_t size = size_t(1) << 30; size >= page; size /= 4) {
      // Bounded: a gap takes a few fillers of each size.
      for (int i = 0; i < 4096; ++i) {
        void *p = ::mmap(nullptr, size, PROT_NONE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED)
          break;
        if (static_cast<char *>(p) < reservation) {
          ::munmap(p, size);
          break;
        }
        fillers.push_back({static_cast<char *>(p), size});
      }
    }
    // One free page above the reservation.
    if (!fillers.empty()) {
      auto &[base, size] = fillers.back();
      ::munmap(base, page);
      base += page;
      size -= page;
    }
  }
  ~FragmentedAddressSpace() {
    for (auto [base, size] : fillers)
      if (size)
        ::munmap(base, size);
    if (reservation)
      ::munmap(reservation, reserveBytes);
  }

private:
  size_t reserveBytes;
  char *reservation = nullptr;
  std::vector<std::pair<char *, size_t>> fillers;
};

TEST(JitMemoryMapperTest, RunsInFragmentedAddressSpace) {
  mlir::mha::testing::AttentionCase c{
      /*b=*/1,   /*h=*/2,        /*hkv=*/2,
      /*sq=*/7,  /*skv=*/9,      /*d=*/12,
      /*dv=*/12, /*causal=*/true};
  std::string text = mlir::mha::testing::buildAttentionModule(c);
  std::vector<HostTensor> inputs =
      mlir::mha::testing::makeAttentionInputs(c, 7);
  auto expected = mlir::mha::testing::compileAndRun(
      text, PipelineKind::Reference, "", inputs);
  ASSERT_TRUE(bool(expected)) << llvm::toString(expected.takeError());
  for (const char *options : {"threads=1", "q-tile=16 kv-tile=8"}) {
    SCOPED_TRACE(options);
    FragmentedAddressSpace fragmented(size_t(1) << 40);
    auto actual = mlir::mha::testing::compileAndRun(text, PipelineKind::CPU,
                                                    options, inputs);
    ASSERT_TRUE(bool(actual)) << llvm::toString(actual.takeError());
    Comparison cmp = compare((*actual)[0], (*expected)[0],
                             Tolerance::defaultFor(DType::F32));
    EXPECT_TRUE(cmp.passed()) << "max_abs_err=" << cmp.maxAbsError;
  }
}

} // namespace
