#!/usr/bin/env bash
# Softcap and ALiBi vs plain causal attention on the CPU pipeline (issue 14's
# target: each costs <= 15% over plain). The three entries run in turn,
# ROUNDS times, each round with --bench=RUNS; the ratio is of the medians.
# Usage: bench/variants/softcap-alibi.sh [BUILD_DIR] [RUNS] [ROUNDS]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../../build}"
runs="${2:-3}"
rounds="${3:-2}"
results=()
for ((r = 0; r < rounds; ++r)); do
  for entry in plain softcap alibi; do
    results+=("$entry" "$("$build/bin/mha-run" "$here/softcap_alibi.mlir" \
      --entry="$entry" --seed=1 --bench="$runs" --json)")
  done
done
python3 - "${results[@]}" <<'PY'
import json, statistics, sys
times = {}
args = sys.argv[1:]
for name, out in zip(args[::2], args[1::2]):
    times.setdefault(name, []).append(json.loads(out)["bench"]["median_seconds"])
med = {k: statistics.median(v) * 1e3 for k, v in times.items()}
print(f"causal S=2048 H=8 D=128 f32 (median of {len(times['plain'])} rounds)")
for name in ("plain", "softcap", "alibi"):
    print(f"  {name:8s} {med[name]:8.1f} ms")
for name in ("softcap", "alibi"):
    print(f"{name} overhead: {100 * (med[name] / med['plain'] - 1):+.1f}% "
          f"(target <= +15%)")
PY
uptime
