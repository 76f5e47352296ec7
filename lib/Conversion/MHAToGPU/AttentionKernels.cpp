//===- AttentionKernels.cpp - Fused attention kernels in the gpu dialect --===//
//
// Three FlashAttention-2 kernels: tensor cores with nvvm.mma.sync m16n8k16
// (ldmatrix fragments, cp.async double buffering) for f16/bf16, warpgroup
// MMA (sm_90a, operands in shared memory behind descriptors, Q and K by
// TMA), and CUDA
// cores for every other case. All keep the online-softmax state in f32
// registers and work in the exp2 domain with scale * log2(e) folded into the
// scores; each can split the kv range for flash-decoding (BlockPlan).
//
//===----------------------------------------------------------------------===//

#include "AttentionKernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::mha;

static int64_t byteWidth(Type t) { return t.getIntOrFloatBitWidth() / 8; }

Type mlir::mha::tmaDescriptorType(MLIRContext *ctx,
                                  const AttentionKernelConfig &config,
                                  int64_t rows) {
  auto wg = gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
  auto box = MemRefType::get({rows, 8}, config.elementType,
                             MemRefLayoutAttrInterface{}, wg);
  return nvgpu::TensorMapDescriptorType::get(
      ctx, box, nvgpu::TensorMapSwizzleKind::SWIZZLE_NONE,
      nvgpu::TensorMapL2PromoKind::L2PROMO_NONE,
      nvgpu::TensorMapOOBKind::OOB_ZERO,
      nvgpu::TensorMapInterleaveKind::INTERLEAVE_NONE);
}

bool mlir::mha::mmaKernelSupports(Type elementType, int64_t headDim,
                                  int64_t valueDim) {
  return (elementType.isF16() || elementType.isBF16()) && headDim % 16 == 0 &&
         valueDim % 16 == 0 && headDim <= 128 && valueDim <= 128;
}

int64_t mlir::mha::simtKernelBlockN(Type elementType, int64_t headDim,
                                    int64_t valueDim) {
  int64_t rowBytes = (headDim + valueDim) * byteWidth(elementType);
  int64_t n = 32;
  while (n > 1 && n * rowBytes > 48 * 1024)
    n /= 2;
  return n;
}

/// Shared-memory rows of the mma kernel are padded by 8 elements (16 bytes)
/// so that the 8 rows a fragment load touches fall in different banks.
static constexpr int64_t kRowPad = 8;

int64_t AttentionKernelConfig::sharedMemoryBytes() const {
  int64_t elt = byteWidth(elementType);
  if (kind == AttentionKernelKind::Wgmma)
    return (blockM() * headDim + blockN * headDim + valueDim * blockN +
            blockM() * blockN) *
           elt;
  if (kind == AttentionKernelKind::Mma)
    return 2 * blockN * (headDim + valueDim + 2 * kRowPad) * elt;
  return blockN * (headDim + valueDim) * elt;
}

namespace {

/// Index and float arithmetic shorthands over an ImplicitLocOpBuilder.
struct KernelBuilder {
  ImplicitLocOpBuilder &b;
  const AttentionKernelConfig &cfg;
  Type f32, idx;

  KernelBuilder(ImplicitLocOpBuilder &b, const AttentionKernelConfig &cfg)
      : b(b), cfg(cfg), f32(b.getF32Type()), idx(b.getIndexType()) {}

  Value c(int64_t v) { return arith::ConstantIndexOp::create(b, v); }
  Value cf(double v) {
    return arith::ConstantOp::create(b, b.getF32FloatAttr(float(v)));
  }
  Value ci32(int32_t v) {
    return arith::ConstantOp::create(b, b.getI32IntegerAttr(v));
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
  Value andI(Value x, Value y) { return arith::AndIOp::create(b, x, y); }
  Value select(Value cond, Value x, Value y) {
    return arith::SelectOp::create(b, cond, x, y);
  }
  Value fadd(Value x, Value y) { return arith::AddFOp::create(b, x, y); }
  Value fmul(Value x, Value y) { return arith::MulFOp::create(b, x, y); }
  Value fsub(Value x, Value y) { return arith::SubFOp::create(b, x, y); }
  Value fmax(Value x, Value y) { return arith::MaximumFOp::create(b, x, y); }
  Value exp2(Value x) { return math::Exp2Op::create(b, x); }
  Value negInf() { return cf(-std::numeric_limits<double>::infinity()); }
  Value toF32(Value v) {
    Type t = getElementTypeOrSelf(v.getType());
    if (t.isF32())
      return v;
    Type target = f32;
    if (auto vt = dyn_cast<VectorType>(v.getType()))
      target = VectorType::get(vt.getShape(), f32);
    return arith::ExtFOp::create(b, target, v);
  }
  Value fromF32(Value v, Type elementType) {
    if (elementType.isF32())
      return v;
    Type target = elementType;
    if (auto vt = dyn_cast<VectorType>(v.getType()))
      target = VectorType::get(vt.getShape(), elementType);
    return arith::TruncFOp::create(b, target, v);
  }

  /// `m == -inf ? 0 : m`: the subtrahend of a row that has seen no key yet,
  /// so that exp2 gives 0 instead of NaN.
  Value safeMax(Value m) {
    Value isInf =
        arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ, m, negInf());
    return select(isInf, cf(0), m);
  }

  /// Keys the block's rows can see: all of them, or with `causal` up to the
  /// diagonal `maxQ + Skv - Sq` of its last query (bottom-right alignment).
  Value kvEnd(Value maxQ, Value sq, Value skv) {
    if (!cfg.causal)
      return skv;
    Value end = add(add(maxQ, sub(skv, sq)), c(1));
    return max(min(end, skv), c(0));
  }

  /// Applies the causal diagonal, an i1 mask (false -> -inf) or a float mask
  /// (added, in log2 units) to the score `x` of (row, key).
  Value maskScore(Value x, Value row, Value key, Value sq, Value skv,
                  Value maskBuf, Value batch, Value head,
                  ArrayRef<Value> maskStrides) {
    Value valid = lt(key, skv);
    if (cfg.causal)
      valid = andI(valid, le(key, add(row, sub(skv, sq))));
    if (cfg.mask != MaskKind::None) {
      Value rowc = max(min(row, sub(sq, c(1))), c(0));
      Value keyc = max(min(key, sub(skv, c(1))), c(0));
      Value off =
          add(add(mul(batch, maskStrides[0]), mul(head, maskStrides[1])),
              add(mul(rowc, maskStrides[2]), mul(keyc, maskStrides[3])));
      Value m = memref::LoadOp::create(b, maskBuf, off);
      if (cfg.mask == MaskKind::Bool)
        valid = andI(valid, m);
      else
        x = fadd(x, fmul(toF32(m), cf(M_LOG2E)));
    }
    return select(valid, x, negInf());
  }
};

/// Common kernel signature and entry values.
struct KernelArgs {
  Value q, k, v, mask, out, partial, lse, sq, skv, splits;
  Value qTensorMap, kTensorMap; // wgmma: TMA descriptors of Q and K
  SmallVector<Value, 4> maskStrides;
  Value tid, batch, kvHead;
};

gpu::GPUFuncOp createKernel(OpBuilder &builder, Location loc,
                            gpu::GPUModuleOp module, StringRef name,
                            ArrayRef<Type> inputs, int64_t numThreads) {
  MLIRContext *ctx = builder.getContext();
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToEnd(module.getBody());
  auto fn = gpu::GPUFuncOp::create(builder, loc, name,
                                   FunctionType::get(ctx, inputs, {}));
  fn->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), UnitAttr::get(ctx));
  fn.setKnownBlockSizeAttr(
      builder.getDenseI32ArrayAttr({int32_t(numThreads), 1, 1}));
  return fn;
}

