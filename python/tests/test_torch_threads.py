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


def test_one_function_mixed_shapes_8_threads(rng):
    """8 threads call one dynamic-shape function on mixed B, Sq, Skv at once
    (calls are reentrant: each keeps its own results), each result checked
    against the NumPy reference."""
    fn = mha.compile(mha.ir.sdpa((None, 4, None, 16), (None, 2, None, 16),
                                 (None, 2, None, 16), causal=True),
                     options="threads=2")
    cases = []
    for i in range(48):
        b, sq, skv = 1 + i % 3, 1 + (7 * i) % 29, 30 + (11 * i) % 50
        q = random(rng, (b, 4, sq, 16))
        k = random(rng, (b, 2, skv, 16))
        v = random(rng, (b, 2, skv, 16))
        cases.append((q, k, v, mha.reference.attention(q, k, v, causal=True)))
    errors = []

    def work(tid):
        try:
            for j in range(tid, len(cases), 8):
                q, k, v, expect = cases[j]
                assert_close(fn(q, k, v), expect)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def test_calls_of_one_function_overlap(rng):
    """Two threads calling one compiled function are inside it at the same
    time: the function's in-flight count (kept by the C API around the
    compiled code) reaches 2. Serialised calls (a lock per function) never
    get there, however long they run; the threads repeat their calls until
    it is observed, so a loaded machine only makes this slower."""
    q = random(rng, (1, 4, 512, 64))
    fn = mha.compile(mha.ir.sdpa(q.shape, q.shape, q.shape),
                     options="threads=1")
    fn(q, q, q)
    stop = threading.Event()
    errors = []

    def work():
        try:
            while not stop.is_set():
                fn(q, q, q)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    peak, deadline = 0, time.monotonic() + 120
    try:
        while peak < 2 and time.monotonic() < deadline and not errors:
            peak = max(peak, fn.calls_in_flight)
            time.sleep(0.0005)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert not errors, errors
    assert peak == 2, "two calls of one function never ran at once"
    assert fn.calls_in_flight == 0


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
