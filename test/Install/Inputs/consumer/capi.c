/* The C API and the runtime library, from C. */
#include "mha-c/MHA.h"
#include "mha/Runtime/Runtime.h"

#include <stdio.h>

int checkCAPI(void) {
  printf("consumer: C API version %s, runtime with%s CUDA\n", mhaVersion(),
         mhaRuntimeHasCudaSupport() ? "" : "out");
  return 0;
}
