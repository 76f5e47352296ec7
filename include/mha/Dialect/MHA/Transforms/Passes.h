//===- Passes.h - mha dialect transformation passes -------------*- C++ -*-===//

#ifndef MHA_DIALECT_MHA_TRANSFORMS_PASSES_H
#define MHA_DIALECT_MHA_TRANSFORMS_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;
namespace mha {

#define GEN_PASS_DECL
#include "mha/Dialect/MHA/Transforms/Passes.h.inc"

/// Rewrites mha.multi_head_attention into projections + mha.attention.
void populateDecomposeMultiHeadAttentionPatterns(RewritePatternSet &patterns);

/// Rewrites mha.attention into the FlashAttention-2 loop nest of
/// mha-tile-attention with the given tile sizes (kvTile positive; qTile 0
/// picks it per op from `l2Bytes` and `threads`, 0 threads meaning this
/// machine's hardware threads).
void populateTileAttentionPatterns(RewritePatternSet &patterns, int64_t qTile,
                                   int64_t kvTile, int64_t l2Bytes = 1 << 20,
                                   int64_t threads = 0);

/// Rewrites mha.attention with a static Sq <= split-max-sq into the decode
/// kernel of mha-split-kv: one task per K/V head with its GQA group's queries
/// packed (when `packHeads` and the op allows it), and the kv range split
/// into `kvSplits` partial attentions combined with log-sum-exp (0: the cost
/// model for `threads` workers, 0 = this machine's hardware threads; 1: no
/// split). The options must be valid (see the pass).
void populateSplitKVPatterns(RewritePatternSet &patterns,
                             const MHASplitKVOptions &options);

#define GEN_PASS_REGISTRATION
#include "mha/Dialect/MHA/Transforms/Passes.h.inc"

} // namespace mha
} // namespace mlir

#endif // MHA_DIALECT_MHA_TRANSFORMS_PASSES_H
