"""Attention on the CPU, side by side: mha-mlir's cpu pipeline, its unfused
reference pipeline (small S only), PyTorch's SDPA, ONNX Runtime's
com.microsoft MultiHeadAttention, IREE (llvm-cpu, twice:
its fused `iree_linalg_ext.attention` op and the plain upstream-linalg
form matmul / softmax / matmul) and a naive NumPy implementation, in one run, on the same inputs and with the same
number of threads. Peers that are not installed are skipped.

    python -m mha.bench [--quick] [--threads N] [--runs 5] [--causal]
                        [--out bench/results/python_bench]

Writes OUT.md (a Markdown table), OUT.json (every measurement, the versions
of every peer, the machine) and OUT.png (GFLOP/s vs sequence length per
system, with the FMA peak of the machine from `mha-fma-peak` as a line).

Shapes: B=1, H=16, D in {64, 128}, S in {512, 1024, 2048, 4096} (--quick:
D=64, S in {512, 1024}). FLOPs: mha.attention_flops (4*B*H*Sq*Skv*D, halved
when causal: the FlashAttention convention, as mha-run --bench counts).
Every system is timed end to end from NumPy inputs to a NumPy result (what
a NumPy user sees; ONNX Runtime's [B, S, H*D] layout is converted outside
the timed calls), median of --runs after one warm-up; all outputs are
checked against the NumPy result.

    python -m mha.bench --peers [--quick] [--threads N] [--peers-s 2048]
                        [--peers-skv 4096] [--out bench/results/peers]

instead compares mha with the peers users would pick instead, PyTorch SDPA
and ONNX Runtime (MultiHeadAttention, GroupQueryAttention), each on its
native layout, interleaved call by call in one process with the same thread
count: f32 prefill (causal and not), bf16 prefill and GQA decode, with
mha / max(peers) per row (see `peers`).
"""

import argparse
import importlib.metadata
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

import numpy as np

import mha
from mha import ir, reference

SYSTEMS = ["mha cpu", "mha reference", "PyTorch SDPA", "ONNX Runtime MHA",
           "IREE attention op", "IREE linalg", "NumPy naive"]
IREE = ("IREE attention op", "IREE linalg")
#: Short names of --skip -> the systems (table rows) they stand for.
SKIP_KEYS = {"torch": ("PyTorch SDPA",), "ort": ("ONNX Runtime MHA",),
             "iree": IREE, "numpy": ("NumPy naive",),
             "reference": ("mha reference",)}


def _skip_name(name):
    return " ".join(name.split()).lower()


def parse_skip(text):
    """The systems named by --skip: comma-separated short names (torch,
    iree, numpy, reference) or system names as the table prints them
    ("PyTorch SDPA", "IREE attention op"), any case and spacing. Raises
    ValueError listing the valid names for any other."""
    names = {_skip_name(s): (s,) for s in SYSTEMS}
    names.update(SKIP_KEYS)
    skip = set()
    for item in text.split(","):
        if not item.strip():
            continue
        systems = names.get(_skip_name(item))
        if systems is None:
            valid = ", ".join(list(SKIP_KEYS) + [f"'{s}'" for s in SYSTEMS])
            raise ValueError(f"unknown system {item.strip()!r} in --skip: "
                             f"expected {valid}")
        skip.update(systems)
    return skip


def version_of(dist):
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def find_fma_peak_tool(explicit):
    """mha-fma-peak: --fma-peak, $MHA_FMA_PEAK, next to the package (pip
    install), build/bin of the build tree the package comes from, PATH."""
    here = os.path.dirname(os.path.abspath(mha.__file__))
    candidates = [explicit, os.environ.get("MHA_FMA_PEAK"),
                  os.path.join(here, "mha-fma-peak"),
                  os.path.join(here, "..", "..", "bin", "mha-fma-peak"),
                  shutil.which("mha-fma-peak")]
    for c in candidates:
        if c and os.access(c, os.X_OK):
            return os.path.normpath(c)
    return None


def find_read_bandwidth_tool(explicit=None):
    """mha-read-bandwidth, found as mha-fma-peak is ($MHA_READ_BANDWIDTH)."""
    here = os.path.dirname(os.path.abspath(mha.__file__))
    candidates = [explicit, os.environ.get("MHA_READ_BANDWIDTH"),
                  os.path.join(here, "mha-read-bandwidth"),
                  os.path.join(here, "..", "..", "bin", "mha-read-bandwidth"),
                  shutil.which("mha-read-bandwidth")]
    for c in candidates:
        if c and os.access(c, os.X_OK):
            return os.path.normpath(c)
    return None


#: Decode rows of --decode: (name, B, H, Hkv, Sq, Skv, D, i1 mask).
DECODE_SHAPES = [
    ("GQA 32/8", 1, 32, 8, 1, 32768, 128, False),
    ("GQA 32/8, i1 mask", 1, 32, 8, 1, 32768, 128, True),
    ("MQA 32/1", 1, 32, 1, 1, 32768, 128, False),
    ("MHA 32", 1, 32, 32, 1, 8192, 128, False),
    ("GQA 32/8, Sq=16", 1, 32, 8, 16, 32768, 128, False),
    ("small MHA 8", 1, 8, 8, 1, 128, 64, False),
]
DECODE_SHAPES_QUICK = [DECODE_SHAPES[0], DECODE_SHAPES[-1]]


