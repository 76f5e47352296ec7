//===- JitSession.cpp - Compile and call an entry function ----------------===//

#include "mha/Runner/JitSession.h"

#include "mha/Runner/EntryCall.h"
#include "mha/Runner/FatalErrors.h"
#include "mha/Runner/JitMemoryMapper.h"

#include "mha/InitAll.h"
#include "mha/Runtime/Runtime.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ExecutionEngine/Orc/Mangling.h"
#include "llvm/Support/TargetSelect.h"

#include <chrono>

using namespace mlir;
using namespace mlir::mha::runner;

//===----------------------------------------------------------------------===//
// Signatures
//===----------------------------------------------------------------------===//

static std::optional<DType> toDType(Type type) {
  if (type.isF32())
    return DType::F32;
  if (type.isF16())
    return DType::F16;
  if (type.isBF16())
    return DType::BF16;
  if (type.isInteger(1))
    return DType::I1;
  return std::nullopt;
}

static llvm::Expected<TensorSpec> toSpec(Type type, llvm::StringRef what) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  std::optional<DType> dtype =
      tensor ? toDType(tensor.getElementType()) : std::nullopt;
  if (!dtype) {
    std::string s;
    llvm::raw_string_ostream os(s);
    os << what << " has unsupported type " << type
       << " (supported: ranked tensors of f32, f16, bf16 and i1)";
    return llvm::createStringError(s);
  }
  TensorSpec spec{*dtype, std::vector<int64_t>(tensor.getShape())};
  // Sizes are int64_t everywhere (memref descriptors, .npy headers): a
  // static part that overflows cannot be allocated, read or written.
  std::vector<int64_t> staticShape = spec.shape;
  for (int64_t &d : staticShape)
    d = ShapedType::isDynamic(d) ? 1 : d;
  if (llvm::Expected<uint64_t> bytes = getTensorBytes(*dtype, staticShape);
      !bytes) {
    llvm::consumeError(bytes.takeError());
    return llvm::createStringError(what + " (" + spec.describe() +
                                   ") has more than 2^63 bytes");
  }
  return spec;
}

llvm::Expected<EntrySignature>
mlir::mha::runner::getEntrySignature(ModuleOp module, llvm::StringRef entry) {
  func::FuncOp fn;
  if (!entry.empty()) {
    fn = module.lookupSymbol<func::FuncOp>(entry);
    if (!fn || fn.isExternal())
      return llvm::createStringError("no function named '" + entry.str() +
                                     "' with a body in the input");
  } else {
    SmallVector<func::FuncOp> candidates;
    for (auto f : module.getOps<func::FuncOp>())
      if (f.isPublic() && !f.isExternal())
        candidates.push_back(f);
    if (candidates.size() != 1) {
      std::string names;
      for (func::FuncOp f : candidates)
        names += " @" + f.getSymName().str();
      return llvm::createStringError(
          "expected exactly one public function, found " +
          std::to_string(candidates.size()) +
          (names.empty() ? "" : " (" + names.substr(1) + ")") +
          "; choose one with --entry=NAME");
    }
    fn = candidates.front();
  }
  EntrySignature sig;
  sig.name = fn.getSymName().str();
  for (auto [i, type] : llvm::enumerate(fn.getArgumentTypes())) {
    auto spec =
        toSpec(type, "argument " + std::to_string(i) + " of @" + sig.name);
    if (!spec)
      return spec.takeError();
    sig.args.push_back(*spec);
  }
  for (auto [i, type] : llvm::enumerate(fn.getResultTypes())) {
    auto spec =
        toSpec(type, "result " + std::to_string(i) + " of @" + sig.name);
    if (!spec)
      return spec.takeError();
    sig.results.push_back(*spec);
  }
  return sig;
}

llvm::Error mlir::mha::runner::checkInputs(const EntrySignature &signature,
                                           llvm::ArrayRef<TensorRef> inputs) {
  return checkTensorInputs(signature.name, signature.args, inputs);
}

