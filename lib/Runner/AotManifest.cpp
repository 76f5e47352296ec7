//===- AotManifest.cpp - What an ahead-of-time library contains -----------===//

#include "mha/Runner/AotManifest.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir::mha::runner;
namespace json = llvm::json;

const AotEntry *AotManifest::lookup(llvm::StringRef name) const {
  for (const AotEntry &entry : entries)
    if (entry.name == name)
      return &entry;
  return nullptr;
}

//===----------------------------------------------------------------------===//
// JSON
//===----------------------------------------------------------------------===//

// In the namespace of the types, so that json::ObjectMapper finds them.
namespace mlir::mha::runner {
static json::Value toJSON(const AotTensor &tensor) {
  return json::Object{{"dtype", dtypeName(tensor.dtype)},
                      {"shape", json::Array(tensor.shape)}};
}

static bool fromJSON(const json::Value &value, AotTensor &tensor,
                     json::Path path) {
  json::ObjectMapper mapper(value, path);
  std::string dtype;
  if (!mapper || !mapper.map("dtype", dtype) ||
      !mapper.map("shape", tensor.shape))
    return false;
  std::optional<DType> parsed = parseDType(dtype);
  if (!parsed) {
    path.field("dtype").report("expected f32, f16, bf16 or i1");
    return false;
  }
  tensor.dtype = *parsed;
  return true;
}

static json::Value toJSON(const AotEntry &entry) {
  json::Array args, results;
  for (const AotTensor &t : entry.args)
    args.push_back(toJSON(t));
  for (const AotTensor &t : entry.results)
    results.push_back(toJSON(t));
  json::Object object{
      {"name", entry.name},      {"symbol", entry.symbol()},
      {"args", std::move(args)}, {"results", std::move(results)},
      {"oracle", nullptr},       {"flops", nullptr}};
  if (entry.oracle)
    object["oracle"] = toJSON(*entry.oracle);
  if (entry.flops) {
    json::Array terms;
    for (const FlopTerm &term : *entry.flops)
      terms.push_back(toJSON(term));
    object["flops"] = std::move(terms);
  }
  return object;
}

static bool fromJSON(const json::Value &value, AotEntry &entry,
                     json::Path path) {
  json::ObjectMapper mapper(value, path);
  return mapper && mapper.map("name", entry.name) &&
         mapper.map("args", entry.args) &&
         mapper.map("results", entry.results) &&
         mapper.mapOptional("oracle", entry.oracle) &&
         mapper.mapOptional("flops", entry.flops);
}
} // namespace mlir::mha::runner

std::string mlir::mha::runner::serializeManifest(const AotManifest &manifest) {
  json::Array entries;
  for (const AotEntry &entry : manifest.entries)
    entries.push_back(toJSON(entry));
  json::Object object{{"format", "mha-aot-manifest"},
                      {"version", AotManifest::kFormatVersion},
                      {"compiler", manifest.compiler},
                      {"source", manifest.source},
                      {"pipeline", manifest.pipeline},
                      {"pipeline_options", manifest.pipelineOptions},
                      {"triple", manifest.triple},
                      {"cpu", manifest.cpu},
                      {"entries", std::move(entries)}};
  std::string text;
  llvm::raw_string_ostream os(text);
  os << json::Value(std::move(object));
  return text;
}

