//===- KernelEmulatorTest.cpp - The emulator's hardware model -------------===//
//
// Small hand-written NVVM kernels that check what the kernel emulator
// reports beyond results: the shared-memory layout ptxas gives, the faults
// hardware would show, and the per-instruction counts with bank conflicts.
//
//===----------------------------------------------------------------------===//

#include "KernelEmulator.h"

#include "mlir/Parser/Parser.h"

#include "gtest/gtest.h"

using namespace mlir;
using namespace mlir::mha::testing;

namespace {

using KernelEmulatorTest = EmulationTest<int>;

/// Every thread stores its id (i32) at shared byte `tid * stride`, with the
/// dynamic shared memory declared by `dynamicDecl` and one static i64
/// before it.
std::string storeKernel(const std::string &dynamicDecl) {
  return R"(gpu.module @m {
  llvm.mlir.global private @flag() {addr_space = 3 : i32, alignment = 8 : i64} : !llvm.array<1 x i64>
  )" + dynamicDecl +
         R"(
  llvm.func @k(%stride: i32) attributes {gpu.kernel, nvvm.kernel} {
    %tid = nvvm.read.ptx.sreg.tid.x : i32
    %flag = llvm.mlir.addressof @flag : !llvm.ptr<3>
    %c0 = llvm.mlir.constant(0 : i64) : i64
    llvm.store %c0, %flag : i64, !llvm.ptr<3>
    %base = llvm.mlir.addressof @dyn : !llvm.ptr<3>
    %off = llvm.mul %tid, %stride : i32
    %p = llvm.getelementptr %base[%off] : (!llvm.ptr<3>, i32) -> !llvm.ptr<3>, i8
    llvm.store %tid, %p : i32, !llvm.ptr<3>
    llvm.return
  }
}
)";
}

const char *kExternDynamic = "llvm.mlir.global external @dyn() {addr_space = "
                             "3 : i32, alignment = 128 : i64} : "
                             "!llvm.array<0 x i8>";
const char *kStaticDynamic = "llvm.mlir.global internal @dyn() {addr_space = "
                             "3 : i32, alignment = 16 : i64} : "
                             "!llvm.array<0 x i8>";

TEST_F(KernelEmulatorTest, SharedLayoutFollowsPtxas) {
  OwningOpRef<ModuleOp> module =
      parseSourceString<ModuleOp>(storeKernel(kExternDynamic), context.get());
  ASSERT_TRUE(module);
  auto emulator = KernelEmulator::create(*module);
  ASSERT_TRUE(bool(emulator)) << llvm::toString(emulator.takeError());
  const SharedLayout *layout = (*emulator)->getSharedLayout("k");
  ASSERT_TRUE(layout);
  // The static i64 after the reserved bytes, the extern array after it at
  // its alignment (ptxas: "128 bytes smem" for such a kernel).
  ASSERT_EQ(layout->variables.size(), 1u);
  EXPECT_EQ(layout->variables[0].name, "flag");
  EXPECT_EQ(layout->variables[0].offset, kReservedSharedBytes);
  EXPECT_EQ(layout->staticEnd, kReservedSharedBytes + 8);
  EXPECT_EQ(layout->dynamicBegin, kReservedSharedBytes + 128);
}

TEST_F(KernelEmulatorTest, NonExternDynamicSharedIsAOneByteStatic) {
  // NVPTX prints a non-extern zero-sized array as `.b8 dyn;`: ptxas places
  // it after @flag, and the launch's dynamic bytes after both.
  OwningOpRef<ModuleOp> module =
      parseSourceString<ModuleOp>(storeKernel(kStaticDynamic), context.get());
  ASSERT_TRUE(module);
  auto emulator = KernelEmulator::create(*module);
  ASSERT_TRUE(bool(emulator)) << llvm::toString(emulator.takeError());
  const SharedLayout *layout = (*emulator)->getSharedLayout("k");
  ASSERT_TRUE(layout);
  ASSERT_EQ(layout->variables.size(), 2u);
  EXPECT_EQ(layout->variables[1].name, "dyn");
  EXPECT_EQ(layout->variables[1].offset, kReservedSharedBytes + 16);
  EXPECT_EQ(layout->variables[1].size, 1);
}

