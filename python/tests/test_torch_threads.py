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
    """A pure-Python counter thread keeps running during long calls: with
    the GIL held it could only run between calls."""
    q = random(rng, (1, 4, 512, 64))
    mha.attention(q, q, q, options="threads=1")  # compile first
    start = time.perf_counter()
    mha.attention(q, q, q, options="threads=1")
    one = time.perf_counter() - start

    ticks = []
    running = threading.Event()
    stop = threading.Event()

    def count():
        running.set()
        while not stop.is_set():
            ticks.append(time.perf_counter())

    sys.setswitchinterval(0.001)
    try:
        t = threading.Thread(target=count)
        t.start()
        running.wait()
        begin = time.perf_counter()
        mha.attention(q, q, q, options="threads=1")
        end = time.perf_counter()
        stop.set()
        t.join()
    finally:
        sys.setswitchinterval(0.005)
    during = [x for x in ticks if begin < x < end]
    # Progress throughout the call, not only at its ends.
    assert end - begin > 0.5 * one
    assert len(during) > 100, (len(during), end - begin)


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
