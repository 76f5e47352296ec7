//===- KernelEmulator.cpp - Run NVVM kernels on the host ------------------===//

#include "KernelEmulator.h"

#include "mha/Codegen/CPU/Passes.h"
#include "mha/Runner/HostTensor.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/AttrTypeSubElements.h"
#include "mlir/Interfaces/DataLayoutInterfaces.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ExecutionEngine/Orc/Mangling.h"
#include "llvm/Support/TargetSelect.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <sstream>
#include <ucontext.h>

using namespace mlir;
using namespace mlir::mha::testing;

//===----------------------------------------------------------------------===//
// Fibers: one per CUDA thread of the running block
//===----------------------------------------------------------------------===//

namespace {

/// A vector clock: per thread of the block, then per mbarrier of it, how
/// far that thread's releases (arrivals) and the mbarrier's completed
/// phases happen before the owner's present. It orders shared-memory reads
/// and TMA writes (the ring protocol of the wgmma kernel).
using Clock = std::vector<uint32_t>;

void join(Clock &into, const Clock &from) {
  for (size_t i = 0; i < from.size(); ++i)
    into[i] = std::max(into[i], from[i]);
}

struct Barrier {
  int count = 0, arrived = 0;
  uint64_t generation = 0;
  /// bar.sync orders memory: the join of its arrivals' clocks, and that of
  /// the last completed generation (empty for a warp's collectives, which
  /// the clocks do not follow).
  Clock arrivals, completed;
};

struct PendingCopy {
  void *dst;
  const void *src;
  int32_t size, srcSize;
  int64_t group;
};

struct Fiber {
  ucontext_t context;
  /// cp.async copies land at cp.async.wait_group, not before, so a kernel
  /// that reads shared memory too early sees stale bytes.
  std::vector<PendingCopy> pendingCopies;
  int64_t committedGroups = 0;
  std::unique_ptr<char[]> stack;
  bool done = false;
  Barrier *waiting = nullptr;
  uint64_t waitGeneration = 0;
  int tid[3] = {0, 0, 0};
  int linearTid = 0;
  /// How often this thread executed each memory-access site, which lanes'
  /// accesses form one warp instruction.
  std::vector<int64_t> siteCount;
  Clock clock;
};

/// The most mbarriers a block's clocks follow.
constexpr int kMaxClockedMBarriers = 64;

/// Memory accesses the rewritten kernels report (mha_emu_access).
enum AccessClass { LdShared, StShared, CpAsync, LdGlobal, StGlobal };
const char *const kAccessClassNames[] = {"ld.shared", "st.shared", "cp.async",
                                         "ld.global", "st.global"};

/// The lanes' accesses of one warp instruction, until all lanes are in.
struct AccessGroup {
  int accessClass = 0, lanes = 0;
  std::array<std::pair<int64_t, int>, 32> access; // (offset, bytes); 0 bytes: inactive
};

/// Words each lane can publish to its warp (mma.sync: 4 A + 2 B + 4 C).
constexpr int kExchangeWords = 10;

struct BlockRun {
  using Kernel = void (*)(void **);
  Kernel kernel = nullptr;
  void **params = nullptr;
  int64_t blockId[3], blockDim[3], gridDim[3];
  std::vector<Fiber> fibers;
  ucontext_t scheduler;
  Fiber *current = nullptr;
  Barrier block;
  std::map<int, Barrier> named; // bar.sync id, n (id > 0)
  std::vector<Barrier> warps;
  std::vector<uint32_t> exchange; // [warp][lane][word]
  /// mbarriers by address: arrivals still expected this phase, transaction
  /// bytes still expected, completed phases.
  struct MBarrier {
    int count = 0, pending = 0;
    int64_t tx = 0;
    uint64_t phase = 0;
    /// The thread that initialised it, and whether that thread has since
    /// made the initialisation visible to the async proxy (TMA) with
    /// fence.proxy.async or fence.mbarrier_init.
    int initThread = -1;
    bool fenced = false;
    /// Its component of the clocks; the join of its arrivals' clocks and
    /// of its completed phases, and that at the last completed phase.
    int clockIndex = 0;
    Clock arrivals, completed;
  };
  std::map<const void *, MBarrier> mbarriers;
  /// Shared bytes [begin, end) that a TMA load wrote: the load completes
  /// phase `phase` of the mbarrier of clock component `clockIndex` (so a
  /// reader's clock must have seen phase + 1 completed phases), and each
  /// thread's clock at its last read of them (0: none), which a TMA load
  /// overwriting them must have acquired.
  struct TmaRegion {
    int64_t end;
    int clockIndex;
    uint64_t phase;
    std::vector<uint32_t> reads;
  };
  std::map<int64_t, TmaRegion> tmaRegions;
  /// The block's shared window, aligned to 2^18 bytes: wgmma descriptors
  /// keep the low 18 bits of a shared address, which then are the offset
  /// into this buffer. [0, kReservedSharedBytes) is reserved, the kernel's
  /// variables and dynamic memory end at `sharedEnd`.
  uint8_t *shared = nullptr;
  int64_t sharedEnd = 0;
  /// The first fault of the launch (what hardware would trap on, hang at or
  /// silently corrupt), returned by KernelEmulator::launch.
  std::string error;
  /// The counts of the running kernel, and the warps' instructions whose
  /// lanes are not all in yet, by (warp, site, execution).
  KernelCounts *counts = nullptr;
  std::map<std::tuple<int, int, int64_t>, AccessGroup> groups;
};

BlockRun *run = nullptr;

/// Wavefronts one phase of a shared-memory access needs: the most distinct
/// 4-byte words it touches in one of the 32 banks.
int64_t phaseWavefronts(const std::pair<int64_t, int> *access, int n) {
  std::array<llvm::SmallVector<int64_t, 4>, 32> words;
  int64_t most = 0;
  for (int i = 0; i < n; ++i) {
    auto [offset, bytes] = access[i];
    if (bytes == 0)
      continue;
    for (int64_t w = offset / 4; w <= (offset + bytes - 1) / 4; ++w) {
      auto &bank = words[w % 32];
      if (llvm::is_contained(bank, w))
        continue;
      bank.push_back(w);
      most = std::max<int64_t>(most, bank.size());
    }
  }
  return most;
}

/// Counts one warp instruction of shared-memory class `cls` whose lanes
/// form phases of `phaseLanes` accesses.
void countShared(const char *cls, const std::pair<int64_t, int> *access,
                 int n, int phaseLanes) {
  InstructionCounts &c = (*run->counts)[cls];
  ++c.instructions;
  for (int p = 0; p < n; p += phaseLanes) {
    int64_t wf = phaseWavefronts(access + p, std::min(phaseLanes, n - p));
    c.wavefronts += wf;
    c.idealWavefronts += wf ? 1 : 0;
  }
  for (int i = 0; i < n; ++i)
    if (access[i].second) {
      ++c.laneAccesses;
      c.bytes += access[i].second;
    }
}

void flushGroup(const AccessGroup &g) {
  const char *cls = kAccessClassNames[g.accessClass];
  if (g.accessClass == LdGlobal || g.accessClass == StGlobal) {
    InstructionCounts &c = (*run->counts)[cls];
    ++c.instructions;
    for (auto [offset, bytes] : g.access)
      if (bytes) {
        ++c.laneAccesses;
        c.bytes += bytes;
      }
    return;
  }
  int width = 0;
  for (auto [offset, bytes] : g.access)
    width = std::max(width, bytes);
  if (width <= 16)
    return countShared(cls, g.access.data(), 32,
                       width <= 4 ? 32 : width <= 8 ? 16 : 8);
  // Wider vectors become one 16-byte instruction per 16 bytes.
  for (int part = 0; part < width; part += 16) {
    std::array<std::pair<int64_t, int>, 32> sub{};
    for (int l = 0; l < 32; ++l) {
      auto [offset, bytes] = g.access[l];
      if (bytes > part)
        sub[l] = {offset + part, std::min(16, bytes - part)};
    }
    countShared(cls, sub.data(), 32, 8);
  }
}

void flushGroups() {
  for (auto &[key, g] : run->groups)
    flushGroup(g);
  run->groups.clear();
}

/// Counts one warp-level instruction of `cls` (no memory model).
void countInstruction(const char *cls) { ++(*run->counts)[cls].instructions; }

void deviceError(const std::string &message) {
  if (run->error.empty())
    run->error = "kernel emulator: block (" + std::to_string(run->blockId[0]) +
                 ", " + std::to_string(run->blockId[1]) + ", " +
                 std::to_string(run->blockId[2]) + ") thread " +
                 std::to_string(run->current->linearTid) + ": " + message;
}

/// The shared-window offset of `p`, or -1 if it is outside the window.
int64_t sharedOffset(const void *p) {
  auto *b = static_cast<const uint8_t *>(p);
  if (b < run->shared || b >= run->shared + (int64_t(1) << 18))
    return -1;
  return b - run->shared;
}

std::string hex(int64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "0x%llx", static_cast<long long>(v));
  return buf;
}

/// Checks a write of `bytes` bytes to shared memory at `dst` by `what`: it
/// must lie in the kernel's shared memory and must not touch an mbarrier
/// (on hardware that corrupts the barrier's phase and arrival counts).
void checkSharedWrite(const void *dst, int64_t bytes, const char *what) {
  int64_t off = sharedOffset(dst);
  if (off < kReservedSharedBytes || off + bytes > run->sharedEnd) {
    deviceError(std::string(what) + " writes shared bytes [" + hex(off) +
                ", " + hex(off + bytes) + "), outside the kernel's shared " +
                "memory [" + hex(kReservedSharedBytes) + ", " +
                hex(run->sharedEnd) + ")");
    return;
  }
  for (auto &[bar, state] : run->mbarriers) {
    int64_t b = sharedOffset(bar);
    if (b < off + bytes && off < b + 8)
      deviceError(std::string(what) + " writes shared bytes [" + hex(off) +
                  ", " + hex(off + bytes) + "), which overlap the mbarrier at " +
                  hex(b));
  }
}

