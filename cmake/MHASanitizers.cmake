# Sanitizer and fuzzing instrumentation of the whole project (host code; the
# LLVM/MLIR dylibs and JIT-compiled code stay uninstrumented). The
# `asan-ubsan` preset sets both; see docs/testing.md.

set(MHA_SANITIZE "" CACHE STRING
  "Sanitizers for every project target, e.g. 'address;undefined' (empty: none)")
option(MHA_FUZZ_COVERAGE
  "Compile every project target with -fsanitize=fuzzer-no-link, so the \
fuzzers (fuzz/) see the coverage of the libraries they drive" OFF)

if(MHA_SANITIZE)
  list(JOIN MHA_SANITIZE "," _mha_sanitize)
  # -fno-sanitize=function: JIT-compiled functions called through pointers
  # carry no type signature prologue. Recoverable UBSan checks stop at the
  # first report through UBSAN_OPTIONS=halt_on_error=1 (scripts/).
  add_compile_options(-fsanitize=${_mha_sanitize} -fno-sanitize=function
    -fno-omit-frame-pointer -g1)
  # The shared runtime: libmha_runtime.so, the C API and the Python module
  # are shared libraries linked with --no-undefined, and python3 (not
  # instrumented) loads the module with the runtime in LD_PRELOAD.
  execute_process(COMMAND ${CMAKE_CXX_COMPILER} --print-runtime-dir
    OUTPUT_VARIABLE MHA_SANITIZER_RUNTIME_DIR OUTPUT_STRIP_TRAILING_WHITESPACE)
  add_link_options(-fsanitize=${_mha_sanitize} -fno-sanitize=function
    -shared-libsan -Wl,-rpath,${MHA_SANITIZER_RUNTIME_DIR})
endif()

if(MHA_FUZZ_COVERAGE)
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

# The fuzzers need clang and its libFuzzer runtime (libclang-rt-22-dev).
include(CheckCXXSourceCompiles)
set(CMAKE_REQUIRED_FLAGS -fsanitize=fuzzer)
set(CMAKE_REQUIRED_LINK_OPTIONS -fsanitize=fuzzer)
check_cxx_source_compiles([[
#include <cstddef>
#include <cstdint>
extern "C" int LLVMFuzzerTestOneInput(const uint8_t *, size_t) { return 0; }
]] MHA_HAVE_LIBFUZZER)
unset(CMAKE_REQUIRED_FLAGS)
unset(CMAKE_REQUIRED_LINK_OPTIONS)
option(MHA_ENABLE_FUZZERS
  "Build the libFuzzer targets in fuzz/ (default: on when the compiler has \
libFuzzer)" ${MHA_HAVE_LIBFUZZER})
if(MHA_ENABLE_FUZZERS AND NOT MHA_HAVE_LIBFUZZER)
  message(FATAL_ERROR "MHA_ENABLE_FUZZERS needs clang with libFuzzer "
    "(Debian: libclang-rt-22-dev)")
endif()
