#!/usr/bin/env python3
"""Unit tests of the GPU device check's Python parts (configs.py, report.py,
torch_sdpa.py); run by lit (test/Bench/gpu-bench-unit.test), no GPU needed."""

import contextlib
import importlib.util
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SRC_ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import configs  # noqa: E402
import report  # noqa: E402


class FormulaTest(unittest.TestCase):
    # FLOPs are not computed here: mha-aot-check counts them (tested with
    # the FLOP model in C++, the C API and Python).
    def test_decode_bytes(self):
        # B=8, Hkv=8, Skv=32768, D=128, bf16: 2 tensors * 2^28 elements * 2 bytes.
        self.assertEqual(configs.kv_bytes(8, 8, 32768, 128), 1 << 30)
        self.assertEqual(configs.kv_bytes(8, 8, 4096, 128), 128 * 1024 * 1024)
        self.assertEqual(configs.kv_bytes(1, 2, 10, 64, dv=32, dtype="f32"), 7680)

    def test_prefill_table(self):
        cases = configs.build_cases(SRC_ROOT)
        prefill = [c for c in cases if c["group"] == "prefill" and not c["options"]]
        self.assertEqual(len(prefill), 24)
        for c in prefill:
            s = c["shape"]
            self.assertEqual(s["b"] * s["sq"], 16384, c["id"])
            self.assertEqual(s["h"] * s["d"], 2048, c["id"])
            self.assertEqual((s["dtype"], s["sq"], s["hkv"]), ("bf16", s["skv"], s["h"]))
            self.assertNotIn("flops", c)  # mha-aot-check counts them
        self.assertEqual(sorted({(c["shape"]["d"], c["shape"]["sq"]) for c in prefill}),
                         [(d, s) for d in (64, 128) for s in configs.PREFILL_SEQ])
        decode = {c["id"]: c for c in cases if c["group"] == "decode"}
        self.assertEqual(sorted(decode), ["decode_skv32768", "decode_skv4096"])
        d = decode["decode_skv32768"]
        self.assertEqual((d["shape"]["b"], d["shape"]["h"], d["shape"]["hkv"], d["shape"]["sq"],
                          d["shape"]["d"]), (8, 32, 8, 1, 128))
        self.assertEqual(d["kv_bytes"], 1 << 30)


