"""`python -m mha.bench`: which systems a --skip names (no benchmark is
run), and the --peers comparison (ONNX Runtime, PyTorch) on a tiny shape."""

import os
import sys

import numpy as np
import pytest

from mha import _ort, bench


@pytest.mark.parametrize("text,expected", [
    ("", set()),
    (" , ", set()),
    ("torch", {"PyTorch SDPA"}),
    ("ort", {"ONNX Runtime MHA"}),
    ("onnx runtime MHA", {"ONNX Runtime MHA"}),
    ("iree", {"IREE attention op", "IREE linalg"}),
    ("numpy", {"NumPy naive"}),
    ("reference", {"mha reference"}),
    # The names the table prints, any case and spacing.
    ("PyTorch SDPA", {"PyTorch SDPA"}),
    ("IREE attention op", {"IREE attention op"}),
    ("iree LINALG", {"IREE linalg"}),
    ("  numpy   naive ", {"NumPy naive"}),
    ("mha cpu", {"mha cpu"}),
    ("Torch,IREE attention op", {"PyTorch SDPA", "IREE attention op"}),
    ("torch,iree,numpy,reference",
     {"PyTorch SDPA", "IREE attention op", "IREE linalg", "NumPy naive",
      "mha reference"}),
])
def test_parse_skip(text, expected):
    assert bench.parse_skip(text) == expected


def test_every_row_can_be_skipped_by_its_name():
    for system in bench.SYSTEMS:
        assert bench.parse_skip(system) == {system}
        assert bench.parse_skip(system.upper()) == {system}
    for systems in bench.SKIP_KEYS.values():
        assert set(systems) <= set(bench.SYSTEMS)


@pytest.mark.parametrize("text", ["pytorch", "IREE attention", "torch,tpu",
                                  "iree-linalg"])
def test_unknown_names_list_the_valid_ones(text):
    with pytest.raises(ValueError, match="in --skip: expected torch, ort, "
                       "iree, numpy, reference, 'mha cpu', 'mha reference', "
                       "'PyTorch SDPA', 'ONNX Runtime MHA', "
                       "'IREE attention op', 'IREE linalg', 'NumPy naive'"):
        bench.parse_skip(text)


def test_main_rejects_unknown_names_before_running(capsys):
    with pytest.raises(SystemExit) as info:
        bench.main(["--skip", "IREE attention op,tensorflow"])
    assert info.value.code == 2
    assert "unknown system 'tensorflow' in --skip" in capsys.readouterr().err


# --peers on tiny shapes: every row runs mha; ONNX Runtime and PyTorch when
# installed, otherwise the row says why not.
TINY = dict(dims=(16,), s=24, skv=40, decode_heads=(4, 2), rounds=1,
            budget=0.0, out=lambda *a, **k: None)


def _check_rows(rows):
    kinds = [(r["kind"], r["dtype"], r["causal"]) for r in rows]
    assert ("prefill", "f32", False) in kinds
    assert ("prefill", "f32", True) in kinds
    assert ("decode", "f32", False) in kinds
    for row in rows:
        mine = row["results"]["mha"]
        tol = 2e-2 if row["dtype"] == "bf16" else 1e-4
        assert mine["max_abs_diff"] < tol, row
        assert mine["gflops"] > 0
        peers = {n: r for n, r in row["results"].items() if n != "mha"}
        assert set(peers) == {"PyTorch SDPA", "ONNX Runtime"}
        for name, r in peers.items():
            if "error" not in r:
                assert r["max_abs_diff"] < tol, (name, row)
        timed = [r["gflops"] for r in peers.values() if "gflops" in r]
        if timed:
            assert row["ratio"] == pytest.approx(mine["gflops"] / max(timed))
        else:
            assert row["ratio"] is None


