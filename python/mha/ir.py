"""Builders that emit MLIR text for the mha dialect.

``sdpa(...)`` emits a function around one ``mha.attention`` (scaled
dot-product attention on ``[B, H, S, D]`` tensors) and ``mha_layer(...)`` one
around ``mha.multi_head_attention`` (a whole layer: projections, heads,
attention, output projection). Both return a string that ``mha.compile``,
``mha-opt`` and ``mha-run`` accept. The ``SDPA`` and ``MHALayer`` classes
hold the same parameters; ``str()`` or ``to_mlir()`` gives the text, and
``mha.compile`` accepts them directly.

Shapes are tuples of ints; ``None`` or ``-1`` marks a dynamic dimension
(printed ``?``). Element types are MLIR names: ``"f32"``, ``"f16"``,
``"bf16"`` and, for masks, ``"i1"``.
"""

# Private names, so that dir(mha.ir) lists the builders only (__all__).
import dataclasses as _dataclasses
import math as _math

__all__ = ["tensor_type", "sdpa", "mha_layer", "SDPA", "MHALayer",
           "format_f32"]

_FLOATS = ("f32", "f16", "bf16")


def _dim(d):
    if d is None or d == -1:
        return "?"
    if not isinstance(d, int) or isinstance(d, bool) or d < 0:
        raise ValueError(f"invalid dimension {d!r}: expected a non-negative "
                         f"int, or None/-1 for a dynamic one")
    return str(d)


def tensor_type(shape, dtype):
    """``tensor<1x?x64xf32>`` for ``shape=(1, None, 64)``, ``dtype='f32'``."""
    if dtype not in _FLOATS + ("i1",):
        raise ValueError(f"unsupported element type {dtype!r}: expected one of "
                         f"{', '.join(_FLOATS + ('i1',))}")
    dims = "".join(_dim(d) + "x" for d in shape)
    return f"tensor<{dims}{dtype}>"


def format_f32(value):
    """An MLIR float literal (always with a '.', as MLIR's lexer needs)."""
    value = float(value)
    if not _math.isfinite(value) or (value != 0 and not
                                     1.4e-45 <= abs(value) <= 3.4028234e38):
        raise ValueError(f"scale must be finite in float32 (magnitude about "
                         f"1.4e-45 to 3.4e38), got {value}")
    return f"{value:.9e}"


def _attrs(causal, scale, extra=()):
    items = list(extra)
    if causal:
        items.append("causal")
    if scale is not None:
        items.append(f"scale = {format_f32(scale)} : f32")
    return " {" + ", ".join(items) + "}" if items else ""


def _name(name):
    if not name or not all(c.isalnum() or c in "_$." for c in name):
        raise ValueError(f"invalid function name {name!r}")
    return name


@_dataclasses.dataclass(frozen=True)
class SDPA:
    """Scaled dot-product attention: ``mha.attention`` in a function.

    q ``[B, H, Sq, D]``, k ``[B, Hkv, Skv, D]``, v ``[B, Hkv, Skv, Dv]`` ->
    ``[B, H, Sq, Dv]``; an optional rank-4 mask broadcastable to
    ``[B, H, Sq, Skv]`` (``i1``: true = keep, or the float type: added).
    ``causal`` is bottom-right aligned (query i sees key j iff
    ``j <= i + Skv - Sq``); ``scale`` defaults to ``1/sqrt(D)``.
    """
    q_shape: tuple
    k_shape: tuple
    v_shape: tuple
    dtype: str = "f32"
    mask_shape: tuple = None
    mask_dtype: str = None
    causal: bool = False
    scale: float = None
    name: str = "main"
    # Variants: window (left, right) with -1 unbounded, softcap, per-head
    # f32 ALiBi slopes / sinks operands, the f32 [B, H, Sq] lse result.
    window: tuple = None
    softcap: float = None
    alibi: bool = False
    sinks: bool = False
    return_lse: bool = False
    # Modifier regions (text from mha.modifiers.trace, which names the
    # captured arrays %cap0, %cap1, ...) and the types of those arrays,
    # arguments after the others.
    score_mod: str = None
    mask_mod: str = None
    captures: tuple = ()

    def to_mlir(self):
        q = tensor_type(self.q_shape, self.dtype)
        k = tensor_type(self.k_shape, self.dtype)
        v = tensor_type(self.v_shape, self.dtype)
        if len(self.q_shape) != 4 or len(self.k_shape) != 4 or \
                len(self.v_shape) != 4:
            raise ValueError("q, k and v must be rank 4 ([B, H, S, D])")
        if self.dtype not in _FLOATS:
            raise ValueError(f"attention needs a float type, got {self.dtype}")
        o = tensor_type(tuple(self.q_shape[:3]) + (self.v_shape[3],),
                        self.dtype)
        args = [f"%q: {q}", f"%k: {k}", f"%v: {v}"]
        types = [q, k, v]
        mask = ""
        if self.mask_shape is not None:
            m = tensor_type(self.mask_shape, self.mask_dtype or "i1")
            args.append(f"%mask: {m}")
            types.append(m)
            mask = " mask(%mask)"
        per_head = tensor_type((self.q_shape[1],), "f32")
        for flag, name in ((self.alibi, "alibi"), (self.sinks, "sinks")):
            if flag:
                args.append(f"%{name}: {per_head}")
                mask += f" {name}(%{name} : {per_head})"
        for n, t in enumerate(self.captures):
            args.append(f"%cap{n}: {t}")
        extra = []
        if self.window is not None:
            left, right = (int(w) for w in self.window)
            extra.append(f"window = [{left}, {right}]")
        if self.softcap is not None:
            extra.append(f"softcap = {format_f32(self.softcap)} : f32")
        results, values = o, "%o"
        if self.return_lse:
            lse = tensor_type(tuple(self.q_shape[:3]), "f32")
            results, values = f"{o}, {lse}", "%o, %lse"
        return (f"func.func @{_name(self.name)}({', '.join(args)}) -> "
                f"({results}) {{\n"
                f"  {values} = mha.attention %q, %k, %v{mask}"
                f"{_attrs(self.causal, self.scale, extra)}\n"
                f"      : {', '.join(types)} -> {results}\n"
                f"{self.score_mod or ''}{self.mask_mod or ''}"
                f"  return {values} : {results}\n}}\n")

    __str__ = to_mlir