//===----------------------------------------------------------------------===//
// Runtime errors
//===----------------------------------------------------------------------===//

char RunError::ID = 0;

std::pair<RunErrorKind, std::string>
mlir::mha::runner::takeRunError(llvm::Error err) {
  RunErrorKind kind = RunErrorKind::Device;
  std::string message;
  llvm::handleAllErrors(
      std::move(err),
      [&](const RunError &e) {
        kind = e.getKind();
        message = e.message();
      },
      [&](const llvm::ErrorInfoBase &e) {
        message += (message.empty() ? "" : "\n") + e.message();
      });
  return {kind, message};
}

// Lowered code calls libmha_runtime (memref allocation with tracking of the
// buffers it returns, memrefCopy, the CUDA wrappers) and reports failed shape
// checks and allocations to the calling thread's call status; the CUDA
// wrappers also keep their first failure as a process-wide sticky error.
// This takes the error of the calling thread.
static llvm::Error takeRuntimeError() {
  const char *message = mhaRuntimeGetLastError();
  if (!message)
    return llvm::Error::success();
  std::string text = message;
  RunErrorKind kind;
  switch (mhaRuntimeGetErrorKind()) {
  case MHA_RUNTIME_ERROR_SHAPE_MISMATCH:
    kind = RunErrorKind::ShapeMismatch;
    break;
  case MHA_RUNTIME_ERROR_OUT_OF_MEMORY:
    kind = RunErrorKind::OutOfMemory;
    break;
  default:
    kind = RunErrorKind::Device;
    break;
  }
  mhaRuntimeClearError();
  return llvm::make_error<RunError>(kind, text);
}

//===----------------------------------------------------------------------===//
// JitFunction
//===----------------------------------------------------------------------===//

llvm::Expected<LoweredEntry> mlir::mha::runner::lowerEntry(
    ModuleOp module, const EntrySignature &signature, PipelineKind kind,
    llvm::StringRef pipelineOptions, const TargetFlags &targetFlags) {
  MLIRContext *ctx = module.getContext();
  OwningOpRef<ModuleOp> clone = module.clone();
  // Only the entry and what it calls are compiled: a file of many entries
  // (the integration tests) costs one entry per run, not all of them.
  for (auto f : clone->getOps<func::FuncOp>())
    if (f.getSymName() != signature.name && f.isPublic() && !f.isExternal())
      f.setPrivate();
  auto fn = clone->lookupSymbol<func::FuncOp>(signature.name);
  fn->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(), UnitAttr::get(ctx));
  // Read-only arguments: bufferization copies before any in-place write, so
  // the caller's buffers are passed without copies and never modified.
  for (unsigned i = 0, e = fn.getNumArguments(); i < e; ++i)
    fn.setArgAttr(i, "bufferization.writable", BoolAttr::get(ctx, false));

  std::string diagnostics;
  llvm::raw_string_ostream diagOS(diagnostics);
  {
    // A pass that reports an error without failing (upstream passes do)
    // fails the compile all the same.
    bool sawError = false;
    ScopedDiagnosticHandler handler(ctx, [&](Diagnostic &d) {
      sawError |= d.getSeverity() == DiagnosticSeverity::Error;
      diagOS << d.getLocation() << ": " << d << "\n";
      for (Diagnostic &note : d.getNotes())
        diagOS << "  note: " << note << "\n";
      return success();
    });
    PassManager pm(ctx, ModuleOp::getOperationName());
    pm.addPass(createSymbolDCEPass());
    // The JIT compiles GPU code for the GPU it runs on, unless the options
    // name a chip (mha-compile targets the chip its user names).
    TargetFlags flags = targetFlags;
    if (kind == PipelineKind::GPU) {
      int capability = mhaRuntimeComputeCapability(0);
      mhaRuntimeClearError(); // no device: keep the default, fail at load
      if (capability > 0)
        flags.gpuChip = GPUChip::forComputeCapability(capability);
    }
    llvm::Expected<CPUTarget> target =
        buildPipelineForKind(pm, kind, pipelineOptions, flags);
    if (!target)
      return llvm::createStringError(
          "invalid " + pipelineName(kind).str() + " pipeline options '" +
          pipelineOptions.str() + "': " + llvm::toString(target.takeError()));
    // An LLVM fatal error inside (e.g. serialising GPU kernels) becomes
    // this compile's error; the half-lowered clone is discarded.
    LogicalResult result = failure();
    if (llvm::Error err =
            runRecoveringFatalErrors([&] { result = pm.run(*clone); }))
      return llvm::createStringError(
          "the " + pipelineName(kind).str() +
          " pipeline failed on the input: " + llvm::toString(std::move(err)) +
          (diagnostics.empty() ? "" : "\n" + diagnostics));
    if (failed(result) || sawError)
      return llvm::createStringError("the " + pipelineName(kind).str() +
                                     " pipeline failed on the input:\n" +
                                     diagnostics);
    return LoweredEntry{std::move(clone), std::move(*target)};
  }
}

