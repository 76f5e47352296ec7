"""mha.default_tolerance, mha.attention_flops and Function.flops: the
conventions of mha-run and mha-aot-check, read from the C API."""

import numpy as np
import pytest

import mha


def test_default_tolerance():
    f32, f16, bf16 = (mha.default_tolerance(d) for d in ("f32", "f16", "bf16"))
    assert all(atol > 0 and rtol > 0 for atol, rtol in (f32, f16, bf16))
    # Lower precision, looser tolerance; i1 is exact.
    assert f32[0] < f16[0] < bf16[0]
    assert mha.default_tolerance("i1") == (0.0, 0.0)
    assert mha.default_tolerance(np.float16) == f16
    with pytest.raises(ValueError, match="unknown dtype"):
        mha.default_tolerance("f64")


def test_attention_flops():
    # B=4, H=16, S=4096, D=128: 4*B*H*S*S*D = 2^39, halved when causal.
    assert mha.attention_flops(4, 16, 4096, 4096, 128) == 2.0**39
    assert mha.attention_flops(4, 16, 4096, 4096, 128, causal=True) == 2.0**38
    # Dv != D: 2*B*H*Sq*Skv*(D+Dv); causal halves also when Sq != Skv.
    assert mha.attention_flops(1, 2, 100, 100, 64, dv=32) == 3840000
    assert mha.attention_flops(1, 1, 3, 5, 8, causal=True) == 240


def test_function_flops():
    f = mha.compile(mha.ir.sdpa((None, 2, None, 16), (None, 1, None, 16),
                                (None, 1, None, 8), causal=True))
    q = np.zeros((3, 2, 5, 16), np.float32)
    k = np.zeros((3, 1, 7, 16), np.float32)
    v = np.zeros((3, 1, 7, 8), np.float32)
    expected = mha.attention_flops(3, 2, 5, 7, 16, dv=8, causal=True)
    assert f.flops(q, k, v) == expected
    assert f.flops(q.shape, k.shape, v.shape) == expected
    with pytest.raises(ValueError, match="takes 3 arguments"):
        f.flops(q, k)
    with pytest.raises(ValueError, match="argument 1"):
        f.flops(q, (3, 2, 7, 16), v)
