#!/usr/bin/env python3
"""CPU benchmark of mha-mlir: the fused cpu pipeline next to the unfused
reference pipeline, in one run, as % of this machine's measured f32 FMA peak,
with the peak RSS of every run.

Usage: python3 bench/cpu_bench.py [--build build] [--quick] [--runs 5] [--decode-only]
                                  [--threads N] [--out bench/results/cpu]
Writes <out>.md (a Markdown table) and <out>.json, and prints the table.
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

F32 = 4


def attention_mlir(b, h, hkv, sq, skv, d, dtype="f32", causal=False, mask=False):
    q = f"tensor<{b}x{h}x{sq}x{d}x{dtype}>"
    k = f"tensor<{b}x{hkv}x{skv}x{d}x{dtype}>"
    m = f"tensor<1x1x1x{skv}xi1>"
    args = f"%q: {q}, %k: {k}, %v: {k}" + (f", %m: {m}" if mask else "")
    types = f"{q}, {k}, {k}" + (f", {m}" if mask else "")
    attrs = " {causal}" if causal else ""
    masked = " mask(%m)" if mask else ""
    return (f"func.func @main({args}) -> {q} {{\n"
            f"  %o = mha.attention %q, %k, %v{masked}{attrs} : {types} -> {q}\n"
            f"  return %o : {q}\n}}\n")


def run_measured(cmd, env=None):
    """Runs cmd with os.wait4 to get its own peak RSS."""
    start = time.monotonic()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{stderr}")
    return stdout, usage.ru_maxrss / 1024.0, time.monotonic() - start


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build")
    ap.add_argument("--runs", type=int, default=5, help="timed runs per config (median)")
    ap.add_argument("--threads", type=int, default=0, help="0 = all cores")
    ap.add_argument("--quick", action="store_true", help="a small subset (S <= 1024)")
    ap.add_argument("--reference-max-s", type=int, default=1024,
                    help="largest S run through the unfused reference pipeline "
                         "(it materialises B*H*S*S floats and is slow)")
    ap.add_argument("--no-long", action="store_true", help="skip the S = 32768 run")
    ap.add_argument("--decode-only", action="store_true",
                    help="only the decode rows (K/V GB/s against the read bandwidth)")
    ap.add_argument("--out", default="bench/results/cpu")
    ap.add_argument("--no-dtypes", action="store_true",
                    help="skip the f16/bf16 rows (S = 2048, next to f32)")
    args = ap.parse_args()

    bindir = os.path.join(args.build, "bin")
    mha_run = os.path.join(bindir, "mha-run")
    peak_tool = os.path.join(bindir, "mha-fma-peak")
    bandwidth_tool = os.path.join(bindir, "mha-read-bandwidth")
    for tool in (mha_run, peak_tool, bandwidth_tool):
        if not os.access(tool, os.X_OK):
            sys.exit(f"cpu_bench: error: {tool} not found; build first "
                     f"(cmake --build {args.build})")
    threads = args.threads or os.cpu_count()
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))

    peak = json.loads(subprocess.check_output([peak_tool, str(threads)]))
    print(f"f32 FMA peak ({peak['isa']}, {threads} threads): "
          f"{peak['gflops_median']:.0f} GFLOP/s", flush=True)

    bandwidth = read_bandwidth(bandwidth_tool, threads)
    print(f"read bandwidth ({threads} threads, {bandwidth['buffer_mib']} MiB): "
          f"{bandwidth['gbps_median']:.1f} GB/s", flush=True)

    seqs = [512, 1024] if args.quick else [512, 1024, 2048, 4096, 8192]
    configs = []
    for d in (() if args.decode_only else (64, 128)):
        for s in seqs:
            for causal in (False, True):
                configs.append(dict(kind="prefill", b=1, h=16, hkv=16, sq=s, skv=s, d=d,
                                    causal=causal))
    if not args.quick and not args.no_long and not args.decode_only:
        configs.append(dict(kind="long", b=1, h=16, hkv=16, sq=32768, skv=32768, d=64,
                            causal=False))
    configs += decode_configs(args.quick)

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for c in configs:
            path = os.path.join(tmp, "attention.mlir")
            dtype = c.get("dtype", "f32")
            with open(path, "w") as f:
                f.write(attention_mlir(c["b"], c["h"], c["hkv"], c["sq"], c["skv"], c["d"],
                                       dtype=dtype, causal=c["causal"],
                                       mask=c.get("mask", False)))
            runs = c.get("runs", 1 if c["kind"] == "long" else args.runs)
            row = dict(c)
            pipelines = ["cpu"]
            if c.get("unsplit"):
                pipelines.append("unsplit")
            if c["kind"] == "decode":
                # The same kernel with the rows of the decode tile in the
                # vector lanes: what keys in lanes gains, in this run.
                pipelines.append("rows_in_lanes")
                # Software prefetch of the next K/V tile (off by default).
                pipelines.append("prefetch")
            if c["sq"] <= args.reference_max_s and dtype == "f32":
                pipelines.append("reference")
            for pipeline in pipelines:
                alt = {"unsplit": "kv-splits=1", "rows_in_lanes": "keys-in-lanes=0",
                       "prefetch": "prefetch-tiles=1"}
                cmd = [mha_run, path, "--seed=1", f"--bench={runs}", "--json",
                       f"--pipeline={'cpu' if pipeline in alt else pipeline}"]
                if pipeline in alt:
                    cmd.append(f"--pipeline-options={alt[pipeline]}")
                out, rss, wall = run_measured(cmd, env)
                rec = json.loads(out)
                row[pipeline] = dict(gflops=rec["bench"].get("gflops_per_second"),
                                     median_ms=rec["bench"]["median_seconds"] * 1e3,
                                     compile_s=rec["compile_seconds"], peak_rss_mib=rss)
            elt = ELEMENT_BYTES[dtype]
            io_bytes = elt * (2 * c["b"] * c["h"] * c["sq"] * c["d"] +
                              2 * c["b"] * c["hkv"] * c["skv"] * c["d"])
            row["qkvo_mib"] = io_bytes / 2**20
            if c["kind"] == "decode":
                kv_bytes = elt * 2 * c["b"] * c["hkv"] * c["skv"] * c["d"]
                row["kv_gbps"] = kv_bytes / (row["cpu"]["median_ms"] * 1e-3) / 1e9
                row["kv_pct_bandwidth"] = 100 * row["kv_gbps"] / bandwidth["gbps_median"]
                row["rows_kv_gbps"] = (kv_bytes / (row["rows_in_lanes"]["median_ms"] * 1e-3)
                                       / 1e9)
                row["prefetch_kv_gbps"] = (kv_bytes / (row["prefetch"]["median_ms"] * 1e-3)
                                           / 1e9)
                row.update(roofline(c, elt, peak["gflops_median"],
                                    bandwidth["gbps_median"], row["kv_gbps"]))
            if c["kind"] == "long":
                limit = 1.5 * row["qkvo_mib"] + 300
                row["rss_limit_mib"] = limit
                row["rss_ok"] = row["cpu"]["peak_rss_mib"] <= limit
            rows.append(row)
            print(format_row(row, peak["gflops_median"]), flush=True)

    dtype_table = []
    if not args.no_dtypes:
        dtype_table = dtype_rows(mha_run, env, args.runs,
                                 1024 if args.quick else 2048)

    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    meta = dict(date=time.strftime("%Y-%m-%d %H:%M"), host=platform.node(),
                cpu=cpu_name(), threads=threads, peak=peak, runs=args.runs,
                read_bandwidth=bandwidth, load_average=os.getloadavg(),
                command=" ".join(sys.argv))
    with open(args.out + ".json", "w") as f:
        json.dump(dict(meta=meta, rows=rows, dtype_rows=dtype_table), f, indent=1)
    table = markdown(rows, peak["gflops_median"], meta)
    if dtype_table:
        table += "\n" + dtype_markdown(dtype_table)
        if "bf16_dot_gflops_median" in peak:
            table += (f"\nvdpbf16ps peak (mha-fma-peak, same run): "
                      f"{peak['bf16_dot_gflops_median']:.0f} GFLOP/s, "
                      f"{peak['bf16_dot_gflops_median'] / peak['gflops_median']:.2f}x "
                      f"the f32 FMA peak.\n")
    with open(args.out + ".md", "w") as f:
        f.write(table)
    print("\n" + table)


ELEMENT_BYTES = {"f32": 4, "bf16": 2, "f16": 2}


def read_bandwidth(tool, threads):
    """The machine's streaming read bandwidth (mha-read-bandwidth), in this
    run: the figure decode rows quote K/V GB/s against."""
    return json.loads(subprocess.check_output([tool, str(threads)]))


def roofline(c, elt, peak_gflops, bandwidth_gbps, kv_gbps):
    """The roofline bound of a decode row (docs/cpu-codegen.md, "Decode
    roofline"): it does 4 * H * Sq * D flops (FlashAttention convention) per
    key while reading 2 * Hkv * D * elt bytes of K/V, i.e. 2 * rows / elt
    flops per K/V byte with rows = (H / Hkv) * Sq, the rows of a packed GQA
    tile; widened bf16/f16 multiply in f32. So the K/V rate can reach at most
    min(read bandwidth, FMA peak / intensity): past the ridge point (peak /
    bandwidth flops per byte) the step is bound by the FMAs, not by memory."""
    intensity = 2 * (c["h"] // c["hkv"]) * c["sq"] / elt
    bound = min(bandwidth_gbps, peak_gflops / intensity)
    return dict(flops_per_byte=intensity,
                ridge_flops_per_byte=peak_gflops / bandwidth_gbps,
                bound_kv_gbps=bound,
                bound_pct_bandwidth=100 * bound / bandwidth_gbps,
                kv_pct_bound=100 * kv_gbps / bound)


def decode_configs(quick):
    """Decode rows: GQA 32/8 D=128 at Skv 4096 and 32768, f32 and bf16, with
    and without an i1 mask; MQA; a small step (H=8, Skv=128, D=64) next to
    the unsplit kernel (kv-splits=1), which it must never be slower than."""
    def dec(**kw):
        c = dict(kind="decode", b=1, sq=1, d=128, causal=False, mask=False)
        c.update(kw)
        return c
    rows = [dec(h=32, hkv=8, skv=4096, mask=True),
            dec(h=8, hkv=8, skv=128, d=64, unsplit=True, runs=200)]
    if quick:
        return rows
    return rows + [
        dec(h=32, hkv=8, skv=32768),
        dec(h=32, hkv=8, skv=32768, mask=True),
        dec(h=32, hkv=8, skv=32768, dtype="bf16"),
        dec(h=32, hkv=8, skv=32768, dtype="bf16", mask=True),
        dec(h=32, hkv=1, skv=32768),
        dec(h=32, hkv=32, skv=8192),
        dec(h=32, hkv=8, sq=16, skv=32768),
    ]


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def fmt(v, spec):
    return "n/a" if v is None else format(v, spec)


def format_row(r, peak):
    cpu, ref = r["cpu"], r.get("reference")
    shape = (f"B={r['b']} H={r['h']}/{r['hkv']} Sq={r['sq']} Skv={r['skv']} D={r['d']}"
             f"{' causal' if r['causal'] else ''}")
    s = (f"{shape}: cpu {fmt(cpu['gflops'], '.1f')} GFLOP/s "
         f"({fmt(cpu['gflops'] and 100 * cpu['gflops'] / peak, '.1f')}% peak), "
         f"{cpu['median_ms']:.2f} ms, RSS {cpu['peak_rss_mib']:.0f} MiB")
    if ref:
        s += (f"; reference {fmt(ref['gflops'], '.2f')} GFLOP/s, "
              f"RSS {ref['peak_rss_mib']:.0f} MiB")
    if "kv_gbps" in r:
        s += (f"; K/V read {r['kv_gbps']:.1f} GB/s "
              f"({r['kv_pct_bandwidth']:.0f}% of read bandwidth; "
              f"{r['flops_per_byte']:.1f} flop/B, roofline bound "
              f"{r['bound_pct_bandwidth']:.0f}% of bandwidth, {r['kv_pct_bound']:.0f}% "
              f"of it; rows in lanes (keys-in-lanes=0) {r['rows_kv_gbps']:.1f} GB/s; "
              f"prefetch-tiles=1 {r['prefetch_kv_gbps']:.1f} GB/s)")
    if "unsplit" in r:
        s += f"; unsplit (kv-splits=1) {r['unsplit']['median_ms']:.3f} ms"
    if "rss_ok" in r:
        s += f"; RSS limit {r['rss_limit_mib']:.0f} MiB {'OK' if r['rss_ok'] else 'EXCEEDED'}"
    return s


def markdown(rows, peak, meta):
    bw = meta.get("read_bandwidth")
    out = [f"CPU: {meta['cpu']}, {meta['threads']} threads, f32. FMA peak "
           f"(mha-fma-peak, {meta['peak']['isa']}): {peak:.0f} GFLOP/s. "
           + (f"Read bandwidth (mha-read-bandwidth): {bw['gbps_median']:.1f} GB/s; "
              f"ridge point {peak / bw['gbps_median']:.1f} flop/B. "
              if bw else "") +
           f"Median of {meta['runs']} runs. `{meta['command']}`, {meta['date']}.", "",
           "| B | H/Hkv | Sq | Skv | D | causal | cpu GFLOP/s | % peak | cpu ms | cpu RSS MiB "
           "| reference GFLOP/s | reference RSS MiB | cpu / reference | notes |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        cpu, ref = r["cpu"], r.get("reference")
        speedup = (cpu["gflops"] / ref["gflops"]) if ref and ref["gflops"] else None
        notes = []
        if "kv_gbps" in r:
            notes.append(f"{r.get('dtype', 'f32')}{', i1 mask' if r.get('mask') else ''}: "
                         f"K/V read {r['kv_gbps']:.1f} GB/s, "
                         f"{r['kv_pct_bandwidth']:.0f}% of read bandwidth, "
                         f"{r['kv_pct_bound']:.0f}% of the roofline bound "
                         f"({r['flops_per_byte']:.1f} flop/B: "
                         f"{r['bound_pct_bandwidth']:.0f}% of bandwidth) "
                         f"(rows in lanes, keys-in-lanes=0: {r['rows_kv_gbps']:.1f} GB/s; "
                         f"prefetch-tiles=1: {r['prefetch_kv_gbps']:.1f} GB/s)")
        if "unsplit" in r:
            notes.append(f"unsplit (kv-splits=1) {r['unsplit']['median_ms']:.3f} ms")
        if "rss_ok" in r:
            notes.append(f"Q+K+V+O {r['qkvo_mib']:.0f} MiB, RSS limit "
                         f"{r['rss_limit_mib']:.0f} MiB: {'OK' if r['rss_ok'] else 'EXCEEDED'}")
        if not ref:
            notes.append("reference skipped (too large)")
        out.append(
            f"| {r['b']} | {r['h']}/{r['hkv']} | {r['sq']} | {r['skv']} | {r['d']} | "
            f"{'yes' if r['causal'] else 'no'} | {fmt(cpu['gflops'], '.1f')} | "
            f"{fmt(cpu['gflops'] and 100 * cpu['gflops'] / peak, '.1f')} | "
            f"{cpu['median_ms']:.2f} | {cpu['peak_rss_mib']:.0f} | "
            f"{fmt(ref and ref['gflops'], '.2f')} | "
            f"{fmt(ref and ref['peak_rss_mib'], '.0f')} | {fmt(speedup, '.0f')}x | "
            f"{'; '.join(notes)} |".replace("| n/ax |", "| n/a |"))
    return "\n".join(out) + "\n"


def host_has_avx512bf16():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return {"avx512f", "avx512_bf16"} <= set(line.split())
    except OSError:
        pass
    return False


def dtype_rows(mha_run, env, runs, s):
    """Prefill (B=1, H=16, S=s, D=64/128, causal and not) on f32, f16 and
    bf16 inputs, one after the other per shape: bf16 as the pipeline picks it
    (bf16-dot=auto), widened (off) and, where this host has AVX512-BF16, with
    vdpbf16ps forced (on). Ratios are to the f32 row of the same shape."""
    variants = [("f32", "f32", ""), ("f16", "f16", ""), ("bf16", "bf16", ""),
                ("bf16 widened", "bf16", "bf16-dot=off")]
    if host_has_avx512bf16():
        variants.append(("bf16 vdpbf16ps", "bf16", "bf16-dot=on"))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for d in (64, 128):
            for causal in (False, True):
                row = dict(b=1, h=16, sq=s, skv=s, d=d, causal=causal, results={})
                for name, dtype, options in variants:
                    path = os.path.join(tmp, f"{dtype}.mlir")
                    with open(path, "w") as f:
                        f.write(attention_mlir(1, 16, 16, s, s, d, dtype=dtype,
                                               causal=causal))
                    cmd = [mha_run, path, "--seed=1", f"--bench={runs}", "--json",
                           "--pipeline=cpu", f"--pipeline-options={options}"]
                    rec = json.loads(run_measured(cmd, env)[0])
                    row["results"][name] = dict(
                        gflops=rec["bench"].get("gflops_per_second"),
                        median_ms=rec["bench"]["median_seconds"] * 1e3)
                f32 = row["results"]["f32"]["gflops"]
                for r in row["results"].values():
                    r["vs_f32"] = r["gflops"] / f32 if f32 and r["gflops"] else None
                rows.append(row)
                print(f"S={s} D={d}{' causal' if causal else ''}: " + ", ".join(
                    f"{name} {fmt(r['gflops'], '.1f')} GFLOP/s "
                    f"({fmt(r['vs_f32'], '.2f')}x f32)"
                    for name, r in row["results"].items()), flush=True)
    return rows


def dtype_markdown(rows):
    names = list(rows[0]["results"])
    out = ["Input dtypes (GFLOP/s; in parentheses the ratio to f32 of the "
           "same shape, same run; bf16 = bf16-dot=auto):", "",
           "| Sq = Skv | D | causal | " + " | ".join(names) + " |",
           "|---|---|---|" + "---|" * len(names)]
    for r in rows:
        cells = [f"{fmt(r['results'][n]['gflops'], '.1f')} "
                 f"({fmt(r['results'][n]['vs_f32'], '.2f')}x)" for n in names]
        out.append(f"| {r['sq']} | {r['d']} | {'yes' if r['causal'] else 'no'} | "
                   + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    main()