MemRefType flatType(Type t) {
  return MemRefType::get({ShapedType::kDynamic}, t);
}

gpu::GPUFuncOp createAttentionKernel(OpBuilder &builder, Location loc,
                                     gpu::GPUModuleOp module, StringRef name,
                                     const AttentionKernelConfig &cfg,
                                     KernelArgs &args) {
  Type idx = builder.getIndexType(), f32 = builder.getF32Type();
  SmallVector<Type> inputs = {flatType(cfg.elementType),
                              flatType(cfg.elementType),
                              flatType(cfg.elementType)};
  if (cfg.mask != MaskKind::None)
    inputs.push_back(flatType(cfg.maskElementType));
  if (cfg.splitKV)
    inputs.append({flatType(f32), flatType(f32)});
  else
    inputs.push_back(flatType(cfg.elementType));
  inputs.append(cfg.splitKV ? 4 : 3, idx);
  if (cfg.mask != MaskKind::None)
    inputs.append(4, idx);
  // TMA descriptors travel as the pointers they lower to: convert-gpu-to-
  // nvvm cannot convert nvgpu types in a kernel signature.
  if (cfg.kind == AttentionKernelKind::Wgmma)
    inputs.append(2, LLVM::LLVMPointerType::get(builder.getContext()));
  gpu::GPUFuncOp fn =
      createKernel(builder, loc, module, name, inputs, cfg.numThreads());
  Block &entry = fn.getBody().front();
  unsigned i = 0;
  args.q = entry.getArgument(i++);
  args.k = entry.getArgument(i++);
  args.v = entry.getArgument(i++);
  if (cfg.mask != MaskKind::None)
    args.mask = entry.getArgument(i++);
  if (cfg.splitKV) {
    args.partial = entry.getArgument(i++);
    args.lse = entry.getArgument(i++);
  } else {
    args.out = entry.getArgument(i++);
  }
  ++i; // B: the bodies take the batch from the grid's z extent
  args.sq = entry.getArgument(i++);
  args.skv = entry.getArgument(i++);
  if (cfg.splitKV)
    args.splits = entry.getArgument(i++);
  if (cfg.mask != MaskKind::None)
    for (int d = 0; d < 4; ++d)
      args.maskStrides.push_back(entry.getArgument(i++));
  if (cfg.kind == AttentionKernelKind::Wgmma) {
    OpBuilder::InsertionGuard guard(builder);
    builder.setInsertionPointToStart(&entry);
    auto asDescriptor = [&](Value ptr, int64_t rows) {
      Type type = tmaDescriptorType(builder.getContext(), cfg, rows);
      return UnrealizedConversionCastOp::create(builder, loc, type, ptr)
          .getResult(0);
    };
    args.qTensorMap = asDescriptor(entry.getArgument(i++), cfg.blockM());
    args.kTensorMap = asDescriptor(entry.getArgument(i++), cfg.blockN);
  }
  return fn;
}

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
  Value tileBegin, tileCount;
};

BlockPlan planBlock(KernelBuilder &kb, KernelArgs &a, int64_t blockN) {
  ImplicitLocOpBuilder &b = kb.b;
  const AttentionKernelConfig &cfg = kb.cfg;
  const int64_t G = cfg.numHeads / cfg.numKvHeads;
  a.tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  Value bx = gpu::BlockIdOp::create(b, gpu::Dimension::x);
  Value by = gpu::BlockIdOp::create(b, gpu::Dimension::y);
  a.batch = gpu::BlockIdOp::create(b, gpu::Dimension::z);
  Value lastQ = kb.sub(a.sq, kb.c(1));
  BlockPlan plan;
  Value maxQ;
  if (!cfg.splitKV) {
    Value head = by;
    a.kvHead = kb.div(head, G);
    Value q0 = kb.mul(bx, cfg.blockM());
    plan.minQ = q0;
    maxQ = kb.sub(kb.min(kb.add(q0, cfg.blockM()), a.sq), kb.c(1));
    Value sq = a.sq;
    plan.row = [=](KernelBuilder &rb, Value r) {
      Value q = rb.add(q0, r);
      return RowRef{head, rb.min(q, lastQ), rb.lt(q, sq)};
    };
  } else {
    a.kvHead = by;
    plan.split = bx;
    plan.minQ = kb.c(0);
    maxQ = lastQ;
    Value kvHead = a.kvHead, sq = a.sq;
    Value rows = kb.mul(sq, G);
    plan.row = [=](KernelBuilder &rb, Value r) {
      Value rc = rb.min(r, rb.sub(rows, rb.c(1)));
      Value head =
          rb.add(rb.mul(kvHead, G), arith::DivUIOp::create(rb.b, rc, sq));
      Value q = arith::RemUIOp::create(rb.b, rc, sq);
      return RowRef{head, q, rb.lt(r, rows)};
    };
  }
  plan.kvEnd = kb.kvEnd(maxQ, a.sq, a.skv);
  Value numTiles = kb.div(kb.add(plan.kvEnd, blockN - 1), blockN);
  if (!cfg.splitKV) {
    plan.tileBegin = kb.c(0);
    plan.tileCount = numTiles;
  } else {
    Value perSplit = arith::CeilDivUIOp::create(b, numTiles, a.splits);
    plan.tileBegin = kb.mul(plan.split, perSplit);
    plan.tileCount =
        kb.max(kb.min(perSplit, kb.sub(numTiles, plan.tileBegin)), kb.c(0));
  }
  return plan;
}

/// Writes `values` (f32, consecutive columns from `col`) of `row`, divided
/// by the row sum `l`: to the result, or with split-kv to the split's
/// partial result, plus (when `writeLse`) the split's log2-sum-exp2
/// `m + log2(l)` (-inf for a split that saw no key).
void storeRow(KernelBuilder &kb, const AttentionKernelConfig &cfg,
              KernelArgs &a, const BlockPlan &plan, const RowRef &row,
              Value col, ArrayRef<Value> values, Value m, Value l,
              Value writeLse) {
  ImplicitLocOpBuilder &b = kb.b;
  scf::IfOp::create(b, row.valid, [&](OpBuilder &nb, Location loc) {
    ImplicitLocOpBuilder ib(loc, nb);
    KernelBuilder rb(ib, cfg);
    Value isZero =
        arith::CmpFOp::create(ib, arith::CmpFPredicate::OEQ, l, rb.cf(0));
    Value inv =
        rb.select(isZero, rb.cf(0), arith::DivFOp::create(ib, rb.cf(1), l));
    SmallVector<Value> scaled;
    for (Value v : values)
      scaled.push_back(rb.fmul(v, inv));
    Value qRow = rb.add(
        rb.mul(rb.add(rb.mul(a.batch, cfg.numHeads), row.head), a.sq), row.q);
    auto type = VectorType::get({int64_t(values.size())}, rb.f32);
    Value vec = vector::FromElementsOp::create(ib, type, scaled);
    if (!cfg.splitKV) {
      vector::StoreOp::create(ib, rb.fromF32(vec, cfg.elementType), a.out,
                              rb.add(rb.mul(qRow, cfg.valueDim), col));
    } else {
      Value slot = rb.add(rb.mul(qRow, a.splits), plan.split);
      vector::StoreOp::create(ib, vec, a.partial,
                              rb.add(rb.mul(slot, cfg.valueDim), col));
      scf::IfOp::create(ib, writeLse, [&](OpBuilder &lb, Location lloc) {
        ImplicitLocOpBuilder lib(lloc, lb);
        KernelBuilder lkb(lib, cfg);
        Value lse = lkb.select(isZero, lkb.negInf(),
                               lkb.fadd(m, math::Log2Op::create(lib, l)));
        memref::StoreOp::create(lib, lse, a.lse, slot);
        scf::YieldOp::create(lib);
      });
    }
    scf::YieldOp::create(ib);
  });
}

