//===- JitSession.cpp - Compile and call an entry function ----------------===//

#include "mha/Runner/JitSession.h"

#include "mha/InitAll.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/ExecutionEngine/Orc/Mangling.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/TargetParser/Host.h"

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <unordered_set>

using namespace mlir;
using namespace mlir::mha::runner;

llvm::StringRef mlir::mha::runner::pipelineName(PipelineKind kind) {
  switch (kind) {
  case PipelineKind::Reference:
    return "reference";
  case PipelineKind::CPU:
    return "cpu";
  case PipelineKind::GPU:
    return "gpu";
  }
  llvm_unreachable("unknown pipeline kind");
}

std::string TensorSpec::describe() const {
  std::string s = "tensor<";
  for (int64_t d : shape)
    s += (ShapedType::isDynamic(d) ? "?" : std::to_string(d)) + "x";
  return s + dtypeName(dtype).str() + ">";
}

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
       << " (mha-run supports ranked tensors of f32, f16, bf16 and i1)";
    return llvm::createStringError(s);
  }
  return TensorSpec{*dtype, std::vector<int64_t>(tensor.getShape())};
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
  if (inputs.size() != signature.args.size())
    return llvm::createStringError(
        "@" + signature.name + " takes " +
        std::to_string(signature.args.size()) + " arguments, but " +
        std::to_string(inputs.size()) + " inputs were given");
  for (auto [i, spec] : llvm::enumerate(signature.args)) {
    const TensorRef &t = inputs[i];
    std::string prefix =
        "argument " + std::to_string(i) + " (" + spec.describe() + "): ";
    if (t.dtype != spec.dtype)
      return llvm::createStringError(prefix + "expected element type " +
                                     dtypeName(spec.dtype).str() + ", got " +
                                     t.describe());
    bool ok = t.shape.size() == spec.shape.size();
    for (size_t d = 0; ok && d < t.shape.size(); ++d)
      ok = ShapedType::isDynamic(spec.shape[d]) || spec.shape[d] == t.shape[d];
    if (!ok)
      return llvm::createStringError(prefix + "shape mismatch, got " +
                                     t.describe());
  }
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// Allocation tracking
//===----------------------------------------------------------------------===//

// The pipelines lower memref.alloc/dealloc to these generic functions, so we
// know which returned buffers the compiled code allocated (and must be freed)
// as opposed to constants or aliases of the inputs.
namespace {
struct AllocTracker {
  std::mutex mutex;
  std::unordered_set<void *> live;

  void *track(void *p) {
    if (p) {
      std::lock_guard<std::mutex> lock(mutex);
      live.insert(p);
    }
    return p;
  }
  bool release(void *p) {
    std::lock_guard<std::mutex> lock(mutex);
    return live.erase(p) != 0;
  }
};
AllocTracker &tracker() {
  static AllocTracker t;
  return t;
}
} // namespace

extern "C" {
static void *mhaAlloc(uint64_t size) {
  return tracker().track(std::malloc(size ? size : 1));
}
static void *mhaAlignedAlloc(uint64_t alignment, uint64_t size) {
  uint64_t rounded =
      (std::max<uint64_t>(size, 1) + alignment - 1) / alignment * alignment;
  return tracker().track(std::aligned_alloc(alignment, rounded));
}
static void mhaFree(void *p) {
  tracker().release(p);
  std::free(p);
}
}

//===----------------------------------------------------------------------===//
// JitFunction
//===----------------------------------------------------------------------===//

JitFunction::~JitFunction() = default;

/// f32 lanes of the widest vector unit of the host.
static int64_t hostVectorWidth() {
  llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
  if (features.lookup("avx512f"))
    return 16;
  if (features.lookup("avx2"))
    return 8;
  return 4;
}

