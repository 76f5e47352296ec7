// Parses and verifies an mha.attention with the installed dialect, runs a
// pass of the project (everything registered through MHA::MHAInitAll) and
// calls the C API and the runtime (capi.c).
#include "mha/Dialect/MHA/IR/MHAOps.h"
#include "mha/InitAll.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"

#include <cstdio>

extern "C" int checkCAPI(void);

int main() {
  mlir::DialectRegistry registry;
  mlir::mha::registerAllDialects(registry);
  mlir::mha::registerAllPasses();
  mlir::MLIRContext ctx(registry);
  auto module = mlir::parseSourceString<mlir::ModuleOp>(
      "func.func @f(%q: tensor<1x2x3x4xf32>) -> tensor<1x2x3x4xf32> {\n"
      "  %o = mha.attention %q, %q, %q : tensor<1x2x3x4xf32>, "
      "tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32> -> tensor<1x2x3x4xf32>\n"
      "  return %o : tensor<1x2x3x4xf32>\n}\n",
      &ctx);
  if (!module)
    return 1;
  std::printf("consumer: parsed mha.attention\n");
  mlir::PassManager pm(&ctx);
  if (mlir::failed(mlir::parsePassPipeline(
          "builtin.module(convert-mha-to-linalg)", pm)) ||
      mlir::failed(pm.run(*module)))
    return 1;
  std::printf("consumer: ran convert-mha-to-linalg\n");
  return checkCAPI();
}
