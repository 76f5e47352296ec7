#!/usr/bin/env python3
"""Load-robust efficiency of compiled code: CPU seconds spent inside the
compiled library (perf cpu-clock samples in its .so, so neither time slices
given to other jobs nor input generation count), as GFLOP per CPU second and
as a percentage of mha-fma-peak's GFLOP per CPU second (its task-clock).
Each option string is compiled with mha-compile --pipeline=cpu and timed
with mha-aot-check --bench=RUNS; the minimum over REPS interleaved
repetitions is reported. Needs `perf` (cpu-clock works in VMs without
hardware counters).

Usage: [W=build/bin] [RUNS=3] [REPS=3] python3 bench/kernel_cpu_time.py \\
           FILE.mlir FLOP "threads=1" "threads=1 pack-b=0" ...
FLOP is the work of one call (attention: 4*B*H*Sq*Skv*D).
"""
import os
import subprocess
import sys
import tempfile

W = os.environ.get("W", os.path.join(os.path.dirname(__file__), "..", "build", "bin"))
HZ = 2000


def kernel_cpu_seconds(mlir, opts, runs, threads=1):
    with tempfile.TemporaryDirectory() as tmp:
        so = os.path.join(tmp, "kernel.so")
        subprocess.run([f"{W}/mha-compile", mlir, "--pipeline=cpu",
                        f"--pipeline-options={opts}", "-o", so], check=True)
        data = os.path.join(tmp, "perf.data")
        env = dict(os.environ, OMP_NUM_THREADS=str(threads))
        subprocess.run(["perf", "record", "-q", "-e", "cpu-clock", "-F", str(HZ),
                        "-o", data, f"{W}/mha-aot-check", so, f"--bench={runs}"],
                       env=env, check=True, capture_output=True)
        report = subprocess.run(["perf", "report", "-i", data, "--stdio",
                                 "--sort", "dso", "-F", "sample,dso"],
                                capture_output=True, text=True, check=True).stdout
        samples = sum(int(line.split()[0]) for line in report.splitlines()
                      if "kernel.so" in line)
    # One warm-up call besides the timed ones.
    return samples / HZ / (runs + 1)


def peak_per_cpu_second():
    out = subprocess.run(["perf", "stat", "-x,", "-e", "task-clock",
                          f"{W}/mha-fma-peak", "1"], capture_output=True, text=True,
                         check=True)
    ms = float(out.stderr.strip().splitlines()[-1].split(",")[0])
    # bench/fma_peak.cpp: 5 repetitions of 12 chains x (200M / 12) FMAs of
    # 16 lanes (AVX-512; this script assumes it, as the peak line shows).
    flops = 2.0 * 16 * 12 * (200_000_000 // 12) * 5
    return flops / (ms / 1e3) / 1e9


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    mlir, flops, options = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
    runs = int(os.environ.get("RUNS", "3"))
    reps = int(os.environ.get("REPS", "3"))
    peak = peak_per_cpu_second()
    print(f"mha-fma-peak: {peak:.1f} GFLOP per CPU second (avx512 assumed)")
    times = {o: [] for o in options}
    for _ in range(reps):
        for o in options:
            times[o].append(kernel_cpu_seconds(mlir, o, runs))
    for o, ts in times.items():
        t = min(ts)
        rate = flops / t / 1e9
        print(f"{o:40s} min {t * 1e3:9.1f} CPU ms "
              f"(all {' '.join(f'{x * 1e3:.0f}' for x in ts)})  "
              f"{rate:6.1f} GFLOP/CPU-s  {100 * rate / peak:5.1f}% of peak",
              flush=True)


if __name__ == "__main__":
    main()
