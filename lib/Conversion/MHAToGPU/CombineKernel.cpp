//===- CombineKernel.cpp - Merging the splits of flash-decoding -----------===//
//
// out[row, col] = sum_s w_s * partial[row, s, col] / sum_s w_s with
// w_s = exp2(lse[row, s] - max_s lse): one thread per output element.
//
//===----------------------------------------------------------------------===//

#include "KernelBuilder.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlir::mha;
using namespace mlir::mha::kernels;

/// max_s lse[lseRow + s] over the `splits` splits of a row.
static Value maxOverSplits(KernelBuilder &k, Value lse, Value lseRow,
                           Value splits) {
  auto loop = scf::ForOp::create(
      k.b, k.c(0), splits, k.c(1), ValueRange{k.negInf()},
      [&](OpBuilder &lb, Location l, Value s, ValueRange st) {
        ImplicitLocOpBuilder lib(l, lb);
        KernelBuilder lk(lib, k.cfg);
        Value x = memref::LoadOp::create(lib, lse, lk.add(lseRow, s));
        scf::YieldOp::create(lib, lk.fmax(st[0], x));
      });
  return loop.getResult(0);
}

/// (sum_s w_s * partial[row, s, col], sum_s w_s) with w_s = exp2(lse - base).
static scf::ForOp weightedSum(KernelBuilder &k, Value partial, Value lse,
                              Value lseRow, Value col, Value splits,
                              Value base) {
  const int64_t Dv = k.cfg.valueDim;
  return scf::ForOp::create(
      k.b, k.c(0), splits, k.c(1), ValueRange{k.cf(0), k.cf(0)},
      [&](OpBuilder &lb, Location l, Value s, ValueRange st) {
        ImplicitLocOpBuilder lib(l, lb);
        KernelBuilder lk(lib, k.cfg);
        Value slot = lk.add(lseRow, s);
        Value w =
            lk.exp2(lk.fsub(memref::LoadOp::create(lib, lse, slot), base));
        Value o =
            memref::LoadOp::create(lib, partial, lk.add(lk.mul(slot, Dv), col));
        scf::YieldOp::create(
            lib, ValueRange{lk.fadd(st[0], lk.fmul(w, o)), lk.fadd(st[1], w)});
      });
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
  Value partial = entry.getArgument(0), lse = entry.getArgument(1),
        out = entry.getArgument(2), numRows = entry.getArgument(3),
        splits = entry.getArgument(4);
  ImplicitLocOpBuilder b(loc, builder.getContext());
  b.setInsertionPointToStart(&entry);

  KernelBuilder kb(b, config);
  const int64_t Dv = config.valueDim;
  Value tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  Value bid = gpu::BlockIdOp::create(b, gpu::Dimension::x);
  Value index = kb.add(kb.mul(bid, config.numThreads()), tid);
  scf::IfOp::create(
      b, kb.lt(index, kb.mul(numRows, Dv)), [&](OpBuilder &nb, Location loc) {
        ImplicitLocOpBuilder ib(loc, nb);
        KernelBuilder k(ib, config);
        Value row = k.div(index, Dv), col = k.rem(index, Dv);
        Value lseRow = k.mul(row, splits);
        Value base = k.safeMax(maxOverSplits(k, lse, lseRow, splits));
        scf::ForOp sums =
            weightedSum(k, partial, lse, lseRow, col, splits, base);
        Value sum = sums.getResult(1);
        Value isZero = k.isZero(sum);
        Value o = k.select(isZero, k.cf(0),
                           arith::DivFOp::create(ib, sums.getResult(0), sum));
        memref::StoreOp::create(ib, k.fromF32(o, config.elementType), out,
                                index);
        scf::YieldOp::create(ib);
      });
  gpu::ReturnOp::create(b);
  return fn;
}
