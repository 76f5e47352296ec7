"""mha.multi_head_attention against the NumPy reference (and PyTorch's
nn.MultiheadAttention math when available)."""

import numpy as np
import pytest

import mha
from mha import reference

from conftest import DTYPES, assert_close, random


def weights(rng, e, h, hkv, d, dv, dtype="f32", biases=False):
    s = 1 / np.sqrt(e)
    w = [random(rng, (e, h * d), dtype, s), random(rng, (e, hkv * d), dtype, s),
         random(rng, (e, hkv * dv), dtype, s), random(rng, (h * dv, e), dtype, s)]
    b = None
    if biases:
        b = tuple(random(rng, (n,), dtype, 0.1)
                  for n in (h * d, hkv * d, hkv * dv, e))
    return w, b


@pytest.mark.parametrize("h,hkv", [(4, 4), (4, 2), (4, 1)])
@pytest.mark.parametrize("biases", [False, True])
@pytest.mark.parametrize("causal", [False, True])
def test_self_attention(rng, h, hkv, biases, causal):
    e, d = 32, 8
    x = random(rng, (2, 10, e))
    w, b = weights(rng, e, h, hkv, d, d, biases=biases)
    y = mha.multi_head_attention(x, *w, num_heads=h, num_kv_heads=hkv,
                                 biases=b, causal=causal)
    assert y.shape == x.shape
    assert_close(y, reference.multi_head_attention(
        x, *w, num_heads=h, num_kv_heads=hkv, biases=b, causal=causal))


@pytest.mark.parametrize("causal", [False, True])
def test_cross_attention_with_mask(rng, causal):
    e, h, hkv, d, dv = 24, 6, 2, 4, 8
    x = random(rng, (2, 5, e))
    kv = random(rng, (2, 13, e))
    w, b = weights(rng, e, h, hkv, d, dv, biases=True)
    mask = rng.uniform(size=(2, 1, 5, 13)) < 0.8
    y = mha.multi_head_attention(x, *w, num_heads=h, num_kv_heads=hkv, kv=kv,
                                 biases=b, mask=mask, causal=causal)
    assert_close(y, reference.multi_head_attention(
        x, *w, num_heads=h, num_kv_heads=hkv, kv=kv, biases=b, mask=mask,
        causal=causal))


def test_float_mask_and_scale(rng):
    e, h, d = 16, 2, 8
    x = random(rng, (1, 9, e))
    w, _ = weights(rng, e, h, h, d, d)
    mask = rng.normal(size=(9, 9)).astype(np.float32)
    y = mha.multi_head_attention(x, *w, num_heads=h, mask=mask, scale=0.2)
    assert_close(y, reference.multi_head_attention(x, *w, num_heads=h,
                                                   mask=mask, scale=0.2))


@pytest.mark.parametrize("dtype", DTYPES)
def test_dtypes(rng, dtype):
    e, h, hkv, d = 32, 4, 2, 8
    x = random(rng, (1, 12, e), dtype)
    w, b = weights(rng, e, h, hkv, d, d, dtype, biases=True)
    y = mha.multi_head_attention(x, *w, num_heads=h, num_kv_heads=hkv, biases=b,
                                 causal=True)
    assert y.dtype == x.dtype
    expected = reference.multi_head_attention(x, *w, num_heads=h,
                                              num_kv_heads=hkv, biases=b,
                                              causal=True)
    # Projections are rounded to the input type between the matmuls.
    assert_close(y, expected, dtype, *(2e-2, 2e-2) if dtype == "bf16" else
                 (5e-3, 5e-3) if dtype == "f16" else (None, None))


def test_against_torch_multihead_attention(rng):
    torch = pytest.importorskip("torch")
    e, h = 32, 4
    layer = torch.nn.MultiheadAttention(e, h, batch_first=True).double()
    x = random(rng, (2, 7, e))
    with torch.no_grad():
        expected, _ = layer(*(torch.from_numpy(x.astype(np.float64)),) * 3,
                            need_weights=False)
    wq, wk, wv = (layer.in_proj_weight.detach().numpy().astype(np.float32)
                  .reshape(3, e, e))
    bq, bk, bv = layer.in_proj_bias.detach().numpy().astype(np.float32).reshape(3, e)
    wo = layer.out_proj.weight.detach().numpy().astype(np.float32)
    bo = layer.out_proj.bias.detach().numpy().astype(np.float32)
    # nn.Linear computes x @ W.T: our weights are [in, out].
    c = np.ascontiguousarray
    y = mha.multi_head_attention(x, c(wq.T), c(wk.T), c(wv.T), c(wo.T),
                                 num_heads=h, biases=(bq, bk, bv, bo))
    assert_close(y, expected.numpy())