/// A typed view of the dynamic shared memory at `byteOffset`.
Value sharedView(ImplicitLocOpBuilder &b, Value dynShared, int64_t byteOffset,
                 ArrayRef<int64_t> shape, Type elementType) {
  auto wg =
      gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup);
  auto type =
      MemRefType::get(shape, elementType, MemRefLayoutAttrInterface{}, wg);
  Value off = arith::ConstantIndexOp::create(b, byteOffset);
  return memref::ViewOp::create(b, type, dynShared, off, ValueRange{});
}

Value dynamicShared(ImplicitLocOpBuilder &b) {
  auto wg =
      gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup);
  auto type = MemRefType::get({ShapedType::kDynamic}, b.getI8Type(),
                              MemRefLayoutAttrInterface{}, wg);
  return gpu::DynamicSharedMemoryOp::create(b, type);
}

//===----------------------------------------------------------------------===//
// SIMT kernel: one thread per query row
//===----------------------------------------------------------------------===//

void buildSimtBody(ImplicitLocOpBuilder &b, const AttentionKernelConfig &cfg,
                   KernelArgs &a) {
  KernelBuilder kb(b, cfg);
  const int64_t D = cfg.headDim, Dv = cfg.valueDim, H = cfg.numHeads,
                Hkv = cfg.numKvHeads, BN = cfg.blockN, T = cfg.numThreads();
  BlockPlan plan = planBlock(kb, a, BN);
  Type elt = cfg.elementType;
  auto vecD = VectorType::get({D}, elt);
  auto vecDv = VectorType::get({Dv}, elt);
  auto accType = VectorType::get({Dv}, kb.f32);

  RowRef row = plan.row(kb, a.tid);
  Value qRow =
      kb.add(kb.mul(kb.add(kb.mul(a.batch, H), row.head), a.sq), row.q);
  Value qv = kb.toF32(vector::LoadOp::create(b, vecD, a.q, kb.mul(qRow, D)));
  Value kvRow0 = kb.mul(kb.add(kb.mul(a.batch, Hkv), a.kvHead), a.skv);

  Value dyn = dynamicShared(b);
  Value ks = sharedView(b, dyn, 0, {BN, D}, elt);
  Value vs = sharedView(b, dyn, BN * D * byteWidth(elt), {BN, Dv}, elt);
  Value scaleLog2e = kb.cf(cfg.scale * M_LOG2E);

  // Cooperative, bounds-checked copy of one K or V tile into shared memory.
  auto stage = [&](Value src, Value dst, int64_t width, Value t0) {
    Value zero = arith::ConstantOp::create(b, b.getZeroAttr(elt));
    scf::ForOp::create(
        b, a.tid, kb.c(BN * width), kb.c(T), ValueRange{},
        [&](OpBuilder &nb, Location loc, Value e, ValueRange) {
          ImplicitLocOpBuilder ib(loc, nb);
          KernelBuilder ikb(ib, cfg);
          Value r = ikb.div(e, width), col = ikb.rem(e, width);
          Value key = ikb.add(t0, r);
          Value keyc = ikb.min(key, ikb.sub(a.skv, ikb.c(1)));
          Value off = ikb.add(ikb.mul(ikb.add(kvRow0, keyc), width), col);
          Value x = memref::LoadOp::create(ib, src, off);
          x = ikb.select(ikb.lt(key, a.skv), x, zero);
          memref::StoreOp::create(ib, x, dst, ValueRange{r, col});
          scf::YieldOp::create(ib);
        });
  };

  Value accInit = arith::ConstantOp::create(
      b, DenseElementsAttr::get(accType, b.getF32FloatAttr(0)));
  auto tiles = scf::ForOp::create(
      b, kb.c(0), plan.tileCount, kb.c(1),
      ValueRange{kb.negInf(), kb.cf(0), accInit},
      [&](OpBuilder &nb, Location loc, Value it, ValueRange state) {
        ImplicitLocOpBuilder ib(loc, nb);
        KernelBuilder ikb(ib, cfg);
        Value t0 = ikb.mul(ikb.add(plan.tileBegin, it), BN);
        gpu::BarrierOp::create(ib);
        stage(a.k, ks, D, t0);
        stage(a.v, vs, Dv, t0);
        gpu::BarrierOp::create(ib);
        Value nKeys = ikb.min(ikb.c(BN), ikb.sub(plan.kvEnd, t0));
        auto keys = scf::ForOp::create(
            ib, ikb.c(0), nKeys, ikb.c(1), state,
            [&](OpBuilder &kbld, Location kloc, Value j, ValueRange st) {
              ImplicitLocOpBuilder kbb(kloc, kbld);
              KernelBuilder k2(kbb, cfg);
              Value key = k2.add(t0, j);
              Value kj = k2.toF32(vector::LoadOp::create(
                  kbb, vecD, ks, ValueRange{j, k2.c(0)}));
              Value dot = vector::ReductionOp::create(
                  kbb, vector::CombiningKind::ADD,
                  arith::MulFOp::create(kbb, qv, kj));
              Value x = k2.fmul(dot, scaleLog2e);
              x = k2.maskScore(x, row.q, key, a.sq, a.skv, a.mask, a.batch,
                               row.head, a.maskStrides);
              Value m = st[0], l = st[1], acc = st[2];
              Value mNew = k2.fmax(m, x);
              Value base = k2.safeMax(mNew);
              Value alpha = k2.exp2(k2.fsub(m, base));
              Value p = k2.exp2(k2.fsub(x, base));
              Value lNew = k2.fadd(k2.fmul(l, alpha), p);
              Value vj = k2.toF32(vector::LoadOp::create(
                  kbb, vecDv, vs, ValueRange{j, k2.c(0)}));
              Value scaled = arith::MulFOp::create(
                  kbb, acc, vector::BroadcastOp::create(kbb, accType, alpha));
              Value accNew = vector::FMAOp::create(
                  kbb, vector::BroadcastOp::create(kbb, accType, p), vj,
                  scaled);
              scf::YieldOp::create(kbb, ValueRange{mNew, lNew, accNew});
            });
        scf::YieldOp::create(ib, keys.getResults());
      });

  SmallVector<Value> values;
  for (int64_t i = 0; i < Dv; ++i)
    values.push_back(
        vector::ExtractOp::create(b, tiles.getResult(2), ArrayRef<int64_t>{i}));
  Value always = arith::ConstantOp::create(b, b.getBoolAttr(true));
  storeRow(kb, cfg, a, plan, row, kb.c(0), values, tiles.getResult(0),
           tiles.getResult(1), always);
}

//===----------------------------------------------------------------------===//
// Tensor-core kernel: 4 warps x 16 query rows, nvvm.mma.sync m16n8k16
//===----------------------------------------------------------------------===//
//
// Fragment layouts of mma.m16n8k16 (PTX ISA), lane = 4 * g + t:
//   A (16x16, row major): 4 registers of 2 elements:
//       R0 = A[g][2t..2t+1], R1 = A[g+8][2t..], R2 = A[g][2t+8..],
//       R3 = A[g+8][2t+8..]
//   B (16x8, k x n):      R0 = B[2t..2t+1][g], R1 = B[2t+8..2t+9][g]
//   C (16x8, f32):        c0,c1 = C[g][2t..2t+1], c2,c3 = C[g+8][2t..]
// The C layout of two adjacent 8-key score tiles is the A layout of P for a
// 16-key step, so P never leaves registers.

struct MmaBuilder : KernelBuilder {
  using KernelBuilder::KernelBuilder;

