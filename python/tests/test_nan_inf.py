"""NaN and infinities in the inputs: the pipelines, the NumPy reference and
PyTorch's softmax semantics agree (docs/dialect.md, "NaN and
infinities")."""

import numpy as np
import pytest

import mha


def inputs(seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((1, 2, 4, 8)).astype(np.float32)
            for _ in range(3)]


def nan_rows(o):
    """Per head, the rows with a NaN."""
    return [[r for r in range(o.shape[2]) if np.isnan(o[0, h, r]).any()]
            for h in range(o.shape[1])]


def run(pipeline, q, k, v, mask=None):
    if pipeline == "numpy":
        return mha.reference.attention(q, k, v, mask=mask)
    mask4 = None if mask is None else mask.reshape((1,) * (4 - mask.ndim) +
                                                   mask.shape)
    f = mha.compile(mha.ir.sdpa(
        q.shape, k.shape, v.shape,
        mask_shape=None if mask is None else mask4.shape,
        mask_dtype=None if mask is None else
        ("i1" if mask.dtype == np.bool_ else "f32")), pipeline=pipeline)
    return f(q, k, v) if mask is None else f(q, k, v, mask4)


PIPELINES = ["cpu", "reference", "numpy"]


@pytest.mark.parametrize("pipeline", PIPELINES)
def test_nan_in_q_gives_its_row(pipeline):
    q, k, v = inputs()
    q[0, 1, 2, 5] = np.nan
    assert nan_rows(run(pipeline, q, k, v)) == [[], [2]]


@pytest.mark.parametrize("pipeline", PIPELINES)
def test_nan_in_v_gives_its_column_in_every_row(pipeline):
    q, k, v = inputs()
    v[0, 0, 3, 6] = np.nan
    # Key 3 masked out of row 1: weight 0, and 0 * NaN is NaN.
    keep = np.ones((4, 4), bool)
    keep[1, 3] = False
    o = run(pipeline, q, k, v, keep)
    assert np.isnan(o[0, 0, :, 6]).all()
    assert not np.isnan(np.delete(o[0, 0], 6, axis=1)).any()
    assert not np.isnan(o[0, 1]).any()


@pytest.mark.parametrize("pipeline", PIPELINES)
def test_inf_in_k_gives_nan_rows(pipeline):
    q, k, v = inputs()
    k[0, 0, 1, 0] = np.inf
    # A row whose score with that key is +inf (q[..., 0] > 0) is NaN
    # (+inf - +inf in the softmax); one where it is -inf ignores the key.
    positive = [r for r in range(4) if q[0, 0, r, 0] > 0]
    assert 0 < len(positive) < 4
    assert nan_rows(run(pipeline, q, k, v)) == [positive, []]


@pytest.mark.parametrize("pipeline", PIPELINES)
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_or_inf_in_a_float_mask_gives_its_row(pipeline, bad):
    q, k, v = inputs()
    mask = np.zeros((4, 4), np.float32)
    mask[2, 1] = bad
    assert nan_rows(run(pipeline, q, k, v, mask)) == [[2], [2]]


@pytest.mark.parametrize("pipeline", PIPELINES)
def test_nan_under_a_bool_mask_is_not_read(pipeline):
    q, k, v = inputs()
    k[0, 0, 3, 0] = np.nan
    keep = np.ones((4, 4), bool)
    keep[1, 3] = False
    assert nan_rows(run(pipeline, q, k, v, keep)) == [[0, 2, 3], []]


@pytest.mark.parametrize("pipeline", PIPELINES)
def test_a_row_of_minus_inf_gives_zeros_not_nan(pipeline):
    q, k, v = inputs()
    mask = np.zeros((4, 4), np.float32)
    mask[1] = -np.inf
    o = run(pipeline, q, k, v, mask)
    assert (o[0, :, 1] == 0).all()
    assert not np.isnan(o).any()


def test_finite_values_match_the_reference():
    q, k, v = inputs()
    v[0, 0, 3, 6] = np.nan
    expected = mha.reference.attention(q, k, v)
    np.testing.assert_allclose(run("cpu", q, k, v), expected, rtol=1e-4,
                               atol=1e-5, equal_nan=True)
