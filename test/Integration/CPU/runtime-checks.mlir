// Compiled code checks its inputs' dynamic sizes at entry and its
// allocations: a mismatch or a failed allocation is one error line and exit
// status 2, never an out-of-bounds read or a crash (mha-insert-shape-checks,
// mha-lower-runtime-checks), on every CPU pipeline.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: mha-run %S/Inputs/make-mismatched-inputs.mlir --seed=3 --output=0=%t/q.npy --output=1=%t/k.npy --output=2=%t/v.npy --output=3=%t/k1.npy --output=4=%t/v8.npy --output=5=%t/m.npy --output=6=%t/m5.npy
// DEFINE: %{dyn} = mha-run %S/Inputs/dynamic-attention.mlir --entry=dyn --input=0=%t/q.npy
// DEFINE: %{masked} = mha-run %S/Inputs/dynamic-attention.mlir --entry=masked --input=0=%t/q.npy --input=1=%t/k.npy --input=2=%t/v.npy
//
// Sizes that agree run and verify.
// RUN: %{dyn} --input=1=%t/k.npy --input=2=%t/v.npy --pipeline=reference | FileCheck %s --check-prefix=OK
// RUN: %{dyn} --input=1=%t/k.npy --input=2=%t/v.npy --pipeline=cpu --verify | FileCheck %s --check-prefix=OK
// RUN: %{masked} --input=3=%t/m.npy --pipeline=cpu --verify | FileCheck %s --check-prefix=OK
// OK: result 0: f32[2x4x6x16]
//
// Batch 1 of the key against batch 2 of the query.
// RUN: %expect_exit 2 %{dyn} --input=1=%t/k1.npy --input=2=%t/v.npy --pipeline=reference | FileCheck %s --check-prefix=BATCH
// RUN: %expect_exit 2 %{dyn} --input=1=%t/k1.npy --input=2=%t/v.npy --pipeline=cpu | FileCheck %s --check-prefix=BATCH
// RUN: %expect_exit 2 %{dyn} --input=1=%t/k1.npy --input=2=%t/v.npy --pipeline=cpu --verify | FileCheck %s --check-prefix=BATCH
// BATCH: mha-run: error: run failed: shape mismatch: dimension 0 (batch size B) of 'key' (argument 1) is 1, but 'query' (argument 0) has 2
// BATCH-NOT: result 0
//
// 8 values for 9 keys.
// RUN: %expect_exit 2 %{dyn} --input=1=%t/k.npy --input=2=%t/v8.npy --pipeline=reference | FileCheck %s --check-prefix=SKV
// RUN: %expect_exit 2 %{dyn} --input=1=%t/k.npy --input=2=%t/v8.npy --pipeline=cpu | FileCheck %s --check-prefix=SKV
// SKV: mha-run: error: run failed: shape mismatch: dimension 2 (sequence length Skv) of 'value' (argument 2) is 8, but 'key' (argument 1) has 9
//
// A mask of 5 query rows for 6 queries (a dynamic mask dim is not broadcast).
// RUN: %expect_exit 2 %{masked} --input=3=%t/m5.npy --pipeline=reference | FileCheck %s --check-prefix=MASK
// RUN: %expect_exit 2 %{masked} --input=3=%t/m5.npy --pipeline=cpu | FileCheck %s --check-prefix=MASK
// MASK: mha-run: error: run failed: shape mismatch: dimension 2 (sequence length Sq) of 'mask' (argument 3) is 5, but 'query' (argument 0) has 6
//
// The layer: kv_input of another batch size, of another embedding size.
// RUN: mha-run %S/Inputs/make-layer-inputs.mlir --seed=4 --output=0=%t/xq.npy --output=1=%t/xkv1.npy --output=2=%t/xkv6.npy --output=3=%t/wq.npy --output=4=%t/wk.npy --output=5=%t/wv.npy --output=6=%t/wo.npy
// DEFINE: %{layer} = mha-run %S/Inputs/dynamic-attention.mlir --entry=layer --input=0=%t/xq.npy --input=2=%t/wq.npy --input=3=%t/wk.npy --input=4=%t/wv.npy --input=5=%t/wo.npy
// RUN: %{layer} --input=1=%t/xq.npy --pipeline=cpu --verify | FileCheck %s --check-prefix=LAYER-OK
// LAYER-OK: result 0: f32[2x5x8]
// RUN: %expect_exit 2 %{layer} --input=1=%t/xkv1.npy --pipeline=cpu | FileCheck %s --check-prefix=LAYER-B
// LAYER-B: mha-run: error: run failed: shape mismatch: dimension 0 (batch size B) of 'kv_input' (argument 1) is 1, but 'query_input' (argument 0) has 2
// RUN: %expect_exit 2 %{layer} --input=1=%t/xkv6.npy --pipeline=reference | FileCheck %s --check-prefix=LAYER-E
// LAYER-E: mha-run: error: run failed: shape mismatch: dimension 2 (embedding size E) of 'kv_input' (argument 1) is 6, but E (the rows of 'wq' (argument 2)) is 8
//
// Allocation failures (injected with the runtime's allocation limit): the
// first buffer of the function fails, at its top level.
// RUN: env MHA_RUNTIME_ALLOCATION_LIMIT=1000 %expect_exit 2 %{dyn} --input=1=%t/k.npy --input=2=%t/v.npy --pipeline=reference | FileCheck %s --check-prefix=OOM
// RUN: env MHA_RUNTIME_ALLOCATION_LIMIT=1000 %expect_exit 2 %{dyn} --input=1=%t/k.npy --input=2=%t/v.npy --pipeline=cpu | FileCheck %s --check-prefix=OOM
// OOM: mha-run: error: run failed: out of memory: compiled code could not allocate {{[0-9]+}} bytes (allocation limit 1000 bytes)
//
// The result fits in 3300 bytes, so the allocation that fails is one of the
// per-tile buffers in the cpu pipeline's OpenMP loop (the only other ones):
// its iterations end early and the function returns the error.
// RUN: env MHA_RUNTIME_ALLOCATION_LIMIT=3300 %expect_exit 2 %{dyn} --input=1=%t/k.npy --input=2=%t/v.npy --pipeline=cpu --pipeline-options=threads=2 | FileCheck %s --check-prefix=OOM-PARALLEL
// OOM-PARALLEL: mha-run: error: run failed: out of memory: compiled code could not allocate {{[0-9]+}} bytes (allocation limit 3300 bytes)
//
// The reference pipeline's [B, H, Sq, Skv] scores do not fit in 8000 bytes.
// RUN: env MHA_RUNTIME_ALLOCATION_LIMIT=8000 %expect_exit 2 %{dyn} --input=1=%t/k.npy --input=2=%t/v.npy --pipeline=reference | FileCheck %s --check-prefix=OOM-SCORES
// OOM-SCORES: mha-run: error: run failed: out of memory: compiled code could not allocate {{[0-9]+}} bytes (allocation limit 8000 bytes)
