#!/usr/bin/env bash
# Sliding window vs dense causal on the CPU pipeline (issue 14's target:
# window GFLOP/s over visible pairs >= 90% of dense causal GFLOP/s).
# Usage: bench/variants/sliding-window.sh [BUILD_DIR] [RUNS]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../../build}"
runs="${2:-3}"
run() {
  "$build/bin/mha-run" "$here/sliding_window.mlir" --entry="$1" --seed=1 \
    --bench="$runs" --json
}
window=$(run sliding_window)
causal=$(run dense_causal)
python3 - "$window" "$causal" <<'PY'
import json, sys
w, c = (json.loads(a) for a in sys.argv[1:3])
gw, gc = w["bench"]["gflops_per_second"], c["bench"]["gflops_per_second"]
tw, tc = w["bench"]["median_seconds"] * 1e3, c["bench"]["median_seconds"] * 1e3
print(f"sliding window S=16384 [1024,0]: {tw:.1f} ms, {gw:.1f} GFLOP/s (visible pairs)")
print(f"dense causal   S=2048:           {tc:.1f} ms, {gc:.1f} GFLOP/s")
print(f"ratio: {100 * gw / gc:.1f}% (target >= 90%)")
PY