  /// An A/B operand register from 2 elements of the input type: f16 operands
  /// are <2 x half>, bf16 ones travel as i32.
  Value operand(Value pair) {
    if (cfg.elementType.isF16())
      return pair;
    auto i32x1 = VectorType::get({1}, b.getI32Type());
    Value cast = vector::BitCastOp::create(b, i32x1, pair);
    return vector::ExtractOp::create(b, cast, ArrayRef<int64_t>{0});
  }
  Value pack(Value lo, Value hi) {
    auto pairType = VectorType::get({2}, cfg.elementType);
    return operand(vector::FromElementsOp::create(
        b, pairType,
        ValueRange{fromF32(lo, cfg.elementType),
                   fromF32(hi, cfg.elementType)}));
  }

  /// C += A * B on one 16x8x16 tile; `acc` is vector<4xf32>.
  Value mma(ArrayRef<Value> a, ArrayRef<Value> bOps, Value acc) {
    SmallVector<Value, 4> cOps;
    for (int64_t i = 0; i < 4; ++i)
      cOps.push_back(vector::ExtractOp::create(b, acc, ArrayRef<int64_t>{i}));
    auto ptx =
        cfg.elementType.isF16() ? NVVM::MMATypes::f16 : NVVM::MMATypes::bf16;
    auto resType = LLVM::LLVMStructType::getLiteral(b.getContext(),
                                                    SmallVector<Type>(4, f32));
    Value res = NVVM::MmaOp::create(
        b, resType, a, bOps, cOps, ArrayRef<int64_t>{16, 8, 16}, std::nullopt,
        std::nullopt, std::array<NVVM::MMATypes, 2>{ptx, ptx},
        std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                       NVVM::MMALayout::col});
    SmallVector<Value, 4> out;
    for (int64_t i = 0; i < 4; ++i)
      out.push_back(LLVM::ExtractValueOp::create(b, res, i));
    return vector::FromElementsOp::create(b, VectorType::get({4}, f32), out);
  }

  /// Butterfly reduction over the 4 lanes that share a row (xor 1, 2).
  Value quadReduce(Value x, bool isMax) {
    for (int32_t off : {1, 2}) {
      Value other = gpu::ShuffleOp::create(b, x, off, 32, gpu::ShuffleMode::XOR)
                        .getShuffleResult();
      x = isMax ? fmax(x, other) : fadd(x, other);
    }
    return x;
  }
};

/// Where a lane of a tensor-core kernel sits (lane = 4 g + t of warp w) and
/// its two rows, g and g + 8 of the warp's 16.
struct LaneLayout {
  Value g, t, t2, rA;
  RowRef rows[2];
};

LaneLayout laneLayout(KernelBuilder &kb, KernelArgs &a, const BlockPlan &plan) {
  LaneLayout l;
  Value lane = kb.rem(a.tid, 32), warp = kb.div(a.tid, 32);
  l.g = kb.div(lane, 4);
  l.t = kb.rem(lane, 4);
  l.t2 = kb.mul(l.t, 2);
  l.rA = kb.add(kb.mul(warp, 16), l.g);
  l.rows[0] = plan.row(kb, l.rA);
  l.rows[1] = plan.row(kb, kb.add(l.rA, 8));
  return l;
}

/// The loop-carried state of the tensor-core kernels: running max and sum of
/// both rows, then one vector<4xf32> accumulator per 8 output columns.
SmallVector<Value> initialState(KernelBuilder &kb) {
  auto vec4 = VectorType::get({4}, kb.f32);
  Value zero4 = arith::ConstantOp::create(
      kb.b, DenseElementsAttr::get(vec4, kb.b.getF32FloatAttr(0)));
  SmallVector<Value> init = {kb.negInf(), kb.negInf(), kb.cf(0), kb.cf(0)};
  init.append(kb.cfg.valueDim / 8, zero4);
  return init;
}

/// One online-softmax step for a thread's two rows (g and g + 8) on a tile
/// of raw scores `x` in the mma accumulator layout (4 per 8-key tile: row g
/// columns 2t, 2t + 1, then row g + 8): scales them into log2 units, masks
/// them where the tile needs it and replaces them with p = exp2(x - m).
/// `state` starts with (m_g, m_g+8, l_g, l_g+8).
struct SoftmaxStep {
  Value m[2], l[2], alpha[2];
};

SoftmaxStep softmaxTile(MmaBuilder &mb, KernelArgs &a, const BlockPlan &plan,
                        const RowRef (&rows)[2], Value t0, Value t2,
                        SmallVectorImpl<Value> &x, ValueRange state) {
  const AttentionKernelConfig &cfg = mb.cfg;
  ImplicitLocOpBuilder &ib = mb.b;
  const int64_t BN = cfg.blockN, nKeyTiles = BN / 8;
  Value scaleLog2e = mb.cf(cfg.scale * M_LOG2E);
  for (Value &v : x)
    v = mb.fmul(v, scaleLog2e);
  // Masking only where a tile needs it: past Skv, across the causal
  // diagonal, or with a mask operand.
  Value needsMask = mb.lt(a.skv, mb.add(t0, BN));
  if (cfg.causal)
    needsMask = arith::OrIOp::create(
        ib, needsMask,
        mb.lt(mb.add(plan.minQ, mb.sub(a.skv, a.sq)), mb.add(t0, BN - 1)));
  if (cfg.mask != MaskKind::None)
    needsMask = arith::ConstantOp::create(ib, ib.getBoolAttr(true));
  auto masked = scf::IfOp::create(
      ib, needsMask,
      [&](OpBuilder &tb, Location tl) {
        ImplicitLocOpBuilder tib(tl, tb);
        MmaBuilder tmb(tib, cfg);
        SmallVector<Value> y;
        for (int64_t nt = 0; nt < nKeyTiles; ++nt)
          for (int64_t i = 0; i < 4; ++i) {
            const RowRef &row = rows[i < 2 ? 0 : 1];
            Value key = tmb.add(tmb.add(t0, t2), nt * 8 + (i & 1));
            y.push_back(tmb.maskScore(x[nt * 4 + i], row.q, key, a.sq, a.skv,
                                      a.mask, a.batch, row.head,
                                      a.maskStrides));
          }
        scf::YieldOp::create(tib, y);
      },
      [&](OpBuilder &eb, Location el) { scf::YieldOp::create(eb, el, x); });
  x.assign(masked.getResults().begin(), masked.getResults().end());

  SoftmaxStep step;
  for (int hh = 0; hh < 2; ++hh) {
    Value mx = state[hh];
    for (int64_t nt = 0; nt < nKeyTiles; ++nt)
      for (int64_t i = 2 * hh; i < 2 * hh + 2; ++i)
        mx = mb.fmax(mx, x[nt * 4 + i]);
    step.m[hh] = mb.quadReduce(mx, /*isMax=*/true);
    Value base = mb.safeMax(step.m[hh]);
    step.alpha[hh] = mb.exp2(mb.fsub(state[hh], base));
    Value sum = mb.fmul(state[2 + hh], step.alpha[hh]);
    for (int64_t nt = 0; nt < nKeyTiles; ++nt)
      for (int64_t i = 2 * hh; i < 2 * hh + 2; ++i) {
        x[nt * 4 + i] = mb.exp2(mb.fsub(x[nt * 4 + i], base));
        sum = mb.fadd(sum, x[nt * 4 + i]);
      }
    step.l[hh] = sum; // this lane's partial row sum
  }
  return step;
}

/// ldmatrix.x4 (.trans) of four 8 x 8 matrices of 16-bit elements from
/// shared memory: vector<4x2xT>, row m = this lane's fragment of matrix m.
Value ldmatrix(MmaBuilder &mb, Value smem, ValueRange indices, bool trans) {
  auto type = VectorType::get({4, 2}, mb.cfg.elementType);
  return nvgpu::LdMatrixOp::create(mb.b, type, smem, indices, trans,
                                   /*numTiles=*/4);
}

