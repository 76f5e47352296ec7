/* Calls the AOT-compiled Inputs/double-on-gpu.mlir on 16 ones and reports
 * the result and the runtime's error. */
#include "mha/Runtime/Runtime.h"

#include <stdio.h>

typedef struct {
  float *allocated, *aligned;
  int64_t offset, sizes[1], strides[1];
} MemRef1D;

void _mlir_ciface_double_on_gpu(MemRef1D *h);

int main(void) {
  float h[16];
  MemRef1D ref = {h, h, 0, {16}, {1}};
  const char *error;
  int i, same = 1;
  for (i = 0; i < 16; ++i)
    h[i] = 1.0f;
  _mlir_ciface_double_on_gpu(&ref);
  for (i = 1; i < 16; ++i)
    same &= h[i] == h[0];
  error = mhaRuntimeGetLastError();
  printf("h = %g%s, %s%s\n", h[0], same ? "" : " (not uniform)",
         error ? "error: " : "no runtime error", error ? error : "");
  return 0;
}
