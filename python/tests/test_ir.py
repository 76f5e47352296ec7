"""The MLIR text builders."""

import pytest

import mha
from mha import ir


def test_public_names_are_the_builders():
    # dir() of the module shows what `from mha.ir import *` gives: no
    # helper imports (dataclass, math) leak into it.
    public = sorted(n for n in dir(ir) if not n.startswith("_"))
    assert public == sorted(ir.__all__)


def test_sdpa_text():
    text = ir.sdpa((1, 8, None, 64), (1, 2, -1, 64), (1, 2, None, 32),
                   dtype="f16", mask_shape=(1, 1, 1, None), mask_dtype="i1",
                   causal=True, scale=0.125, name="attn")
    assert "func.func @attn(%q: tensor<1x8x?x64xf16>" in text
    assert "%mask: tensor<1x1x1x?xi1>" in text
    assert "-> tensor<1x8x?x32xf16>" in text
    assert "mha.attention %q, %k, %v mask(%mask) {causal, " \
           "scale = 1.250000000e-01 : f32}" in text


def test_layer_text():
    text = ir.mha_layer((2, 16, 64), (64, 64), (64, 16), (64, 16), (64, 64),
                        num_heads=4, num_kv_heads=1, kv_shape=(2, 32, 64),
                        biases=True, mask_shape=(1, 1, 16, 32))
    assert "mha.multi_head_attention %x, %kv, %wq, %wk, %wv, %wo " \
           "bias(%bq, %bk, %bv, %bo) mask(%mask) " \
           "{num_heads = 4 : i64, num_kv_heads = 1 : i64}" in text
    assert "%bo: tensor<64xf32>" in text
    mha.compile(text, pipeline="reference")  # parses and verifies


def test_self_attention_uses_one_input():
    text = str(ir.MHALayer((1, 4, 8), (8, 8), (8, 8), (8, 8), (8, 8), 2))
    assert "%x, %x, %wq" in text and "%kv" not in text


def test_scale_literal_always_has_a_point():
    assert "." in ir.format_f32(1e-5) and "." in ir.format_f32(3)
    with pytest.raises(ValueError):
        ir.format_f32(float("inf"))


def test_invalid():
    with pytest.raises(ValueError, match="element type"):
        ir.tensor_type((1,), "f64")
    with pytest.raises(ValueError, match="dimension"):
        ir.tensor_type((1.5,), "f32")
    with pytest.raises(ValueError, match="rank 4"):
        ir.sdpa((1, 2, 3), (1, 2, 3), (1, 2, 3))
    with pytest.raises(ValueError, match="function name"):
        ir.sdpa((1, 1, 1, 1), (1, 1, 1, 1), (1, 1, 1, 1), name="bad name")
