//===- mha-compile.cpp - Ahead-of-time compilation of attention graphs ----===//
//
// Compiles the entry functions of an MLIR file with an mha pipeline into an
// object file or a shared library with a C interface (`_mlir_ciface_NAME`),
// writes the C header of that interface and embeds a manifest describing the
// entries (`const char *mha_aot_manifest(void)`, see AotManifest.h). The
// result needs only the project's runtime library (libmha_runtime.so) and,
// for the cpu pipeline, the OpenMP runtime: no LLVM or MLIR at run time.
//
// Exit codes: 0 success, 1 internal failure (the toolchain), 2 an error
// (usage, input, pipeline options, compilation of the input).
//
//===----------------------------------------------------------------------===//

#include "CompileSupport.h"
#include "ToolSupport.h"

#include "mha/InitAll.h"
#include "mha/Runner/AotManifest.h"
#include "mha/Runner/Flops.h"
#include "mha/Runner/JitSession.h"
#include "mha/Runner/OracleFunction.h"
#include "mha/Runner/PipelineBuilder.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

#include <set>

using namespace mlir;
using namespace mlir::mha;
using namespace mlir::mha::runner;
namespace cl = llvm::cl;
using namespace mlir::mha::tool;

static cl::OptionCategory category("mha-compile options");

static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<input.mlir>"),
                                      cl::Required, cl::cat(category));
static cl::opt<std::string>
    outputFile("o",
               cl::desc("Output: FILE.o (object) or FILE.so (shared library, "
                        "linked against libmha_runtime.so); with --emit=llvm "
                        "or --emit=mlir any name, '-' for stdout"),
               cl::value_desc("file"), cl::cat(category));
static cl::list<std::string>
    entryFlags("entry",
               cl::desc("Function to compile (repeatable; default: every "
                        "public function with a body)"),
               cl::cat(category));
static cl::opt<std::string>
    headerFlag("header",
               cl::desc("C header to write (default with --emit=obj: the "
                        "output with the extension .h)"),
               cl::value_desc("file"), cl::cat(category));
// A string rather than cl::values so an unknown name gets our one-line error.
static cl::opt<std::string>
    emitFlag("emit",
             cl::desc("What to write: 'obj' (default: an object or shared "
                      "library), 'llvm' (optimised LLVM IR) or 'mlir' (the "
                      "LLVM dialect after the pipeline)"),
             cl::init("obj"), cl::cat(category));
static cl::opt<std::string> runtimeLibFlag(
    "runtime-lib",
    cl::desc("libmha_runtime.so that .so outputs link against (default: the "
             "one installed next to mha-compile)"),
    cl::value_desc("file"), cl::cat(category));
static cl::opt<std::string>
    ccFlag("cc",
           cl::desc("Compiler driver that links .so outputs (default: clang "
                    "next to the LLVM tools)"),
           cl::value_desc("program"), cl::cat(category));

