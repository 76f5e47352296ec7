//===- MHAToGPU.cpp - convert-mha-to-gpu ----------------------------------===//
//
// Replaces each mha.attention on tensors with host code that stages its
// operands in device memory, launches a fused kernel (AttentionKernels.h) and
// copies the result back. The op's tensors enter and leave through
// bufferization.to_buffer / to_tensor, so one-shot bufferization of the rest
// of the function is unaffected.
//
//===----------------------------------------------------------------------===//

#include "mha/Conversion/MHAToGPU/MHAToGPU.h"

#include "AttentionKernels.h"
#include "ScoreModifiers.h"
#include "mha/Dialect/MHA/IR/MHAOps.h"
#include "mha/Dialect/MHA/Utils/AttentionShape.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

#include <numeric>

namespace mlir::mha {
#define GEN_PASS_DEF_CONVERTMHATOGPU
#include "mha/Conversion/Passes.h.inc"
} // namespace mlir::mha

using namespace mlir;
using namespace mlir::mha;

namespace {

constexpr StringLiteral kKernelModuleName = "mha_kernels";

/// The size of `dim` of the memref `buffer` as an index value.
Value dimOf(ImplicitLocOpBuilder &b, Value buffer, int64_t dim) {
  auto type = cast<MemRefType>(buffer.getType());
  if (!type.isDynamicDim(dim))
    return arith::ConstantIndexOp::create(b, type.getDimSize(dim));
  return memref::DimOp::create(b, buffer, dim);
}

/// Device buffers of the host code are allocated and freed by it (after the
/// last launch or copy that uses them): buffer deallocation must leave them
/// alone.
Value deviceAlloc(ImplicitLocOpBuilder &b, MemRefType type,
                  ValueRange dynSizes) {
  auto alloc = gpu::AllocOp::create(b, type, Type(), ValueRange{}, dynSizes,
                                    ValueRange{});
  alloc->setAttr(bufferization::BufferizationDialect::kManualDeallocation,
                 b.getUnitAttr());
  return alloc.getMemref();
}

void deviceDealloc(ImplicitLocOpBuilder &b, Value buffer) {
  gpu::DeallocOp::create(b, Type(), ValueRange{}, buffer)
      ->setAttr(bufferization::BufferizationDialect::kManualDeallocation,
                b.getUnitAttr());
}

/// The automatic kv-splits never exceeds this many splits: each one adds a
/// partial result and a log-sum-exp per query row that the combine kernel
/// reads back.
constexpr int64_t kMaxAutoKvSplits = 256;

/// Host side of one mha.attention: stage the operands in device memory,
/// launch the kernel (and with flash-decoding the combine kernel), copy the
/// result back.
class AttentionLauncher {
public:
  AttentionLauncher(AttentionOp op, AttentionKernelConfig config,
                    StringRef kernelName, StringRef combineName,
                    int64_t kvSplits, int64_t numSMs, int64_t smemPerSM)
      : op(op), config(config), kernelName(kernelName),
        combineName(combineName), kvSplits(kvSplits), numSMs(numSMs),
        smemPerSM(smemPerSM), b(op.getLoc(), op) {}

