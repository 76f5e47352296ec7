"""``mha.attention`` and ``mha.multi_head_attention`` on NumPy arrays:
build the MLIR for the shapes and dtypes, compile once per signature
(cached), run."""

from collections import OrderedDict, namedtuple
import math
import numbers
import threading

import numpy as np

from . import _dtypes, ir
from .compiler import _check_target
from .compiler import compile as _compile

__all__ = ["attention", "multi_head_attention", "cache_info", "cache_clear",
           "set_cache_size", "CacheInfo"]

CacheInfo = namedtuple("CacheInfo", "hits misses maxsize currsize")


class _FunctionCache:
    """An LRU of compiled functions keyed by signature + options."""

    def __init__(self, maxsize=64):
        self.maxsize = maxsize
        self.hits = self.misses = 0
        self.entries = OrderedDict()
        self.lock = threading.RLock()

    def get(self, key, build):
        with self.lock:
            fn = self.entries.get(key)
            if fn is not None:
                self.hits += 1
                self.entries.move_to_end(key)
                return fn
            self.misses += 1
            # Compiling under the lock: concurrent callers of one signature
            # compile it once.
            fn = build()
            self.entries[key] = fn
            while len(self.entries) > self.maxsize:
                self.entries.popitem(last=False)
            return fn

    def info(self):
        with self.lock:
            return CacheInfo(self.hits, self.misses, self.maxsize,
                             len(self.entries))

    def clear(self):
        with self.lock:
            self.entries.clear()
            self.hits = self.misses = 0


_cache = _FunctionCache()


def cache_info():
    """``CacheInfo(hits, misses, maxsize, currsize)`` of the compiled-function
    cache that ``attention`` and ``multi_head_attention`` share."""
    return _cache.info()


def cache_clear():
    """Drops every cached function and resets the counters."""
    _cache.clear()


def set_cache_size(maxsize):
    """Keeps at most ``maxsize`` compiled functions (least recently used
    first out)."""
    if not isinstance(maxsize, int) or maxsize < 1:
        raise ValueError(f"maxsize must be a positive int, got {maxsize!r}")
    with _cache.lock:
        _cache.maxsize = maxsize
        while len(_cache.entries) > maxsize:
            _cache.entries.popitem(last=False)


# --------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------

#: The pipelines ``attention`` and ``multi_head_attention`` compile with.
_PIPELINES = ("cpu", "gpu")


def _check_compile_args(pipeline, options, target_cpu, target_features):
    """Checks the compilation arguments shared by both ops (before anything
    is compiled) and returns them as a cache key: ``target_cpu`` and
    ``target_features`` None or "" (the host) become None."""
    if not isinstance(pipeline, str) or pipeline not in _PIPELINES:
        raise ValueError(f"unknown pipeline {pipeline!r}: expected 'cpu' or "
                         f"'gpu'")
    if not isinstance(options, str):
        raise TypeError("options must be a string, e.g. \"threads=2\"")
    return (pipeline, options,
            _check_target("target_cpu", target_cpu) or None,
            _check_target("target_features", target_features) or None)


def _float_arrays(names, arrays):
    """Checks that arrays are NumPy arrays of one supported float dtype."""
    first = None
    for name, a in zip(names, arrays):
        if not isinstance(a, np.ndarray):
            raise TypeError(f"{name} must be a numpy.ndarray, got "
                            f"{type(a).__name__}")
        if first is None:
            first = (name, a.dtype)
            if _dtypes.from_numpy(a.dtype) not in _dtypes.FLOAT_NAMES:
                allowed = ", ".join(_dtypes.describe(d)
                                    for d in _dtypes.supported_float_dtypes())
                hint = ("" if _dtypes.bfloat16 is not None else
                        " (bfloat16 needs the ml_dtypes package)")
                raise TypeError(f"{name} has dtype {_dtypes.describe(a.dtype)}"
                                f"; expected one of {allowed}{hint}")
        elif a.dtype != first[1]:
            raise TypeError(f"{name} has dtype {_dtypes.describe(a.dtype)} but "
                            f"{first[0]} has {_dtypes.describe(first[1])}: all "
                            f"inputs must have the same dtype")
    return first[1]