JitFunction::~JitFunction() = default;

llvm::Expected<std::unique_ptr<JitFunction>>
JitFunction::compile(ModuleOp module, const EntrySignature &signature,
                     PipelineKind kind, llvm::StringRef pipelineOptions,
                     const TargetFlags &targetFlags,
                     llvm::ArrayRef<SymbolOverride> symbolOverrides) {
  static bool initialized = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    mlir::mha::registerAllPasses();
    return true;
  }();
  (void)initialized;
  auto start = std::chrono::steady_clock::now();

  auto lowered =
      lowerEntry(module, signature, kind, pipelineOptions, targetFlags);
  if (!lowered)
    return lowered.takeError();
  OwningOpRef<ModuleOp> clone = std::move(lowered->module);
  const CPUTarget &target = lowered->target;
  // Code for a CPU with more than this host has would die of SIGILL.
  llvm::SmallVector<std::string> missing = target.getFeaturesMissingOnHost();
  if (!missing.empty())
    return llvm::createStringError(
        "code for target CPU " + target.describe() +
        " cannot run on this host, which lacks " + llvm::join(missing, ", ") +
        " (mha-compile builds it ahead of time for another machine)");

  auto result = std::unique_ptr<JitFunction>(new JitFunction());
  result->signature = signature;
  result->target = target;
  // Compile for the target CPU and its features (AVX-512/AVX2, F16C, ...).
  auto tm = target.createTargetMachine(llvm::CodeGenOptLevel::Aggressive);
  if (!tm)
    return tm.takeError();
  ExecutionEngineOptions options;
  // O3 for the pipelines users time; the reference pipeline's unfused loops
  // run as fast at O2, which compiles them in half the time (they are
  // compiled for every --verify and every numeric test).
  unsigned optLevel = kind == PipelineKind::Reference ? 2 : 3;
  auto transformer = makeOptimizingTransformer(optLevel, 0, tm->get());
  options.transformer = transformer;
  options.jitCodeGenOptLevel = llvm::CodeGenOptLevel::Aggressive;
  SmallVector<StringRef> libs;
  // libmlir_c_runner_utils only for the print functions of vector.print and
  // friends (debugging IR): libmha_runtime (bound below) has everything
  // else, and that library pulls libMLIR/libLLVM into the global symbol
  // scope (the engine loads libraries RTLD_GLOBAL), where they break
  // another LLVM loaded later into the process (Triton's, which
  // torch.compile imports, crashed on import).
  bool prints = false;
  clone->walk([&](LLVM::LLVMFuncOp f) {
    prints |= f.isExternal() && (f.getName().starts_with("print") ||
                                 f.getName().starts_with("_mlir_ciface_print"));
  });
  if (prints)
    libs.push_back(MHA_MLIR_C_RUNNER_UTILS);
  // The OpenMP runtime that the parallel loops of the cpu pipeline call.
  libs.push_back(MHA_OPENMP_RUNTIME);
  options.sharedLibPaths = libs;
  // All sections of the module within one window of address space, so that
  // the 32-bit displacements of the small code model reach (see
  // JitMemoryMapper.h).
  result->memoryMapper = std::make_unique<JitMemoryMapper>();
  options.sectionMemoryMapper = result->memoryMapper.get();
  llvm::Expected<std::unique_ptr<ExecutionEngine>> engine =
      llvm::createStringError("no execution engine");
  if (llvm::Error err = runRecoveringFatalErrors([&] {
        engine = ExecutionEngine::create(*clone, options, std::move(*tm));
      })) {
    llvm::consumeError(engine.takeError());
    return std::move(err);
  }
  if (!engine)
    return engine.takeError();
  result->engine = std::move(*engine);
  // Bind the runtime's functions (_mlir_memref_to_llvm_*, memrefCopy,
  // mgpu*) to libmha_runtime, which this library links: by address, so it
  // works wherever the library is installed and takes precedence over
  // same-named symbols of the shared libraries above.
  result->engine->registerSymbols([&](llvm::orc::MangleAndInterner interner) {
    llvm::orc::SymbolMap map;
    for (const MhaRuntimeSymbol *s = mhaRuntimeSymbols(); s->name; ++s)
      map[interner(s->name)] = {llvm::orc::ExecutorAddr::fromPtr(s->address),
                                llvm::JITSymbolFlags::Exported};
    for (const SymbolOverride &s : symbolOverrides)
      map[interner(s.first)] = {llvm::orc::ExecutorAddr::fromPtr(s.second),
                                llvm::JITSymbolFlags::Exported};
    return map;
  });
  // Global constructors load GPU binaries (mgpuModuleLoad): report their
  // failure (e.g. no CUDA driver) here rather than at the first run.
  mhaRuntimeClearError();
  result->engine->initialize();
  if (llvm::Error err = takeRuntimeError())
    return std::move(err);
  auto entry =
      result->engine->lookupPacked("_mlir_ciface_" + result->signature.name);
  if (!entry)
    return entry.takeError();
  result->packedEntry = *entry;
  std::chrono::duration<double> elapsed =
      std::chrono::steady_clock::now() - start;
  result->compileSeconds = elapsed.count();
  return result;
}

