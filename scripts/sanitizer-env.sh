# Sourced by scripts/test-sanitizers.sh and scripts/fuzz.sh: the runtime
# options of the asan-ubsan build (docs/testing.md explains each).
#
# detect_container_overflow=0: libMLIR/libLLVM are not instrumented, so a
#   std::vector filled there and read here (inlined code) looks overflowed.
# verify_asan_link_order=0: C programs of the AOT tests and python3 load
#   the runtime through libmha_runtime.so / LD_PRELOAD, not first.
# UBSan stops at the first report so that every one fails its test.
# LSan: scripts/lsan-suppressions.txt lists the leaks that are by design.
export ASAN_OPTIONS="detect_container_overflow=0:verify_asan_link_order=0:abort_on_error=0:${ASAN_OPTIONS:-}"
export LSAN_OPTIONS="suppressions=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lsan-suppressions.txt:${LSAN_OPTIONS:-}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:${UBSAN_OPTIONS:-}"
export ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-22/bin/llvm-symbolizer
MHA_ASAN_RUNTIME=$(clang++-22 -print-file-name=libclang_rt.asan-x86_64.so)
export MHA_ASAN_RUNTIME