llvm::Expected<AotManifest>
mlir::mha::runner::parseManifest(llvm::StringRef text) {
  llvm::Expected<json::Value> value = json::parse(text);
  if (!value)
    return llvm::createStringError("the manifest is not valid JSON: " +
                                   llvm::toString(value.takeError()));
  json::Path::Root root("manifest");
  json::ObjectMapper mapper(*value, root);
  std::string format;
  int64_t version = 0;
  AotManifest manifest;
  if (!mapper || !mapper.map("format", format) ||
      !mapper.map("version", version))
    return llvm::createStringError("invalid manifest: " +
                                   llvm::toString(root.getError()));
  if (format != "mha-aot-manifest" || version != AotManifest::kFormatVersion)
    return llvm::createStringError(
        "unsupported manifest format '" + format + "' version " +
        std::to_string(version) + " (this tool reads mha-aot-manifest " +
        std::to_string(AotManifest::kFormatVersion) + ")");
  if (!mapper.map("compiler", manifest.compiler) ||
      !mapper.map("source", manifest.source) ||
      !mapper.map("pipeline", manifest.pipeline) ||
      !mapper.map("pipeline_options", manifest.pipelineOptions) ||
      !mapper.map("triple", manifest.triple) ||
      !mapper.map("cpu", manifest.cpu) ||
      !mapper.map("entries", manifest.entries))
    return llvm::createStringError("invalid manifest: " +
                                   llvm::toString(root.getError()));
  for (const AotEntry &entry : manifest.entries) {
    if (!entry.oracle)
      continue;
    std::string err = entry.oracle->validate(entry.args.size());
    // Every result is checked against the oracle (mha-aot-check --verify),
    // so the spec must give as many as the entry returns.
    if (err.empty() && entry.oracle->numResults() != entry.results.size())
      err = "the " + entry.oracle->opName().str() + " gives " +
            std::to_string(entry.oracle->numResults()) +
            " result(s), the entry returns " +
            std::to_string(entry.results.size());
    if (!err.empty())
      return llvm::createStringError("invalid manifest: entry '" + entry.name +
                                     "': oracle: " + err);
  }
  return manifest;
}

llvm::Error mlir::mha::runner::checkInputs(const AotEntry &entry,
                                           llvm::ArrayRef<HostTensor> inputs) {
  return checkTensorInputs(
      entry.name, entry.args,
      std::vector<TensorRef>(inputs.begin(), inputs.end()));
}

//===----------------------------------------------------------------------===//
// C header
//===----------------------------------------------------------------------===//

static llvm::StringRef cElementType(DType dtype) {
  switch (dtype) {
  case DType::F32:
    return "float";
  case DType::F16:
  case DType::BF16:
    return "uint16_t";
  case DType::I1:
    return "uint8_t";
  }
  return "void";
}

/// "mha_memref_4d_f32".
static std::string descriptorName(const AotTensor &t) {
  return "mha_memref_" + std::to_string(t.shape.size()) + "d_" +
         dtypeName(t.dtype).str();
}

static std::string shapeComment(const AotTensor &t) {
  std::string s = dtypeName(t.dtype).str() + "[";
  for (auto [i, d] : llvm::enumerate(t.shape))
    s += (i ? "x" : "") + (d < 0 ? std::string("?") : std::to_string(d));
  return s + "]";
}

/// "NAME(a, b)" on one line when it fits in 80 columns, else one parameter
/// per line.
static std::string declaration(const std::string &name,
                               llvm::ArrayRef<std::string> params) {
  std::string oneLine = name + "(" + llvm::join(params, ", ") + ")";
  if (oneLine.size() + 2 <= 80)
    return oneLine;
  return name + "(\n    " + llvm::join(params, ",\n    ") + ")";
}

