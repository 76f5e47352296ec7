"""mha.attention against the float64 NumPy reference: every op feature."""

import numpy as np
import pytest

import mha
from mha import reference

from conftest import DTYPES, assert_close, random

# (B, H, Hkv, Sq, Skv, D, Dv)
SHAPES = {
    "mha": (2, 4, 4, 16, 16, 32, 32),
    "gqa": (1, 8, 2, 33, 33, 16, 16),
    "mqa": (2, 6, 1, 20, 20, 16, 16),
    "dv_ne_d": (1, 4, 2, 12, 24, 32, 8),
    "odd": (1, 3, 3, 67, 130, 24, 24),
    "decode": (1, 8, 2, 1, 77, 64, 64),
    "tiles": (1, 2, 1, 129, 200, 64, 64),
}


def make(rng, shape, dtype="f32"):
    b, h, hkv, sq, skv, d, dv = shape
    return (random(rng, (b, h, sq, d), dtype), random(rng, (b, hkv, skv, d), dtype),
            random(rng, (b, hkv, skv, dv), dtype))


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("name", sorted(SHAPES))
def test_shapes(rng, name, causal):
    q, k, v = make(rng, SHAPES[name])
    o = mha.attention(q, k, v, causal=causal)
    assert o.shape == q.shape[:3] + (v.shape[3],) and o.dtype == np.float32
    assert_close(o, reference.attention(q, k, v, causal=causal))


@pytest.mark.parametrize("sq,skv", [(5, 19), (19, 5), (1, 64), (64, 63)])
def test_causal_bottom_right(rng, sq, skv):
    """Query i sees key j iff j <= i + Skv - Sq (FlashAttention >= 2.1)."""
    q, k, v = make(rng, (1, 2, 1, sq, skv, 16, 16))
    o = mha.attention(q, k, v, causal=True)
    assert_close(o, reference.attention(q, k, v, causal=True))
    # Same as an explicit bottom-right boolean mask.
    i, j = np.arange(sq)[:, None], np.arange(skv)[None, :]
    explicit = mha.attention(q, k, v, mask=(j <= i + (skv - sq)))
    assert_close(o, explicit, atol=1e-6, rtol=1e-6)
    if sq > skv:
        # The first Sq - Skv queries see no key: zeros, not NaN.
        assert np.all(o[:, :, : sq - skv] == 0)


MASK_SHAPES = [(1, 1, 1, 40), (2, 1, 24, 40), (1, 4, 24, 40), (2, 4, 24, 40),
               (1, 4, 1, 40), (24, 40), (40,)]


@pytest.mark.parametrize("mask_shape", MASK_SHAPES, ids=str)
@pytest.mark.parametrize("kind", ["bool", "float"])
def test_masks(rng, mask_shape, kind):
    q, k, v = make(rng, (2, 4, 2, 24, 40, 16, 16))
    if kind == "bool":
        mask = rng.uniform(size=mask_shape) < 0.7
    else:
        mask = rng.normal(size=mask_shape).astype(np.float32)
        mask[rng.uniform(size=mask_shape) < 0.2] = -np.inf
    o = mha.attention(q, k, v, mask=mask)
    assert_close(o, reference.attention(q, k, v, mask=mask))


@pytest.mark.parametrize("causal", [False, True])
def test_mask_and_causal(rng, causal):
    q, k, v = make(rng, (1, 4, 4, 16, 32, 16, 16))
    mask = rng.uniform(size=(1, 1, 16, 32)) < 0.5
    o = mha.attention(q, k, v, mask=mask, causal=causal)
    assert_close(o, reference.attention(q, k, v, mask=mask, causal=causal))


def test_broadcast_view_mask(rng):
    """numpy.broadcast_to views (stride 0) are accepted without copies."""
    q, k, v = make(rng, (2, 4, 4, 8, 24, 16, 16))
    row = rng.uniform(size=(24,)) < 0.6
    mask = np.broadcast_to(row, (2, 4, 8, 24))
    assert not mask.flags.c_contiguous
    o = mha.attention(q, k, v, mask=mask)
    assert_close(o, reference.attention(q, k, v, mask=row))