/// Fragment `i` of an ldmatrix result as an mma operand register.
Value fragment(MmaBuilder &mb, Value frags, int64_t i) {
  return mb.operand(
      vector::ExtractOp::create(mb.b, frags, ArrayRef<int64_t>{i}));
}

/// The epilogue of the tensor-core kernels: normalise the accumulators
/// (vector<4xf32> per 8 output columns after (m, m, l, l) in the loop
/// results) and store rows g (elements 0, 1) and g + 8 (elements 2, 3); lane
/// t = 0 of each quad writes the row's log-sum-exp.
void storeMmaRows(MmaBuilder &kb, const AttentionKernelConfig &cfg,
                  KernelArgs &a, const BlockPlan &plan, const RowRef (&rows)[2],
                  Value t, Value t2, scf::ForOp loop) {
  ImplicitLocOpBuilder &b = kb.b;
  const int64_t nOutTiles = cfg.valueDim / 8;
  Value firstOfQuad =
      arith::CmpIOp::create(b, arith::CmpIPredicate::eq, t, kb.c(0));
  for (int hh = 0; hh < 2; ++hh) {
    Value l = kb.quadReduce(loop.getResult(2 + hh), /*isMax=*/false);
    Value m = loop.getResult(hh);
    for (int64_t dn = 0; dn < nOutTiles; ++dn) {
      Value acc = loop.getResult(4 + dn);
      SmallVector<Value, 2> vals;
      for (int64_t i = 0; i < 2; ++i)
        vals.push_back(
            vector::ExtractOp::create(b, acc, ArrayRef<int64_t>{2 * hh + i}));
      Value writeLse =
          dn == 0
              ? firstOfQuad
              : arith::ConstantOp::create(b, b.getBoolAttr(false)).getResult();
      storeRow(kb, cfg, a, plan, rows[hh], kb.add(t2, dn * 8), vals, m, l,
               writeLse);
    }
  }
}

void buildMmaBody(ImplicitLocOpBuilder &b, const AttentionKernelConfig &cfg,
                  KernelArgs &a) {
  MmaBuilder kb(b, cfg);
  const int64_t D = cfg.headDim, Dv = cfg.valueDim, H = cfg.numHeads,
                Hkv = cfg.numKvHeads, BN = cfg.blockN, T = cfg.numThreads();
  BlockPlan plan = planBlock(kb, a, BN);
  const int64_t nKeyTiles = BN / 8, nOutTiles = Dv / 8;
  Type elt = cfg.elementType;
  auto pairType = VectorType::get({2}, elt);
  auto vec4 = VectorType::get({4}, kb.f32);

  LaneLayout ll = laneLayout(kb, a, plan);
  Value t = ll.t, t2 = ll.t2;
  const RowRef(&rows)[2] = ll.rows;
  // ldmatrix: lane 8m + r addresses row r of matrix m.
  Value lane = kb.rem(a.tid, 32);
  Value lane8 = kb.div(lane, 8), lane8r = kb.rem(lane, 8);
  auto qOffset = [&](const RowRef &r) {
    return kb.mul(kb.add(kb.mul(kb.add(kb.mul(a.batch, H), r.head), a.sq), r.q),
                  D);
  };
  Value qRowA = qOffset(rows[0]), qRowB = qOffset(rows[1]);

  // Q fragments for every 16-wide slice of D, loaded once.
  SmallVector<SmallVector<Value, 4>> qFrag;
  for (int64_t ks = 0; ks < D / 16; ++ks) {
    Value col = kb.add(t2, ks * 16);
    auto load = [&](Value rowOff, int64_t extra) {
      return kb.operand(vector::LoadOp::create(
          b, pairType, a.q, kb.add(kb.add(rowOff, col), extra)));
    };
    qFrag.push_back(
        {load(qRowA, 0), load(qRowB, 0), load(qRowA, 8), load(qRowB, 8)});
  }

  Value kvRow0 = kb.mul(kb.add(kb.mul(a.batch, Hkv), a.kvHead), a.skv);

  Value dyn = dynamicShared(b);
  int64_t kBytes = 2 * BN * (D + kRowPad) * byteWidth(elt);
  Value ks = sharedView(b, dyn, 0, {2, BN, D + kRowPad}, elt);
  Value vs = sharedView(b, dyn, kBytes, {2, BN, Dv + kRowPad}, elt);

  // Asynchronous 16-byte copies of tile `tile` of K and V into buffer `buf`.
  // Rows past Skv (or a tile past the last one) are zero-filled from a
  // clamped, valid address, so every thread issues the same copies.
  auto issueCopies = [&](MmaBuilder &ib, Value tile, Value buf,
                         Value tileValid) {
    Value t0 = ib.mul(tile, BN);
    SmallVector<Value> tokens;
    auto copyTile = [&](Value src, Value dst, int64_t width) {
      int64_t chunksPerRow = width / 8, chunks = BN * chunksPerRow;
      for (int64_t i = 0; i < llvm::divideCeil(chunks, T); ++i) {
        // Surplus threads of the last round repeat the last chunk (same
        // bytes to the same place) instead of branching around the copy.
        Value chunk = ib.min(ib.add(a.tid, i * T), ib.c(chunks - 1));
        Value r = ib.div(chunk, chunksPerRow);
        Value col = ib.mul(ib.rem(chunk, chunksPerRow), 8);
        Value key = ib.add(t0, r);
        Value keyc = ib.min(key, ib.sub(a.skv, ib.c(1)));
        Value srcOff = ib.add(ib.mul(ib.add(kvRow0, keyc), width), col);
        Value n =
            ib.select(ib.andI(tileValid, ib.lt(key, a.skv)), ib.c(8), ib.c(0));
        tokens.push_back(nvgpu::DeviceAsyncCopyOp::create(
            ib.b, dst, ValueRange{buf, r, col}, src, ValueRange{srcOff},
            ib.b.getIndexAttr(8), n, ib.b.getUnitAttr()));
      }
    };
    copyTile(a.k, ks, D);
    copyTile(a.v, vs, Dv);
    return nvgpu::DeviceAsyncCreateGroupOp::create(
        ib.b, nvgpu::DeviceAsyncTokenType::get(ib.b.getContext()), tokens);
  };

  // Prologue: tile 0 into buffer 0 (only if there is one: with Skv = 0 there
  // is no valid address to clamp to).
  scf::IfOp::create(
      b, kb.lt(kb.c(0), plan.tileCount), [&](OpBuilder &nb, Location loc) {
        ImplicitLocOpBuilder ib(loc, nb);
        MmaBuilder mb(ib, cfg);
        Value yes = arith::ConstantOp::create(ib, ib.getBoolAttr(true));
        issueCopies(mb, plan.tileBegin, mb.c(0), yes);
        scf::YieldOp::create(ib);
      });

  SmallVector<Value> init = initialState(kb);

  auto loop = scf::ForOp::create(
      b, kb.c(0), plan.tileCount, kb.c(1), init,
      [&](OpBuilder &nb, Location loc, Value it, ValueRange state) {
        ImplicitLocOpBuilder ib(loc, nb);
        MmaBuilder mb(ib, cfg);
        Value buf = mb.rem(it, 2);
        Value next = mb.add(it, 1);
        Value tile = mb.add(plan.tileBegin, it);
        Value group = issueCopies(mb, mb.add(tile, 1), mb.rem(next, 2),
                                  mb.lt(next, plan.tileCount));
        // All but the group just issued are done: tile `it` has landed.
        nvgpu::DeviceAsyncWaitOp::create(ib, group, ib.getI32IntegerAttr(1));
        gpu::BarrierOp::create(ib);
        Value t0 = mb.mul(tile, BN);

        // S = Q K^T for this warp's 16 rows and BN keys. One ldmatrix.x4
        // reads the B fragments of two 8-key tiles: matrices (keys of tile
        // nt, d 0-7 / 8-15 of the step), then tile nt + 1; lane 8m + r
        // gives the address of row r of matrix m.
        Value zeroTile = arith::ConstantOp::create(
            ib, DenseElementsAttr::get(vec4, ib.getF32FloatAttr(0)));
        SmallVector<Value> s(nKeyTiles, zeroTile);
        for (int64_t kstep = 0; kstep < D / 16; ++kstep) {
          for (int64_t nt = 0; nt < nKeyTiles; nt += 2) {
            Value key =
                mb.add(mb.add(mb.mul(mb.div(lane8, 2), 8), lane8r), nt * 8);
            Value col = mb.add(mb.mul(mb.rem(lane8, 2), 8), kstep * 16);
            Value frags =
                ldmatrix(mb, ks, ValueRange{buf, key, col}, /*trans=*/false);
            for (int64_t j = 0; j < 2; ++j)
              s[nt + j] = mb.mma(
                  qFrag[kstep],
                  {fragment(mb, frags, 2 * j), fragment(mb, frags, 2 * j + 1)},
                  s[nt + j]);
          }
        }

        SmallVector<Value> x;
        for (int64_t nt = 0; nt < nKeyTiles; ++nt)
          for (int64_t i = 0; i < 4; ++i)
            x.push_back(
                vector::ExtractOp::create(ib, s[nt], ArrayRef<int64_t>{i}));
        SoftmaxStep step = softmaxTile(mb, a, plan, rows, t0, t2, x, state);
        Value *alpha = step.alpha, *mNew = step.m, *lNew = step.l;

        // O = O * alpha + P V.
        Value alphaVec = vector::FromElementsOp::create(
            ib, vec4, ValueRange{alpha[0], alpha[0], alpha[1], alpha[1]});
        SmallVector<Value> acc;
        for (int64_t dn = 0; dn < nOutTiles; ++dn)
          acc.push_back(arith::MulFOp::create(ib, state[4 + dn], alphaVec));
        for (int64_t kk = 0; kk < BN / 16; ++kk) {
          auto p = [&](int64_t nt, int64_t i) { return x[nt * 4 + i]; };
          SmallVector<Value, 4> pa = {
              mb.pack(p(2 * kk, 0), p(2 * kk, 1)),
              mb.pack(p(2 * kk, 2), p(2 * kk, 3)),
              mb.pack(p(2 * kk + 1, 0), p(2 * kk + 1, 1)),
              mb.pack(p(2 * kk + 1, 2), p(2 * kk + 1, 3))};
          // ldmatrix.trans.x4 of V [key][dv]: matrices (keys 0-7, 8-15 of
          // the step) x (8 columns of tile dn, then dn + 1) are the B
          // fragments of two output tiles.
          Value key =
              mb.add(mb.add(mb.mul(mb.rem(lane8, 2), 8), lane8r), kk * 16);
          for (int64_t dn = 0; dn < nOutTiles; dn += 2) {
            Value col = mb.add(mb.mul(mb.div(lane8, 2), 8), dn * 8);
            Value frags =
                ldmatrix(mb, vs, ValueRange{buf, key, col}, /*trans=*/true);
            for (int64_t j = 0; j < 2; ++j)
              acc[dn + j] = mb.mma(
                  pa,
                  {fragment(mb, frags, 2 * j), fragment(mb, frags, 2 * j + 1)},
                  acc[dn + j]);
          }
        }
        // Buffer `buf` is refilled two iterations later: everyone must be
        // done reading it.
        gpu::BarrierOp::create(ib);
        SmallVector<Value> yield = {mNew[0], mNew[1], lNew[0], lNew[1]};
        yield.append(acc);
        scf::YieldOp::create(ib, yield);
      });
  // No copy may be in flight when the block exits.
  Value lastGroup = nvgpu::DeviceAsyncCreateGroupOp::create(
      b, nvgpu::DeviceAsyncTokenType::get(b.getContext()), ValueRange{});
  nvgpu::DeviceAsyncWaitOp::create(b, lastGroup, b.getI32IntegerAttr(0));

  storeMmaRows(kb, cfg, a, plan, rows, t, t2, loop);
}

