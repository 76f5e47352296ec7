#!/usr/bin/env python3
"""Times torch.nn.functional.scaled_dot_product_attention on the benchmark
shapes of a GPU device-check bundle (its configs.json), with the flash and
the cuDNN backends, for the comparison table of run_on_device.sh.

Each shape: bf16 q [B, H, Sq, D], k/v [B, Hkv, Skv, D] on the GPU, values
uniform in [-1, 1); `is_causal` for causal shapes (Sq = Skv there, so
PyTorch's top-left causal equals mha's bottom-right one); GQA shapes use
`enable_gqa=True`, or K/V repeated to H heads when a backend rejects that
(noted in the results). Timing: CUDA events around each call, each call
after zeroing a 256 MiB buffer (so the events see device time only and L2
is cold), the median of --runs calls after --warmup calls. GB/s use the
byte counts of configs.json; report.py derives TFLOP/s from the times and
the FLOPs that mha-aot-check counted for the same case.

A backend that cannot run a shape (not built into this PyTorch, unsupported
on this GPU or for this shape, out of memory) is recorded with the reason;
the script carries on. Without PyTorch or a CUDA device it writes the reason
to --out and exits 1.
"""

import argparse
import json
import os
import re
import statistics
import sys
import time
import warnings

BACKENDS = {"flash": "FLASH_ATTENTION", "cudnn": "CUDNN_ATTENTION"}