/// Records an error of an emulated device function in the active emulator.
void activeEmulatorError(const std::string &message);
constexpr size_t kStackBytes = 1 << 19;

void arrive(Barrier &b) {
  uint64_t generation = b.generation;
  Fiber *self = run->current;
  bool orders = !b.arrivals.empty();
  if (orders) {
    join(b.arrivals, self->clock);
    ++self->clock[self->linearTid];
  }
  if (++b.arrived == b.count) {
    b.arrived = 0;
    ++b.generation;
    if (orders) {
      b.completed = b.arrivals;
      join(self->clock, b.completed);
    }
    return;
  }
  self->waiting = &b;
  self->waitGeneration = generation;
  swapcontext(&self->context, &run->scheduler);
  // The generation this thread waited for completed; the next one needs
  // this thread's arrival, so `completed` is still that generation's.
  if (orders)
    join(self->clock, b.completed);
}

/// Checks that this thread may read shared bytes [lo, hi) (TMA data only
/// after waiting for the phase its load completes) and records the read.
void checkSharedRead(int64_t lo, int64_t hi, const char *what) {
  auto &regions = run->tmaRegions;
  auto it = regions.upper_bound(lo);
  if (it != regions.begin())
    --it;
  Fiber *self = run->current;
  for (; it != regions.end() && it->first < hi; ++it) {
    BlockRun::TmaRegion &r = it->second;
    if (r.end <= lo)
      continue;
    if (self->clock[run->fibers.size() + r.clockIndex] <= r.phase) {
      deviceError(std::string(what) + " reads shared bytes [" +
                  std::to_string(it->first) + ", " + std::to_string(r.end) +
                  ") of a TMA load before waiting for the mbarrier phase it "
                  "completes (a missing wait on a full barrier)");
      return;
    }
    r.reads[self->linearTid] = self->clock[self->linearTid];
  }
}

void fiberMain(int index) {
  Fiber &f = run->fibers[index];
  run->kernel(run->params);
  f.done = true;
  // uc_link returns to the scheduler.
}

int lane() { return run->current->linearTid % 32; }
int warp() { return run->current->linearTid / 32; }
uint32_t *exchangeSlot(int w, int l) {
  return &run->exchange[(size_t(w) * 32 + l) * kExchangeWords];
}

//===----------------------------------------------------------------------===//
// Device intrinsics called by the rewritten kernels
//===----------------------------------------------------------------------===//

