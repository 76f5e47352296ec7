//===- HeadParallelLayer.h - Shard a layer by its heads ---------*- C++ -*-===//
//
// The head-parallel (Megatron-style) split of `mha.multi_head_attention`,
// shared by mha-shard-attention (annotation) and mha-partition-attention
// (the program of one rank).
//
//===----------------------------------------------------------------------===//

#ifndef MHA_LIB_DIALECT_MHA_TRANSFORMS_HEADPARALLELLAYER_H
#define MHA_LIB_DIALECT_MHA_TRANSFORMS_HEADPARALLELLAYER_H

#include "mha/Dialect/MHA/IR/MHAOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir::mha {

/// Checks that `op` can be split by its heads over `n` processes; reports why
/// not on `op`.
LogicalResult checkLayerShardable(MultiHeadAttentionOp op, int64_t n);

/// Annotates the operands and the result of `op` for a split of its heads
/// over the 1-D grid `grid`: Q/K/V weights and biases column-parallel, W_o
/// row-parallel, inputs, output bias, a head-broadcast mask and the result
/// replicated.
void annotateLayerByHeads(MultiHeadAttentionOp op, StringRef grid);

/// Rewrites an annotated `op` into the program of one rank: the layer on its
/// heads, then one `shard.all_reduce` of the partial output projection and
/// the output bias, added once.
LogicalResult partitionLayerByHeads(MultiHeadAttentionOp op,
                                    SymbolTableCollection &symbols);

/// Erases the `shard.shard` ops among `annotations` (repeats allowed) that
/// lost their uses, then the shardings of those and the `shardings` that
/// lost theirs.
void eraseDeadAnnotations(ArrayRef<Operation *> annotations,
                          ArrayRef<Value> shardings = {});

/// Sets the type of `func` from its entry block arguments and its return.
void updateFunctionType(func::FuncOp func);

} // namespace mlir::mha

#endif // MHA_LIB_DIALECT_MHA_TRANSFORMS_HEADPARALLELLAYER_H
