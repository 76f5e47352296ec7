// RUN: mha-opt %s --convert-mha-to-gpu="kernel=mma" --split-input-file --verify-diagnostics
// RUN: not mha-opt %s --convert-mha-to-gpu="kernel=wmma" --split-input-file 2>&1 | FileCheck %s --check-prefix=KERNEL
// RUN: not mha-opt %s --convert-mha-to-gpu="kv-tile=24" --split-input-file 2>&1 | FileCheck %s --check-prefix=TILE
// RUN: not mha-opt %s --convert-mha-to-gpu="kv-tile=512 chip=sm_80" --split-input-file 2>&1 | FileCheck %s --check-prefix=BIGTILE
// RUN: not mha-opt %s --convert-mha-to-gpu="kernel=wgmma chip=sm_90a kv-tile=128" --split-input-file 2>&1 | FileCheck %s --check-prefix=WGTILE
// RUN: not mha-opt %s --convert-mha-to-gpu="chip=volta" --split-input-file 2>&1 | FileCheck %s --check-prefix=CHIP
// RUN: not mha-opt %s --convert-mha-to-gpu="kernel=mma chip=sm_75" --split-input-file 2>&1 | FileCheck %s --check-prefix=SM75
// RUN: not mha-opt %s --convert-mha-to-gpu="kernel=wgmma chip=sm_90" --split-input-file 2>&1 | FileCheck %s --check-prefix=SM90

// KERNEL: for the --kernel option: Cannot find option named 'wmma'!
// TILE: error: convert-mha-to-gpu: kv-tile must be 0 (automatic) or a positive multiple of 16, got 24
// BIGTILE: error: convert-mha-to-gpu: kv-tile=512 needs {{[0-9]+}} bytes of shared memory per block of the mma kernel (D = 128, Dv = 128), more than the 166912 of sm_80: give a smaller kv-tile (or 0 for the automatic one)
// WGTILE: error: convert-mha-to-gpu: kv-tile=128 needs 262144 bytes of shared memory per block of the wgmma kernel (D = 128, Dv = 128), more than the {{[0-9]+}} of sm_90a: give a smaller kv-tile (or 0 for the automatic one)
// CHIP: for the --chip option: 'volta' is not a GPU chip: expected sm_XY or sm_XYa (e.g. sm_80, sm_90a)
// SM75: error: convert-mha-to-gpu: the mma kernel needs sm_80 or later (mma.sync m16n8k16, cp.async), got chip sm_75
// SM90: error: convert-mha-to-gpu: the wgmma kernel needs sm_90a, got chip sm_90

// The tensor-core kernel needs f16/bf16 operands.
func.func @mma_f32(%q: tensor<1x2x8x64xf32>, %k: tensor<1x2x8x64xf32>,
                   %v: tensor<1x2x8x64xf32>) -> tensor<1x2x8x64xf32> {
  // expected-error @below {{convert-mha-to-gpu: the mma kernel needs f16 or bf16 operands with D and Dv multiples of 16 and at most 128, got 'f32' with D = 64, Dv = 64}}
  %o = mha.attention %q, %k, %v
      : tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32>
      -> tensor<1x2x8x64xf32>
  return %o : tensor<1x2x8x64xf32>
}

// -----

// ... and head dims that are multiples of 16.
func.func @mma_d40(%q: tensor<1x2x8x40xf16>, %k: tensor<1x2x8x40xf16>,
                   %v: tensor<1x2x8x40xf16>) -> tensor<1x2x8x40xf16> {
  // expected-error @below {{got 'f16' with D = 40, Dv = 40}}
  %o = mha.attention %q, %k, %v
      : tensor<1x2x8x40xf16>, tensor<1x2x8x40xf16>, tensor<1x2x8x40xf16>
      -> tensor<1x2x8x40xf16>
  return %o : tensor<1x2x8x40xf16>
}

// -----

// Layers must be decomposed first.
func.func @layer(%x: tensor<1x4x32xf16>, %w: tensor<32x32xf16>) -> tensor<1x4x32xf16> {
  // expected-error @below {{convert-mha-to-gpu expects attention ops only; run mha-decompose-multi-head-attention first}}
  %y = mha.multi_head_attention %x, %x, %w, %w, %w, %w {num_heads = 2 : i64}
      : tensor<1x4x32xf16>, tensor<1x4x32xf16>, tensor<32x32xf16>,
        tensor<32x32xf16>, tensor<32x32xf16>, tensor<32x32xf16>
      -> tensor<1x4x32xf16>
  return %y : tensor<1x4x32xf16>
}

// -----

// An mma kernel whose kv tile (kv-tile) does not fit the chip's shared
// memory (BIGTILE), nor that of the wgmma kernel's three K/V stages
// (WGTILE); the other runs compile it.
func.func @mma_d128(%q: tensor<1x2x300x128xbf16>, %k: tensor<1x2x300x128xbf16>,
                    %v: tensor<1x2x300x128xbf16>) -> tensor<1x2x300x128xbf16> {
  %o = mha.attention %q, %k, %v
      : tensor<1x2x300x128xbf16>, tensor<1x2x300x128xbf16>,
        tensor<1x2x300x128xbf16> -> tensor<1x2x300x128xbf16>
  return %o : tensor<1x2x300x128xbf16>
}

// -----

// score_mod / mask_mod regions run in the kernels; what a kernel cannot run
// is named.
func.func @captured_tensor_not_extracted(%q: tensor<1x2x16x16xf16>, %k: tensor<1x2x16x16xf16>, %v: tensor<1x2x16x16xf16>, %ids: tensor<16xi32>) -> tensor<1x2x16x16xf16> {
  %o = mha.attention %q, %k, %v : tensor<1x2x16x16xf16>, tensor<1x2x16x16xf16>, tensor<1x2x16x16xf16> -> tensor<1x2x16x16xf16>
    mask_mod {
    ^bb0(%b: index, %h: index, %i: index, %j: index):
      %c0 = arith.constant 0 : i32
      // expected-error @below {{'tensor.insert' op reads a tensor captured by a score_mod / mask_mod region, which convert-mha-to-gpu supports only through tensor.extract and tensor.dim}}
      %t = tensor.insert %c0 into %ids[%i] : tensor<16xi32>
      %x = tensor.extract %t[%j] : tensor<16xi32>
      %p = arith.cmpi eq, %x, %c0 : i32
      mha.yield %p : i1
    }
  return %o : tensor<1x2x16x16xf16>
}

// -----

func.func @vector_op_in_score_mod(%q: tensor<1x2x16x16xf16>, %k: tensor<1x2x16x16xf16>, %v: tensor<1x2x16x16xf16>) -> tensor<1x2x16x16xf16> {
  %o = mha.attention %q, %k, %v : tensor<1x2x16x16xf16>, tensor<1x2x16x16xf16>, tensor<1x2x16x16xf16> -> tensor<1x2x16x16xf16>
    score_mod {
    ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
      // expected-error @below {{'vector.broadcast' op in a score_mod / mask_mod region is not supported by convert-mha-to-gpu (kernels run arith, math, index and scf ops and tensor.extract)}}
      %w = vector.broadcast %s : f32 to vector<2xf32>
      %r = vector.extract %w[1] : f32 from vector<2xf32>
      mha.yield %r : f32
    }
  return %o : tensor<1x2x16x16xf16>
}
