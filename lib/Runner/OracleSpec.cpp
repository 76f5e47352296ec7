//===- OracleSpec.cpp - Serializable single-op entry specs ----------------===//

#include "mha/Runner/OracleSpec.h"

#include "mha/Runner/Oracle.h"

#include <cassert>

using namespace mlir::mha::runner;
namespace json = llvm::json;

OracleModifiers::~OracleModifiers() = default;

llvm::StringRef OracleSpec::opName() const {
  return kind == Kind::Attention ? "mha.attention" : "mha.multi_head_attention";
}

llvm::ArrayRef<const char *> OracleSpec::operandNames(Kind kind) {
  static const char *attention[] = {"q", "k", "v"};
  static const char *layer[] = {"xq", "xkv", "wq", "wk", "wv", "wo"};
  if (kind == Kind::Attention)
    return attention;
  return layer;
}

static const char *biasNames[] = {"bq", "bk", "bv", "bo"};

std::string OracleSpec::validate(size_t numArgs) const {
  size_t expected = operandNames(kind).size();
  if (operands.size() != expected)
    return opName().str() + " takes " + std::to_string(expected) +
           " operands, the spec has " + std::to_string(operands.size());
  if (kind == Kind::Attention && !biases.empty())
    return "mha.attention takes no biases";
  if (!biases.empty() && biases.size() != 4)
    return "expected 4 biases (bq, bk, bv, bo), the spec has " +
           std::to_string(biases.size());
  if (kind == Kind::MultiHeadAttention &&
      (numHeads <= 0 || numKvHeads <= 0 || numHeads % numKvHeads != 0))
    return "num_heads = " + std::to_string(numHeads) +
           " must be a positive multiple of num_kv_heads = " +
           std::to_string(numKvHeads);
  auto check = [&](unsigned position, llvm::StringRef what) -> std::string {
    if (position >= numArgs)
      return what.str() + " is argument " + std::to_string(position) +
             ", but the entry has " + std::to_string(numArgs) + " arguments";
    return "";
  };
  for (auto [i, position] : llvm::enumerate(operands))
    if (std::string err = check(position, operandNames(kind)[i]); !err.empty())
      return err;
  for (auto [i, position] : llvm::enumerate(biases))
    if (std::string err = check(position, biasNames[i]); !err.empty())
      return err;
  if (mask)
    if (std::string err = check(*mask, "mask"); !err.empty())
      return err;
  if (kind != Kind::Attention && (alibi || sinks || windowLeft >= 0 ||
                                  windowRight >= 0 || softcap || returnsLse))
    return "variants (window, softcap, alibi, sinks, lse) apply to "
           "mha.attention only";
  if (alibi)
    if (std::string err = check(*alibi, "alibi"); !err.empty())
      return err;
  if (sinks)
    if (std::string err = check(*sinks, "sinks"); !err.empty())
      return err;
  return "";
}

static std::vector<double> valuesOf(const HostTensor &t) {
  std::vector<double> values(t.numElements());
  for (int64_t i = 0, e = values.size(); i < e; ++i)
    values[i] = t.get(i);
  return values;
}

std::vector<HostTensor> mlir::mha::runner::evaluateOracleSpecResults(
    const OracleSpec &spec, llvm::ArrayRef<HostTensor> inputs) {
  if (spec.kind != OracleSpec::Kind::Attention || !spec.returnsLse)
    return {evaluateOracleSpec(spec, inputs)};
  std::vector<HostTensor> results(2);
  AttentionAttrs attrs = spec.getAttrs(inputs);
  auto in = [&](unsigned i) -> const HostTensor & {
    return inputs[spec.operands[i]];
  };
  results[0] = oracleAttention(in(0), in(1), in(2),
                               spec.mask ? &inputs[*spec.mask] : nullptr, attrs,
                               &results[1]);
  return results;
}

AttentionAttrs OracleSpec::getAttrs(llvm::ArrayRef<HostTensor> inputs) const {
  AttentionAttrs attrs;
  attrs.scale = scale;
  attrs.causal = causal;
  attrs.windowLeft = windowLeft;
  attrs.windowRight = windowRight;
  attrs.softcap = softcap;
  if (alibi)
    attrs.alibiSlopes = valuesOf(inputs[*alibi]);
  if (sinks)
    attrs.sinks = valuesOf(inputs[*sinks]);
  if (modifiers)
    modifiers->bind(inputs, attrs);
  return attrs;
}