class CaseTest(unittest.TestCase):
    def test_optional_variants_last(self):
        cases = configs.build_cases(SRC_ROOT)
        optional = [c for c in cases if c["optional"]]
        self.assertTrue(optional)
        self.assertEqual(cases[-len(optional):], optional)
        for c in optional:
            self.assertEqual(c["options"], "kernel=wgmma")
            self.assertFalse(c["quick"])
        ids = [c["id"] for c in optional]
        for wanted in ("prefill_d128_s4096_causal.wgmma", "prefill_d64_s4096.wgmma",
                       "verify.decode_skv4096.wgmma"):
            self.assertIn(wanted, ids)

    def test_every_entry_of_the_test_files(self):
        cases = configs.build_cases(SRC_ROOT)
        for rel, prefix in ((configs.TENSOR_CORES, "tc"), (configs.FEATURES, "feat")):
            with open(os.path.join(SRC_ROOT, rel)) as f:
                names = re.findall(r"^func\.func @(\w+)", f.read(), re.M)
            self.assertTrue(names)
            for name in names:
                self.assertIn("%s.%s" % (prefix, name), [c["id"] for c in cases])
        for rel in configs.EXAMPLES:
            stem = os.path.splitext(os.path.basename(rel))[0]
            self.assertIn("ex." + stem, [c["id"] for c in cases])
        options = {c["options"] for c in cases}
        self.assertIn("kernel=simt", options)
        self.assertIn("kv-splits=1", options)

    def test_oracle_or_reference(self):
        cases = {c["id"]: c for c in configs.build_cases(SRC_ROOT)}
        self.assertEqual(cases["feat.two_attentions"]["check"], "reference")
        self.assertEqual(cases["feat.two_attentions"]["num_results"], 2)
        self.assertEqual(cases["feat.layer_gqa_bias_mask"]["check"], "oracle")
        self.assertEqual(cases["tc.bf16_decode_gqa_split"]["check"], "oracle")

    def test_parse_entries(self):
        text = """
        // func.func @commented(%a: tensor<1xf32>) -> tensor<1xf32> {
        func.func @f(%q: tensor<?x2x?x32xbf16>,
                     %k: tensor<?x1x?x32xbf16>) -> (tensor<?x2x?x32xbf16>, tensor<2xf32>) {
          %o = mha.attention %q, %k, %k {scale = 0.5 : f32} : tensor<?x2x?x32xbf16>
          return %o : tensor<?x2x?x32xbf16>
        }
        func.func @g(%x: tensor<4x8xf16>) -> tensor<4x8xf16> {
          return %x : tensor<4x8xf16>
        }
        """
        entries = configs.parse_entries(text)
        self.assertEqual([e["name"] for e in entries], ["f", "g"])
        self.assertEqual(entries[0]["args"], [([-1, 2, -1, 32], "bf16"), ([-1, 1, -1, 32], "bf16")])
        self.assertEqual(len(entries[0]["results"]), 2)
        self.assertEqual(entries[0]["ops"], ["mha.attention"])
        self.assertEqual(entries[1]["ops"], [])
        self.assertTrue(configs.has_oracle(entries[0]))
        self.assertFalse(configs.has_oracle(entries[1]))

    def test_dynamic_inputs(self):
        e = {"name": "m", "ops": ["mha.attention"],
             "args": [([-1, 2, -1, 32], "bf16"), ([-1, 1, -1, 32], "bf16"),
                      ([-1, 1, -1, 32], "bf16"), ([-1, 1, -1, -1], "i1")]}
        sizes = configs.DYNAMIC_SIZES
        self.assertEqual(configs.dynamic_dim_size(0, 2, e), sizes["sq"])
        self.assertEqual(configs.dynamic_dim_size(1, 2, e), sizes["skv"])
        self.assertEqual(configs.dynamic_dim_size(3, 2, e), sizes["sq"])
        self.assertEqual(configs.dynamic_dim_size(3, 3, e), sizes["skv"])
        self.assertEqual(configs.dynamic_dim_size(2, 0, e), sizes["b"])
        with self.assertRaises(ValueError):
            configs.dynamic_dim_size(0, 1, e)

    def test_mlir_text(self):
        text = configs.attention_mlir(configs.decode_shape(4096))
        self.assertIn("%q: tensor<8x32x1x128xbf16>, %k: tensor<8x8x4096x128xbf16>", text)
        self.assertNotIn("causal}", text)
        text = configs.attention_mlir(configs.prefill_shape(64, 512, True))
        self.assertIn("mha.attention %q, %k, %v {causal} : tensor<32x32x512x64xbf16>", text)
        entry = configs.parse_entries(text)[0]
        self.assertEqual(entry["args"][0], ([32, 32, 512, 64], "bf16"))

    def test_npy_round_trip(self):
        with tempfile.TemporaryDirectory() as d:
            for dtype, values, expect in (
                    ("f32", [0.5, -1.25, 3.0], [0.5, -1.25, 3.0]),
                    ("f16", [0.5, -1.25, 3.0], [0.5, -1.25, 3.0]),
                    ("bf16", [0.5, -1.25, 1.00390625], [0.5, -1.25, 1.0]),
                    ("i1", [True, False, True], [1.0, 0.0, 1.0])):
                path = os.path.join(d, dtype + ".npy")
                with open(path, "wb") as f:
                    f.write(configs.npy_bytes([1, 3], dtype, values))
                item = configs.DTYPE_BYTES[dtype]
                self.assertEqual((os.path.getsize(path) - 3 * item) % 64, 0)  # aligned header
                self.assertEqual(report.read_npy(path), (dtype, [1, 3], expect))

    def test_bundle_files(self):
        with tempfile.TemporaryDirectory() as d:
            jobs = configs.write_bundle(SRC_ROOT, d, quick=True, chip="sm_80")
            with open(os.path.join(d, "configs.json")) as f:
                manifest = json.load(f)
            ids = {c["id"] for c in manifest["cases"]}
            self.assertEqual(ids, configs.QUICK)
            libs = [j[0] for j in jobs]
            self.assertIn("feat.two_attentions.ref.so", libs)
            for lib, mlir, entry, pipeline, options, optional in jobs:
                self.assertTrue(os.path.exists(mlir), mlir)
                self.assertEqual(optional, "required")
                if pipeline == "gpu":
                    self.assertTrue(options.startswith("chip=sm_80"), options)
                else:
                    self.assertEqual(options, "-")
            dyn = next(c for c in manifest["cases"] if c["id"] == "tc.bf16_i1_mask_dynamic")
            self.assertEqual(len(dyn["inputs"]), 4)
            dtype, shape, _ = report.read_npy(os.path.join(d, dyn["inputs"][3].split("=")[1]))
            self.assertEqual((dtype, shape), ("i1", [2, 1, 37, 100]))


