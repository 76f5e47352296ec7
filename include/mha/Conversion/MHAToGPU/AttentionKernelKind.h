//===- AttentionKernelKind.h - The kernel families of MHAToGPU --*- C++ -*-===//
//
// The `kernel` option of convert-mha-to-gpu and mha-gpu-pipeline: one enum,
// with one list of spellings, parsed by the option itself.
//
//===----------------------------------------------------------------------===//

#ifndef MHA_CONVERSION_MHATOGPU_ATTENTIONKERNELKIND_H
#define MHA_CONVERSION_MHATOGPU_ATTENTIONKERNELKIND_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/CommandLine.h"

namespace mlir::mha {

/// The attention kernel families. `Auto` is a choice of the options only:
/// convert-mha-to-gpu resolves it per op, so a kernel is never built as it.
enum class AttentionKernelKind { Auto, Mma, Wgmma, Simt };

/// "auto", "mma", "wgmma" or "simt".
llvm::StringRef stringifyAttentionKernelKind(AttentionKernelKind kind);

/// The values of a `kernel` option with their help (for llvm::cl and pass
/// options: `[{::mlir::mha::attentionKernelKindValues()}]` in ODS).
llvm::cl::ValuesClass attentionKernelKindValues();

} // namespace mlir::mha

#endif // MHA_CONVERSION_MHATOGPU_ATTENTIONKERNELKIND_H
