"""Arrays of any framework in, the same framework out.

The compiled functions read host memory in place through DLPack / the
buffer protocol (``_mha.Function.call``). This module classifies an input
(NumPy, a PyTorch tensor, anything else with ``__dlpack__``), gives its
element type and shape cheaply, makes the one documented copy of a
non-contiguous input, and turns results back into the caller's kind.
PyTorch is never imported here: a tensor is recognised only when the
caller has imported torch already.
"""

import sys

import numpy as np

from . import _dtypes

#: Kinds, which are also the ``framework`` codes of ``_mha.Function.call``.
NUMPY, TORCH, OTHER = 0, 1, 2

_torch_dtypes = None


def _torch():
    return sys.modules.get("torch")


def torch_dtype_names():
    """torch dtype -> MLIR element type name (built on first use)."""
    global _torch_dtypes
    if _torch_dtypes is None:
        torch = _torch()
        _torch_dtypes = {torch.float32: "f32", torch.float16: "f16",
                         torch.bfloat16: "bf16", torch.bool: "i1"}
    return _torch_dtypes


_torch_codes = None


def torch_dtype_codes():
    """torch dtype -> the C API's dtype code (built on first use)."""
    global _torch_codes
    if _torch_codes is None:
        _torch_codes = {t: _dtypes.CODES[n]
                        for t, n in torch_dtype_names().items()}
    return _torch_codes


def pointer_args(arrays):
    """``arrays`` (ready for ``_mha.Function.call``) as the (address, dtype
    code, shape) triples of ``Function.call_pointers`` when one is a torch
    tensor, else None. A tensor's DLPack export costs more than a tiny
    attention (~5 us each); ``data_ptr()`` costs nothing. The caller keeps
    ``arrays`` alive for the call."""
    torch = _torch()
    if torch is None or not any(isinstance(a, torch.Tensor) for a in arrays):
        return None
    codes = torch_dtype_codes()
    out = []
    for a in arrays:
        if isinstance(a, torch.Tensor):
            out.append((a.data_ptr(), codes[a.dtype], a.shape))
        else:  # NumPy (C-contiguous; bf16 as uint16)
            code = (_dtypes.CODES["bf16"] if a.dtype == np.uint16 else
                    _dtypes.CODES[_dtypes.from_numpy(a.dtype)])
            out.append((a.ctypes.data, code, a.shape))
    return out


def kind_of(x):
    """NUMPY, TORCH or OTHER (has ``__dlpack__``); None for anything else."""
    if isinstance(x, np.ndarray):
        return NUMPY
    torch = _torch()
    if torch is not None and isinstance(x, torch.Tensor):
        return TORCH
    if hasattr(x, "__dlpack__"):
        return OTHER
    return None


def type_error(name, x):
    return TypeError(f"{name} must be an array: a numpy.ndarray, a "
                     f"torch.Tensor or any object with __dlpack__, got "
                     f"{type(x).__name__}")


def to_numpy(name, x):
    """An OTHER array as a NumPy array sharing its memory."""
    try:
        return np.from_dlpack(x)
    except Exception as e:  # noqa: BLE001 - the framework's own error types
        raise TypeError(f"{name} ({type(x).__name__}) cannot be read through "
                        f"DLPack as a host array: {e}") from e


def dtype_name(kind, x):
    """The MLIR element type name of a NUMPY / TORCH array, or None."""
    if kind == TORCH:
        return torch_dtype_names().get(x.dtype)
    return _dtypes.from_numpy(x.dtype)


def describe_dtype(kind, x):
    return str(x.dtype).replace("torch.", "") if kind == TORCH \
        else _dtypes.describe(x.dtype)


def check_torch_device(name, x, pipeline):
    """Raises for a tensor that is not in host memory."""
    if x.device.type == "cpu":
        return
    if pipeline == "gpu" and x.device.type == "cuda":
        raise ValueError(
            f"{name} is a CUDA tensor: functions of the gpu pipeline take "
            f"host buffers (they copy them to the device and the result "
            f"back), so device tensors cannot be used in place yet (the C "
            f"API has no run entry taking device pointers and a stream). "
            f"Pass {name}.cpu()")
    raise ValueError(f"{name} is on device {x.device}; mha runs on host "
                     f"memory: pass {name}.cpu()")


def contiguous(kind, x):
    """``x`` itself when C-contiguous, else one C-contiguous copy (the
    compiled code assumes the identity layout)."""
    if kind == TORCH:
        return x if x.is_contiguous() else x.contiguous()
    return x if x.flags.c_contiguous else np.ascontiguousarray(x)


def for_call(kind, x):
    """What ``_mha.Function.call`` takes for a C-contiguous array: NumPy
    bf16 (ml_dtypes) goes as its uint16 bits."""
    if kind != TORCH and x.dtype == _dtypes.bfloat16:
        return x.view(np.uint16)
    return x


def strides(kind, x):
    """Strides in elements."""
    if kind == TORCH:
        return tuple(x.stride())
    return tuple(s // x.itemsize for s in x.strides)


def wrap(kind, result, like=None):
    """A result of ``_mha.Function.call(..., framework=kind)`` as the
    caller's kind: NumPy bf16 results come as uint16 bits; OTHER results
    come as NumPy and go back through the input's array namespace (or its
    top-level module's ``from_dlpack``) when it has one."""
    if kind == TORCH:
        return result
    if result.dtype == np.uint16:
        result = result.view(_dtypes.to_numpy("bf16"))
    if kind == OTHER and like is not None:
        from_dlpack = _from_dlpack_of(like)
        if from_dlpack is not None:
            try:
                return from_dlpack(result)
            except Exception:  # noqa: BLE001 - e.g. no bf16 in NumPy's DLPack
                return result
    return result


def _from_dlpack_of(x):
    namespace = getattr(x, "__array_namespace__", None)
    if namespace is not None:
        try:
            fn = getattr(namespace(), "from_dlpack", None)
            if fn is not None:
                return fn
        except Exception:  # noqa: BLE001
            pass
    module = sys.modules.get(type(x).__module__.split(".")[0])
    return getattr(module, "from_dlpack", None)