namespace {
/// A failure of the compiler itself or of the toolchain: exit 1.
[[noreturn]] void internalFail(const llvm::Twine &message) {
  fail(message, /*exitCode=*/1);
}

bool isCIdentifier(llvm::StringRef name) {
  if (name.empty() || llvm::isDigit(name.front()))
    return false;
  return llvm::all_of(name,
                      [](char c) { return llvm::isAlnum(c) || c == '_'; });
}

AotTensor toAotTensor(const TensorSpec &spec) {
  AotTensor t{spec.dtype, spec.shape};
  for (int64_t &d : t.shape)
    if (ShapedType::isDynamic(d))
      d = -1;
  return t;
}

std::unique_ptr<llvm::ToolOutputFile> openOutput(llvm::StringRef path,
                                                 bool text) {
  std::error_code ec;
  auto file = std::make_unique<llvm::ToolOutputFile>(
      path, ec, text ? llvm::sys::fs::OF_Text : llvm::sys::fs::OF_None);
  if (ec)
    fail("cannot write '" + path + "': " + ec.message());
  return file;
}

/// The libmha_runtime.so to link: --runtime-lib, else the one in the lib/
/// folder next to the bin/ folder of this tool (build and install trees),
/// else the one of the build tree this tool was built in.
std::string findRuntimeLibrary(const char *argv0) {
  if (!runtimeLibFlag.empty())
    return runtimeLibFlag;
  std::string exe = llvm::sys::fs::getMainExecutable(
      argv0, reinterpret_cast<void *>(&findRuntimeLibrary));
  llvm::SmallString<256> path(
      llvm::sys::path::parent_path(llvm::sys::path::parent_path(exe)));
  llvm::sys::path::append(path, "lib", "libmha_runtime.so");
  if (llvm::sys::fs::exists(path))
    return path.str().str();
  return MHA_RUNTIME_LIBRARY;
}

std::string findCompilerDriver() {
  if (!ccFlag.empty())
    return ccFlag;
  if (llvm::sys::fs::can_execute(MHA_CLANG))
    return MHA_CLANG;
  for (const char *name : {"clang-22", "clang"})
    if (llvm::ErrorOr<std::string> path = llvm::sys::findProgramByName(name))
      return *path;
  return MHA_CLANG;
}

/// Links `object` into the shared library `output` with `-rpath $ORIGIN`
/// first, so that a folder holding the library, libmha_runtime.so and
/// libomp.so.5 works on a machine without LLVM or MLIR.
void linkSharedLibrary(llvm::StringRef object, llvm::StringRef output,
                       const char *argv0) {
  std::string runtime = findRuntimeLibrary(argv0);
  if (!llvm::sys::fs::exists(runtime))
    fail("cannot find the runtime library '" + runtime +
         "' to link against: give its path with --runtime-lib=FILE");
  std::string runtimeDir = llvm::sys::path::parent_path(runtime).str();
  std::string runtimeName = llvm::sys::path::filename(runtime).str();
  std::string ompDir = llvm::sys::path::parent_path(MHA_OPENMP_RUNTIME).str();
  std::string driver = findCompilerDriver();

  std::vector<std::string> args = {
      driver, "-shared", "-o", output.str(), object.str(), "-Wl,-z,defs",
      "-Wl,--enable-new-dtags", "-Wl,-rpath,$ORIGIN",
      "-Wl,-rpath," + runtimeDir, "-Wl,-rpath," + ompDir, "-L" + runtimeDir,
      "-L" + ompDir,
      // Always recorded: callers find
      // mhaRuntimeReleaseResult through it.
      "-Wl,--no-as-needed", "-l:" + runtimeName, "-Wl,--as-needed",
      "-l:libomp.so", "-lm"};
  std::vector<llvm::StringRef> argRefs(args.begin(), args.end());

  llvm::SmallString<128> log;
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("mha-compile-link", "log", log))
    internalFail("cannot create a temporary file: " + ec.message());
  llvm::FileRemover logRemover(log);
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, log.str(),
                                                log.str()};
  std::string error;
  bool executionFailed = false;
  int status = llvm::sys::ExecuteAndWait(
      driver, argRefs, std::nullopt, redirects, 0, 0, &error, &executionFailed);
  if (executionFailed)
    fail("cannot run the linker '" + driver + "': " + error +
         " (give a compiler driver with --cc=PROGRAM)");
  if (status != 0) {
    llvm::errs() << "mha-compile: error: linking '" << output << "' with '"
                 << driver << "' failed (exit status " << status << "):\n";
    if (auto buffer = llvm::MemoryBuffer::getFile(log))
      llvm::errs() << (*buffer)->getBuffer();
    llvm::sys::fs::remove(output);
    std::exit(2);
  }
}

