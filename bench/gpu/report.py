#!/usr/bin/env python3
"""Results of the GPU device check (run by run_on_device.sh in the bundle).

    report.py list --configs configs.json [--quick] [--only REGEX]
        the cases to run, one per line, tab-separated:
        id group library check seed inputs num_results reference_library
        required|optional ('-' for an empty field, inputs joined with ',')
    report.py status --configs configs.json --raw DIR ID
        one line summarising the raw result of a case
    report.py report --configs configs.json --raw DIR [--torch FILE]
                     [--device FILE] [--runs N] [--quick] [--only REGEX]
                     --out DIR
        writes DIR/results.json and DIR/results.md

Raw results, per case ID, written by run_on_device.sh into the raw folder:
ID.json (stdout of mha-aot-check --json), ID.err (stderr), ID.rc (exit
status), ID.seconds (wall time), ID.status ('skipped ...' or 'not-built'
when the case did not run); for cases checked against the reference
pipeline also ID.ref.{json,err,rc} and the outputs ID.out<N>.npy /
ID.ref<N>.npy.

Only the Python standard library is used (the device machine may have
nothing else).
"""

import argparse
import ast
import json
import math
import os
import re
import struct
import sys

# --- .npy reading (for the reference comparison) ---------------------------


def read_npy(path):
    """(dtype, shape, flat list of floats) of a .npy file mha-aot-check wrote."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:6] != b"\x93NUMPY":
        raise ValueError("%s: not a .npy file" % path)
    major = data[6]
    if major == 1:
        hlen, start = struct.unpack("<H", data[8:10])[0], 10
    else:
        hlen, start = struct.unpack("<I", data[8:12])[0], 12
    header = data[start:start + hlen].decode("latin1")
    body = data[start + hlen:]
    info = ast.literal_eval(header)
    if info.get("fortran_order"):
        raise ValueError("%s: Fortran order" % path)
    shape = list(info["shape"])
    count = 1
    for s in shape:
        count *= s
    descr = info["descr"]
    if descr == "<f4":
        return "f32", shape, list(struct.unpack("<%df" % count, body[:4 * count]))
    if descr == "<f2":
        return "f16", shape, list(struct.unpack("<%de" % count, body[:2 * count]))
    if descr in ("<V2", "bfloat16"):
        bits = struct.unpack("<%dH" % count, body[:2 * count])
        return "bf16", shape, [struct.unpack("<f", struct.pack("<I", b << 16))[0]
                               for b in bits]
    if descr == "|b1":
        return "i1", shape, [float(b) for b in body[:count]]
    raise ValueError("%s: unsupported dtype %s" % (path, descr))


def compare_npy(actual_path, expected_path, atol, rtol):
    """Compares two results as --verify does, with the tolerance that
    mha-aot-check reports for the result; returns a check dict."""
    dt, shape, actual = read_npy(actual_path)
    edt, eshape, expected = read_npy(expected_path)
    check = {"against": "reference", "atol": atol, "rtol": rtol}
    if (dt, shape) != (edt, eshape):
        check.update(passed=False, detail="shape/dtype %s%s vs %s%s" % (dt, shape, edt, eshape))
        return check
    max_abs = max_rel = 0.0
    mismatches = 0
    for a, e in zip(actual, expected):
        err = abs(a - e)
        if math.isnan(err):
            mismatches += 1
            max_abs = max_rel = float("inf")
            continue
        max_abs = max(max_abs, err)
        if e != 0:
            max_rel = max(max_rel, err / abs(e))
        if err > atol + rtol * abs(e):
            mismatches += 1
    check.update(max_abs_error=max_abs, max_rel_error=max_rel,
                 mismatches=mismatches, passed=mismatches == 0)
    return check


# --- Raw results -----------------------------------------------------------


def load_configs(path, quick=False, only=None):
    """The manifest and its selected cases: the quick subset with `quick`,
    the ids matching the regular expression `only` (re.search) if given."""
    with open(path) as f:
        manifest = json.load(f)
    if manifest.get("format") != "mha-gpu-bench-bundle":
        raise ValueError("%s is not a bundle manifest" % path)
    cases = [c for c in manifest["cases"] if (c["quick"] or not quick)
             and (not only or re.search(only, c["id"]))]
    return manifest, cases


def _read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def _error_line(err_text, rc):
    lines = [l.strip() for l in (err_text or "").splitlines() if l.strip()]
    for l in lines:
        if "error:" in l:
            return l.split("mha-aot-check: error: ", 1)[-1]
    if lines:
        return lines[-1]
    if rc is not None and rc > 128:
        return "killed by signal %d" % (rc - 128)
    return "exit status %s" % rc


def _run_result(raw, stem):
    """(rc, parsed JSON or None, stderr text) of one mha-aot-check run."""
    rc_text = _read(os.path.join(raw, stem + ".rc"))
    rc = int(rc_text.strip()) if rc_text and rc_text.strip().lstrip("-").isdigit() else None
    out = _read(os.path.join(raw, stem + ".json")) or ""
    record = None
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                record = json.loads(line)
            except ValueError:
                pass
    return rc, record, _read(os.path.join(raw, stem + ".err"))


def result_tolerance(record, n):
    """(atol, rtol) of result n from an mha-aot-check --json record: the
    tolerance its --verify uses for the result's dtype (one definition, in
    lib/Runner/Compare.cpp), so this script keeps no table of its own."""
    try:
        result = record["results"][n]
        return float(result["atol"]), float(result["rtol"])
    except (KeyError, IndexError, TypeError, ValueError):
        raise ValueError("the mha-aot-check record has no tolerance for result %d" % n)


def _classify(rc, record, err):
    """Status of a run from its exit status (mha-aot-check: 0 ok, 1 verify
    mismatch, 2 error; timeout: 124/137)."""
    if rc is None:
        return "ERROR", "no exit status recorded"
    if rc in (124, 137):
        return "TIMEOUT", "killed after the per-case time limit"
    if rc == 1 and record is not None:
        return "FAIL", None
    if rc != 0:
        return "ERROR", _error_line(err, rc)
    if record is None:
        return "ERROR", "no JSON record on stdout"
    return "OK", None


def case_result(case, raw):
    """The result of one case: a dict with status and numbers."""
    res = {"id": case["id"], "group": case["group"], "description": case["description"]}
    marker = _read(os.path.join(raw, case["id"] + ".status"))
    if marker is not None:
        kind, _, why = marker.strip().partition(":")
        res["status"] = "NOT-BUILT" if kind == "not-built" else "SKIPPED"
        res["detail"] = why.strip() or kind
        return res
    rc, record, err = _run_result(raw, case["id"])
    seconds = _read(os.path.join(raw, case["id"] + ".seconds"))
    if seconds:
        res["wall_seconds"] = float(seconds)
    status, detail = _classify(rc, record, err)
    res["status"] = status
    if detail:
        res["detail"] = detail
    if case["group"] == "correctness":
        if case["check"] == "oracle" and record is not None and "verify" in record:
            check = record["verify"]["checks"][0]
            res["check"] = check
            if status == "OK":
                res["status"] = "PASS" if record["verify"]["passed"] else "FAIL"
        elif case["check"] == "reference" and status == "OK":
            rrc, rrecord, rerr = _run_result(raw, case["id"] + ".ref")
            rstatus, rdetail = _classify(rrc, rrecord, rerr)
            if rstatus != "OK":
                res["status"] = "ERROR"
                res["detail"] = "reference library: %s" % (rdetail or rstatus)
                return res
            checks = []
            try:
                for n in range(case["num_results"]):
                    atol, rtol = result_tolerance(record, n)
                    c = compare_npy(os.path.join(raw, "%s.out%d.npy" % (case["id"], n)),
                                    os.path.join(raw, "%s.ref%d.npy" % (case["id"], n)),
                                    atol, rtol)
                    c["result"] = n
                    checks.append(c)
            except (OSError, ValueError) as e:
                res["status"] = "ERROR"
                res["detail"] = "comparing with the reference: %s" % e
                return res
            res["checks"] = checks
            res["check"] = max(checks, key=lambda c: c.get("max_abs_error", math.inf))
            res["status"] = "PASS" if all(c["passed"] for c in checks) else "FAIL"
        elif status == "OK":
            res["status"] = "PASS"
        return res
    # Benchmarks.
    if status == "OK":
        bench = (record or {}).get("bench", {})
        kernel = bench.get("kernel_median_seconds")
        if not kernel or kernel <= 0:
            res["status"] = "ERROR"
            res["detail"] = "no device kernel time in the record"
            return res
        res["kernel_ms"] = kernel * 1e3
        res["wall_ms"] = bench.get("median_seconds", 0) * 1e3
        res["runs"] = bench.get("runs")
        # The FLOPs that mha-aot-check counts (the project's one FLOP model).
        if bench.get("flops") is not None:
            res["flops"] = bench["flops"]
            res["tflops"] = bench["flops"] / kernel / 1e12
        else:
            res["detail"] = "mha-aot-check counted no FLOPs"
        res["gbps"] = case["kv_bytes"] / kernel / 1e9
    return res


def status_line(case, raw):
    r = case_result(case, raw)
    text = r["status"]
    if "check" in r and "max_abs_error" in r["check"]:
        text += " max_abs_err=%.2e" % r["check"]["max_abs_error"]
    if "kernel_ms" in r:
        text += " kernel %.3f ms" % r["kernel_ms"]
        if "tflops" in r:
            text += ", %.1f TFLOP/s" % r["tflops"]
        if case["group"] == "decode":
            text += ", %.0f GB/s" % r["gbps"]
    if "detail" in r:
        text += ": " + r["detail"]
    if "wall_seconds" in r:
        text += " (%.1f s)" % r["wall_seconds"]
    return text


# --- The report -----------------------------------------------------------


def torch_entry(torch_results, case_id, backend, flops=None):
    """A backend's result for a case; with the case's ``flops`` (as
    mha-aot-check counted them), its TFLOP/s too."""
    if not torch_results:
        return None
    entry = torch_results.get("results", {}).get(case_id, {}).get(backend)
    if entry and entry.get("ms") and flops is not None:
        entry = dict(entry, tflops=flops / (entry["ms"] * 1e-3) / 1e12)
    return entry


def _fmt(value, digits=1):
    return "%.*f" % (digits, value)


def _cell(entry, metric):
    """A table cell for an mha or torch result: value (ms), or why not."""
    if entry is None:
        return "—"
    ms = entry["kernel_ms"] if "kernel_ms" in entry else entry.get("ms")
    if entry.get(metric) is not None:
        return "%s (%.3f ms)%s" % (_fmt(entry[metric], 1 if metric == "tflops" else 0),
                                   ms, " *" if entry.get("note") else "")
    if ms is not None and entry.get("status") == "OK":
        # Timed, but no FLOP count (mha-aot-check counted none for the case).
        return "— (%.3f ms)" % ms
    status = entry.get("status", "n/a")
    reason = (entry.get("detail") or entry.get("error") or "").replace("|", "/")
    reason = " ".join(reason.split())
    if len(reason) > 80:
        reason = reason[:77] + "..."
    return "%s: %s" % (status, reason) if reason else status


def build_report(manifest, cases, raw, torch_results=None, device_text=None, runs=None,
                 quick=False):
    results = {"bundle": {k: manifest.get(k) for k in ("chip", "quick", "flop_convention",
                                                       "bytes_convention")},
               "quick": bool(quick or manifest.get("quick")),
               "device": (device_text or "").strip().splitlines(),
               "runs": runs,
               "torch": None, "correctness": [], "prefill": [], "decode": []}
    if torch_results is not None:
        results["torch"] = {k: v for k, v in torch_results.items() if k != "results"}
    for case in cases:
        r = case_result(case, raw)
        if case["group"] != "correctness":
            r["shape"] = case["shape"]
            r["kv_bytes"] = case["kv_bytes"]
            metric = "tflops" if case["group"] == "prefill" else "gbps"
            best = None
            for backend in ("flash", "cudnn"):
                t = torch_entry(torch_results, case["id"], backend, r.get("flops"))
                r["torch_" + backend] = t
                if t and t.get(metric) is not None:
                    best = max(best or 0, t[metric])
            if r.get(metric) is not None and best:
                r["ratio_vs_best_torch"] = r[metric] / best
        results[case["group"]].append(r)
    return results


def render_markdown(results):
    lines = ["# mha-mlir GPU device check", ""]
    device = results["device"]
    lines.append("Device:" if device else "Device: unknown")
    lines += ["- " + l for l in device]
    lines.append("")
    t = results.get("torch") or {}
    if t.get("error"):
        lines.append("PyTorch: not used (%s)" % t["error"])
    elif t:
        lines.append("PyTorch %s (CUDA %s, cuDNN %s) on %s" % (
            t.get("torch_version"), t.get("cuda_version"), t.get("cudnn_version"),
            t.get("device_name")))
        for backend, info in sorted((t.get("backends") or {}).items()):
            if info.get("reason"):
                lines.append("- torch %s: %s" % (backend, info["reason"]))
    else:
        lines.append("PyTorch: no results")
    lines.append("")
    b = results["bundle"]
    lines.append("Bundle: chip %s%s; timings are medians of %s runs after warm-up, "
                 "device kernel time (mha: CUDA events around its launches, "
                 "torch: CUDA events around the SDPA call)." % (
                     b.get("chip"), ", quick subset" if results.get("quick") else "",
                     results.get("runs") or "N"))
    lines.append("")

    corr = results["correctness"]
    counts = {}
    for r in corr:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    lines.append("## Correctness (%s)" % ", ".join(
        "%d %s" % (n, s) for s, n in sorted(counts.items())) if corr else "## Correctness")
    lines.append("")
    lines.append("mha-aot-check --seed=1 --verify against the C++ oracle (or the "
                 "reference pipeline where the entry has no oracle).")
    lines.append("")
    lines.append("| case | what | status | max abs err | max rel err | detail |")
    lines.append("|---|---|---|---|---|---|")
    for r in corr:
        c = r.get("check") or {}
        abs_err = "%.2e" % c["max_abs_error"] if "max_abs_error" in c else ""
        rel_err = "%.2e" % c["max_rel_error"] if "max_rel_error" in c else ""
        detail = (r.get("detail") or "").replace("|", "/")
        if r["status"] == "FAIL" and "mismatches" in c:
            detail = ("mismatches=%d " % c["mismatches"]) + detail
        lines.append("| %s | %s | %s | %s | %s | %s |" % (
            r["id"], r["description"].replace("|", "/"), r["status"], abs_err, rel_err,
            detail.strip()))
    lines.append("")

    for group, metric, title, unit in (
            ("prefill", "tflops",
             "Prefill throughput (bf16; TFLOP/s = 4·B·H·Sq·Skv·D / kernel time, halved when causal)",
             "TFLOP/s"),
            ("decode", "gbps",
             "Decode bandwidth (bf16; GB/s = bytes of K and V / kernel time)", "GB/s")):
        rows = results[group]
        if not rows:
            continue
        lines.append("## " + title)
        lines.append("")
        lines.append("| config | mha %s (ms) | torch flash %s | torch cuDNN %s | mha / best torch |"
                     % (unit, unit, unit))
        lines.append("|---|---|---|---|---|")
        for r in rows:
            ratio = r.get("ratio_vs_best_torch")
            lines.append("| %s | %s | %s | %s | %s |" % (
                r["description"], _cell(r, metric), _cell(r.get("torch_flash"), metric),
                _cell(r.get("torch_cudnn"), metric), "%.2f" % ratio if ratio else "—"))
        notes = [r for r in rows if r.get("note")] + [
            t for r in rows for t in (r.get("torch_flash"), r.get("torch_cudnn"))
            if t and t.get("note")]
        for n in notes:
            lines.append("")
            lines.append("\\* %s" % n["note"])
        lines.append("")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    pl = sub.add_parser("list")
    ps = sub.add_parser("status")
    pr = sub.add_parser("report")
    for q in (pl, ps, pr):
        q.add_argument("--configs", default="configs.json")
        q.add_argument("--quick", action="store_true")
        q.add_argument("--only", help="only the case ids matching this regular expression")
    ps.add_argument("--raw", required=True)
    ps.add_argument("id")
    pr.add_argument("--raw", required=True)
    pr.add_argument("--torch")
    pr.add_argument("--device")
    pr.add_argument("--runs", type=int)
    pr.add_argument("--out", required=True)
    args = p.parse_args(argv)
    try:
        manifest, cases = load_configs(args.configs, args.quick, args.only)
    except (OSError, ValueError, KeyError, re.error) as e:
        print("report.py: error: %s: %s" % (args.configs, e), file=sys.stderr)
        return 2

    if args.command == "list":
        for c in cases:
            fields = [c["id"], c["group"], c["library"], c["check"], str(c["seed"]),
                      ",".join(c["inputs"]), str(c["num_results"]),
                      c.get("reference_library", ""),
                      "optional" if c.get("optional") else "required"]
            print("\t".join(f or "-" for f in fields))
        return 0
    if args.command == "status":
        case = next((c for c in manifest["cases"] if c["id"] == args.id), None)
        if case is None:
            print("report.py: error: no case %s" % args.id, file=sys.stderr)
            return 2
        print(status_line(case, args.raw))
        return 0

    torch_results = None
    if args.torch:
        text = _read(args.torch)
        if text is None:
            torch_results = {"error": "torch_sdpa.py wrote no results (%s)" % args.torch}
        else:
            try:
                torch_results = json.loads(text)
            except ValueError as e:
                torch_results = {"error": "unreadable %s: %s" % (args.torch, e)}
    results = build_report(manifest, cases, args.raw, torch_results,
                           _read(args.device) if args.device else None, args.runs,
                           args.quick)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
        f.write("\n")
    with open(os.path.join(args.out, "results.md"), "w") as f:
        f.write(render_markdown(results) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