def test_ort_layout_round_trip():
    x = np.arange(2 * 3 * 5 * 4, dtype=np.float32).reshape(2, 3, 5, 4)
    bsd = _ort.to_bsd(x)
    assert bsd.shape == (2, 5, 12)
    assert bsd[1, 2, 4 * 2 + 3] == x[1, 2, 2, 3]
    np.testing.assert_array_equal(_ort.from_bsd(bsd, 3), x)


def test_peers_with_onnxruntime():
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    rows = bench.peer_rows(1, **TINY)
    _check_rows(rows)
    for row in rows:
        ort = row["results"]["ONNX Runtime"]
        if row["dtype"] == "f32":
            # MultiHeadAttention (causal = unidirectional) and
            # GroupQueryAttention on the shared-buffer KV cache.
            assert "error" not in ort, row
            assert "median_ms" in ort
    table = bench.peers_markdown(
        dict(cpu="x", threads=1, load_average={"start": (0,), "end": (0,)},
             versions={}, env={"OMP_WAIT_POLICY": "PASSIVE"}, command="c",
             date="d"), rows)
    assert "| GQA decode f32, H/Hkv=4/2, Skv=40, D=16 |" in table
    assert "mha / max(peers)" in table


def test_peers_without_onnxruntime(monkeypatch):
    # None in sys.modules makes `import onnxruntime` raise ImportError.
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    assert "onnxruntime is not installed" in _ort.available()
    rows = bench.peer_rows(1, **TINY)
    _check_rows(rows)
    for row in rows:
        assert "onnxruntime is not installed" in \
            row["results"]["ONNX Runtime"]["error"]


def test_dtypes_table_rows():
    """`--dtypes`: every variant of a tiny shape runs and is set against mha
    f32 of the same run; the vdpbf16ps row only where the host has
    AVX512-BF16."""
    pytest.importorskip("ml_dtypes")
    lines = []
    rows = bench.dtypes_table([16], [32], threads=1, runs=1, budget=0,
                              causal=True, out=lines.append)
    assert len(rows) == 1 and len(lines) == 1
    results = rows[0]["results"]
    assert {"mha f32", "mha f16", "mha bf16", "mha bf16 widened"} <= set(results)
    assert ("mha bf16 vdpbf16ps" in results) == bench.host_has_avx512bf16()
    assert results["mha f32"]["vs_mha_f32"] == 1.0
    for r in results.values():
        assert r["gflops"] > 0 and r["runs"] == 1


def test_no_module_level_name_is_defined_twice():
    # A second `def` of the same name silently replaces the first (two
    # branches once both added an `_interleaved` to bench.py, and
    # `--integration` called the wrong one).
    import ast
    import collections
    root = os.path.dirname(os.path.abspath(bench.__file__))
    for name in sorted(os.listdir(root)):
        if not name.endswith(".py"):
            continue
        with open(os.path.join(root, name)) as fh:
            tree = ast.parse(fh.read())
        defs = collections.Counter(
            node.name for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)))
        assert [n for n, c in defs.items() if c > 1] == [], name


def test_integration_figures():
    """`--integration` on small shapes: the decode loop compiles once and
    prints its per-step time (NumPy, torch) next to PyTorch's, and the
    tiny call's ratio for NumPy and torch inputs."""
    pytest.importorskip("torch")
    lines = []
    r = bench.integration(1, seconds=0.05, s=64, steps=4, out=lines.append)
    assert r["decode_compiles"] == 1
    for name in ("decode_step", "decode_step_torch_io", "decode_step_pytorch",
                 "tiny_numpy", "tiny_torch_io", "tiny_pytorch"):
        assert r[name] > 0, name
    assert r["tiny_after_pytorch"] >= 0
    assert r["tiny_ratio_numpy"] == r["tiny_numpy"] / r["tiny_pytorch"]
    assert any("1 compile(s)" in line and "per step" in line and
               "PyTorch SDPA" in line for line in lines)
    assert any("x NumPy" in line and "tiny call" in line and
               "right after each PyTorch call" in line for line in lines)