  void rewrite() {
    stageOperands();
    // An empty grid is an invalid launch: skip it when B * Sq = 0.
    rows = arith::MulIOp::create(b, batch, sq);
    Value zero = arith::ConstantIndexOp::create(b, 0);
    Value nonEmpty =
        arith::CmpIOp::create(b, arith::CmpIPredicate::ugt, rows, zero);
    scf::IfOp::create(b, nonEmpty, [&](OpBuilder &nb, Location loc) {
      ImplicitLocOpBuilder ib(loc, nb);
      if (config.splitKV)
        launchSplitKV(ib);
      else
        launch(ib);
      scf::YieldOp::create(ib);
    });
    copyBack();
  }

private:
  /// Copies Q, K, V and the mask to the device, allocates the result there
  /// and computes what every launch takes: the flat inputs, B, Sq, Skv, the
  /// mask strides and (wgmma) the TMA descriptors.
  void stageOperands() {
    Value q = toDevice(op.getQuery());
    Value k = toDevice(op.getKey());
    Value v = toDevice(op.getValue());
    Value mask = op.getMask() ? toDevice(op.getMask()) : Value();

    auto resultType = op.getResult().getType();
    outType =
        MemRefType::get(resultType.getShape(), resultType.getElementType());
    AttentionSizes sizes = AttentionShape::get(op).getSizes(
        b, b.getLoc(), hostBuffers[0], hostBuffers[1]);
    batch = getValueOrCreateConstantIndexOp(b, b.getLoc(), sizes.batch);
    sq = getValueOrCreateConstantIndexOp(b, b.getLoc(), sizes.sq);
    skv = getValueOrCreateConstantIndexOp(b, b.getLoc(), sizes.skv);
    if (outType.isDynamicDim(0))
      outSizes.push_back(batch);
    if (outType.isDynamicDim(2))
      outSizes.push_back(sq);
    outDev = deviceAlloc(b, outType, outSizes);
    devBuffers.push_back(outDev);

    inputs = {flatten(q), flatten(k), flatten(v)};
    if (mask)
      inputs.push_back(flatten(mask));
    if (mask)
      maskArgs = maskStrides(hostBuffers.back());
    // Values the modifier regions capture: tensors go to the device.
    if (config.modifiers)
      for (Value capture : kernels::kernelCaptures(op))
        maskArgs.push_back(isa<RankedTensorType>(capture.getType())
                               ? toDevice(capture)
                               : capture);
    // Variants: per-head f32 operands, and the lse result [B, H, Sq].
    if (Value alibi = op.getAlibi())
      inputs.push_back(flatten(toDevice(alibi)));
    if (Value sinks = op.getSinks()) {
      sinksDev = flatten(toDevice(sinks));
      if (!config.splitKV)
        inputs.push_back(sinksDev);
    }
    if (Value lse = op.getLse()) {
      auto lseType = cast<RankedTensorType>(lse.getType());
      lseHostType = MemRefType::get(lseType.getShape(), f32Type());
      if (lseHostType.isDynamicDim(0))
        lseSizes.push_back(batch);
      if (lseHostType.isDynamicDim(2))
        lseSizes.push_back(sq);
      lseDev = deviceAlloc(b, lseHostType, lseSizes);
      devBuffers.push_back(lseDev);
    }
    // The wgmma kernel loads Q and K by TMA: descriptors of both as
    // [rows, D] matrices.
    if (config.kind == AttentionKernelKind::Wgmma)
      tensorMaps = {tensorMap(q, config.blockM()), tensorMap(k, config.blockN)};
  }

  /// gpu.launch_func of the kernel `name` of the kernel module.
  void launchKernel(ImplicitLocOpBuilder &ib, StringRef name,
                    gpu::KernelDim3 grid, Value smem, ValueRange operands) {
    auto symbol =
        SymbolRefAttr::get(ib.getStringAttr(kKernelModuleName),
                           {SymbolRefAttr::get(ib.getStringAttr(name))});
    Value one = arith::ConstantIndexOp::create(ib, 1);
    gpu::LaunchFuncOp::create(ib, symbol, grid,
                              gpu::KernelDim3{threads, one, one}, smem,
                              operands, Type(), ValueRange{});
  }

  /// The kernel's shared-memory size and threads per block.
  void launchParameters(ImplicitLocOpBuilder &ib) {
    smem = arith::ConstantOp::create(
        ib, ib.getI32IntegerAttr(int32_t(config.sharedMemoryBytes())));
    threads = arith::ConstantIndexOp::create(ib, config.numThreads());
  }

  /// One launch on a grid (ceil(Sq / blockM), H, B) writing the result.
  void launch(ImplicitLocOpBuilder &ib) {
    auto c = [&](int64_t x) { return arith::ConstantIndexOp::create(ib, x); };
    launchParameters(ib);
    SmallVector<Value> operands = inputs;
    operands.push_back(flatten(outDev, ib));
    if (lseDev)
      operands.push_back(flatten(lseDev, ib));
    operands.append({batch, sq, skv});
    operands.append(maskArgs);
    operands.append(tensorMaps);
    Value gridX = arith::CeilDivUIOp::create(ib, sq, c(config.blockM()));
    launchKernel(ib, kernelName,
                 gpu::KernelDim3{gridX, c(config.numHeads), batch}, smem,
                 operands);
  }