extern "C" {

static int32_t mha_emu_sreg(int32_t code) {
  int dim = code % 3;
  switch (code / 3) {
  case 0:
    return run->current->tid[dim];
  case 1:
    return int32_t(run->blockId[dim]);
  case 2:
    return int32_t(run->blockDim[dim]);
  case 3:
    return int32_t(run->gridDim[dim]);
  default:
    return lane();
  }
}

static void mha_emu_barrier() {
  if (lane() == 0)
    countInstruction("bar.sync");
  arrive(run->block);
}

/// bar.sync id, n: the first n threads to arrive at barrier `id`.
static void mha_emu_named_barrier(int32_t id, int32_t n) {
  if (lane() == 0)
    countInstruction("bar.sync");
  if (id == 0 && n == int32_t(run->fibers.size()))
    return arrive(run->block);
  if (id <= 0 || id > 15 || n <= 0 || n % 32)
    return deviceError("bar.sync " + std::to_string(id) + ", " +
                       std::to_string(n) +
                       ": a barrier id in [1, 15] and a "
                       "thread count that is a multiple of 32 are emulated");
  Barrier &b = run->named[id];
  if (b.arrived == 0)
    b.count = n;
  else if (b.count != n)
    return deviceError("bar.sync " + std::to_string(id) +
                       " with different thread counts");
  if (b.arrivals.empty())
    b.arrivals.assign(run->fibers.size() + kMaxClockedMBarriers, 0);
  arrive(b);
}

/// A load or store of `bytes` at `address` by this lane at `site`.
static void mha_emu_access(const void *address, int32_t bytes, int32_t cls,
                           int32_t site) {
  Fiber *f = run->current;
  int64_t offset = cls <= CpAsync ? sharedOffset(address)
                                  : reinterpret_cast<intptr_t>(address);
  if (cls <= CpAsync && offset < 0)
    return deviceError(std::string(kAccessClassNames[cls]) +
                       " of an address outside shared memory");
  if (cls == LdShared)
    checkSharedRead(offset, offset + bytes, "ld.shared");
  auto key = std::make_tuple(warp(), site, f->siteCount[site]++);
  AccessGroup &g = run->groups[key];
  g.accessClass = cls;
  g.access[lane()] = {offset, bytes};
  if (++g.lanes == 32) {
    flushGroup(g);
    run->groups.erase(key);
  }
}

static void *mha_emu_shared_base() { return run->shared; }

/// shfl.sync: kind 0 = bfly, 1 = up, 2 = down, 3 = idx; out-of-range
/// sources return the lane's own value.
static int32_t mha_emu_shfl(int32_t kind, int32_t value, int32_t offset) {
  int w = warp(), l = lane();
  if (l == 0)
    countInstruction("shfl.sync");
  exchangeSlot(w, l)[0] = uint32_t(value);
  arrive(run->warps[w]);
  int src = kind == 0   ? (l ^ offset)
            : kind == 1 ? l - offset
            : kind == 2 ? l + offset
                        : offset;
  int32_t result =
      (src >= 0 && src < 32) ? int32_t(exchangeSlot(w, src)[0]) : value;
  arrive(run->warps[w]);
  return result;
}

/// mma.sync.aligned.m16n8k16.row.col.f32.{f16,bf16}: lane = 4 g + t holds
///   A: R0 = A[g][2t..], R1 = A[g+8][2t..], R2 = A[g][2t+8..],
///      R3 = A[g+8][2t+8..] (low half = lower column)
///   B: R0 = B[2t..][g], R1 = B[2t+8..][g]
///   C/D: D[g][2t], D[g][2t+1], D[g+8][2t], D[g+8][2t+1].
static void mha_emu_mma_m16n8k16(int32_t isBf16, uint32_t a0, uint32_t a1,
                                 uint32_t a2, uint32_t a3, uint32_t b0,
                                 uint32_t b1, float c0, float c1, float c2,
                                 float c3, float *out) {
  int w = warp(), l = lane();
  if (l == 0)
    countInstruction("mma.sync");
  uint32_t *slot = exchangeSlot(w, l);
  uint32_t regs[6] = {a0, a1, a2, a3, b0, b1};
  std::memcpy(slot, regs, sizeof(regs));
  arrive(run->warps[w]);
  auto half = [&](uint32_t reg, int which) {
    auto bits = uint16_t(reg >> (16 * which));
    return isBf16 ? mha::runner::bf16ToFloat(bits)
                  : mha::runner::halfToFloat(bits);
  };
  auto a = [&](int row, int k) {
    int owner = (row % 8) * 4 + (k % 8) / 2;
    int reg = (row >= 8 ? 1 : 0) + (k >= 8 ? 2 : 0);
    return half(exchangeSlot(w, owner)[reg], k % 2);
  };
  auto b = [&](int k, int n) {
    int owner = n * 4 + (k % 8) / 2;
    return half(exchangeSlot(w, owner)[4 + (k >= 8 ? 1 : 0)], k % 2);
  };
  int g = l / 4, t = l % 4;
  float c[4] = {c0, c1, c2, c3};
  for (int i = 0; i < 4; ++i) {
    int row = g + (i >= 2 ? 8 : 0), col = 2 * t + (i % 2);
    float acc = c[i];
    for (int k = 0; k < 16; ++k)
      acc += a(row, k) * b(k, col);
    out[i] = acc;
  }
  arrive(run->warps[w]);
}

/// wgmma.mma_async.m64n<n>k16.f32.{f16,bf16} (D = A B + (scale-d ? D : 0))
/// with operands in shared memory, no swizzle: element (r, k) of a K-major
/// matrix is at
///   start + (r / 8) * SBO + (k / 8) * LBO + (r % 8) * 16 + (k % 8) * 2
/// (r: row of A, column of B), of an MN-major one (B with imm-trans-b) at
///   start + (r / 8) * SBO + (k / 8) * LBO + (k % 8) * 16 + (r % 8) * 2
/// (PTX ISA "Canonical Layouts", no swizzle: K-major
/// ((8,m),(T,2k)):((1T,SBO),(1,LBO)), MN-major
/// ((T,1,m),(8,k)):((1,T,SBO),(1T,LBO))), the descriptor holding start,
/// LBO and SBO in 16-byte units in bits 0-13, 16-29 and 32-45. The accumulator
/// of warp w of the warpgroup is the mma.sync C layout repeated over n / 8
/// column tiles.
static void mha_emu_wgmma(int32_t n, int32_t isBf16, int32_t scaleD,
                          int32_t transB, uint64_t descA, uint64_t descB,
                          float *acc) {
  auto field = [](uint64_t d, int shift) {
    return int64_t((d >> shift) & 0x3FFF) << 4;
  };
  auto element = [&](uint64_t d, int r, int k, bool mnMajor = false) {
    int64_t inCore =
        mnMajor ? (k % 8) * 16 + (r % 8) * 2 : (r % 8) * 16 + (k % 8) * 2;
    const uint8_t *p = run->shared + field(d, 0) + (r / 8) * field(d, 32) +
                       (k / 8) * field(d, 16) + inCore;
    uint16_t bits;
    std::memcpy(&bits, p, 2);
    return isBf16 ? mha::runner::bf16ToFloat(bits)
                  : mha::runner::halfToFloat(bits);
  };
  if (run->current->linearTid % 128 == 0)
    countInstruction("wgmma");
  // The bytes an operand of `rows` rows may read: from its start to its
  // last core matrix (every term of the address is non-negative).
  auto checkOperand = [&](uint64_t d, int rows, bool mnMajor) {
    int64_t lo = field(d, 0);
    (void)mnMajor; // both layouts end 128 bytes past the last core matrix
    int64_t hi = lo + ((rows - 1) / 8) * field(d, 32) + field(d, 16) + 128;
    checkSharedRead(lo, hi, "wgmma");
  };
  checkOperand(descA, 64, false);
  checkOperand(descB, n, transB != 0);
  int w = (run->current->linearTid % 128) / 32, l = lane();
  int g = l / 4, t = l % 4;
  for (int i = 0; i < n / 2; ++i) {
    int row = 16 * w + g + 8 * ((i % 4) / 2);
    int col = 8 * (i / 4) + 2 * t + (i % 2);
    float sum = scaleD ? acc[i] : 0.0f; // scale-d = 0: D = A B
    for (int k = 0; k < 16; ++k)
      sum += element(descA, row, k) * element(descB, col, k, transB != 0);
    acc[i] = sum;
  }
}

/// ldmatrix.sync.aligned.m8n8.x<num>{.trans}.shared.b16: lane 8m + r holds
/// the address of row r (16 bytes) of matrix m; without .trans a lane gets
/// (row l / 4, columns 2 (l % 4), +1) of each matrix, with .trans
/// (rows 2 (l % 4), +1, column l / 4).
static void mha_emu_ldmatrix(const uint8_t *address, int32_t num, int32_t trans,
                             uint32_t *out) {
  int w = warp(), l = lane();
  std::memcpy(exchangeSlot(w, l), &address, sizeof(address));
  arrive(run->warps[w]);
  auto rowAddress = [&](int m, int r) {
    const uint8_t *p;
    std::memcpy(&p, exchangeSlot(w, 8 * m + r), sizeof(p));
    return p;
  };
  // One phase per 8x8 matrix: its 8 rows of 16 bytes.
  if (l == 0) {
    std::array<std::pair<int64_t, int>, 32> rows{};
    for (int m = 0; m < num; ++m)
      for (int r = 0; r < 8; ++r)
        rows[8 * m + r] = {sharedOffset(rowAddress(m, r)), 16};
    countShared("ldmatrix", rows.data(), 8 * num, 8);
  }
  for (int m = 0; m < num; ++m) {
    uint16_t e[2];
    for (int i = 0; i < 2; ++i) {
      int row = trans ? 2 * (l % 4) + i : l / 4;
      int col = trans ? l / 4 : 2 * (l % 4) + i;
      std::memcpy(&e[i], rowAddress(m, row) + 2 * col, 2);
    }
    out[m] = uint32_t(e[0]) | (uint32_t(e[1]) << 16);
  }
  arrive(run->warps[w]);
}

/// mbarrier.init / arrive.expect_tx / try_wait.parity and the TMA loads
/// that complete their transactions (tensor maps from
/// mgpuTensorMapEncodeTiledMemref and mhaRuntimeEncodeTensorMap2D below;
/// coordinates innermost first). It fits a CUtensorMap's 128 bytes, which
/// the host code copies to the device.
struct EmuTensorMap {
  const uint8_t *base;
  int32_t rank, elementBytes;
  int64_t sizes[5], strides[5]; // outermost first, strides in elements
  int32_t box[5];
};
static_assert(sizeof(EmuTensorMap) <= 128, "a CUtensorMap has 128 bytes");

static void completePhase(BlockRun::MBarrier &m) {
  if (m.pending == 0 && m.tx == 0) {
    ++m.phase;
    m.pending = m.count;
    m.arrivals[run->fibers.size() + m.clockIndex] = uint32_t(m.phase);
    m.completed = m.arrivals;
  }
}

static void mha_emu_mbar_init(void *bar, int32_t count, int32_t predicate) {
  if (!predicate)
    return;
  int64_t off = sharedOffset(bar);
  if (off < kReservedSharedBytes || off + 8 > run->sharedEnd || off % 8)
    return deviceError("mbarrier.init at shared offset " + hex(off) +
                       ", not an 8-byte aligned object of the kernel's " +
                       "shared memory");
  BlockRun::MBarrier &m = run->mbarriers[bar];
  int index =
      m.arrivals.empty() ? int(run->mbarriers.size()) - 1 : m.clockIndex;
  if (index >= kMaxClockedMBarriers)
    return deviceError("more than " + std::to_string(kMaxClockedMBarriers) +
                       " mbarriers");
  m = {count, count, 0, 0, run->current->linearTid, false};
  m.clockIndex = index;
  m.arrivals.assign(run->fibers.size() + kMaxClockedMBarriers, 0);
  m.completed = m.arrivals;
}

/// An arrival on `m`: a release of this thread's clock.
static void arriveOn(BlockRun::MBarrier &m) {
  Fiber *self = run->current;
  join(m.arrivals, self->clock);
  ++self->clock[self->linearTid];
  --m.pending;
}

/// fence.proxy.async / fence.mbarrier_init: the mbarriers this thread
/// initialised are now visible to the TMA unit.
static void mha_emu_fence_mbarrier_init() {
  for (auto &[bar, m] : run->mbarriers)
    if (m.initThread == run->current->linearTid)
      m.fenced = true;
}

static void mha_emu_mbar_expect_tx(void *bar, int32_t bytes,
                                   int32_t predicate) {
  if (!predicate)
    return;
  auto found = run->mbarriers.find(bar);
  if (found == run->mbarriers.end())
    return deviceError("mbarrier.arrive.expect_tx on an mbarrier that was "
                       "never initialised");
  BlockRun::MBarrier &m = found->second;
  m.tx += bytes;
  arriveOn(m);
  completePhase(m);
}

/// mbarrier.arrive (release): one arrival of this thread.
static void mha_emu_mbar_arrive(void *bar) {
  auto found = run->mbarriers.find(bar);
  if (found == run->mbarriers.end())
    return deviceError("mbarrier.arrive on an mbarrier that was never "
                       "initialised");
  BlockRun::MBarrier &m = found->second;
  if (m.pending <= 0)
    return deviceError("mbarrier.arrive on a phase with no pending arrival");
  arriveOn(m);
  completePhase(m);
}

static void mha_emu_tma_load(void *dst, const EmuTensorMap *map, void *bar,
                             int32_t numCoords, int32_t c0, int32_t c1,
                             int32_t predicate) {
  if (!predicate)
    return;
  if (map->rank != 2 || numCoords != 2) {
    deviceError("only 2-D TMA loads are emulated");
    return;
  }
  int64_t rows = map->box[0], cols = map->box[1], e = map->elementBytes;
  if (sharedOffset(dst) % 128)
    return deviceError("TMA load to shared offset " + hex(sharedOffset(dst)) +
                       ", which is not 128-byte aligned");
  checkSharedWrite(dst, rows * cols * e, "TMA load");
  InstructionCounts &counts = (*run->counts)["cp.async.bulk.tensor"];
  ++counts.instructions;
  counts.bytes += rows * cols * e;
  auto barrier = run->mbarriers.find(bar);
  if (barrier == run->mbarriers.end())
    return deviceError("TMA load completes on an mbarrier that was never "
                       "initialised");
  if (!barrier->second.fenced)
    return deviceError(
        "TMA load completes on the mbarrier at " + hex(sharedOffset(bar)) +
        ", whose mbarrier.init (thread " +
        std::to_string(barrier->second.initThread) +
        ") no fence.proxy.async.shared::cta or fence.mbarrier_init has made "
        "visible to the async proxy");
  // The load overwrites bytes that earlier TMA loads wrote: every thread's
  // last read of them must happen before (the consumers' arrivals on the
  // stage's empty barrier, which the issuing thread waited for).
  int64_t lo = sharedOffset(dst), hi = lo + rows * cols * e;
  Fiber *self = run->current;
  const size_t threads = run->fibers.size();
  for (auto it = run->tmaRegions.begin(); it != run->tmaRegions.end();) {
    BlockRun::TmaRegion &r = it->second;
    if (it->first >= hi || r.end <= lo) {
      ++it;
      continue;
    }
    for (size_t t = 0; t < threads; ++t)
      if (r.reads[t] && self->clock[t] < r.reads[t]) {
        deviceError(
            "TMA load overwrites shared bytes [" + std::to_string(lo) + ", " +
            std::to_string(hi) + ") that thread " + std::to_string(t) +
            " read without an arrival this thread waited for (a missing "
            "wait on an empty barrier)");
        break; // complete the load: waiting threads must not hang
      }
    it = run->tmaRegions.erase(it);
  }
  run->tmaRegions[lo] = {hi, barrier->second.clockIndex, barrier->second.phase,
                         std::vector<uint32_t>(threads, 0)};
  auto *out = static_cast<uint8_t *>(dst);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) {
      int64_t gr = c1 + r, gc = c0 + c;
      uint8_t *o = out + (r * cols + c) * e;
      if (gr < 0 || gr >= map->sizes[0] || gc < 0 || gc >= map->sizes[1])
        std::memset(o, 0, e); // out of bounds: zero fill
      else
        std::memcpy(
            o, map->base + (gr * map->strides[0] + gc * map->strides[1]) * e,
            e);
    }
  BlockRun::MBarrier &m = run->mbarriers[bar];
  m.tx -= rows * cols * e;
  completePhase(m);
  // The copy is asynchronous: let the other threads run (a consumer that
  // does not wait for the phase then reads before it completes).
  self->waiting = nullptr;
  swapcontext(&self->context, &run->scheduler);
}