static void emitDescriptor(llvm::raw_ostream &os, const AotTensor &t) {
  std::string name = descriptorName(t);
  std::string guard = llvm::StringRef(name).upper() + "_DEFINED";
  size_t rank = t.shape.size();
  llvm::StringRef elt = cElementType(t.dtype);
  os << "#ifndef " << guard << "\n#define " << guard << "\n";
  os << "/* A rank-" << rank << " " << dtypeName(t.dtype) << " tensor";
  if (t.dtype == DType::F16)
    os << " (IEEE half bits)";
  else if (t.dtype == DType::BF16)
    os << " (bfloat16 bits)";
  else if (t.dtype == DType::I1)
    os << " (one byte per element, 0 or 1)";
  os << ". */\n";
  os << "typedef struct " << name << " {\n"
     << "  " << elt << " *allocated; /* what the owner frees */\n"
     << "  " << elt << " *aligned;   /* element 0 is aligned[offset] */\n"
     << "  int64_t offset;\n";
  if (rank)
    os << "  int64_t sizes[" << rank << "];\n"
       << "  int64_t strides[" << rank << "]; /* in elements */\n";
  os << "} " << name << ";\n";
  // A constructor for contiguous, row-major (C order) data.
  std::vector<std::string> params = {elt.str() + " *data"};
  for (size_t i = 0; i < rank; ++i)
    params.push_back("int64_t d" + std::to_string(i));
  os << declaration("MHA_AOT_INLINE " + name + " " + name + "_wrap", params)
     << " {\n  " << name << " m;\n  m.allocated = data;\n  m.aligned = "
     << "data;\n  m.offset = 0;\n";
  for (size_t i = 0; i < rank; ++i)
    os << "  m.sizes[" << i << "] = d" << i << ";\n";
  for (size_t i = rank; i-- > 0;) {
    os << "  m.strides[" << i << "] = ";
    if (i + 1 == rank)
      os << "1;\n";
    else
      os << "m.strides[" << i + 1 << "] * d" << i + 1 << ";\n";
  }
  os << "  return m;\n}\n#endif\n\n";
}

static std::string guardName(llvm::StringRef headerName) {
  std::string guard = "MHA_AOT_";
  for (char c : headerName)
    guard += llvm::isAlnum(c) ? llvm::toUpper(c) : '_';
  return guard;
}