def _rank(name, a, rank, layout):
    if a.ndim != rank:
        raise ValueError(f"{name} must have rank {rank} ({layout}), got shape "
                         f"{a.shape}")


def _contiguous(name, a):
    if not a.flags.c_contiguous:
        raise ValueError(f"{name} is not C-contiguous (e.g. a transposed or "
                         f"sliced view); pass numpy.ascontiguousarray({name})")


def _check_scale(scale):
    if scale is None:
        return None
    if isinstance(scale, bool) or not isinstance(scale, numbers.Real):
        raise TypeError(f"scale must be a float or None, got "
                        f"{type(scale).__name__}")
    scale = float(scale)
    if not math.isfinite(scale) or scale <= 0:
        raise ValueError(f"scale must be finite and positive, got {scale}")
    # The op's scale is an f32 attribute.
    with np.errstate(over="ignore", under="ignore"):
        f32 = np.float32(scale)
    if not np.isfinite(f32) or f32 == 0:
        raise ValueError(f"scale must be finite and positive in float32 "
                         f"(about 1.4e-45 to 3.4e38), got {scale}")
    return scale


def _check_bool(name, value):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool, got {type(value).__name__}")
    return bool(value)


def _attention_options(causal, scale, mask, dtype, scores):
    """Checks the options shared by both ops; returns them with the mask
    broadcast-checked against the ``scores`` shape [B, H, Sq, Skv] and the
    MLIR names of the element types."""
    causal = _check_bool("causal", causal)
    scale = _check_scale(scale)
    if mask is not None:
        mask = _prepare_mask(mask, dtype, scores)
    mask_shape = None if mask is None else mask.shape
    mask_dtype = None if mask is None else _dtypes.from_numpy(mask.dtype)
    return causal, scale, mask, _dtypes.from_numpy(dtype), mask_shape, mask_dtype


def _prepare_mask(mask, dtype, full):
    """Checks a mask against the broadcast target ``full`` = (B, H, Sq, Skv)
    and returns it as a rank-4 C-contiguous array (no copy): missing leading
    dims become 1, and broadcast views (stride 0, e.g. numpy.broadcast_to)
    are narrowed back to size 1."""
    if not isinstance(mask, np.ndarray):
        raise TypeError(f"mask must be a numpy.ndarray, got "
                        f"{type(mask).__name__}")
    if mask.dtype != np.bool_ and mask.dtype != dtype:
        raise TypeError(f"mask has dtype {_dtypes.describe(mask.dtype)}; "
                        f"expected bool (True = attend) or the inputs' dtype "
                        f"{_dtypes.describe(dtype)} (added to the scores)")
    if mask.ndim > 4:
        raise ValueError(f"mask must have rank <= 4 (broadcastable to "
                         f"[B, H, Sq, Skv] = {list(full)}), got shape "
                         f"{mask.shape}")
    mask = mask.reshape((1,) * (4 - mask.ndim) + mask.shape) \
        if mask.ndim < 4 else mask
    for axis, (m, n) in enumerate(zip(mask.shape, full)):
        if m != 1 and m != n:
            raise ValueError(f"mask of shape {mask.shape} is not broadcastable "
                             f"to [B, H, Sq, Skv] = {list(full)} (dim {axis}: "
                             f"{m} vs {n})")
    index = tuple(slice(0, 1) if s == 0 and n > 1 else slice(None)
                  for s, n in zip(mask.strides, mask.shape))
    mask = mask[index]
    _contiguous("mask", mask)
    return mask


def _build(builder, pipeline, options, target_cpu, target_features):
    return _compile(builder, pipeline, options, target_cpu=target_cpu,
                    target_features=target_features)


