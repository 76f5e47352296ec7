//===- pipeline-fuzzer.cpp - libFuzzer target for parse, verify, lower ----===//
//
// Parses the input as MLIR, verifies it and lowers its entry function to the
// LLVM dialect the way the JIT does (getEntrySignature + lowerEntry), with
// mha-cpu-pipeline or, when the input starts with a line
// `// fuzz: <pipeline> [options]`, with that pipeline and options (cpu or
// reference). Errors are fine; a crash, hang or leak is a bug.
//
// The input may use the builtin, func, arith and mha dialects (what users
// write; the other upstream dialects are upstream's to fuzz), and shapes are
// kept small: this target looks for bugs in the lowering, not for the host
// running out of memory.
//
//===----------------------------------------------------------------------===//

#include "mha/InitAll.h"
#include "mha/Runner/JitSession.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "llvm/ADT/StringSet.h"

#include <cstdint>

using namespace mlir;
using namespace mlir::mha::runner;

static DialectRegistry *registry;

/// Largest static dimension and element count of any shaped type.
static constexpr int64_t kMaxDim = 4096;
static constexpr int64_t kMaxElements = int64_t(1) << 22;

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  mlir::mha::registerAllPasses();
  registry = new DialectRegistry();
  mlir::mha::registerAllDialects(*registry);
  return 0;
}

static bool isSmall(Type type) {
  bool small = true;
  type.walk([&](ShapedType shaped) {
    if (!shaped.hasRank())
      return;
    int64_t elements = 1;
    for (int64_t dim : shaped.getShape()) {
      if (ShapedType::isDynamic(dim))
        continue;
      if (dim > kMaxDim || (dim && elements > kMaxElements / dim)) {
        small = false;
        return;
      }
      elements *= dim;
    }
  });
  return small;
}

/// The dialects and sizes this target accepts (see the file comment).
static bool isInScope(ModuleOp module) {
  static const llvm::StringSet<> dialects = {"builtin", "func", "arith", "mha"};
  WalkResult result = module->walk([&](Operation *op) {
    if (!dialects.contains(op->getName().getDialectNamespace()))
      return WalkResult::interrupt();
    bool small = true;
    auto check = [&](Type type) { small = small && isSmall(type); };
    llvm::for_each(op->getOperandTypes(), check);
    llvm::for_each(op->getResultTypes(), check);
    for (Region &region : op->getRegions())
      for (Block &block : region)
        llvm::for_each(block.getArgumentTypes(), check);
    op->getAttrDictionary().walk([&](Type type) { check(type); });
    return small ? WalkResult::advance() : WalkResult::interrupt();
  });
  return !result.wasInterrupted();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // A copy: the MLIR lexer reads the terminating NUL.
  std::string text(reinterpret_cast<const char *>(data), size);
  llvm::StringRef input(text);
  PipelineKind kind = PipelineKind::CPU;
  // A fixed target, so that a crash reproduces on any x86-64 host.
  std::string options = "target-cpu=x86-64-v3";
  if (input.starts_with("// fuzz:")) {
    auto [header, rest] = input.split('\n');
    auto [name, extra] = header.drop_front(8).trim().split(' ');
    std::optional<PipelineKind> named = parsePipelineKind(name);
    if (!named || *named == PipelineKind::GPU)
      return 0;
    kind = *named;
    options += " " + extra.str();
  }

  MLIRContext context(*registry, MLIRContext::Threading::DISABLED);
  ScopedDiagnosticHandler quiet(&context,
                                [](Diagnostic &) { return success(); });
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(input, &context);
  if (!module || failed(verify(*module)) || !isInScope(*module))
    return 0;
  llvm::Expected<EntrySignature> signature = getEntrySignature(*module, "");
  if (!signature) {
    llvm::consumeError(signature.takeError());
    return 0;
  }
  llvm::Expected<LoweredEntry> lowered =
      lowerEntry(*module, *signature, kind, options, TargetFlags());
  if (!lowered)
    llvm::consumeError(lowered.takeError());
  else if (failed(verify(*lowered->module)))
    abort(); // The pipeline produced invalid IR without failing.
  return 0;
}
