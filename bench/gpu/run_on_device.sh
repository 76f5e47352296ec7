#!/usr/bin/env bash
# The GPU device check. Runs from inside a bundle made by build_bundle.sh on
# a machine with an NVIDIA GPU and its driver; needs only bash, python3 and
# coreutils (PyTorch for the comparison columns). See docs/gpu-bench.md.
#
#   ./run_on_device.sh [--quick] [--runs N] [--out DIR] [--time-limit S]
#                      [--case-timeout S] [--only REGEX] [--keep-raw]
#
#   --quick           the quick subset (about a minute)
#   --runs N          timed runs per benchmark, mha and torch (default 20)
#   --out DIR         results folder (default ./results): results.md,
#                     results.json, device.txt, torch_sdpa.json/.log and
#                     raw.tar.gz (every mha-aot-check output; --keep-raw
#                     leaves them in raw/ instead)
#   --time-limit S    overall budget in seconds (default 450); cases that
#                     would start after it are reported as SKIPPED
#   --case-timeout S  limit of one mha-aot-check run (default 120; 30 for
#                     the optional wgmma cases)
#   --only REGEX      only the cases whose id matches this Python regular
#                     expression (re.search), e.g. 'decode|verify'
#   --skip-gpu-check  run even without a GPU (tests the bundle: every case
#                     then reports the runtime's error)
#
# Exit status: 0 the check ran (failed cases are in the table); 2 the bundle
# is broken (missing files, a tool that does not start); 3 no GPU here.

set -u
start=$(date +%s)
here=$(cd "$(dirname "$0")" && pwd)
out=results
runs=20
quick=0
time_limit=450
case_timeout=120
skip_gpu_check=0
keep_raw=0
only=

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
broken() {
  echo "run_on_device.sh: error: the bundle is broken: $*" >&2
  exit 2
}
number() {
  case $2 in '' | *[!0-9]*) echo "run_on_device.sh: error: $1 needs a number, got '$2'" >&2; exit 2 ;; esac
}

while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=1; shift ;;
    --runs) runs=${2:-}; shift 2 || shift ;;
    --runs=*) runs=${1#--runs=}; shift ;;
    --out) out=${2:-}; shift 2 || shift ;;
    --out=*) out=${1#--out=}; shift ;;
    --time-limit) time_limit=${2:-}; shift 2 || shift ;;
    --time-limit=*) time_limit=${1#--time-limit=}; shift ;;
    --case-timeout) case_timeout=${2:-}; shift 2 || shift ;;
    --case-timeout=*) case_timeout=${1#--case-timeout=}; shift ;;
    --only) only=${2:-}; shift 2 || shift ;;
    --only=*) only=${1#--only=}; shift ;;
    --skip-gpu-check) skip_gpu_check=1; shift ;;
    --keep-raw) keep_raw=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "run_on_device.sh: error: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
number --runs "$runs"
number --time-limit "$time_limit"
number --case-timeout "$case_timeout"
[ "$runs" -ge 1 ] || { echo "run_on_device.sh: error: --runs must be at least 1" >&2; exit 2; }
[ -n "$out" ] || { echo "run_on_device.sh: error: --out needs a folder" >&2; exit 2; }

# A GPU? One line and exit 3 when there is none.
if [ "$skip_gpu_check" = 0 ]; then
  if ! command -v nvidia-smi >/dev/null 2>&1; then
    echo "run_on_device.sh: no NVIDIA GPU here (nvidia-smi not found); nothing to run"
    exit 3
  fi
  if ! gpus=$(nvidia-smi -L 2>&1) || ! grep -q '^GPU ' <<<"$gpus"; then
    echo "run_on_device.sh: no NVIDIA GPU here (nvidia-smi -L: $(head -n 1 <<<"$gpus")); nothing to run"
    exit 3
  fi
fi

# The bundle.
for f in mha-aot-check libmha_runtime.so libomp.so.5 configs.json report.py torch_sdpa.py; do
  [ -e "$here/$f" ] || broken "$f is missing in $here"
done
command -v python3 >/dev/null 2>&1 || broken "python3 is not installed"
[ -x "$here/mha-aot-check" ] || chmod +x "$here/mha-aot-check" 2>/dev/null
if ! msg=$("$here/mha-aot-check" --help 2>&1 >/dev/null); then
  broken "mha-aot-check does not start: $(head -n 1 <<<"$msg")"
fi
selection=()  # the case selection, for report.py and torch_sdpa.py
[ "$quick" = 1 ] && selection=(--quick)
[ -n "$only" ] && selection+=(--only "$only")
if ! msg=$(python3 "$here/report.py" list --configs "$here/configs.json" \
    ${selection[@]+"${selection[@]}"} 2>&1 >/dev/null); then
  broken "configs.json: $(tail -n 1 <<<"$msg")"
fi
has_timeout=0
command -v timeout >/dev/null 2>&1 && has_timeout=1

mkdir -p "$out" || broken "cannot create $out"
out=$(cd "$out" && pwd)
raw=$out/raw
rm -rf "$raw" "$out/raw.tar.gz"
mkdir -p "$raw"
cd "$here" || broken "cannot enter $here"

# (a) The device.
{
  if command -v nvidia-smi >/dev/null 2>&1; then
    nvidia-smi -L 2>&1
    nvidia-smi --query-gpu=index,name,driver_version,memory.total,clocks.max.sm,power.limit \
      --format=csv,noheader 2>&1 |
      while IFS=, read -r index name driver memory clock power; do
        echo "gpu $index:$name, driver$driver,$memory,$clock max SM clock,$power power limit"
      done
  else
    echo "no nvidia-smi (--skip-gpu-check)"
  fi
  echo "host: $(uname -srm), $(nproc 2>/dev/null || echo '?') CPUs"
} >"$out/device.txt"
echo "== device"
cat "$out/device.txt"

