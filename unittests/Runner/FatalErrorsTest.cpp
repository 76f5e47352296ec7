//===- FatalErrorsTest.cpp - LLVM fatal errors as recoverable errors ------===//

#include "mha/Runner/FatalErrors.h"

#include "llvm/Support/ErrorHandling.h"

#include "gtest/gtest.h"

using namespace mlir::mha::runner;

TEST(FatalErrorsTest, FatalErrorBecomesAnError) {
  bool after = false;
  llvm::Error err = runRecoveringFatalErrors([&] {
    llvm::report_fatal_error("PTX version 8.0 does not support target", false);
    after = true;
  });
  ASSERT_TRUE(bool(err));
  EXPECT_EQ(llvm::toString(std::move(err)),
            "LLVM error: PTX version 8.0 does not support target");
  EXPECT_FALSE(after);
  // The process goes on, and the next call recovers again.
  llvm::Error again =
      runRecoveringFatalErrors([] { llvm::reportFatalUsageError("again"); });
  EXPECT_EQ(llvm::toString(std::move(again)), "LLVM error: again");
}

TEST(FatalErrorsTest, NoErrorRunsToTheEnd) {
  int calls = 0;
  EXPECT_FALSE(bool(runRecoveringFatalErrors([&] { ++calls; })));
  EXPECT_EQ(calls, 1);
}

TEST(FatalErrorsTest, NestedRecoveryPointsUnwindToTheInnermost) {
  llvm::Error outer = runRecoveringFatalErrors([] {
    llvm::Error inner = runRecoveringFatalErrors(
        [] { llvm::report_fatal_error("inner", false); });
    EXPECT_EQ(llvm::toString(std::move(inner)), "LLVM error: inner");
    llvm::report_fatal_error("outer", false);
  });
  EXPECT_EQ(llvm::toString(std::move(outer)), "LLVM error: outer");
}
