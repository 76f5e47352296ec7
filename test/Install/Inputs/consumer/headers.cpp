// Compiles against the installed headers only.
#include "mha/Dialect/MHA/IR/MHAOps.h"
#include "mha/Dialect/MHA/Transforms/Passes.h"

mlir::TypeID attentionOpTypeID() {
  return mlir::TypeID::get<mlir::mha::AttentionOp>();
}