/// Blocks until the phase with parity `parity` of the mbarrier completed.
static void mha_emu_mbar_wait(void *bar, int32_t parity) {
  for (int64_t spins = 0;; ++spins) {
    BlockRun::MBarrier &m = run->mbarriers[bar];
    if (int32_t(m.phase & 1) != (parity & 1)) {
      if (!m.completed.empty())
        join(run->current->clock, m.completed); // acquire
      return;
    }
    if (spins > 100000)
      return deviceError("mbarrier phase never completes (missing arrival "
                         "or transaction bytes)");
    Fiber *self = run->current; // let the other threads run
    self->waiting = nullptr;
    swapcontext(&self->context, &run->scheduler);
  }
}

static void mha_emu_cp_async(void *dst, const void *src, int32_t size,
                             int32_t srcSize, int32_t site) {
  mha_emu_access(dst, size, CpAsync, site);
  if (srcSize < 0 || srcSize > size)
    srcSize = size;
  Fiber *f = run->current;
  f->pendingCopies.push_back({dst, src, size, srcSize, f->committedGroups});
}

static void mha_emu_cp_commit() { ++run->current->committedGroups; }

/// Completes every group but the `pending` most recent committed ones.
static void mha_emu_cp_wait(int32_t pending) {
  Fiber *f = run->current;
  int64_t limit = f->committedGroups - pending;
  auto &copies = f->pendingCopies;
  std::vector<PendingCopy> later;
  for (const PendingCopy &c : copies) {
    if (c.group >= limit) {
      later.push_back(c);
      continue;
    }
    checkSharedWrite(c.dst, c.size, "cp.async");
    std::memcpy(c.dst, c.src, c.srcSize);
    std::memset(static_cast<char *>(c.dst) + c.srcSize, 0, c.size - c.srcSize);
  }
  copies = std::move(later);
}

static float mha_emu_exp2f(float x) { return std::exp2(x); }
static float mha_emu_log2f(float x) { return std::log2(x); }
static float mha_emu_expf(float x) { return std::exp(x); }

} // extern "C"

//===----------------------------------------------------------------------===//
// Rewriting a lowered kernel for the host
//===----------------------------------------------------------------------===//

class Hostifier {
public:
  explicit Hostifier(ModuleOp module) : module(module) {}

  LogicalResult run() {
    MLIRContext *ctx = module.getContext();
    if (failed(layoutSharedMemory()))
      return failure();
    instrumentAccesses();
    // Address spaces mean nothing on the host.
    AttrTypeReplacer replacer;
    replacer.addReplacement([](LLVM::LLVMPointerType t) -> std::optional<Type> {
      if (t.getAddressSpace() == 0)
        return std::nullopt;
      return LLVM::LLVMPointerType::get(t.getContext());
    });
    auto fix = [&](Value v) { v.setType(replacer.replace(v.getType())); };
    module.walk([&](Operation *op) {
      for (Value r : op->getResults())
        fix(r);
      for (Region &region : op->getRegions())
        for (Block &block : region)
          for (BlockArgument arg : block.getArguments())
            fix(arg);
      replacer.replaceElementsIn(op, /*replaceAttrs=*/true,
                                 /*replaceLocs=*/false, /*replaceTypes=*/false);
    });

    SmallVector<Operation *> worklist;
    module.walk([&](Operation *op) { worklist.push_back(op); });
    for (Operation *op : worklist)
      if (failed(rewrite(op)))
        return failure();
    // Shared variables live in the block's shared buffer (layoutSharedMemory).
    for (auto global :
         llvm::make_early_inc_range(module.getOps<LLVM::GlobalOp>()))
      if (sharedGlobals.contains(global.getSymNameAttr()))
        global.erase();
      else if (global.getAddrSpace() != 0)
        global.setAddrSpace(0);
    for (auto fn : module.getOps<LLVM::LLVMFuncOp>()) {
      SmallVector<StringAttr> drop;
      for (NamedAttribute attr : fn->getDiscardableAttrs())
        if (attr.getName().strref().starts_with("nvvm.") ||
            attr.getName().strref().starts_with("gpu."))
          drop.push_back(attr.getName());
      for (StringAttr name : drop)
        fn->removeAttr(name);
      fn.setTargetCpuAttr(nullptr);
      fn.setTargetFeaturesAttr(nullptr);
    }
    (void)ctx;
    return success();
  }

  /// Where each kernel's shared variables are (see SharedLayout).
  llvm::StringMap<SharedLayout> layouts;
  /// Memory-access sites (loads, stores, cp.async) numbered so far.
  int32_t numSites = 0;

private:
  /// Reports every shared and global load and store (not those of the
  /// thread's own stack) to mha_emu_access, which counts them.
  void instrumentAccesses() {
    DataLayout dl(module);
    Type ptr = LLVM::LLVMPointerType::get(module.getContext());
    auto classify = [](Value addr) -> int {
      auto type = cast<LLVM::LLVMPointerType>(addr.getType());
      if (type.getAddressSpace() == kSharedAddressSpace)
        return LdShared;
      if (type.getAddressSpace() != 0 && type.getAddressSpace() != 1)
        return -1;
      while (auto gep = addr.getDefiningOp<LLVM::GEPOp>())
        addr = gep.getBase();
      if (addr.getDefiningOp<LLVM::AllocaOp>())
        return -1;
      return LdGlobal;
    };
    module.walk([&](Operation *op) {
      Value addr;
      Type valueType;
      bool store = false;
      if (auto load = dyn_cast<LLVM::LoadOp>(op)) {
        addr = load.getAddr();
        valueType = load.getType();
      } else if (auto st = dyn_cast<LLVM::StoreOp>(op)) {
        addr = st.getAddr();
        valueType = st.getValue().getType();
        store = true;
      } else {
        return;
      }
      int cls = classify(addr);
      if (cls < 0)
        return;
      if (store)
        cls = cls == LdShared ? StShared : StGlobal;
      OpBuilder b(op);
      Location loc = op->getLoc();
      Type i32 = b.getI32Type();
      Value generic = LLVM::AddrSpaceCastOp::create(b, loc, ptr, addr);
      call(b, loc, "mha_emu_access", LLVM::LLVMVoidType::get(b.getContext()),
           {generic,
            LLVM::ConstantOp::create(b, loc, i32,
                                     int32_t(dl.getTypeSize(valueType))),
            LLVM::ConstantOp::create(b, loc, i32, cls),
            LLVM::ConstantOp::create(b, loc, i32, numSites++)});
    });
  }

  /// Places the shared (address space 3) variables of every function as
  /// ptxas does: after the block's reserved bytes, the static variables the
  /// function uses, in declaration order, each at its alignment (a
  /// zero-sized array that is not extern takes one byte, as NVPTX prints it
  /// as a scalar `.b8`); then the dynamic shared memory, which every
  /// extern zero-sized array names, at the first address aligned for it
  /// after the static ones.
  LogicalResult layoutSharedMemory() {
    DataLayout dl(module);
    SmallVector<LLVM::GlobalOp> globals;
    for (auto global : module.getOps<LLVM::GlobalOp>())
      if (global.getAddrSpace() == kSharedAddressSpace) {
        globals.push_back(global);
        sharedGlobals.insert(global.getSymNameAttr());
      }
    for (auto fn : module.getOps<LLVM::LLVMFuncOp>()) {
      llvm::SmallPtrSet<Operation *, 4> used;
      fn.walk([&](LLVM::AddressOfOp addr) {
        if (sharedGlobals.contains(addr.getGlobalNameAttr().getAttr()))
          used.insert(module.lookupSymbol(addr.getGlobalNameAttr()));
      });
      SharedLayout layout;
      int64_t offset = kReservedSharedBytes, dynamicAlign = 16;
      llvm::DenseMap<StringAttr, int64_t> offsets;
      SmallVector<LLVM::GlobalOp> dynamic;
      for (LLVM::GlobalOp g : globals) {
        if (!used.contains(g))
          continue;
        int64_t size = dl.getTypeSize(g.getGlobalType());
        int64_t align = std::max<int64_t>(g.getAlignment().value_or(1), 1);
        if (size == 0 && g.getLinkage() == LLVM::Linkage::External) {
          dynamic.push_back(g);
          dynamicAlign = std::max(dynamicAlign, align);
          continue;
        }
        offset = llvm::alignTo(offset, align);
        offsets[g.getSymNameAttr()] = offset;
        layout.variables.push_back({g.getSymName().str(), offset,
                                    std::max<int64_t>(size, 1)});
        offset += std::max<int64_t>(size, 1);
      }
      layout.staticEnd = offset;
      layout.dynamicBegin = llvm::alignTo(offset, dynamicAlign);
      for (LLVM::GlobalOp g : dynamic)
        offsets[g.getSymNameAttr()] = layout.dynamicBegin;
      fn.walk([&](LLVM::AddressOfOp addr) {
        auto it = offsets.find(addr.getGlobalNameAttr().getAttr());
        if (it != offsets.end())
          sharedOffsets[addr] = int32_t(it->second);
      });
      layouts[fn.getSymName()] = std::move(layout);
    }
    return success();
  }

  LLVM::LLVMFuncOp declare(StringRef name, Type result, TypeRange args) {
    if (auto fn = module.lookupSymbol<LLVM::LLVMFuncOp>(name))
      return fn;
    OpBuilder b(module.getBodyRegion());
    auto type = LLVM::LLVMFunctionType::get(result, llvm::to_vector(args));
    return LLVM::LLVMFuncOp::create(b, module.getLoc(), name, type);
  }

  Value call(OpBuilder &b, Location loc, StringRef name, Type result,
             ValueRange args) {
    auto fn = declare(name, result, args.getTypes());
    auto callOp = LLVM::CallOp::create(b, loc, fn, args);
    return isa<LLVM::LLVMVoidType>(result) ? Value() : callOp.getResult();
  }

