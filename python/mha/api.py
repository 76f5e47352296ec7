"""``mha.attention`` and ``mha.multi_head_attention`` on NumPy arrays:
build the MLIR for the shapes and dtypes, compile once per signature
(cached), run."""

from collections import OrderedDict, namedtuple
import math
import numbers
import threading

import numpy as np

from . import _arrays, _dtypes, ir, modifiers
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
        #: Call plans: calls already checked once, by their cheap
        #: properties (see _plan_key) and flags -> (function, cache key).
        self.fast = {}

    def touch(self, key, fn):
        """A hit of a fast-path call: counts it; False when ``fn`` is no
        longer cached under ``key``."""
        with self.lock:
            if self.entries.get(key) is not fn:
                return False
            self.hits += 1
            self.entries.move_to_end(key)
            return True

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
                self.fast.clear()
            return fn

    def info(self):
        with self.lock:
            return CacheInfo(self.hits, self.misses, self.maxsize,
                             len(self.entries))

    def clear(self):
        with self.lock:
            self.entries.clear()
            self.fast.clear()
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
        _cache.fast.clear()
        while len(_cache.entries) > maxsize:
            _cache.entries.popitem(last=False)


# --------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------

#: The pipelines ``attention`` and ``multi_head_attention`` compile with
#: ('reference': the unfused linalg lowering, slow, what the others are
#: checked against).
_PIPELINES = ("cpu", "gpu", "reference")


def _check_compile_args(pipeline, options, target_cpu, target_features):
    """Checks the compilation arguments shared by both ops (before anything
    is compiled) and returns them as a cache key: ``target_cpu`` and
    ``target_features`` None or "" (the host) become None."""
    if not isinstance(pipeline, str) or pipeline not in _PIPELINES:
        raise ValueError(f"unknown pipeline {pipeline!r}: expected 'cpu', "
                         f"'gpu' or 'reference'")
    if not isinstance(options, str):
        raise TypeError("options must be a string, e.g. \"threads=2\"")
    return (pipeline, options,
            _check_target("target_cpu", target_cpu) or None,
            _check_target("target_features", target_features) or None)


#: Query lengths up to this are compiled for their exact value: decode and
#: short speculative steps, whose kv range the cpu pipeline splits across
#: the cores when Sq is static (mha-split-kv's split-max-sq). Longer
#: queries share one function with a dynamic Sq.
STATIC_SQ_MAX = 16


def _inputs(names, arrays, pipeline):
    """Checks that ``arrays`` are arrays (NumPy, torch CPU tensors or
    anything with ``__dlpack__``) of one supported float dtype. Returns
    (kind of the first, the arrays ready for the C API (any strides: the
    binding copies a strided input into C order once; OTHER as NumPy
    views), MLIR dtype
    name, whether a torch input requires grad)."""
    out = []
    first = None
    grad = False
    out_kind = None
    for name, a in zip(names, arrays):
        kind = _arrays.kind_of(a)
        if kind is None:
            raise _arrays.type_error(name, a)
        if out_kind is None:
            out_kind = kind
        if kind == _arrays.OTHER:
            a = _arrays.to_numpy(name, a)
            kind = _arrays.NUMPY
        elif kind == _arrays.TORCH:
            _arrays.check_torch_device(name, a, pipeline)
            grad = grad or a.requires_grad
        if first is not None:
            _arrays.check_same_memory(name, a, first[0], first_cuda, kind)
        dname = _arrays.dtype_name(kind, a)
        if first is None:
            first_cuda = _arrays.on_cuda(kind, a)
            first = (name, dname, _arrays.describe_dtype(kind, a))
            if dname not in _dtypes.FLOAT_NAMES:
                allowed = ", ".join(_dtypes.describe(d)
                                    for d in _dtypes.supported_float_dtypes())
                hint = ("" if _dtypes.bfloat16 is not None else
                        " (bfloat16 needs the ml_dtypes package)")
                raise TypeError(f"{name} has dtype {first[2]}; expected one "
                                f"of {allowed}{hint}")
        elif dname != first[1]:
            raise TypeError(f"{name} has dtype "
                            f"{_arrays.describe_dtype(kind, a)} but {first[0]} "
                            f"has {first[2]}: all inputs must have the same "
                            f"dtype")
        out.append((kind, a))
    return out_kind, out, first[1], grad


