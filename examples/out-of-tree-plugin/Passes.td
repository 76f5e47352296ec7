//===- Passes.td - Passes of my-mha-plugin -----------------*- tablegen -*-===//

#ifndef MY_MHA_PLUGIN_PASSES_TD
#define MY_MHA_PLUGIN_PASSES_TD

include "mlir/Pass/PassBase.td"

// Plugin passes take their own prefix (here `my-`): `mha-` is the project's,
// and two passes registered under one name abort mha-opt.
def MyReportAttention : Pass<"my-report-attention"> {
  let summary = "Report the problem sizes of every mha.attention as remarks";
  let description = [{
    Emits one remark per `mha.attention`, for example
    `attention B=1 H=8 Hkv=2 Sq=128 Skv=128 D=64 Dv=64 causal`
    (`?` for a dynamic size). The IR is not changed.
  }];
  let options = [
    Option<"onlyCausal", "only-causal", "bool", /*default=*/"false",
           "Report causal attention only">
  ];
}

#endif // MY_MHA_PLUGIN_PASSES_TD