/// Wavefronts of one warp's st.shared.b32 at byte stride `stride`.
struct StrideCase {
  int32_t stride;
  int64_t wavefronts;
};

class BankConflicts : public EmulationTest<StrideCase> {};

TEST_P(BankConflicts, CountsWavefronts) {
  OwningOpRef<ModuleOp> module =
      parseSourceString<ModuleOp>(storeKernel(kExternDynamic), context.get());
  ASSERT_TRUE(module);
  auto emulator = KernelEmulator::create(*module);
  ASSERT_TRUE(bool(emulator)) << llvm::toString(emulator.takeError());
  int32_t stride = GetParam().stride;
  void *params[] = {&stride};
  llvm::Error err = (*emulator)->launch("k", {2, 1, 1}, {64, 1, 1},
                                        64 * 132 + 4, params);
  ASSERT_FALSE(bool(err)) << llvm::toString(std::move(err));
  const KernelCounts &counts = (*emulator)->getCounts("k");
  ASSERT_TRUE(counts.count("st.shared"));
  const InstructionCounts &st = counts.at("st.shared");
  // 2 blocks x 2 warps x (the i64 store of @flag + the i32 store).
  EXPECT_EQ(st.instructions, 8);
  EXPECT_EQ(st.laneAccesses, 2 * 64 * 2);
  // @flag: every lane writes the same 8 bytes, in two half-warp phases.
  EXPECT_EQ(st.wavefronts, 4 * (2 + GetParam().wavefronts));
  EXPECT_EQ(st.bankConflicts(), 4 * (GetParam().wavefronts - 1));
}

INSTANTIATE_TEST_SUITE_P(
    Strides, BankConflicts,
    ::testing::Values(StrideCase{4, 1},    // a bank per lane
                      StrideCase{0, 1},    // one word: broadcast
                      StrideCase{8, 2},    // two lanes per bank
                      StrideCase{128, 32}, // every lane in bank 0
                      StrideCase{132, 1}), // padded rows: conflict-free
    [](const ::testing::TestParamInfo<StrideCase> &info) {
      return "stride" + std::to_string(info.param.stride);
    });

