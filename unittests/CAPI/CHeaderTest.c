/*===- CHeaderTest.c - The C API header compiles as strict C99 ------------===*\
|*                                                                            *|
|* Compiled with -std=c99 -pedantic-errors; CAPITest.cpp calls it.            *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "mha-c/MHA.h"

#include <string.h>

/* Compiles and runs a 1x1x2x2 attention from C; returns 0 on success. */
int mhaCHeaderSmokeTest(void) {
  static const char *text =
      "func.func @main(%q: tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32> {\n"
      "  %o = mha.attention %q, %q, %q : tensor<1x1x2x2xf32>, "
      "tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32> -> tensor<1x1x2x2xf32>\n"
      "  return %o : tensor<1x1x2x2xf32>\n}\n";
  float q[4] = {1.0f, 1.0f, 1.0f, 1.0f}, out[4] = {0};
  int64_t shape[4] = {1, 1, 2, 2};
  MhaBuffer input = {q, MHA_DTYPE_F32, 4, shape};
  MhaBuffer output = {out, MHA_DTYPE_F32, 4, shape};
  MhaContext *context = mhaContextCreate();
  MhaFunction *function = NULL;
  char *error = NULL;
  int result = 1;
  if (!context)
    return 1;
  if (mhaCompile(context, text, -1, NULL, "cpu", NULL, &function, &error) ==
          MHA_SUCCESS &&
      mhaFunctionRunInto(function, &input, 1, &output, 1, &error) ==
          MHA_SUCCESS &&
      memcmp(q, out, sizeof q) == 0) /* equal keys: the mean of v = 1 */
    result = 0;
  mhaStringFree(error);
  mhaFunctionDestroy(function);
  mhaContextDestroy(context);
  return result;
}