//===----------------------------------------------------------------------===//
// Warpgroup-MMA kernel (sm_90a): one warpgroup x 64 query rows
//===----------------------------------------------------------------------===//
//
// wgmma.mma_async m64nNk16 reads both operands from shared memory through
// 64-bit matrix descriptors; every operand is stored "K-major, no swizzle",
// as 8 x 8 core matrices (8 rows of 16 contiguous bytes) whose descriptor
// gives the byte distance to the next core matrix along K (leading) and to
// the next 8 rows (stride). Q and K arrive by TMA in boxes of rows x 8
// elements, each a column of core matrices (leading = rows * 16, stride =
// 128); V is stored transposed (Dv x keys) by the threads, so that P V also
// reads a K-major B, and P goes through shared memory (MLIR 22's
// nvvm.wgmma.mma_async takes A from shared memory only), both with core
// matrix (i, j) at ((i * cols / 8) + j) * 128 bytes (leading 128, stride
// cols / 8 * 128). The accumulator fragment of warp w is the mma.sync C
// layout repeated over the N / 8 column tiles, so masking, the online
// softmax and the epilogue are those of the mma.sync kernel.

/// Element offset of (r, c) in a K-major, no-swizzle matrix with `cols`
/// columns.
Value coreOffset(KernelBuilder &kb, Value r, Value c, int64_t cols) {
  Value tile = kb.add(kb.mul(kb.div(r, 8), cols / 8), kb.div(c, 8));
  return kb.add(kb.add(kb.mul(tile, 64), kb.mul(kb.rem(r, 8), 8)),
                kb.rem(c, 8));
}

/// A wgmma shared-memory matrix descriptor (no swizzle) for the matrix at
/// shared address `addr` (bytes).
Value matrixDescriptor(KernelBuilder &kb, Value addr, int64_t lbo,
                       int64_t sbo) {
  ImplicitLocOpBuilder &b = kb.b;
  auto c64 = [&](int64_t v) {
    return arith::ConstantOp::create(b, b.getI64IntegerAttr(v));
  };
  Value start = arith::ShRUIOp::create(
      b, arith::AndIOp::create(b, addr, c64(0x3FFFF)), c64(4));
  Value fields = c64(((lbo >> 4) << 16) | ((sbo >> 4) << 32));
  return arith::OrIOp::create(b, start, fields);
}

