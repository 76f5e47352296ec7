//===- FlopModel.h - The FLOP formula of benchmarks -------------*- C++ -*-===//
//
// The one implementation of the FLOP convention of mha-run --bench and
// mha-aot-check --bench: 2*B*H*Sq*Skv*(D+Dv) per attention (4*B*H*Sq*Skv*D
// when Dv = D), halved when causal (the FlashAttention convention), plus
// 2*M*N*K per matmul (layer projections, linalg.matmul).
//
// A function's FLOPs are a list of terms whose dims are static or products
// of argument dims, so they can be stored in an AOT manifest and evaluated
// for the shapes of each call without MLIR (Flops.h builds the terms from
// the IR).
//
//===----------------------------------------------------------------------===//

#ifndef MHA_RUNNER_FLOPMODEL_H
#define MHA_RUNNER_FLOPMODEL_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/JSON.h"

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace mlir::mha::runner {

/// FLOPs of one attention: 2*b*h*sq*skv*(d+dv), halved when causal.
double attentionFlops(double b, double h, double sq, double skv, double d,
                      double dv, bool causal);
/// Query/key pairs a `window = [left, right]` (-1 unbounded) leaves visible,
/// with `causal` too, under the bottom-right alignment i' = i + skv - sq.
double windowedPairs(int64_t sq, int64_t skv, int64_t left, int64_t right,
                     bool causal);

/// FLOPs of a windowed attention: 2*b*h*(d+dv) per visible pair (exact, not
/// halved: the window is what makes the work scale with the visible area).
double windowedAttentionFlops(double b, double h, int64_t sq, int64_t skv,
                              double d, double dv, int64_t left, int64_t right,
                              bool causal);

/// FLOPs of an [m, k] x [k, n] matmul: 2*m*n*k.
double matmulFlops(double m, double n, double k);

/// `factor` times the product of dims of the call's arguments:
/// argDims = {(argument position, dim index), ...}.
struct FlopDim {
  int64_t factor = 1;
  std::vector<std::pair<unsigned, unsigned>> argDims;

  static FlopDim ofArg(unsigned arg, unsigned dim) { return {1, {{arg, dim}}}; }
  FlopDim operator*(const FlopDim &other) const;
  /// The value for the given argument shapes; std::nullopt when an argument
  /// or dim does not exist.
  std::optional<double>
  evaluate(llvm::ArrayRef<std::vector<int64_t>> argShapes) const;
};

struct FlopTerm {
  enum class Kind { Attention, Matmul };
  Kind kind = Kind::Attention;
  /// Attention: b, h, sq, skv, d, dv. Matmul: m, n, k.
  std::vector<FlopDim> dims;
  bool causal = false; // attention only
  /// Attention window bounds, -1 unbounded (both -1: no window).
  int64_t windowLeft = -1, windowRight = -1;
};

/// Sum of the terms for the given argument shapes (attentionFlops and
/// matmulFlops); std::nullopt when a dim cannot be evaluated or a term is
/// malformed.
std::optional<double>
evaluateFlops(llvm::ArrayRef<FlopTerm> terms,
              llvm::ArrayRef<std::vector<int64_t>> argShapes);

/// JSON form of a term: {"kind": "attention", "causal": false,
/// "dims": [1, {"factor": 1, "args": [[0, 2]]}, ...]} (a static dim is a
/// number).
llvm::json::Value toJSON(const FlopTerm &term);
bool fromJSON(const llvm::json::Value &value, FlopTerm &term,
              llvm::json::Path path);

} // namespace mlir::mha::runner

#endif // MHA_RUNNER_FLOPMODEL_H