def write_run(raw, stem, rc, record=None, err=""):
    with open(os.path.join(raw, stem + ".rc"), "w") as f:
        f.write("%d\n" % rc)
    with open(os.path.join(raw, stem + ".json"), "w") as f:
        f.write(json.dumps(record) + "\n" if record is not None else "")
    with open(os.path.join(raw, stem + ".err"), "w") as f:
        f.write(err)


def verify_record(passed, max_abs):
    return {"entry": "main", "verify": {"passed": passed, "checks": [
        {"against": "oracle", "result": 0, "max_abs_error": max_abs, "max_rel_error": 0.01,
         "mismatches": 0 if passed else 7, "atol": 0.02, "rtol": 0.02, "passed": passed}]}}


class ReportTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.raw = self.dir.name
        shape = configs.prefill_shape(128, 4096, True)
        dshape = configs.decode_shape(4096)
        corr = {"group": "correctness", "quick": True, "num_results": 1, "options": "",
                "check": "oracle"}
        self.manifest = {"format": "mha-gpu-bench-bundle", "chip": "sm_90a", "quick": False,
                         "cases": [
            dict(corr, id="pass", description="p"),
            dict(corr, id="fail", description="f"),
            dict(corr, id="error", description="e"),
            dict(corr, id="timeout", description="t"),
            dict(corr, id="notbuilt", description="n"),
            dict(corr, id="ref", description="r", check="reference", num_results=1),
            dict(corr, id="refbad", description="rb", check="reference", num_results=1),
            configs.with_metrics({"id": "prefill", "group": "prefill", "quick": True,
                                  "description": "P", "shape": shape}),
            configs.with_metrics({"id": "decode", "group": "decode", "quick": True,
                                  "description": "D", "shape": dshape}),
            configs.with_metrics({"id": "skipped", "group": "prefill", "quick": True,
                                  "description": "S", "shape": shape}),
        ]}
        raw = self.raw
        write_run(raw, "pass", 0, verify_record(True, 1.5e-3))
        write_run(raw, "fail", 1, verify_record(False, 0.9))
        write_run(raw, "error", 2, None, "mha-aot-check: error: @main failed: CUDA error X\n")
        write_run(raw, "timeout", 124)
        with open(os.path.join(raw, "notbuilt.status"), "w") as f:
            f.write("not-built: notbuilt.so is not in the bundle\n")
        with open(os.path.join(raw, "skipped.status"), "w") as f:
            f.write("skipped: the time limit (450 s) was reached\n")
        # mha-aot-check --json reports the tolerance of each result.
        f32_result = {"dtype": "f32", "shape": [2], "atol": 1e-4, "rtol": 1e-4}
        for stem, values in (("ref", [1.0, 2.0]), ("refbad", [1.0, 2.5])):
            write_run(raw, stem, 0, {"entry": "main", "results": [f32_result]})
            write_run(raw, stem + ".ref", 0, {"entry": "main"})
            with open(os.path.join(raw, stem + ".out0.npy"), "wb") as f:
                f.write(configs.npy_bytes([2], "f32", values))
            with open(os.path.join(raw, stem + ".ref0.npy"), "wb") as f:
                f.write(configs.npy_bytes([2], "f32", [1.0, 2.0]))
        # Prefill: 2^38 FLOP in 1 ms -> 274.9 TFLOP/s; decode: 2^27 bytes in 0.1 ms.
        write_run(raw, "prefill", 0, {"bench": {"runs": 5, "median_seconds": 0.004,
                                                "kernel_median_seconds": 0.001,
                                                "flops": float(1 << 38)}})
        write_run(raw, "decode", 0, {"bench": {"runs": 5, "median_seconds": 0.01,
                                               "kernel_median_seconds": 0.0001}})
        self.torch = {"torch_version": "2.9", "cuda_version": "12.8", "cudnn_version": 91000,
                      "device_name": "NVIDIA H100", "backends": {
                          "flash": {"available": True},
                          "cudnn": {"available": False, "reason": "no cuDNN"}},
                      "results": {
                          "prefill": {"flash": {"status": "OK", "ms": 2.0, "gbps": 1.0},
                                      "cudnn": {"status": "UNAVAILABLE", "error": "no cuDNN"}},
                          "decode": {"flash": {"status": "ERROR", "error": "gqa: boom"}}}}

    def tearDown(self):
        self.dir.cleanup()

    def test_statuses(self):
        results = report.build_report(self.manifest, self.manifest["cases"], self.raw,
                                      self.torch, "GPU 0: NVIDIA H100\n", runs=5)
        status = {r["id"]: r["status"] for g in ("correctness", "prefill", "decode")
                  for r in results[g]}
        self.assertEqual(status, {"pass": "PASS", "fail": "FAIL", "error": "ERROR",
                                  "timeout": "TIMEOUT", "notbuilt": "NOT-BUILT",
                                  "ref": "PASS", "refbad": "FAIL", "prefill": "OK",
                                  "decode": "OK", "skipped": "SKIPPED"})
        corr = {r["id"]: r for r in results["correctness"]}
        self.assertEqual(corr["error"]["detail"],
                         "@main failed: CUDA error X")
        self.assertAlmostEqual(corr["refbad"]["check"]["max_abs_error"], 0.5)
        self.assertEqual(corr["refbad"]["check"]["mismatches"], 1)
        prefill = results["prefill"][0]
        # TFLOP/s from mha-aot-check's FLOP count, for mha and torch alike.
        self.assertEqual(prefill["flops"], float(1 << 38))
        self.assertAlmostEqual(prefill["tflops"], 274.877906944)
        self.assertAlmostEqual(prefill["torch_flash"]["tflops"], 137.438953472)
        self.assertAlmostEqual(prefill["ratio_vs_best_torch"], 2.0)
        self.assertNotIn("note", prefill)
        decode = results["decode"][0]
        self.assertAlmostEqual(decode["gbps"], (1 << 27) / 1e-4 / 1e9)
        self.assertNotIn("ratio_vs_best_torch", decode)

        md = report.render_markdown(results)
        self.assertIn("## Correctness (1 ERROR, 2 FAIL, 1 NOT-BUILT, 2 PASS, 1 TIMEOUT)", md)
        self.assertIn("| P | 274.9 (1.000 ms) | 137.4 (2.000 ms) | UNAVAILABLE: no cuDNN | 2.00 |",
                      md)
        self.assertIn("| D | 1342 (0.100 ms) | ERROR: gqa: boom | — | — |", md)
        self.assertIn("| S | SKIPPED: the time limit (450 s) was reached | — | — | — |", md)
        self.assertIn("- torch cudnn: no cuDNN", md)

    def test_no_flop_count(self):
        # Timed, but no FLOPs in the record: the times show, TFLOP/s do not.
        write_run(self.raw, "prefill", 0, {"bench": {"runs": 5, "median_seconds": 0.004,
                                                     "kernel_median_seconds": 0.001}})
        results = report.build_report(self.manifest, self.manifest["cases"], self.raw,
                                      self.torch, "", runs=5)
        prefill = results["prefill"][0]
        self.assertEqual(prefill["status"], "OK")
        self.assertNotIn("tflops", prefill)
        self.assertNotIn("tflops", prefill["torch_flash"])
        self.assertIn("| P | — (1.000 ms) | — (2.000 ms) | UNAVAILABLE: no cuDNN | — |",
                      report.render_markdown(results))
        case = next(c for c in self.manifest["cases"] if c["id"] == "prefill")
        self.assertEqual(report.status_line(case, self.raw),
                         "OK kernel 1.000 ms: mha-aot-check counted no FLOPs")

    def test_reference_tolerance_from_the_record(self):
        case = next(c for c in self.manifest["cases"] if c["id"] == "refbad")
        # 2.5 vs 2.0 is within the (loose) tolerance the record reports.
        write_run(self.raw, "refbad", 0, {"entry": "main", "results": [
            {"dtype": "f32", "shape": [2], "atol": 0.5, "rtol": 0.0}]})
        r = report.case_result(case, self.raw)
        self.assertEqual(r["status"], "PASS")
        self.assertEqual((r["check"]["atol"], r["check"]["rtol"]), (0.5, 0.0))
        # No tolerance in the record (an older mha-aot-check): an error.
        write_run(self.raw, "refbad", 0, {"entry": "main"})
        r = report.case_result(case, self.raw)
        self.assertEqual(r["status"], "ERROR")
        self.assertIn("no tolerance for result 0", r["detail"])

    def test_status_line_and_list(self):
        case = self.manifest["cases"][0]
        self.assertEqual(report.status_line(case, self.raw), "PASS max_abs_err=1.50e-03")
        with tempfile.TemporaryDirectory() as d:
            quick = configs.write_bundle(SRC_ROOT, d, quick=True, chip="sm_90a")
            self.assertTrue(quick)
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                report.main(["list", "--configs", os.path.join(d, "configs.json")])
            rows = [l.split("\t") for l in out.getvalue().splitlines()]
            self.assertTrue(all(len(r) == 9 and all(r) for r in rows))
            dyn = next(r for r in rows if r[0] == "tc.bf16_i1_mask_dynamic")
            self.assertEqual(dyn[5].count("="), 4)
            ref = next(r for r in rows if r[0] == "feat.two_attentions")
            self.assertEqual(ref[3:], ["reference", "1", "-", "2", "feat.two_attentions.ref.so",
                                       "required"])


