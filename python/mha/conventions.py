"""The verification and benchmark conventions of mha-mlir, read from its C
API so that Python, mha-run and mha-aot-check share one definition."""

from . import _dtypes, _mha


def _code(dtype):
    name = dtype if isinstance(dtype, str) else _dtypes.from_numpy(dtype)
    if name not in _dtypes.CODES:
        raise ValueError(f"unknown dtype {dtype!r}: expected 'f32', 'f16', "
                         f"'bf16', 'i1' or their NumPy dtypes")
    return _dtypes.CODES[name]


def default_tolerance(dtype):
    """``(atol, rtol)`` that results of ``dtype`` (an MLIR element type
    name such as ``'bf16'``, or a NumPy dtype) are verified with by
    ``mha-run --verify`` and ``mha-aot-check --verify``: an element passes
    when ``abs(actual - expected) <= atol + rtol * abs(expected)``."""
    return _mha.default_tolerance(_code(dtype))


def attention_flops(b, h, sq, skv, d, dv=None, causal=False):
    """FLOPs of one attention as the benchmarks count them:
    ``2*b*h*sq*skv*(d + dv)`` (``4*b*h*sq*skv*d`` when ``dv`` is ``d``, the
    default), halved when ``causal`` (the FlashAttention convention)."""
    return _mha.attention_flops(b, h, sq, skv, d, d if dv is None else dv,
                                bool(causal))