  /// Flash-decoding: the kernel on a grid (splits, Hkv, B) writes partial
  /// results and their log-sum-exp to temporary buffers, which the combine
  /// kernel merges into the result.
  void launchSplitKV(ImplicitLocOpBuilder &ib) {
    auto c = [&](int64_t x) { return arith::ConstantIndexOp::create(ib, x); };
    launchParameters(ib);
    Value splits = numSplits(ib);
    Value outRows = arith::MulIOp::create(ib, rows, c(config.numHeads));
    Value slots = arith::MulIOp::create(ib, outRows, splits);
    auto flatF32 = MemRefType::get({ShapedType::kDynamic}, ib.getF32Type());
    Value partialSize = arith::MulIOp::create(ib, slots, c(config.valueDim));
    Value partial = deviceAlloc(ib, flatF32, partialSize);
    Value lse = deviceAlloc(ib, flatF32, slots);
    SmallVector<Value> operands = inputs;
    operands.append({partial, lse, batch, sq, skv, splits});
    operands.append(maskArgs);
    operands.append(tensorMaps);
    launchKernel(ib, kernelName,
                 gpu::KernelDim3{splits, c(config.numKvHeads), batch}, smem,
                 operands);
    Value elements = arith::MulIOp::create(ib, outRows, c(config.valueDim));
    Value combineGrid = arith::CeilDivUIOp::create(
        ib, elements, c(kCombineThreads * combineColumnsPerThread(config)));
    Value noSmem = arith::ConstantOp::create(ib, ib.getI32IntegerAttr(0));
    threads = c(kCombineThreads);
    SmallVector<Value> combineOperands = {partial, lse, flatten(outDev, ib),
                                          outRows, splits};
    if (sinksDev)
      combineOperands.append({sinksDev, sq});
    if (lseDev)
      combineOperands.push_back(flatten(lseDev, ib));
    launchKernel(ib, combineName, gpu::KernelDim3{combineGrid, c(1), c(1)},
                 noSmem, combineOperands);
    deviceDealloc(ib, partial);
    deviceDealloc(ib, lse);
  }

  /// Blocks of the split-kv kernel that one SM runs at once: as many as its
  /// shared memory holds and its registers allow (counting the 255 a thread
  /// may use: the mma kernel uses 220-235), at least 1 and at most 4.
  int64_t blocksPerSM() const {
    int64_t bySmem =
        smemPerSM / std::max<int64_t>(1, config.sharedMemoryBytes());
    int64_t byRegs = GPUChip::kRegistersPerSM /
                     (GPUChip::kMaxRegistersPerThread * config.numThreads());
    return std::clamp<int64_t>(std::min(bySmem, byRegs), 1, 4);
  }

  /// kv-splits, or when 0 enough splits to fill every SM (num-sms times
  /// blocksPerSM blocks), at most one per kv tile and kMaxAutoKvSplits.
  Value numSplits(ImplicitLocOpBuilder &ib) {
    auto c = [&](int64_t x) { return arith::ConstantIndexOp::create(ib, x); };
    if (kvSplits > 0)
      return c(kvSplits);
    Value blocks = arith::MulIOp::create(ib, batch, c(config.numKvHeads));
    Value wanted =
        arith::CeilDivUIOp::create(ib, c(numSMs * blocksPerSM()), blocks);
    Value tiles = arith::CeilDivUIOp::create(ib, skv, c(config.blockN));
    // A window's left side bounds the keys that queries [0, Sq) see to
    // [Skv - Sq - left, Skv): no split without work.
    if (config.windowLeft >= 0) {
      Value span = arith::AddIOp::create(ib, sq, c(config.windowLeft));
      Value windowTiles = arith::AddIOp::create(
          ib, arith::CeilDivUIOp::create(ib, span, c(config.blockN)), c(1));
      tiles = arith::MinUIOp::create(ib, tiles, windowTiles);
    }
    return arith::MaxUIOp::create(
        ib, c(1),
        arith::MinUIOp::create(
            ib, wanted,
            arith::MinUIOp::create(ib, tiles, c(kMaxAutoKvSplits))));
  }