def decode_rows(threads, runs, quick=False, skip=(), out=print,
                bandwidth_mib=None):
    """Decode steps (f32): mha cpu (and, for comparison, its unsplit kernel,
    kv-splits=1) and PyTorch SDPA when installed, as K/V GB/s and % of the
    same-run streaming read bandwidth (mha-read-bandwidth; its buffer is
    4x the last-level cache unless ``bandwidth_mib``). Returns the
    measurements."""
    tool = find_read_bandwidth_tool()
    cmd = [tool, str(threads)] + (
        [f"--mib={bandwidth_mib}"] if bandwidth_mib else [])
    bandwidth = json.loads(subprocess.check_output(cmd)) if tool else None
    if bandwidth:
        out(f"read bandwidth ({threads} threads): "
            f"{bandwidth['gbps_median']:.1f} GB/s")
    else:
        out("warning: mha-read-bandwidth not found; no % of bandwidth")
    rng = np.random.default_rng(0)
    rows = []
    for name, b, h, hkv, sq, skv, d, masked in (
            DECODE_SHAPES_QUICK if quick else DECODE_SHAPES):
        q = rng.uniform(-1, 1, (b, h, sq, d)).astype(np.float32)
        k, v = (rng.uniform(-1, 1, (b, hkv, skv, d)).astype(np.float32)
                for _ in range(2))
        mask = (rng.uniform(0, 1, (1, 1, 1, skv)) < 0.9) if masked else None
        args = (q, k, v) + ((mask,) if masked else ())
        kv_bytes = 4 * 2 * b * hkv * skv * d
        row = dict(name=name, b=b, h=h, hkv=hkv, sq=sq, skv=skv, d=d,
                   mask=masked, kv_bytes=kv_bytes, results={})
        systems = [("mha cpu", f"threads={threads}"),
                   ("mha cpu unsplit", f"threads={threads} kv-splits=1")]
        for system, options in systems:
            text = ir.sdpa(q.shape, k.shape, v.shape,
                           mask_shape=mask.shape if masked else None,
                           mask_dtype="i1" if masked else None)
            fn = mha.compile(text, pipeline="cpu", options=options)
            median, best, _, n = time_runs(lambda: fn(*args), runs)
            row["results"][system] = dict(median_ms=median * 1e3,
                                          kv_gbps=kv_bytes / median / 1e9)
        if "PyTorch SDPA" not in skip and version_of("torch"):
            import torch
            torch.set_num_threads(threads)
            F = torch.nn.functional
            tq, tk, tv = (torch.from_numpy(a) for a in (q, k, v))
            tm = torch.from_numpy(mask) if masked else None

            def run_torch():
                with torch.inference_mode():
                    return F.scaled_dot_product_attention(
                        tq, tk, tv, attn_mask=tm,
                        enable_gqa=h != hkv).numpy()
            try:
                median, best, _, n = time_runs(run_torch, runs)
                row["results"]["PyTorch SDPA"] = dict(
                    median_ms=median * 1e3, kv_gbps=kv_bytes / median / 1e9)
            except Exception as e:  # a peer failing is a result too
                row["results"]["PyTorch SDPA"] = dict(
                    error=f"{type(e).__name__}: {str(e)[:200]}")
        for system, r in row["results"].items():
            if bandwidth and "kv_gbps" in r:
                r["pct_bandwidth"] = 100 * r["kv_gbps"] / bandwidth["gbps_median"]
            out(f"decode {name} Skv={skv} D={d} {system}: " + (
                r["error"] if "error" in r else
                f"{r['median_ms']:.3f} ms, K/V {r['kv_gbps']:.2f} GB/s" +
                (f" ({r['pct_bandwidth']:.0f}% of read bandwidth)"
                 if "pct_bandwidth" in r else "")))
        rows.append(row)
    return dict(read_bandwidth=bandwidth, load_average=os.getloadavg(),
                cpu=cpu_name(), threads=threads, rows=rows)


def time_runs(fn, runs, budget=None):
    """Median and min of ``runs`` timed calls after one warm-up; with a
    ``budget`` (seconds), slow systems get fewer runs (at least one)."""
    t0 = time.perf_counter()
    fn()  # warm-up (and first-touch of the outputs)
    warm = time.perf_counter() - t0
    if budget:
        runs = max(1, min(runs, int(budget / max(warm, 1e-9))))
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times), out, runs


# --------------------------------------------------------------------------
# Systems: each returns (callable producing a NumPy array, compile seconds)
# --------------------------------------------------------------------------

def make_mha(q, k, v, causal, threads, pipeline):
    text = ir.sdpa(q.shape, k.shape, v.shape, causal=causal)
    options = f"threads={threads}" if pipeline == "cpu" else ""
    fn = mha.compile(text, pipeline=pipeline, options=options)
    return (lambda: fn(q, k, v)), fn.compile_seconds


def make_torch(q, k, v, causal, threads):
    import torch
    torch.set_num_threads(threads)
    F = torch.nn.functional
    tq, tk, tv = (torch.from_numpy(a) for a in (q, k, v))

    def run():
        with torch.inference_mode():
            # Sq == Skv here, so PyTorch's top-left is_causal is mha's too.
            return F.scaled_dot_product_attention(tq, tk, tv,
                                                  is_causal=causal).numpy()
    return run, 0.0


def make_ort(q, k, v, causal, threads):
    """ONNX Runtime's com.microsoft MultiHeadAttention, on [B, S, H*D]
    inputs converted once; ``run.finish`` converts a result back (untimed)."""
    from . import _ort
    call = _ort.multi_head_attention(q, k, v, causal, threads)
    h = q.shape[1]

    def run():
        return call()
    run.finish = lambda out: _ort.from_bsd(out, h)
    return run, 0.0


_iree_flags_set = False


def iree_attention_op_mlir(shape, d):
    """``iree_linalg_ext.attention`` (IREE's fused attention op)."""
    t = ir.tensor_type(shape, "f32")
    maps = ", ".join(f"affine_map<(b, h, m, n, k1, k2) -> ({r})>" for r in
                     ["b, h, m, k1", "b, h, k2, k1", "b, h, k2, n", "",
                      "b, h, m, n"])
    # Generic form: stable across IREE's changes of the custom syntax.
    return (f"func.func @main(%q: {t}, %k: {t}, %v: {t}) -> {t} {{\n"
            f"  %scale = arith.constant {ir.format_f32(1 / np.sqrt(d))} : f32\n"
            f"  %e = tensor.empty() : {t}\n"
            f"  %o = \"iree_linalg_ext.attention\"(%q, %k, %v, %scale, %e) "
            f"<{{indexing_maps = [{maps}]}}> ({{\n"
            f"    ^bb0(%s: f32):\n      iree_linalg_ext.yield %s : f32\n"
            f"  }}) : ({t}, {t}, {t}, f32, {t}) -> {t}\n"
            f"  return %o : {t}\n}}\n")


def iree_linalg_mlir(shape, d):
    """Plain upstream linalg: Q.K^T (generic contraction), scale,
    linalg.softmax, P.V: what a frontend without a fused op emits."""
    b, h, s, _ = shape
    t = ir.tensor_type(shape, "f32")
    p = ir.tensor_type((b, h, s, s), "f32")
    par = '"parallel"'
    return f"""func.func @main(%q: {t}, %k: {t}, %v: {t}) -> {t} {{
  %zero = arith.constant 0.0 : f32
  %scale = arith.constant {ir.format_f32(1 / np.sqrt(d))} : f32
  %e = tensor.empty() : {p}
  %z = linalg.fill ins(%zero : f32) outs(%e : {p}) -> {p}
  %s = linalg.generic {{indexing_maps = [
      affine_map<(b, h, m, n, k) -> (b, h, m, k)>,
      affine_map<(b, h, m, n, k) -> (b, h, n, k)>,
      affine_map<(b, h, m, n, k) -> (b, h, m, n)>],
      iterator_types = [{par}, {par}, {par}, {par}, "reduction"]}}
      ins(%q, %k : {t}, {t}) outs(%z : {p}) {{
    ^bb0(%a: f32, %b: f32, %c: f32):
      %m = arith.mulf %a, %b : f32
      %r = arith.addf %c, %m : f32
      linalg.yield %r : f32
  }} -> {p}
  %e2 = tensor.empty() : {p}
  %ss = linalg.generic {{indexing_maps = [
      affine_map<(b, h, m, n) -> (b, h, m, n)>,
      affine_map<(b, h, m, n) -> (b, h, m, n)>],
      iterator_types = [{par}, {par}, {par}, {par}]}}
      ins(%s : {p}) outs(%e2 : {p}) {{
    ^bb0(%a: f32, %c: f32):
      %r = arith.mulf %a, %scale : f32
      linalg.yield %r : f32
  }} -> {p}
  %e3 = tensor.empty() : {p}
  %sm = linalg.softmax dimension(3) ins(%ss : {p}) outs(%e3 : {p}) -> {p}
  %eo = tensor.empty() : {t}
  %zo = linalg.fill ins(%zero : f32) outs(%eo : {t}) -> {t}
  %o = linalg.generic {{indexing_maps = [
      affine_map<(b, h, m, n, k) -> (b, h, m, k)>,
      affine_map<(b, h, m, n, k) -> (b, h, k, n)>,
      affine_map<(b, h, m, n, k) -> (b, h, m, n)>],
      iterator_types = [{par}, {par}, {par}, {par}, "reduction"]}}
      ins(%sm, %v : {p}, {t}) outs(%zo : {t}) {{
    ^bb0(%a: f32, %b: f32, %c: f32):
      %m = arith.mulf %a, %b : f32
      %r = arith.addf %c, %m : f32
      linalg.yield %r : f32
  }} -> {t}
  return %o : {t}
}}
"""