@pytest.mark.parametrize("kind", ["bool", "float"])
def test_fully_masked_rows_are_zero(rng, kind):
    q, k, v = make(rng, (1, 2, 2, 8, 16, 16, 16))
    keep = np.ones((1, 2, 8, 16), dtype=bool)
    keep[0, 0, 3] = False
    keep[0, 1, 0] = False
    keep[0, 1, 7] = False
    if kind == "bool":
        mask = keep
    else:
        mask = np.where(keep, 0.0, -np.inf).astype(np.float32)
    o = mha.attention(q, k, v, mask=mask)
    assert np.all(np.isfinite(o))
    assert np.all(o[0, 0, 3] == 0) and np.all(o[0, 1, 0] == 0) and \
        np.all(o[0, 1, 7] == 0)
    assert_close(o, reference.attention(q, k, v, mask=mask))


def test_scale(rng):
    q, k, v = make(rng, (1, 2, 2, 16, 16, 32, 32))
    for scale in (0.05, 1.0, 2.5):
        o = mha.attention(q, k, v, scale=scale)
        assert_close(o, reference.attention(q, k, v, scale=scale))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["gqa", "dv_ne_d", "odd"])
def test_dtypes(rng, dtype, name):
    q, k, v = make(rng, SHAPES[name], dtype)
    o = mha.attention(q, k, v, causal=True)
    assert o.dtype == q.dtype
    expected = reference.attention(q, k, v, causal=True)
    assert_close(o, expected, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_low_precision_masks(rng, dtype):
    q, k, v = make(rng, (1, 4, 2, 16, 24, 16, 16), dtype)
    bias = random(rng, (1, 1, 16, 24), dtype)
    assert_close(mha.attention(q, k, v, mask=bias),
                 reference.attention(q, k, v, mask=bias), dtype)
    keep = rng.uniform(size=(1, 4, 1, 24)) < 0.6
    assert_close(mha.attention(q, k, v, mask=keep),
                 reference.attention(q, k, v, mask=keep), dtype)


def test_inputs_are_not_modified(rng):
    q, k, v = make(rng, SHAPES["gqa"])
    copies = [a.copy() for a in (q, k, v)]
    mha.attention(q, k, v, causal=True)
    for a, c in zip((q, k, v), copies):
        np.testing.assert_array_equal(a, c)


def test_result_owns_its_memory(rng):
    q, k, v = make(rng, SHAPES["mha"])
    o = mha.attention(q, k, v)
    expected = o.copy()
    o2 = mha.attention(q, k, v)  # a second run must not overwrite the first
    np.testing.assert_array_equal(o, expected)
    o[...] = 0  # results are writable
    np.testing.assert_array_equal(o2, expected)


@pytest.mark.parametrize("options", ["threads=1", "q-tile=16 kv-tile=8",
                                     "q-tile=7 kv-tile=5 threads=2"])
def test_pipeline_options(rng, options):
    q, k, v = make(rng, SHAPES["odd"])
    o = mha.attention(q, k, v, causal=True, options=options)
    assert_close(o, reference.attention(q, k, v, causal=True))


def test_cpu_matches_reference_pipeline(rng):
    shape = SHAPES["gqa"]
    q, k, v = make(rng, shape)
    mask = rng.uniform(size=(1, 1, 33, 33)) < 0.8
    text = mha.ir.sdpa(q.shape, k.shape, v.shape, mask_shape=mask.shape,
                       mask_dtype="i1", causal=True)
    cpu = mha.compile(text, "cpu")(q, k, v, mask)
    ref = mha.compile(text, "reference")(q, k, v, mask)
    assert_close(cpu, ref, atol=1e-5, rtol=1e-4)