HostTensor
mlir::mha::runner::evaluateOracleSpec(const OracleSpec &spec,
                                      llvm::ArrayRef<HostTensor> inputs) {
  assert(spec.validate(inputs.size()).empty() && "invalid oracle spec");
  AttentionAttrs attrs = spec.getAttrs(inputs);
  const HostTensor *mask = spec.mask ? &inputs[*spec.mask] : nullptr;
  auto in = [&](unsigned i) -> const HostTensor & {
    return inputs[spec.operands[i]];
  };
  if (spec.kind == OracleSpec::Kind::Attention)
    return oracleAttention(in(0), in(1), in(2), mask, attrs);
  std::vector<const HostTensor *> biases;
  for (unsigned position : spec.biases)
    biases.push_back(&inputs[position]);
  return oracleMultiHeadAttention(in(0), in(1), in(2), in(3), in(4), in(5),
                                  biases, mask, spec.numHeads, spec.numKvHeads,
                                  attrs);
}

json::Value mlir::mha::runner::toJSON(const OracleSpec &spec) {
  json::Object object{{"op", spec.opName()}};
  for (auto [i, position] : llvm::enumerate(spec.operands))
    object[OracleSpec::operandNames(spec.kind)[i]] = int64_t(position);
  for (auto [i, position] : llvm::enumerate(spec.biases))
    object[biasNames[i]] = int64_t(position);
  if (spec.mask)
    object["mask"] = int64_t(*spec.mask);
  object["causal"] = spec.causal;
  if (spec.scale)
    object["scale"] = *spec.scale;
  if (spec.alibi)
    object["alibi"] = int64_t(*spec.alibi);
  if (spec.sinks)
    object["sinks"] = int64_t(*spec.sinks);
  if (spec.windowLeft >= 0 || spec.windowRight >= 0)
    object["window"] = json::Array{spec.windowLeft, spec.windowRight};
  if (spec.softcap)
    object["softcap"] = *spec.softcap;
  if (spec.returnsLse)
    object["lse"] = true;
  if (spec.kind == OracleSpec::Kind::MultiHeadAttention) {
    object["num_heads"] = spec.numHeads;
    object["num_kv_heads"] = spec.numKvHeads;
  }
  return object;
}

bool mlir::mha::runner::fromJSON(const json::Value &value, OracleSpec &spec,
                                 json::Path path) {
  const json::Object *object = value.getAsObject();
  if (!object) {
    path.report("expected an object");
    return false;
  }
  json::ObjectMapper mapper(value, path);
  std::string op;
  if (!mapper || !mapper.map("op", op))
    return false;
  if (op == "mha.attention") {
    spec.kind = OracleSpec::Kind::Attention;
  } else if (op == "mha.multi_head_attention") {
    spec.kind = OracleSpec::Kind::MultiHeadAttention;
  } else {
    path.field("op").report("expected mha.attention or "
                            "mha.multi_head_attention");
    return false;
  }
  spec = OracleSpec{spec.kind};
  auto position = [&](llvm::StringRef key, bool required,
                      std::optional<unsigned> &out) {
    const json::Value *v = object->get(key);
    if (!v || v->kind() == json::Value::Null) {
      if (required)
        path.field(key).report("missing argument position");
      return !required;
    }
    std::optional<int64_t> i = v->getAsInteger();
    if (!i || *i < 0) {
      path.field(key).report("expected a 0-based argument position");
      return false;
    }
    out = unsigned(*i);
    return true;
  };
  for (const char *name : OracleSpec::operandNames(spec.kind)) {
    std::optional<unsigned> p;
    if (!position(name, /*required=*/true, p))
      return false;
    spec.operands.push_back(*p);
  }
  if (spec.kind == OracleSpec::Kind::MultiHeadAttention && object->get("bq")) {
    for (const char *name : biasNames) {
      std::optional<unsigned> p;
      if (!position(name, /*required=*/true, p))
        return false;
      spec.biases.push_back(*p);
    }
  }
  std::optional<std::vector<int64_t>> window;
  if (!position("mask", /*required=*/false, spec.mask) ||
      !position("alibi", /*required=*/false, spec.alibi) ||
      !position("sinks", /*required=*/false, spec.sinks) ||
      !mapper.mapOptional("causal", spec.causal) ||
      !mapper.mapOptional("scale", spec.scale) ||
      !mapper.mapOptional("softcap", spec.softcap) ||
      !mapper.mapOptional("lse", spec.returnsLse) ||
      !mapper.mapOptional("window", window))
    return false;
  if (window) {
    if (window->size() != 2 || (*window)[0] < -1 || (*window)[1] < -1) {
      path.field("window").report("expected [left, right], each >= -1");
      return false;
    }
    spec.windowLeft = (*window)[0];
    spec.windowRight = (*window)[1];
  }
  if (spec.kind == OracleSpec::Kind::MultiHeadAttention &&
      (!mapper.map("num_heads", spec.numHeads) ||
       !mapper.map("num_kv_heads", spec.numKvHeads)))
    return false;
  return true;
}
