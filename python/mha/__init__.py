"""mha: attention compiled by mha-mlir, on NumPy arrays and PyTorch tensors.

    import mha
    o = mha.attention(q, k, v, causal=True)            # [B, H, S, D] arrays
    y = mha.multi_head_attention(x, wq, wk, wv, wo, num_heads=8)
    f = mha.compile(mha.ir.sdpa((1, 8, 128, 64), (1, 2, 128, 64),
                                (1, 2, 128, 64)), pipeline="reference")
    o = f(q, k, v)

``attention`` and ``multi_head_attention`` take NumPy arrays, PyTorch CPU
tensors or any DLPack host array (read in place; the result is of the
input's kind), build the MLIR for their dtypes and head dims (batch and
sequence lengths dynamic), compile it once with the fused ``cpu`` pipeline (or,
with ``pipeline="gpu"``, the ``gpu`` pipeline's CUDA kernels; running those
needs an NVIDIA GPU and driver) for the host CPU (or ``target_cpu``, e.g.
``"x86-64-v3"``, and ``target_features``) and cache it
(``mha.cache_info()``). ``mha.compile`` takes any MLIR text with a
supported entry signature. Compilation errors raise ``mha.CompileError``
with the MLIR diagnostics. ``mha.reference`` is a plain NumPy
implementation; ``python -m mha.bench`` compares against PyTorch and IREE.
``import mha.torch`` (needs PyTorch) registers ``torch.ops.mha.attention``
and ``torch.ops.mha.multi_head_attention`` and provides an SDPA drop-in.
``mha.default_tolerance`` and ``mha.attention_flops`` (and
``Function.flops``) are the tolerances and FLOP counts of mha-run and
mha-aot-check.
"""

try:
    from . import _mha
except ImportError as e:  # pragma: no cover - a source checkout, not a build
    raise ImportError(
        "the mha extension module (_mha) is missing: this is the source tree "
        "python/mha. Build the project (cmake --build build) and use "
        "PYTHONPATH=build/python_packages, or pip install ./python") from e
from . import ir, modifiers, reference
from .api import (CacheInfo, attention, cache_clear, cache_info,
                  multi_head_attention, set_cache_size)
from .compiler import PIPELINES, CompileError, Function, TensorSpec, compile
from .conventions import attention_flops, default_tolerance
from .modifiers import captured, exp, tanh, where

__version__ = _mha.version()

__all__ = ["attention", "multi_head_attention", "compile", "CompileError",
           "Function", "TensorSpec", "CacheInfo", "cache_info", "cache_clear",
           "set_cache_size", "default_tolerance", "attention_flops", "ir",
           "reference", "PIPELINES", "__version__", "captured", "where",
           "tanh", "exp", "modifiers"]
