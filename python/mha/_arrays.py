"""Arrays of any framework in, the same framework out.

The compiled functions read host memory in place through DLPack / the
buffer protocol (``_mha.Function.call``). This module classifies an input
(NumPy, a PyTorch tensor, anything else with ``__dlpack__``), gives its
element type and shape cheaply, passes strided inputs on (the binding
copies them into C order, once) and turns results back into the caller's
kind.
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
    code, shape, strides) tuples of ``Function.call_pointers`` when one is
    a torch tensor, else None. A tensor's DLPack export costs more than a
    tiny attention (~5 us each); ``data_ptr()`` costs nothing. Strides are
    in elements, () for C order (the binding copies a strided input into C
    order). The caller keeps ``arrays`` alive for the call."""
    torch = _torch()
    if torch is None or not any(isinstance(a, torch.Tensor) for a in arrays):
        return None
    codes = torch_dtype_codes()
    out = []
    for a in arrays:
        if isinstance(a, torch.Tensor):
            out.append((a.data_ptr(), codes[a.dtype], a.shape,
                        () if a.is_contiguous() else a.stride()))
        else:  # NumPy (bf16 as uint16; strides in whole elements)
            code = (_dtypes.CODES["bf16"] if a.dtype == np.uint16 else
                    _dtypes.CODES[_dtypes.from_numpy(a.dtype)])
            out.append((a.ctypes.data, code, a.shape,
                        () if a.flags.c_contiguous else
                        tuple(s // a.itemsize for s in a.strides)))
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
    check_dlpack_device(name, x)
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
    """Raises for a tensor that the pipeline cannot read: host tensors
    always work; CUDA tensors (of device 0) only with the gpu pipeline,
    which uses them in place."""
    device = x.device
    if device.type == "cpu":
        return
    if pipeline == "gpu" and device.type == "cuda":
        if device.index not in (None, 0):
            raise ValueError(f"{name} is on {device}; the gpu pipeline's "
                             f"functions run on CUDA device 0 (cuda:0)")
        return
    hint = (" (CUDA tensors are used in place with pipeline='gpu')"
            if device.type == "cuda" else "")
    raise ValueError(f"{name} is on device {device}; mha runs on host "
                     f"memory: pass {name}.cpu(){hint}")


def on_cuda(kind, x):
    """Whether ``x`` (of ``kind``) is a CUDA tensor."""
    return kind == TORCH and x.is_cuda


def check_same_memory(name, x, first_name, first_cuda, kind):
    """Raises when ``x`` is in host memory and the first input is a CUDA
    tensor, or the other way round (checked before compiling anything)."""
    cuda = on_cuda(kind, x)
    if cuda != first_cuda:
        where = lambda c: "a CUDA tensor" if c else "in host memory"  # noqa
        raise ValueError(f"{name} is {where(cuda)} but {first_name} is "
                         f"{where(first_cuda)}: pass all inputs on cuda:0 "
                         f"(pipeline='gpu') or all on the host")


def cuda_args(arrays):
    """Whether ``arrays`` are CUDA tensors (for the gpu pipeline's in-place
    path); False for host arrays. A mix raises ``ValueError``."""
    torch = _torch()
    if torch is None:
        return False
    cuda = [isinstance(a, torch.Tensor) and a.is_cuda for a in arrays]
    if not any(cuda):
        return False
    if not all(cuda):
        i = cuda.index(False)
        raise ValueError(f"argument {i} is in host memory but other inputs "
                         f"are CUDA tensors: pass all inputs on cuda:0 (or "
                         f"all on the host)")
    return True


def check_dlpack_device(name, x):
    """Raises for a DLPack array (not NumPy, not torch) outside host memory:
    only PyTorch CUDA tensors are used in place (mha must allocate the
    result on their device)."""
    device = getattr(x, "__dlpack_device__", None)
    if device is None:
        return
    try:
        kind = device()[0]
    except Exception:  # noqa: BLE001 - then np.from_dlpack reports it
        return
    if kind in (1, 3):  # kDLCPU, kDLCUDAHost
        return
    where = {2: "CUDA", 13: "CUDA managed", 10: "ROCm"}.get(int(kind),
                                                           f"type {kind}")
    raise ValueError(f"{name} ({type(x).__name__}) is in {where} device "
                     f"memory (DLPack device type {kind}): mha reads host "
                     f"arrays, and of device arrays only PyTorch CUDA "
                     f"tensors (with pipeline='gpu'); pass a host copy")


def contiguous(kind, x):
    """``x`` as ``_mha.Function.call`` takes it: host arrays of any strides
    as they are (the binding copies a strided one into C order, once, with
    the GIL released: the compiled code assumes the identity layout); a
    copy here only for the layouts the binding cannot read (NumPy strides
    that are not whole elements) and for strided CUDA tensors (a copy on
    their device: the gpu pipeline reads them in place)."""
    if kind == TORCH:
        return x.contiguous() if x.is_cuda and not x.is_contiguous() else x
    if x.flags.c_contiguous or all(s % x.itemsize == 0 for s in x.strides):
        return x
    return np.ascontiguousarray(x)


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
