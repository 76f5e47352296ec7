/*===- RuntimeCHeaderTest.c - Runtime.h compiles as strict C99 ------------===*\
|*                                                                            *|
|* Compiled with -std=c99 -pedantic-errors; RuntimeTest.cpp calls it.         *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "mha/Runtime/Runtime.h"

#include <string.h>

/* Allocates, copies a 2x2 block out of a 3x3 matrix with memrefCopy and
 * releases the buffer, from C; returns 0 on success. */
int mhaRuntimeCHeaderSmokeTest(void) {
  float matrix[9] = {0, 1, 2, 3, 4, 5, 6, 7, 8};
  float expected[4] = {4, 5, 7, 8};
  float *out =
      (float *)_mlir_memref_to_llvm_aligned_alloc(64, sizeof(expected));
  /* { allocated, aligned, offset, sizes[2], strides[2] } */
  int64_t src[7], dst[7];
  MhaUnrankedMemRef srcRef, dstRef;
  const MhaRuntimeSymbol *symbol;
  int found = 0, result = 0;
  if (!out || (uintptr_t)out % 64 != 0)
    return 1;
  src[0] = src[1] = (int64_t)(intptr_t)matrix;
  src[2] = 4; /* matrix[1][1] */
  src[3] = src[4] = 2;
  src[5] = 3;
  src[6] = 1;
  dst[0] = dst[1] = (int64_t)(intptr_t)out;
  dst[2] = 0;
  dst[3] = dst[4] = 2;
  dst[5] = 2;
  dst[6] = 1;
  srcRef.rank = dstRef.rank = 2;
  srcRef.descriptor = src;
  dstRef.descriptor = dst;
  memrefCopy(sizeof(float), &srcRef, &dstRef);
  if (memcmp(out, expected, sizeof(expected)) != 0)
    result = 2;
  if (mhaRuntimeReleaseResult(out) != 1 || mhaRuntimeReleaseResult(out) != 0)
    result = 3;
  for (symbol = mhaRuntimeSymbols(); symbol->name; ++symbol)
    found += strcmp(symbol->name, "mgpuLaunchKernel") == 0 &&
             symbol->address != NULL;
  if (found != 1)
    result = 4;
  mhaRuntimeClearError();
  if (mhaRuntimeGetLastError() != NULL)
    result = 5;
  return result;
}
