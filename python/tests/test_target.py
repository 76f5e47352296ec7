"""target_cpu / target_features: code for another x86-64 CPU level.

The package must work on machines without AVX-512 (or AVX2). Generating
code for an older CPU on this host runs the code paths those machines take
(4 f32 lanes and software float conversions on SSE2, 8 lanes and F16C on
AVX2): every dtype is checked against the float64 NumPy reference with the
dtype tolerances of conftest. Targets the host cannot run, and unknown CPUs
or features, raise CompileError naming them.
"""

import platform

import numpy as np
import pytest

import mha
from mha import reference

from conftest import DTYPES, assert_close, random

pytestmark = pytest.mark.skipif(
    platform.machine().lower() not in ("x86_64", "amd64"),
    reason="x86-64 CPU names (the host is not x86-64)")

#: x86-64 levels every x86-64 host with AVX2 runs: SSE2 and AVX2.
CPUS = ["x86-64", "x86-64-v3"]


def _host_flags():
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


HOST_FLAGS = _host_flags()
requires_avx2 = pytest.mark.skipif(
    "avx2" not in HOST_FLAGS or "fma" not in HOST_FLAGS,
    reason="x86-64-v3 code needs a host with AVX2 and FMA")


def cpu_param(cpu):
    marks = [requires_avx2] if cpu == "x86-64-v3" else []
    return pytest.param(cpu, marks=marks, id=cpu)


CPU_PARAMS = [cpu_param(c) for c in CPUS]

# case -> (B, H, Hkv, Sq, Skv, D, Dv), causal, bool mask shape or None
CASES = {
    "causal": ((2, 4, 4, 24, 40, 32, 32), True, None),
    "mask": ((2, 4, 4, 24, 40, 32, 32), False, (2, 1, 24, 40)),
    "gqa": ((1, 8, 2, 33, 33, 64, 64), True, None),
}


def make(rng, shape, dtype):
    b, h, hkv, sq, skv, d, dv = shape
    return (random(rng, (b, h, sq, d), dtype),
            random(rng, (b, hkv, skv, d), dtype),
            random(rng, (b, hkv, skv, dv), dtype))


