"""`python -m mha.bench --skip`: which systems a --skip names (no benchmark
is run)."""

import pytest

from mha import bench


@pytest.mark.parametrize("text,expected", [
    ("", set()),
    (" , ", set()),
    ("torch", {"PyTorch SDPA"}),
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
    with pytest.raises(ValueError, match="in --skip: expected torch, iree, "
                       "numpy, reference, 'mha cpu', 'mha reference', "
                       "'PyTorch SDPA', 'IREE attention op', 'IREE linalg', "
                       "'NumPy naive'"):
        bench.parse_skip(text)


def test_main_rejects_unknown_names_before_running(capsys):
    with pytest.raises(SystemExit) as info:
        bench.main(["--skip", "IREE attention op,tensorflow"])
    assert info.value.code == 2
    assert "unknown system 'tensorflow' in --skip" in capsys.readouterr().err


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