std::string mlir::mha::runner::generateCHeader(const AotManifest &manifest,
                                               llvm::StringRef headerName,
                                               llvm::StringRef libraryName) {
  std::string text;
  llvm::raw_string_ostream os(text);
  std::string guard = guardName(headerName);
  os << "/* " << headerName << ": the C interface of " << libraryName << ".\n"
     << " *\n"
     << " * Generated by " << manifest.compiler << " from " << manifest.source
     << "\n"
     << " * (pipeline " << manifest.pipeline;
  if (!manifest.pipelineOptions.empty())
    os << " {" << manifest.pipelineOptions << "}";
  os << ", " << manifest.triple << ", cpu " << manifest.cpu
     << "). Do not edit.\n"
     << " *\n"
     << " * Calling convention (MLIR's C interface): every tensor is a memref\n"
     << " * descriptor passed by pointer, the result descriptor(s) first, "
        "then\n"
     << " * one per argument. Arguments hold contiguous row-major data\n"
     << " * (allocated = aligned = data, offset 0, C-order strides: use the\n"
     << " * *_wrap helpers); the library reads them and never writes them.\n"
     << " *\n"
     << " * Results are allocated by the library. Read element i of a result\n"
     << " * at aligned[offset + sum(i_k * strides[k])], then free it with\n"
     << " * mhaRuntimeReleaseResult(result.allocated), which returns 1. It\n"
     << " * returns 0 and frees nothing for buffers the library does not own\n"
     << " * (a result that is an argument or a constant); release a buffer\n"
     << " * shared by several results once.\n"
     << " *\n"
     << " * Link with libmha_runtime.so (and libomp.so.5 for the cpu\n"
     << " * pipeline).\n"
     << " *\n"
     << " * Errors: an entry never aborts. After it returns, on the calling\n"
     << " * thread, mhaRuntimeGetErrorKind() is 0 on success, else\n"
     << " *   1  shape mismatch: the dynamic sizes of the arguments disagree\n"
     << " *      (checked at entry, before any argument is read), e.g.\n"
     << " *      \"shape mismatch: dimension 0 (batch size B) of 'key'\n"
     << " *      (argument 1) is 1, but 'query' (argument 0) has 2\";\n"
     << " *   2  out of memory: an allocation of the entry failed;\n"
     << " *   3  device error: the CUDA driver or device failed (gpu "
        "entries);\n"
     << " * and mhaRuntimeGetLastError() says why. A failed entry has not\n"
     << " * written its results: do not read or release them. Each entry\n"
     << " * clears its thread's error when called, so threads calling\n"
     << " * entries concurrently each see their own errors.\n"
     << " */\n\n";
  os << "#ifndef " << guard << "\n#define " << guard << "\n\n"
     << "#include <stdint.h>\n\n"
     << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
  // Helpers callers may not use: no unused-function warnings.
  os << "#ifndef MHA_AOT_INLINE\n"
     << "#if defined(__GNUC__)\n"
     << "#define MHA_AOT_INLINE static inline __attribute__((unused))\n"
     << "#else\n#define MHA_AOT_INLINE static inline\n#endif\n"
     << "#endif\n\n";

  // One descriptor type per (rank, dtype), in order of first use.
  std::vector<std::string> emitted;
  for (const AotEntry &entry : manifest.entries)
    for (const auto *list : {&entry.results, &entry.args})
      for (const AotTensor &t : *list) {
        std::string name = descriptorName(t);
        if (llvm::is_contained(emitted, name))
          continue;
        emitted.push_back(name);
        emitDescriptor(os, t);
      }

  for (const AotEntry &entry : manifest.entries) {
    os << "/* @" << entry.name << "\n";
    if (entry.oracle)
      os << " *   one " << entry.oracle->opName()
         << " on the arguments (mha-aot-check --verify checks it)\n";
    for (auto [i, t] : llvm::enumerate(entry.args))
      os << " *   argument " << i << ": " << shapeComment(t) << "\n";
    for (auto [i, t] : llvm::enumerate(entry.results))
      os << " *   result " << i << ": " << shapeComment(t)
         << " (release with mhaRuntimeReleaseResult)\n";
    bool dynamic = false;
    for (const auto *list : {&entry.args, &entry.results})
      for (const AotTensor &t : *list)
        dynamic |= llvm::any_of(t.shape, [](int64_t d) { return d < 0; });
    if (dynamic)
      os << " *   ? = dynamic: any size, given by the argument descriptors\n";
    os << " */\n";
    std::vector<std::string> params;
    if (entry.results.size() == 1) {
      params.push_back(descriptorName(entry.results[0]) + " *result");
    } else if (entry.results.size() > 1) {
      std::string type = "mha_" + entry.name + "_results";
      os << "typedef struct " << type << " {\n";
      for (auto [i, t] : llvm::enumerate(entry.results))
        os << "  " << descriptorName(t) << " result" << i << ";\n";
      os << "} " << type << ";\n";
      params.push_back(type + " *results");
    }
    for (auto [i, t] : llvm::enumerate(entry.args))
      params.push_back(descriptorName(t) + " *arg" + std::to_string(i));
    if (params.empty())
      params.push_back("void");
    os << declaration("void " + entry.symbol(), params) << ";\n\n";
  }

  os << "/* The manifest of the library: JSON describing every entry (name,\n"
     << " * argument and result dtypes and shapes, -1 for dynamic dims, the\n"
     << " * pipeline, the oracle spec of single-op entries, the FLOP terms).\n"
     << " */\n"
     << "const char *" << kManifestSymbol << "(void);\n\n"
     << "/* From libmha_runtime (mha/Runtime/Runtime.h). */\n"
     << "int mhaRuntimeReleaseResult(void *allocated);\n"
     << "const char *mhaRuntimeGetLastError(void);\n"
     << "int mhaRuntimeGetErrorKind(void);\n"
     << "void mhaRuntimeClearError(void);\n"
     << "void mhaRuntimeSetAllocationLimit(uint64_t bytes);\n\n"
     << "#ifdef __cplusplus\n}\n#endif\n\n"
     << "#endif /* " << guard << " */\n";
  return text;
}
