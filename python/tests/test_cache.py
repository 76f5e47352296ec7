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