def _ready(items):
    """The (kind, array) pairs as the C API takes them."""
    return [_arrays.for_call(kind, _arrays.contiguous(kind, a))
            for kind, a in items]


def _rank(name, a, rank, layout):
    if a.ndim != rank:
        raise ValueError(f"{name} must have rank {rank} ({layout}), got shape "
                         f"{tuple(a.shape)}")


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


def _attention_options(causal, scale, mask, dtype, scores, pipeline,
                       first=None):
    """Checks the options shared by both ops; returns them with the mask
    broadcast-checked against the ``scores`` shape [B, H, Sq, Skv] (rank 4,
    ready for the C API) and its MLIR element type. ``first``: (name, kind,
    array) of the first input, whose memory (host or CUDA) the mask must
    share."""
    causal = _check_bool("causal", causal)
    scale = _check_scale(scale)
    mask_dtype = None
    if mask is not None:
        mask, mask_dtype = _prepare_mask(mask, dtype, scores, pipeline,
                                         first)
    return causal, scale, mask, mask_dtype


def _prepare_mask(mask, dtype, full, pipeline, first=None):
    """Checks a mask against the broadcast target ``full`` = (B, H, Sq, Skv)
    and returns it as a rank-4 C-contiguous array (no copy for a contiguous
    one) and its element type: missing leading dims become 1, and broadcast
    views (stride 0, e.g. numpy.broadcast_to, Tensor.expand) are narrowed
    back to size 1."""
    kind = _arrays.kind_of(mask)
    if kind is None:
        raise _arrays.type_error("mask", mask)
    if kind == _arrays.OTHER:
        mask, kind = _arrays.to_numpy("mask", mask), _arrays.NUMPY
    elif kind == _arrays.TORCH:
        _arrays.check_torch_device("mask", mask, pipeline)
    if first is not None:
        _arrays.check_same_memory("mask", mask, first[0],
                                  _arrays.on_cuda(first[1], first[2]), kind)
    name = _arrays.dtype_name(kind, mask)
    if name != "i1" and name != dtype:
        raise TypeError(f"mask has dtype {_arrays.describe_dtype(kind, mask)}"
                        f"; expected bool (True = attend) or the inputs' "
                        f"dtype {_dtypes.describe(_dtypes.to_numpy(dtype))} "
                        f"(added to the scores)")
    shape = tuple(mask.shape)
    if len(shape) > 4:
        raise ValueError(f"mask must have rank <= 4 (broadcastable to "
                         f"[B, H, Sq, Skv] = {list(full)}), got shape "
                         f"{shape}")
    if len(shape) < 4:
        shape = (1,) * (4 - len(shape)) + shape
        mask = mask.reshape(shape)
    for axis, (m, n) in enumerate(zip(shape, full)):
        if m != 1 and m != n:
            raise ValueError(f"mask of shape {shape} is not broadcastable "
                             f"to [B, H, Sq, Skv] = {list(full)} (dim {axis}: "
                             f"{m} vs {n})")
    strides = _arrays.strides(kind, mask)
    if any(st == 0 and n > 1 for st, n in zip(strides, shape)):
        mask = mask[tuple(slice(0, 1) if st == 0 and n > 1 else slice(None)
                          for st, n in zip(strides, shape))]
    return _arrays.for_call(kind, _arrays.contiguous(kind, mask)), name


def _mask_type(mask, full, static_shapes):
    """The mask's shape in the compiled signature: its size-1 (broadcast)
    dims stay 1, the others follow the dynamic dims of ``full``."""
    if static_shapes:
        return tuple(mask.shape)
    return tuple(1 if m == 1 else f for m, f in zip(mask.shape, full))


def _grad_error(op):
    return RuntimeError(
        f"mha.{op}: an input requires grad, but mha has no backward pass "
        f"yet; import mha.torch and use torch.ops.mha.{op} (whose backward "
        f"raises a clear error), or call it on detached tensors / under "
        f"torch.no_grad()")


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


