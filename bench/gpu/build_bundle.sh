#!/usr/bin/env bash
# Builds the GPU device-check bundle: a self-contained folder that runs on a
# machine with an NVIDIA GPU, its driver, bash and python3 (PyTorch for the
# comparison), but no LLVM/MLIR. See docs/gpu-bench.md.
#
#   bench/gpu/build_bundle.sh [--out DIR] [--chip sm_90a] [--quick]
#                             [--build DIR] [--target-cpu CPU] [--jobs N]
#
#   --out DIR     the bundle folder (default bench/gpu/bundle; replaced if it
#                 holds an older bundle, refused if it holds anything else)
#   --chip SM     the GPU architecture of the kernels (default sm_90a: H100,
#                 H200)
#   --quick       the quick subset only (a dozen libraries)
#   --build DIR   the build tree with bin/mha-compile, bin/mha-aot-check and
#                 lib/libmha_runtime.so (default: the mha-compile on PATH,
#                 else <repo>/build)
#   --target-cpu CPU the host CPU the libraries' host code is compiled for
#                 (default x86-64-v3: any AVX2 machine)
#   --jobs N      parallel compiles (default: the number of CPUs)
#
# Exit status: 0 bundle complete; 1 some cases failed to compile (the bundle
# is still written; run_on_device.sh reports them as NOT-BUILT); 2 usage or
# missing tools.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src_root=$(cd "$here/../.." && pwd)
out=$here/bundle
chip=sm_90a
quick=0
build=
target_cpu=x86-64-v3
jobs=$(nproc 2>/dev/null || echo 2)
max_bytes=$((64 * 1024 * 1024))

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
die() {
  echo "build_bundle.sh: error: $*" >&2
  exit 2
}

while [ $# -gt 0 ]; do
  case $1 in
    --out) out=${2:?--out needs a folder}; shift 2 ;;
    --out=*) out=${1#--out=}; shift ;;
    --chip) chip=${2:?--chip needs a value}; shift 2 ;;
    --chip=*) chip=${1#--chip=}; shift ;;
    --build) build=${2:?--build needs a folder}; shift 2 ;;
    --build=*) build=${1#--build=}; shift ;;
    --target-cpu) target_cpu=${2:?--target-cpu needs a CPU name}; shift 2 ;;
    --target-cpu=*) target_cpu=${1#--target-cpu=}; shift ;;
    --jobs) jobs=${2:?--jobs needs a number}; shift 2 ;;
    --jobs=*) jobs=${1#--jobs=}; shift ;;
    --quick) quick=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done

# The tools: --build, else the mha-compile on PATH, else <repo>/build.
if [ -z "$build" ]; then
  if command -v mha-compile >/dev/null 2>&1; then
    build=$(cd "$(dirname "$(command -v mha-compile)")/.." && pwd)
  else
    build=$src_root/build
  fi
fi
compile=$build/bin/mha-compile
aot_check=$build/bin/mha-aot-check
runtime=$build/lib/libmha_runtime.so
[ -x "$compile" ] || die "no mha-compile in $build/bin (build the project, or pass --build DIR)"
[ -x "$aot_check" ] || die "no mha-aot-check in $build/bin"
[ -f "$runtime" ] || die "no libmha_runtime.so in $build/lib"
llvm_lib=/usr/lib/llvm-22/lib
if command -v llvm-config-22 >/dev/null 2>&1; then
  llvm_lib=$(llvm-config-22 --libdir)
fi
omp=$llvm_lib/libomp.so.5
[ -e "$omp" ] || die "no $omp (install libomp-22-dev)"
command -v python3 >/dev/null 2>&1 || die "python3 is needed"
# ptxas for the cubins (mha-gpu-pipeline uses the CUDA toolkit path it was
# built with; PATH is a fallback for LLVM's own lookup).
export PATH="$PATH:/usr/local/cuda/bin"

