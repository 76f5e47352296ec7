// memref.alloc/dealloc and a strided memref.copy, lowered the way the mha
// pipelines lower them (generic allocation functions).
func.func @cpu_helpers(%src: memref<4x4xf32, strided<[8, 2], offset: 1>>) {
  %a = memref.alloc() : memref<4x4xf32>
  %b = memref.alloc() {alignment = 64 : i64} : memref<4x4xf32>
  memref.copy %src, %a : memref<4x4xf32, strided<[8, 2], offset: 1>> to memref<4x4xf32>
  memref.copy %a, %b : memref<4x4xf32> to memref<4x4xf32>
  memref.dealloc %a : memref<4x4xf32>
  memref.dealloc %b : memref<4x4xf32>
  return
}
