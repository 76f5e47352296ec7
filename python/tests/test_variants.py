"""mha.attention's variants (window, softcap, ALiBi, sinks, lse) against the
float64 NumPy reference, and their argument errors."""

import numpy as np
import pytest

import mha
from mha import reference

from conftest import DTYPES, assert_close, random

# (B, H, Hkv, Sq, Skv, D, Dv): GQA, odd sizes, Sq != Skv both ways.
SHAPES = {
    "gqa": (1, 8, 2, 33, 33, 16, 16),
    "sq_lt_skv": (2, 4, 1, 13, 70, 24, 24),
    "sq_gt_skv": (1, 2, 2, 40, 17, 16, 8),
}


def make(rng, shape, dtype="f32"):
    b, h, hkv, sq, skv, d, dv = shape
    return (random(rng, (b, h, sq, d), dtype),
            random(rng, (b, hkv, skv, d), dtype),
            random(rng, (b, hkv, skv, dv), dtype))


@pytest.mark.parametrize("window", [(4, 0), (None, 3), (7, 2), (0, None)])
@pytest.mark.parametrize("name", sorted(SHAPES))
def test_window(rng, name, window):
    q, k, v = make(rng, SHAPES[name])
    o = mha.attention(q, k, v, window=window, options="q-tile=8 kv-tile=8")
    assert_close(o, reference.attention(q, k, v, window=window))


@pytest.mark.parametrize("dtype", DTYPES)
def test_all_variants_with_lse(rng, dtype):
    shape = SHAPES["sq_gt_skv"]
    q, k, v = make(rng, shape, dtype)
    h = shape[1]
    slopes = rng.uniform(0, 0.5, h).astype(np.float32)
    sinks = rng.uniform(-1, 1, h).astype(np.float32)
    kw = dict(causal=True, window=(5, None), softcap=2.0,
              alibi_slopes=slopes, sinks=sinks)
    o, lse = mha.attention(q, k, v, return_lse=True, **kw)
    ro, rlse = reference.attention(q, k, v, return_lse=True, **kw)
    assert o.dtype == q.dtype and lse.dtype == np.float32
    assert lse.shape == q.shape[:3]
    assert_close(o, ro, dtype)
    # Sq = 40 > Skv = 17 with causal: the first 23 rows see no key.
    assert np.all(o[:, :, :23].astype(np.float32) == 0)
    assert np.all(lse[:, :, :23] == -np.inf) and np.all(rlse[:, :, :23] == -np.inf)
    assert_close(lse[:, :, 23:], rlse[:, :, 23:])


def test_lse_combines_partial_attentions(rng):
    """Two halves of the keys, combined with their lse, give the whole."""
    q, k, v = make(rng, SHAPES["gqa"])
    o, lse = mha.attention(q, k, v, return_lse=True)
    parts = [mha.attention(q, np.ascontiguousarray(k[:, :, s]),
                           np.ascontiguousarray(v[:, :, s]), return_lse=True)
             for s in (slice(0, 20), slice(20, None))]
    m = np.maximum(parts[0][1], parts[1][1])
    w = [np.exp(p[1] - m)[..., None] for p in parts]
    combined = (parts[0][0] * w[0] + parts[1][0] * w[1]) / (w[0] + w[1])
    assert_close(combined, o)
    assert_close(np.log(sum(np.exp(p[1] - m) for p in parts)) + m, lse)


def test_softcap_and_alibi(rng):
    q, k, v = make(rng, SHAPES["sq_lt_skv"])
    slopes = np.array([0.5, 0.25, 0.125, 0.0625], np.float32)
    o = mha.attention(q * 8, k, v, softcap=0.5, alibi_slopes=slopes)
    assert_close(o, reference.attention(q * 8, k, v, softcap=0.5,
                                        alibi_slopes=slopes))


@pytest.mark.parametrize("kwargs,error,match", [
    (dict(window=(3,)), TypeError, "window must be"),
    (dict(window=(-2, 0)), ValueError, "window left bound"),
    (dict(softcap=0.0), ValueError, "softcap must be finite and positive"),
    (dict(softcap="1"), TypeError, "softcap must be a float"),
    (dict(alibi_slopes=np.ones(3)), ValueError, r"alibi_slopes must have shape \(4,\)"),
    (dict(sinks=np.ones((4, 1))), ValueError, r"sinks must have shape \(4,\)"),
    (dict(return_lse=1), TypeError, "return_lse must be a bool"),
])
def test_errors(rng, kwargs, error, match):
    q, k, v = make(rng, (1, 4, 2, 8, 8, 16, 16))
    with pytest.raises(error, match=match):
        mha.attention(q, k, v, **kwargs)


def test_ir_builder_emits_variants():
    text = mha.ir.SDPA((1, 4, 8, 16), (1, 2, 8, 16), (1, 2, 8, 16),
                       window=(3, 0), softcap=30.0, alibi=True, sinks=True,
                       return_lse=True).to_mlir()
    assert ("mha.attention %q, %k, %v alibi(%alibi : tensor<4xf32>) "
            "sinks(%sinks : tensor<4xf32>)") in text
    assert "window = [3, 0], softcap = 3.000000000e+01 : f32" in text
    assert "-> (tensor<1x4x8x16xf32>, tensor<1x4x8xf32>)" in text