def make_iree(q, k, v, causal, threads, kind):
    import iree.compiler as ic
    import iree.runtime as rt
    global _iree_flags_set
    if not _iree_flags_set:
        rt.flags.parse_flags(f"--task_topology_group_count={threads}")
        _iree_flags_set = True
    if causal:
        raise NotImplementedError("causal is not wired for IREE here")
    build = iree_attention_op_mlir if kind == "op" else iree_linalg_mlir
    text = build(q.shape, q.shape[3])
    t0 = time.perf_counter()
    vmfb = ic.compile_str(text, target_backends=["llvm-cpu"], input_type="none",
                          extra_args=["--iree-llvmcpu-target-cpu=host"])
    compile_s = time.perf_counter() - t0
    device = rt.get_driver("local-task").create_default_device()
    ctx = rt.SystemContext(config=rt.Config(device=device))
    ctx.add_vm_module(rt.VmModule.copy_buffer(ctx.instance, vmfb))
    fn = ctx.modules.module["main"]
    return (lambda: np.asarray(fn(q, k, v).to_host())), compile_s


def make_numpy(q, k, v, causal, threads):
    # float32 throughout, materialising [B, H, S, S]: the textbook version.
    return (lambda: reference.attention(q, k, v, causal=causal,
                                        accumulate=np.float32)), 0.0


# --------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------

def cell(r):
    if r is None:
        return "—"
    if "error" in r:
        return "failed"
    return f"{r['gflops']:.1f} ({r['median_ms']:.1f} ms)"


def markdown(meta, rows, systems):
    peak = meta["fma_peak"]
    peak_text = (f"f32 FMA peak {peak['gflops_median']:.0f} GFLOP/s "
                 f"({peak['isa']}, mha-fma-peak)" if peak else
                 "FMA peak unknown (mha-fma-peak not found)")
    v = meta["versions"]
    peers = ", ".join(f"{k} {val}" for k, val in v.items() if val)
    out = [f"CPU: {meta['cpu']}, {meta['threads']} threads, f32, B=1 H=16"
           f"{', causal' if meta['causal'] else ''}; {peak_text}. GFLOP/s "
           f"(median ms) of {meta['runs']} runs after a warm-up (fewer for "
           f"systems slower than the per-shape budget), NumPy in -> NumPy "
           f"out. {peers}. `{meta['command']}`, {meta['date']}.", ""]
    out.append("| D | S | " + " | ".join(systems) + " | mha cpu % peak |")
    out.append("|---|---|" + "---|" * len(systems) + "---|")
    for row in rows:
        cpu = row["results"].get("mha cpu")
        pct = (f"{100 * cpu['gflops'] / peak['gflops_median']:.0f}%"
               if peak and cpu and "gflops" in cpu else "—")
        out.append(f"| {row['d']} | {row['s']} | " +
                   " | ".join(cell(row["results"].get(s)) for s in systems) +
                   f" | {pct} |")
    notes = [f"- {s}: {why}" for s, why in meta["skipped"].items()]
    if notes:
        out += ["", "Skipped:"] + notes
    return "\n".join(out) + "\n"


def plot(path, meta, rows, systems):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker
    dims = sorted({r["d"] for r in rows})
    fig, axes = plt.subplots(1, len(dims), figsize=(6 * len(dims), 4.5),
                             squeeze=False)
    peak = meta["fma_peak"]
    for ax, d in zip(axes[0], dims):
        for s in systems:
            pts = [(r["s"], r["results"][s]["gflops"]) for r in rows
                   if r["d"] == d and "gflops" in r["results"].get(s, {})]
            if pts:
                xs, ys = zip(*pts)
                ax.plot(xs, ys, marker="o", label=s)
        if peak:
            ax.axhline(peak["gflops_median"], color="black", linestyle="--",
                       label=f"FMA peak ({peak['gflops_median']:.0f})")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xticks(sorted({r["s"] for r in rows}))
        ax.xaxis.set_major_formatter(matplotlib.ticker.ScalarFormatter())
        ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
        ax.set_xlabel("sequence length S (Sq = Skv)")
        ax.set_ylabel("GFLOP/s")
        ax.set_title(f"B=1 H=16 D={d} f32{' causal' if meta['causal'] else ''}"
                     f", {meta['threads']} threads")
        ax.grid(True, which="both", alpha=0.3)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels),
               fontsize=8, frameon=False)
    fig.suptitle(f"{meta['cpu']}: GFLOP/s, NumPy in -> NumPy out", fontsize=9)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)


# --------------------------------------------------------------------------


# --------------------------------------------------------------------------
# --dtypes: f32, f16 and bf16 inputs side by side (issue 13, target 5)
# --------------------------------------------------------------------------

def host_has_avx512bf16():
    """Whether this host's CPU has AVX512-BF16 (Linux /proc/cpuinfo)."""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("flags"):
                    return {"avx512f", "avx512_bf16"} <= set(line.split())
    except OSError:
        pass
    return False


