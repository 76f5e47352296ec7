#!/usr/bin/env python3
"""Share of perf samples per innermost loop of one function, from the text of
`perf annotate --stdio`: every backward branch closes a loop, each
instruction counts towards the smallest loop that holds it. Prints the
share, the instruction count and the FMAs of each loop, largest first, so
a profile splits into micro-kernels (16 FMAs per step with the 8 x 2
block), the exp pass and copies (no FMA).

Usage:
  mha-compile FILE.mlir --pipeline=cpu --pipeline-options=threads=1 -o k.so
  OMP_NUM_THREADS=1 perf record -e cpu-clock -F 2000 -o k.data \\
      mha-aot-check k.so --bench=2
  perf annotate -i k.data --stdio -s main..omp_par > k.txt
  python3 bench/perf_loops.py k.txt
"""
import re
import sys


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    ins = []
    for line in open(sys.argv[1]):
        m = re.match(r"\s*([\d.]+)\s*:\s*([0-9a-f]+):\s*(.*)", line)
        if m:
            ins.append((int(m.group(2), 16), float(m.group(1)), m.group(3)))
    loops = []
    for addr, _, text in ins:
        m = re.match(r"(j\w+)\s+([0-9a-f]+)", text)
        if m and int(m.group(2), 16) < addr:
            loops.append((int(m.group(2), 16), addr))
    shares = {}
    for addr, pct, text in ins:
        inner = None
        for lo, hi in loops:
            if lo <= addr <= hi and (inner is None or hi - lo < inner[1] - inner[0]):
                inner = (lo, hi)
        entry = shares.setdefault(inner or (0, 0), [0.0, 0, 0])
        entry[0] += pct
        entry[1] += 1
        entry[2] += "vfmadd" in text or "vfnmadd" in text
    for (lo, hi), (pct, n, fmas) in sorted(shares.items(), key=lambda x: -x[1][0]):
        if pct >= 0.5:
            where = "outside loops" if hi == 0 else f"loop {lo:x}-{hi:x}"
            print(f"{where:>20}: {pct:5.1f}%  {n:4d} instructions, {fmas:3d} FMAs")


if __name__ == "__main__":
    main()
