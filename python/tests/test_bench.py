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