  Value asI32(OpBuilder &b, Location loc, Value v) {
    Type i32 = b.getI32Type();
    if (v.getType() == i32)
      return v;
    return LLVM::BitcastOp::create(b, loc, i32, v);
  }

  LogicalResult rewrite(Operation *op) {
    MLIRContext *ctx = op->getContext();
    OpBuilder b(op);
    Location loc = op->getLoc();
    Type i32 = b.getI32Type(), f32 = b.getF32Type();
    Type voidTy = LLVM::LLVMVoidType::get(ctx);
    Type ptr = LLVM::LLVMPointerType::get(ctx);
    StringRef name = op->getName().getStringRef();

    if (auto cast = dyn_cast<LLVM::AddrSpaceCastOp>(op)) {
      cast.replaceAllUsesWith(cast.getArg());
      cast.erase();
      return success();
    }
    if (auto addr = dyn_cast<LLVM::AddressOfOp>(op)) {
      auto it = sharedOffsets.find(op);
      if (it != sharedOffsets.end()) {
        Value base = call(b, loc, "mha_emu_shared_base", ptr, ValueRange{});
        Value p = LLVM::GEPOp::create(b, loc, ptr, b.getI8Type(), base,
                                      ArrayRef<LLVM::GEPArg>{it->second});
        addr.replaceAllUsesWith(p);
        addr.erase();
      }
      return success();
    }
    if (name.consume_front("nvvm.read.ptx.sreg.")) {
      static const llvm::StringMap<int> codes = {
          {"tid.x", 0},   {"tid.y", 1},    {"tid.z", 2},     {"ctaid.x", 3},
          {"ctaid.y", 4}, {"ctaid.z", 5},  {"ntid.x", 6},    {"ntid.y", 7},
          {"ntid.z", 8},  {"nctaid.x", 9}, {"nctaid.y", 10}, {"nctaid.z", 11},
          {"laneid", 12}};
      auto it = codes.find(name);
      if (it == codes.end())
        return op->emitError("kernel emulator: unsupported special register");
      Value code = LLVM::ConstantOp::create(b, loc, i32, it->second);
      Value v = call(b, loc, "mha_emu_sreg", i32, code);
      if (op->getResult(0).getType() != i32)
        v = LLVM::ZExtOp::create(b, loc, op->getResult(0).getType(), v);
      op->replaceAllUsesWith(ValueRange{v});
      op->erase();
      return success();
    }
    if (auto bar = dyn_cast<NVVM::BarrierOp>(op);
        bar && (bar.getBarrierId() || bar.getNumberOfThreads())) {
      if (!bar.getBarrierId() || !bar.getNumberOfThreads() ||
          bar.getReductionOp() || !bar->use_empty())
        return op->emitError("kernel emulator: only bar.sync id, n is "
                             "emulated");
      call(b, loc, "mha_emu_named_barrier", voidTy,
           {bar.getBarrierId(), bar.getNumberOfThreads()});
      op->erase();
      return success();
    }
    if (name == "nvvm.barrier0" || name == "nvvm.barrier") {
      call(b, loc, "mha_emu_barrier", voidTy, ValueRange{});
      op->erase();
      return success();
    }
    if (auto shfl = dyn_cast<NVVM::ShflOp>(op)) {
      int kind = 0;
      switch (shfl.getKind()) {
      case NVVM::ShflKind::bfly:
        kind = 0;
        break;
      case NVVM::ShflKind::up:
        kind = 1;
        break;
      case NVVM::ShflKind::down:
        kind = 2;
        break;
      case NVVM::ShflKind::idx:
        kind = 3;
        break;
      }
      Type valueType = shfl.getVal().getType();
      Value k = LLVM::ConstantOp::create(b, loc, i32, kind);
      Value r = call(b, loc, "mha_emu_shfl", i32,
                     {k, asI32(b, loc, shfl.getVal()), shfl.getOffset()});
      if (valueType != i32)
        r = LLVM::BitcastOp::create(b, loc, valueType, r);
      Type resultType = shfl.getType();
      if (auto st = dyn_cast<LLVM::LLVMStructType>(resultType)) {
        Value s = LLVM::UndefOp::create(b, loc, st);
        s = LLVM::InsertValueOp::create(b, loc, s, r, ArrayRef<int64_t>{0});
        Value ok = LLVM::ConstantOp::create(b, loc, b.getI1Type(), 1);
        r = LLVM::InsertValueOp::create(b, loc, s, ok, ArrayRef<int64_t>{1});
      }
      shfl.replaceAllUsesWith(r);
      shfl.erase();
      return success();
    }
    if (auto mma = dyn_cast<NVVM::MmaOp>(op)) {
      NVVM::MMAShapeAttr shape = mma.getShape();
      if (shape.getM() != 16 || shape.getN() != 8 || shape.getK() != 16 ||
          mma.getOperandA().size() != 4 || mma.getOperandB().size() != 2 ||
          mma.getOperandC().size() != 4)
        return op->emitError("kernel emulator: only mma.sync m16n8k16 "
                             "f16/bf16 with f32 accumulators is emulated");
      bool bf16 = false;
      if (auto t = mma.getMultiplicandAPtxType())
        bf16 = *t == NVVM::MMATypes::bf16;
      // One 4 x f32 result slot per function, in its entry block.
      auto fn = op->getParentOfType<LLVM::LLVMFuncOp>();
      Value &slot = resultSlots[fn];
      if (!slot) {
        OpBuilder eb(&fn.getBody().front(), fn.getBody().front().begin());
        Value four = LLVM::ConstantOp::create(eb, loc, b.getI64Type(), 4);
        slot = LLVM::AllocaOp::create(eb, loc, ptr, f32, four);
      }
      SmallVector<Value> args = {LLVM::ConstantOp::create(b, loc, i32, bf16)};
      for (Value v : mma.getOperandA())
        args.push_back(asI32(b, loc, v));
      for (Value v : mma.getOperandB())
        args.push_back(asI32(b, loc, v));
      for (Value v : mma.getOperandC())
        args.push_back(v);
      args.push_back(slot);
      call(b, loc, "mha_emu_mma_m16n8k16", voidTy, args);
      auto st = cast<LLVM::LLVMStructType>(mma.getType());
      Value s = LLVM::UndefOp::create(b, loc, st);
      for (int64_t i = 0; i < 4; ++i) {
        Value p = LLVM::GEPOp::create(b, loc, ptr, f32, slot,
                                      ArrayRef<LLVM::GEPArg>{int32_t(i)});
        Value x = LLVM::LoadOp::create(b, loc, f32, p);
        s = LLVM::InsertValueOp::create(b, loc, s, x, ArrayRef<int64_t>{i});
      }
      mma.replaceAllUsesWith(s);
      mma.erase();
      return success();
    }
    if (auto mma = dyn_cast<NVVM::WgmmaMmaAsyncOp>(op)) {
      NVVM::MMAShapeAttr shape = mma.getShape();
      bool f16 = mma.getTypeA() == NVVM::WGMMATypes::f16;
      if (shape.getM() != 64 || shape.getK() != 16 ||
          (!f16 && mma.getTypeA() != NVVM::WGMMATypes::bf16) ||
          mma.getTypeB() != mma.getTypeA() ||
          mma.getTypeD() != NVVM::WGMMATypes::f32 ||
          mma.getLayoutA() != NVVM::MMALayout::row)
        return op->emitError("kernel emulator: only wgmma m64nNk16 f32 += "
                             "f16/bf16 * f16/bf16 with a K-major A (row) is "
                             "emulated");
      // layout B row: imm-trans-b = 1, B is N-major.
      bool transB = mma.getLayoutB() == NVVM::MMALayout::row;
      int64_t n = shape.getN();
      auto fn = op->getParentOfType<LLVM::LLVMFuncOp>();
      Value &slot = wgmmaSlots[fn];
      if (!slot) {
        OpBuilder eb(&fn.getBody().front(), fn.getBody().front().begin());
        Value count = LLVM::ConstantOp::create(eb, loc, b.getI64Type(), 128);
        slot = LLVM::AllocaOp::create(eb, loc, ptr, f32, count);
      }
      auto elementPtr = [&](int64_t i) {
        return LLVM::GEPOp::create(b, loc, ptr, f32, slot,
                                   ArrayRef<LLVM::GEPArg>{int32_t(i)});
      };
      bool scaleD = mma.getScaleD() == NVVM::WGMMAScaleOut::one;
      for (int64_t i = 0; scaleD && i < n / 2; ++i)
        LLVM::StoreOp::create(
            b, loc, LLVM::ExtractValueOp::create(b, loc, mma.getInouts(), i),
            elementPtr(i));
      call(b, loc, "mha_emu_wgmma", voidTy,
           {LLVM::ConstantOp::create(b, loc, i32, n),
            LLVM::ConstantOp::create(b, loc, i32, f16 ? 0 : 1),
            LLVM::ConstantOp::create(b, loc, i32, scaleD ? 1 : 0),
            LLVM::ConstantOp::create(b, loc, i32, transB ? 1 : 0),
            mma.getDescriptorA(), mma.getDescriptorB(), slot});
      Value s = LLVM::UndefOp::create(b, loc, mma.getType());
      for (int64_t i = 0; i < n / 2; ++i)
        s = LLVM::InsertValueOp::create(
            b, loc, s, LLVM::LoadOp::create(b, loc, f32, elementPtr(i)),
            ArrayRef<int64_t>{i});
      mma.replaceAllUsesWith(s);
      mma.erase();
      return success();
    }
    // Fences that order an mbarrier's initialisation before its use by TMA.
    auto fence = dyn_cast<NVVM::FenceProxyOp>(op);
    if ((fence && (fence.getKind() == NVVM::ProxyKind::async ||
                   fence.getKind() == NVVM::ProxyKind::async_shared)) ||
        isa<NVVM::FenceMbarrierInitOp>(op)) {
      call(b, loc, "mha_emu_fence_mbarrier_init", voidTy, ValueRange{});
      op->erase();
      return success();
    }
    // The emulator runs wgmma synchronously and has one memory proxy.
    if (name == "nvvm.wgmma.fence.aligned" ||
        name == "nvvm.wgmma.commit.group.sync.aligned" ||
        name == "nvvm.wgmma.wait.group.sync.aligned" || fence) {
      op->erase();
      return success();
    }
    auto predicateOf = [&](Value p) -> Value {
      if (!p)
        return LLVM::ConstantOp::create(b, loc, i32, 1);
      return LLVM::ZExtOp::create(b, loc, i32, p);
    };
    if (auto init = dyn_cast<NVVM::MBarrierInitOp>(op)) {
      call(b, loc, "mha_emu_mbar_init", voidTy,
           {init.getAddr(), init.getCount(), predicateOf(init.getPredicate())});
      init.erase();
      return success();
    }
    if (auto arrive = dyn_cast<NVVM::MBarrierArriveExpectTxOp>(op)) {
      if (!arrive->use_empty())
        return op->emitError("kernel emulator: the state result of "
                             "mbarrier.arrive.expect_tx is not emulated");
      call(b, loc, "mha_emu_mbar_expect_tx", voidTy,
           {arrive.getAddr(), arrive.getTxcount(),
            predicateOf(arrive.getPredicate())});
      arrive.erase();
      return success();
    }
    if (auto arrive = dyn_cast<NVVM::MBarrierArriveOp>(op)) {
      if (arrive.getCount() || arrive.getRelaxed())
        return op->emitError("kernel emulator: only mbarrier.arrive with the "
                             "default count and release semantics is "
                             "emulated");
      call(b, loc, "mha_emu_mbar_arrive", voidTy, {arrive.getAddr()});
      if (arrive.getRes())
        arrive.getRes().replaceAllUsesWith(
            LLVM::ConstantOp::create(b, loc, b.getI64Type(), 0).getResult());
      arrive.erase();
      return success();
    }
    if (auto wait = dyn_cast<NVVM::MBarrierTryWaitParityOp>(op)) {
      call(b, loc, "mha_emu_mbar_wait", voidTy,
           {wait.getAddr(), wait.getPhase()});
      wait.erase();
      return success();
    }
    if (auto tma =
            dyn_cast<NVVM::CpAsyncBulkTensorGlobalToSharedClusterOp>(op)) {
      auto coords = tma.getCoordinates();
      if (coords.size() != 2 || tma.getMulticastMask())
        return op->emitError("kernel emulator: only 2-D TMA loads without "
                             "multicast are emulated");
      call(b, loc, "mha_emu_tma_load", voidTy,
           {tma.getDstMem(), tma.getTmaDescriptor(), tma.getMbar(),
            LLVM::ConstantOp::create(b, loc, i32, 2), coords[0], coords[1],
            predicateOf(tma.getPredicate())});
      tma.erase();
      return success();
    }
    if (auto ld = dyn_cast<NVVM::LdMatrixOp>(op)) {
      int64_t num = ld.getNum();
      auto st = dyn_cast<LLVM::LLVMStructType>(ld.getType());
      if (ld.getShape().getM() != 8 || ld.getShape().getN() != 8 || !st)
        return op->emitError("kernel emulator: only ldmatrix m8n8.x2/x4 of "
                             "b16 is emulated");
      auto fn = op->getParentOfType<LLVM::LLVMFuncOp>();
      Value &slot = ldmatrixSlots[fn];
      if (!slot) {
        OpBuilder eb(&fn.getBody().front(), fn.getBody().front().begin());
        Value four = LLVM::ConstantOp::create(eb, loc, b.getI64Type(), 4);
        slot = LLVM::AllocaOp::create(eb, loc, ptr, i32, four);
      }
      bool trans = ld.getLayout() == NVVM::MMALayout::col;
      call(b, loc, "mha_emu_ldmatrix", voidTy,
           {ld.getPtr(), LLVM::ConstantOp::create(b, loc, i32, num),
            LLVM::ConstantOp::create(b, loc, i32, trans ? 1 : 0), slot});
      Value s = LLVM::UndefOp::create(b, loc, st);
      for (int64_t i = 0; i < num; ++i) {
        Value p = LLVM::GEPOp::create(b, loc, ptr, i32, slot,
                                      ArrayRef<LLVM::GEPArg>{int32_t(i)});
        s = LLVM::InsertValueOp::create(b, loc, s,
                                        LLVM::LoadOp::create(b, loc, i32, p),
                                        ArrayRef<int64_t>{i});
      }
      ld.replaceAllUsesWith(s);
      ld.erase();
      return success();
    }
    if (auto cp = dyn_cast<NVVM::CpAsyncOp>(op)) {
      Value size = LLVM::ConstantOp::create(b, loc, i32, cp.getSize());
      Value srcSize = cp.getCpSize() ? cp.getCpSize() : size;
      call(b, loc, "mha_emu_cp_async", voidTy,
           {cp.getDst(), cp.getSrc(), size, asI32(b, loc, srcSize),
            LLVM::ConstantOp::create(b, loc, i32, numSites++)});
      cp.erase();
      return success();
    }
    if (name == "nvvm.cp.async.commit.group") {
      call(b, loc, "mha_emu_cp_commit", voidTy, ValueRange{});
      op->erase();
      return success();
    }
    if (auto wait = dyn_cast<NVVM::CpAsyncWaitGroupOp>(op)) {
      Value n = LLVM::ConstantOp::create(b, loc, i32, wait.getN());
      call(b, loc, "mha_emu_cp_wait", voidTy, n);
      wait.erase();
      return success();
    }
    if (name.starts_with("nvvm."))
      return op->emitError("kernel emulator: unsupported NVVM op ") << name;
    (void)f32;
    return success();
  }

