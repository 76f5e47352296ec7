//===- JitMemoryMapper.cpp - JIT section memory within one window ---------===//

#include "mha/Runner/JitMemoryMapper.h"

#include "llvm/Support/Process.h"

#include <sys/mman.h>

using namespace mlir::mha::runner;

static int toProtection(unsigned flags) {
  int prot = PROT_NONE;
  if (flags & llvm::sys::Memory::MF_READ)
    prot |= PROT_READ;
  if (flags & llvm::sys::Memory::MF_WRITE)
    prot |= PROT_WRITE;
  if (flags & llvm::sys::Memory::MF_EXEC)
    prot |= PROT_EXEC;
  return prot;
}

JitMemoryMapper::~JitMemoryMapper() {
  if (window)
    ::munmap(window, kWindowBytes);
}

llvm::sys::MemoryBlock JitMemoryMapper::allocateMappedMemory(
    llvm::SectionMemoryManager::AllocationPurpose, size_t numBytes,
    const llvm::sys::MemoryBlock *, unsigned flags, std::error_code &ec) {
  ec = std::error_code();
  if (numBytes == 0)
    return llvm::sys::MemoryBlock();
  std::lock_guard<std::mutex> lock(mutex);
  if (!window) {
    // Address space only: PROT_NONE and MAP_NORESERVE commit no memory.
    void *p = ::mmap(nullptr, kWindowBytes, PROT_NONE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
      ec = std::error_code(errno, std::generic_category());
      return llvm::sys::MemoryBlock();
    }
    window = static_cast<char *>(p);
  }
  size_t pageSize = llvm::sys::Process::getPageSizeEstimate();
  size_t bytes = (numBytes + pageSize - 1) / pageSize * pageSize;
  if (bytes > kWindowBytes - used) {
    ec = std::make_error_code(std::errc::not_enough_memory);
    return llvm::sys::MemoryBlock();
  }
  char *base = window + used;
  if (::mprotect(base, bytes, toProtection(flags)) != 0) {
    ec = std::error_code(errno, std::generic_category());
    return llvm::sys::MemoryBlock();
  }
  used += bytes;
  return llvm::sys::MemoryBlock(base, bytes);
}

std::error_code
JitMemoryMapper::protectMappedMemory(const llvm::sys::MemoryBlock &block,
                                     unsigned flags) {
  // sys::Memory also flushes the instruction cache for executable blocks.
  return llvm::sys::Memory::protectMappedMemory(block, flags);
}

std::error_code
JitMemoryMapper::releaseMappedMemory(llvm::sys::MemoryBlock &block) {
  char *base = static_cast<char *>(block.base());
  if (base &&
      (base < window || base + block.allocatedSize() > window + kWindowBytes))
    return std::make_error_code(std::errc::invalid_argument);
  if (base && block.allocatedSize()) {
    // Back to a fresh reservation: the pages' memory returns to the system.
    if (::mmap(block.base(), block.allocatedSize(), PROT_NONE,
               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1,
               0) == MAP_FAILED)
      return std::error_code(errno, std::generic_category());
  }
  block = llvm::sys::MemoryBlock();
  return std::error_code();
}
