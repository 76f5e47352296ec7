"""score_mod / mask_mod: Python functions traced into mha.attention's
regions, against the float64 NumPy reference (which runs the same functions
on index grids) and against the equivalent named variants; the tracing
errors."""

import numpy as np
import pytest

import mha
from mha import reference

from conftest import DTYPES, assert_close, random

REF = dict(pipeline="reference")


def make(rng, b=2, h=4, hkv=2, sq=9, skv=13, d=8, dv=8, dtype="f32"):
    return (random(rng, (b, h, sq, d), dtype), random(rng, (b, hkv, skv, d), dtype),
            random(rng, (b, hkv, skv, dv), dtype))


def softcap_mod(score, b, h, q_idx, kv_idx):
    return 0.5 * mha.tanh(score / 0.5)


@pytest.mark.parametrize("dtype", DTYPES)
def test_softcap_as_score_mod(rng, dtype):
    q, k, v = make(rng, dtype=dtype)
    o = mha.attention(q, k, v, score_mod=softcap_mod, **REF)
    named = mha.attention(q, k, v, softcap=0.5, **REF)
    assert_close(o, reference.attention(q, k, v, score_mod=softcap_mod), dtype)
    assert_close(o, named, dtype)
    # The modifier changes the result (the check above is not vacuous).
    assert not np.allclose(np.asarray(o, np.float32),
                           np.asarray(mha.attention(q, k, v, **REF), np.float32),
                           atol=1e-3)


def test_alibi_as_score_mod_with_captured_slopes(rng):
    q, k, v = make(rng, sq=7, skv=12)
    sq, skv = q.shape[2], k.shape[2]
    slopes = rng.uniform(0, 0.5, q.shape[1]).astype(np.float32)
    s = mha.captured(slopes)

    def alibi(score, b, h, q_idx, kv_idx):
        return score + s[h] * (kv_idx - (q_idx + (skv - sq)))

    o = mha.attention(q, k, v, causal=True, score_mod=alibi, **REF)
    assert_close(o, mha.attention(q, k, v, causal=True, alibi_slopes=slopes,
                                  **REF))
    assert_close(o, reference.attention(q, k, v, causal=True,
                                        alibi_slopes=slopes))
    assert_close(o, reference.attention(q, k, v, causal=True,
                                        score_mod=alibi))


@pytest.mark.parametrize("window", [(3, 0), (2, 4)])
def test_window_as_mask_mod(rng, window):
    q, k, v = make(rng, sq=6, skv=15)
    off = k.shape[2] - q.shape[2]
    left, right = window

    def in_window(b, h, q_idx, kv_idx):
        i = q_idx + off
        return (kv_idx >= i - left) & (kv_idx <= i + right)

    o, lse = mha.attention(q, k, v, mask_mod=in_window, return_lse=True,
                           **REF)
    no, nlse = mha.attention(q, k, v, window=window, return_lse=True, **REF)
    assert_close(o, no)
    assert_close(lse, nlse)
    ro, rlse = reference.attention(q, k, v, mask_mod=in_window,
                                   return_lse=True)
    assert_close(o, ro)
    assert_close(lse, rlse)


def test_document_mask_packed_batch(rng):
    """Three documents packed in one sequence: a mask_mod reading captured
    document ids equals the dense boolean mask."""
    lengths = [5, 3, 8]
    ids = np.repeat(np.arange(len(lengths)), lengths).astype(np.int32)
    s = int(ids.size)
    q, k, v = make(rng, b=1, sq=s, skv=s)
    doc = mha.captured(ids)

    def same_doc_causal(b, h, q_idx, kv_idx):
        return (doc[q_idx] == doc[kv_idx]) & (kv_idx <= q_idx)

    o = mha.attention(q, k, v, mask_mod=same_doc_causal, **REF)
    dense = (ids[:, None] == ids[None, :]) & np.tril(np.ones((s, s), bool))
    assert_close(o, mha.attention(q, k, v, mask=dense, **REF))
    assert_close(o, reference.attention(q, k, v, mask_mod=same_doc_causal))


def test_combined_with_named_variants_and_empty_rows(rng):
    """Everything at once, in the documented order; rows 0 and 3 see no key:
    zeros and lse = -inf."""
    q, k, v = make(rng, sq=5, skv=9)
    h = q.shape[1]
    slopes = rng.uniform(0, 0.3, h).astype(np.float32)
    sinks = rng.uniform(-1, 1, h).astype(np.float32)
    bias = mha.captured(rng.uniform(-1, 1, (h, 9)).astype(np.float32))

    def score_mod(score, b, h, q_idx, kv_idx):
        boosted = score * mha.exp((h + b) * 0.25) + bias[h, kv_idx]
        return mha.where(score < 0, boosted, abs(boosted))

    def mask_mod(b, h, q_idx, kv_idx):
        odd = (kv_idx % 2) == 1
        return ~((b == 1) & (h == 3) & odd) & (q_idx != 0) & (q_idx != 3)

    kw = dict(causal=True, window=(6, None), softcap=2.0, alibi_slopes=slopes,
              sinks=sinks, scale=0.5, score_mod=score_mod, mask_mod=mask_mod,
              return_lse=True)
    o, lse = mha.attention(q, k, v, **kw, **REF)
    ro, rlse = reference.attention(q, k, v, **kw)
    assert_close(o, ro)
    assert np.all(o[:, :, [0, 3]] == 0)
    assert np.all(lse[:, :, [0, 3]] == -np.inf)
    assert np.all(rlse[:, :, [0, 3]] == -np.inf)
    assert_close(lse[:, :, [1, 2, 4]], rlse[:, :, [1, 2, 4]])


