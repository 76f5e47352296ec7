// RUN: mha-opt %s -mha-lower-runtime-checks -split-input-file -verify-diagnostics | FileCheck %s
// RUN: mha-opt %s -mha-lower-runtime-checks="allocations=false" -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=NOALLOC

// A public function clears the calling thread's status at entry; a failed
// shape check reports and returns zeros.
// CHECK-DAG: llvm.mlir.global internal constant @[[$WHAT:__mha_check_message_[0-9]+]]("dimension 0 (batch size B) of 'key' (argument 1)\00")
// CHECK-DAG: llvm.mlir.global internal constant @[[$FROM:__mha_check_message_[0-9]+]]("'query' (argument 0) has\00")
// CHECK-DAG: llvm.func @mhaRuntimeBeginCall() -> !llvm.ptr
// CHECK-DAG: llvm.func @mhaRuntimeReportShapeMismatch(!llvm.ptr, !llvm.ptr, i64, !llvm.ptr, i64)
// CHECK-LABEL: llvm.func @check(
// CHECK-SAME: %[[A:.*]]: i64, %[[B:.*]]: i64) -> i64
// CHECK-NEXT: %[[S:.*]] = llvm.call @mhaRuntimeBeginCall() : () -> !llvm.ptr
// CHECK-NEXT: %[[NE:.*]] = llvm.icmp "ne" %[[A]], %[[B]] : i64
// CHECK-NEXT: llvm.cond_br %[[NE]] weights([1, 1048575]), ^[[FAIL:.*]], ^[[OK:.*]]
// CHECK-NEXT: ^[[OK]]:
// CHECK-NEXT: llvm.return %[[A]] : i64
// CHECK-NEXT: ^[[FAIL]]:
// CHECK-NEXT: %[[W:.*]] = llvm.mlir.addressof @[[$WHAT]] : !llvm.ptr
// CHECK-NEXT: %[[F:.*]] = llvm.mlir.addressof @[[$FROM]] : !llvm.ptr
// CHECK-NEXT: llvm.call @mhaRuntimeReportShapeMismatch(%[[S]], %[[W]], %[[A]], %[[F]], %[[B]])
// CHECK-NEXT: llvm.br ^[[EXIT:.*]]
// CHECK-NEXT: ^[[EXIT]]:
// CHECK-NEXT: %[[Z:.*]] = llvm.mlir.zero : i64
// CHECK-NEXT: llvm.return %[[Z]] : i64
// NOALLOC-LABEL: llvm.func @check(
// NOALLOC: llvm.call @mhaRuntimeReportShapeMismatch
module {
  llvm.func @check(%a: i64, %b: i64) -> i64 {
    mha.check_size %a, %b {expected_from = "'query' (argument 0) has", what = "dimension 0 (batch size B) of 'key' (argument 1)"}
    llvm.return %a : i64
  }
}

// -----

