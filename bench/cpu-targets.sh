#!/usr/bin/env bash
# One-run figures for the CPU targets of docs/cpu-codegen.md ("Targets on one
# machine"): FMA peak, read bandwidth, prefill f32/bf16 on 1 and 2 threads,
# causal, decode (default and unsplit), the layer example, the E = 4096 layer,
# and ring attention on 1 and 2 MPI ranks. Run from the repository root
# after a build:
#   bash bench/cpu-targets.sh
set -u
cd "$(dirname "$0")/.."
B=build/bin; M=$(mktemp -d); trap 'rm -rf "$M"' EXIT
lscpu | grep "Model name"; llc-22 --version | grep "Host CPU"; uptime
for t in 1 2; do echo "fma-peak $t: $($B/mha-fma-peak $t)"; done
echo "read-bandwidth 2: $($B/mha-read-bandwidth 2)"
gen() { # name h hkv sq skv d dtype causal
  local q="tensor<1x$2x$4x$6x$7>" k="tensor<1x$3x$5x$6x$7>" a=""
  [[ $8 == 1 ]] && a=" {causal}"
  printf 'func.func @main(%%q: %s, %%k: %s, %%v: %s) -> %s {\n  %%o = mha.attention %%q, %%k, %%v%s : %s, %s, %s -> %s\n  return %%o : %s\n}\n' \
    "$q" "$k" "$k" "$q" "$a" "$q" "$k" "$k" "$q" "$q" > $M/$1.mlir
}
for d in 64 128; do for c in 0 1; do gen p${d}c$c 16 16 2048 2048 $d f32 $c; done; done
gen p128bf 16 16 2048 2048 128 bf16 0
gen dec 32 8 1 32768 128 f32 0
gen decbf 32 8 1 32768 128 bf16 0
gen small 8 8 1 128 64 f32 0
for f in p64c0 p64c1 p128c0 p128c1 p128bf; do
  for t in 2 1; do
    echo "$f threads=$t: $($B/mha-run $M/$f.mlir --seed=1 --bench=5 --json --pipeline-options=threads=$t)"
  done
done
for f in dec decbf small; do
  echo "$f: $($B/mha-run $M/$f.mlir --seed=1 --bench=20 --json)"
  echo "$f kv-splits=1: $($B/mha-run $M/$f.mlir --seed=1 --bench=20 --json --pipeline-options=kv-splits=1)"
done
echo "layer: $($B/mha-run examples/mha_layer.mlir --seed=1 --bench=10 --json)"
# The large layer of issue 13: E = 4096, 32 heads of 64, S = 2048 (344 GFLOP
# per call; about 600 MiB of inputs and intermediates).
sed -e 's/1x128x512/1x2048x4096/g; s/512x512/4096x4096/g; s/tensor<512xf32>/tensor<4096xf32>/g; s/num_heads = 8/num_heads = 32/' \
  examples/mha_layer.mlir > $M/layer4096.mlir
echo "layer E=4096: $($B/mha-run $M/layer4096.mlir --seed=1 --bench=3 --json)"
uptime
cat > $M/prefill8k.mlir <<'MLIR'
func.func @prefill(%q: tensor<1x2x8192x64xf32>, %k: tensor<1x2x8192x64xf32>, %v: tensor<1x2x8192x64xf32>) -> tensor<1x2x8192x64xf32> {
  %o = mha.attention %q, %k, %v : tensor<1x2x8192x64xf32>, tensor<1x2x8192x64xf32>, tensor<1x2x8192x64xf32> -> tensor<1x2x8192x64xf32>
  return %o : tensor<1x2x8192x64xf32>
}
MLIR
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
for r in 1 2; do for np in 1 2; do
  command -v mpirun >/dev/null && echo "mpi round $r np=$np: $(mpirun -np $np --oversubscribe --bind-to none $B/mha-run $M/prefill8k.mlir --seed=1 --shard-sequence=$np --pipeline-options=threads=1 --bench=3 --json 2>&1 | tail -1)"
done; done
uptime