llvm::Expected<std::vector<HostTensor>>
JitFunction::run(llvm::ArrayRef<TensorRef> inputs) {
  // Results of static shape are allocated by the compiled code and copied
  // out here: refuse up front what the host cannot hold.
  uint64_t resultBytes = 0;
  for (const TensorSpec &spec : signature.results)
    if (llvm::none_of(spec.shape, [](int64_t d) { return d < 0; })) {
      llvm::Expected<uint64_t> bytes = getTensorBytes(spec.dtype, spec.shape);
      if (!bytes)
        return bytes.takeError();
      resultBytes += *bytes;
    }
  if (llvm::Error err = checkHostAllocation(
          2 * resultBytes, "the results of @" + signature.name +
                               " (allocated, then copied out)"))
    return llvm::make_error<RunError>(RunErrorKind::OutOfMemory,
                                      llvm::toString(std::move(err)));
  // Arguments are read-only in the compiled code (see compile()).
  EntryCall call(inputs, signature.results);
  // _mlir_ciface_NAME(result*, arg0*, ...): the packed wrapper takes a pointer
  // to each of those pointer arguments.
  std::vector<void *> pointers(call.getPointers()), packed;
  for (void *&p : pointers)
    packed.push_back(&p);
  mhaRuntimeClearError(); // Report only what this call does.
  packedEntry(packed.data());

  // Frees the result buffers that the compiled code allocated (not aliases of
  // the inputs or constants; each buffer once), after all are copied.
  auto releaseResults = [&] {
    for (void *allocated : call.getResultAllocations())
      mhaRuntimeReleaseResult(allocated);
  };
  // A failure inside (e.g. a CUDA error) leaves the results undefined.
  if (llvm::Error err = takeRuntimeError()) {
    releaseResults();
    return std::move(err);
  }
  std::vector<HostTensor> results = call.copyResults();
  releaseResults();
  return results;
}
