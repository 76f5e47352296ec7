//===- MHADialect.td - The mha dialect ---------------------*- tablegen -*-===//

#ifndef MHA_DIALECT_MHA_IR_MHADIALECT_TD
#define MHA_DIALECT_MHA_IR_MHADIALECT_TD

include "mlir/IR/OpBase.td"

def MHA_Dialect : Dialect {
  let name = "mha";
  let cppNamespace = "::mlir::mha";
  let summary = "Multi-head and scaled dot-product attention.";
  let description = [{
    The `mha` dialect represents attention at the level users think about it:
    a whole multi-head attention layer (`mha.multi_head_attention`) and the
    scaled dot-product attention core (`mha.attention`). Per-head tensors use
    the PyTorch SDPA layout `[B, H, S, D]`. Lowering passes decompose the layer,
    give the core its reference (unfused) semantics in `linalg`, or fuse and
    tile it FlashAttention-style.
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

class MHA_Op<string mnemonic, list<Trait> traits = []>
    : Op<MHA_Dialect, mnemonic, traits>;

#endif // MHA_DIALECT_MHA_IR_MHADIALECT_TD