def dtypes_table(dims, seqs, threads, runs, budget, causal, out=print):
    """GFLOP/s of mha cpu on f32, f16 and bf16 inputs of the same shapes
    (B=1, H=16, Sq=Skv=S), bf16 both as the pipeline picks it (bf16-dot=auto)
    and with the AVX512-BF16 dot products forced (bf16-dot=on, where the
    host has them), next to PyTorch SDPA in f32 and bf16. Ratios are to mha
    f32 of the same run. Returns the rows."""
    from . import _dtypes
    try:
        import torch
    except ImportError:
        torch = None
    variants = [("mha f32", "f32", ""), ("mha f16", "f16", ""),
                ("mha bf16", "bf16", ""),
                ("mha bf16 widened", "bf16", "bf16-dot=off")]
    if host_has_avx512bf16():
        variants.append(("mha bf16 vdpbf16ps", "bf16", "bf16-dot=on"))
    if torch is not None:
        torch.set_num_threads(threads)
        variants += [("PyTorch SDPA f32", "f32", None),
                     ("PyTorch SDPA bf16", "bf16", None)]
    rng = np.random.default_rng(0)
    rows = []
    for d in dims:
        for s in seqs:
            shape = (1, 16, s, d)
            base = [rng.uniform(-1, 1, shape).astype(np.float32)
                    for _ in range(3)]
            flop = mha.attention_flops(1, 16, s, s, d, causal=causal)
            row = dict(s=s, d=d, causal=causal, results={})
            for name, dtype, options in variants:
                arrays = [a.astype(_dtypes.to_numpy(dtype)) for a in base]
                if options is None:  # PyTorch
                    tensors = [torch.from_numpy(a) if dtype != "bf16" else
                               torch.from_numpy(a.view(np.uint16))
                               .view(torch.bfloat16) for a in arrays]
                    sdpa = torch.nn.functional.scaled_dot_product_attention

                    def run(t=tensors):
                        with torch.inference_mode():
                            return sdpa(*t, is_causal=causal)
                else:
                    text = ir.sdpa(shape, shape, shape, dtype=dtype,
                                   causal=causal)
                    opts = f"threads={threads} {options}".strip()
                    fn = mha.compile(text, pipeline="cpu", options=opts)

                    def run(fn=fn, a=arrays):
                        return fn(*a)
                time.sleep(0.3)
                median, _, _, n = time_runs(run, runs, budget)
                row["results"][name] = dict(median_s=median,
                                            gflops=flop / median / 1e9,
                                            runs=n)
            f32 = row["results"]["mha f32"]["gflops"]
            for name, r in row["results"].items():
                r["vs_mha_f32"] = r["gflops"] / f32
            rows.append(row)
            out(f"S={s} D={d}{' causal' if causal else ''}: " + ", ".join(
                f"{name} {r['gflops']:.1f} GFLOP/s ({r['vs_mha_f32']:.2f}x)"
                for name, r in row["results"].items()))
    return rows


# --------------------------------------------------------------------------
# --integration: the costs around the kernel (python -m mha.bench
# --integration): torch vs NumPy in/out, a decode loop, a tiny call
# --------------------------------------------------------------------------

def _per_call(fn, seconds):
    """Median seconds per call of ``fn`` over batches filling ``seconds``."""
    fn()
    t0 = time.perf_counter()
    fn()
    one = max(time.perf_counter() - t0, 1e-7)
    batch = max(1, int(0.05 / one))
    times = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end or len(times) < 3:
        t0 = time.perf_counter()
        for _ in range(batch):
            fn()
        times.append((time.perf_counter() - t0) / batch)
    return statistics.median(times)


def _run_for(fn, seconds):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        fn()


def _interleaved(fns, seconds, settle=0.05):
    """Median seconds per call of each of ``fns`` (name -> callable), timed
    in alternating batches of about 20 ms over ``seconds``, so that a change
    of machine load affects all of them alike (figures in the same run).

    Each batch (and the calibration of its size) follows ``settle`` seconds
    of untimed calls of the same function: right after a switch, the other
    system's OpenMP workers are still spinning (libgomp's default spin is
    ~300k pause instructions, tens of ms; libomp's KMP_BLOCKTIME is 200 ms)
    and take the cores. The figure is the steady cost a caller of one
    system sees; `_back_to_back` measures the cost of switching."""
    batch = {}
    for name, fn in fns.items():
        _run_for(fn, settle)
        t0 = time.perf_counter()
        for _ in range(3):
            fn()
        one = max((time.perf_counter() - t0) / 3, 1e-7)
        batch[name] = max(1, int(0.02 / one))
    times = {name: [] for name in fns}
    end = time.perf_counter() + seconds
    while time.perf_counter() < end or len(times[next(iter(fns))]) < 5:
        for name, fn in fns.items():
            _run_for(fn, settle)
            t0 = time.perf_counter()
            for _ in range(batch[name]):
                fn()
            times[name].append((time.perf_counter() - t0) / batch[name])
    return {name: statistics.median(t) for name, t in times.items()}


def _back_to_back(first, second, seconds):
    """Median seconds that ``second`` adds when it is called right after
    ``first`` (what a model that mixes two runtimes pays per call): pairs
    (first, second) and ``first`` alone, in alternating batches."""
    times = _interleaved({"pair": lambda: (first(), second()),
                          "alone": first}, seconds, settle=0.02)
    return max(times["pair"] - times["alone"], 0.0)


