//===- KernelBuilder.h - Helpers of the attention kernels -------*- C++ -*-===//
//
// What every kernel of AttentionKernels.h is built from: arithmetic
// shorthands, the kernel arguments, which rows and kv tiles a block works on
// (BlockPlan), masking, the epilogue of one row and shared-memory views. Each
// kernel body has its own file (MMAKernel.cpp, WGMMAKernel.cpp,
// SIMTKernel.cpp) and is declared at the end.
//
//===----------------------------------------------------------------------===//

#ifndef MHA_LIB_CONVERSION_MHATOGPU_KERNELBUILDER_H
#define MHA_LIB_CONVERSION_MHATOGPU_KERNELBUILDER_H

#include "AttentionKernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "llvm/Support/Alignment.h"

#include <functional>
#include <limits>

namespace mlir::mha::kernels {

/// Bytes of one element of the integer or float type `t`.
inline int64_t byteWidth(Type t) { return t.getIntOrFloatBitWidth() / 8; }

struct KernelArgs;

/// Index and float arithmetic shorthands over an ImplicitLocOpBuilder.
struct KernelBuilder {
  ImplicitLocOpBuilder &b;
  const AttentionKernelConfig &cfg;
  Type f32;

  KernelBuilder(ImplicitLocOpBuilder &b, const AttentionKernelConfig &cfg)
      : b(b), cfg(cfg), f32(b.getF32Type()) {}

  Value c(int64_t v) { return arith::ConstantIndexOp::create(b, v); }
  Value cf(double v) {
    return arith::ConstantOp::create(b, b.getF32FloatAttr(float(v)));
  }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, x, y); }
  Value sub(Value x, Value y) { return arith::SubIOp::create(b, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, x, y); }
  Value add(Value x, int64_t y) { return y ? add(x, c(y)) : x; }
  Value mul(Value x, int64_t y) { return y == 1 ? x : mul(x, c(y)); }
  Value div(Value x, int64_t y) {
    return y == 1 ? x : arith::DivUIOp::create(b, x, c(y));
  }
  Value rem(Value x, int64_t y) { return arith::RemUIOp::create(b, x, c(y)); }
  Value min(Value x, Value y) { return arith::MinSIOp::create(b, x, y); }
  Value max(Value x, Value y) { return arith::MaxSIOp::create(b, x, y); }
  Value lt(Value x, Value y) {
    return arith::CmpIOp::create(b, arith::CmpIPredicate::slt, x, y);
  }
  Value le(Value x, Value y) {
    return arith::CmpIOp::create(b, arith::CmpIPredicate::sle, x, y);
  }
  Value eq(Value x, Value y) {
    return arith::CmpIOp::create(b, arith::CmpIPredicate::eq, x, y);
  }
  Value andI(Value x, Value y) { return arith::AndIOp::create(b, x, y); }
  Value boolean(bool v) {
    return arith::ConstantOp::create(b, b.getBoolAttr(v));
  }
  Value select(Value cond, Value x, Value y) {
    return arith::SelectOp::create(b, cond, x, y);
  }
  Value fadd(Value x, Value y) { return arith::AddFOp::create(b, x, y); }
  Value fmul(Value x, Value y) { return arith::MulFOp::create(b, x, y); }
  Value fsub(Value x, Value y) { return arith::SubFOp::create(b, x, y); }
  Value fmax(Value x, Value y) { return arith::MaximumFOp::create(b, x, y); }
  Value exp2(Value x) { return math::Exp2Op::create(b, x); }
  Value negInf() { return cf(-std::numeric_limits<double>::infinity()); }
  Value isZero(Value x) {
    return arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ, x, cf(0));
  }
  /// f32 splat of `v` of vector type `type`.
  Value splat(VectorType type, double v) {
    return arith::ConstantOp::create(
        b, DenseElementsAttr::get(type, b.getF32FloatAttr(v)));
  }
  Value toF32(Value v);
  Value fromF32(Value v, Type elementType);

  /// `m == -inf ? 0 : m`: the subtrahend of a row that has seen no key yet,
  /// so that exp2 gives 0 instead of NaN.
  Value safeMax(Value m);

  /// Applies Skv, the causal diagonal, the window and mask_mod
  /// (ScoreModifiers.h), an i1 mask (false -> -inf) or a float mask (added,
  /// in log2 units) of the kernel's arguments `a` to the score `x` of query
  /// `row` of `head` and `key`.
  /// `visible`: keyVisible, when the caller has it.
  Value maskScore(Value x, Value row, Value key, Value head,
                  const KernelArgs &a, Value visible = Value());

  /// Whether query `row` of `head` sees `key` by Skv, the causal diagonal,
  /// the window and mask_mod (the mask operand aside).
  Value keyVisible(Value row, Value key, Value head, const KernelArgs &a);
};

