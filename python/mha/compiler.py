"""``mha.compile``: MLIR text -> a callable on NumPy arrays."""

from collections import namedtuple
import threading

import numpy as np

from . import _arrays, _dtypes, _mha

CompileError = _mha.CompileError
try:
    CompileError.__doc__ = (
        "Compilation failed: invalid MLIR, a verifier error, an unsupported "
        "signature or a pipeline failure. str(e) holds the MLIR diagnostics.")
    CompileError.__module__ = "mha"
except (AttributeError, TypeError):  # pragma: no cover
    pass

#: The pipelines ``compile`` accepts: 'cpu' (fused, tiled, multi-threaded),
#: 'reference' (unfused, the oracle) and 'gpu' (fused CUDA kernels).
PIPELINES = ("cpu", "reference", "gpu")

_context = None
_context_lock = threading.Lock()


def _get_context():
    global _context
    with _context_lock:
        if _context is None:
            _context = _mha.Context()
        return _context


class TensorSpec(namedtuple("TensorSpec", "dtype shape")):
    """An argument or result of a compiled function: ``dtype`` is the MLIR
    element type name (``'f32'``, ``'f16'``, ``'bf16'``, ``'i1'``), ``shape``
    a tuple with ``None`` for dynamic dims."""

    def __str__(self):
        dims = "".join(("?" if d is None else str(d)) + "x" for d in self.shape)
        return f"tensor<{dims}{self.dtype}>"

    @property
    def numpy_dtype(self):
        return _dtypes.to_numpy(self.dtype)


def _spec(code, shape):
    return TensorSpec(_dtypes.NAMES[code],
                      tuple(None if d == _mha.DYNAMIC else d for d in shape))


class Function:
    """A compiled entry function. Call it with one array per argument (the
    argument's dtype and static dims): NumPy arrays, PyTorch CPU tensors or
    any host array with ``__dlpack__``; it returns one array per result (a
    single array for one result, a tuple otherwise) of the first
    argument's kind. The arrays are read in place and never modified; a
    non-contiguous one is copied once by the binding (the compiled code
    assumes C order;
    a ``gpu`` function copies them to the device and its results back).

    A call raises ``TypeError`` / ``ValueError`` for inputs that do not fit
    the signature and ``RuntimeError`` when the compiled code fails; for a
    ``gpu`` function that includes a missing NVIDIA driver or GPU, with the
    CUDA runtime's message (e.g. ``cannot load the CUDA driver library
    libcuda.so.1: ...``)."""

    def __init__(self, handle, text, target_cpu=None, target_features=None):
        self._handle = handle
        self.mlir = text
        self.name = handle.name
        self.pipeline = handle.pipeline
        #: The LLVM CPU and features compiled for (None: the host's).
        self.target_cpu = target_cpu or None
        self.target_features = target_features or None
        self.compile_seconds = handle.compile_seconds
        self.args = tuple(_spec(c, s) for c, s in handle.args)
        self.results = tuple(_spec(c, s) for c, s in handle.results)

    @property
    def calls_in_flight(self):
        """How many calls of this function are running now, on any thread
        (calls run concurrently; a diagnostic)."""
        return self._handle.calls_in_flight

    def __repr__(self):
        args = ", ".join(map(str, self.args))
        res = ", ".join(map(str, self.results))
        target = "".join(f", {t}" for t in (self.target_cpu,
                                             self.target_features) if t)
        return (f"<mha.Function @{self.name}({args}) -> ({res}) "
                f"[{self.pipeline}{target}]>")

    def check(self, *arrays):
        """Raises TypeError / ValueError when ``arrays`` do not fit the
        signature (what ``__call__`` checks first)."""
        self._prepare(arrays)

    def _prepare(self, arrays):
        """Checks ``arrays`` against the signature; returns (kind of the
        first, the arrays as the C API takes them)."""
        if len(arrays) != len(self.args):
            raise TypeError(f"@{self.name} takes {len(self.args)} arguments "
                            f"({', '.join(map(str, self.args))}), "
                            f"got {len(arrays)}")
        out, first = [], None
        for i, (a, spec) in enumerate(zip(arrays, self.args)):
            what = f"argument {i} of @{self.name} ({spec})"
            kind = _arrays.kind_of(a)
            if kind is None:
                raise TypeError(f"{what}: expected a numpy.ndarray, a "
                                f"torch.Tensor or an array with __dlpack__, "
                                f"got {type(a).__name__}")
            if first is None:
                first = kind
            if kind == _arrays.OTHER:
                a, kind = _arrays.to_numpy(what, a), _arrays.NUMPY
            elif kind == _arrays.TORCH:
                _arrays.check_torch_device(what, a, self.pipeline)
            if _arrays.dtype_name(kind, a) != spec.dtype:
                raise TypeError(f"{what}: expected dtype "
                                f"{_dtypes.describe(spec.numpy_dtype)}, got "
                                f"{_arrays.describe_dtype(kind, a)}")
            if a.ndim != len(spec.shape) or any(
                    d is not None and d != n for d, n in zip(spec.shape, a.shape)):
                raise ValueError(f"{what}: shape mismatch, got "
                                 f"{tuple(a.shape)}")
            out.append(_arrays.for_call(kind, _arrays.contiguous(kind, a)))
        return first, out

    def flops(self, *inputs):
        """FLOPs of one call on ``inputs`` (one per argument: an array, or
        the shape of one), as ``mha-run --bench`` counts them: see
        :func:`mha.attention_flops`, plus ``2*m*n*k`` per matmul. Raises
        ``ValueError`` when the shapes do not fit the signature or the
        function has nothing it counts."""
        specs = [(_dtypes.CODES[spec.dtype],
                  tuple(a.shape) if hasattr(a, "shape") else tuple(a))
                 for a, spec in zip(inputs, self.args)]
        specs += [(0, ())] * (len(inputs) - len(specs))  # reported as too many
        return self._handle.flops(specs)

    def _call(self, arrays, framework, out_shapes=None):
        """Runs on arrays ready for the C API (checked by the caller);
        returns the results as a list of arrays of ``framework``. CUDA
        tensors (gpu functions) are used in place and the results are
        CUDA tensors of ``out_shapes`` (default: the static result
        shapes)."""
        if self.pipeline == "gpu" and _arrays.cuda_args(arrays):
            return self._call_device(arrays, out_shapes)
        # Reentrant: the results are the call's own, so calls from several
        # threads run concurrently; the GIL is released while it runs.
        pointers = _arrays.pointer_args(arrays)
        if pointers is not None:
            out = self._handle.call_pointers(pointers, framework)
        else:
            out = self._handle.call(arrays, framework)
        return out[0] if len(out) == 1 else tuple(out) or None

    def _call_device(self, arrays, out_shapes):
        """CUDA tensors in, CUDA tensors out, on the current stream of their
        device (mhaFunctionCallOnDevice)."""
        import torch
        if out_shapes is None:
            if any(d is None for spec in self.results for d in spec.shape):
                raise ValueError(
                    f"@{self.name} has results of dynamic shape, so the "
                    f"CUDA tensors it writes cannot be allocated before the "
                    f"call: use mha.attention / mha.multi_head_attention "
                    f"(which know their result shapes) or host tensors")
            out_shapes = [spec.shape for spec in self.results]
        device = arrays[0].device
        names = {v: k for k, v in _arrays.torch_dtype_names().items()}
        outs = [torch.empty(tuple(shape), dtype=names[spec.dtype],
                            device=device)
                for shape, spec in zip(out_shapes, self.results)]
        stream = torch.cuda.current_stream(device).cuda_stream
        self._handle.call_device(arrays, outs, stream)
        return outs[0] if len(outs) == 1 else tuple(outs) or None

    def __call__(self, *arrays):
        """Runs on one array per argument (NumPy, torch CPU tensors or any
        host array with ``__dlpack__``, read in place; a non-contiguous one
        is copied once). Returns arrays of the first argument's kind. Raises
        ``TypeError`` / ``ValueError`` when they do not fit the signature,
        ``ValueError`` when their dynamic sizes disagree (``shape mismatch:
        ...``, checked by the compiled code before it reads them),
        ``MemoryError`` when an allocation of the compiled code fails and
        ``RuntimeError`` for CUDA errors."""
        kind, ready = self._prepare(arrays)
        framework = _arrays.TORCH if kind == _arrays.TORCH else _arrays.NUMPY
        out = self._call(ready, framework)
        if isinstance(out, tuple):
            return tuple(_arrays.wrap(kind, r, arrays[0]) for r in out)
        return out if out is None else _arrays.wrap(kind, out, arrays[0])


