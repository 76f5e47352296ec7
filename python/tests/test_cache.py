"""The compiled-function cache of attention / multi_head_attention."""

import numpy as np
import pytest

import mha


@pytest.fixture(autouse=True)
def fresh_cache():
    mha.cache_clear()
    yield
    mha.set_cache_size(64)
    mha.cache_clear()


def z(*shape, dtype=np.float32):
    return np.zeros(shape, dtype)


def test_hits_and_misses():
    q = z(1, 2, 8, 16)
    assert mha.cache_info() == mha.CacheInfo(0, 0, 64, 0)
    mha.attention(q, q, q)
    mha.attention(q + 1, q, q)          # same signature, other values
    assert mha.cache_info() == mha.CacheInfo(1, 1, 64, 1)
    mha.attention(q, q, q, causal=True)  # attributes are part of the key
    mha.attention(q, q, q, scale=0.5)
    mha.attention(z(1, 2, 9, 16), q, q)  # so are shapes
    mha.attention(q.astype(np.float16), q.astype(np.float16), q.astype(np.float16))
    mha.attention(q, q, q, mask=z(8, 8, dtype=bool))
    mha.attention(q, q, q, mask=z(1, 1, 8, 8, dtype=bool))  # same as rank 2
    mha.attention(q, q, q, options="threads=1")
    info = mha.cache_info()
    assert (info.hits, info.misses, info.currsize) == (2, 7, 7)


def test_layer_is_cached():
    x = z(1, 4, 8)
    w = z(8, 8)
    for _ in range(3):
        mha.multi_head_attention(x, w, w, w, w, num_heads=2)
    mha.multi_head_attention(x, w, w, w, w, num_heads=4)
    info = mha.cache_info()
    assert (info.hits, info.misses) == (2, 2)


def test_lru_eviction_and_clear():
    mha.set_cache_size(2)
    shapes = [(1, 1, s, 8) for s in (3, 4, 5)]
    for s in shapes:
        mha.attention(z(*s), z(*s), z(*s))
    assert mha.cache_info().currsize == 2
    mha.attention(z(*shapes[0]), z(*shapes[0]), z(*shapes[0]))  # evicted
    assert mha.cache_info().misses == 4
    mha.attention(z(*shapes[2]), z(*shapes[2]), z(*shapes[2]))  # still there
    assert mha.cache_info().hits == 1
    mha.cache_clear()
    assert mha.cache_info() == mha.CacheInfo(0, 0, 2, 0)
    with pytest.raises(ValueError):
        mha.set_cache_size(0)


def test_repeated_calls_skip_the_checks_but_not_their_errors(rng):
    """A call like an earlier one takes the fast path (cheap properties as
    the key): it still counts as a hit, still computes the right values,
    still raises for flags of the wrong type, and follows cache_clear and
    evictions; inputs that need a conversion take the full path."""
    q = rng.standard_normal((1, 2, 3, 8)).astype(np.float32)
    k = rng.standard_normal((1, 2, 5, 8)).astype(np.float32)
    for i in range(3):
        np.testing.assert_allclose(
            mha.attention(q + i, k, k, causal=True),
            mha.reference.attention(q + i, k, k, causal=True),
            atol=1e-5, rtol=1e-5)
    assert mha.cache_info()[:2] == (2, 1)
    with pytest.raises(TypeError, match="causal must be a bool"):
        mha.attention(q, k, k, causal=1)
    with pytest.raises(TypeError, match="static_shapes must be a bool"):
        mha.attention(q, k, k, causal=True, static_shapes=0)
    strided = np.ascontiguousarray(k[:, :, ::-1])[:, :, ::-1]
    assert not strided.flags.c_contiguous
    np.testing.assert_allclose(mha.attention(q, strided, k, causal=True),
                               mha.attention(q, k, k, causal=True))
    mha.cache_clear()
    mha.attention(q, k, k, causal=True)
    assert mha.cache_info()[:2] == (0, 1)
    mha.set_cache_size(1)
    mha.attention(q, k, k)  # evicts the causal function
    mha.attention(q, k, k, causal=True)
    assert mha.cache_info()[:2] == (0, 3)
