//===- Oracle.h - Plain C++ attention oracle --------------------*- C++ -*-===//
//
// An independent implementation of the mha op semantics with double
// accumulation. It shares no code with the MLIR lowerings and guards the
// reference pipeline itself.
//
//===----------------------------------------------------------------------===//

#ifndef MHA_RUNNER_ORACLE_H
#define MHA_RUNNER_ORACLE_H

#include "mha/Runner/HostTensor.h"

#include <functional>
#include <optional>

namespace mlir::mha::runner {

struct AttentionAttrs {
  std::optional<double> scale; // default 1/sqrt(D)
  bool causal = false;         // bottom-right aligned: j <= i + Skv - Sq
  /// Key j is visible iff i' - left <= j <= i' + right with
  /// i' = i + Skv - Sq; -1 leaves a side unbounded.
  int64_t windowLeft = -1, windowRight = -1;
  std::optional<double> softcap; // score = c * tanh(score / c)
  /// Per query head (empty = none): ALiBi slopes add slope * (j - i'); sink
  /// logits join the softmax denominator only.
  std::vector<double> alibiSlopes, sinks;
  /// mha.attention's score_mod / mask_mod regions, evaluated in double at
  /// the raw indices (b, query head h, i, j); empty = none. score_mod runs
  /// after ALiBi, before the masks; mask_mod hides j when false.
  std::function<double(double score, int64_t b, int64_t h, int64_t i,
                       int64_t j)>
      scoreMod;
  std::function<bool(int64_t b, int64_t h, int64_t i, int64_t j)> maskMod;
};

/// mha.attention: q [B,H,Sq,D], k [B,Hkv,Skv,D], v [B,Hkv,Skv,Dv], optional
/// mask broadcastable to [B,H,Sq,Skv] (i1 keeps where true, float is added).
/// Returns [B,H,Sq,Dv] in `q`'s dtype. Rows with no visible key are 0.
/// With `lse`, also stores there the f32 [B,H,Sq] natural log of the sum of
/// exp(score) over the visible keys (sinks excluded), -inf for empty rows.
HostTensor oracleAttention(const HostTensor &q, const HostTensor &k,
                           const HostTensor &v, const HostTensor *mask,
                           const AttentionAttrs &attrs,
                           HostTensor *lse = nullptr);

/// mha.multi_head_attention: xq [B,Sq,E], xkv [B,Skv,E], wq [E,H*D],
/// wk [E,Hkv*D], wv [E,Hkv*Dv], wo [H*Dv,E], optional biases (bq, bk, bv, bo;
/// empty or four), optional mask. Returns [B,Sq,E] in `xq`'s dtype.
/// Projections are rounded to the input dtype before attention, as the
/// decomposed IR does.
HostTensor oracleMultiHeadAttention(
    const HostTensor &xq, const HostTensor &xkv, const HostTensor &wq,
    const HostTensor &wk, const HostTensor &wv, const HostTensor &wo,
    const std::vector<const HostTensor *> &biases, const HostTensor *mask,
    int64_t numHeads, int64_t numKvHeads, const AttentionAttrs &attrs);

} // namespace mlir::mha::runner

#endif // MHA_RUNNER_ORACLE_H