void buildWgmmaBody(ImplicitLocOpBuilder &b, const AttentionKernelConfig &cfg,
                    KernelArgs &a) {
  MmaBuilder kb(b, cfg);
  MLIRContext *ctx = b.getContext();
  const int64_t D = cfg.headDim, Dv = cfg.valueDim, H = cfg.numHeads,
                Hkv = cfg.numKvHeads, BM = cfg.blockM(), BN = cfg.blockN,
                T = cfg.numThreads();
  BlockPlan plan = planBlock(kb, a, BN);
  const int64_t nKeyTiles = BN / 8, nOutTiles = Dv / 8;
  Type elt = cfg.elementType;
  const int64_t eb = byteWidth(elt);
  auto pairType = VectorType::get({2}, elt);
  auto vec4 = VectorType::get({4}, kb.f32);
  auto vec8 = VectorType::get({8}, elt);
  Type i64 = b.getI64Type();

  LaneLayout ll = laneLayout(kb, a, plan);
  Value t = ll.t, t2 = ll.t2, rA = ll.rA;
  const RowRef(&rows)[2] = ll.rows;
  Value kvRow0 = kb.mul(kb.add(kb.mul(a.batch, Hkv), a.kvHead), a.skv);

  // Shared memory: Q [BM x D], K [BN x D], V^T [Dv x BN], P [BM x BN].
  int64_t qOff = 0, kOff = qOff + BM * D, vOff = kOff + BN * D,
          pOff = vOff + Dv * BN, total = pOff + BM * BN;
  Value dyn = dynamicShared(b);
  Value smem = sharedView(b, dyn, 0, {total}, elt);
  Value base = arith::IndexCastOp::create(
      b, i64, memref::ExtractAlignedPointerAsIndexOp::create(b, dyn));
  auto addrOf = [&](int64_t elementOffset) {
    return arith::AddIOp::create(
        b, base,
        arith::ConstantOp::create(b, b.getI64IntegerAttr(elementOffset * eb)));
  };

  // Q and K arrive by TMA in boxes of rows x 8 elements: box j (columns
  // 8j .. 8j + 7) is a column of core matrices at `off + j * rows * 8`, so
  // the next core matrix along K is rows * 16 bytes away and the next 8 rows
  // 128 bytes. One mbarrier (one arrival, thread 0's, plus the bytes)
  // tracks each load; Q is phase 0, kv tile i phase i + 1.
  auto wg = gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
  auto barrierType = nvgpu::MBarrierGroupType::get(ctx, wg, 1);
  Value mbar = nvgpu::MBarrierCreateOp::create(b, barrierType);
  Value thread0 =
      arith::CmpIOp::create(b, arith::CmpIPredicate::eq, a.tid, kb.c(0));
  nvgpu::MBarrierInitOp::create(b, mbar, kb.c(1), kb.c(0), thread0);
  gpu::BarrierOp::create(b);
  auto tmaLoad = [&](MmaBuilder &ib, Value tensorMap, int64_t rowsN,
                     int64_t off, Value row0) {
    nvgpu::MBarrierArriveExpectTxOp::create(ib.b, mbar, ib.c(rowsN * D * eb),
                                            ib.c(0), thread0);
    for (int64_t j = 0; j < D / 8; ++j) {
      Value dst =
          sharedView(ib.b, dyn, (off + j * rowsN * 8) * eb, {rowsN, 8}, elt);
      nvgpu::TmaAsyncLoadOp::create(ib.b, dst, mbar, tensorMap,
                                    ValueRange{ib.c(j * 8), row0}, ib.c(0),
                                    Value(), thread0);
    }
  };
  auto waitPhase = [&](MmaBuilder &ib, Value parity) {
    nvgpu::MBarrierTryWaitParityOp::create(ib.b, mbar, parity, ib.c(10000000),
                                           ib.c(0));
  };
  auto tmaDescriptor = [&](int64_t off, int64_t rowsN, int64_t ks) {
    return matrixDescriptor(kb, addrOf(off + ks * 2 * rowsN * 8), rowsN * 16,
                            128);
  };
  // The block's Q rows are consecutive rows of the [B * H * Sq, D] matrix
  // (with flash-decoding: the G heads of the kv head, all queries).
  Value qRow0 =
      cfg.splitKV
          ? kb.mul(kb.add(kb.mul(a.batch, H), kb.mul(a.kvHead, H / Hkv)), a.sq)
          : kb.add(
                kb.mul(kb.add(kb.mul(a.batch, H), plan.row(kb, kb.c(0)).head),
                       a.sq),
                plan.minQ);
  tmaLoad(kb, a.qTensorMap, BM, qOff, qRow0);
  waitPhase(kb, arith::ConstantOp::create(b, b.getBoolAttr(false)));

  auto structType = [&](int64_t n) {
    return LLVM::LLVMStructType::getLiteral(ctx,
                                            SmallVector<Type>(n / 2, kb.f32));
  };
  auto wgmma = [&](MmaBuilder &ib, Value acc, int64_t n, Value descA,
                   Value descB) {
    auto type = cfg.elementType.isF16() ? NVVM::WGMMATypes::f16
                                        : NVVM::WGMMATypes::bf16;
    return NVVM::WgmmaMmaAsyncOp::create(
        ib.b, acc.getType(), acc, descA, descB,
        NVVM::MMAShapeAttr::get(ctx, 64, n, 16), type, type,
        NVVM::WGMMATypes::f32, NVVM::WGMMAScaleOut::one,
        NVVM::WGMMAScaleIn::one, NVVM::WGMMAScaleIn::one, NVVM::MMALayout::row,
        NVVM::MMALayout::col, nullptr);
  };
  auto waitWgmma = [&](ImplicitLocOpBuilder &ib) {
    NVVM::WgmmaGroupSyncAlignedOp::create(ib);
    NVVM::WgmmaWaitGroupSyncOp::create(ib, ib.getI64IntegerAttr(0));
  };
  // Generic-proxy writes (st.shared, cp.async) must be visible to wgmma.
  auto proxyFence = [&](ImplicitLocOpBuilder &ib) {
    NVVM::FenceProxyOp::create(
        ib, NVVM::ProxyKind::async_shared,
        NVVM::SharedSpaceAttr::get(ctx, NVVM::SharedSpace::shared_cta));
  };

  SmallVector<Value> init = initialState(kb);

  auto loop = scf::ForOp::create(
      b, kb.c(0), plan.tileCount, kb.c(1), init,
      [&](OpBuilder &nb, Location loc, Value it, ValueRange state) {
        ImplicitLocOpBuilder ib(loc, nb);
        MmaBuilder mb(ib, cfg);
        Value t0 = mb.mul(mb.add(plan.tileBegin, it), BN);
        // The previous tile's K, V^T and P are no longer read.
        gpu::BarrierOp::create(ib);
        Value keyLast = mb.sub(a.skv, mb.c(1));
        // K rows past Skv belong to the next head (or are zero-filled past
        // the tensor); their scores are masked.
        tmaLoad(mb, a.kTensorMap, BN, kOff, mb.add(kvRow0, t0));
        // V^T: 8 values of one key per thread and round, stored transposed.
        int64_t perRow = Dv / 8, chunks = BN * perRow;
        Value zero8 = arith::ConstantOp::create(
            ib, DenseElementsAttr::get(vec8, ib.getZeroAttr(elt)));
        for (int64_t i = 0; i < llvm::divideCeil(chunks, T); ++i) {
          Value chunk = mb.min(mb.add(a.tid, i * T), mb.c(chunks - 1));
          Value r = mb.div(chunk, perRow);
          Value col = mb.mul(mb.rem(chunk, perRow), 8);
          Value key = mb.add(t0, r);
          Value off =
              mb.add(mb.mul(mb.add(kvRow0, mb.min(key, keyLast)), Dv), col);
          Value vals =
              mb.select(mb.lt(key, a.skv),
                        vector::LoadOp::create(ib, vec8, a.v, off), zero8);
          for (int64_t e = 0; e < 8; ++e)
            memref::StoreOp::create(
                ib, vector::ExtractOp::create(ib, vals, ArrayRef<int64_t>{e}),
                smem, mb.add(coreOffset(mb, mb.add(col, e), r, BN), vOff));
        }
        // Phase it + 1 of the mbarrier: this tile's K.
        waitPhase(mb, arith::CmpIOp::create(ib, arith::CmpIPredicate::eq,
                                            mb.rem(it, 2), mb.c(0)));
        proxyFence(ib);
        gpu::BarrierOp::create(ib);

        // S = Q K^T: D / 16 steps of m64n<BN>k16.
        NVVM::WgmmaFenceAlignedOp::create(ib);
        Value s = LLVM::ZeroOp::create(ib, structType(BN));
        for (int64_t ks = 0; ks < D / 16; ++ks)
          s = wgmma(mb, s, BN, tmaDescriptor(qOff, BM, ks),
                    tmaDescriptor(kOff, BN, ks));
        waitWgmma(ib);
        SmallVector<Value> x;
        for (int64_t i = 0; i < BN / 2; ++i)
          x.push_back(LLVM::ExtractValueOp::create(ib, s, i));
        SoftmaxStep step = softmaxTile(mb, a, plan, rows, t0, t2, x, state);

        // P -> shared memory (rows rA and rA + 8, keys 8 nt + 2t, +1).
        for (int64_t nt = 0; nt < nKeyTiles; ++nt)
          for (int hh = 0; hh < 2; ++hh) {
            Value row = mb.add(rA, 8 * hh);
            Value key = mb.add(t2, nt * 8);
            Value pair = vector::FromElementsOp::create(
                ib, pairType,
                ValueRange{mb.fromF32(x[nt * 4 + 2 * hh], elt),
                           mb.fromF32(x[nt * 4 + 2 * hh + 1], elt)});
            vector::StoreOp::create(ib, pair, smem,
                                    mb.add(coreOffset(mb, row, key, BN), pOff));
          }
        proxyFence(ib);
        gpu::BarrierOp::create(ib);

        // O = O * alpha + P V: BN / 16 steps of m64n<Dv>k16.
        Value alphaVec = vector::FromElementsOp::create(
            ib, vec4,
            ValueRange{step.alpha[0], step.alpha[0], step.alpha[1],
                       step.alpha[1]});
        Value o = LLVM::UndefOp::create(ib, structType(Dv));
        for (int64_t dn = 0; dn < nOutTiles; ++dn) {
          Value scaled = arith::MulFOp::create(ib, state[4 + dn], alphaVec);
          for (int64_t i = 0; i < 4; ++i)
            o = LLVM::InsertValueOp::create(
                ib, o,
                vector::ExtractOp::create(ib, scaled, ArrayRef<int64_t>{i}),
                ArrayRef<int64_t>{dn * 4 + i});
        }
        NVVM::WgmmaFenceAlignedOp::create(ib);
        for (int64_t kk = 0; kk < BN / 16; ++kk)
          o = wgmma(mb, o, Dv,
                    matrixDescriptor(mb, addrOf(pOff + kk * 16 * 8), 128,
                                     BN / 8 * 128),
                    matrixDescriptor(mb, addrOf(vOff + kk * 16 * 8), 128,
                                     BN / 8 * 128));
        waitWgmma(ib);
        SmallVector<Value> yield = {step.m[0], step.m[1], step.l[0], step.l[1]};
        for (int64_t dn = 0; dn < nOutTiles; ++dn) {
          SmallVector<Value, 4> vals;
          for (int64_t i = 0; i < 4; ++i)
            vals.push_back(LLVM::ExtractValueOp::create(ib, o, dn * 4 + i));
          yield.push_back(vector::FromElementsOp::create(ib, vec4, vals));
        }
        scf::YieldOp::create(ib, yield);
      });
  storeMmaRows(kb, cfg, a, plan, rows, t, t2, loop);
}