/// Builds the pipeline through the registry, so options are parsed and
/// checked exactly as mha-opt does.
static LogicalResult buildPipeline(OpPassManager &pm, PipelineKind kind,
                                   llvm::StringRef options,
                                   llvm::raw_ostream &errors) {
  std::string name;
  switch (kind) {
  case PipelineKind::Reference:
    name = "mha-reference-pipeline";
    break;
  case PipelineKind::CPU:
    name = "mha-cpu-pipeline";
    break;
  case PipelineKind::GPU:
    errors << "the gpu pipeline is not available in this build";
    return failure();
  }
  std::string all = options.str();
  // The CPU pipeline vectorises for the JIT host: AVX-512, AVX2 or SSE
  // widths, unless the user chose a width.
  if (kind == PipelineKind::CPU && !options.contains("vector-width"))
    all = "vector-width=" + std::to_string(hostVectorWidth()) +
          (all.empty() ? "" : " " + all);
  std::string text = name + (all.empty() ? "" : "{" + all + "}");
  return parsePassPipeline(text, pm, errors);
}

llvm::Expected<std::unique_ptr<JitFunction>>
JitFunction::compile(ModuleOp module, const EntrySignature &signature,
                     PipelineKind kind, llvm::StringRef pipelineOptions) {
  static bool initialized = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    mlir::mha::registerAllPasses();
    return true;
  }();
  (void)initialized;
  auto start = std::chrono::steady_clock::now();

  MLIRContext *ctx = module.getContext();
  OwningOpRef<ModuleOp> clone = module.clone();
  auto fn = clone->lookupSymbol<func::FuncOp>(signature.name);
  fn->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(), UnitAttr::get(ctx));
  // Read-only arguments: bufferization copies before any in-place write, so
  // the caller's buffers are passed without copies and never modified.
  for (unsigned i = 0, e = fn.getNumArguments(); i < e; ++i)
    fn.setArgAttr(i, "bufferization.writable", BoolAttr::get(ctx, false));

  std::string diagnostics;
  llvm::raw_string_ostream diagOS(diagnostics);
  {
    ScopedDiagnosticHandler handler(ctx, [&](Diagnostic &d) {
      diagOS << d.getLocation() << ": " << d << "\n";
      for (Diagnostic &note : d.getNotes())
        diagOS << "  note: " << note << "\n";
      return success();
    });
    PassManager pm(ctx, ModuleOp::getOperationName());
    if (failed(buildPipeline(pm, kind, pipelineOptions, diagOS)))
      return llvm::createStringError("invalid pipeline options '" +
                                     pipelineOptions.str() +
                                     "': " + diagnostics);
    if (failed(pm.run(*clone)))
      return llvm::createStringError("the " + pipelineName(kind).str() +
                                     " pipeline failed on the input:\n" +
                                     diagnostics);
  }

  auto result = std::unique_ptr<JitFunction>(new JitFunction());
  result->signature = signature;
  // Compile for the host CPU and its features (AVX-512/AVX2, F16C, ...).
  auto tmBuilder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!tmBuilder)
    return tmBuilder.takeError();
  tmBuilder->setCodeGenOptLevel(llvm::CodeGenOptLevel::Aggressive);
  auto tm = tmBuilder->createTargetMachine();
  if (!tm)
    return tm.takeError();
  ExecutionEngineOptions options;
  auto transformer = makeOptimizingTransformer(/*optLevel=*/3, 0, tm->get());
  options.transformer = transformer;
  options.jitCodeGenOptLevel = llvm::CodeGenOptLevel::Aggressive;
  SmallVector<StringRef> libs;
  libs.push_back(MHA_MLIR_C_RUNNER_UTILS);
  // The OpenMP runtime that the parallel loops of the cpu pipeline call.
  libs.push_back(MHA_OPENMP_RUNTIME);
  options.sharedLibPaths = libs;
  auto engine = ExecutionEngine::create(*clone, options, std::move(*tm));
  if (!engine)
    return engine.takeError();
  result->engine = std::move(*engine);
  result->engine->registerSymbols([](llvm::orc::MangleAndInterner interner) {
    llvm::orc::SymbolMap map;
    auto add = [&](const char *name, void *fn) {
      map[interner(name)] = {llvm::orc::ExecutorAddr::fromPtr(fn),
                             llvm::JITSymbolFlags::Exported};
    };
    add("_mlir_memref_to_llvm_alloc", reinterpret_cast<void *>(&mhaAlloc));
    add("_mlir_memref_to_llvm_aligned_alloc",
        reinterpret_cast<void *>(&mhaAlignedAlloc));
    add("_mlir_memref_to_llvm_free", reinterpret_cast<void *>(&mhaFree));
    return map;
  });
  result->engine->initialize();
  std::chrono::duration<double> elapsed =
      std::chrono::steady_clock::now() - start;
  result->compileSeconds = elapsed.count();
  return result;
}