class TorchScriptTest(unittest.TestCase):
    SCRIPT = os.path.join(HERE, "torch_sdpa.py")

    def test_help_without_torch(self):
        # -S: no site-packages, so no PyTorch.
        proc = subprocess.run([sys.executable, "-S", self.SCRIPT, "--help"],
                              capture_output=True, text=True)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("--runs", proc.stdout)

    @unittest.skipUnless(importlib.util.find_spec("torch"), "PyTorch is not installed")
    def test_cpu_run(self):
        with tempfile.TemporaryDirectory() as d:
            shape = {"b": 1, "h": 4, "hkv": 2, "sq": 64, "skv": 64, "d": 32,
                     "dtype": "bf16", "causal": True}
            case = configs.with_metrics({"id": "tiny", "group": "prefill", "quick": True,
                                         "description": "tiny", "shape": shape})
            with open(os.path.join(d, "configs.json"), "w") as f:
                json.dump({"format": "mha-gpu-bench-bundle", "cases": [case]}, f)
            out = os.path.join(d, "torch.json")
            proc = subprocess.run([sys.executable, self.SCRIPT, "--configs",
                                   os.path.join(d, "configs.json"), "--device", "cpu",
                                   "--runs", "2", "--warmup", "1", "--out", out],
                                  capture_output=True, text=True)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            with open(out) as f:
                results = json.load(f)["results"]["tiny"]
            self.assertEqual(set(results), {"flash", "cudnn"})
            for r in results.values():
                self.assertIn(r["status"], ("OK", "ERROR"))
                if r["status"] == "OK":
                    self.assertNotIn("tflops", r)  # report.py computes them
                    self.assertAlmostEqual(r["gbps"], case["kv_bytes"] / (r["ms"] * 1e-3) / 1e9)


if __name__ == "__main__":
    unittest.main()
