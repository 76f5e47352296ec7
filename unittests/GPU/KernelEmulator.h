//===- KernelEmulator.h - Run NVVM kernels on the host ----------*- C++ -*-===//
//
// Test infrastructure: executes the kernels of a gpu.module that has been
// lowered to the LLVM and NVVM dialects on the CPU, so that CI machines
// without a GPU check what the GPU pipeline computes. The kernel is rewritten
// for the host (address spaces dropped; thread ids, barriers, warp shuffles,
// mma.sync and cp.async become calls into this emulator) and JIT-compiled.
// Each CUDA thread is a fiber; a block's fibers run round-robin on one OS
// thread and switch at barriers and warp collectives, so the emulation is
// deterministic. mma.sync and wgmma follow the PTX ISA fragment and
// descriptor layouts; cp.async copies land at cp.async.wait_group.
//
//===----------------------------------------------------------------------===//

#ifndef MHA_UNITTESTS_GPU_KERNELEMULATOR_H
#define MHA_UNITTESTS_GPU_KERNELEMULATOR_H

#include "mha/InitAll.h"
#include "mha/Runner/JitMemoryMapper.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/Error.h"

#include "gtest/gtest.h"

#include <array>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace mlir {
class ExecutionEngine;
namespace mha::testing {

/// Bytes at the start of a block's shared window that the system reserves
/// (sm_80 and later); the first variable of a kernel is at this offset.
constexpr int64_t kReservedSharedBytes = 1024;
/// The most shared memory a block can have on sm_90 (227 KiB usable plus the
/// reserved 1 KiB).
constexpr int64_t kMaxSharedBytesPerBlock = 228 * 1024;
/// NVVM's shared address space.
constexpr unsigned kSharedAddressSpace = 3;

/// Where a kernel's shared memory is, as ptxas lays it out: offsets from the
/// start of the block's shared window (which the emulator aligns to 2^18
/// bytes, so that a wgmma descriptor's address bits are these offsets).
struct SharedLayout {
  struct Variable {
    std::string name;
    int64_t offset, size;
  };
  std::vector<Variable> variables; // static shared variables
  int64_t staticEnd = kReservedSharedBytes;
  int64_t dynamicBegin = kReservedSharedBytes; // the launch's dynamic bytes
};

/// What the executed instructions of one class cost, summed over the warps
/// and blocks of a kernel's launches: a performance model that needs no
/// GPU. An instruction is counted once per warp (per warpgroup for wgmma,
/// per issuing thread for TMA). Shared-memory classes also count the
/// wavefronts (passes through the 32 banks of 4 bytes) they needed, and the
/// fewest they could have needed:
///  - lanes accessing at most 4 bytes form one phase, 8 bytes two (half
///    warps), 16 bytes four (quarter warps); wider vectors count as one
///    16-byte instruction per 16 bytes; ldmatrix is a phase per 8x8 matrix;
///  - a phase needs as many wavefronts as the most distinct 4-byte words
///    it touches in one bank (lanes reading the same word share it).
/// bankConflicts() is the excess. Lanes are grouped into a warp's
/// instruction by site and by how often each lane executed that site, so
/// lanes that skip iterations of a divergent loop are mis-grouped.
struct InstructionCounts {
  int64_t instructions = 0;
  int64_t laneAccesses = 0, bytes = 0; // memory classes
  int64_t wavefronts = 0, idealWavefronts = 0;
  int64_t bankConflicts() const { return wavefronts - idealWavefronts; }
};

/// A kernel's counts by instruction class: "ld.shared", "st.shared",
/// "ldmatrix", "cp.async" (its shared-memory writes), "ld.global",
/// "st.global", "cp.async.bulk.tensor" (TMA loads), "mma.sync", "wgmma",
/// "bar.sync", "shfl.sync". Classes that never ran are absent.
using KernelCounts = std::map<std::string, InstructionCounts, std::less<>>;

/// The order the CUDA driver gives device-memory operations, as far as the
/// emulated runtime (KernelEmulator::runtimeSymbols) needs it to catch
/// races between streams. Every device buffer remembers its last write: the
/// stream it was enqueued on and its position there. An operation on
/// another stream that accesses the buffer races with that write unless
/// the write is known complete (its stream, or an event recorded after it,
/// was synchronised by the host) or the accessing stream waits for an
/// event recorded after it. Streams are non-blocking (what mgpuStreamCreate
/// makes), so the legacy stream (null) is unordered with them too. Reads
/// followed by writes on another stream are not checked.
class StreamOrder {
public:
  void *createStream();
  void *createEvent();
  /// A device buffer [p, p + size) made by `what`.
  void allocate(const void *p, uint64_t size, std::string what);
  void free(const void *p);
  /// Starts an operation on `stream`.
  void enqueue(const void *stream);
  /// The current operation of `stream` (named `what`) reads or writes the
  /// device buffer holding `p`: "" or a description of the race. Host
  /// pointers are ignored.
  std::string access(const void *p, const void *stream, bool write,
                     const std::string &what);
  void synchronize(const void *stream);
  void record(const void *event, const void *stream);
  void wait(const void *stream, const void *event);
  void synchronizeEvent(const void *event);
  /// What made each device buffer that is still allocated.
  std::vector<std::string> liveBuffers() const;

private:
  struct Buffer {
    uint64_t size;
    std::string what;
    const void *writeStream = nullptr;
    uint64_t writeSeq = 0; // 0: never written
    std::string writer;
  };
  struct Stream {
    uint64_t seq = 0, completed = 0;
    std::map<const void *, uint64_t> waited; // per other stream
  };
  std::map<uintptr_t, Buffer> buffers;
  std::map<const void *, Stream> streams; // null: the legacy stream
  std::map<const void *, std::pair<const void *, uint64_t>> events;
  std::vector<std::unique_ptr<char>> handles;
};

class KernelEmulator {
public:
  /// JIT-compiles the kernels of every gpu.module in `module` (already
  /// lowered to LLVM + NVVM, e.g. by buildGPUKernelLoweringPipeline).
  static llvm::Expected<std::unique_ptr<KernelEmulator>>
  create(ModuleOp module);
  ~KernelEmulator();

