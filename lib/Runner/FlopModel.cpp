//===- FlopModel.cpp - The FLOP formula of benchmarks ---------------------===//

#include "mha/Runner/FlopModel.h"

#include <algorithm>

using namespace mlir::mha::runner;
namespace json = llvm::json;

double mlir::mha::runner::attentionFlops(double b, double h, double sq,
                                         double skv, double d, double dv,
                                         bool causal) {
  return 2 * b * h * sq * skv * (d + dv) * (causal ? 0.5 : 1.0);
}

double mlir::mha::runner::windowedPairs(int64_t sq, int64_t skv, int64_t left,
                                        int64_t right, bool causal) {
  double pairs = 0;
  for (int64_t i = 0; i < sq; ++i) {
    int64_t ip = i + skv - sq;
    int64_t lo = left >= 0 ? std::max<int64_t>(0, ip - left) : 0;
    int64_t hi = skv - 1;
    if (right >= 0)
      hi = std::min(hi, ip + right);
    if (causal)
      hi = std::min(hi, ip);
    if (hi >= lo)
      pairs += double(hi - lo + 1);
  }
  return pairs;
}

double mlir::mha::runner::windowedAttentionFlops(double b, double h, int64_t sq,
                                                 int64_t skv, double d,
                                                 double dv, int64_t left,
                                                 int64_t right, bool causal) {
  return 2 * b * h * (d + dv) * windowedPairs(sq, skv, left, right, causal);
}

double mlir::mha::runner::matmulFlops(double m, double n, double k) {
  return 2 * m * n * k;
}

FlopDim FlopDim::operator*(const FlopDim &other) const {
  FlopDim product{factor * other.factor, argDims};
  product.argDims.insert(product.argDims.end(), other.argDims.begin(),
                         other.argDims.end());
  return product;
}

std::optional<double>
FlopDim::evaluate(llvm::ArrayRef<std::vector<int64_t>> argShapes) const {
  double value = double(factor);
  for (auto [arg, dim] : argDims) {
    if (arg >= argShapes.size() || dim >= argShapes[arg].size())
      return std::nullopt;
    value *= double(argShapes[arg][dim]);
  }
  return value;
}

std::optional<double> mlir::mha::runner::evaluateFlops(
    llvm::ArrayRef<FlopTerm> terms,
    llvm::ArrayRef<std::vector<int64_t>> argShapes) {
  double total = 0;
  for (const FlopTerm &term : terms) {
    std::vector<double> d;
    for (const FlopDim &dim : term.dims) {
      std::optional<double> value = dim.evaluate(argShapes);
      if (!value)
        return std::nullopt;
      d.push_back(*value);
    }
    if (term.kind == FlopTerm::Kind::Attention && d.size() == 6 &&
        (term.windowLeft >= 0 || term.windowRight >= 0))
      total += windowedAttentionFlops(d[0], d[1], int64_t(d[2]), int64_t(d[3]),
                                      d[4], d[5], term.windowLeft,
                                      term.windowRight, term.causal);
    else if (term.kind == FlopTerm::Kind::Attention && d.size() == 6)
      total += attentionFlops(d[0], d[1], d[2], d[3], d[4], d[5], term.causal);
    else if (term.kind == FlopTerm::Kind::Matmul && d.size() == 3)
      total += matmulFlops(d[0], d[1], d[2]);
    else
      return std::nullopt;
  }
  return total;
}

static json::Value toJSON(const FlopDim &dim) {
  if (dim.argDims.empty())
    return dim.factor;
  json::Array args;
  for (auto [arg, d] : dim.argDims)
    args.push_back(json::Array{int64_t(arg), int64_t(d)});
  return json::Object{{"factor", dim.factor}, {"args", std::move(args)}};
}

static bool fromJSON(const json::Value &value, FlopDim &dim, json::Path path) {
  dim = FlopDim{};
  if (std::optional<int64_t> constant = value.getAsInteger()) {
    dim.factor = *constant;
    return true;
  }
  json::ObjectMapper mapper(value, path);
  std::vector<std::vector<int64_t>> args;
  if (!mapper || !mapper.map("factor", dim.factor) || !mapper.map("args", args))
    return false;
  for (const std::vector<int64_t> &pair : args) {
    if (pair.size() != 2 || pair[0] < 0 || pair[1] < 0) {
      path.field("args").report("expected [argument, dim] pairs");
      return false;
    }
    dim.argDims.push_back({unsigned(pair[0]), unsigned(pair[1])});
  }
  return true;
}

json::Value mlir::mha::runner::toJSON(const FlopTerm &term) {
  json::Array dims;
  for (const FlopDim &dim : term.dims)
    dims.push_back(::toJSON(dim));
  json::Object object{
      {"kind", term.kind == FlopTerm::Kind::Attention ? "attention" : "matmul"},
      {"dims", std::move(dims)}};
  if (term.kind == FlopTerm::Kind::Attention)
    object["causal"] = term.causal;
  if (term.windowLeft >= 0 || term.windowRight >= 0)
    object["window"] = json::Array{term.windowLeft, term.windowRight};
  return object;
}

bool mlir::mha::runner::fromJSON(const json::Value &value, FlopTerm &term,
                                 json::Path path) {
  json::ObjectMapper mapper(value, path);
  std::string kind;
  const json::Array *dims = nullptr;
  if (!mapper || !mapper.map("kind", kind))
    return false;
  if (kind == "attention") {
    term.kind = FlopTerm::Kind::Attention;
  } else if (kind == "matmul") {
    term.kind = FlopTerm::Kind::Matmul;
  } else {
    path.field("kind").report("expected attention or matmul");
    return false;
  }
  if (const json::Object *object = value.getAsObject())
    dims = object->getArray("dims");
  size_t expected = term.kind == FlopTerm::Kind::Attention ? 6 : 3;
  if (!dims || dims->size() != expected) {
    if (expected == 6)
      path.field("dims").report("expected 6 dims (b, h, sq, skv, d, dv)");
    else
      path.field("dims").report("expected 3 dims (m, n, k)");
    return false;
  }
  term.dims.clear();
  for (auto [i, d] : llvm::enumerate(*dims)) {
    FlopDim dim;
    if (!::fromJSON(d, dim, path.field("dims").index(i)))
      return false;
    term.dims.push_back(std::move(dim));
  }
  term.causal = false;
  std::optional<std::vector<int64_t>> window;
  if (!mapper.mapOptional("causal", term.causal) ||
      !mapper.mapOptional("window", window))
    return false;
  term.windowLeft = term.windowRight = -1;
  if (window) {
    if (window->size() != 2) {
      path.field("window").report("expected [left, right]");
      return false;
    }
    term.windowLeft = (*window)[0];
    term.windowRight = (*window)[1];
  }
  return true;
}