@pytest.fixture(scope="module", autouse=True)
def fresh_cache():
    mha.cache_clear()
    yield
    mha.cache_clear()


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("cpu", CPU_PARAMS)
def test_attention(rng, cpu, dtype, case):
    shape, causal, mask_shape = CASES[case]
    q, k, v = make(rng, shape, dtype)
    mask = None
    if mask_shape is not None:
        mask = rng.uniform(size=mask_shape) < 0.7
        mask[0, 0, 5] = False  # a query that sees no key: zeros
    o = mha.attention(q, k, v, mask=mask, causal=causal, target_cpu=cpu)
    assert o.shape == q.shape[:3] + (v.shape[3],) and o.dtype == q.dtype
    assert_close(o, reference.attention(q, k, v, mask=mask, causal=causal),
                 dtype)
    if mask is not None:
        assert np.all(o[0, :, 5] == 0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("cpu", CPU_PARAMS)
def test_layer(rng, cpu, dtype):
    e, h, hkv, d = 32, 4, 2, 8
    x = random(rng, (2, 10, e), dtype)
    s = 1 / np.sqrt(e)
    w = [random(rng, (e, h * d), dtype, s),
         random(rng, (e, hkv * d), dtype, s),
         random(rng, (e, hkv * d), dtype, s),
         random(rng, (h * d, e), dtype, s)]
    y = mha.multi_head_attention(x, *w, num_heads=h, num_kv_heads=hkv,
                                 causal=True, target_cpu=cpu)
    assert y.shape == x.shape and y.dtype == x.dtype
    assert_close(y, reference.multi_head_attention(
        x, *w, num_heads=h, num_kv_heads=hkv, causal=True), dtype)


@pytest.mark.parametrize("cpu", CPU_PARAMS)
def test_compile(rng, cpu):
    """mha.compile for a CPU level: dynamic dims, several calls."""
    f = mha.compile(mha.ir.sdpa((None, 4, None, 32), (None, 2, None, 32),
                                (None, 2, None, 32), causal=True),
                    target_cpu=cpu)
    assert f.target_cpu == cpu and f.target_features is None
    assert f"[cpu, {cpu}]" in repr(f)
    for b, sq, skv in [(1, 5, 9), (3, 17, 17), (2, 1, 40)]:
        q = random(rng, (b, 4, sq, 32))
        k, v = random(rng, (b, 2, skv, 32)), random(rng, (b, 2, skv, 32))
        assert_close(f(q, k, v), reference.attention(q, k, v, causal=True))


def test_compile_reference_pipeline_and_features(rng):
    """The target applies to every pipeline; features refine a CPU."""
    q = random(rng, (1, 4, 12, 16), "f16")
    k, v = (random(rng, (1, 2, 20, 16), "f16") for _ in range(2))
    expected = reference.attention(q, k, v, causal=True)
    text = mha.ir.sdpa(q.shape, k.shape, v.shape, dtype="f16", causal=True)
    for kw in (dict(pipeline="reference", target_cpu="x86-64"),
               dict(target_cpu="x86-64", target_features="+sse4.1,+ssse3"),
               dict(target_cpu="host"), dict(target_features="-avx512f")):
        assert_close(mha.compile(text, **kw)(q, k, v), expected, "f16")


def test_target_is_part_of_the_cache_key():
    mha.cache_clear()
    q = np.zeros((1, 2, 8, 16), np.float32)
    mha.attention(q, q, q)
    mha.attention(q, q, q, target_cpu="x86-64")
    mha.attention(q, q, q, target_cpu="x86-64", target_features="+ssse3")
    assert mha.cache_info().misses == 3
    # None and "" are the host; the same target hits.
    mha.attention(q, q, q, target_cpu="", target_features="")
    mha.attention(q, q, q, target_cpu="x86-64")
    mha.attention(q, q, q, target_cpu="x86-64", target_features="+ssse3")
    info = mha.cache_info()
    assert (info.hits, info.misses, info.currsize) == (3, 3, 3)
    x = np.zeros((1, 4, 8), np.float32)
    w = np.zeros((8, 8), np.float32)
    mha.multi_head_attention(x, w, w, w, w, num_heads=2)
    mha.multi_head_attention(x, w, w, w, w, num_heads=2, target_cpu="x86-64")
    mha.multi_head_attention(x, w, w, w, w, num_heads=2, target_cpu="x86-64")
    info = mha.cache_info()
    assert (info.hits, info.misses) == (4, 5)


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------

SMALL = mha.ir.sdpa((1, 2, 8, 16), (1, 1, 8, 16), (1, 1, 8, 16))


def test_unknown_cpu():
    with pytest.raises(mha.CompileError,
                       match="unknown target CPU 'pentium9'"):
        mha.compile(SMALL, target_cpu="pentium9")
    q = np.zeros((1, 2, 8, 16), np.float32)
    with pytest.raises(mha.CompileError, match="pentium9"):
        mha.attention(q, q, q, target_cpu="pentium9")


def test_unknown_feature():
    with pytest.raises(mha.CompileError,
                       match="unknown target feature 'nosuchfeature'"):
        mha.compile(SMALL, target_features="+nosuchfeature")
    x = np.zeros((1, 4, 8), np.float32)
    w = np.zeros((8, 8), np.float32)
    with pytest.raises(mha.CompileError, match="nosuchfeature"):
        mha.multi_head_attention(x, w, w, w, w, num_heads=2,
                                 target_features="+nosuchfeature")


def test_cpu_the_host_cannot_run():
    # Each of these has a feature the other vendor's CPUs lack: SSE4a
    # (AMD only) and AMX (Intel only).
    cpu, feature = ("sapphirerapids", "amx") if "sse4a" in HOST_FLAGS \
        else ("znver4", "sse4a")
    with pytest.raises(mha.CompileError,
                       match=f"target CPU {cpu} cannot run on this host.*"
                       f"lacks.*{feature}"):
        mha.compile(SMALL, target_cpu=cpu)


def test_failed_compiles_are_not_cached():
    mha.cache_clear()
    q = np.zeros((1, 2, 8, 16), np.float32)
    for _ in range(2):
        with pytest.raises(mha.CompileError):
            mha.attention(q, q, q, target_cpu="pentium9")
    info = mha.cache_info()
    assert (info.misses, info.currsize) == (2, 0)


@pytest.mark.parametrize("kw", [dict(target_cpu=3),
                                dict(target_features=["+avx2"]),
                                dict(target_cpu=b"x86-64")], ids=str)
def test_target_types(kw):
    q = np.zeros((1, 2, 8, 16), np.float32)
    before = mha.cache_info().misses
    with pytest.raises(TypeError, match="must be a string or None"):
        mha.attention(q, q, q, **kw)
    assert mha.cache_info().misses == before  # checked before compiling
    with pytest.raises(TypeError, match="must be a string or None"):
        mha.compile(SMALL, **kw)
