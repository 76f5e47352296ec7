//===- AttentionCase.h - mha.attention test cases for the JIT ---*- C++ -*-===//
//
// Builds single-op `mha.attention` modules and matching random inputs, shared
// by the JIT GoogleTests.
//
//===----------------------------------------------------------------------===//

#ifndef MHA_UNITTESTS_JIT_ATTENTIONCASE_H
#define MHA_UNITTESTS_JIT_ATTENTIONCASE_H

#include "mha/InitAll.h"
#include "mha/Runner/HostTensor.h"
#include "mha/Runner/JitSession.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include "llvm/Support/FormatVariadic.h"

#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace mlir::mha::testing {
using runner::DType;
using runner::HostTensor;

enum class MaskKind { None, I1, Float };

struct AttentionCase {
  int64_t b, h, hkv, sq, skv, d, dv;
  bool causal;
  MaskKind maskKind = MaskKind::None;
  std::vector<int64_t> maskShape = {}; // a broadcast form of [B,H,Sq,Skv]
  DType dtype = DType::F32;
  float range = 1.0f;     // magnitude of Q and K
  bool dynamic = false;   // B, Sq, Skv dynamic in the IR
  bool emptyRows = false; // query row 1 masked out entirely
  std::optional<double> scale = std::nullopt;
  // Variants: window bounds (-1 unbounded; both -1 = no window), softcap,
  // ALiBi slopes and sinks operands, the lse result.
  int64_t windowLeft = -1, windowRight = -1;
  std::optional<double> softcap = std::nullopt;
  bool alibi = false, sinks = false, lse = false;

  bool hasWindow() const { return windowLeft >= 0 || windowRight >= 0; }

  friend std::ostream &operator<<(std::ostream &os, const AttentionCase &c) {
    return os << "B=" << c.b << " H=" << c.h << " Hkv=" << c.hkv
              << " Sq=" << c.sq << " Skv=" << c.skv << " D=" << c.d
              << " Dv=" << c.dv << (c.causal ? " causal" : "")
              << (c.maskKind == MaskKind::I1      ? " i1-mask"
                  : c.maskKind == MaskKind::Float ? " float-mask"
                                                  : "")
              << " " << runner::dtypeName(c.dtype).str()
              << (c.dynamic ? " dynamic" : "")
              << (c.hasWindow() ? " window=[" + std::to_string(c.windowLeft) +
                                      "," + std::to_string(c.windowRight) + "]"
                                : "")
              << (c.softcap ? " softcap=" + std::to_string(*c.softcap) : "")
              << (c.alibi ? " alibi" : "") << (c.sinks ? " sinks" : "")
              << (c.lse ? " lse" : "");
  }
};

inline std::string tensorTypeString(const std::vector<int64_t> &shape,
                                    DType dtype, std::vector<bool> dyn = {}) {
  std::string s = "tensor<";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i < dyn.size() && dyn[i] ? "?" : std::to_string(shape[i])) + "x";
  return s + runner::dtypeName(dtype).str() + ">";
}