# --------------------------------------------------------------------------
# attention
# --------------------------------------------------------------------------

def _check_variants(window, softcap, alibi_slopes, sinks, return_lse, heads):
    """Checks the attention variants; returns (window, softcap, slopes,
    sinks, return_lse) with the per-head vectors as contiguous float32."""
    if window is not None:
        if (not isinstance(window, (tuple, list)) or len(window) != 2 or
                not all(w is None or (isinstance(w, numbers.Integral) and
                                      not isinstance(w, bool))
                        for w in window)):
            raise TypeError(f"window must be (left, right) ints (None for an "
                            f"unbounded side), got {window!r}")
        window = tuple(-1 if w is None else int(w) for w in window)
        for side, w in zip(("left", "right"), window):
            if w < -1:
                raise ValueError(f"window {side} bound must be >= 0 (or None "
                                 f"for unbounded), got {w}")
        if window == (-1, -1):
            window = None
    if softcap is not None:
        if isinstance(softcap, bool) or not isinstance(softcap, numbers.Real):
            raise TypeError(f"softcap must be a float or None, got "
                            f"{type(softcap).__name__}")
        softcap = float(softcap)
        if not math.isfinite(softcap) or softcap <= 0:
            raise ValueError(f"softcap must be finite and positive, got "
                             f"{softcap}")
    vectors = []
    for name, a in (("alibi_slopes", alibi_slopes), ("sinks", sinks)):
        if a is not None:
            a = np.ascontiguousarray(a, dtype=np.float32)
            if a.shape != (heads,):
                raise ValueError(f"{name} must have shape ({heads},) (one "
                                 f"value per query head H), got {a.shape}")
        vectors.append(a)
    return (window, softcap, vectors[0], vectors[1],
            _check_bool("return_lse", return_lse))


