//===- KernelBuilder.cpp - Helpers of the attention kernels ---------------===//

#include "KernelBuilder.h"
#include "ScoreModifiers.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <cmath>

using namespace mlir;
using namespace mlir::mha;
using namespace mlir::mha::kernels;

Value KernelBuilder::toF32(Value v) {
  Type t = getElementTypeOrSelf(v.getType());
  if (t.isF32())
    return v;
  Type target = f32;
  if (auto vt = dyn_cast<VectorType>(v.getType()))
    target = VectorType::get(vt.getShape(), f32);
  return arith::ExtFOp::create(b, target, v);
}

Value KernelBuilder::fromF32(Value v, Type elementType) {
  if (elementType.isF32())
    return v;
  Type target = elementType;
  if (auto vt = dyn_cast<VectorType>(v.getType()))
    target = VectorType::get(vt.getShape(), elementType);
  return arith::TruncFOp::create(b, target, v);
}

Value KernelBuilder::safeMax(Value m) {
  Value isInf =
      arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ, m, negInf());
  return select(isInf, cf(0), m);
}

Value KernelBuilder::keyVisible(Value row, Value key, Value head,
                                const KernelArgs &a) {
  Value valid = lt(key, a.skv);
  Value aligned = add(row, sub(a.skv, a.sq));
  if (int64_t right = effectiveRightBound(cfg); right >= 0)
    valid = andI(valid, le(key, add(aligned, right)));
  if (cfg.windowLeft >= 0)
    valid = andI(valid, le(sub(aligned, c(cfg.windowLeft)), key));
  if (cfg.maskMod)
    valid = andI(valid, applyMaskMod(*this, a, head, row, key));
  return valid;
}

Value KernelBuilder::maskScore(Value x, Value row, Value key, Value head,
                               const KernelArgs &a, Value visible) {
  Value sq = a.sq, skv = a.skv, maskBuf = a.mask, batch = a.batch;
  ArrayRef<Value> maskStrides = a.maskStrides;
  Value valid = visible ? visible : keyVisible(row, key, head, a);
  if (cfg.mask != MaskKind::None) {
    Value rowc = max(min(row, sub(sq, c(1))), c(0));
    Value keyc = max(min(key, sub(skv, c(1))), c(0));
    Value off = add(add(mul(batch, maskStrides[0]), mul(head, maskStrides[1])),
                    add(mul(rowc, maskStrides[2]), mul(keyc, maskStrides[3])));
    Value m = memref::LoadOp::create(b, maskBuf, off);
    if (cfg.mask == MaskKind::Bool)
      valid = andI(valid, m);
    else
      x = fadd(x, fmul(toF32(m), cf(M_LOG2E)));
  }
  return select(valid, x, negInf());
}

MemRefType kernels::flatType(Type t) {
  return MemRefType::get({ShapedType::kDynamic}, t);
}