/// `func.func @main(q, k, v[, mask][, slopes][, sinks])` returning one
/// mha.attention (and its lse).
inline std::string buildAttentionModule(const AttentionCase &c) {
  std::vector<bool> dyn = {c.dynamic, false, c.dynamic, false};
  std::string q = tensorTypeString({c.b, c.h, c.sq, c.d}, c.dtype, dyn);
  std::string k = tensorTypeString({c.b, c.hkv, c.skv, c.d}, c.dtype, dyn);
  std::string v = tensorTypeString({c.b, c.hkv, c.skv, c.dv}, c.dtype, dyn);
  std::string o = tensorTypeString({c.b, c.h, c.sq, c.dv}, c.dtype, dyn);
  std::string m;
  if (c.maskKind != MaskKind::None)
    m = tensorTypeString(c.maskShape,
                         c.maskKind == MaskKind::I1 ? DType::I1 : c.dtype);
  std::string attrs;
  if (c.causal)
    attrs += "causal";
  if (c.scale)
    attrs += std::string(attrs.empty() ? "" : ", ") +
             llvm::formatv("scale = {0:e} : f32", *c.scale).str();
  if (c.hasWindow())
    attrs +=
        std::string(attrs.empty() ? "" : ", ") +
        llvm::formatv("window = [{0}, {1}]", c.windowLeft, c.windowRight).str();
  if (c.softcap)
    attrs += std::string(attrs.empty() ? "" : ", ") +
             llvm::formatv("softcap = {0:e} : f32", *c.softcap).str();
  std::string perHead = "tensor<" + std::to_string(c.h) + "xf32>";
  std::string args = m.empty() ? "" : ", %m: " + m;
  std::string operands = m.empty() ? "" : " mask(%m)";
  if (c.alibi) {
    args += ", %slopes: " + perHead;
    operands += " alibi(%slopes : " + perHead + ")";
  }
  if (c.sinks) {
    args += ", %sinks: " + perHead;
    operands += " sinks(%sinks : " + perHead + ")";
  }
  std::string l = tensorTypeString({c.b, c.h, c.sq}, DType::F32,
                                   {c.dynamic, false, c.dynamic});
  std::string results = c.lse ? o + ", " + l : o;
  return llvm::formatv(
             "func.func @main(%q: {0}, %k: {1}, %v: {2}{3}) -> ({4}) {{\n"
             "  {8} = mha.attention %q, %k, %v{5} {{{6}} : {0}, {1}, {2}{7} -> "
             "{4}\n"
             "  return {8} : {4}\n}\n",
             q, k, v, args, results, operands, attrs, m.empty() ? "" : ", " + m,
             c.lse ? "%o, %lse" : "%o")
      .str();
}

/// Random q, k, v (and mask) for `c`, deterministic in `seed`.
inline std::vector<HostTensor> makeAttentionInputs(const AttentionCase &c,
                                                   uint64_t seed) {
  std::vector<HostTensor> inputs = {
      runner::randomTensor(c.dtype, {c.b, c.h, c.sq, c.d}, seed, c.range),
      runner::randomTensor(c.dtype, {c.b, c.hkv, c.skv, c.d}, seed + 1,
                           c.range),
      runner::randomTensor(c.dtype, {c.b, c.hkv, c.skv, c.dv}, seed + 2)};
  if (c.maskKind == MaskKind::I1) {
    HostTensor m = runner::randomTensor(DType::I1, c.maskShape, seed + 3, 0.7f);
    if (c.emptyRows) {
      // Query row 1 sees nothing (the mask's last two dims are [Sq, Skv]).
      int64_t skv = c.maskShape[3];
      for (int64_t j = 0; j < skv; ++j)
        m.set(1 * skv + j, 0);
    }
    inputs.push_back(std::move(m));
  } else if (c.maskKind == MaskKind::Float) {
    inputs.push_back(
        runner::randomTensor(c.dtype, c.maskShape, seed + 3, 2.0f));
  }
  if (c.alibi)
    inputs.push_back(runner::randomTensor(DType::F32, {c.h}, seed + 4, 0.5f));
  if (c.sinks)
    inputs.push_back(runner::randomTensor(DType::F32, {c.h}, seed + 5, 2.0f));
  return inputs;
}

/// One context with every dialect the tools know, for all the tests of a
/// process (loading every dialect costs more than compiling a small case).
inline MLIRContext &sharedContext() {
  static MLIRContext *context = [] {
    DialectRegistry registry;
    mlir::mha::registerAllDialects(registry);
    auto *ctx = new MLIRContext(registry);
    ctx->loadAllAvailableDialects();
    return ctx;
  }();
  return *context;
}

/// Parses `text`, compiles its @main with `kind` for `target` and runs it on
/// `inputs`.
inline llvm::Expected<std::vector<HostTensor>>
compileAndRun(llvm::StringRef text, runner::PipelineKind kind,
              llvm::StringRef options, llvm::ArrayRef<HostTensor> inputs,
              const runner::TargetFlags &target = {}) {
  OwningOpRef<ModuleOp> module =
      parseSourceString<ModuleOp>(text, &sharedContext());
  if (!module)
    return llvm::createStringError("cannot parse:\n" + text.str());
  auto sig = runner::getEntrySignature(*module, "main");
  if (!sig)
    return sig.takeError();
  if (llvm::Error err = runner::checkInputs(*sig, inputs))
    return std::move(err);
  auto jit = runner::JitFunction::compile(*module, *sig, kind, options, target);
  if (!jit)
    return jit.takeError();
  return (*jit)->run(inputs);
}

} // namespace mlir::mha::testing

#endif // MHA_UNITTESTS_JIT_ATTENTIONCASE_H
