"""Clear TypeError / ValueError for bad inputs of attention and
multi_head_attention (checked before anything is compiled)."""

import numpy as np
import pytest

import mha


def qkv(b=1, h=4, hkv=2, sq=8, skv=8, d=16, dv=16, dtype=np.float32):
    return (np.zeros((b, h, sq, d), dtype), np.zeros((b, hkv, skv, d), dtype),
            np.zeros((b, hkv, skv, dv), dtype))


@pytest.fixture(autouse=True)
def nothing_compiled():
    before = mha.cache_info().misses
    yield
    assert mha.cache_info().misses == before


@pytest.mark.parametrize("pipeline", ["tpu", "", None, 0, "gpu0", "cuda",
                                      "GPU"])
def test_pipeline(pipeline):
    with pytest.raises(ValueError, match=r"unknown pipeline .*: expected "
                       r"'cpu', 'gpu' or 'reference'"):
        mha.attention(*qkv(), pipeline=pipeline)


def test_inputs_are_checked_before_compiling_for_the_gpu():
    q, k, v = qkv()
    with pytest.raises(TypeError, match="same dtype"):
        mha.attention(q, k.astype(np.float16), v, pipeline="gpu")
    with pytest.raises(ValueError, match="same head dim"):
        mha.attention(q, qkv(d=8)[1], v, pipeline="gpu")


def test_ranks():
    q, k, v = qkv()
    with pytest.raises(ValueError, match=r"q must have rank 4 \(\[B, H, S, D\]\)"):
        mha.attention(q[0], k, v)
    with pytest.raises(ValueError, match="v must have rank 4"):
        mha.attention(q, k, v[None])


@pytest.mark.parametrize("dtype", [np.float64, np.int32, np.bool_])
def test_bad_dtypes(dtype):
    q, k, v = qkv(dtype=dtype)
    with pytest.raises(TypeError, match="q has dtype"):
        mha.attention(q, k, v)


def test_mixed_dtypes():
    q, k, v = qkv()
    with pytest.raises(TypeError, match="same dtype"):
        mha.attention(q, k.astype(np.float16), v)


def test_not_arrays():
    q, k, v = qkv()
    with pytest.raises(TypeError, match="k must be an array: a numpy.ndarray"):
        mha.attention(q, k.tolist(), v)


@pytest.mark.parametrize("shapes,match", [
    (dict(hkv=3), "multiple of the key/value heads"),
])
def test_heads(shapes, match):
    q, k, v = qkv(h=4, **shapes)
    with pytest.raises(ValueError, match=match):
        mha.attention(q, k, v)


def test_shape_mismatches():
    q, k, v = qkv()
    with pytest.raises(ValueError, match="batch sizes differ"):
        mha.attention(q, *qkv(b=2)[1:])
    with pytest.raises(ValueError, match="must agree in"):
        mha.attention(q, k, qkv(skv=9)[2])
    with pytest.raises(ValueError, match="same head dim"):
        mha.attention(q, qkv(d=8)[1], v)


def test_masks():
    q, k, v = qkv(sq=8, skv=12)
    with pytest.raises(TypeError, match="mask has dtype int64"):
        mha.attention(q, k, v, mask=np.zeros((8, 12), np.int64))
    with pytest.raises(TypeError, match="mask has dtype float16"):
        mha.attention(q, k, v, mask=np.zeros((8, 12), np.float16))
    with pytest.raises(ValueError, match="not broadcastable"):
        mha.attention(q, k, v, mask=np.zeros((8, 8), bool))
    with pytest.raises(ValueError, match="not broadcastable"):
        mha.attention(q, k, v, mask=np.zeros((3, 1, 8, 12), bool))
    with pytest.raises(ValueError, match="rank <= 4"):
        mha.attention(q, k, v, mask=np.zeros((1, 1, 1, 8, 12), bool))
    with pytest.raises(TypeError,
                       match="mask must be an array: a numpy.ndarray"):
        mha.attention(q, k, v, mask=True)


def test_scalars():
    q, k, v = qkv()
    for bad in (0.0, -1.0, float("inf"), float("nan")):
        with pytest.raises(ValueError, match="scale must be finite and positive"):
            mha.attention(q, k, v, scale=bad)
    with pytest.raises(TypeError, match="scale must be a float"):
        mha.attention(q, k, v, scale="0.1")
    with pytest.raises(TypeError, match="causal must be a bool"):
        mha.attention(q, k, v, causal="yes")


def layer(e=16, h=4, hkv=4, d=4, dv=4, s=5, dtype=np.float32):
    z = lambda *s: np.zeros(s, dtype)  # noqa: E731
    return z(1, s, e), z(e, h * d), z(e, hkv * d), z(e, hkv * dv), z(h * dv, e)


def test_layer_errors():
    x, wq, wk, wv, wo = layer()
    with pytest.raises(ValueError, match="num_heads must be a positive int"):
        mha.multi_head_attention(x, wq, wk, wv, wo, num_heads=0)
    with pytest.raises(ValueError, match="multiple of num_kv_heads"):
        mha.multi_head_attention(x, wq, wk, wv, wo, num_heads=4, num_kv_heads=3)
    with pytest.raises(ValueError, match=r"wq \(16, 16\) must be \[E=16, H\*D\]"):
        mha.multi_head_attention(x, wq, wk, wv, wo, num_heads=3)
    with pytest.raises(ValueError, match="wk"):
        mha.multi_head_attention(x, wq, wk[:, :8].copy(), wv, wo, num_heads=4)
    with pytest.raises(ValueError, match="wo"):
        mha.multi_head_attention(x, wq, wk, wv, wo[:8].copy(), num_heads=4)
    with pytest.raises(ValueError, match="x must have rank 3"):
        mha.multi_head_attention(x[0], wq, wk, wv, wo, num_heads=4)
    with pytest.raises(ValueError, match="kv"):
        mha.multi_head_attention(x, wq, wk, wv, wo, num_heads=4,
                                 kv=np.zeros((1, 5, 8), np.float32))
    with pytest.raises(TypeError, match="biases must be a tuple"):
        mha.multi_head_attention(x, wq, wk, wv, wo, num_heads=4, biases=wq)
    with pytest.raises(ValueError, match="bo"):
        z = np.zeros(16, np.float32)
        mha.multi_head_attention(x, wq, wk, wv, wo, num_heads=4,
                                 biases=(z, z, z, z[:4].copy()))
    with pytest.raises(TypeError, match="same dtype"):
        mha.multi_head_attention(x, wq, wk, wv, wo.astype(np.float16), num_heads=4)
    with pytest.raises(ValueError, match="unknown pipeline 'tpu'"):
        mha.multi_head_attention(x, wq, wk, wv, wo, num_heads=4,
                                 pipeline="tpu")
    with pytest.raises(ValueError, match="not broadcastable"):
        mha.multi_head_attention(x, wq, wk, wv, wo, num_heads=4,
                                 mask=np.zeros((5, 6), bool))