  /// Runs `kernel` on a grid of blocks; `params` points to each kernel
  /// argument (the cuLaunchKernel convention).
  llvm::Error launch(llvm::StringRef kernel, std::array<int64_t, 3> grid,
                     std::array<int64_t, 3> block, int64_t sharedBytes,
                     void **params);

  /// The shared-memory layout of `kernel`, or null for an unknown name.
  const SharedLayout *getSharedLayout(llvm::StringRef kernel) const;

  /// The counts of every launch of `kernel` so far (empty if none).
  const KernelCounts &getCounts(llvm::StringRef kernel) const;
  /// Forgets the counts of all kernels.
  void resetCounts() { counts.clear(); }

  /// Number of kernel launches so far.
  int64_t getNumLaunches() const { return numLaunches; }
  /// The grid of every launch so far, by kernel, in launch order.
  const std::map<std::string, std::vector<std::array<int64_t, 3>>, std::less<>>
      &getLaunchGrids() const {
    return launchGrids;
  }

  /// The SM count the emulated mhaRuntimeNumSMs reports (0: its fallback,
  /// the compile-time count, as without a device).
  void setDeviceSMs(int64_t sms) { deviceSMs = sms; }
  int64_t getDeviceSMs() const { return deviceSMs; }

  /// The first error of a launch made through runtimeSymbols() (which cannot
  /// return one), or "" if there was none; clears it.
  std::string takeError() { return std::exchange(error, std::string()); }
  void recordError(std::string message) {
    if (error.empty())
      error = std::move(message);
  }

  /// The mgpu* runtime functions of MLIR's gpu-to-llvm, emulated with host
  /// memory and this emulator's launch(): install them into a JIT that runs
  /// the host side of a module compiled with mha-gpu-pipeline. Module loads
  /// return this emulator, whatever binary the host code passes.
  std::vector<std::pair<std::string, void *>> runtimeSymbols();

  /// The device buffers and streams of the emulated runtime.
  StreamOrder &getStreamOrder() { return streamOrder; }

  /// The positions of `kernel`'s pointer parameters (the device buffers a
  /// launch may access), or null for an unknown kernel.
  const std::vector<int> *getPointerParams(llvm::StringRef kernel) const;

private:
  KernelEmulator() = default;
  // The engine's sections in one window (see JitMemoryMapper.h); declared
  // first, destroyed last.
  std::unique_ptr<runner::JitMemoryMapper> memoryMapper;
  std::unique_ptr<ExecutionEngine> engine;
  int64_t numLaunches = 0;
  int32_t numAccessSites = 0;
  std::string error;
  std::vector<std::unique_ptr<std::string>> functionNames;
  std::map<std::string, SharedLayout, std::less<>> sharedLayouts;
  std::map<std::string, KernelCounts, std::less<>> counts;
  std::map<std::string, std::vector<int>, std::less<>> pointerParams;
  std::map<std::string, std::vector<std::array<int64_t, 3>>, std::less<>>
      launchGrids;
  int64_t deviceSMs = 0;
  StreamOrder streamOrder;
};

/// A parameterised GoogleTest fixture with an MLIRContext that knows every
/// dialect, pass and translation the tools do.
template <typename Param>
class EmulationTest : public ::testing::TestWithParam<Param> {
protected:
  EmulationTest() {
    mha::registerAllDialects(registry);
    mha::registerAllPasses();
    context = std::make_unique<MLIRContext>(registry);
    context->loadAllAvailableDialects();
  }
  DialectRegistry registry;
  std::unique_ptr<MLIRContext> context;
};

} // namespace mha::testing
} // namespace mlir

#endif // MHA_UNITTESTS_GPU_KERNELEMULATOR_H