/// The arguments of an attention kernel (AttentionKernels.h) and the block
/// coordinates every body starts from.
struct KernelArgs {
  Value q, k, v, mask, out, partial, lse, sq, skv, splits;
  Value alibi, sinks, lseOut; // variants: f32 [H], f32 [H], f32 [B, H, Sq]
  IRMapping captures; // values the modifier regions capture -> kernel values
  Value qTensorMap, kTensorMap, vTensorMap; // wgmma: TMA descriptors
  SmallVector<Value, 4> maskStrides;
  Value tid, batch, kvHead;
};

/// memref<?xT>, the type of every global buffer a kernel takes.
MemRefType flatType(Type t);

/// An empty kernel `name` taking `inputs` at the end of `module`, known to be
/// launched with `numThreads` threads per block.
gpu::GPUFuncOp createKernel(OpBuilder &builder, Location loc,
                            gpu::GPUModuleOp module, StringRef name,
                            ArrayRef<Type> inputs, int64_t numThreads);

/// One query row of a block: its head and query index (`q` clamped into
/// range, so loads through it are always valid) and whether it exists.
struct RowRef {
  Value head, q, valid;
};

/// Which rows and which kv tiles a block works on.
///  - Standard: block (x, y, z) = (query tile, head, batch); row r is query
///    x * blockM + r of head y.
///  - Split-kv (flash-decoding): block (x, y, z) = (split, kv head, batch);
///    row r is query r % Sq of the r / Sq-th query head sharing kv head y, and
///    the block walks its share of the kv tiles.
struct BlockPlan {
  std::function<RowRef(KernelBuilder &, Value)> row;
  Value split; // split-kv only
  Value kvEnd; // keys past this are never visible
  Value minQ;  // smallest query index of the block
  Value maxQ;  // largest (clamped to Sq - 1)
  Value tileBegin, tileCount;
};

/// Reads the block coordinates into `a` (tid, batch, kvHead) and plans the
/// block's rows and kv tiles of `blockN` keys.
BlockPlan planBlock(KernelBuilder &kb, KernelArgs &a, int64_t blockN);

/// The loop over the block's kv tiles, carrying `init`: `iteration` builds
/// the body of iteration `it` (0-based, from plan.tileBegin) on `state` and
/// returns the next state.
using TileIteration = function_ref<SmallVector<Value>(
    ImplicitLocOpBuilder &ib, Value it, ValueRange state)>;
scf::ForOp buildTileLoop(KernelBuilder &kb, const BlockPlan &plan,
                         ValueRange init, TileIteration iteration);

/// The flat index of query `row` in Q and the result: ((b * H + h) * Sq + q).
Value queryIndex(KernelBuilder &kb, const KernelArgs &a, const RowRef &row);

/// The flat index of the first key of the block's kv head in K and V:
/// (b * Hkv + kvHead) * Skv.
Value firstKeyIndex(KernelBuilder &kb, const KernelArgs &a);

/// Writes `values` (f32, consecutive columns from `col`) of `row`, times
/// `inv` (rowInverse of its running max `m` and sum `l`): to the result, or
/// with split-kv to the split's partial result, plus (when `writeLse`) the
/// split's log2-sum-exp2 `m + log2(l)` (-inf for a split that saw no key) or
/// the lse result (storeLse). `align`: the alignment of the stored vector
/// that the caller guarantees.
void storeRow(KernelBuilder &kb, KernelArgs &a, const BlockPlan &plan,
              const RowRef &row, Value col, ArrayRef<Value> values, Value m,
              Value l, Value inv, Value writeLse, llvm::MaybeAlign align = {});

/// The block's dynamic shared memory, as bytes.
Value dynamicShared(ImplicitLocOpBuilder &b);

/// A typed view of the dynamic shared memory `dynShared` at `byteOffset`.
Value sharedView(ImplicitLocOpBuilder &b, Value dynShared, int64_t byteOffset,
                 ArrayRef<int64_t> shape, Type elementType);

//===----------------------------------------------------------------------===//
// The kernel bodies, one file each
//===----------------------------------------------------------------------===//

/// Build the body of a kernel whose arguments `a` holds at the insertion
/// point of `b`, up to (not including) its gpu.return.
void buildMmaBody(ImplicitLocOpBuilder &b, const AttentionKernelConfig &cfg,
                  KernelArgs &a);
void buildWgmmaBody(ImplicitLocOpBuilder &b, const AttentionKernelConfig &cfg,
                    KernelArgs &a);
void buildSimtBody(ImplicitLocOpBuilder &b, const AttentionKernelConfig &cfg,
                   KernelArgs &a);

/// Bytes of dynamic shared memory of each kernel's layout.
int64_t mmaSharedMemoryBytes(const AttentionKernelConfig &cfg);
int64_t wgmmaSharedMemoryBytes(const AttentionKernelConfig &cfg);
int64_t simtSharedMemoryBytes(const AttentionKernelConfig &cfg);

} // namespace mlir::mha::kernels

#endif // MHA_LIB_CONVERSION_MHATOGPU_KERNELBUILDER_H
