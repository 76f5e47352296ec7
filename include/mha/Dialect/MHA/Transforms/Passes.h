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
/// mha-tile-attention with the given (positive) tile sizes.
void populateTileAttentionPatterns(RewritePatternSet &patterns, int64_t qTile,
                                   int64_t kvTile);

/// Rewrites mha.attention with a static Sq <= splitMaxSq into the
/// flash-decoding form of mha-split-kv: `kvSplits` partial attentions over
/// disjoint kv ranges (0: automatic; 1: none, no pattern is added), combined
/// with log-sum-exp. `kvTile` must be positive.
void populateSplitKVPatterns(RewritePatternSet &patterns, int64_t kvSplits,
                             int64_t splitMaxSq, int64_t kvTile);

#define GEN_PASS_REGISTRATION
#include "mha/Dialect/MHA/Transforms/Passes.h.inc"

} // namespace mha
} // namespace mlir

#endif // MHA_DIALECT_MHA_TRANSFORMS_PASSES_H