// An allocation in the body of a private function: the status is fetched
// without clearing; a null result reports its size and leaves. The public
// caller tests the status after the call.
// CHECK-LABEL: llvm.func internal @allocate(
// CHECK-SAME: %[[N:.*]]: i64)
// CHECK-NEXT: %[[S:.*]] = llvm.call @mhaRuntimeCallStatus() : () -> !llvm.ptr
// CHECK-NEXT: %[[P:.*]] = llvm.call @_mlir_memref_to_llvm_alloc(%[[N]])
// CHECK-NEXT: %[[NULL:.*]] = llvm.mlir.zero : !llvm.ptr
// CHECK-NEXT: %[[EQ:.*]] = llvm.icmp "eq" %[[P]], %[[NULL]] : !llvm.ptr
// CHECK-NEXT: llvm.cond_br %[[EQ]] weights([1, 1048575]), ^[[FAIL:.*]], ^[[OK:.*]]
// CHECK: ^[[FAIL]]:
// CHECK-NEXT: llvm.call @mhaRuntimeReportAllocationFailure(%[[S]], %[[N]])
// CHECK-NEXT: llvm.br
// CHECK-LABEL: llvm.func @caller(
// CHECK-NEXT: %[[S:.*]] = llvm.call @mhaRuntimeBeginCall()
// CHECK-NEXT: llvm.call @allocate
// CHECK-NEXT: %[[F:.*]] = llvm.call @mhaRuntimeCallFailed(%[[S]]) : (!llvm.ptr) -> i32
// CHECK-NEXT: %[[ZERO:.*]] = llvm.mlir.constant(0 : i32) : i32
// CHECK-NEXT: %[[NE:.*]] = llvm.icmp "ne" %[[F]], %[[ZERO]] : i32
// CHECK-NEXT: llvm.cond_br %[[NE]] weights([1, 1048575]), ^[[FAIL:.*]], ^[[OK:.*]]
// CHECK: ^[[FAIL]]:
// CHECK-NEXT: llvm.br ^[[EXIT:.*]]
// CHECK-NEXT: ^[[EXIT]]:
// CHECK-NEXT: llvm.return
// Without allocation checks nothing can fail: the private function is left
// alone, the public one only clears the status.
// NOALLOC-LABEL: llvm.func internal @allocate(
// NOALLOC-NEXT: llvm.call @_mlir_memref_to_llvm_alloc
// NOALLOC-LABEL: llvm.func @caller(
// NOALLOC-NEXT: llvm.call @mhaRuntimeBeginCall()
// NOALLOC-NEXT: llvm.call @allocate
// NOALLOC-NEXT: llvm.return
module {
  llvm.func @_mlir_memref_to_llvm_alloc(i64) -> !llvm.ptr
  llvm.func internal @allocate(%n: i64) {
    %p = llvm.call @_mlir_memref_to_llvm_alloc(%n) : (i64) -> !llvm.ptr
    %c = llvm.mlir.constant(1.0 : f32) : f32
    llvm.store %c, %p : f32, !llvm.ptr
    llvm.return
  }
  llvm.func @caller(%n: i64) {
    llvm.call @allocate(%n) : (i64) -> ()
    llvm.return
  }
}

// -----

// An aligned allocation in an OpenMP loop: a failure ends the iteration
// (omp.yield), so every worker reaches the region's barriers; the status is
// tested after the omp.parallel.
// CHECK-LABEL: llvm.func @parallel(
// CHECK-SAME: %[[N:[^:]*]]: i64
// CHECK-NEXT: %[[S:.*]] = llvm.call @mhaRuntimeBeginCall()
// CHECK: omp.parallel {
// CHECK: omp.loop_nest
// CHECK: %[[P:.*]] = llvm.call @_mlir_memref_to_llvm_aligned_alloc(%{{.*}}, %[[N]])
// CHECK: llvm.cond_br %{{.*}} weights([1, 1048575]), ^[[FAIL:.*]], ^[[OK:.*]]
// CHECK-NEXT: ^[[OK]]:
// CHECK: omp.yield
// CHECK-NEXT: ^[[FAIL]]:
// CHECK-NEXT: llvm.call @mhaRuntimeReportAllocationFailure(%[[S]], %[[N]])
// CHECK-NEXT: llvm.br ^[[YIELD:.*]]
// CHECK-NEXT: ^[[YIELD]]:
// CHECK-NEXT: omp.yield
// CHECK: omp.terminator
// CHECK-NEXT: }
// CHECK-NEXT: llvm.call @mhaRuntimeCallFailed(%[[S]])
// CHECK: llvm.cond_br
module {
  llvm.func @_mlir_memref_to_llvm_aligned_alloc(i64, i64) -> !llvm.ptr
  llvm.func @parallel(%n: i64, %lb: i64, %ub: i64) {
    omp.parallel {
      omp.wsloop {
        omp.loop_nest (%i) : i64 = (%lb) to (%ub) step (%lb) {
          %a = llvm.mlir.constant(64 : i64) : i64
          %p = llvm.call @_mlir_memref_to_llvm_aligned_alloc(%a, %n) : (i64, i64) -> !llvm.ptr
          %c = llvm.mlir.constant(1.0 : f32) : f32
          llvm.store %c, %p : f32, !llvm.ptr
          omp.yield
        }
      }
      omp.terminator
    }
    llvm.return
  }
}

// -----

// A failure point in a region that cannot be left safely.
module {
  llvm.func @in_parallel(%a: i64, %b: i64) {
    omp.parallel {
      // expected-error @+1 {{'mha.check_size' op may fail inside a 'omp.parallel' region, which mha-lower-runtime-checks cannot leave (supported: the function body, omp.loop_nest)}}
      mha.check_size %a, %b {expected_from = "b", what = "a"}
      omp.terminator
    }
    llvm.return
  }
}
