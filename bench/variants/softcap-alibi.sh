#!/usr/bin/env bash
# Softcap and ALiBi vs plain causal attention on the CPU pipeline (issue 14's
# target: each costs <= 15% over plain). The three entries run in turn,
# ROUNDS times, each round with --bench=RUNS; the ratio is of the medians.
# Each round starts with the next entry (plain, softcap, alibi; softcap,
# alibi, plain; ...), so that no entry always runs first or last.
# Usage: bench/variants/softcap-alibi.sh [BUILD_DIR] [RUNS] [ROUNDS]
#
# With CPU_TIME=1 (needs `perf`; cpu-clock works without hardware counters)
# each entry is compiled ahead of time (mha-compile) and timed by
# mha-aot-check under `perf record -e cpu-clock`: the figure is the CPU time
# spent inside the compiled library per call (all threads), the minimum
# over the rounds. Time slices given to other jobs do not count, so this is
# the figure to trust on a loaded machine; the ratios are of those minima.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../../build}"
runs="${2:-3}"
rounds="${3:-2}"
results=()
entries=(plain softcap alibi)
# The entries of round R, starting with entry R mod 3.
order() {
  for ((i = 0; i < 3; ++i)); do
    echo "${entries[$((($1 + i) % 3))]}"
  done
}
if [[ "${CPU_TIME:-0}" == 1 ]]; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  for entry in plain softcap alibi; do
    "$build/bin/mha-compile" "$here/softcap_alibi.mlir" --pipeline=cpu \
      --entry="$entry" -o "$tmp/$entry.so"
  done
  for ((r = 0; r < rounds; ++r)); do
    for entry in $(order "$r"); do
      perf record -q -e cpu-clock -F 2000 -o "$tmp/perf.data" \
        "$build/bin/mha-aot-check" "$tmp/$entry.so" --entry="$entry" \
        --bench="$runs" > /dev/null
      samples="$(perf report -i "$tmp/perf.data" --stdio --sort dso \
        -F sample,dso 2> /dev/null | awk -v so="$entry.so" '$2 == so {print $1}')"
      # 2000 samples per CPU second; one warm-up call besides the timed ones.
      results+=("$entry" "{\"bench\": {\"median_seconds\": $(python3 -c \
        "print(${samples:-0} / 2000 / ($runs + 1))")}}")
    done
  done
  stat=min
  what="CPU time in the compiled code per call, min"
else
  for ((r = 0; r < rounds; ++r)); do
    for entry in $(order "$r"); do
      results+=("$entry" "$("$build/bin/mha-run" "$here/softcap_alibi.mlir" \
        --entry="$entry" --seed=1 --bench="$runs" --json)")
    done
  done
  stat=median
  what="median"
fi
python3 - "$stat" "$what" "${results[@]}" <<'PY'
import json, statistics, sys
stat = min if sys.argv[1] == "min" else statistics.median
what = sys.argv[2]
times = {}
args = sys.argv[3:]
for name, out in zip(args[::2], args[1::2]):
    times.setdefault(name, []).append(json.loads(out)["bench"]["median_seconds"])
med = {k: stat(v) * 1e3 for k, v in times.items()}
print(f"causal S=2048 H=8 D=128 f32 ({what} of {len(times['plain'])} rounds)")
for name in ("plain", "softcap", "alibi"):
    print(f"  {name:8s} {med[name]:8.1f} ms")
for name in ("softcap", "alibi"):
    print(f"{name} overhead: {100 * (med[name] / med['plain'] - 1):+.1f}% "
          f"(target <= +15%)")
PY
uptime