  ModuleOp module;
  llvm::DenseMap<Operation *, Value> resultSlots, wgmmaSlots, ldmatrixSlots;
  llvm::DenseSet<StringAttr> sharedGlobals;
  llvm::DenseMap<Operation *, int32_t> sharedOffsets;
};

//===----------------------------------------------------------------------===//
// mgpu* runtime emulation
//===----------------------------------------------------------------------===//

KernelEmulator *activeEmulator = nullptr;

void activeEmulatorError(const std::string &message) {
  if (activeEmulator)
    activeEmulator->recordError(message);
}

StreamOrder &streamOrder() { return activeEmulator->getStreamOrder(); }

void raceError(const std::string &message) {
  if (!message.empty())
    activeEmulatorError(message);
}

/// A device buffer of the emulated runtime (host memory, 256-byte aligned).
void *deviceAllocate(uint64_t size, std::string what) {
  void *p =
      std::aligned_alloc(256, std::max<uint64_t>(256, (size + 255) & ~255));
  streamOrder().allocate(p, size, std::move(what));
  return p;
}

extern "C" {
/// cuTensorMapEncodeTiled on host memory: what mha_emu_tma_load needs.
/// Like the runtime, the descriptor is copied to device memory (a
/// cuMemcpyHtoD on the legacy stream, then synchronised) and kept forever.
static void *emuTensorMapEncodeTiledMemref(int64_t rank, void *descriptor,
                                           int64_t dataType, int64_t,
                                           int64_t swizzle, int64_t, int64_t,
                                           int64_t *boxDims) {
  static const int64_t elementBytes[] = {1, 2, 4, 4, 8, 8, 2, 4, 8, 2, 4, 4, 4};
  if (rank < 1 || rank > 5 || dataType < 0 || dataType > 12 || swizzle) {
    activeEmulatorError("kernel emulator: unsupported tensor map (rank " +
                        std::to_string(rank) + ", swizzle " +
                        std::to_string(swizzle) + ")");
    return nullptr;
  }
  EmuTensorMap map;
  const int64_t *d = static_cast<const int64_t *>(descriptor);
  map.rank = int32_t(rank);
  map.elementBytes = int32_t(elementBytes[dataType]);
  map.base = reinterpret_cast<const uint8_t *>(d[1]) + d[2] * map.elementBytes;
  for (int64_t i = 0; i < rank; ++i) {
    map.sizes[i] = d[3 + i];
    map.strides[i] = d[3 + rank + i];
    map.box[i] = int32_t(boxDims[i]);
  }
  void *copy = deviceAllocate(128, "mgpuTensorMapEncodeTiledMemref");
  std::memcpy(copy, &map, sizeof(map));
  StreamOrder &order = streamOrder();
  order.enqueue(nullptr);
  raceError(order.access(copy, nullptr, /*write=*/true,
                         "mgpuTensorMapEncodeTiledMemref's cuMemcpyHtoD"));
  order.synchronize(nullptr);
  return copy;
}

/// The runtime's mhaRuntimeEncodeTensorMap2D: into host memory.
static void emuEncodeTensorMap2D(void *out, int64_t dataType, void *global,
                                 int64_t rows, int64_t cols,
                                 int64_t rowStrideBytes, int64_t boxRows,
                                 int64_t boxCols) {
  static const int64_t elementBytes[] = {1, 2, 4, 4, 8, 8, 2, 4, 8, 2, 4, 4, 4};
  if (!out || dataType < 0 || dataType > 12 ||
      reinterpret_cast<uintptr_t>(out) % 64 ||
      rowStrideBytes % elementBytes[dataType])
    return activeEmulatorError(
        "mhaRuntimeEncodeTensorMap2D: no 64-byte aligned output, unsupported "
        "data type or a row stride that is not a multiple of the element");
  EmuTensorMap map;
  map.rank = 2;
  map.elementBytes = int32_t(elementBytes[dataType]);
  map.base = static_cast<const uint8_t *>(global);
  map.sizes[0] = rows;
  map.sizes[1] = cols;
  map.strides[0] = rowStrideBytes / map.elementBytes;
  map.strides[1] = 1;
  map.box[0] = int32_t(boxRows);
  map.box[1] = int32_t(boxCols);
  std::memset(out, 0, 128);
  std::memcpy(out, &map, sizeof(map));
}

static int64_t emuNumSMs(int64_t fallback) {
  int64_t sms = activeEmulator->getDeviceSMs();
  return sms > 0 ? sms : fallback;
}

static void *emuModuleLoad(void *, uint64_t) { return activeEmulator; }
static void emuModuleUnload(void *) {}
static void *emuModuleGetFunction(void *, const char *name) {
  return const_cast<char *>(name);
}
static void emuLaunchKernel(void *function, int64_t gx, int64_t gy, int64_t gz,
                            int64_t bx, int64_t by, int64_t bz, int32_t smem,
                            void *stream, void **params, void **, int64_t) {
  auto *kernel = static_cast<const char *>(function);
  // The launch reads and writes every device buffer it is given.
  StreamOrder &order = streamOrder();
  order.enqueue(stream);
  if (const std::vector<int> *pointers =
          activeEmulator->getPointerParams(kernel))
    for (int i : *pointers)
      for (bool write : {false, true})
        raceError(order.access(*static_cast<void **>(params[i]), stream, write,
                               std::string("the launch of ") + kernel));
  if (llvm::Error err = activeEmulator->launch(kernel, {gx, gy, gz},
                                               {bx, by, bz}, smem, params))
    activeEmulator->recordError(llvm::toString(std::move(err)));
}
static void *emuStreamCreate() { return streamOrder().createStream(); }
static void emuStreamNoop(void *) {}
static void emuStreamSynchronize(void *stream) {
  streamOrder().synchronize(stream);
}
static void *emuMemAlloc(uint64_t size, void *, bool) {
  return deviceAllocate(size, "mgpuMemAlloc");
}
static void emuMemFree(void *p, void *) {
  streamOrder().free(p);
  std::free(p);
}
// As mgpuMemcpy: an empty copy (whose pointers may be null) does nothing.
static void emuMemcpy(void *dst, void *src, uint64_t size, void *stream) {
  if (size == 0)
    return;
  if (!dst || !src)
    return activeEmulator->recordError("mgpuMemcpy: null pointer");
  StreamOrder &order = streamOrder();
  order.enqueue(stream);
  raceError(order.access(src, stream, /*write=*/false, "mgpuMemcpy"));
  raceError(order.access(dst, stream, /*write=*/true, "mgpuMemcpy"));
  std::memmove(dst, src, size);
}
static void emuMemset32(void *dst, int32_t value, uint64_t count,
                        void *stream) {
  StreamOrder &order = streamOrder();
  order.enqueue(stream);
  raceError(order.access(dst, stream, /*write=*/true, "mgpuMemset32"));
  auto *p = static_cast<int32_t *>(dst);
  for (uint64_t i = 0; i < count; ++i)
    p[i] = value;
}
static void *emuEventCreate() { return streamOrder().createEvent(); }
static void emuEventNoop(void *) {}
static void emuEventSynchronize(void *event) {
  streamOrder().synchronizeEvent(event);
}
static void emuEventRecord(void *event, void *stream) {
  streamOrder().record(event, stream);
}
static void emuStreamWaitEvent(void *stream, void *event) {
  streamOrder().wait(stream, event);
}
}

} // namespace