/// Adds `const char *mha_aot_manifest(void)` returning `text`.
void addManifestFunction(llvm::Module &module, llvm::StringRef text) {
  llvm::LLVMContext &ctx = module.getContext();
  llvm::Constant *init = llvm::ConstantDataArray::getString(ctx, text);
  auto *global = new llvm::GlobalVariable(
      module, init->getType(), /*isConstant=*/true,
      llvm::GlobalValue::PrivateLinkage, init, "mha_aot_manifest_text");
  global->setUnnamedAddr(llvm::GlobalValue::UnnamedAddr::Global);
  auto *fn = llvm::Function::Create(
      llvm::FunctionType::get(llvm::PointerType::getUnqual(ctx), false),
      llvm::GlobalValue::ExternalLinkage, kManifestSymbol, module);
  fn->setDoesNotThrow();
  llvm::IRBuilder<> builder(llvm::BasicBlock::Create(ctx, "entry", fn));
  builder.CreateRet(global);
}
} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  CompileOptions compileOptions(category, /*jit=*/false);
  parseCommandLine(argc, argv, "mha-compile", category,
                   "compile attention graphs ahead of time into an object or a "
                   "shared library with a C header");
  rejectEmpty(entryFlags,
              std::vector<std::string>(entryFlags.begin(), entryFlags.end()));

  // Flags.
  PipelineKind pipeline = compileOptions.getPipelineKind();
  const std::string &pipelineOptions = compileOptions.pipelineOptions;
  if (emitFlag != "obj" && emitFlag != "llvm" && emitFlag != "mlir")
    fail("unknown --emit=" + emitFlag + ": expected obj, llvm or mlir");
  if (outputFile.empty())
    fail("no output file: give -o FILE.o (object) or -o FILE.so (shared "
         "library)");
  bool emitObject = emitFlag == "obj";
  llvm::StringRef extension = llvm::sys::path::extension(outputFile);
  bool shared = emitObject && extension == ".so";
  if (emitObject && extension != ".o" && extension != ".so")
    fail("-o " + outputFile +
         ": expected a .o (object) or .so (shared library) file name");
  std::string headerFile = headerFlag;
  if (headerFile.empty() && emitObject) {
    llvm::SmallString<256> path(outputFile.getValue());
    llvm::sys::path::replace_extension(path, ".h");
    headerFile = path.str().str();
  }

  // Parse and verify; diagnostics go to stderr through the source manager.
  DialectRegistry registry;
  mlir::mha::registerAllDialects(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  llvm::SourceMgr sourceMgr;
  OwningOpRef<ModuleOp> module = parseInputFile(inputFile, context, sourceMgr);
  // The pipeline's diagnostics quote the source too.
  SourceMgrDiagnosticHandler handler(sourceMgr, &context);
  // A pass that reports an error without failing (upstream passes do)
  // fails the compile all the same: nothing is written.
  bool sawError = false;
  ScopedDiagnosticHandler errorSeen(&context, [&](Diagnostic &d) {
    sawError |= d.getSeverity() == DiagnosticSeverity::Error;
    return failure(); // printed by `handler`
  });

  // Entries and their manifest.
  std::vector<std::string> entryNames;
  for (const std::string &name : entryFlags)
    if (!llvm::is_contained(entryNames, name))
      entryNames.push_back(name);
  if (entryNames.empty()) {
    for (auto fn : module->getOps<func::FuncOp>())
      if (fn.isPublic() && !fn.isExternal())
        entryNames.push_back(fn.getSymName().str());
    if (entryNames.empty())
      fail("'" + inputFile + "': no public function with a body to compile");
  }
  if (module->lookupSymbol(kManifestSymbol))
    fail("'" + inputFile + "' defines @" + kManifestSymbol +
         ", a name mha-compile reserves for the manifest");

  AotManifest manifest;
  manifest.compiler = std::string("mha-compile ") + MHA_VERSION;
  manifest.source = inputFile;
  manifest.pipeline = pipelineName(pipeline).str();
  manifest.pipelineOptions = pipelineOptions;
  for (const std::string &name : entryNames) {
    llvm::Expected<EntrySignature> sig = getEntrySignature(*module, name);
    if (!sig) {
      fail("'" + inputFile + "': " + llvm::toString(sig.takeError()));
    }
    if (!isCIdentifier(name))
      fail("'" + inputFile + "': entry @" + name +
           " is not a C identifier, so it has no C interface; rename it");
    auto fn = module->lookupSymbol<func::FuncOp>(name);
    AotEntry entry;
    entry.name = name;
    for (const TensorSpec &t : sig->args)
      entry.args.push_back(toAotTensor(t));
    for (const TensorSpec &t : sig->results)
      entry.results.push_back(toAotTensor(t));
    entry.oracle = getOracleSpec(fn);
    entry.flops = collectFlopTerms(fn);
    manifest.entries.push_back(std::move(entry));

    // C wrappers; read-only arguments, as in the JIT: bufferization copies
    // before any in-place write, so callers' buffers are never modified.
    fn->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                UnitAttr::get(&context));
    for (unsigned i = 0, e = fn.getNumArguments(); i < e; ++i)
      fn.setArgAttr(i, "bufferization.writable",
                    BoolAttr::get(&context, false));
  }
  // Other public functions are not compiled unless an entry calls them.
  for (auto fn : module->getOps<func::FuncOp>())
    if (fn.isPublic() && !fn.isExternal() &&
        !llvm::is_contained(entryNames, fn.getSymName()))
      fn.setPrivate();

  // Lower to the LLVM dialect for the target CPU (the host unless
  // --target-cpu / --target-features or the pipeline options name one).
  PassManager pm(&context, ModuleOp::getOperationName());
  pm.addPass(createSymbolDCEPass());
  llvm::Expected<CPUTarget> target = buildPipelineForKind(
      pm, pipeline, pipelineOptions, compileOptions.getTarget());
  if (!target)
    fail("invalid " + pipelineName(pipeline) + " pipeline options '" +
         pipelineOptions + "': " + llvm::toString(target.takeError()));
  llvm::Expected<std::unique_ptr<llvm::TargetMachine>> machineOrError =
      target->createTargetMachine(llvm::CodeGenOptLevel::Aggressive);
  if (!machineOrError)
    internalFail(llvm::toString(machineOrError.takeError()));
  std::unique_ptr<llvm::TargetMachine> machine = std::move(*machineOrError);
  const llvm::Triple &triple = target->getTriple();
  const std::string &cpu = target->getCPU();
  const std::string &features = target->getFeatures();
  manifest.triple = triple.str();
  manifest.cpu = target->describe();
  std::string manifestText = serializeManifest(manifest);
  if (failed(pm.run(*module)) || sawError)
    fail("the " + pipelineName(pipeline) + " pipeline failed on '" + inputFile +
         "' (see the diagnostics above)");

  auto writeHeader = [&](llvm::StringRef library) {
    if (headerFile.empty())
      return;
    auto out = openOutput(headerFile, /*text=*/true);
    out->os() << generateCHeader(manifest,
                                 llvm::sys::path::filename(headerFile),
                                 llvm::sys::path::filename(library));
    out->keep();
  };

  if (emitFlag == "mlir") {
    auto out = openOutput(outputFile, /*text=*/true);
    module->print(out->os());
    out->keep();
    writeHeader(outputFile);
    return 0;
  }

  // Translate, configure for the target, add the manifest, optimise.
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(*module, llvmContext, inputFile);
  if (!llvmModule)
    internalFail("cannot translate '" + inputFile +
                 "' to LLVM IR (see the diagnostics above)");
  llvmModule->setTargetTriple(triple);
  llvmModule->setDataLayout(machine->createDataLayout());
  // Only the C interfaces and the manifest are exported: everything else
  // (the entries' expanded forms, e.g. a function named `main`) becomes
  // internal, so it neither clashes with the caller's symbols nor gets
  // interposed by them.
  std::set<std::string> exported;
  for (const AotEntry &entry : manifest.entries)
    exported.insert(entry.symbol());
  for (llvm::Function &fn : *llvmModule) {
    if (fn.isDeclaration())
      continue;
    fn.addFnAttr("target-cpu", cpu);
    if (!features.empty())
      fn.addFnAttr("target-features", features);
    if (!exported.count(fn.getName().str()))
      fn.setLinkage(llvm::GlobalValue::InternalLinkage);
  }
  for (llvm::GlobalVariable &global : llvmModule->globals())
    if (!global.isDeclaration() && global.hasExternalLinkage())
      global.setLinkage(llvm::GlobalValue::InternalLinkage);
  addManifestFunction(*llvmModule, manifestText);
  if (llvm::Error err = makeOptimizingTransformer(
          /*optLevel=*/3, /*sizeLevel=*/0, machine.get())(llvmModule.get()))
    internalFail("optimising the LLVM IR failed: " +
                 llvm::toString(std::move(err)));

  if (emitFlag == "llvm") {
    auto out = openOutput(outputFile, /*text=*/true);
    llvmModule->print(out->os(), nullptr);
    out->keep();
    writeHeader(outputFile);
    return 0;
  }

  // Emit the object: the output itself, or a temporary file for the linker.
  llvm::SmallString<128> objectPath(outputFile.getValue());
  std::optional<llvm::FileRemover> objectRemover;
  if (shared) {
    if (std::error_code ec =
            llvm::sys::fs::createTemporaryFile("mha-compile", "o", objectPath))
      internalFail("cannot create a temporary file: " + ec.message());
    objectRemover.emplace(objectPath);
  }
  {
    auto out = openOutput(objectPath, /*text=*/false);
    llvm::legacy::PassManager codegen;
    if (machine->addPassesToEmitFile(codegen, out->os(), nullptr,
                                     llvm::CodeGenFileType::ObjectFile))
      internalFail("the target cannot emit object files");
    codegen.run(*llvmModule);
    out->os().flush();
    if (out->os().has_error())
      fail("cannot write '" + objectPath + "': " + out->os().error().message());
    out->keep();
  }
  if (shared)
    linkSharedLibrary(objectPath, outputFile, argv[0]);
  writeHeader(outputFile);
  return 0;
}
