"""Threads: concurrent calls on mixed shapes are correct, the GIL is
released while compiled code runs, and mha.torch says clearly when PyTorch
is missing."""

import subprocess
import sys
import threading
import time

import numpy as np

import mha

from conftest import assert_close, random


def test_concurrent_mixed_shapes(rng):
    """8 threads, mixed shapes (several share a dynamic-shape function),
    each result checked against the NumPy reference."""
    shapes = [(1, 4, 2, 1, 40, 16), (2, 4, 4, 24, 24, 16), (1, 4, 2, 1, 77, 16),
              (1, 2, 2, 17, 33, 8), (2, 4, 4, 40, 40, 16), (1, 2, 2, 3, 9, 8)]
    cases = []
    for i in range(32):
        b, h, hkv, sq, skv, d = shapes[i % len(shapes)]
        q = random(rng, (b, h, sq, d))
        k = random(rng, (b, hkv, skv, d))
        v = random(rng, (b, hkv, skv, d))
        causal = bool(i % 2)
        cases.append((q, k, v, causal,
                      mha.reference.attention(q, k, v, causal=causal)))
    errors = []

    def work(tid):
        try:
            for j in range(tid, len(cases), 8):
                q, k, v, causal, expect = cases[j]
                assert_close(mha.attention(q, k, v, causal=causal), expect)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def test_gil_released_while_running(rng):
    """A pure-Python counter thread runs in the middle of a long call: with
    the GIL held there, no Python thread could run at all (the call's own
    Python work is at its ends). A few tries, as a loaded machine may not
    schedule the counter within one call."""
    q = random(rng, (1, 8, 1024, 64))
    mha.attention(q, q, q, options="threads=1")  # compile first

    def middle_ticks():
        ticks = []
        running = threading.Event()
        stop = threading.Event()

        def count():
            running.set()
            while not stop.is_set():
                ticks.append(time.perf_counter())

        t = threading.Thread(target=count)
        t.start()
        running.wait()
        begin = time.perf_counter()
        mha.attention(q, q, q, options="threads=1")
        end = time.perf_counter()
        stop.set()
        t.join()
        quarter = (end - begin) / 4
        return sum(begin + quarter < x < end - quarter for x in ticks)

    old = sys.getswitchinterval()
    sys.setswitchinterval(0.0005)
    try:
        assert any(middle_ticks() for _ in range(5)), \
            "no Python progress in the middle of any call"
    finally:
        sys.setswitchinterval(old)


def test_mha_torch_without_torch():
    """With torch hidden, mha works and mha.torch raises a clear
    ImportError."""
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "import numpy as np, mha\n"
        "q = np.ones((1, 1, 2, 4), np.float32)\n"
        "assert mha.attention(q, q, q).shape == (1, 1, 2, 4)\n"
        "try:\n"
        "    import mha.torch\n"
        "except ImportError as e:\n"
        "    assert 'mha.torch needs PyTorch' in str(e), e\n"
        "    print('clear')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "clear"