  /// Copies the result to a new host buffer, frees the device buffers and
  /// replaces the op with the result as a tensor.
  void copyBack() {
    Value outHost = memref::AllocOp::create(b, outType, outSizes);
    gpu::MemcpyOp::create(b, Type(), ValueRange{}, outHost, outDev);
    Value lseHost;
    if (lseDev) {
      lseHost = memref::AllocOp::create(b, lseHostType, lseSizes);
      gpu::MemcpyOp::create(b, Type(), ValueRange{}, lseHost, lseDev);
    }
    for (Value dev : devBuffers)
      deviceDealloc(b, dev);
    Value result =
        bufferization::ToTensorOp::create(b, op.getResult().getType(), outHost,
                                          /*restrict=*/true, /*writable=*/true);
    op.getResult().replaceAllUsesWith(result);
    if (lseHost)
      op.getLse().replaceAllUsesWith(bufferization::ToTensorOp::create(
          b, op.getLse().getType(), lseHost, /*restrict=*/true,
          /*writable=*/true));
    op.erase();
  }

  Type f32Type() { return b.getF32Type(); }

  /// Copies the tensor `t` into a new device buffer.
  Value toDevice(Value t) {
    auto type = cast<RankedTensorType>(t.getType());
    auto bufType = MemRefType::get(type.getShape(), type.getElementType());
    Value host =
        bufferization::ToBufferOp::create(b, bufType, t, /*read_only=*/true);
    hostBuffers.push_back(host);
    SmallVector<Value> dynSizes;
    for (int64_t d = 0; d < bufType.getRank(); ++d)
      if (bufType.isDynamicDim(d))
        dynSizes.push_back(memref::DimOp::create(b, host, d));
    Value dev = deviceAlloc(b, bufType, dynSizes);
    gpu::MemcpyOp::create(b, Type(), ValueRange{}, dev, host);
    devBuffers.push_back(dev);
    return dev;
  }

  /// The buffer as a 1-D memref, the form kernels index.
  Value flatten(Value buffer) { return flatten(buffer, b); }
  static Value flatten(Value buffer, ImplicitLocOpBuilder &ib) {
    auto bufferType = cast<MemRefType>(buffer.getType());
    ReassociationIndices all(bufferType.getRank());
    std::iota(all.begin(), all.end(), 0);
    Value flat = bufferType.getRank() == 1
                     ? buffer
                     : memref::CollapseShapeOp::create(
                           ib, buffer, SmallVector<ReassociationIndices>{all});
    auto type =
        MemRefType::get({ShapedType::kDynamic},
                        cast<MemRefType>(buffer.getType()).getElementType());
    return memref::CastOp::create(ib, type, flat);
  }

  /// A TMA descriptor (boxes of `rows` x 8 elements) of the 4-D device
  /// buffer `buffer` seen as a [B * H * S, D] matrix.
  Value tensorMap(Value buffer, int64_t rows) {
    Value matrix = memref::CollapseShapeOp::create(
        b, buffer, SmallVector<ReassociationIndices>{{0, 1, 2}, {3}});
    auto elementType = cast<MemRefType>(buffer.getType()).getElementType();
    Value unranked = memref::CastOp::create(
        b, UnrankedMemRefType::get(elementType, /*memorySpace=*/0), matrix);
    Type type = tmaDescriptorType(b.getContext(), config, rows);
    Value descriptor = nvgpu::TmaCreateDescriptorOp::create(
        b, type, unranked,
        ValueRange{arith::ConstantIndexOp::create(b, rows),
                   arith::ConstantIndexOp::create(b, 8)});
    // The kernel takes the pointer the descriptor lowers to.
    return UnrealizedConversionCastOp::create(
               b, LLVM::LLVMPointerType::get(b.getContext()), descriptor)
        .getResult(0);
  }

