"""Checks GPUChip's table of chips and minimum PTX versions against the
NVPTX back end of the LLVM it was built with: for every chip llc knows, the
minimum PTX version that llc reports must be the one mha-gpu-pipeline
requires, and mha-gpu-pipeline must know no chip that llc does not.

Usage: check-gpu-chips.py LLC MHA_OPT EMPTY.mlir
"""
import re
import subprocess
import sys

llc, mha_opt, empty = sys.argv[1:]


def llc_chips():
    proc = subprocess.run([llc, "-march=nvptx64", "-mcpu=help"],
                          capture_output=True, text=True)
    out = proc.stdout + proc.stderr
    return sorted(set(re.findall(r"^\s+(sm_\d+a?)\b", out, re.M)))


def llc_min_ptx(chip):
    """The PTX version llc requires for `chip` (3.2 when +ptx32 is fine)."""
    proc = subprocess.run(
        [llc, "-march=nvptx64", f"-mcpu={chip}", "-mattr=+ptx32", "-o",
         "/dev/null"], input="define void @f() {\n  ret void\n}\n",
        capture_output=True, text=True)
    m = re.search(r"Minimum required PTX version is (\d+)\.(\d+)",
                  proc.stderr)
    return f"{m.group(1)}.{m.group(2)}" if m else "3.2"


def mha_check(chip):
    proc = subprocess.run(
        [mha_opt, empty, f"--mha-gpu-pipeline=chip={chip} features=+ptx32",
         "--dump-pass-pipeline", "-o", "/dev/null"],
        capture_output=True, text=True)
    return proc.returncode, proc.stderr


failures = []
chips = llc_chips()
assert "sm_90a" in chips and "sm_80" in chips, chips
for chip in chips:
    want = llc_min_ptx(chip)
    rc, err = mha_check(chip)
    if want == "3.2":
        if rc != 0:
            failures.append(f"{chip}: llc accepts +ptx32, mha-opt says {err}")
    elif f"chip {chip} needs PTX {want} or later" not in err:
        failures.append(f"{chip}: llc needs PTX {want}, mha-opt says {err!r}")
# Every chip mha-gpu-pipeline lists is one llc knows.
_, err = mha_check("sm_99")
listed = re.search(r"\(it knows (.*)\)", err).group(1).split(", ")
failures += [f"{c}: listed by mha-opt, unknown to llc" for c in listed
             if c not in chips]
for f in failures:
    print(f)
print(f"checked {len(chips)} chips, {len(failures)} mismatches")
sys.exit(1 if failures else 0)