def _check_target(name, value):
    """``value`` (None or a str) as the C API takes it: "" for None."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string or None, got "
                        f"{type(value).__name__}")
    return value


def compile(mlir, pipeline="cpu", options="", entry=None, target_cpu=None,
            target_features=None):
    """Compiles ``mlir`` (MLIR text, or a builder from :mod:`mha.ir`) with
    ``pipeline`` ('cpu': fused, tiled, multi-threaded; 'reference': the
    unfused oracle; 'gpu': fused CUDA kernels) and its ``options`` (e.g.
    ``"threads=2 q-tile=64"`` for cpu, ``"chip=sm_80 kernel=auto"`` for gpu)
    and returns a :class:`Function`. ``entry`` selects the function
    (default: the only public one). Raises :class:`CompileError` with the
    MLIR diagnostics.

    ``target_cpu`` is the LLVM CPU the code is generated for (``"x86-64"``:
    SSE2, ``"x86-64-v3"``: AVX2, ``"skylake-avx512"``, ``"znver4"``,
    ``"host"``, ...) and ``target_features`` LLVM features added to or
    removed from it (``"+avx512bf16,-avx512f"``); None (the default) means
    the host CPU and its features. The vector width, micro-kernel, FMA and
    float conversions follow from the target. Code is JIT-compiled for this
    process, so the target must be one this host can run: an unknown CPU or
    feature, or a CPU with features the host lacks, raises
    :class:`CompileError` naming it. For 'gpu' the target is the CPU of the
    host-side code.

    'gpu' compiles the kernels to a cubin for ``chip`` (default: device 0's
    compute capability, or ``sm_90a`` without a device) with the CUDA toolkit's
    ``ptxas``, which is all compiling needs: it works on machines without a
    GPU. Running needs an NVIDIA GPU and its driver; without them every call
    of the function raises ``RuntimeError`` with the CUDA runtime's
    message."""
    if hasattr(mlir, "to_mlir"):
        mlir = mlir.to_mlir()
    if not isinstance(mlir, str):
        raise TypeError(f"expected MLIR text (str) or an mha.ir builder, got "
                        f"{type(mlir).__name__}")
    if pipeline not in PIPELINES:
        raise ValueError(f"unknown pipeline {pipeline!r}: expected 'cpu', "
                         f"'reference' or 'gpu'")
    if not isinstance(options, str):
        raise TypeError("options must be a string, e.g. \"threads=2\"")
    cpu = _check_target("target_cpu", target_cpu)
    features = _check_target("target_features", target_features)
    handle = _mha.compile(_get_context(), mlir, entry or "", pipeline, options,
                          cpu, features)
    return Function(handle, mlir, target_cpu, target_features)