  /// Element strides of the mask for (b, h, i, j): C-order strides, 0 along
  /// the dims of size 1 (broadcast).
  SmallVector<Value> maskStrides(Value mask) {
    SmallVector<Value> sizes, strides(4);
    for (int64_t d = 0; d < 4; ++d)
      sizes.push_back(dimOf(b, mask, d));
    Value zero = arith::ConstantIndexOp::create(b, 0);
    Value one = arith::ConstantIndexOp::create(b, 1);
    Value stride = one;
    for (int64_t d = 3; d >= 0; --d) {
      Value isOne =
          arith::CmpIOp::create(b, arith::CmpIPredicate::eq, sizes[d], one);
      strides[d] = arith::SelectOp::create(b, isOne, zero, stride);
      stride = arith::MulIOp::create(b, stride, sizes[d]);
    }
    return strides;
  }

  AttentionOp op;
  AttentionKernelConfig config;
  StringRef kernelName, combineName;
  int64_t kvSplits, numSMs, smemPerSM;
  ImplicitLocOpBuilder b;
  SmallVector<Value> hostBuffers; // q, k, v, [mask]
  SmallVector<Value> devBuffers;  // q, k, v, [mask], result
  MemRefType outType;
  SmallVector<Value> outSizes; // dynamic sizes of outType
  Value outDev;
  Value sinksDev, lseDev; // variants: flat sinks, the lse result [B, H, Sq]
  MemRefType lseHostType;
  SmallVector<Value> lseSizes;
  Value batch, sq, skv, rows; // rows = B * Sq
  SmallVector<Value> inputs, maskArgs, tensorMaps;
  Value smem, threads; // of the attention kernel's launch
};

struct ConvertMHAToGPUPass
    : public mha::impl::ConvertMHAToGPUBase<ConvertMHAToGPUPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (kvSplits < 0 || numSMs < 0) {
      module.emitError() << "convert-mha-to-gpu: kv-splits and num-sms must "
                            "be >= 0, got "
                         << int64_t(kvSplits) << " and " << int64_t(numSMs);
      return signalPassFailure();
    }
    if (kvTile < 0 || kvTile % 16 != 0) {
      module.emitError() << "convert-mha-to-gpu: kv-tile must be 0 "
                            "(automatic) or a positive multiple of 16, got "
                         << int64_t(kvTile);
      return signalPassFailure();
    }

    SmallVector<AttentionOp> ops;
    bool failedOp = false;
    module.walk([&](Operation *op) {
      if (auto a = dyn_cast<AttentionOp>(op)) {
        ops.push_back(a);
        // Every variant is implemented (ScoreModifiers.h); the modifier
        // regions must hold what a kernel can run.
        if (failed(kernels::verifyModifiersForKernel(a, "convert-mha-to-gpu")))
          failedOp = true;
      } else if (isa<MultiHeadAttentionOp>(op)) {
        op->emitError() << "convert-mha-to-gpu expects attention ops only; "
                           "run mha-decompose-multi-head-attention first";
        failedOp = true;
      }
    });
    if (failedOp)
      return signalPassFailure();
    if (ops.empty())
      return;

    OpBuilder builder(module.getContext());
    module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                    builder.getUnitAttr());
    auto kernels = module.lookupSymbol<gpu::GPUModuleOp>(kKernelModuleName);
    if (!kernels) {
      builder.setInsertionPointToEnd(module.getBody());
      kernels =
          gpu::GPUModuleOp::create(builder, module.getLoc(), kKernelModuleName);
    }

    for (AttentionOp op : ops) {
      FailureOr<AttentionKernelConfig> config = configFor(op);
      if (failed(config))
        return signalPassFailure();
      std::string name = uniqueName(kernels, "attention");
      buildAttentionKernel(builder, op.getLoc(), kernels, name, *config);
      std::string combine;
      if (config->splitKV) {
        combine = name + "_combine";
        buildCombineKernel(builder, op.getLoc(), kernels, combine, *config);
      }
      const GPUChip &target = chip.getValue();
      int64_t sms = numSMs > 0 ? int64_t(numSMs) : target.getNumSMs();
      AttentionLauncher(op, *config, name, combine, kvSplits, sms,
                        target.getSharedMemoryPerSM())
          .rewrite();
    }
  }