def attention(q, k, v, mask=None, causal=False, scale=None, pipeline="cpu",
              options="", target_cpu=None, target_features=None, *,
              window=None, softcap=None, alibi_slopes=None, sinks=None,
              return_lse=False):
    """Scaled dot-product attention, as ``mha.attention``.

    q ``[B, H, Sq, D]``, k ``[B, Hkv, Skv, D]``, v ``[B, Hkv, Skv, Dv]``
    (``H % Hkv == 0``: grouped-query / multi-query attention) -> ``[B, H, Sq,
    Dv]``, all float32, float16 or bfloat16 (``ml_dtypes``), accumulated in
    float32. ``mask``: bool (True = attend) or the inputs' float dtype (added
    to the scores), broadcastable to ``[B, H, Sq, Skv]``. ``causal``: query i
    sees key j iff ``j <= i + Skv - Sq`` (bottom-right; PyTorch's is_causal
    is top-left and agrees only when ``Sq == Skv``). ``scale`` defaults to
    ``1/sqrt(D)``. A query that sees no key gets zeros.

    Variants (as on ``mha.attention``, with ``i' = i + Skv - Sq``):
    ``window=(left, right)`` lets query i see key j iff ``i' - left <= j <=
    i' + right`` (None for an unbounded side); ``softcap=c`` turns the
    scaled score into ``c * tanh(score / c)``; ``alibi_slopes`` ``[H]`` adds
    ``slope[h] * (j - i')``; ``sinks`` ``[H]`` adds one logit per head to the
    softmax denominator (no value). With ``return_lse=True`` the result is
    ``(out, lse)``, lse ``[B, H, Sq]`` float32: the natural log of the
    softmax denominator over the visible keys (without the sink), ``-inf``
    for rows that see no key. The gpu pipeline does not implement the
    variants yet and raises.

    ``pipeline``: ``'cpu'`` (the fused cpu pipeline) or ``'gpu'`` (the gpu
    pipeline's fused CUDA kernels; the NumPy inputs are copied to the device
    and the result back). ``options`` are the pipeline's (e.g.
    ``"threads=2"`` for cpu, ``"chip=sm_80"`` for gpu, whose default chip is
    the one of device 0). ``target_cpu`` / ``target_features``: the LLVM CPU
    and features to generate code for, as for :func:`mha.compile` (None:
    the host's; e.g. ``target_cpu="x86-64-v3"`` for AVX2 code). Compiled
    once per signature, pipeline, options and target. On the gpu, a missing
    NVIDIA driver or GPU raises ``RuntimeError`` with the CUDA runtime's
    message (compiling only needs the CUDA toolkit's ``ptxas``).
    """
    compile_args = _check_compile_args(pipeline, options, target_cpu,
                                       target_features)
    dtype = _float_arrays(("q", "k", "v"), (q, k, v))
    for name, a in (("q", q), ("k", k), ("v", v)):
        _rank(name, a, 4, "[B, H, S, D]")
    b, h, sq, d = q.shape
    if k.shape[0] != b or v.shape[0] != b:
        raise ValueError(f"batch sizes differ: q {q.shape}, k {k.shape}, "
                         f"v {v.shape}")
    if k.shape[:3] != v.shape[:3]:
        raise ValueError(f"k {k.shape} and v {v.shape} must agree in "
                         f"[B, Hkv, Skv]")
    if k.shape[3] != d:
        raise ValueError(f"q {q.shape} and k {k.shape} must have the same head "
                         f"dim D")
    hkv, skv = k.shape[1], k.shape[2]
    if hkv == 0 or h % hkv:
        raise ValueError(f"the number of query heads H={h} must be a multiple "
                         f"of the key/value heads Hkv={hkv}")
    for name, a in (("q", q), ("k", k), ("v", v)):
        _contiguous(name, a)
    causal, scale, mask, name, mask_shape, mask_dtype = _attention_options(
        causal, scale, mask, dtype, (b, h, sq, skv))
    window, softcap, slopes, sinks, return_lse = _check_variants(
        window, softcap, alibi_slopes, sinks, return_lse, h)
    variants = (window, softcap, slopes is not None, sinks is not None,
                return_lse)
    key = ("sdpa", q.shape, k.shape, v.shape, name, mask_shape, mask_dtype,
           causal, scale) + variants + compile_args
    builder = ir.SDPA(q.shape, k.shape, v.shape, name, mask_shape, mask_dtype,
                      causal, scale, "main", *variants)
    fn = _cache.get(key, lambda: _build(builder, *compile_args))
    args = (q, k, v) if mask is None else (q, k, v, mask)
    args += tuple(a for a in (slopes, sinks) if a is not None)
    return fn(*args)


# --------------------------------------------------------------------------
# multi_head_attention
# --------------------------------------------------------------------------

