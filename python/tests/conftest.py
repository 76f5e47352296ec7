"""Shared helpers of the mha Python tests.

Run from the repository root after building:
    PYTHONPATH=build/python_packages python3 -m pytest python/tests
or against an installed package (pip install ./python) without PYTHONPATH.
"""

import zlib

import numpy as np
import pytest

import mha
from mha import _dtypes

# (atol, rtol) against the float64 NumPy reference, by input dtype.
TOLERANCES = {"f32": (2e-5, 1e-4), "f16": (3e-3, 3e-3), "bf16": (2e-2, 2e-2)}

DTYPES = ["f32", "f16"] + (["bf16"] if _dtypes.bfloat16 is not None else [])


def random(rng, shape, dtype="f32", scale=1.0):
    """Uniform values in [-scale, scale) of an MLIR dtype name."""
    a = rng.uniform(-scale, scale, size=shape).astype(np.float32)
    return a.astype(_dtypes.to_numpy(dtype))


def assert_close(actual, expected, dtype="f32", atol=None, rtol=None):
    a, r = TOLERANCES[dtype]
    atol = a if atol is None else atol
    rtol = r if rtol is None else rtol
    actual = np.asarray(actual).astype(np.float64)
    expected = np.asarray(expected).astype(np.float64)
    assert actual.shape == expected.shape
    assert np.all(np.isfinite(actual)), "non-finite values in the result"
    err = np.abs(actual - expected)
    bad = err > atol + rtol * np.abs(expected)
    assert not bad.any(), (
        f"{bad.sum()} of {bad.size} elements differ; max abs err "
        f"{err.max():.3e} at {np.unravel_index(err.argmax(), err.shape)}")


@pytest.fixture
def rng(request):
    # A stable seed per test, independent of test order.
    seed = zlib.crc32(request.node.nodeid.encode())
    return np.random.default_rng(seed)
