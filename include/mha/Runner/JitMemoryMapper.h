//===- JitMemoryMapper.h - JIT sections within 2 GiB ------------*- C++ -*-===//
//
// The memory the JIT places one compiled module's sections in. Code compiled
// for the small code model reaches its constants and the GOT of its stubs
// (RuntimeDyld's `jmp *GOT(%rip)`) with 32-bit PC-relative displacements, so
// all sections of one module must lie within 2 GiB of each other.
// SectionMemoryManager's own mapper only hints the kernel to place them
// nearby; when the address space is fragmented (a large reservation such as
// AddressSanitizer's 4 TiB allocator with small holes above it) the hint
// fails, the sections land terabytes apart and RuntimeDyld silently
// truncates the displacement: the code jumps to an unmapped address.
//
//===----------------------------------------------------------------------===//

#ifndef MHA_RUNNER_JITMEMORYMAPPER_H
#define MHA_RUNNER_JITMEMORYMAPPER_H

#include "llvm/ExecutionEngine/SectionMemoryManager.h"

#include <cstddef>
#include <mutex>

namespace mlir::mha::runner {

/// Hands out pages of one reserved window of address space (no memory is
/// committed until a page is handed out), so every section it allocates is
/// within `kWindowBytes` of every other. One per ExecutionEngine; it must
/// outlive the engine, whose memory managers release their blocks here.
class JitMemoryMapper final : public llvm::SectionMemoryManager::MemoryMapper {
public:
  /// Address space reserved per engine: far below the 2 GiB reach of a
  /// 32-bit displacement, far above what one compiled entry needs.
  static constexpr size_t kWindowBytes = size_t(1) << 30;

  JitMemoryMapper() = default;
  JitMemoryMapper(const JitMemoryMapper &) = delete;
  JitMemoryMapper &operator=(const JitMemoryMapper &) = delete;
  ~JitMemoryMapper() override;

  /// Pages from the window, ignoring `nearBlock` (the whole window is near);
  /// ENOMEM once the window is used up.
  llvm::sys::MemoryBlock
  allocateMappedMemory(llvm::SectionMemoryManager::AllocationPurpose purpose,
                       size_t numBytes, const llvm::sys::MemoryBlock *nearBlock,
                       unsigned flags, std::error_code &ec) override;
  std::error_code protectMappedMemory(const llvm::sys::MemoryBlock &block,
                                      unsigned flags) override;
  /// Returns the pages to the system; their addresses are not reused.
  std::error_code releaseMappedMemory(llvm::sys::MemoryBlock &block) override;

  /// The reserved window ([begin, begin + kWindowBytes)); null before the
  /// first allocation.
  const char *getWindowBegin() const { return window; }

private:
  std::mutex mutex;
  char *window = nullptr;
  size_t used = 0;
};

} // namespace mlir::mha::runner

#endif // MHA_RUNNER_JITMEMORYMAPPER_H