def test_captured_bool_and_int_arithmetic(rng):
    q, k, v = make(rng, b=1, sq=8, skv=8)
    allowed = mha.captured(rng.uniform(size=8) < 0.7)

    def mask_mod(b, h, q_idx, kv_idx):
        return allowed[kv_idx] | (kv_idx == q_idx)

    def score_mod(score, b, h, q_idx, kv_idx):
        return score - (q_idx // 3) * 0.1 + (kv_idx - q_idx) / 4

    o = mha.attention(q, k, v, score_mod=score_mod, mask_mod=mask_mod, **REF)
    assert_close(o, reference.attention(q, k, v, score_mod=score_mod,
                                        mask_mod=mask_mod))


def test_compile_cache_keys_on_the_traced_text(rng):
    q, k, v = make(rng)
    mha.cache_clear()
    mha.attention(q, k, v, score_mod=softcap_mod, **REF)
    mha.attention(q, k, v, score_mod=lambda s, b, h, i, j: 0.5 * mha.tanh(
        s / 0.5), **REF)
    info = mha.cache_info()
    assert (info.misses, info.hits) == (1, 1)  # same text, another function
    mha.attention(q, k, v, score_mod=lambda s, b, h, i, j: s * 2.0, **REF)
    assert mha.cache_info().misses == 2
    # New contents of a captured array do not recompile, and are used.
    s = k.shape[2]
    outs = []
    for ids in (np.zeros(s, np.int32), np.arange(s, dtype=np.int32) % 3):
        doc = mha.captured(ids)
        outs.append(mha.attention(
            q, k, v, mask_mod=lambda b, h, i, j: doc[j] == 0, **REF))
        ref = reference.attention(q, k, v, mask=(ids == 0)[None, None, None])
        assert_close(outs[-1], ref)
    assert mha.cache_info().misses == 3
    assert not np.allclose(outs[0], outs[1])


def test_traced_text():
    doc = mha.captured(np.arange(4))
    traced = mha.modifiers.trace(
        softcap_mod, lambda b, h, i, j: doc[i] == doc[j])
    assert "math.tanh" in traced.score_mod
    assert "mha.yield" in traced.score_mod
    assert "tensor.extract %cap0" in traced.mask_mod
    assert traced.capture_types == ("tensor<?xf32>",)


def test_cpu_pipeline_matches_reference(rng):
    """The fused cpu pipeline (tile classification of the mask_mod) gives
    the reference pipeline's results."""
    q, k, v = make(rng, sq=40, skv=40)
    ids = np.repeat(np.arange(3), [11, 20, 9]).astype(np.int32)
    doc = mha.captured(ids)

    def same_doc(b, h, q_idx, kv_idx):
        return doc[q_idx] == doc[kv_idx]

    def prefix_lm(b, h, q_idx, kv_idx):
        return (kv_idx < 7) | (kv_idx <= q_idx)

    for mask_mod in (same_doc, prefix_lm):
        kw = dict(score_mod=softcap_mod, mask_mod=mask_mod)
        assert_close(mha.attention(q, k, v, options="q-tile=8 kv-tile=8",
                                   **kw),
                     mha.attention(q, k, v, **kw, **REF))


# --------------------------------------------------------------------------
# Tracing errors name the operation
# --------------------------------------------------------------------------

def run(rng, **kw):
    q, k, v = make(rng)
    return mha.attention(q, k, v, **kw, **REF)


def test_raw_numpy_array_indexed_by_symbol(rng):
    ids = np.arange(13)
    with pytest.raises(TypeError, match=r"mha\.captured"):
        run(rng, mask_mod=lambda b, h, i, j: ids[i] == ids[j])


@pytest.mark.parametrize("fn, what", [
    (lambda s, b, h, i, j: s if s > 0 else -s, "truth value"),
    (lambda s, b, h, i, j: s ** 2, r"'\*\*'"),
    (lambda s, b, h, i, j: np.tanh(s), r"numpy\.tanh"),
    (lambda s, b, h, i, j: s + np.ones(3), "NumPy array"),
    (lambda s, b, h, i, j: s < 0, "boolean"),
    (lambda s, b, h, i, j: float(s), r"float\(\)"),
    (lambda s, b, h, i, j: s << 1, "'<<'"),
    (lambda s, b, h, i, j: s // 2, "integer indices only"),
])
def test_unsupported_in_score_mod(rng, fn, what):
    with pytest.raises(TypeError, match=what):
        run(rng, score_mod=fn)


@pytest.mark.parametrize("fn, what", [
    (lambda b, h, i, j: i - j, "must return a boolean"),
    (lambda b, h, i, j: (i < j) and (j < 5), "truth value"),
    (lambda b, h, i, j: mha.where(i, True, False), "boolean condition"),
    (lambda b, h, i, j: (i < j) + 1, "boolean"),
])
def test_unsupported_in_mask_mod(rng, fn, what):
    with pytest.raises(TypeError, match=what):
        run(rng, mask_mod=fn)


def test_captured_errors(rng):
    short = mha.captured(np.arange(5))
    with pytest.raises(ValueError, match=r"indexed by kv_idx .* only 5"):
        run(rng, mask_mod=lambda b, h, i, j: short[j] == 0)
    two = mha.captured(np.zeros((4, 13)))
    with pytest.raises(IndexError, match="rank 2 needs 2 indices"):
        run(rng, mask_mod=lambda b, h, i, j: two[j] == 0)
    with pytest.raises(TypeError, match="unsupported dtype"):
        mha.captured(np.array(["a"]))
    with pytest.raises(ValueError, match="2\\*\\*24"):
        mha.captured(np.array([2 ** 30]))
    with pytest.raises(TypeError, match="must be a function"):
        run(rng, score_mod=3)