_FAST_DTYPES = (np.dtype(np.float32), np.dtype(np.float16))
_FAST_MAX = 256


def _plan_key(q, k, v):
    """The properties of q, k, v that decide what ``attention`` compiles and
    checks, when no conversion is needed: NumPy float32/float16 arrays, or
    CPU torch tensors that do not require grad, all rank 4, of any strides.
    The shapes enter as the compiled function sees them (H, Hkv, D, Dv, and
    Sq up to STATIC_SQ_MAX), not B and Skv: a decode loop whose KV cache
    grows by a token per step keeps one key. ``(key, B, Sq, B of k, B of
    v, Skv of k, Skv of v)``, or None (the full path)."""
    tq = type(q)
    if tq is np.ndarray:
        if type(k) is not np.ndarray or type(v) is not np.ndarray or \
                q.dtype not in _FAST_DTYPES:
            return None
    else:
        torch = _arrays._torch()
        if (torch is None or tq is not torch.Tensor or type(k) is not tq or
                type(v) is not tq or not (q.is_cpu and k.is_cpu and
                                          v.is_cpu) or
                q.requires_grad or k.requires_grad or v.requires_grad):
            return None
    qs, ks, vs = q.shape, k.shape, v.shape
    if len(qs) != 4 or len(ks) != 4 or len(vs) != 4:
        return None
    sq = qs[2]
    return ((tq, q.dtype, k.dtype, v.dtype, qs[1], sq if sq <= STATIC_SQ_MAX
             else None, qs[3], ks[1], ks[3], vs[1], vs[3]), qs[0], sq, ks[0],
            vs[0], ks[2], vs[2])


def _fast_call(q, k, v, plan, flags):
    """``attention`` through a call plan: a call whose arrays and flags are
    like those of an earlier one (``_plan_key`` + the flags) runs the
    function that call compiled or found, after the checks that the key
    leaves open (B and Skv agree). None when there is no such plan."""
    key, b, sq, bk, bv, skv, sv = plan
    if bk != b or bv != b or sv != skv:
        return None  # the full path says what is wrong
    try:
        hit = _cache.fast.get(key + flags)
    except TypeError:  # an unhashable flag: the full path says why
        return None
    if hit is None or not _cache.touch(hit[1], hit[0]):
        return None
    handle = hit[0]._handle
    if type(q) is np.ndarray:
        return handle.call([q, k, v], _arrays.NUMPY)[0]
    codes = _arrays.torch_dtype_codes()
    args = [(a.data_ptr(), codes[a.dtype], a.shape,
             () if a.is_contiguous() else a.stride()) for a in (q, k, v)]
    return handle.call_pointers(args, _arrays.TORCH)[0]


