"""Shared helpers of the mha Python tests.

Run from the repository root after building:
    PYTHONPATH=build/python_packages python3 -m pytest python/tests
or against an installed package (pip install ./python) without PYTHONPATH.
"""

import ctypes
import zlib

import numpy as np
import pytest

import mha
from mha import _dtypes

DTYPES = ["f32", "f16"] + (["bf16"] if _dtypes.bfloat16 is not None else [])


def random(rng, shape, dtype="f32", scale=1.0):
    """Uniform values in [-scale, scale) of an MLIR dtype name."""
    a = rng.uniform(-scale, scale, size=shape).astype(np.float32)
    return a.astype(_dtypes.to_numpy(dtype))


def assert_close(actual, expected, dtype="f32", atol=None, rtol=None):
    """Compares with the float64 NumPy reference, by default with the
    tolerances of mha-run --verify for ``dtype`` (one definition, in the
    C API)."""
    a, r = mha.default_tolerance(dtype)
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


def _cuda_devices():
    """(number of usable CUDA devices, compute capability of device 0, why
    none) asked of the driver directly: libcuda.so.1 missing, cuInit
    failing, or no device."""
    try:
        cuda = ctypes.CDLL("libcuda.so.1")
    except OSError as e:
        return 0, None, f"no NVIDIA driver (cannot load libcuda.so.1: {e})"
    if cuda.cuInit(0) != 0:
        return 0, None, "the NVIDIA driver cannot be initialised (cuInit " \
            "failed)"
    count = ctypes.c_int(0)
    if cuda.cuDeviceGetCount(ctypes.byref(count)) != 0 or count.value == 0:
        return 0, None, "no CUDA device (cuDeviceGetCount reports 0)"
    major, minor = ctypes.c_int(0), ctypes.c_int(0)
    cuda.cuDeviceGetAttribute(ctypes.byref(major), 75, 0)  # CC_MAJOR
    cuda.cuDeviceGetAttribute(ctypes.byref(minor), 76, 0)  # CC_MINOR
    return count.value, (major.value, minor.value), ""


CUDA_DEVICES, COMPUTE_CAPABILITY, NO_GPU_REASON = _cuda_devices()
HAVE_GPU = CUDA_DEVICES > 0
#: Whether libcuda.so.1 can be loaded at all (the no-GPU error differs).
DRIVER_LOADABLE = not NO_GPU_REASON.startswith("no NVIDIA driver")
#: gpu pipeline options for the device here: its chip (the pipeline's
#: default, sm_90a, only runs on sm_90 devices).
GPU_OPTIONS = "" if COMPUTE_CAPABILITY in (None, (9, 0)) else \
    "chip=sm_{}{}".format(*COMPUTE_CAPABILITY)

#: Tests that run compiled gpu code: skipped without an NVIDIA GPU + driver.
requires_gpu = pytest.mark.skipif(
    not HAVE_GPU, reason=f"needs an NVIDIA GPU and its driver: "
    f"{NO_GPU_REASON}")
#: Tests of the failure without a GPU: skipped where one is usable.
requires_no_gpu = pytest.mark.skipif(
    HAVE_GPU, reason="a CUDA device is usable here (tests the failure "
    "without one)")


@pytest.fixture
def rng(request):
    # A stable seed per test, independent of test order.
    seed = zlib.crc32(request.node.nodeid.encode())
    return np.random.default_rng(seed)
