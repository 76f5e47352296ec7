//===- MaskModAnalysis.h - Affine structure of mask_mod ---------*- C++ -*-===//
//
// Recognises a `mask_mod` region of mha.attention that is a boolean formula
// (and / or / not / constants) of linear comparisons of `q_idx` and
// `kv_idx`: causal `kv_idx <= q_idx`, sliding windows, prefix-LM
// `kv_idx < P or kv_idx <= q_idx`, and their conjunctions and disjunctions.
// For such a mask a tiled lowering can bound each query tile's kv range and
// tell, per (query tile, kv tile) rectangle, whether every element is
// visible (a full tile: no per-element mask), none is (an empty tile:
// skipped) or it cannot tell (a partial tile: per-element select). Every
// other mask_mod (reading tensors, using b or h, non-linear) is data
// dependent.
//
//===----------------------------------------------------------------------===//

#ifndef MHA_DIALECT_MHA_UTILS_MASKMODANALYSIS_H
#define MHA_DIALECT_MHA_UTILS_MASKMODANALYSIS_H

#include "mlir/IR/Builders.h"

#include <optional>
#include <vector>

namespace mlir::mha {
class AttentionOp;

/// A boolean formula over atoms `q * q_idx + kv * kv_idx + c >= 0`, with
/// negations pushed into the atoms (so it only has and / or).
struct MaskFormula {
  enum class Kind { Atom, And, Or, True, False };
  Kind kind = Kind::True;
  int64_t q = 0, kv = 0, c = 0; // Atom only
  std::vector<MaskFormula> operands;

  /// The formula's negation (De Morgan; `not (e >= 0)` is `-e - 1 >= 0`).
  MaskFormula negated() const;
};

/// What `analyzeMaskMod` found.
struct MaskModInfo {
  /// The mask as a formula, or nullopt when it is data dependent.
  std::optional<MaskFormula> formula;
  /// Whether the region reads its `b` / `h` block argument.
  bool usesBatch = false, usesHead = false;
};

/// Analyses the mask_mod region of `op` (which must have one).
MaskModInfo analyzeMaskMod(AttentionOp op);

/// The classification of the rectangle of queries [q0, q1] x keys [k0, k1]
/// (inclusive bounds, index values) under `f`: two i1 values, `allTrue`
/// (every element visible) and `allFalse` (none visible). Both false means
/// partial. Sound: a linear form's extremes over a rectangle are at its
/// corners, and and / or combine them conservatively.
std::pair<Value, Value> classifyTile(OpBuilder &b, Location loc,
                                     const MaskFormula &f, Value q0, Value q1,
                                     Value k0, Value k1);

/// Bounds on the keys that queries [q0, q1] may see under `f`: keys below
/// `lo` and at or above `hi` are hidden from every query of the range
/// (each null when `f` gives no bound on that side).
std::pair<Value, Value> kvRangeOf(OpBuilder &b, Location loc,
                                  const MaskFormula &f, Value q0, Value q1);

} // namespace mlir::mha

#endif // MHA_DIALECT_MHA_UTILS_MASKMODANALYSIS_H