def attention(q, k, v, mask=None, causal=False, scale=None, pipeline="cpu",
              options="", target_cpu=None, target_features=None,
              static_shapes=False, *, window=None, softcap=None,
              alibi_slopes=None, sinks=None, return_lse=False,
              score_mod=None, mask_mod=None):
    """Scaled dot-product attention, as ``mha.attention``.

    q ``[B, H, Sq, D]``, k ``[B, Hkv, Skv, D]``, v ``[B, Hkv, Skv, Dv]``
    (``H % Hkv == 0``: grouped-query / multi-query attention) -> ``[B, H, Sq,
    Dv]``, all float32, float16 or bfloat16, accumulated in float32. The
    inputs are NumPy arrays (bfloat16 from ``ml_dtypes``), PyTorch CPU
    tensors or any host array with ``__dlpack__``; they are read in place
    (a non-contiguous one is copied once, by the binding) and the result
    is of the kind of ``q`` (a torch tensor for torch input). ``mask``: bool (True = attend)
    or the inputs' float dtype (added to the scores), broadcastable to
    ``[B, H, Sq, Skv]``. ``causal``: query i sees key j iff
    ``j <= i + Skv - Sq`` (bottom-right; PyTorch's is_causal is top-left
    and agrees only when ``Sq == Skv``: see ``mha.torch``). ``scale``
    defaults to ``1/sqrt(D)``. A query that sees no key gets zeros.

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

    Modifiers (``score_mod`` / ``mask_mod`` regions, see
    :mod:`mha.modifiers` and docs/variants.md): ``score_mod(score, b, h,
    q_idx, kv_idx)`` returns the new score (after softcap and ALiBi, before
    the masks); ``mask_mod(b, h, q_idx, kv_idx)`` returns True where query
    ``q_idx`` may see key ``kv_idx``. ``h`` is the query head and the
    indices are raw (``q_idx + Skv - Sq`` is the bottom-right aligned
    position). Both are Python functions traced once per call into the
    compiled code: use the operators, ``mha.where``, ``mha.tanh``,
    ``mha.exp``, ``abs`` and arrays wrapped by ``mha.captured``. The
    compiled function is cached by the traced text (captured arrays are
    arguments, so new contents do not recompile). The reference and cpu
    pipelines implement the modifiers; the gpu pipeline raises
    ``mha.CompileError`` naming the one it refuses.

    ``pipeline``: ``'cpu'`` (the fused cpu pipeline) or ``'gpu'`` (the gpu
    pipeline's fused CUDA kernels; host inputs are copied to the device
    and the result back). ``options`` are the pipeline's (e.g.
    ``"threads=2"`` for cpu, ``"chip=sm_80"`` for gpu, whose default chip is
    the one of device 0). ``target_cpu`` / ``target_features``: the LLVM CPU
    and features to generate code for, as for :func:`mha.compile` (None:
    the host's; e.g. ``target_cpu="x86-64-v3"`` for AVX2 code).

    Compiled once per dtype, heads, head dims, mask broadcast pattern,
    flags, pipeline, options and target: batch and key/value lengths are
    dynamic, and so is Sq above ``STATIC_SQ_MAX`` (16; shorter queries are
    compiled for their exact length, so a decode loop with a growing KV
    cache compiles once). ``static_shapes=True`` compiles for the exact
    shapes instead. On the gpu, a missing NVIDIA driver or GPU raises
    ``RuntimeError`` with the CUDA runtime's message (compiling only needs
    the CUDA toolkit's ``ptxas``).
    """
    # A call like one checked before (same kinds, dtypes, heads, head dims,
    # flags; any B and Skv) skips the checks and the key building: a tiny
    # call costs less than them. The types of the flags are part of the key
    # (causal=1 must still raise); static_shapes keys the exact shapes.
    plan = flags = None
    if (mask is None and window is None and softcap is None and
            alibi_slopes is None and sinks is None and return_lse is False
            and score_mod is None and mask_mod is None):
        plan = _plan_key(q, k, v)
        if plan is not None:
            flags = (causal, type(causal), scale, type(scale), pipeline,
                     options, target_cpu, target_features, static_shapes,
                     type(static_shapes))
            if static_shapes is not False:  # also np.bool_(True)
                flags += (q.shape, k.shape, v.shape)
            out = _fast_call(q, k, v, plan, flags)
            if out is not None:
                return out
    compile_args = _check_compile_args(pipeline, options, target_cpu,
                                       target_features)
    like = q
    kind, items, dtype, grad = _inputs(("q", "k", "v"), (q, k, v), pipeline)
    if grad and _torch_grad_enabled():
        if (window is not None or softcap is not None or
                alibi_slopes is not None or sinks is not None or return_lse
                or score_mod is not None or mask_mod is not None):
            raise _grad_error("attention")
        return _torch_op("attention")(q, k, v, mask, causal, scale, pipeline,
                                      options, target_cpu, target_features,
                                      static_shapes)
    (_, q), (_, k), (_, v) = items
    for name, a in (("q", q), ("k", k), ("v", v)):
        _rank(name, a, 4, "[B, H, S, D]")
    b, h, sq, d = q.shape
    bk, hkv, skv, dk = k.shape
    bv, hv, sv, dv = v.shape
    if bk != b or bv != b:
        raise ValueError(f"batch sizes differ: q {tuple(q.shape)}, k "
                         f"{tuple(k.shape)}, v {tuple(v.shape)}")
    if hv != hkv or sv != skv:
        raise ValueError(f"k {tuple(k.shape)} and v {tuple(v.shape)} must "
                         f"agree in [B, Hkv, Skv]")
    if dk != d:
        raise ValueError(f"q {tuple(q.shape)} and k {tuple(k.shape)} must "
                         f"have the same head dim D")
    if hkv == 0 or h % hkv:
        raise ValueError(f"the number of query heads H={h} must be a multiple "
                         f"of the key/value heads Hkv={hkv}")
    static_shapes = _check_bool("static_shapes", static_shapes)
    causal, scale, mask, mask_dtype = _attention_options(
        causal, scale, mask, dtype, (b, h, sq, skv), pipeline,
        ("q",) + items[0])
    window, softcap, slopes, sinks, return_lse = _check_variants(
        window, softcap, alibi_slopes, sinks, return_lse, h)
    variants = (window, softcap, slopes is not None, sinks is not None,
                return_lse)
    traced = modifiers.trace(score_mod, mask_mod)
    if traced is not None:
        traced.check_sizes((b, h, sq, skv))
        variants += (traced.score_mod, traced.mask_mod,
                     traced.capture_types)
    if static_shapes:
        qs, ks, vs = tuple(q.shape), tuple(k.shape), tuple(v.shape)
    else:
        s = sq if sq <= STATIC_SQ_MAX else None
        qs, ks, vs = (None, h, s, d), (None, hkv, None, d), (None, hkv, None,
                                                             dv)
    mask_shape = None if mask is None else _mask_type(mask, qs[:3] + ks[2:3],
                                                      static_shapes)
    key = ("sdpa", qs, ks, vs, dtype, mask_shape, mask_dtype, causal,
           scale) + variants + compile_args
    fn = _cache.get(key, lambda: _build(
        ir.SDPA(qs, ks, vs, dtype, mask_shape, mask_dtype, causal, scale,
                "main", *variants),
        *compile_args))
    args = _ready(items)
    if mask is not None:
        args.append(mask)
    args += [_arrays.for_call(_arrays.NUMPY, a) for a in (slopes, sinks)
             if a is not None]
    if traced is not None:
        args += [_arrays.for_call(_arrays.NUMPY, a)
                 for a in traced.arguments()]
    out_shapes = [(b, h, sq, dv)] + ([(b, h, sq)] if return_lse else [])
    if plan is not None and pipeline == "cpu":
        with _cache.lock:
            if len(_cache.fast) >= _FAST_MAX:
                _cache.fast.clear()
            try:
                _cache.fast[plan[0] + flags] = (fn, key)
            except TypeError:  # an unhashable flag
                pass
    out = fn._call(args, _framework(kind), out_shapes)
    if isinstance(out, tuple):
        return tuple(_arrays.wrap(kind, r, like) for r in out)
    return _arrays.wrap(kind, out, like)


