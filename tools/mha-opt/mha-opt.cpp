//===- mha-opt.cpp - The mha optimizer driver -----------------------------===//
//
// MlirOptMain with every upstream dialect and pass plus the mha dialect,
// passes and pipelines. --load-pass-plugin / --load-dialect-plugin come from
// MlirOptMain.
//
//===----------------------------------------------------------------------===//

#include "mha/InitAll.h"
#include "mha/Runner/FatalErrors.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/raw_ostream.h"

#ifndef MHA_VERSION
#define MHA_VERSION "unknown"
#endif

int main(int argc, char **argv) {
  // An LLVM fatal error (a GPU target LLVM cannot generate code for that
  // the pipelines' checks did not catch) is one error line and exit 1, as
  // any failure of mha-opt.
  mlir::mha::runner::installFatalErrorHandler("mha-opt", 1);
  llvm::cl::AddExtraVersionPrinter([](llvm::raw_ostream &os) {
    os << "mha-mlir version " << MHA_VERSION << " (LLVM/MLIR "
       << LLVM_VERSION_STRING << ")\n";
  });
  mlir::mha::registerAllPasses();
  mlir::DialectRegistry registry;
  mlir::mha::registerAllDialects(registry);
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "mha-mlir optimizer driver\n", registry));
}