/// A two-warp K/V ring of one stage: thread 0 (the producer) TMA-loads a
/// 32 x 8 f16 box into the stage twice (rows 0-31, then 32-63), each on the
/// full barrier; warp 1 (the consumers) reads row `lane` of each fill into
/// out[lane] and out[32 + lane], arriving on the empty barrier after the
/// first. `mode` 1 drops the consumers' wait on the full barrier, mode 2
/// the producer's wait on the empty barrier.
const char *kRingKernel = R"(gpu.module @m {
  llvm.mlir.global external @dyn() {addr_space = 3 : i32, alignment = 128 : i64} : !llvm.array<0 x i8>
  llvm.func @ring(%map: !llvm.ptr, %mode: i32, %out: !llvm.ptr<1>) attributes {gpu.kernel, nvvm.kernel} {
    %tid = nvvm.read.ptx.sreg.tid.x : i32
    %c0 = llvm.mlir.constant(0 : i32) : i32
    %c1 = llvm.mlir.constant(1 : i32) : i32
    %c2 = llvm.mlir.constant(2 : i32) : i32
    %c16 = llvm.mlir.constant(16 : i32) : i32
    %c32 = llvm.mlir.constant(32 : i32) : i32
    %c512 = llvm.mlir.constant(512 : i32) : i32
    %ticks = llvm.mlir.constant(1000 : i32) : i32
    %base = llvm.mlir.addressof @dyn : !llvm.ptr<3>
    %full = llvm.getelementptr %base[0] : (!llvm.ptr<3>) -> !llvm.ptr<3>, i8
    %empty = llvm.getelementptr %base[8] : (!llvm.ptr<3>) -> !llvm.ptr<3>, i8
    %data = llvm.getelementptr %base[128] : (!llvm.ptr<3>) -> !llvm.ptr<3>, i8
    %dst = llvm.addrspacecast %data : !llvm.ptr<3> to !llvm.ptr<7>
    %is0 = llvm.icmp "eq" %tid, %c0 : i32
    llvm.cond_br %is0, ^init, ^sync
  ^init:
    nvvm.mbarrier.init %full, %c1 : !llvm.ptr<3>, i32
    nvvm.mbarrier.init %empty, %c32 : !llvm.ptr<3>, i32
    nvvm.fence.mbarrier.init
    llvm.br ^sync
  ^sync:
    nvvm.barrier0
    llvm.cond_br %is0, ^produce, ^other
  ^produce:
    nvvm.mbarrier.arrive.expect_tx %full, %c512 : !llvm.ptr<3>, i32
    nvvm.cp.async.bulk.tensor.shared.cluster.global %dst, %map, %full, box[%c0, %c0] : !llvm.ptr<7>, !llvm.ptr
    %skipEmpty = llvm.icmp "eq" %mode, %c2 : i32
    llvm.cond_br %skipEmpty, ^refill, ^waitEmpty
  ^waitEmpty:
    nvvm.mbarrier.try_wait.parity %empty, %c0, %ticks : !llvm.ptr<3>, i32, i32
    llvm.br ^refill
  ^refill:
    nvvm.mbarrier.arrive.expect_tx %full, %c512 : !llvm.ptr<3>, i32
    nvvm.cp.async.bulk.tensor.shared.cluster.global %dst, %map, %full, box[%c0, %c32] : !llvm.ptr<7>, !llvm.ptr
    llvm.return
  ^other:
    %consumer = llvm.icmp "uge" %tid, %c32 : i32
    llvm.cond_br %consumer, ^consume, ^done
  ^consume:
    %skipFull = llvm.icmp "eq" %mode, %c1 : i32
    llvm.cond_br %skipFull, ^read, ^waitFull
  ^waitFull:
    nvvm.mbarrier.try_wait.parity %full, %c0, %ticks : !llvm.ptr<3>, i32, i32
    llvm.br ^read
  ^read:
    %lane = llvm.sub %tid, %c32 : i32
    %off = llvm.mul %lane, %c16 : i32
    %p = llvm.getelementptr %data[%off] : (!llvm.ptr<3>, i32) -> !llvm.ptr<3>, i8
    %x = llvm.load %p : !llvm.ptr<3> -> i32
    %o0 = llvm.getelementptr %out[%lane] : (!llvm.ptr<1>, i32) -> !llvm.ptr<1>, i32
    llvm.store %x, %o0 : i32, !llvm.ptr<1>
    %token = nvvm.mbarrier.arrive %empty : !llvm.ptr<3> -> i64
    nvvm.mbarrier.try_wait.parity %full, %c1, %ticks : !llvm.ptr<3>, i32, i32
    %y = llvm.load %p : !llvm.ptr<3> -> i32
    %lane2 = llvm.add %lane, %c32 : i32
    %o1 = llvm.getelementptr %out[%lane2] : (!llvm.ptr<1>, i32) -> !llvm.ptr<1>, i32
    llvm.store %y, %o1 : i32, !llvm.ptr<1>
    llvm.return
  ^done:
    llvm.return
  }
}
)";

/// Runs kRingKernel in `mode`: the launch's error ("" if none); `out` gets
/// what the consumers read.
std::string runRing(MLIRContext *context, int32_t mode,
                    std::vector<int32_t> &out) {
  OwningOpRef<ModuleOp> module =
      parseSourceString<ModuleOp>(kRingKernel, context);
  if (!module)
    return "parse error";
  auto emulator = KernelEmulator::create(*module);
  if (!emulator)
    return llvm::toString(emulator.takeError());
  void *encode = nullptr;
  for (auto &[name, fn] : (*emulator)->runtimeSymbols())
    if (name == "mhaRuntimeEncodeTensorMap2D")
      encode = fn;
  if (!encode)
    return "no mhaRuntimeEncodeTensorMap2D";
  // 64 rows x 8 f16 (CU_TENSOR_MAP_DATA_TYPE_FLOAT16 = 6): row r holds
  // r * 8 .. r * 8 + 7, so the i32 of its first two elements identifies it.
  std::vector<uint16_t> global(64 * 8);
  for (size_t i = 0; i < global.size(); ++i)
    global[i] = uint16_t(i);
  struct alignas(64) TensorMap {
    int64_t words[16];
  } map;
  reinterpret_cast<void (*)(void *, int64_t, void *, int64_t, int64_t, int64_t,
                            int64_t, int64_t)>(encode)(&map, 6, global.data(),
                                                       64, 8, 16, 32, 8);
  void *mapPtr = &map;
  int32_t *outPtr = out.data();
  void *params[] = {&mapPtr, &mode, &outPtr};
  llvm::Error err =
      (*emulator)->launch("ring", {1, 1, 1}, {64, 1, 1}, 128 + 32 * 16, params);
  return err ? llvm::toString(std::move(err)) : "";
}

