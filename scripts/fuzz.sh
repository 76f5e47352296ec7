#!/usr/bin/env bash
# Runs the libFuzzer targets of fuzz/ from the asan-ubsan build (coverage of
# the libraries, AddressSanitizer, UBSan) for SECONDS each (default 60).
#
#   bash scripts/fuzz.sh [SECONDS] [npy|options|pipeline ...]
#
# Each target grows its corpus in build-asan/fuzz/corpus/<target>/, starting
# from the seeds in fuzz/corpus/<target>/; a crashing input is written to
# build-asan/fuzz/artifacts/<target>/ and the script exits 1. Add crashing
# inputs, once fixed, to fuzz/corpus/<target>/ (docs/testing.md).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
[[ $seconds =~ ^[0-9]+$ ]] || {
  echo "usage: $0 [SECONDS] [npy|options|pipeline ...]" >&2
  exit 2
}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(npy options pipeline)
for t in "${targets[@]}"; do
  [[ -d fuzz/corpus/$t ]] || {
    echo "fuzz: unknown target '$t' (npy, options, pipeline)" >&2
    exit 2
  }
done

bash scripts/setup.sh >/dev/null
export CCACHE_BASEDIR="$PWD"
[[ -f build-asan/build.ninja ]] || cmake --preset asan-ubsan >/dev/null
cmake --build build-asan --target mha-fuzzers
source scripts/sanitizer-env.sh

rc=0
for t in "${targets[@]}"; do
  corpus=build-asan/fuzz/corpus/$t artifacts=build-asan/fuzz/artifacts/$t
  mkdir -p "$corpus" "$artifacts"
  echo "fuzz: mha-$t-fuzzer for $seconds s"
  if ! build-asan/bin/mha-$t-fuzzer -max_total_time="$seconds" -timeout=60 \
    -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="$artifacts/" \
    "$corpus" "fuzz/corpus/$t"; then
    echo "fuzz: mha-$t-fuzzer failed; the input is in $artifacts/" >&2
    rc=1
  fi
done
exit "$rc"
