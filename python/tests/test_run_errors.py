"""Errors of compiled code (its run-time shape checks and allocations)
raise ValueError and MemoryError, never crash the interpreter, and belong to
the thread whose call failed."""

import os
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

import mha

DYNAMIC = """
func.func @main(%q: tensor<?x4x?x8xf32>, %k: tensor<?x2x?x8xf32>,
                %v: tensor<?x2x?x8xf32>) -> tensor<?x4x?x8xf32> {
  %o = mha.attention %q, %k, %v
      : tensor<?x4x?x8xf32>, tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32>
      -> tensor<?x4x?x8xf32>
  return %o : tensor<?x4x?x8xf32>
}
"""


def inputs(kv_batch=2, skv=9, v_skv=None):
    rng = np.random.default_rng(0)
    q = rng.standard_normal((2, 4, 5, 8), dtype=np.float32)
    k = rng.standard_normal((kv_batch, 2, skv, 8), dtype=np.float32)
    v = rng.standard_normal((kv_batch, 2, v_skv or skv, 8), dtype=np.float32)
    return q, k, v


@pytest.fixture(scope="module", params=["reference", "cpu"])
def fn(request):
    return mha.compile(DYNAMIC, pipeline=request.param,
                       options="threads=2" if request.param == "cpu" else "")


def test_shape_mismatch_is_value_error(fn):
    with pytest.raises(ValueError, match=r"shape mismatch: dimension 0 "
                       r"\(batch size B\) of 'key' \(argument 1\) is 1, but "
                       r"'query' \(argument 0\) has 2"):
        fn(*inputs(kv_batch=1))
    with pytest.raises(ValueError, match=r"dimension 2 \(sequence length "
                       r"Skv\) of 'value' \(argument 2\) is 8, but 'key' "
                       r"\(argument 1\) has 9"):
        fn(*inputs(v_skv=8))
    assert fn(*inputs()).shape == (2, 4, 5, 8)


def test_threads_see_their_own_errors():
    """Good calls on some threads while others fail: each gets its own
    outcome (separate handles: one handle runs one call at a time)."""
    good_fn = mha.compile(DYNAMIC, options="threads=2")
    bad_fn = mha.compile(DYNAMIC, options="threads=2")
    expected = good_fn(*inputs())
    outcomes = {"good": [], "bad": []}

    def good():
        for _ in range(30):
            outcomes["good"].append(np.array_equal(good_fn(*inputs()),
                                                   expected))

    def bad():
        for _ in range(30):
            try:
                bad_fn(*inputs(kv_batch=1))
                outcomes["bad"].append("no error")
            except ValueError as e:
                outcomes["bad"].append("shape mismatch" in str(e))

    threads = [threading.Thread(target=good), threading.Thread(target=bad)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes["good"] == [True] * 30
    assert outcomes["bad"] == [True] * 30


def test_failed_allocation_is_memory_error():
    """A result beyond the allocation limit (MHA_RUNTIME_ALLOCATION_LIMIT,
    standing in for a machine without the memory) raises MemoryError, and
    the interpreter goes on."""
    script = textwrap.dedent("""
        import sys
        import numpy as np, mha
        fn = mha.compile(sys.argv[1], pipeline="cpu")
        q = np.ones((64, 4, 128, 8), np.float32)
        kv = np.ones((64, 2, 16, 8), np.float32)
        try:
            fn(q, kv, kv)
            print("no error")
        except MemoryError as e:
            print("MemoryError:", e)
        small = np.ones((1, 4, 4, 8), np.float32)
        print("after:", fn(small, small[:, :2], small[:, :2]).shape)
    """)
    env = dict(os.environ, MHA_RUNTIME_ALLOCATION_LIMIT="1000000")
    out = subprocess.run([sys.executable, "-c", script, DYNAMIC], env=env,
                         text=True,
                         capture_output=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert ("MemoryError: run failed: out of memory: compiled code could not "
            "allocate 1048640 bytes (allocation limit 1000000 bytes)"
            in out.stdout), out.stdout
    assert "after: (1, 4, 4, 8)" in out.stdout
