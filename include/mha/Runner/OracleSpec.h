//===- OracleSpec.h - Serializable single-op entry specs --------*- C++ -*-===//
//
// What the C++ oracle needs to evaluate an entry function that is one
// mha.attention or mha.multi_head_attention applied to its arguments: the
// op, its attributes and which argument feeds which operand. Recognising
// such an entry needs MLIR (OracleFunction.h); evaluating and serialising
// the spec does not, so tools without libMLIR (mha-aot-check) can verify
// ahead-of-time compiled libraries from their manifest.
//
//===----------------------------------------------------------------------===//

#ifndef MHA_RUNNER_ORACLESPEC_H
#define MHA_RUNNER_ORACLESPEC_H

#include "mha/Runner/HostTensor.h"
#include "mha/Runner/Oracle.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/JSON.h"

#include <memory>
#include <optional>

namespace mlir::mha::runner {

/// The score_mod / mask_mod regions of an mha.attention, compiled from the
/// IR for the oracle (OracleModifiers.h); opaque here, so that evaluating a
/// spec needs no MLIR.
class OracleModifiers {
public:
  virtual ~OracleModifiers();
  /// Sets `attrs.scoreMod` / `attrs.maskMod` to evaluate the regions on the
  /// entry's `inputs` (the tensors they capture are entry arguments).
  virtual void bind(llvm::ArrayRef<HostTensor> inputs,
                    AttentionAttrs &attrs) const = 0;
};

struct OracleSpec {
  enum class Kind { Attention, MultiHeadAttention };
  Kind kind = Kind::Attention;
  /// Argument positions of the operands in op order: q, k, v for
  /// mha.attention; xq, xkv, wq, wk, wv, wo for mha.multi_head_attention
  /// (self-attention passes the same argument as xq and xkv).
  std::vector<unsigned> operands;
  /// Argument positions of bq, bk, bv, bo (multi_head_attention); empty
  /// without bias(...).
  std::vector<unsigned> biases;
  std::optional<unsigned> mask;
  /// Variants (the layer has all but the log-sum-exp): argument positions of
  /// the ALiBi slopes and the sinks, the window bounds (-1 unbounded), softcap,
  /// and whether the entry returns the log-sum-exp as its second result.
  std::optional<unsigned> alibi, sinks;
  int64_t windowLeft = -1, windowRight = -1;
  std::optional<double> softcap;
  bool returnsLse = false;
  bool causal = false;
  std::optional<double> scale; // default 1/sqrt(D)
  int64_t numHeads = 0;        // multi_head_attention only
  int64_t numKvHeads = 0;      // multi_head_attention only
  /// The modifier regions of an mha.attention; null without. Not part of
  /// the JSON form: a manifest cannot carry IR.
  std::shared_ptr<const OracleModifiers> modifiers;

  /// The op name: "mha.attention" or "mha.multi_head_attention".
  llvm::StringRef opName() const;
  /// Operand names in op order ("q", "k", "v" / "xq", "xkv", ...).
  static llvm::ArrayRef<const char *> operandNames(Kind kind);
  /// The attention attributes of the spec, with the ALiBi slopes and sinks
  /// read from `inputs`.
  AttentionAttrs getAttrs(llvm::ArrayRef<HostTensor> inputs) const;

  /// How many results the op gives: the output, then the log-sum-exp when
  /// `returnsLse`.
  size_t numResults() const { return returnsLse ? 2 : 1; }

  /// Checks the operand counts and that every position is below `numArgs`;
  /// returns a message naming the problem, or "" when the spec is valid.
  std::string validate(size_t numArgs) const;
};

/// Evaluates the spec with the C++ oracle (Oracle.h) on the entry's
/// arguments. The spec must be valid for `inputs.size()` arguments and the
/// inputs must have the shapes of the entry's signature.
HostTensor evaluateOracleSpec(const OracleSpec &spec,
                              llvm::ArrayRef<HostTensor> inputs);

/// Like evaluateOracleSpec, with every result of the entry: the attention
/// output, then the log-sum-exp when `spec.returnsLse`.
std::vector<HostTensor>
evaluateOracleSpecResults(const OracleSpec &spec,
                          llvm::ArrayRef<HostTensor> inputs);

/// JSON form, e.g. {"op": "mha.attention", "q": 0, "k": 1, "v": 2,
/// "mask": 3, "causal": true, "scale": 0.125}.
llvm::json::Value toJSON(const OracleSpec &spec);
bool fromJSON(const llvm::json::Value &value, OracleSpec &spec,
              llvm::json::Path path);

} // namespace mlir::mha::runner

#endif // MHA_RUNNER_ORACLESPEC_H
