/* Calls the entries of an object written by mha-compile through its
 * generated header (uniform.h), on fixed data. */
#include "uniform.h"

#include <stdio.h>
#include <string.h>

int main(void) {
  float q[32], k[32], v[32];
  int i, j;
  for (i = 0; i < 4; ++i)
    for (j = 0; j < 8; ++j) {
      q[i * 8 + j] = 0.0f;
      k[i * 8 + j] = 0.0f;
      v[i * 8 + j] = (float)(i + j);
    }
  mha_memref_4d_f32 mq = mha_memref_4d_f32_wrap(q, 1, 1, 4, 8);
  mha_memref_4d_f32 mk = mha_memref_4d_f32_wrap(k, 1, 1, 4, 8);
  mha_memref_4d_f32 mv = mha_memref_4d_f32_wrap(v, 1, 1, 4, 8);

  /* Causal: row i averages v[0..i], so o[i][c] = i / 2 + c. */
  mha_memref_4d_f32 o;
  _mlir_ciface_attend(&o, &mq, &mk, &mv);
  printf("sizes %lld %lld %lld %lld\n", (long long)o.sizes[0],
         (long long)o.sizes[1], (long long)o.sizes[2], (long long)o.sizes[3]);
  for (i = 0; i < 4; ++i)
    printf("o[%d] = %.3f %.3f\n", i, o.aligned[o.offset + i * o.strides[2]],
           o.aligned[o.offset + i * o.strides[2] + 7 * o.strides[3]]);
  printf("release o: %d\n", mhaRuntimeReleaseResult(o.allocated));
  printf("release o again: %d\n", mhaRuntimeReleaseResult(o.allocated));

  /* Two results; the second has v's values (a copy the library owns, or v
   * itself, which mhaRuntimeReleaseResult leaves alone). Inputs are never
   * written. */
  mha_attend_and_echo_results r;
  _mlir_ciface_attend_and_echo(&r, &mq, &mk, &mv);
  printf("o0[3] = %.3f\n", r.result0.aligned[r.result0.offset + 3 * 8]);
  printf("echo[3] = %.3f\n", r.result1.aligned[r.result1.offset + 3 * 8]);
  printf("release result0: %d\n", mhaRuntimeReleaseResult(r.result0.allocated));
  printf("release result1: %d\n", mhaRuntimeReleaseResult(r.result1.allocated));
  printf("v[31] = %.3f\n", v[31]);

  printf("error: %s\n", mhaRuntimeGetLastError() ? "yes" : "none");
  printf("manifest names attend: %s\n",
         strstr(mha_aot_manifest(), "\"name\":\"attend\"") ? "yes" : "no");
  return 0;
}