TEST_F(KernelEmulatorTest, RingProtocolIsFollowed) {
  std::vector<int32_t> out(64, -1);
  ASSERT_EQ(runRing(context.get(), 0, out), "");
  for (int32_t r = 0; r < 64; ++r)
    EXPECT_EQ(out[r], (r * 8) | ((r * 8 + 1) << 16)) << "row " << r;
}

TEST_F(KernelEmulatorTest, RingReadBeforeFullBarrierFails) {
  std::vector<int32_t> out(64, -1);
  std::string err = runRing(context.get(), 1, out);
  EXPECT_NE(err.find("ld.shared reads shared bytes"), std::string::npos) << err;
  EXPECT_NE(err.find("missing wait on a full barrier"), std::string::npos)
      << err;
}

TEST_F(KernelEmulatorTest, RingOverwriteBeforeEmptyBarrierFails) {
  std::vector<int32_t> out(64, -1);
  std::string err = runRing(context.get(), 2, out);
  EXPECT_NE(err.find("TMA load overwrites shared bytes"), std::string::npos)
      << err;
  EXPECT_NE(err.find("missing wait on an empty barrier"), std::string::npos)
      << err;
}

} // namespace

namespace {
/// Issue 16, defect 3: a device buffer written on one stream and read by a
/// launch on another races unless something orders them.
TEST(StreamOrderTest, CatchesUnorderedStreams) {
  StreamOrder order;
  alignas(64) static char buffer[128], host[128];
  void *a = order.createStream(), *b = order.createStream();
  order.allocate(buffer, sizeof(buffer), "mgpuMemAlloc");

  // Written on the legacy stream (a synchronous pageable cuMemcpyHtoD),
  // read on a non-blocking stream: a race.
  order.enqueue(nullptr);
  EXPECT_EQ(order.access(buffer, nullptr, true, "cuMemcpyHtoD"), "");
  order.enqueue(a);
  std::string race = order.access(buffer + 64, a, false, "the launch of k");
  EXPECT_NE(race.find("stream race: the launch of k"), std::string::npos)
      << race;
  EXPECT_NE(race.find("cuMemcpyHtoD wrote on the legacy stream"),
            std::string::npos)
      << race;
  // Host memory is not tracked.
  EXPECT_EQ(order.access(host, b, false, "mgpuMemcpy"), "");
  // So is a later write (on `a`) unless the legacy stream's is complete.
  order.enqueue(a);
  EXPECT_NE(order.access(buffer, a, true, "mgpuMemcpy"), "");
  order.synchronize(nullptr);

  // The same stream, or a synchronised one, is ordered.
  order.enqueue(a);
  EXPECT_EQ(order.access(buffer, a, true, "mgpuMemcpy"), "");
  order.enqueue(a);
  EXPECT_EQ(order.access(buffer, a, false, "the launch of k"), "");
  order.enqueue(b);
  EXPECT_NE(order.access(buffer, b, false, "the launch of k"), "");
  order.enqueue(a);
  EXPECT_EQ(order.access(buffer, a, true, "mgpuMemcpy"), "");
  order.synchronize(a);
  order.enqueue(b);
  EXPECT_EQ(order.access(buffer, b, false, "the launch of k"), "");

  // An event recorded after the write orders it for a stream that waits.
  void *event = order.createEvent();
  order.enqueue(a);
  EXPECT_EQ(order.access(buffer, a, true, "mgpuMemcpy"), "");
  order.record(event, a);
  order.wait(b, event);
  order.enqueue(b);
  EXPECT_EQ(order.access(buffer, b, false, "the launch of k"), "");

  EXPECT_EQ(order.liveBuffers(),
            std::vector<std::string>{"mgpuMemAlloc (128 bytes)"});
  order.free(buffer);
  EXPECT_TRUE(order.liveBuffers().empty());
}
} // namespace
