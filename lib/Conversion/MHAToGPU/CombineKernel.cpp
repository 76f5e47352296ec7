//===- CombineKernel.cpp - Merging the splits of flash-decoding -----------===//
//
// out[row, col] = sum_s w_s * partial[row, s, col] / sum_s w_s with
// w_s = exp2(lse[row, s] - max_s lse): each thread merges
// combineColumnsPerThread adjacent columns of a row, read and written as
// vectors (16 bytes of the result where Dv allows). With sinks, exp2(sink -
// max lse) joins the denominator; with an lse result, the row's first thread
// writes (max lse + log2 sum_s w_s) * ln 2.
//
//===----------------------------------------------------------------------===//

#include "KernelBuilder.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <cmath>

using namespace mlir;
using namespace mlir::mha;
using namespace mlir::mha::kernels;

int64_t mlir::mha::combineColumnsPerThread(const AttentionKernelConfig &cfg) {
  int64_t w = 16 / byteWidth(cfg.elementType);
  while (cfg.valueDim % w != 0)
    w /= 2;
  return w;
}
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

/// (sum_s w_s * partial[row, s, col..col + w), sum_s w_s) with
/// w_s = exp2(lse - base), the first as vector<w x f32>.
static scf::ForOp weightedSum(KernelBuilder &k, Value partial, Value lse,
                              Value lseRow, Value col, Value splits,
                              Value base) {
  const int64_t Dv = k.cfg.valueDim, w = combineColumnsPerThread(k.cfg);
  auto vecType = VectorType::get({w}, k.f32);
  return scf::ForOp::create(
      k.b, k.c(0), splits, k.c(1), ValueRange{k.splat(vecType, 0), k.cf(0)},
      [&](OpBuilder &lb, Location l, Value s, ValueRange st) {
        ImplicitLocOpBuilder lib(l, lb);
        KernelBuilder lk(lib, k.cfg);
        Value slot = lk.add(lseRow, s);
        Value ws =
            lk.exp2(lk.fsub(memref::LoadOp::create(lib, lse, slot), base));
        Value o = vector::LoadOp::create(
            lib, vecType, partial, lk.add(lk.mul(slot, Dv), col),
            /*nontemporal=*/false, llvm::Align(std::min<int64_t>(16, 4 * w)));
        Value wv = vector::BroadcastOp::create(lib, vecType, ws);
        Value acc = vector::FMAOp::create(lib, wv, o, st[0]);
        scf::YieldOp::create(lib, ValueRange{acc, lk.fadd(st[1], ws)});
      });
}

gpu::GPUFuncOp
mlir::mha::buildCombineKernel(OpBuilder &builder, Location loc,
                              gpu::GPUModuleOp module, StringRef name,
                              const AttentionKernelConfig &config) {
  Type idx = builder.getIndexType(), f32 = builder.getF32Type();
  SmallVector<Type> inputs = {flatType(f32), flatType(f32),
                              flatType(config.elementType), idx, idx};
  if (config.sinks)
    inputs.append({flatType(f32), idx});
  if (config.lse)
    inputs.push_back(flatType(f32));
  gpu::GPUFuncOp fn =
      createKernel(builder, loc, module, name, inputs, kCombineThreads);
  Block &entry = fn.getBody().front();
  Value partial = entry.getArgument(0), lse = entry.getArgument(1),
        out = entry.getArgument(2), numRows = entry.getArgument(3),
        splits = entry.getArgument(4);
  unsigned next = 5;
  Value sinks, sq, lseOut;
  if (config.sinks) {
    sinks = entry.getArgument(next++);
    sq = entry.getArgument(next++);
  }
  if (config.lse)
    lseOut = entry.getArgument(next++);
  ImplicitLocOpBuilder b(loc, builder.getContext());
  b.setInsertionPointToStart(&entry);

  KernelBuilder kb(b, config);
  const int64_t Dv = config.valueDim, w = combineColumnsPerThread(config);
  Value tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  Value bid = gpu::BlockIdOp::create(b, gpu::Dimension::x);
  Value index = kb.add(kb.mul(bid, kCombineThreads), tid);
  scf::IfOp::create(
      b, kb.lt(index, kb.mul(numRows, Dv / w)),
      [&](OpBuilder &nb, Location loc) {
        ImplicitLocOpBuilder ib(loc, nb);
        KernelBuilder k(ib, config);
        Value row = k.div(index, Dv / w), col = k.mul(k.rem(index, Dv / w), w);
        Value lseRow = k.mul(row, splits);
        Value base = k.safeMax(maxOverSplits(k, lse, lseRow, splits));
        scf::ForOp sums =
            weightedSum(k, partial, lse, lseRow, col, splits, base);
        Value sum = sums.getResult(1);
        // The sink joins the denominator, not the lse (MHAOps.td); row is
        // (b * H + h) * Sq + q.
        Value denominator = sum;
        if (sinks) {
          Value head =
              k.rem(arith::DivUIOp::create(ib, row, sq), config.numHeads);
          Value sink =
              k.fmul(memref::LoadOp::create(ib, sinks, head), k.cf(M_LOG2E));
          denominator = k.fadd(sum, k.exp2(k.fsub(sink, base)));
        }
        Value inv = k.select(k.isZero(denominator), k.cf(0),
                             arith::DivFOp::create(ib, k.cf(1), denominator));
        if (lseOut)
          scf::IfOp::create(
              ib, k.eq(col, k.c(0)), [&](OpBuilder &nb2, Location loc2) {
                ImplicitLocOpBuilder lb(loc2, nb2);
                KernelBuilder lk(lb, config);
                Value value = lk.select(
                    lk.isZero(sum), lk.negInf(),
                    lk.fmul(lk.fadd(base, math::Log2Op::create(lb, sum)),
                            lk.cf(M_LN2)));
                memref::StoreOp::create(lb, value, lseOut, row);
                scf::YieldOp::create(lb);
              });
        auto vecType = VectorType::get({w}, k.f32);
        Value o = arith::MulFOp::create(
            ib, sums.getResult(0),
            vector::BroadcastOp::create(ib, vecType, inv));
        vector::StoreOp::create(ib, k.fromF32(o, config.elementType), out,
                                k.add(k.mul(row, Dv), col),
                                /*nontemporal=*/false,
                                llvm::Align(w * byteWidth(config.elementType)));
        scf::YieldOp::create(ib);
      });
  gpu::ReturnOp::create(b);
  return fn;
}
