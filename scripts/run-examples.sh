#!/usr/bin/env bash
# The main job: set up, build, then compile + JIT-run + verify every example
# attention graph on the CPU, printing error figures and timings.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh --target mha-opt mha-run
status=0
for f in examples/*.mlir; do
  echo "== $f"
  # An example may name the mha-run flags it needs instead of the cpu
  # pipeline's ("// run-examples-flags: --pipeline=reference") while that
  # pipeline lacks one of its features.
  flags=$(sed -n 's|^// run-examples-flags: ||p' "$f")
  # shellcheck disable=SC2086 # the flags are words
  build/bin/mha-run "$f" ${flags:---pipeline=cpu} --seed=1 --verify --bench=5 || status=1
done
exit $status