private:
  /// The kernel for `op`: its static parameters and the kernel family.
  FailureOr<AttentionKernelConfig> configFor(AttentionOp op) {
    AttentionShape shape = AttentionShape::get(op);
    AttentionKernelConfig c;
    c.elementType = shape.elementType;
    c.numHeads = shape.numHeads;
    c.numKvHeads = shape.numKvHeads;
    c.headDim = shape.headDim;
    c.valueDim = shape.valueDim;
    c.causal = shape.causal;
    c.scale = shape.scale;
    c.windowLeft = shape.windowLeft;
    c.windowRight = shape.windowRight;
    c.softcap = shape.softcap;
    c.alibi = shape.hasAlibi;
    c.sinks = shape.hasSinks;
    c.lse = shape.returnsLse;
    c.scoreMod = op.hasScoreMod();
    c.maskMod = op.hasMaskMod();
    if (c.scoreMod || c.maskMod) {
      c.modifiers = op;
      for (Value capture : kernels::kernelCaptures(op))
        c.captureTypes.push_back(kernels::kernelCaptureType(capture));
    }
    if (shape.hasMask()) {
      c.maskElementType = shape.maskType.getElementType();
      c.mask = shape.hasBoolMask() ? MaskKind::Bool : MaskKind::Float;
    }
    FailureOr<AttentionKernelKind> kind = chooseKernel(op, c);
    if (failed(kind))
      return failure();
    c.kind = *kind;
    // Flash-decoding when every query of a kv head fits one block.
    int64_t maxRows =
        c.kind == AttentionKernelKind::Mma ? kMmaMaxBlockRows : c.blockM();
    int64_t rows = shape.hasStaticSq() ? shape.group * shape.sq : 0;
    c.splitKV = kvSplits != 1 && shape.hasStaticSq() && rows <= maxRows;
    switch (c.kind) {
    case AttentionKernelKind::Mma:
      if (llvm::Error err =
              chooseMmaTileShape(c, chip.getValue(), kvTile, rows))
        return op.emitError()
               << "convert-mha-to-gpu: " << llvm::toString(std::move(err));
      break;
    case AttentionKernelKind::Wgmma:
      c.blockN = kvTile > 0 ? int64_t(kvTile) : 64;
      break;
    case AttentionKernelKind::Simt:
    case AttentionKernelKind::Auto:
      c.blockN = simtKernelBlockN(c.elementType, c.headDim, c.valueDim);
      break;
    }
    return c;
  }

  /// The `kernel` option resolved for an op of `c`'s types and shapes on
  /// `chip`; an error where the chosen kernel cannot build it.
  FailureOr<AttentionKernelKind>
  chooseKernel(AttentionOp op, const AttentionKernelConfig &c) const {
    const GPUChip &target = chip.getValue();
    bool mmaOk = mmaKernelSupports(c.elementType, c.headDim, c.valueDim);
    switch (kernel) {
    case AttentionKernelKind::Auto:
      return mmaOk && target.version >= 80 ? AttentionKernelKind::Mma
                                           : AttentionKernelKind::Simt;
    case AttentionKernelKind::Simt:
      return AttentionKernelKind::Simt;
    case AttentionKernelKind::Mma:
      if (target.version < 80)
        return op.emitError()
               << "convert-mha-to-gpu: the mma kernel needs sm_80 or later "
                  "(mma.sync m16n8k16, cp.async), got chip "
               << target.str();
      break;
    case AttentionKernelKind::Wgmma:
      if (target.version != 90 || !target.archSpecific)
        return op.emitError() << "convert-mha-to-gpu: the wgmma kernel needs "
                                 "sm_90a, got chip "
                              << target.str();
      break;
    }
    if (!mmaOk)
      return op.emitError()
             << "convert-mha-to-gpu: the "
             << stringifyAttentionKernelKind(kernel)
             << " kernel needs f16 or bf16 operands with D and Dv multiples "
                "of 16 and at most 128, got "
             << c.elementType << " with D = " << c.headDim
             << ", Dv = " << c.valueDim;
    return AttentionKernelKind(kernel);
  }

  static std::string uniqueName(gpu::GPUModuleOp kernels, StringRef base) {
    for (unsigned i = 0;; ++i) {
      std::string name = (base + "_" + Twine(i)).str();
      if (!kernels.lookupSymbol(name))
        return name;
    }
  }
};

} // namespace