def multi_head_attention(x, wq, wk, wv, wo, num_heads, num_kv_heads=None,
                         kv=None, biases=None, mask=None, causal=False,
                         scale=None, pipeline="cpu", options="",
                         target_cpu=None, target_features=None):
    """A multi-head attention layer, as ``mha.multi_head_attention``.

    ``y = concat_h(attention(x wq + bq, kv wk + bk, kv wv + bv)) wo + bo``
    with x ``[B, Sq, E]``, kv ``[B, Skv, E]`` (default: x, self-attention),
    wq ``[E, H*D]``, wk ``[E, Hkv*D]``, wv ``[E, Hkv*Dv]``, wo ``[H*Dv, E]``,
    ``biases=(bq, bk, bv, bo)`` of shapes ``[H*D]``, ``[Hkv*D]``,
    ``[Hkv*Dv]``, ``[E]``; H = ``num_heads``, Hkv = ``num_kv_heads``
    (default H). ``mask``, ``causal``, ``scale``, ``pipeline``,
    ``options``, ``target_cpu`` and ``target_features`` as for
    :func:`attention` (on the gpu the attention runs as CUDA kernels and the
    projections on the host, compiled for ``target_cpu``). Returns
    ``[B, Sq, E]``.
    """
    compile_args = _check_compile_args(pipeline, options, target_cpu,
                                       target_features)
    self_attention = kv is None or kv is x
    names = ["x"] + ([] if self_attention else ["kv"]) + \
        ["wq", "wk", "wv", "wo"]
    arrays = [x] + ([] if self_attention else [kv]) + [wq, wk, wv, wo]
    if biases is not None:
        if not isinstance(biases, (tuple, list)) or len(biases) != 4:
            raise TypeError("biases must be a tuple (bq, bk, bv, bo) or None")
        names += ["bq", "bk", "bv", "bo"]
        arrays += list(biases)
    dtype = _float_arrays(names, arrays)
    if isinstance(num_heads, bool) or not isinstance(num_heads, numbers.Integral) \
            or num_heads < 1:
        raise ValueError(f"num_heads must be a positive int, got {num_heads!r}")
    num_heads = int(num_heads)
    if num_kv_heads is not None:
        if isinstance(num_kv_heads, bool) or \
                not isinstance(num_kv_heads, numbers.Integral) or num_kv_heads < 1:
            raise ValueError(f"num_kv_heads must be a positive int, got "
                             f"{num_kv_heads!r}")
        num_kv_heads = int(num_kv_heads)
    h = num_heads
    hkv = num_kv_heads or h
    if h % hkv:
        raise ValueError(f"num_heads={h} must be a multiple of "
                         f"num_kv_heads={hkv}")
    _rank("x", x, 3, "[B, Sq, E]")
    kv_arr = x if self_attention else kv
    if not self_attention:
        _rank("kv", kv, 3, "[B, Skv, E]")
    for name, a in (("wq", wq), ("wk", wk), ("wv", wv), ("wo", wo)):
        _rank(name, a, 2, "[in, out]")
    b, sq, e = x.shape
    if kv_arr.shape[0] != b or kv_arr.shape[2] != e:
        raise ValueError(f"kv {kv_arr.shape} must be [B={b}, Skv, E={e}]")
    skv = kv_arr.shape[1]
    if wq.shape[0] != e or wq.shape[1] % h:
        raise ValueError(f"wq {wq.shape} must be [E={e}, H*D] with H={h}")
    dh = wq.shape[1] // h
    if wk.shape != (e, hkv * dh):
        raise ValueError(f"wk {wk.shape} must be [E, Hkv*D] = "
                         f"{(e, hkv * dh)}")
    if wv.shape[0] != e or wv.shape[1] % hkv:
        raise ValueError(f"wv {wv.shape} must be [E={e}, Hkv*Dv] with "
                         f"Hkv={hkv}")
    dv = wv.shape[1] // hkv
    if wo.shape != (h * dv, e):
        raise ValueError(f"wo {wo.shape} must be [H*Dv, E] = {(h * dv, e)}")
    if biases is not None:
        expected = [(h * dh,), (hkv * dh,), (hkv * dv,), (e,)]
        for name, a, shape in zip(("bq", "bk", "bv", "bo"), biases, expected):
            if a.shape != shape:
                raise ValueError(f"{name} {a.shape} must be {shape}")
    for name, a in zip(names, arrays):
        _contiguous(name, a)
    causal, scale, mask, name, mask_shape, mask_dtype = _attention_options(
        causal, scale, mask, dtype, (b, h, sq, skv))
    builder = ir.MHALayer(
        x.shape, wq.shape, wk.shape, wv.shape, wo.shape, h,
        num_kv_heads if num_kv_heads is None or num_kv_heads != h else None,
        None if self_attention else kv.shape, biases is not None, name,
        mask_shape, mask_dtype, causal, scale)
    key = ("mha_layer", builder) + compile_args
    fn = _cache.get(key, lambda: _build(builder, *compile_args))
    args = list(arrays)
    if mask is not None:
        args.append(mask)
    return fn(*args)