def integration(threads, seconds=2.0, s=2048, steps=64, out=print):
    """Measures, in one run: (1) mha.attention at B=1, H=16, S=s, D=64 with
    NumPy in/out vs torch tensors in/out; (2) a decode loop (q [1, 8, 1,
    64], a KV cache growing from 128 by one token per step): compiles and
    per-step time, next to PyTorch's SDPA on the same tensors; (3) a tiny
    call (q [1, 8, 1, 64], K/V [1, 8, 128, 64]) of mha.attention (NumPy,
    torch) vs PyTorch's eager SDPA. Returns the figures as a dict."""
    try:
        import torch
    except ImportError:
        torch = None
    options = f"threads={threads}"
    rng = np.random.default_rng(0)
    r = {"threads": threads, "cpu": cpu_name()}
    if torch is not None:
        torch.set_num_threads(threads)
        sdpa = torch.nn.functional.scaled_dot_product_attention
        r["torch"] = torch.__version__

    # (1) torch in/out vs NumPy in/out at S.
    q = rng.standard_normal((1, 16, s, 64), dtype=np.float32)
    k = rng.standard_normal((1, 16, s, 64), dtype=np.float32)
    v = rng.standard_normal((1, 16, s, 64), dtype=np.float32)
    r["numpy_s"] = _per_call(lambda: mha.attention(q, k, v, options=options),
                             seconds)
    out(f"S={s}, B=1, H=16, D=64: NumPy in/out   {r['numpy_s'] * 1e3:9.2f} ms")
    if torch is not None:
        tq, tk, tv = (torch.from_numpy(a) for a in (q, k, v))
        r["torch_s"] = _per_call(
            lambda: mha.attention(tq, tk, tv, options=options), seconds)
        out(f"S={s}, B=1, H=16, D=64: torch in/out   "
            f"{r['torch_s'] * 1e3:9.2f} ms  ({r['torch_s'] / r['numpy_s']:.3f}"
            f"x NumPy)")

    # (2) decode loop with a growing KV cache, sliced from a larger cache
    # as a KV-cache loop does (strided views: no copy in Python). The loops
    # (NumPy, torch, PyTorch's SDPA) are timed in alternating rounds.
    h, d, start = 8, 64, 128
    cache_k = rng.standard_normal((1, h, start + steps, d), dtype=np.float32)
    cache_v = rng.standard_normal((1, h, start + steps, d), dtype=np.float32)
    qd = rng.standard_normal((1, h, 1, d), dtype=np.float32)
    mha.cache_clear()
    t0 = time.perf_counter()
    mha.attention(qd, cache_k[:, :, :start], cache_v[:, :, :start],
                  options=options)
    r["decode_first"] = time.perf_counter() - t0
    before = mha.cache_info().misses
    lengths = range(start + 1, start + steps)

    def loop(call, q, ks, vs):
        def run():
            for n in lengths:
                call(q, ks[:, :, :n], vs[:, :, :n])
        return run

    def ours(q, k, v):
        return mha.attention(q, k, v, options=options)

    loops = {"decode_step": loop(ours, qd, cache_k, cache_v)}
    if torch is not None:
        tq = torch.from_numpy(qd)
        tk, tv = torch.from_numpy(cache_k), torch.from_numpy(cache_v)
        loops["decode_step_torch_io"] = loop(ours, tq, tk, tv)
        loops["decode_step_pytorch"] = loop(sdpa, tq, tk, tv)
        with torch.inference_mode():
            times = _interleaved(loops, seconds * len(loops))
    else:
        times = _interleaved(loops, seconds * len(loops))
    r.update({name: t / len(lengths) for name, t in times.items()})
    r["decode_compiles"] = 1 + mha.cache_info().misses - before
    out(f"decode loop, H={h}, D={d}, Skv {start}..{start + steps - 1}: "
        f"{r['decode_compiles']} compile(s), first step "
        f"{r['decode_first'] * 1e3:.0f} ms, then per step: mha "
        f"{r['decode_step'] * 1e6:.0f} us (NumPy)" +
        ("" if torch is None else
         f", {r['decode_step_torch_io'] * 1e6:.0f} us (torch); PyTorch SDPA "
         f"{r['decode_step_pytorch'] * 1e6:.0f} us (mha/PyTorch "
         f"{r['decode_step'] / r['decode_step_pytorch']:.2f}x NumPy, "
         f"{r['decode_step_torch_io'] / r['decode_step_pytorch']:.2f}x "
         f"torch)"))

    # (3) a tiny call, timed in alternating batches with PyTorch's SDPA.
    kt, vt = cache_k[:, :, :128].copy(), cache_v[:, :, :128].copy()
    fns = {"tiny_numpy": lambda: mha.attention(qd, kt, vt, options=options)}
    if torch is not None:
        tq, tk, tv = (torch.from_numpy(a) for a in (qd, kt, vt))
        fns["tiny_torch_io"] = lambda: mha.attention(tq, tk, tv,
                                                     options=options)
        fns["tiny_pytorch"] = lambda: sdpa(tq, tk, tv)
        # All of them under inference_mode (SDPA's fastest eager setting).
        with torch.inference_mode():
            r.update(_interleaved(fns, seconds * len(fns)))
            # Called right after PyTorch, as in a torch model that uses mha
            # for its attention: PyTorch's OpenMP workers may still spin.
            r["tiny_after_pytorch"] = _back_to_back(
                fns["tiny_pytorch"], fns["tiny_torch_io"], seconds * 2)
    else:
        r.update(_interleaved(fns, seconds * len(fns)))
    line = (f"tiny call q [1, 8, 1, 64], K/V [1, 8, 128, 64]: mha "
            f"{r['tiny_numpy'] * 1e6:.0f} us (NumPy)")
    if torch is not None:
        r["tiny_ratio"] = r["tiny_torch_io"] / r["tiny_pytorch"]
        r["tiny_ratio_numpy"] = r["tiny_numpy"] / r["tiny_pytorch"]
        line += (f", {r['tiny_torch_io'] * 1e6:.0f} us (torch); PyTorch "
                 f"eager SDPA {r['tiny_pytorch'] * 1e6:.0f} us (mha/PyTorch "
                 f"{r['tiny_ratio_numpy']:.2f}x NumPy, {r['tiny_ratio']:.2f}x "
                 f"torch)")
        line += (f"; right after each PyTorch call: mha "
                 f"{r['tiny_after_pytorch'] * 1e6:.0f} us (torch)")
    out(line)
    r["loadavg"] = os.getloadavg()
    out("load average (1, 5, 15 min): " +
        ", ".join(f"{x:.2f}" for x in r["loadavg"]))
    return r


# --------------------------------------------------------------------------
# --peers: mha next to the peers users would pick instead (PyTorch SDPA,
# ONNX Runtime), f32 and bf16 prefill and GQA decode, mha / max(peers)
# --------------------------------------------------------------------------

PEERS = ("mha", "PyTorch SDPA", "ONNX Runtime")


def _ort_missing():
    """Why ONNX Runtime is not a peer here, or None."""
    from . import _ort
    return _ort.available()


def _round_robin(fns, rounds, budget):
    """Median seconds per call of each of ``fns`` (name -> callable), timed
    one call at a time in turn (round robin) after one warm-up each, so that
    a change of machine load hits every system alike. Stops after
    ``rounds`` rounds, or earlier (at least 3) once ``budget`` seconds are
    spent. Returns ({name: median}, {name: last output})."""
    outs = {name: fn() for name, fn in fns.items()}
    times = {name: [] for name in fns}
    start = time.perf_counter()
    for r in range(rounds):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            outs[name] = fn()
            times[name].append(time.perf_counter() - t0)
        if r >= 2 and time.perf_counter() - start > budget:
            break
    return {n: statistics.median(t) for n, t in times.items()}, outs


def _peer_calls(kind, q, k, v, causal, threads):
    """name -> (callable, convert-to-[B, H, S, D] f32) for every peer that
    can run ``kind`` ("prefill" or "decode") on these inputs, and name ->
    why not for the others."""
    from . import _ort
    calls, missing = {}, {}
    h = q.shape[1]
    dtype = "bf16" if q.dtype == _bf16() else "f32"
    text = ir.sdpa(q.shape, k.shape, v.shape, dtype=dtype, causal=causal)
    fn = mha.compile(text, pipeline="cpu", options=f"threads={threads}")
    calls["mha"] = (lambda: fn(q, k, v), lambda o: np.asarray(o, np.float32))
    try:
        import torch
        torch.set_num_threads(threads)
        tdt = torch.bfloat16 if dtype == "bf16" else torch.float32
        tq, tk, tv = (torch.from_numpy(np.asarray(a, np.float32)).to(tdt)
                      for a in (q, k, v))
        gqa = k.shape[1] != h
        sdpa = torch.nn.functional.scaled_dot_product_attention

        def run_torch():
            with torch.inference_mode():
                # Sq == Skv (prefill) or Sq == 1 (decode, not causal):
                # PyTorch's top-left is_causal is mha's bottom-right here.
                return sdpa(tq, tk, tv, is_causal=causal, enable_gqa=gqa)
        calls["PyTorch SDPA"] = (run_torch, lambda o: o.float().numpy())
    except ImportError:
        missing["PyTorch SDPA"] = "torch is not installed"
    why = _ort.available()
    if why:
        missing["ONNX Runtime"] = why
    else:
        try:
            if kind == "decode":
                run = _ort.group_query_attention(q, k, v, threads, spin=False)
            else:
                run = _ort.multi_head_attention(q, k, v, causal, threads,
                                                spin=False)
            calls["ONNX Runtime"] = (
                run, lambda o: _ort.from_bsd(np.asarray(o, np.float32), h))
        except Exception as e:  # e.g. no CPU kernel for bf16
            first = str(e).strip().splitlines()[0] if str(e).strip() else ""
            missing["ONNX Runtime"] = f"{type(e).__name__}: {first[:200]}"
    return calls, missing