def parse_args(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    p.add_argument("--configs", default=os.path.join(here, "configs.json"),
                   help="the bundle manifest (default: configs.json next to this script)")
    p.add_argument("--out", default="torch_sdpa.json", help="where to write the results (JSON)")
    p.add_argument("--runs", type=int, default=20, help="timed calls per shape (median)")
    p.add_argument("--warmup", type=int, default=5, help="untimed calls first")
    p.add_argument("--quick", action="store_true", help="only the shapes of the quick subset")
    p.add_argument("--only", help="only the case ids matching this regular expression")
    p.add_argument("--backends", default="flash,cudnn",
                   help="comma-separated subset of: %s" % ", ".join(BACKENDS))
    p.add_argument("--time-limit", type=float, default=0,
                   help="seconds; skip the remaining shapes after this (0: no limit)")
    p.add_argument("--device", default="cuda", choices=["cuda", "cpu"],
                   help="cpu: wall-clock timing on the host, to test this script "
                        "without a GPU (default: cuda)")
    args = p.parse_args(argv)
    args.backends = [b for b in args.backends.split(",") if b]
    for b in args.backends:
        if b not in BACKENDS:
            p.error("unknown backend '%s' (choose from %s)" % (b, ", ".join(BACKENDS)))
    if args.runs < 1 or args.warmup < 0:
        p.error("--runs must be >= 1 and --warmup >= 0")
    return args


def write(path, results):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(results, f, indent=1)
        f.write("\n")
    os.replace(tmp, path)


def first_line(text):
    lines = [l.strip() for l in str(text).splitlines() if l.strip()]
    return lines[0] if lines else str(text)


_FLUSH = []


def time_calls(torch, fn, warmup, runs, device="cuda"):
    """Median milliseconds of `runs` calls after `warmup` calls.

    On the GPU each call is timed with CUDA events after zeroing a 256 MiB
    buffer (as triton.testing.do_bench): the zeroing keeps the GPU busy
    while the host enqueues the call, so the events measure device time
    only, and it evicts the inputs from L2.
    """
    for _ in range(warmup):
        fn()
    if device != "cuda":
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            fn()
            times.append((time.perf_counter() - start) * 1e3)
        return statistics.median(times)
    if not _FLUSH:
        _FLUSH.append(torch.empty(64 * 1024 * 1024, dtype=torch.int32, device="cuda"))
    torch.cuda.synchronize()
    events = []
    for _ in range(runs):
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        _FLUSH[0].zero_()
        start.record()
        fn()
        end.record()
        events.append((start, end))
    torch.cuda.synchronize()
    return statistics.median(s.elapsed_time(e) for s, e in events)


def synchronize(torch, device):
    if device == "cuda":
        try:
            torch.cuda.synchronize()
        except RuntimeError:
            pass


def run_backend(torch, backend, case, q, k, v, args):
    """Times one backend on one shape; returns the result dict."""
    from torch.nn.attention import SDPBackend, sdpa_kernel
    import torch.nn.functional as F

    shape = case["shape"]
    causal = shape["causal"]
    gqa = shape["hkv"] != shape["h"]
    attempts = [("gqa", k, v)] if gqa else [("plain", k, v)]
    if gqa:
        attempts.append(("expanded", None, None))
    reasons = []
    for how, kk, vv in attempts:
        if how == "expanded":
            group = shape["h"] // shape["hkv"]
            kk = k.repeat_interleave(group, dim=1)
            vv = v.repeat_interleave(group, dim=1)
        kwargs = {"is_causal": causal}
        if how == "gqa":
            kwargs["enable_gqa"] = True

        def fn():
            return F.scaled_dot_product_attention(q, kk, vv, **kwargs)

        caught = []
        try:
            with warnings.catch_warnings(record=True) as caught, \
                    sdpa_kernel([getattr(SDPBackend, BACKENDS[backend])]):
                warnings.simplefilter("always")
                ms = time_calls(torch, fn, args.warmup, args.runs, args.device)
        except (RuntimeError, TypeError, ValueError) as e:  # includes CUDA OOM
            why = [first_line(w.message) for w in caught]
            reasons.append("%s: %s%s" % (how, first_line(e),
                                         (" (" + "; ".join(why[:3]) + ")") if why else ""))
            synchronize(torch, args.device)
            continue
        result = {"status": "OK", "ms": ms,
                  "gbps": case["kv_bytes"] / (ms * 1e-3) / 1e9}
        if how == "expanded":
            result["note"] = ("torch %s: K/V repeated to H heads (%s); GB/s counts the "
                              "bytes of the unrepeated K and V" % (backend, "; ".join(reasons)))
        return result
    return {"status": "ERROR", "error": "; ".join(reasons)}


def main(argv=None):
    args = parse_args(argv)
    started = time.monotonic()
    results = {"format": "mha-gpu-bench-torch", "runs": args.runs, "warmup": args.warmup,
               "backends": {}, "results": {}}
    try:
        with open(args.configs) as f:
            manifest = json.load(f)
    except (OSError, ValueError) as e:
        print("torch_sdpa.py: error: cannot read %s: %s" % (args.configs, e), file=sys.stderr)
        return 2
    cases = [c for c in manifest["cases"]
             if c["group"] in ("prefill", "decode") and (c["quick"] or not args.quick)
             and (not args.only or re.search(args.only, c["id"]))]

    try:
        import torch
    except ImportError as e:
        results["error"] = "PyTorch is not installed (%s)" % e
        write(args.out, results)
        print("torch_sdpa.py: error: %s" % results["error"], file=sys.stderr)
        return 1
    results["torch_version"] = torch.__version__
    results["cuda_version"] = torch.version.cuda
    if args.device == "cuda" and not torch.cuda.is_available():
        results["error"] = "PyTorch %s sees no CUDA device" % torch.__version__
        write(args.out, results)
        print("torch_sdpa.py: error: %s" % results["error"], file=sys.stderr)
        return 1
    try:
        from torch.nn.attention import SDPBackend, sdpa_kernel  # noqa: F401
    except ImportError as e:
        results["error"] = "PyTorch %s has no torch.nn.attention.sdpa_kernel (%s)" % (
            torch.__version__, e)
        write(args.out, results)
        print("torch_sdpa.py: error: %s" % results["error"], file=sys.stderr)
        return 1
    results["device_name"] = (torch.cuda.get_device_name(0) if args.device == "cuda"
                              else "cpu (--device cpu)")
    results["cudnn_version"] = (torch.backends.cudnn.version()
                                if torch.backends.cudnn.is_available() else None)
    for backend in args.backends:
        info = {"available": True}
        if not hasattr(SDPBackend, BACKENDS[backend]):
            info = {"available": False,
                    "reason": "SDPBackend.%s does not exist in this PyTorch" % BACKENDS[backend]}
        elif backend == "flash" and not torch.backends.cuda.is_flash_attention_available():
            info = {"available": False, "reason": "this PyTorch was built without flash attention"}
        elif backend == "cudnn" and results["cudnn_version"] is None:
            info = {"available": False, "reason": "cuDNN is not available to this PyTorch"}
        results["backends"][backend] = info
    print("torch_sdpa.py: PyTorch %s, CUDA %s, cuDNN %s, %s" % (
        torch.__version__, torch.version.cuda, results["cudnn_version"], results["device_name"]))

    torch.manual_seed(0)
    first_of_shape = {}  # variants of a case (other mha options) share its timing
    for case in cases:
        s = case["shape"]
        key = json.dumps(s, sort_keys=True)
        if key in first_of_shape:
            results["results"][case["id"]] = results["results"][first_of_shape[key]]
            continue
        first_of_shape[key] = case["id"]
        entry = results["results"].setdefault(case["id"], {})
        if args.time_limit and time.monotonic() - started > args.time_limit:
            for backend in args.backends:
                entry[backend] = {"status": "SKIPPED", "error": "time limit"}
            continue
        try:
            def rand(*shape):
                return torch.rand(*shape, device=args.device, dtype=torch.bfloat16) * 2 - 1
            q = rand(s["b"], s["h"], s["sq"], s["d"])
            k = rand(s["b"], s["hkv"], s["skv"], s["d"])
            v = rand(s["b"], s["hkv"], s["skv"], s["d"])
        except RuntimeError as e:
            for backend in args.backends:
                entry[backend] = {"status": "ERROR", "error": "inputs: %s" % first_line(e)}
            continue
        for backend in args.backends:
            info = results["backends"][backend]
            if not info["available"]:
                entry[backend] = {"status": "UNAVAILABLE", "error": info["reason"]}
                continue
            entry[backend] = run_backend(torch, backend, case, q, k, v, args)
            r = entry[backend]
            if "ms" not in r:
                metric = r["error"]
            elif case["group"] == "decode":
                metric = "%.3f ms, %.0f GB/s" % (r["ms"], r["gbps"])
            else:
                metric = "%.3f ms" % r["ms"]
            print("torch_sdpa.py: %-28s %-5s %s" % (case["id"], backend, metric), flush=True)
        del q, k, v
        if args.device == "cuda":
            torch.cuda.empty_cache()
        write(args.out, results)
    results["seconds"] = time.monotonic() - started
    write(args.out, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
