"""Plain NumPy attention: the third independent check of the compiler (the
Python tests compare against it) and the 'NumPy naive' peer of the bench.

Same semantics as the mha ops: grouped-query heads, bottom-right causal
alignment, bool (keep) or float (additive) masks broadcast to [B, H, Sq,
Skv], fully masked rows give 0, NaN and +inf scores give NaN rows (as
PyTorch), low-precision inputs accumulate in a wider
type. ``accumulate`` picks the computation dtype (float64 for tests, float32
for the bench).
"""

import numpy as np

__all__ = ["attention", "multi_head_attention"]


def attention(q, k, v, mask=None, causal=False, scale=None,
              accumulate=np.float64, window=None, softcap=None,
              alibi_slopes=None, sinks=None, return_lse=False,
              score_mod=None, mask_mod=None):
    """Reference ``mha.attention``; returns ``accumulate``-typed values (and
    the lse ``[B, H, Sq]`` with ``return_lse``). ``window`` is (left,
    right), None or -1 for an unbounded side. ``score_mod`` / ``mask_mod``
    are the functions ``mha.attention`` traces, called here on NumPy index
    grids ``[B, H, Sq, Skv]`` (``mha.where`` / ``mha.tanh`` / ``mha.exp``
    and ``mha.captured`` arrays work on both)."""
    acc = np.dtype(accumulate)
    b, h, sq, d = q.shape
    hkv, skv = k.shape[1], k.shape[2]
    group = h // hkv
    scale = 1.0 / np.sqrt(d) if scale is None else float(np.float32(scale))
    qf = q.astype(acc).reshape(b, hkv, group, sq, d)
    kf = k.astype(acc)
    vf = v.astype(acc)
    # [B, Hkv, G, Sq, Skv]: one matmul per K/V head, no K/V copies.
    s = np.matmul(qf, kf[:, :, None].swapaxes(-1, -2)) * acc.type(scale)
    s = s.reshape(b, h, sq, skv)
    i = np.arange(sq)[:, None] + (skv - sq)  # i', bottom-right aligned
    j = np.arange(skv)[None, :]
    if softcap is not None:
        c = acc.type(np.float32(softcap))
        s = c * np.tanh(s / c)
    if alibi_slopes is not None:
        slopes = np.asarray(alibi_slopes).astype(acc).reshape(1, h, 1, 1)
        s = s + slopes * (j - i)
    if score_mod is not None or mask_mod is not None:
        from . import modifiers  # the NumPy side of the traced functions
        s, keep_mod = modifiers.evaluate(score_mod, mask_mod, s,
                                         (b, h, sq, skv))
        s = np.asarray(s, dtype=acc)
    keep = np.ones((1, 1, sq, skv), dtype=bool)
    if mask_mod is not None:
        keep = keep & keep_mod
    if causal:
        keep = keep & (j <= i)
    if window is not None:
        left, right = (-1 if w is None else w for w in window)
        if left >= 0:
            keep = keep & (j >= i - left)
        if right >= 0:
            keep = keep & (j <= i + right)
    if mask is not None:
        m = np.asarray(mask)
        m = m.reshape((1,) * (4 - m.ndim) + m.shape)
        if m.dtype == np.bool_:
            keep = keep & m
        else:
            s = s + m.astype(acc)
    s = np.where(keep, s, -np.inf)
    mx = s.max(axis=-1, keepdims=True)
    # Rows with no visible key are 0; NaN and +inf scores make their row NaN
    # (+inf - +inf), as in PyTorch's softmax (docs/dialect.md, "NaN and
    # infinities").
    visible = mx != -np.inf
    with np.errstate(invalid="ignore"):
        p = np.exp(s - np.where(visible, mx, 0))
        keysum = p.sum(axis=-1, keepdims=True)
        denom = keysum
        if sinks is not None:
            sk = np.asarray(sinks).astype(acc).reshape(1, h, 1, 1)
            denom = denom + np.exp(sk - np.where(visible, mx, 0))
        p = np.where(visible, p / np.where(visible, denom, 1), 0)
    o = np.matmul(p.reshape(b, hkv, group, sq, skv), vf[:, :, None])
    o = o.reshape(b, h, sq, v.shape[3])
    if not return_lse:
        return o
    with np.errstate(divide="ignore", invalid="ignore"):
        lse = np.where(visible, mx + np.log(keysum), -np.inf)
    return o, lse[..., 0]


def multi_head_attention(x, wq, wk, wv, wo, num_heads, num_kv_heads=None,
                         kv=None, biases=None, mask=None, causal=False,
                         scale=None, accumulate=np.float64):
    """Reference ``mha.multi_head_attention``; returns ``accumulate``."""
    acc = np.dtype(accumulate)
    kv = x if kv is None else kv
    h = num_heads
    hkv = num_kv_heads or h
    b, sq, e = x.shape
    skv = kv.shape[1]
    d = wq.shape[1] // h
    dv = wv.shape[1] // hkv
    f = lambda a: a.astype(acc)  # noqa: E731
    bq, bk, bv, bo = (None,) * 4 if biases is None else biases
    qp = f(x) @ f(wq) + (0 if bq is None else f(bq))
    kp = f(kv) @ f(wk) + (0 if bk is None else f(bk))
    vp = f(kv) @ f(wv) + (0 if bv is None else f(bv))
    qh = qp.reshape(b, sq, h, d).transpose(0, 2, 1, 3)
    kh = kp.reshape(b, skv, hkv, d).transpose(0, 2, 1, 3)
    vh = vp.reshape(b, skv, hkv, dv).transpose(0, 2, 1, 3)
    o = attention(qh, kh, vh, mask, causal, scale, acc)
    o = o.transpose(0, 2, 1, 3).reshape(b, sq, h * dv)
    return o @ f(wo) + (0 if bo is None else f(bo))
