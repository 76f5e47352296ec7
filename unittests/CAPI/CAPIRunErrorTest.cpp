//===- CAPIRunErrorTest.cpp - Errors of compiled code through the C API ---===//
//
// Dynamic sizes that disagree and failed allocations of the compiled code
// come back as distinct statuses with one clear message, on every CPU
// pipeline, and a failing run on one thread never fails another thread's.
//
//===----------------------------------------------------------------------===//

#include "mha-c/MHA.h"
#include "mha/Runtime/Runtime.h"

#include "gtest/gtest.h"

#include <string>
#include <thread>
#include <vector>

namespace {

const char *kDynamic = R"mlir(
func.func @main(%q: tensor<?x4x?x8xf32>, %k: tensor<?x2x?x8xf32>,
                %v: tensor<?x2x?x8xf32>) -> tensor<?x4x?x8xf32> {
  %o = mha.attention %q, %k, %v
      : tensor<?x4x?x8xf32>, tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32>
      -> tensor<?x4x?x8xf32>
  return %o : tensor<?x4x?x8xf32>
}
)mlir";

/// Inputs of kDynamic: q [2, 4, 5, 8], k and v [kvBatch, 2, 9, 8].
struct Inputs {
  explicit Inputs(int64_t kvBatch)
      : q(2 * 4 * 5 * 8, 0.5f),
        kv(kvBatch * 2 * 9 * 8, 0.25f), qShape{2, 4, 5, 8}, kvShape{kvBatch, 2,
                                                                    9, 8} {
    buffers[0] = {q.data(), MHA_DTYPE_F32, 4, qShape};
    buffers[1] = {kv.data(), MHA_DTYPE_F32, 4, kvShape};
    buffers[2] = {kv.data(), MHA_DTYPE_F32, 4, kvShape};
  }
  std::vector<float> q, kv;
  int64_t qShape[4], kvShape[4];
  MhaBuffer buffers[3];
};

struct CAPIRunErrorTest : ::testing::TestWithParam<const char *> {
  MhaContext *ctx = nullptr;
  void SetUp() override {
    ctx = mhaContextCreate();
    ASSERT_NE(ctx, nullptr);
  }
  void TearDown() override { mhaContextDestroy(ctx); }

  MhaFunction *compile() {
    MhaFunction *fn = nullptr;
    char *error = nullptr;
    const char *options =
        std::string(GetParam()) == "cpu" ? "threads=2" : nullptr;
    EXPECT_EQ(mhaCompile(ctx, kDynamic, -1, nullptr, GetParam(), options, &fn,
                         &error),
              MHA_SUCCESS)
        << (error ? error : "");
    mhaStringFree(error);
    return fn;
  }

  /// Runs and returns (status, message).
  static std::pair<MhaStatus, std::string> run(MhaFunction *fn,
                                               Inputs &inputs) {
    char *error = nullptr;
    MhaStatus s = mhaFunctionRun(fn, inputs.buffers, 3, &error);
    std::string message = error ? error : "";
    mhaStringFree(error);
    return {s, message};
  }
};

TEST_P(CAPIRunErrorTest, ShapeMismatchIsInvalidArgument) {
  MhaFunction *fn = compile();
  ASSERT_NE(fn, nullptr);
  Inputs bad(1);
  auto [status, message] = run(fn, bad);
  EXPECT_EQ(status, MHA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(message, "run failed: shape mismatch: dimension 0 (batch size B) "
                     "of 'key' (argument 1) is 1, but 'query' (argument 0) "
                     "has 2");
  MhaBuffer view;
  EXPECT_EQ(mhaFunctionGetRunResult(fn, 0, &view), MHA_ERROR_INVALID_ARGUMENT)
      << "a failed run keeps no results";
  // The next good run succeeds.
  Inputs good(2);
  EXPECT_EQ(run(fn, good).first, MHA_SUCCESS);
  mhaFunctionDestroy(fn);
}

TEST_P(CAPIRunErrorTest, FailedAllocationIsOutOfMemory) {
  MhaFunction *fn = compile();
  ASSERT_NE(fn, nullptr);
  Inputs good(2);
  mhaRuntimeSetAllocationLimit(1000);
  auto [status, message] = run(fn, good);
  mhaRuntimeSetAllocationLimit(0);
  EXPECT_EQ(status, MHA_ERROR_OUT_OF_MEMORY);
  EXPECT_NE(message.find("run failed: out of memory: compiled code could not "
                         "allocate "),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("(allocation limit 1000 bytes)"), std::string::npos)
      << message;
  EXPECT_EQ(run(fn, good).first, MHA_SUCCESS);
  mhaFunctionDestroy(fn);
}

// One thread's failing runs and another thread's good runs at the same time
// (one function handle per thread, as the C API asks): each sees only its
// own errors.
TEST_P(CAPIRunErrorTest, ErrorsBelongToTheirThread) {
  MhaFunction *failing = compile(), *working = compile();
  ASSERT_NE(failing, nullptr);
  ASSERT_NE(working, nullptr);
  constexpr int kRuns = 40;
  int unexpected[2] = {0, 0};
  std::thread bad([&] {
    Inputs inputs(1);
    for (int i = 0; i < kRuns; ++i)
      unexpected[0] += run(failing, inputs).first != MHA_ERROR_INVALID_ARGUMENT;
  });
  std::thread good([&] {
    Inputs inputs(2);
    for (int i = 0; i < kRuns; ++i)
      unexpected[1] += run(working, inputs).first != MHA_SUCCESS;
  });
  bad.join();
  good.join();
  EXPECT_EQ(unexpected[0], 0) << "failing runs that did not fail";
  EXPECT_EQ(unexpected[1], 0) << "good runs that failed";
  mhaFunctionDestroy(failing);
  mhaFunctionDestroy(working);
}

INSTANTIATE_TEST_SUITE_P(Pipelines, CAPIRunErrorTest,
                         ::testing::Values("reference", "cpu"),
                         [](const auto &info) {
                           return std::string(info.param);
                         });

} // namespace