//===----------------------------------------------------------------------===//
// Split-kv combine kernel
//===----------------------------------------------------------------------===//

/// out[row, col] = sum_s w_s * partial[row, s, col] / sum_s w_s with
/// w_s = exp2(lse[row, s] - max_s lse): one thread per output element.
void buildCombineBody(ImplicitLocOpBuilder &b, const AttentionKernelConfig &cfg,
                      Value partial, Value lse, Value out, Value numRows,
                      Value splits) {
  KernelBuilder kb(b, cfg);
  const int64_t Dv = cfg.valueDim;
  Value tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  Value bid = gpu::BlockIdOp::create(b, gpu::Dimension::x);
  Value idx = kb.add(kb.mul(bid, cfg.numThreads()), tid);
  scf::IfOp::create(
      b, kb.lt(idx, kb.mul(numRows, Dv)), [&](OpBuilder &nb, Location loc) {
        ImplicitLocOpBuilder ib(loc, nb);
        KernelBuilder k(ib, cfg);
        Value row = k.div(idx, Dv), col = k.rem(idx, Dv);
        Value lseRow = k.mul(row, splits);
        auto maxLoop = scf::ForOp::create(
            ib, k.c(0), splits, k.c(1), ValueRange{k.negInf()},
            [&](OpBuilder &lb, Location l, Value s, ValueRange st) {
              ImplicitLocOpBuilder lib(l, lb);
              KernelBuilder lk(lib, cfg);
              Value x = memref::LoadOp::create(lib, lse, lk.add(lseRow, s));
              scf::YieldOp::create(lib, lk.fmax(st[0], x));
            });
        Value base = k.safeMax(maxLoop.getResult(0));
        auto sumLoop = scf::ForOp::create(
            ib, k.c(0), splits, k.c(1), ValueRange{k.cf(0), k.cf(0)},
            [&](OpBuilder &lb, Location l, Value s, ValueRange st) {
              ImplicitLocOpBuilder lib(l, lb);
              KernelBuilder lk(lib, cfg);
              Value slot = lk.add(lseRow, s);
              Value w = lk.exp2(
                  lk.fsub(memref::LoadOp::create(lib, lse, slot), base));
              Value o = memref::LoadOp::create(lib, partial,
                                               lk.add(lk.mul(slot, Dv), col));
              scf::YieldOp::create(
                  lib,
                  ValueRange{lk.fadd(st[0], lk.fmul(w, o)), lk.fadd(st[1], w)});
            });
        Value sum = sumLoop.getResult(1);
        Value isZero =
            arith::CmpFOp::create(ib, arith::CmpFPredicate::OEQ, sum, k.cf(0));
        Value o =
            k.select(isZero, k.cf(0),
                     arith::DivFOp::create(ib, sumLoop.getResult(0), sum));
        memref::StoreOp::create(ib, k.fromF32(o, cfg.elementType), out, idx);
        scf::YieldOp::create(ib);
      });
}

} // namespace

gpu::GPUFuncOp
mlir::mha::buildAttentionKernel(OpBuilder &builder, Location loc,
                                gpu::GPUModuleOp module, StringRef name,
                                const AttentionKernelConfig &config) {
  KernelArgs args;
  gpu::GPUFuncOp fn =
      createAttentionKernel(builder, loc, module, name, config, args);
  ImplicitLocOpBuilder b(loc, builder.getContext());
  b.setInsertionPointToEnd(&fn.getBody().front());
  switch (config.kind) {
  case AttentionKernelKind::Mma:
    buildMmaBody(b, config, args);
    break;
  case AttentionKernelKind::Wgmma:
    buildWgmmaBody(b, config, args);
    break;
  case AttentionKernelKind::Simt:
    buildSimtBody(b, config, args);
    break;
  }
  gpu::ReturnOp::create(b);
  return fn;
}

gpu::GPUFuncOp
mlir::mha::buildCombineKernel(OpBuilder &builder, Location loc,
                              gpu::GPUModuleOp module, StringRef name,
                              const AttentionKernelConfig &config) {
  Type idx = builder.getIndexType(), f32 = builder.getF32Type();
  gpu::GPUFuncOp fn = createKernel(
      builder, loc, module, name,
      {flatType(f32), flatType(f32), flatType(config.elementType), idx, idx},
      config.numThreads());
  Block &entry = fn.getBody().front();
  ImplicitLocOpBuilder b(loc, builder.getContext());
  b.setInsertionPointToStart(&entry);
  buildCombineBody(b, config, entry.getArgument(0), entry.getArgument(1),
                   entry.getArgument(2), entry.getArgument(3),
                   entry.getArgument(4));
  gpu::ReturnOp::create(b);
  return fn;
}
