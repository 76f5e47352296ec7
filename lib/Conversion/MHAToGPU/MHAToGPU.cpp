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
#include "mlir/Dialect/Func/IR/FuncOps.h"
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

/// The runtime functions the host code calls: one encodes a TMA descriptor
/// into host memory, one gives the device's SM count.
constexpr llvm::StringLiteral kEncodeTensorMap = "mhaRuntimeEncodeTensorMap2D";
constexpr llvm::StringLiteral kNumSMs = "mhaRuntimeNumSMs";

/// Host side of one mha.attention: stage the operands in device memory,
/// launch the kernel (and with flash-decoding the combine kernel), copy the
/// result back.
class AttentionLauncher {
public:
  AttentionLauncher(AttentionOp op, AttentionKernelConfig config,
                    StringRef kernelName, StringRef combineName,
                    int64_t kvSplits, int64_t numSMs, bool askDeviceSMs,
                    int64_t smemPerSM)
      : op(op), config(config), kernelName(kernelName),
        combineName(combineName), kvSplits(kvSplits), numSMs(numSMs),
        askDeviceSMs(askDeviceSMs), smemPerSM(smemPerSM), b(op.getLoc(), op) {}

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
    // The automatic kv-splits fill the SMs of the device the code runs on
    // (numSMs, the chip's, without one). Asked before any GPU operation:
    // gpu-async-region makes the host wait for the stream before a call.
    if (config.splitKV && kvSplits == 0) {
      deviceSMs = arith::ConstantIntOp::create(b, b.getI64Type(), numSMs);
      if (askDeviceSMs)
        deviceSMs =
            func::CallOp::create(
                b,
                runtimeFunction(kNumSMs, b.getFunctionType({b.getI64Type()},
                                                           {b.getI64Type()})),
                deviceSMs)
                .getResult(0);
      deviceSMs = arith::IndexCastOp::create(b, b.getIndexType(), deviceSMs);
    }
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
    outDev = allocResult(outType, outSizes);

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
      lseDev = allocResult(lseHostType, lseSizes);
    }
    // The wgmma kernel loads Q, K and V by TMA: descriptors of them as
    // [rows, D] (V: [rows, Dv]) matrices.
    // The descriptors are encoded before anything is copied: gpu-async-region
    // makes the host wait for the stream before a call to the runtime, which
    // costs nothing while the stream holds no copies.
    if (config.kind == AttentionKernelKind::Wgmma) {
      SmallVector<Value> hostMaps = {encodeTensorMap(q, config.blockM()),
                                     encodeTensorMap(k, config.blockN),
                                     encodeTensorMap(v, config.blockN)};
      for (Value hostMap : hostMaps)
        tensorMaps.push_back(tensorMapOnDevice(hostMap));
    }
    for (auto [dev, host] : pendingCopies)
      gpu::MemcpyOp::create(b, Type(), ValueRange{}, dev, host);
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

  /// kv-splits, or when 0 enough splits to fill every SM (the device's SMs,
  /// or num-sms, times blocksPerSM blocks), at most one per kv tile and
  /// kMaxAutoKvSplits.
  Value numSplits(ImplicitLocOpBuilder &ib) {
    auto c = [&](int64_t x) { return arith::ConstantIndexOp::create(ib, x); };
    if (kvSplits > 0)
      return c(kvSplits);
    Value blocks = arith::MulIOp::create(ib, batch, c(config.numKvHeads));
    Value wanted = arith::CeilDivUIOp::create(
        ib, arith::MulIOp::create(ib, deviceSMs, c(blocksPerSM())), blocks);
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

  /// A device buffer for a result of `type` ([B, H, Sq, ...]: dims 0 and 2
  /// may be dynamic); its dynamic sizes go to `sizes`.
  Value allocResult(MemRefType type, SmallVectorImpl<Value> &sizes) {
    if (type.isDynamicDim(0))
      sizes.push_back(batch);
    if (type.isDynamicDim(2))
      sizes.push_back(sq);
    Value dev = deviceAlloc(b, type, sizes);
    devBuffers.push_back(dev);
    return dev;
  }

  /// A new device buffer for the tensor `t`, copied to it by stageOperands.
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
    pendingCopies.push_back({dev, host});
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
  /// buffer `buffer` seen as a [B * H * S, D] matrix, encoded by the runtime
  /// into host memory (CUtensorMap: 128 bytes, 64-byte aligned).
  Value encodeTensorMap(Value buffer, int64_t rows) {
    auto bufferType = cast<MemRefType>(buffer.getType());
    Type elementType = bufferType.getElementType();
    // CUtensorMapDataType: FLOAT16 = 6, FLOAT32 = 7, BFLOAT16 = 9.
    int64_t dataType = elementType.isF16() ? 6 : elementType.isBF16() ? 9 : 7;
    int64_t cols = bufferType.getDimSize(3);
    int64_t rowBytes = cols * elementType.getIntOrFloatBitWidth() / 8;
    auto i64 = b.getI64Type();
    auto c = [&](int64_t x) {
      return arith::ConstantIntOp::create(b, i64, x).getResult();
    };
    // B * H * S rows of D elements.
    Value numRows = arith::ConstantIndexOp::create(b, 1);
    for (int64_t d = 0; d < 3; ++d)
      numRows = arith::MulIOp::create(b, numRows, dimOf(b, buffer, d));
    numRows = arith::IndexCastOp::create(b, i64, numRows);
    Value hostMap = memref::AllocaOp::create(
        b, MemRefType::get({16}, i64), ValueRange{}, b.getI64IntegerAttr(64));
    auto i64Type = b.getI64Type();
    auto ptr = LLVM::LLVMPointerType::get(b.getContext());
    func::CallOp::create(
        b,
        runtimeFunction(kEncodeTensorMap,
                        b.getFunctionType({ptr, i64Type, ptr, i64Type, i64Type,
                                           i64Type, i64Type, i64Type},
                                          {})),
        ValueRange{pointerTo(hostMap), c(dataType), pointerTo(buffer), numRows,
                   c(cols), c(rowBytes), c(rows), c(8)});
    return hostMap;
  }

  /// The descriptor `hostMap` in device memory, as the pointer the kernel
  /// takes. The host code copies it on the launches' stream (gpu.memcpy),
  /// so that it is ordered with them, and frees it with the other device
  /// buffers. (The runtime's mgpuTensorMapEncodeTiledMemref, the lowering
  /// of nvgpu.tma.create.descriptor, copies on the legacy stream, which is
  /// unordered with the non-blocking stream of the launches, and keeps the
  /// copy until the process ends.)
  Value tensorMapOnDevice(Value hostMap) {
    Value deviceMap =
        deviceAlloc(b, cast<MemRefType>(hostMap.getType()), ValueRange{});
    pendingCopies.push_back({deviceMap, hostMap});
    devBuffers.push_back(deviceMap);
    return pointerTo(deviceMap);
  }

  /// The aligned pointer of `buffer` as an !llvm.ptr.
  Value pointerTo(Value buffer) {
    Value address = memref::ExtractAlignedPointerAsIndexOp::create(b, buffer);
    Value i64 = arith::IndexCastOp::create(b, b.getI64Type(), address);
    return LLVM::IntToPtrOp::create(b,
                                    LLVM::LLVMPointerType::get(b.getContext()),
                                    i64, LLVM::DereferenceableAttr());
  }

  /// The declaration of the runtime function `name` of type `type`.
  func::FuncOp runtimeFunction(StringRef name, FunctionType type) {
    auto module = op->getParentOfType<ModuleOp>();
    if (auto fn = module.lookupSymbol<func::FuncOp>(name))
      return fn;
    OpBuilder mb = OpBuilder::atBlockEnd(module.getBody());
    auto fn = func::FuncOp::create(mb, b.getLoc(), name, type);
    fn.setPrivate();
    return fn;
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
  int64_t kvSplits, numSMs;
  bool askDeviceSMs;
  int64_t smemPerSM;
  ImplicitLocOpBuilder b;
  SmallVector<Value> hostBuffers; // q, k, v, [mask]
  SmallVector<Value> devBuffers;  // q, k, v, [mask], result, [tensor maps]
  SmallVector<std::pair<Value, Value>> pendingCopies; // (device, host)
  MemRefType outType;
  SmallVector<Value> outSizes; // dynamic sizes of outType
  Value outDev;
  Value sinksDev, lseDev; // variants: flat sinks, the lse result [B, H, Sq]
  MemRefType lseHostType;
  SmallVector<Value> lseSizes;
  Value batch, sq, skv, rows; // rows = B * Sq
  Value deviceSMs;            // with automatic kv-splits
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
                        /*askDeviceSMs=*/numSMs == 0,
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
    case AttentionKernelKind::Wgmma: {
      c.blockN = kvTile > 0 ? int64_t(kvTile) : 64;
      int64_t limit = chip.getValue().getMaxSharedMemoryPerBlock();
      if (c.sharedMemoryBytes() > limit)
        return op.emitError()
               << "convert-mha-to-gpu: kv-tile=" << c.blockN << " needs "
               << c.sharedMemoryBytes()
               << " bytes of shared memory per block of the wgmma kernel (D = "
               << c.headDim << ", Dv = " << c.valueDim << "), more than the "
               << limit << " of " << chip.getValue().str()
               << ": give a smaller kv-tile (or 0 for the automatic one)";
      if (c.blockN > 256)
        return op.emitError() << "convert-mha-to-gpu: kv-tile=" << c.blockN
                              << " exceeds the 256 columns of a wgmma";
      break;
    }
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
