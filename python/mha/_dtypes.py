"""Element types: NumPy dtypes <-> MLIR element type names <-> C API codes."""

import numpy as np

from . import _mha

try:  # bfloat16 comes from ml_dtypes (what JAX and others use with NumPy).
    import ml_dtypes as _ml_dtypes

    bfloat16 = np.dtype(_ml_dtypes.bfloat16)
except ImportError:  # pragma: no cover - depends on the environment
    _ml_dtypes = None
    bfloat16 = None

#: MLIR element type name -> C API code.
CODES = {"f32": _mha.DTYPE_F32, "f16": _mha.DTYPE_F16,
         "bf16": _mha.DTYPE_BF16, "i1": _mha.DTYPE_I1}
NAMES = {code: name for name, code in CODES.items()}

#: Float element types the attention ops accept.
FLOAT_NAMES = ("f32", "f16", "bf16")


def to_numpy(name):
    """The NumPy dtype of an MLIR element type name ('f32', 'bf16', ...)."""
    if name == "f32":
        return np.dtype(np.float32)
    if name == "f16":
        return np.dtype(np.float16)
    if name == "i1":
        return np.dtype(np.bool_)
    if name == "bf16":
        if bfloat16 is None:
            raise TypeError("bf16 needs the ml_dtypes package "
                            "(pip install ml_dtypes)")
        return bfloat16
    raise TypeError(f"unsupported element type {name!r}")


def from_numpy(dtype):
    """The MLIR element type name of a NumPy dtype, or None."""
    dtype = np.dtype(dtype)
    if dtype == np.float32:
        return "f32"
    if dtype == np.float16:
        return "f16"
    if dtype == np.bool_:
        return "i1"
    if bfloat16 is not None and dtype == bfloat16:
        return "bf16"
    return None


def supported_float_dtypes():
    """The NumPy float dtypes accepted here (bf16 only with ml_dtypes)."""
    out = [np.dtype(np.float32), np.dtype(np.float16)]
    if bfloat16 is not None:
        out.append(bfloat16)
    return out


def describe(dtype):
    """'float32', 'bfloat16', ... for messages; the byte order when it is
    not the machine's ('float32 (big-endian >f4)'), which alone can make
    an otherwise supported dtype unsupported."""
    dtype = np.dtype(dtype)
    if not dtype.isnative:
        order = "big" if dtype.byteorder == ">" else "little"
        return (f"{dtype.name} ({order}-endian {dtype.str}; convert with "
                f"a.astype(a.dtype.newbyteorder('=')))")
    return dtype.name
