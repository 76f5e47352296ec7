#!/usr/bin/env bash
# Builds the project with AddressSanitizer and UndefinedBehaviorSanitizer
# (preset asan-ubsan, build-asan/) and runs the whole lit + GoogleTest suite
# and the Python tests under them. JIT- and AOT-compiled code is not
# instrumented; the host code around it (tools, runtime, C API, Python
# module) is. See docs/testing.md.
#
#   bash scripts/test-sanitizers.sh [lit paths...]   (default: everything)
#   bash scripts/test-sanitizers.sh --subset
#     what CI runs: only the LLVM-light host code (.npy, oracle, comparison,
#     manifest, entry calls, libmha_runtime) with its GoogleTests and the
#     .npy fuzzer; it builds in minutes where the whole project takes most
#     of an hour on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export CCACHE_BASEDIR="$PWD"
[[ -f build-asan/build.ninja ]] || cmake --preset asan-ubsan >/dev/null
subset=0
if [[ ${1:-} == --subset ]]; then
  subset=1
  shift
  cmake --build build-asan --target MHARunnerTests MHARuntimeTests mha-npy-fuzzer
else
  cmake --build build-asan
fi
source scripts/sanitizer-env.sh

start=$SECONDS
rc=0
if ((subset)); then
  /usr/lib/llvm-22/bin/lit -sv --filter 'MHARunnerTests|MHARuntimeTests' \
    build-asan/test/Unit || rc=$?
  /usr/lib/llvm-22/bin/lit -sv build-asan/test/Fuzz/npy-fuzzer.test || rc=$?
elif (($#)); then
  /usr/lib/llvm-22/bin/lit -sv "$@" || rc=$?
else
  /usr/lib/llvm-22/bin/lit -sv build-asan/test build-asan/test/Unit || rc=$?
  # python3 is not instrumented: the runtime comes first through LD_PRELOAD.
  # Leak checking is off there: the interpreter's own allocations would be
  # reported at exit.
  if compgen -G "build-asan/python_packages/mha/_mha*.so" >/dev/null; then
    LD_PRELOAD="$MHA_ASAN_RUNTIME" ASAN_OPTIONS="detect_leaks=0:$ASAN_OPTIONS" \
      PYTHONPATH="$PWD/build-asan/python_packages${PYTHONPATH:+:$PYTHONPATH}" \
      python3 -m pytest -q -p no:cacheprovider -n "$(nproc)" python/tests || rc=$?
  fi
fi
echo "test-sanitizers: $((SECONDS - start)) s of tests, exit $rc"
exit "$rc"