def _framework(kind):
    return _arrays.TORCH if kind == _arrays.TORCH else _arrays.NUMPY


def _torch_grad_enabled():
    import torch
    return torch.is_grad_enabled()


def _torch_op(name):
    """torch.ops.mha.<name> (registered by mha.torch), for inputs that
    require grad: its forward runs here, its backward raises."""
    from . import torch as mha_torch  # noqa: F401 - registers the ops
    import torch
    return getattr(torch.ops.mha, name)


# --------------------------------------------------------------------------
# multi_head_attention
# --------------------------------------------------------------------------

def multi_head_attention(x, wq, wk, wv, wo, num_heads, num_kv_heads=None,
                         kv=None, biases=None, mask=None, causal=False,
                         scale=None, pipeline="cpu", options="",
                         target_cpu=None, target_features=None,
                         static_shapes=False):
    """A multi-head attention layer, as ``mha.multi_head_attention``.

    ``y = concat_h(attention(x wq + bq, kv wk + bk, kv wv + bv)) wo + bo``
    with x ``[B, Sq, E]``, kv ``[B, Skv, E]`` (default: x, self-attention),
    wq ``[E, H*D]``, wk ``[E, Hkv*D]``, wv ``[E, Hkv*Dv]``, wo ``[H*Dv, E]``,
    ``biases=(bq, bk, bv, bo)`` of shapes ``[H*D]``, ``[Hkv*D]``,
    ``[Hkv*Dv]``, ``[E]``; H = ``num_heads``, Hkv = ``num_kv_heads``
    (default H). The arrays, ``mask``, ``causal``, ``scale``, ``pipeline``,
    ``options``, ``target_cpu``, ``target_features`` and ``static_shapes``
    as for :func:`attention` (B, Sq and Skv are dynamic unless
    ``static_shapes``; on the gpu the attention runs as CUDA kernels and
    the projections on the host, compiled for ``target_cpu``). Returns
    ``[B, Sq, E]`` of the kind of ``x``.
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
    kind, items, dtype, grad = _inputs(names, arrays, pipeline)
    if grad and _torch_grad_enabled():
        return _torch_op("multi_head_attention")(
            x, wq, wk, wv, wo, num_heads, num_kv_heads, kv,
            None if biases is None else list(biases), mask, causal, scale,
            pipeline, options, target_cpu, target_features, static_shapes)
    if isinstance(num_heads, bool) or \
            not isinstance(num_heads, numbers.Integral) or num_heads < 1:
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
    a = dict(zip(names, (arr for _, arr in items)))
    x = a["x"]
    _rank("x", x, 3, "[B, Sq, E]")
    kv_arr = x if self_attention else a["kv"]
    if not self_attention:
        _rank("kv", kv_arr, 3, "[B, Skv, E]")
    for name in ("wq", "wk", "wv", "wo"):
        _rank(name, a[name], 2, "[in, out]")
    wq, wk, wv, wo = (tuple(a[n].shape) for n in ("wq", "wk", "wv", "wo"))
    b, sq, e = x.shape
    if kv_arr.shape[0] != b or kv_arr.shape[2] != e:
        raise ValueError(f"kv {tuple(kv_arr.shape)} must be [B={b}, Skv, "
                         f"E={e}]")
    skv = kv_arr.shape[1]
    if wq[0] != e or wq[1] % h:
        raise ValueError(f"wq {wq} must be [E={e}, H*D] with H={h}")
    dh = wq[1] // h
    if wk != (e, hkv * dh):
        raise ValueError(f"wk {wk} must be [E, Hkv*D] = {(e, hkv * dh)}")
    if wv[0] != e or wv[1] % hkv:
        raise ValueError(f"wv {wv} must be [E={e}, Hkv*Dv] with Hkv={hkv}")
    dv = wv[1] // hkv
    if wo != (h * dv, e):
        raise ValueError(f"wo {wo} must be [H*Dv, E] = {(h * dv, e)}")
    if biases is not None:
        expected = [(h * dh,), (hkv * dh,), (hkv * dv,), (e,)]
        for name, shape in zip(("bq", "bk", "bv", "bo"), expected):
            if tuple(a[name].shape) != shape:
                raise ValueError(f"{name} {tuple(a[name].shape)} must be "
                                 f"{shape}")
    static_shapes = _check_bool("static_shapes", static_shapes)
    causal, scale, mask, mask_dtype = _attention_options(
        causal, scale, mask, dtype, (b, h, sq, skv), pipeline,
        ("x",) + items[0])
    if static_shapes:
        xs = tuple(x.shape)
        kvs = None if self_attention else tuple(kv_arr.shape)
        full = (b, h, sq, skv)
    else:
        xs = (None, None, e)
        kvs = None if self_attention else (None, None, e)
        full = (None, h, None, None)
    mask_shape = None if mask is None else _mask_type(mask, full,
                                                      static_shapes)
    builder = ir.MHALayer(
        xs, wq, wk, wv, wo, h,
        num_kv_heads if num_kv_heads is None or num_kv_heads != h else None,
        kvs, biases is not None, dtype, mask_shape, mask_dtype, causal,
        scale)
    key = ("mha_layer", builder) + compile_args
    fn = _cache.get(key, lambda: _build(builder, *compile_args))
    args = _ready(items)
    if mask is not None:
        args.append(mask)
    return _arrays.wrap(kind, fn._call(args, _framework(kind), [(b, sq, e)]),
                        arrays[0])