//===----------------------------------------------------------------------===//
// KernelEmulator
//===----------------------------------------------------------------------===//

KernelEmulator::~KernelEmulator() {
  if (activeEmulator == this)
    activeEmulator = nullptr;
}

llvm::Expected<std::unique_ptr<KernelEmulator>>
KernelEmulator::create(ModuleOp module) {
  static bool initialized = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    return true;
  }();
  (void)initialized;
  MLIRContext *ctx = module.getContext();
  OwningOpRef<ModuleOp> host = ModuleOp::create(module.getLoc());
  OpBuilder b(host->getBodyRegion());
  bool found = false;
  module.walk([&](gpu::GPUModuleOp gm) {
    found = true;
    for (Operation &op : gm.getBody()->getOperations())
      b.clone(op);
  });
  if (!found)
    return llvm::createStringError("kernel emulator: no gpu.module");

  std::string diagnostics;
  llvm::raw_string_ostream os(diagnostics);
  ScopedDiagnosticHandler handler(ctx, [&](Diagnostic &d) {
    os << d << "\n";
    return success();
  });
  // The pointer parameters of every kernel, before the host rewrite.
  std::map<std::string, std::vector<int>> pointerParamFns;
  host->walk([&](LLVM::LLVMFuncOp fn) {
    if (fn.isExternal())
      return;
    std::vector<int> &pointers = pointerParamFns[fn.getSymName().str()];
    for (auto [i, type] : llvm::enumerate(fn.getArgumentTypes()))
      if (isa<LLVM::LLVMPointerType>(type))
        pointers.push_back(int(i));
  });
  Hostifier hostifier(*host);
  if (failed(hostifier.run()))
    return llvm::createStringError("kernel emulator: " + diagnostics);

  // The kernels convert f32 to f16/bf16 as GPUs do, in one instruction;
  // the host JIT compiles for a generic CPU, where LLVM would call the
  // compiler runtime instead (__truncsfbf2 is missing from older libgcc).
  PassManager expand(ctx);
  expand.addNestedPass<LLVM::LLVMFuncOp>(
      mha::createMHAExpandFloatConversions());
  if (failed(expand.run(*host)))
    return llvm::createStringError("kernel emulator: " + diagnostics);
  if (std::getenv("MHA_EMULATOR_DUMP"))
    host->print(llvm::errs());
  ExecutionEngineOptions options;
  auto transformer = makeOptimizingTransformer(2, 0, nullptr);
  options.transformer = transformer;
  auto memoryMapper = std::make_unique<runner::JitMemoryMapper>();
  options.sectionMemoryMapper = memoryMapper.get();
  auto engine = ExecutionEngine::create(*host, options);
  if (!engine)
    return llvm::createStringError(
        "kernel emulator: JIT failed: " + llvm::toString(engine.takeError()) +
        "\n" + diagnostics);
  (*engine)->registerSymbols([](llvm::orc::MangleAndInterner interner) {
    llvm::orc::SymbolMap map;
    auto add = [&](const char *name, void *fn) {
      map[interner(name)] = {llvm::orc::ExecutorAddr::fromPtr(fn),
                             llvm::JITSymbolFlags::Exported};
    };
    add("mha_emu_sreg", reinterpret_cast<void *>(&mha_emu_sreg));
    add("mha_emu_barrier", reinterpret_cast<void *>(&mha_emu_barrier));
    add("mha_emu_named_barrier",
        reinterpret_cast<void *>(&mha_emu_named_barrier));
    add("mha_emu_mbar_arrive", reinterpret_cast<void *>(&mha_emu_mbar_arrive));
    add("mha_emu_access", reinterpret_cast<void *>(&mha_emu_access));
    add("mha_emu_shared_base", reinterpret_cast<void *>(&mha_emu_shared_base));
    add("mha_emu_shfl", reinterpret_cast<void *>(&mha_emu_shfl));
    add("mha_emu_mma_m16n8k16",
        reinterpret_cast<void *>(&mha_emu_mma_m16n8k16));
    add("mha_emu_cp_async", reinterpret_cast<void *>(&mha_emu_cp_async));
    add("mha_emu_wgmma", reinterpret_cast<void *>(&mha_emu_wgmma));
    add("mha_emu_ldmatrix", reinterpret_cast<void *>(&mha_emu_ldmatrix));
    add("mha_emu_mbar_init", reinterpret_cast<void *>(&mha_emu_mbar_init));
    add("mha_emu_fence_mbarrier_init",
        reinterpret_cast<void *>(&mha_emu_fence_mbarrier_init));
    add("mha_emu_mbar_expect_tx",
        reinterpret_cast<void *>(&mha_emu_mbar_expect_tx));
    add("mha_emu_mbar_wait", reinterpret_cast<void *>(&mha_emu_mbar_wait));
    add("mha_emu_tma_load", reinterpret_cast<void *>(&mha_emu_tma_load));
    add("mha_emu_cp_commit", reinterpret_cast<void *>(&mha_emu_cp_commit));
    add("mha_emu_cp_wait", reinterpret_cast<void *>(&mha_emu_cp_wait));
    add("__nv_exp2f", reinterpret_cast<void *>(&mha_emu_exp2f));
    add("__nv_expf", reinterpret_cast<void *>(&mha_emu_expf));
    add("__nv_log2f", reinterpret_cast<void *>(&mha_emu_log2f));
    return map;
  });
  auto result = std::unique_ptr<KernelEmulator>(new KernelEmulator());
  for (auto fn : pointerParamFns)
    result->pointerParams[fn.first] = fn.second;
  for (auto &entry : hostifier.layouts)
    result->sharedLayouts[entry.getKey().str()] = entry.getValue();
  result->numAccessSites = hostifier.numSites;
  result->memoryMapper = std::move(memoryMapper);
  result->engine = std::move(*engine);
  return result;
}