# (b, c) The cases: correctness first, then the benchmarks. Torch gets what
# is left of the budget, at least a reserve.
reserve=$(( quick ? 40 : 100 ))
mha_deadline=$((time_limit - reserve))
mapfile -t lines < <(python3 report.py list --configs configs.json ${selection[@]+"${selection[@]}"})
total=${#lines[@]}
echo "== mha: $total cases (bench runs: $runs, per-case limit ${case_timeout} s)"

run_timed() {  # STEM LIMIT COMMAND...: STEM.json/.err/.rc/.seconds
  local stem=$1 limit=$2 t0 t1 rc ms
  shift 2
  t0=$(date +%s%N)
  if [ "$has_timeout" = 1 ]; then
    timeout -k 5 "$limit" "$@" >"$stem.json" 2>"$stem.err"
  else
    "$@" >"$stem.json" 2>"$stem.err"
  fi
  rc=$?
  t1=$(date +%s%N)
  echo "$rc" >"$stem.rc"
  ms=$(( (t1 - t0) / 1000000 ))
  printf '%d.%03d\n' $((ms / 1000)) $((ms % 1000)) >"$stem.seconds"
  return "$rc"
}

# Optional cases (the experimental wgmma kernel; last in the list) get a
# shorter limit, and none runs after one has timed out.
optional_timeout=$(( case_timeout < 30 ? case_timeout : 30 ))
optional_hung=
i=0
for line in "${lines[@]}"; do
  i=$((i + 1))
  IFS=$'\t' read -r id group lib check seed inputs nres reflib optional <<<"$line"
  stem=$raw/$id
  limit=$case_timeout
  [ "$optional" = optional ] && limit=$optional_timeout
  if [ $(( $(date +%s) - start )) -ge "$mha_deadline" ]; then
    echo "skipped: the time limit (${time_limit} s) was reached" >"$stem.status"
  elif [ "$optional" = optional ] && [ -n "$optional_hung" ]; then
    echo "skipped: the optional case $optional_hung timed out" >"$stem.status"
  elif [ ! -f "$lib" ]; then
    echo "not-built: $lib is not in the bundle (see build.log)" >"$stem.status"
  else
    args=(./mha-aot-check "./$lib" "--seed=$seed" --json)
    if [ "$inputs" != - ]; then
      IFS=, read -r -a input_list <<<"$inputs"
      for input in "${input_list[@]}"; do args+=("--input=$input"); done
    fi
    ref_args=()
    if [ "$group" = correctness ]; then
      if [ "$check" = oracle ]; then
        args+=(--verify)
      elif [ "$check" = reference ]; then
        ref_args=(./mha-aot-check "./$reflib" "${args[@]:2}")
        for ((n = 0; n < nres; n++)); do
          args+=("--output=$n=$stem.out$n.npy")
          ref_args+=("--output=$n=$stem.ref$n.npy")
        done
      fi
    else
      args+=("--bench=$runs")
    fi
    run_timed "$stem" "$limit" "${args[@]}"
    rc=$(cat "$stem.rc")
    if [ "$optional" = optional ] && { [ "$rc" = 124 ] || [ "$rc" = 137 ]; }; then
      optional_hung=$id
    fi
    if [ ${#ref_args[@]} -gt 0 ] && [ "$rc" = 0 ]; then
      if [ -f "$reflib" ]; then
        run_timed "$stem.ref" "$limit" "${ref_args[@]}"
      else
        echo 2 >"$stem.ref.rc"
        echo "not-built: $reflib is not in the bundle" >"$stem.ref.err"
      fi
    fi
  fi
  printf '[%2d/%d] %-36s %s\n' "$i" "$total" "$id" \
    "$(python3 report.py status --configs configs.json --raw "$raw" "$id" 2>&1)"
done

# (d) PyTorch SDPA on the same shapes.
left=$((time_limit - ($(date +%s) - start)))
[ "$left" -lt "$reserve" ] && left=$reserve
echo "== torch: scaled_dot_product_attention, flash and cuDNN backends (limit ${left} s)"
torch_cmd=(python3 torch_sdpa.py --configs configs.json --runs "$runs" ${selection[@]+"${selection[@]}"}
           --out "$out/torch_sdpa.json" --time-limit $((left - 20)))
rm -f "$out/torch_sdpa.json"
if [ "$has_timeout" = 1 ]; then
  timeout -k 5 "$left" "${torch_cmd[@]}" 2>&1 | tee "$out/torch_sdpa.log"
else
  "${torch_cmd[@]}" 2>&1 | tee "$out/torch_sdpa.log"
fi

# (e) The report.
if ! python3 report.py report --configs configs.json ${selection[@]+"${selection[@]}"} --raw "$raw" \
    --torch "$out/torch_sdpa.json" --device "$out/device.txt" --runs "$runs" --out "$out"; then
  broken "report.py failed"
fi
# The raw outputs as one archive: the lent device returns only a few files.
if [ "$keep_raw" = 0 ] && command -v tar >/dev/null 2>&1 &&
    tar -czf "$out/raw.tar.gz" -C "$out" raw 2>/dev/null; then
  rm -rf "$raw"
fi
echo "== results ($out/results.md, $(( $(date +%s) - start )) s)"
cat "$out/results.md"
exit 0