# A fresh folder; never delete something that is not a bundle.
if [ -e "$out" ]; then
  if [ -f "$out/configs.json" ] || [ -z "$(ls -A "$out")" ]; then
    rm -rf "$out"
  else
    die "$out exists and is not a bundle (no configs.json); remove it or choose another --out"
  fi
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

quick_flag=()
[ "$quick" = 1 ] && quick_flag=(--quick)
python3 "$here/configs.py" --src-root "$src_root" --out "$out" --chip "$chip" \
  "${quick_flag[@]}" >"$work/jobs.tsv" || die "configs.py failed"

# Compile every library, $jobs at a time; logs per library.
mkdir -p "$work/logs" "$work/headers"
compile_one() {
  local lib=$1 mlir=$2 entry=$3 pipeline=$4 options=$5
  local args=("$mlir" "--pipeline=$pipeline" "--entry=$entry" "--target-cpu=$target_cpu"
              -o "$out/$lib" "--header=$work/headers/$lib.h")
  [ "$options" != - ] && args+=("--pipeline-options=$options")
  if "$compile" "${args[@]}" >"$work/logs/$lib.log" 2>&1; then
    echo ok >"$work/logs/$lib.status"
  else
    rm -f "$out/$lib"
    echo failed >"$work/logs/$lib.status"
  fi
}
count=0
start=$(date +%s)
while IFS=$'\t' read -r lib mlir entry pipeline options optional; do
  compile_one "$lib" "$mlir" "$entry" "$pipeline" "$options" &
  count=$((count + 1))
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
    wait -n || true
  done
done <"$work/jobs.tsv"
wait

# The build log: the compiler's output of every failure. Optional cases
# (the experimental wgmma kernel) may fail without failing the bundle.
{
  echo "# build_bundle.sh: chip=$chip target_cpu=$target_cpu quick=$quick tools=$(cd "$build" && pwd)"
  while IFS=$'\t' read -r lib mlir entry pipeline options optional; do
    status=$(cat "$work/logs/$lib.status" 2>/dev/null || echo failed)
    if [ "$status" != ok ]; then
      tag=FAILED
      [ "$optional" = optional ] && tag=FAILED-OPTIONAL
      echo "$tag $lib: mha-compile $mlir --pipeline=$pipeline --entry=$entry --pipeline-options=\"$options\""
      sed 's/^/  /' "$work/logs/$lib.log"
    fi
  done <"$work/jobs.tsv"
} >"$out/build.log"
failures=$(grep -c '^FAILED ' "$out/build.log" || true)
optional_failures=$(grep -c '^FAILED-OPTIONAL ' "$out/build.log" || true)

cp "$runtime" "$out/"
cp -L "$omp" "$out/libomp.so.5"
cp "$aot_check" "$out/"
cp "$here/run_on_device.sh" "$here/torch_sdpa.py" "$here/report.py" "$out/"
chmod +x "$out/run_on_device.sh" "$out/mha-aot-check"

bytes=$(du -sb "$out" | cut -f1)
echo "build_bundle.sh: $out: $count libraries compiled in $(( $(date +%s) - start )) s" \
     "($failures failed$([ "$optional_failures" -gt 0 ] && echo ", $optional_failures optional failed")), $((bytes / 1024)) KiB"
if [ "$bytes" -gt "$max_bytes" ]; then
  echo "build_bundle.sh: error: the bundle is $bytes bytes, over the 64 MiB that can be carried" >&2
  exit 2
fi
if [ "$optional_failures" -gt 0 ]; then
  echo "build_bundle.sh: $optional_failures optional libraries failed to compile (see $out/build.log):" \
    "$(grep '^FAILED-OPTIONAL ' "$out/build.log" | cut -d' ' -f2 | tr -d : | tr '\n' ' ')" >&2
fi
if [ "$failures" -gt 0 ]; then
  echo "build_bundle.sh: $failures libraries failed to compile; see $out/build.log" >&2
  grep '^FAILED ' "$out/build.log" | head -20 >&2
  exit 1
fi