gpu::GPUFuncOp kernels::createKernel(OpBuilder &builder, Location loc,
                                     gpu::GPUModuleOp module, StringRef name,
                                     ArrayRef<Type> inputs,
                                     int64_t numThreads) {
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

BlockPlan kernels::planBlock(KernelBuilder &kb, KernelArgs &a, int64_t blockN) {
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
    // Causal: the heaviest query tiles (the last ones) go first, so that
    // the short ones fill the tail of the grid.
    Value tileX = bx;
    if (cfg.causal)
      tileX = kb.sub(
          kb.sub(gpu::GridDimOp::create(b, gpu::Dimension::x), kb.c(1)), bx);
    Value q0 = kb.mul(tileX, cfg.blockM());
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
  plan.maxQ = maxQ;
  // Causal and window trim the kv loop at both ends: the block walks only
  // the tiles that hold a key one of its queries sees.
  auto [kvBegin, kvEnd] = keyRange(kb, plan.minQ, maxQ, a.sq, a.skv);
  plan.kvEnd = kvEnd;
  Value firstTile = kb.div(kvBegin, blockN);
  Value numTiles = kb.max(
      kb.sub(kb.div(kb.add(kvEnd, blockN - 1), blockN), firstTile), kb.c(0));
  if (!cfg.splitKV) {
    plan.tileBegin = firstTile;
    plan.tileCount = numTiles;
  } else {
    Value perSplit = arith::CeilDivUIOp::create(b, numTiles, a.splits);
    Value skipped = kb.mul(plan.split, perSplit);
    plan.tileBegin = kb.add(firstTile, skipped);
    plan.tileCount =
        kb.max(kb.min(perSplit, kb.sub(numTiles, skipped)), kb.c(0));
  }
  return plan;
}

scf::ForOp kernels::buildTileLoop(KernelBuilder &kb, const BlockPlan &plan,
                                  ValueRange init, TileIteration iteration) {
  return scf::ForOp::create(
      kb.b, kb.c(0), plan.tileCount, kb.c(1), init,
      [&](OpBuilder &nb, Location loc, Value it, ValueRange state) {
        ImplicitLocOpBuilder ib(loc, nb);
        scf::YieldOp::create(ib, iteration(ib, it, state));
      });
}

Value kernels::queryIndex(KernelBuilder &kb, const KernelArgs &a,
                          const RowRef &row) {
  return kb.add(
      kb.mul(kb.add(kb.mul(a.batch, kb.cfg.numHeads), row.head), a.sq), row.q);
}

Value kernels::firstKeyIndex(KernelBuilder &kb, const KernelArgs &a) {
  return kb.mul(kb.add(kb.mul(a.batch, kb.cfg.numKvHeads), a.kvHead), a.skv);
}

void kernels::storeRow(KernelBuilder &kb, KernelArgs &a, const BlockPlan &plan,
                       const RowRef &row, Value col, ArrayRef<Value> values,
                       Value m, Value l, Value inv, Value writeLse,
                       llvm::MaybeAlign align) {
  const AttentionKernelConfig &cfg = kb.cfg;
  storeLse(kb, a, row, m, l, writeLse);
  scf::IfOp::create(kb.b, row.valid, [&](OpBuilder &nb, Location loc) {
    ImplicitLocOpBuilder ib(loc, nb);
    KernelBuilder rb(ib, cfg);
    Value isZero = rb.isZero(l);
    SmallVector<Value> scaled;
    for (Value v : values)
      scaled.push_back(rb.fmul(v, inv));
    Value qRow = queryIndex(rb, a, row);
    auto type = VectorType::get({int64_t(values.size())}, rb.f32);
    Value vec = vector::FromElementsOp::create(ib, type, scaled);
    if (!cfg.splitKV) {
      vector::StoreOp::create(ib, rb.fromF32(vec, cfg.elementType), a.out,
                              rb.add(rb.mul(qRow, cfg.valueDim), col),
                              /*nontemporal=*/false, align);
    } else {
      Value slot = rb.add(rb.mul(qRow, a.splits), plan.split);
      vector::StoreOp::create(ib, vec, a.partial,
                              rb.add(rb.mul(slot, cfg.valueDim), col),
                              /*nontemporal=*/false, align);
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

Value kernels::dynamicShared(ImplicitLocOpBuilder &b) {
  auto wg =
      gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup);
  auto type = MemRefType::get({ShapedType::kDynamic}, b.getI8Type(),
                              MemRefLayoutAttrInterface{}, wg);
  return gpu::DynamicSharedMemoryOp::create(b, type);
}

Value kernels::sharedView(ImplicitLocOpBuilder &b, Value dynShared,
                          int64_t byteOffset, ArrayRef<int64_t> shape,
                          Type elementType) {
  auto wg =
      gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup);
  auto type =
      MemRefType::get(shape, elementType, MemRefLayoutAttrInterface{}, wg);
  Value off = arith::ConstantIndexOp::create(b, byteOffset);
  return memref::ViewOp::create(b, type, dynShared, off, ValueRange{});
}