llvm::Error KernelEmulator::launch(llvm::StringRef kernel,
                                   std::array<int64_t, 3> grid,
                                   std::array<int64_t, 3> block,
                                   int64_t sharedBytes, void **params) {
  auto fn = engine->lookupPacked(kernel);
  if (!fn)
    return fn.takeError();
  int64_t threads = block[0] * block[1] * block[2];
  if (threads <= 0 || threads % 32 != 0)
    return llvm::createStringError(
        "kernel emulator: block size must be a positive multiple of 32");
  ++numLaunches;
  launchGrids[kernel.str()].push_back(grid);

  BlockRun state;
  state.kernel = *fn;
  state.params = params;
  std::copy(block.begin(), block.end(), state.blockDim);
  std::copy(grid.begin(), grid.end(), state.gridDim);
  state.warps.resize(threads / 32);
  for (Barrier &w : state.warps)
    w.count = 32;
  state.block.count = int(threads);
  state.exchange.resize(size_t(threads) * kExchangeWords);
  state.fibers.resize(threads);
  for (Fiber &f : state.fibers)
    f.stack.reset(new char[kStackBytes]);
  const SharedLayout *layout = getSharedLayout(kernel);
  int64_t sharedEnd =
      (layout ? layout->dynamicBegin : kReservedSharedBytes) + sharedBytes;
  if (sharedEnd > kMaxSharedBytesPerBlock)
    return llvm::createStringError(
        "kernel emulator: " + kernel.str() + " needs " +
        std::to_string(sharedEnd) + " bytes of shared memory (static, " +
        std::to_string(sharedBytes) + " dynamic and the reserved " +
        std::to_string(kReservedSharedBytes) + "), more than a block has (" +
        std::to_string(kMaxSharedBytesPerBlock) + ")");
  constexpr size_t kSharedAlign = size_t(1) << 18;
  size_t sharedCapacity = kSharedAlign;
  std::unique_ptr<uint8_t, void (*)(void *)> sharedBuffer(
      static_cast<uint8_t *>(std::aligned_alloc(kSharedAlign, sharedCapacity)),
      std::free);
  state.shared = sharedBuffer.get();
  state.sharedEnd = sharedEnd;
  state.counts = &counts[kernel.str()];
  BlockRun *saved = run;
  run = &state;

  for (int64_t bz = 0; bz < grid[2] && state.error.empty(); ++bz)
    for (int64_t by = 0; by < grid[1] && state.error.empty(); ++by)
      for (int64_t bx = 0; bx < grid[0] && state.error.empty(); ++bx) {
        state.blockId[0] = bx;
        state.blockId[1] = by;
        state.blockId[2] = bz;
        // Fresh shared memory with a recognisable pattern: kernels must not
        // read what they did not write.
        std::memset(state.shared, 0xA5, sharedCapacity);
        state.mbarriers.clear();
        state.tmaRegions.clear();
        state.named.clear();
        state.block.arrivals.assign(threads + kMaxClockedMBarriers, 0);
        for (int64_t i = 0; i < threads; ++i) {
          Fiber &f = state.fibers[i];
          f.done = false;
          f.waiting = nullptr;
          f.pendingCopies.clear();
          f.committedGroups = 0;
          f.siteCount.assign(numAccessSites, 0);
          f.linearTid = int(i);
          f.clock.assign(threads + kMaxClockedMBarriers, 0);
          f.clock[i] = 1;
          f.tid[0] = int(i % block[0]);
          f.tid[1] = int((i / block[0]) % block[1]);
          f.tid[2] = int(i / (block[0] * block[1]));
          getcontext(&f.context);
          f.context.uc_stack.ss_sp = f.stack.get();
          f.context.uc_stack.ss_size = kStackBytes;
          f.context.uc_link = &state.scheduler;
          makecontext(&f.context, reinterpret_cast<void (*)()>(&fiberMain), 1,
                      int(i));
        }
        int64_t remaining = threads;
        while (remaining > 0) {
          bool progressed = false;
          for (Fiber &f : state.fibers) {
            if (f.done ||
                (f.waiting && f.waiting->generation == f.waitGeneration))
              continue;
            f.waiting = nullptr;
            state.current = &f;
            swapcontext(&state.scheduler, &f.context);
            progressed = true;
            if (f.done)
              --remaining;
          }
          if (remaining == 0)
            flushGroups(); // lanes that skipped the rest of a site
          if (!progressed) {
            run = saved;
            state.groups.clear();
            return llvm::createStringError(
                "kernel emulator: deadlock in block (" + std::to_string(bx) +
                ", " + std::to_string(by) + ", " + std::to_string(bz) +
                "): a barrier or warp collective is not reached by all "
                "threads");
          }
        }
      }
  run = saved;
  if (!state.error.empty())
    return llvm::createStringError(state.error);
  return llvm::Error::success();
}

const KernelCounts &KernelEmulator::getCounts(llvm::StringRef kernel) const {
  static const KernelCounts none;
  auto it = counts.find(kernel);
  return it == counts.end() ? none : it->second;
}

const std::vector<int> *
KernelEmulator::getPointerParams(llvm::StringRef kernel) const {
  auto it = pointerParams.find(kernel);
  return it == pointerParams.end() ? nullptr : &it->second;
}

//===----------------------------------------------------------------------===//
// StreamOrder
//===----------------------------------------------------------------------===//

void *StreamOrder::createStream() {
  handles.push_back(std::make_unique<char>());
  streams[handles.back().get()];
  return handles.back().get();
}

void *StreamOrder::createEvent() {
  handles.push_back(std::make_unique<char>());
  return handles.back().get();
}

void StreamOrder::allocate(const void *p, uint64_t size, std::string what) {
  buffers[reinterpret_cast<uintptr_t>(p)] = Buffer{size, std::move(what)};
}

void StreamOrder::free(const void *p) {
  buffers.erase(reinterpret_cast<uintptr_t>(p));
}

void StreamOrder::enqueue(const void *stream) { ++streams[stream].seq; }

static std::string streamName(const void *stream) {
  if (!stream)
    return "the legacy stream";
  std::ostringstream os;
  os << "stream " << stream;
  return os.str();
}

std::string StreamOrder::access(const void *p, const void *stream, bool write,
                                const std::string &what) {
  auto address = reinterpret_cast<uintptr_t>(p);
  auto it = buffers.upper_bound(address);
  if (it == buffers.begin())
    return "";
  --it;
  Buffer &buffer = it->second;
  if (address >= it->first + std::max<uint64_t>(buffer.size, 1))
    return "";
  std::string race;
  if (buffer.writeSeq != 0 && buffer.writeStream != stream) {
    const void *w = buffer.writeStream;
    Stream &s = streams[stream];
    bool ordered = buffer.writeSeq <= streams[w].completed ||
                   buffer.writeSeq <= s.waited[w];
    if (!ordered)
      race = "stream race: " + what + " on " + streamName(stream) +
             (write ? " writes" : " reads") + " the device buffer of " +
             std::to_string(buffer.size) + " bytes made by " + buffer.what +
             ", which " + buffer.writer + " wrote on " + streamName(w) +
             " with nothing ordering the two";
  }
  if (write) {
    buffer.writeStream = stream;
    buffer.writeSeq = streams[stream].seq;
    buffer.writer = what;
  }
  return race;
}

void StreamOrder::synchronize(const void *stream) {
  Stream &s = streams[stream];
  s.completed = s.seq;
}

void StreamOrder::record(const void *event, const void *stream) {
  events[event] = {stream, streams[stream].seq};
}

void StreamOrder::wait(const void *stream, const void *event) {
  auto it = events.find(event);
  if (it == events.end())
    return;
  uint64_t &waited = streams[stream].waited[it->second.first];
  waited = std::max(waited, it->second.second);
}

void StreamOrder::synchronizeEvent(const void *event) {
  auto it = events.find(event);
  if (it == events.end())
    return;
  uint64_t &completed = streams[it->second.first].completed;
  completed = std::max(completed, it->second.second);
}

std::vector<std::string> StreamOrder::liveBuffers() const {
  std::vector<std::string> live;
  for (auto &[address, buffer] : buffers)
    live.push_back(buffer.what + " (" + std::to_string(buffer.size) +
                   " bytes)");
  return live;
}

const SharedLayout *
KernelEmulator::getSharedLayout(llvm::StringRef kernel) const {
  auto it = sharedLayouts.find(kernel);
  return it == sharedLayouts.end() ? nullptr : &it->second;
}

std::vector<std::pair<std::string, void *>> KernelEmulator::runtimeSymbols() {
  activeEmulator = this;
  auto fn = [](auto *f) { return reinterpret_cast<void *>(f); };
  return {
      {"mgpuModuleLoad", fn(&emuModuleLoad)},
      {"mgpuModuleLoadJIT", fn(&emuModuleLoad)},
      {"mgpuModuleUnload", fn(&emuModuleUnload)},
      {"mgpuModuleGetFunction", fn(&emuModuleGetFunction)},
      {"mgpuLaunchKernel", fn(&emuLaunchKernel)},
      {"mgpuStreamCreate", fn(&emuStreamCreate)},
      {"mgpuStreamDestroy", fn(&emuStreamNoop)},
      {"mgpuStreamSynchronize", fn(&emuStreamSynchronize)},
      {"mgpuStreamWaitEvent", fn(&emuStreamWaitEvent)},
      {"mgpuEventCreate", fn(&emuEventCreate)},
      {"mgpuEventDestroy", fn(&emuEventNoop)},
      {"mgpuEventSynchronize", fn(&emuEventSynchronize)},
      {"mgpuEventRecord", fn(&emuEventRecord)},
      {"mgpuMemAlloc", fn(&emuMemAlloc)},
      {"mgpuMemFree", fn(&emuMemFree)},
      {"mgpuMemcpy", fn(&emuMemcpy)},
      {"mgpuMemset32", fn(&emuMemset32)},
      {"mgpuTensorMapEncodeTiledMemref", fn(&emuTensorMapEncodeTiledMemref)},
      {"mhaRuntimeEncodeTensorMap2D", fn(&emuEncodeTensorMap2D)},
      {"mhaRuntimeNumSMs", fn(&emuNumSMs)}};
}