def _bf16():
    from . import _dtypes
    return _dtypes.bfloat16


def peer_rows(threads, dims=(64, 128), s=2048, skv=4096, decode_heads=(32, 8),
              rounds=10, budget=20.0, seed=0, out=print):
    """The peer comparison: for each D, f32 prefill (not causal, causal) and
    bf16 prefill at B=1, H=16, Sq=Skv=s, then GQA decode (B=1, H/Hkv =
    decode_heads, Sq=1, Skv=skv, D=max(dims)). Each system runs on its native
    layout and the same inputs, ``threads`` threads, interleaved call by
    call (`_round_robin`); inputs and results are converted outside the
    timed calls. Every output is checked against NumPy (float64) and the
    largest difference recorded. Returns one dict per row: kind, shape,
    flop, kv_bytes (decode), results {system: {median_ms, gflops,
    max_abs_diff} or {error}}, and ratio = mha / max(peers) by speed."""
    rng = np.random.default_rng(seed)
    bf16 = _bf16()
    cases = []
    for d in dims:
        cases += [("prefill", "f32", False, (1, 16, s, d), (1, 16, s, d)),
                  ("prefill", "f32", True, (1, 16, s, d), (1, 16, s, d))]
        if bf16 is not None:
            cases.append(("prefill", "bf16", False, (1, 16, s, d),
                          (1, 16, s, d)))
    h, hkv = decode_heads
    dd = max(dims)
    cases.append(("decode", "f32", False, (1, h, 1, dd), (1, hkv, skv, dd)))
    rows = []
    for kind, dtype, causal, qs, ks in cases:
        q, k, v = (rng.uniform(-1, 1, shp).astype(np.float32)
                   for shp in (qs, ks, ks))
        if dtype == "bf16":
            q, k, v = (a.astype(bf16) for a in (q, k, v))
        b, hq, sq, d = qs
        flop = mha.attention_flops(b, hq, sq, ks[2], d, causal=causal)
        row = dict(kind=kind, dtype=dtype, causal=causal, b=b, h=hq,
                   hkv=ks[1], sq=sq, skv=ks[2], d=d, flop=flop,
                   kv_bytes=2 * int(np.prod(ks)) * q.dtype.itemsize,
                   results={})
        calls, missing = _peer_calls(kind, q, k, v, causal, threads)
        for name, why in missing.items():
            row["results"][name] = dict(error=why)
        time.sleep(0.3)  # let other runtimes' spinning threads idle
        medians, outs = _round_robin({n: c[0] for n, c in calls.items()},
                                     rounds, budget)
        expect = reference.attention(np.asarray(q, np.float32),
                                     np.asarray(k, np.float32),
                                     np.asarray(v, np.float32), causal=causal)
        for name, t in medians.items():
            got = calls[name][1](outs[name])
            row["results"][name] = dict(
                median_ms=t * 1e3, gflops=flop / t / 1e9,
                kv_gbps=row["kv_bytes"] / t / 1e9,
                max_abs_diff=float(np.max(np.abs(got - expect))))
        peers = [r["gflops"] for n, r in row["results"].items()
                 if n != "mha" and "gflops" in r]
        mine = row["results"].get("mha", {}).get("gflops")
        row["ratio"] = mine / max(peers) if peers and mine else None
        rows.append(row)
        out(peer_line(row), flush=True)
    return rows


def _row_name(row):
    if row["kind"] == "decode":
        return (f"GQA decode {row['dtype']}, H/Hkv={row['h']}/{row['hkv']}, "
                f"Skv={row['skv']}, D={row['d']}")
    return (f"prefill {row['dtype']}{' causal' if row['causal'] else ''}, "
            f"S={row['sq']}, D={row['d']}")


def _peer_cell(row, name):
    r = row["results"].get(name)
    if r is None:
        return "—"
    if "error" in r:
        return "n/a"
    if row["kind"] == "decode":
        return f"{r['median_ms']:.3f} ms ({r['kv_gbps']:.1f} GB/s)"
    return f"{r['gflops']:.1f} ({r['median_ms']:.1f} ms)"


def peer_line(row):
    cells = "; ".join(f"{n} {_peer_cell(row, n)}" for n in PEERS)
    ratio = f"{row['ratio']:.2f}x" if row["ratio"] else "n/a"
    return f"{_row_name(row)}: {cells}; mha / max(peers) {ratio}"


def peers_markdown(meta, rows):
    out = [f"CPU: {meta['cpu']}, {meta['threads']} threads, B=1. GFLOP/s "
           f"(median ms) of calls interleaved round robin, each system on "
           f"its native layout (conversions untimed), idle threads "
           f"sleeping (OMP_WAIT_POLICY={meta['env']['OMP_WAIT_POLICY']}, "
           f"ONNX Runtime allow_spinning=0); decode: ms (GB/s of "
           f"K/V read). Load average {meta['load_average']['start'][0]:.1f}"
           f" at start, {meta['load_average']['end'][0]:.1f} at end. "
           f"{', '.join(f'{k} {v}' for k, v in meta['versions'].items() if v)}"
           f". `{meta['command']}`, {meta['date']}.", "",
           "| row | " + " | ".join(PEERS) + " | mha / max(peers) |",
           "|---|" + "---|" * len(PEERS) + "---|"]
    notes = {}
    for row in rows:
        ratio = f"{row['ratio']:.2f}x" if row["ratio"] else "n/a"
        out.append(f"| {_row_name(row)} | " + " | ".join(
            _peer_cell(row, n) for n in PEERS) + f" | {ratio} |")
        for n, r in row["results"].items():
            if "error" in r:
                notes.setdefault(f"{n}: {r['error']}", []).append(
                    _row_name(row))
    if notes:
        out += ["", "Not run:"] + [f"- {why} ({'; '.join(where)})"
                                   for why, where in notes.items()]
    return "\n".join(out) + "\n"


#: Interleaved calls of three runtimes: none may keep spinning on the cores
#: after its call (OpenMP's default spins up to 200 ms), or the next system
#: timed pays for it. Set before torch and the OpenMP runtime start.
PEER_ENV = {"OMP_WAIT_POLICY": "PASSIVE", "KMP_BLOCKTIME": "0"}


