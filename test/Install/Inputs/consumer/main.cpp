// Parses and verifies an mha.attention with the installed dialect.
#include "mha/Dialect/MHA/IR/MHAOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <cstdio>

int main() {
  mlir::MLIRContext ctx;
  ctx.loadDialect<mlir::mha::MHADialect, mlir::func::FuncDialect>();
  auto module = mlir::parseSourceString<mlir::ModuleOp>(
      "func.func @f(%q: tensor<1x2x3x4xf32>) -> tensor<1x2x3x4xf32> {\n"
      "  %o = mha.attention %q, %q, %q : tensor<1x2x3x4xf32>, "
      "tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32> -> tensor<1x2x3x4xf32>\n"
      "  return %o : tensor<1x2x3x4xf32>\n}\n",
      &ctx);
  std::printf("consumer: %s\n", module ? "parsed mha.attention" : "failed");
  return module ? 0 : 1;
}
