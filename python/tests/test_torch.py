"""mha.attention against torch.nn.functional.scaled_dot_product_attention
(skipped without PyTorch).

PyTorch's is_causal is top-left aligned (query i sees keys j <= i); mha's
causal is bottom-right aligned (j <= i + Skv - Sq). They agree only when
Sq == Skv; otherwise we hand PyTorch the explicit bottom-right mask.
"""

import numpy as np
import pytest

import mha

from conftest import assert_close, random

torch = pytest.importorskip("torch")
F = torch.nn.functional


def sdpa(q, k, v, **kw):
    """PyTorch SDPA in float64 (GQA by repeating K/V heads)."""
    t = lambda a: torch.from_numpy(np.asarray(a, dtype=np.float64))  # noqa
    q, k, v = t(q), t(k), t(v)
    group = q.shape[1] // k.shape[1]
    k = k.repeat_interleave(group, dim=1)
    v = v.repeat_interleave(group, dim=1)
    if "attn_mask" in kw and isinstance(kw["attn_mask"], np.ndarray):
        m = kw["attn_mask"]
        kw["attn_mask"] = torch.from_numpy(m if m.dtype == np.bool_
                                           else m.astype(np.float64))
    return F.scaled_dot_product_attention(q, k, v, **kw).numpy()


def make(rng, b, h, hkv, sq, skv, d, dv=None, dtype="f32"):
    return (random(rng, (b, h, sq, d), dtype), random(rng, (b, hkv, skv, d), dtype),
            random(rng, (b, hkv, skv, dv or d), dtype))


@pytest.mark.parametrize("shape", [(2, 4, 4, 32, 48, 16), (1, 8, 2, 17, 17, 32),
                                   (1, 4, 1, 1, 100, 64), (1, 2, 2, 40, 40, 8, 24)],
                         ids=str)
def test_plain(rng, shape):
    q, k, v = make(rng, *shape)
    assert_close(mha.attention(q, k, v), sdpa(q, k, v))


@pytest.mark.parametrize("s", [1, 16, 65])
def test_causal_square(rng, s):
    q, k, v = make(rng, 1, 4, 2, s, s, 32)
    assert_close(mha.attention(q, k, v, causal=True), sdpa(q, k, v, is_causal=True))


@pytest.mark.parametrize("sq,skv", [(8, 40), (1, 33), (30, 31)])
def test_causal_rectangular_with_explicit_mask(rng, sq, skv):
    q, k, v = make(rng, 1, 4, 4, sq, skv, 16)
    i, j = np.arange(sq)[:, None], np.arange(skv)[None, :]
    bottom_right = j <= i + (skv - sq)
    assert_close(mha.attention(q, k, v, causal=True),
                 sdpa(q, k, v, attn_mask=bottom_right))
    # And PyTorch's top-left causal is an explicit mask for mha.
    top_left = j <= i
    assert_close(mha.attention(q, k, v, mask=top_left),
                 sdpa(q, k, v, is_causal=True))


@pytest.mark.parametrize("mask_shape", [(1, 1, 1, 24), (2, 1, 12, 24), (12, 24)],
                         ids=str)
def test_masks(rng, mask_shape):
    q, k, v = make(rng, 2, 4, 2, 12, 24, 16)
    keep = rng.uniform(size=mask_shape) < 0.7
    keep[..., 0] = True  # PyTorch gives NaN for fully masked rows
    assert_close(mha.attention(q, k, v, mask=keep), sdpa(q, k, v, attn_mask=keep))
    bias = rng.normal(size=mask_shape).astype(np.float32)
    assert_close(mha.attention(q, k, v, mask=bias), sdpa(q, k, v, attn_mask=bias))


def test_scale(rng):
    q, k, v = make(rng, 1, 2, 2, 16, 16, 32)
    assert_close(mha.attention(q, k, v, scale=0.3), sdpa(q, k, v, scale=0.3))


def test_float16(rng):
    q, k, v = make(rng, 1, 4, 2, 32, 32, 32, dtype="f16")
    assert_close(mha.attention(q, k, v, causal=True),
                 sdpa(q, k, v, is_causal=True), "f16")


def test_float32_kernel(rng):
    """PyTorch's own float32 CPU kernel agrees too."""
    q, k, v = make(rng, 1, 4, 4, 64, 64, 64)
    expected = F.scaled_dot_product_attention(
        torch.from_numpy(q), torch.from_numpy(k), torch.from_numpy(v),
        is_causal=True).numpy()
    assert_close(mha.attention(q, k, v, causal=True), expected, atol=1e-5, rtol=1e-4)