def sdpa(q_shape, k_shape, v_shape, dtype="f32", mask_shape=None,
         mask_dtype=None, causal=False, scale=None, name="main"):
    """MLIR text of a function ``@name(q, k, v[, mask])`` computing
    ``mha.attention``; see :class:`SDPA`."""
    return SDPA(tuple(q_shape), tuple(k_shape), tuple(v_shape), dtype,
                None if mask_shape is None else tuple(mask_shape), mask_dtype,
                causal, scale, name).to_mlir()


@_dataclasses.dataclass(frozen=True)
class MHALayer:
    """A multi-head attention layer: ``mha.multi_head_attention``.

    x ``[B, Sq, E]`` (and, for cross-attention, kv ``[B, Skv, E]``),
    wq ``[E, H*D]``, wk ``[E, Hkv*D]``, wv ``[E, Hkv*Dv]``, wo ``[H*Dv, E]``,
    optional biases ``[H*D]``, ``[Hkv*D]``, ``[Hkv*Dv]``, ``[E]`` and a mask
    broadcastable to ``[B, H, Sq, Skv]`` -> ``[B, Sq, E]``. Without
    ``kv_shape`` the function takes one input used for queries, keys and
    values (self-attention). Argument order: x, [kv], wq, wk, wv, wo,
    [bq, bk, bv, bo], [mask].
    """
    x_shape: tuple
    wq_shape: tuple
    wk_shape: tuple
    wv_shape: tuple
    wo_shape: tuple
    num_heads: int
    num_kv_heads: int = None
    kv_shape: tuple = None
    biases: bool = False
    dtype: str = "f32"
    mask_shape: tuple = None
    mask_dtype: str = None
    causal: bool = False
    scale: float = None
    name: str = "main"

    def to_mlir(self):
        if self.dtype not in _FLOATS:
            raise ValueError(f"attention needs a float type, got {self.dtype}")
        t = lambda s: tensor_type(s, self.dtype)  # noqa: E731
        x = t(self.x_shape)
        y = tensor_type(tuple(self.x_shape[:2]) + (self.wo_shape[1],),
                        self.dtype)
        args = [f"%x: {x}"]
        kv_name, kv_type = "%x", x
        if self.kv_shape is not None:
            kv_type = t(self.kv_shape)
            args.append(f"%kv: {kv_type}")
            kv_name = "%kv"
        weights = [("wq", self.wq_shape), ("wk", self.wk_shape),
                   ("wv", self.wv_shape), ("wo", self.wo_shape)]
        for n, s in weights:
            args.append(f"%{n}: {t(s)}")
        types = [x, kv_type] + [t(s) for _, s in weights]
        bias = ""
        if self.biases:
            shapes = [(self.wq_shape[1],), (self.wk_shape[1],),
                      (self.wv_shape[1],), (self.wo_shape[1],)]
            for n, s in zip(("bq", "bk", "bv", "bo"), shapes):
                args.append(f"%{n}: {t(s)}")
                types.append(t(s))
            bias = " bias(%bq, %bk, %bv, %bo)"
        mask = ""
        if self.mask_shape is not None:
            m = tensor_type(self.mask_shape, self.mask_dtype or "i1")
            args.append(f"%mask: {m}")
            types.append(m)
            mask = " mask(%mask)"
        extra = [f"num_heads = {int(self.num_heads)} : i64"]
        if self.num_kv_heads is not None:
            extra.append(f"num_kv_heads = {int(self.num_kv_heads)} : i64")
        return (f"func.func @{_name(self.name)}({', '.join(args)}) -> {y} {{\n"
                f"  %y = mha.multi_head_attention %x, {kv_name}, %wq, %wk, "
                f"%wv, %wo{bias}{mask}{_attrs(self.causal, self.scale, extra)}\n"
                f"      : {', '.join(types)} -> {y}\n"
                f"  return %y : {y}\n}}\n")

    __str__ = to_mlir


def mha_layer(x_shape, wq_shape, wk_shape, wv_shape, wo_shape, num_heads,
              num_kv_heads=None, kv_shape=None, biases=False, dtype="f32",
              mask_shape=None, mask_dtype=None, causal=False, scale=None,
              name="main"):
    """MLIR text of a function computing ``mha.multi_head_attention``; see
    :class:`MHALayer`."""
    tup = lambda s: None if s is None else tuple(s)  # noqa: E731
    return MHALayer(tuple(x_shape), tuple(wq_shape), tuple(wk_shape),
                    tuple(wv_shape), tuple(wo_shape), num_heads, num_kv_heads,
                    tup(kv_shape), biases, dtype, tup(mask_shape), mask_dtype,
                    causal, scale, name).to_mlir()
