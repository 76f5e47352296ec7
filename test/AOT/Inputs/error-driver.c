/* Calls an entry of dynamic-attention.mlir (compiled by mha-compile) from C
 * with sizes that disagree, with an allocation limit, and with good inputs
 * on a second thread while the first one fails, and prints what
 * mhaRuntimeGetErrorKind / mhaRuntimeGetLastError report after each call. */
#include "dyn.h"

#include <pthread.h>
#include <stdio.h>

static float q[2 * 4 * 6 * 16], k[2 * 2 * 9 * 16], v[2 * 2 * 9 * 16];

static int call(long long keyBatch) {
  mha_memref_4d_f32 mq = mha_memref_4d_f32_wrap(q, 2, 4, 6, 16);
  mha_memref_4d_f32 mk = mha_memref_4d_f32_wrap(k, keyBatch, 2, 9, 16);
  mha_memref_4d_f32 mv = mha_memref_4d_f32_wrap(v, 2, 2, 9, 16);
  mha_memref_4d_f32 o;
  _mlir_ciface_dyn(&o, &mq, &mk, &mv);
  int kind = mhaRuntimeGetErrorKind();
  if (kind == 0)
    mhaRuntimeReleaseResult(o.allocated);
  return kind;
}

/* Good calls on another thread while this one fails: none may fail. */
static void *goodCalls(void *failures) {
  for (int i = 0; i < 200; ++i)
    *(int *)failures += call(2) != 0;
  return NULL;
}

int main(void) {
  printf("good: kind %d\n", call(2));
  printf("batch 1: kind %d: %s\n", call(1), mhaRuntimeGetLastError());
  /* The next call clears the error. */
  printf("good again: kind %d\n", call(2));

  mhaRuntimeSetAllocationLimit(1000);
  printf("limited: kind %d: %s\n", call(2), mhaRuntimeGetLastError());
  mhaRuntimeSetAllocationLimit(0);

  int failures = 0, bad = 0;
  pthread_t thread;
  pthread_create(&thread, NULL, goodCalls, &failures);
  for (int i = 0; i < 200; ++i)
    bad += call(1) == 1;
  pthread_join(thread, NULL);
  printf("concurrent: %d of 200 good calls failed, %d of 200 bad calls "
         "reported a shape mismatch\n",
         failures, bad);
  return 0;
}