/// Words of a memref descriptor { allocated, aligned, offset, sizes[R],
/// strides[R] } kept as a flat array of 64-bit words (every field is
/// pointer-sized).
static size_t descriptorWords(size_t rank) { return 3 + 2 * rank; }

llvm::Expected<std::vector<HostTensor>>
JitFunction::run(llvm::ArrayRef<TensorRef> inputs) {
  // Arguments are read-only in the compiled code (see compile()).
  std::vector<std::vector<int64_t>> argDescs;
  for (const TensorRef &t : inputs) {
    size_t rank = t.shape.size();
    std::vector<int64_t> d(descriptorWords(rank));
    d[0] = d[1] = reinterpret_cast<int64_t>(t.data);
    d[2] = 0;
    int64_t stride = 1;
    for (size_t i = rank; i-- > 0;) {
      d[3 + i] = t.shape[i];
      d[3 + rank + i] = stride;
      stride *= t.shape[i];
    }
    argDescs.push_back(std::move(d));
  }
  size_t resultWords = 0;
  for (const TensorSpec &r : signature.results)
    resultWords += descriptorWords(r.shape.size());
  std::vector<int64_t> resultDescs(std::max<size_t>(resultWords, 1));

  // _mlir_ciface_NAME(result*, arg0*, ...): the packed wrapper takes a pointer
  // to each of those pointer arguments.
  std::vector<void *> pointers, packed;
  if (resultWords)
    pointers.push_back(resultDescs.data());
  for (auto &d : argDescs)
    pointers.push_back(d.data());
  for (void *&p : pointers)
    packed.push_back(&p);
  if (llvm::Error err =
          engine->invokePacked("_mlir_ciface_" + signature.name, packed))
    return std::move(err);

  std::vector<HostTensor> results;
  std::unordered_set<void *> freed;
  size_t offset = 0;
  for (const TensorSpec &spec : signature.results) {
    size_t rank = spec.shape.size();
    const int64_t *d = resultDescs.data() + offset;
    offset += descriptorWords(rank);
    std::vector<int64_t> shape(d + 3, d + 3 + rank);
    HostTensor out(spec.dtype, shape);
    size_t elt = dtypeSize(spec.dtype);
    auto *base = reinterpret_cast<const uint8_t *>(d[1]) + d[2] * elt;
    // Identity-layout results are one contiguous block; anything else is
    // copied element by element into C order.
    int64_t n = out.numElements();
    bool contiguous = true;
    for (int64_t i = rank, stride = 1; i-- > 0; stride *= shape[i])
      contiguous &= shape[i] == 1 || d[3 + rank + i] == stride;
    if (contiguous) {
      if (n)
        std::memcpy(out.bytes.data(), base, n * elt);
    } else {
      std::vector<int64_t> index(rank, 0);
      for (int64_t flat = 0; flat < n; ++flat) {
        int64_t src = 0;
        for (size_t i = 0; i < rank; ++i)
          src += index[i] * d[3 + rank + i];
        std::memcpy(out.bytes.data() + flat * elt, base + src * elt, elt);
        for (size_t i = rank; i-- > 0;) {
          if (++index[i] < shape[i])
            break;
          index[i] = 0;
        }
      }
    }
    results.push_back(std::move(out));
    auto *allocated = reinterpret_cast<void *>(d[0]);
    if (!freed.count(allocated) && tracker().release(allocated)) {
      std::free(allocated);
      freed.insert(allocated);
    }
  }
  return results;
}