def peers_main(args, threads):
    for key, value in PEER_ENV.items():
        os.environ.setdefault(key, value)
    dims = [int(x) for x in args.dims.split(",")] if args.dims else \
        ([64] if args.quick else [64, 128])
    s = args.peers_s or (512 if args.quick else 2048)
    skv = args.peers_skv or (1024 if args.quick else 4096)
    versions = {"mha-mlir": mha.__version__, "numpy": np.__version__,
                "torch": version_of("torch"),
                "onnxruntime": version_of("onnxruntime"),
                "onnx": version_of("onnx")}
    load = {"start": os.getloadavg()}
    rows = peer_rows(threads, dims=dims, s=s, skv=skv, rounds=args.runs * 2,
                     budget=args.budget)
    load["end"] = os.getloadavg()
    meta = dict(date=time.strftime("%Y-%m-%d %H:%M"), cpu=cpu_name(),
                threads=threads, versions=versions, load_average=load,
                env={k: os.environ.get(k) for k in PEER_ENV},
                command="python -m mha.bench " + " ".join(args.argv))
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with open(args.out + ".json", "w") as fh:
        json.dump(dict(meta=meta, rows=rows), fh, indent=1)
    table = peers_markdown(meta, rows)
    with open(args.out + ".md", "w") as fh:
        fh.write(table)
    print(f"wrote {args.out}.md, {args.out}.json\n\n{table}")
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="python -m mha.bench", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true",
                    help="D=64, S in {512, 1024}")
    ap.add_argument("--dims", default=None, help="comma-separated D values")
    ap.add_argument("--seqs", default=None, help="comma-separated S values")
    ap.add_argument("--threads", type=int, default=0,
                    help="threads for every system (0 = all cores)")
    ap.add_argument("--runs", type=int, default=5, help="timed runs (median)")
    ap.add_argument("--budget", type=float, default=30.0,
                    help="seconds of timed runs per system and shape: slower "
                         "systems get fewer runs (at least 1; 0 = no limit)")
    ap.add_argument("--causal", action="store_true",
                    help="causal attention (IREE is skipped)")
    ap.add_argument("--reference-max-s", type=int, default=1024,
                    help="largest S for the unfused reference pipeline")
    ap.add_argument("--numpy-max-s", type=int, default=4096,
                    help="largest S for NumPy (it materialises B*H*S*S floats)")
    ap.add_argument("--skip", default="",
                    help="comma-separated systems to skip: torch, iree, numpy, "
                         "reference, or a system's name as the table prints "
                         "it (\"IREE linalg\"); any case")
    ap.add_argument("--fma-peak", default=None, help="path of mha-fma-peak")
    ap.add_argument("--out", default=None,
                    help="output prefix (OUT.md, OUT.json, OUT.png; default "
                         "bench/results/python_bench)")
    ap.add_argument("--integration", action="store_true",
                    help="instead of the table: torch vs NumPy in/out at "
                         "S=2048, a decode loop with a growing KV cache and "
                         "a tiny call, each next to PyTorch")
    ap.add_argument("--decode", action="store_true",
                    help="instead of the table: decode steps (GQA, MQA, MHA, "
                         "a small step) as K/V GB/s and %% of the same-run "
                         "read bandwidth (mha-read-bandwidth), next to the "
                         "unsplit kernel and PyTorch")
    ap.add_argument("--peers", action="store_true",
                    help="instead of the table: mha next to PyTorch SDPA and "
                         "ONNX Runtime (f32 and bf16 prefill, causal, GQA "
                         "decode) with mha / max(peers); --out defaults to "
                         "bench/results/peers")
    ap.add_argument("--peers-s", type=int, default=None,
                    help="--peers: prefill S (default 2048; --quick 512)")
    ap.add_argument("--peers-skv", type=int, default=None,
                    help="--peers: decode Skv (default 4096; --quick 1024)")
    ap.add_argument("--dtypes", action="store_true",
                    help="instead of the table: mha on f32, f16 and bf16 "
                         "inputs (bf16 as picked, widened, and with "
                         "vdpbf16ps where the host has AVX512-BF16) next to "
                         "PyTorch SDPA f32 and bf16, GFLOP/s and the ratio "
                         "to mha f32 (default S=2048, D=64,128)")
    ap.add_argument("--replot", metavar="JSON", default=None,
                    help="only rewrite the table and the plot of a previous "
                         "run's JSON (next to it)")
    args = ap.parse_args(argv)
    try:
        skip = parse_skip(args.skip)
    except ValueError as e:
        ap.error(str(e))
    if args.peers:
        args.out = args.out or "bench/results/peers"
        args.argv = sys.argv[1:] if argv is None else list(argv)
        return peers_main(args, args.threads or os.cpu_count())
    args.out = args.out or "bench/results/python_bench"
    if args.integration:
        figures = integration(args.threads or os.cpu_count(),
                              seconds=1.0 if args.quick else 3.0)
        print(json.dumps(figures))
        return 0
    if args.decode:
        figures = decode_rows(args.threads or os.cpu_count(), args.runs,
                              quick=args.quick, skip=skip)
        print(json.dumps(figures))
        return 0
    if args.dtypes:
        threads = args.threads or os.cpu_count()
        print(f"CPU: {cpu_name()}, {threads} threads, load "
              f"{os.getloadavg()[0]:.2f}", flush=True)
        tool = find_fma_peak_tool(args.fma_peak)
        if tool:
            peak = json.loads(subprocess.check_output([tool, str(threads)]))
            line = f"f32 FMA peak: {peak['gflops_median']:.0f} GFLOP/s"
            if "bf16_dot_gflops_median" in peak:
                dot = peak["bf16_dot_gflops_median"]
                line += (f", vdpbf16ps peak: {dot:.0f} GFLOP/s "
                         f"({dot / peak['gflops_median']:.2f}x f32 FMA)")
            print(line, flush=True)
        rows = dtypes_table(
            [int(x) for x in (args.dims or "64,128").split(",")],
            [int(x) for x in (args.seqs or "2048").split(",")], threads,
            args.runs, args.budget, args.causal,
            out=lambda line: print(line, flush=True))
        print(f"load after: {os.getloadavg()[0]:.2f}")
        print(json.dumps(rows))
        return 0
    if args.replot:
        with open(args.replot) as fh:
            data = json.load(fh)
        out = os.path.splitext(args.replot)[0]
        with open(out + ".md", "w") as fh:
            fh.write(markdown(data["meta"], data["rows"], data["systems"]))
        plot(out + ".png", data["meta"], data["rows"], data["systems"])
        print(f"wrote {out}.md, {out}.png")
        return 0

    threads = args.threads or os.cpu_count()
    dims = [64] if args.quick else [64, 128]
    seqs = [512, 1024] if args.quick else [512, 1024, 2048, 4096]
    if args.dims:
        dims = [int(x) for x in args.dims.split(",")]
    if args.seqs:
        seqs = [int(x) for x in args.seqs.split(",")]

    versions = {"mha-mlir": mha.__version__, "numpy": np.__version__,
                "torch": version_of("torch"),
                "onnxruntime": version_of("onnxruntime"),
                "iree-base-compiler": version_of("iree-base-compiler"),
                "iree-base-runtime": version_of("iree-base-runtime"),
                "matplotlib": version_of("matplotlib"),
                "python": platform.python_version()}
    skipped = {}
    makers = {}
    if "mha cpu" not in skip:
        makers["mha cpu"] = \
            lambda q, k, v, c: make_mha(q, k, v, c, threads, "cpu")
    else:
        skipped["mha cpu"] = "--skip"
    if "mha reference" not in skip:
        makers["mha reference"] = \
            lambda q, k, v, c: make_mha(q, k, v, c, threads, "reference")
    else:
        skipped["mha reference"] = "--skip"
    if "PyTorch SDPA" in skip:
        skipped["PyTorch SDPA"] = "--skip"
    elif versions["torch"] is None:
        skipped["PyTorch SDPA"] = "torch is not installed (pip install torch)"
    else:
        makers["PyTorch SDPA"] = lambda q, k, v, c: make_torch(q, k, v, c,
                                                               threads)
    if "ONNX Runtime MHA" in skip:
        skipped["ONNX Runtime MHA"] = "--skip"
    elif _ort_missing():
        skipped["ONNX Runtime MHA"] = _ort_missing()
    else:
        makers["ONNX Runtime MHA"] = lambda q, k, v, c: make_ort(q, k, v, c,
                                                                 threads)
    for name, kind in zip(IREE, ("op", "linalg")):
        if name in skip:
            skipped[name] = "--skip"
        elif versions["iree-base-compiler"] is None or \
                versions["iree-base-runtime"] is None:
            skipped[name] = ("iree-base-compiler / iree-base-runtime are not "
                             "installed")
        elif args.causal:
            skipped[name] = "causal is not wired for IREE"
        else:
            makers[name] = (lambda kind: lambda q, k, v, c: make_iree(
                q, k, v, c, threads, kind))(kind)
    blas = None
    if "NumPy naive" in skip:
        skipped["NumPy naive"] = "--skip"
    else:
        makers["NumPy naive"] = lambda q, k, v, c: make_numpy(q, k, v, c,
                                                              threads)
        try:
            import threadpoolctl
            limiter = threadpoolctl.threadpool_limits(limits=threads)
            blas = [dict(api=i.get("internal_api"), version=i.get("version"),
                         threads=i.get("num_threads"),
                         arch=i.get("architecture"))
                    for i in threadpoolctl.threadpool_info()
                    if i.get("user_api") == "blas"]
            versions["threadpoolctl"] = version_of("threadpoolctl")
        except ImportError:
            limiter = None  # noqa: F841 (BLAS uses its default threads)
    systems = [s for s in SYSTEMS if s in makers]

    peak = None
    tool = find_fma_peak_tool(args.fma_peak)
    load = {"start": os.getloadavg()}
    if tool:
        peak = json.loads(subprocess.check_output([tool, str(threads)]))
        print(f"f32 FMA peak ({peak['isa']}, {threads} threads): "
              f"{peak['gflops_median']:.0f} GFLOP/s", flush=True)
    else:
        print("warning: mha-fma-peak not found (--fma-peak PATH); the plot "
              "has no peak line", file=sys.stderr)

    rng = np.random.default_rng(0)
    rows = []
    for d in dims:
        for s in seqs:
            shape = (1, 16, s, d)
            q, k, v = (rng.uniform(-1, 1, shape).astype(np.float32)
                       for _ in range(3))
            f = mha.attention_flops(1, 16, s, s, d, causal=args.causal)
            row = dict(b=1, h=16, s=s, d=d, causal=args.causal, flop=f,
                       results={})
            outputs = {}
            for name in systems:
                if name == "mha reference" and s > args.reference_max_s:
                    continue
                if name == "NumPy naive" and s > args.numpy_max_s:
                    continue
                time.sleep(0.3)  # let other runtimes' spinning threads idle
                try:
                    run, compile_s = makers[name](q, k, v, args.causal)
                    median, best, out, runs = time_runs(run, args.runs,
                                                        args.budget)
                except Exception as e:  # a peer failing is a result too
                    row["results"][name] = dict(error=f"{type(e).__name__}: "
                                                      f"{str(e)[:500]}")
                    print(f"D={d} S={s} {name}: FAILED {e}", flush=True)
                    continue
                out = getattr(run, "finish", lambda o: o)(out)
                # A plain copy: IREE's results map its device memory, which
                # must not outlive the IREE context (it crashes at exit).
                outputs[name] = np.array(out, dtype=np.float32, copy=True)
                del out, run
                row["results"][name] = dict(
                    gflops=f / median / 1e9, median_ms=median * 1e3,
                    min_ms=best * 1e3, runs=runs, compile_s=compile_s)
                print(f"D={d} S={s} {name}: {f / median / 1e9:.1f} GFLOP/s "
                      f"({median * 1e3:.2f} ms, compile {compile_s:.2f} s)",
                      flush=True)
            base = outputs.get("NumPy naive", outputs.get("mha cpu"))
            for name, out in outputs.items():
                if base is None:  # --skip numpy and mha cpu: nothing to check
                    break
                row["results"][name]["max_abs_diff_vs_numpy"] = \
                    float(np.max(np.abs(np.asarray(out, np.float32) - base)))
            rows.append(row)

    load["end"] = os.getloadavg()
    if tool:
        # Measured again at the end: the higher one is the machine's peak; a
        # large difference means something else was running.
        end = json.loads(subprocess.check_output([tool, str(threads)]))
        peak = dict(peak, start_gflops=peak["gflops_median"],
                    end_gflops=end["gflops_median"])
        peak["gflops_median"] = max(peak["start_gflops"], peak["end_gflops"])
        if min(peak["start_gflops"], peak["end_gflops"]) < \
                0.9 * peak["gflops_median"]:
            print("warning: the FMA peak differs between start and end "
                  f"({peak['start_gflops']:.0f} vs {peak['end_gflops']:.0f} "
                  "GFLOP/s): the machine was busy", file=sys.stderr)
    meta = dict(date=time.strftime("%Y-%m-%d %H:%M"), host=platform.node(),
                cpu=cpu_name(), threads=threads, runs=args.runs,
                causal=args.causal, fma_peak=peak, versions=versions,
                load_average=load,
                blas=blas, skipped=skipped,
                env={k: os.environ.get(k) for k in
                     ("OMP_NUM_THREADS", "OPENBLAS_CORETYPE",
                      "OPENBLAS_L2_SIZE")},
                command="python -m mha.bench " + " ".join(
                    sys.argv[1:] if argv is None else argv))
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with open(args.out + ".json", "w") as fh:
        json.dump(dict(meta=meta, systems=systems, rows=rows), fh, indent=1)
    table = markdown(meta, rows, systems)
    with open(args.out + ".md", "w") as fh:
        fh.write(table)
    try:
        plot(args.out + ".png", meta, rows, systems)
        print(f"wrote {args.out}.md, {args.out}.json, {args.out}.png")
    except ImportError:
        print(f"wrote {args.out}.md, {args.out}.json (no plot: pip install "
              f"matplotlib)")
    print("\n" + table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
