"""Score and mask modifiers as Python functions, traced into the
``score_mod`` / ``mask_mod`` regions of ``mha.attention``.

    def softcap(score, b, h, q_idx, kv_idx):
        return 30.0 * mha.tanh(score / 30.0)

    doc = mha.captured(doc_ids)                  # a NumPy array, [S]
    def same_document(b, h, q_idx, kv_idx):
        return (doc[q_idx] == doc[kv_idx]) & (kv_idx <= q_idx)

    o = mha.attention(q, k, v, score_mod=softcap, mask_mod=same_document)

The function is called once with symbols: ``score`` (f32) and the indices
``b``, ``h`` (the query head), ``q_idx`` and ``kv_idx`` (raw, without the
bottom-right alignment of ``causal``: ``q_idx + (Skv - Sq)`` gives it).
Symbols support ``+ - * /`` (and ``// %`` on integers), unary ``-``,
comparisons, ``& | ^ ~``, ``abs``, :func:`where`, :func:`tanh` and
:func:`exp`, mixed with Python numbers. Arrays enter through
:func:`captured`; indexing one with symbols reads one element. Anything else
(``if``/``and``/``or`` on a symbol, ``**``, NumPy or ``math`` functions,
indexing a raw NumPy array) raises ``TypeError`` naming the operation.

The same functions also run on NumPy arrays (``mha.reference`` calls them
with index grids), so :func:`where`, :func:`tanh`, :func:`exp` and
``captured`` arrays work on both.
"""

import numbers

import numpy as np

__all__ = ["captured", "where", "tanh", "exp", "Captured"]

_F32, _INDEX, _I1 = "f32", "index", "i1"

_CMP = {"lt": ("olt", "slt"), "le": ("ole", "sle"), "gt": ("ogt", "sgt"),
        "ge": ("oge", "sge"), "eq": ("oeq", "eq"), "ne": ("une", "ne")}


class _Tracer:
    """The body of one region being traced: MLIR lines, one SSA value each."""

    def __init__(self, prefix, captures):
        self.prefix = prefix
        self.lines = []
        self.count = 0
        self.captures = captures  # shared by both regions of one op
        self.constants = {}

    def emit(self, op, type_):
        name = f"%{self.prefix}{self.count}"
        self.count += 1
        self.lines.append(f"{name} = {op}")
        return _Symbol(self, name, type_)

    def constant(self, value, type_):
        key = (type_, repr(value))
        if key not in self.constants:
            if type_ == _F32:
                text = f"arith.constant {_f32_literal(value)} : f32"
            elif type_ == _I1:
                text = f"arith.constant {'true' if value else 'false'}"
            else:
                text = f"arith.constant {int(value)} : index"
            self.constants[key] = self.emit(text, type_)
        return self.constants[key]

    def coerce(self, x, what):
        """``x`` as a symbol of this region: a Python number becomes a
        constant (bool: i1, int: index, float: f32)."""
        if isinstance(x, _Symbol):
            if x.tracer is not self:
                raise TypeError(f"{what}: a symbol of another modifier "
                                f"cannot be used here")
            return x
        if isinstance(x, (bool, np.bool_)):
            return self.constant(bool(x), _I1)
        if isinstance(x, numbers.Integral):
            return self.constant(int(x), _INDEX)
        if isinstance(x, numbers.Real):
            return self.constant(float(x), _F32)
        if isinstance(x, np.ndarray):
            raise TypeError(f"{what}: a NumPy array cannot be combined with "
                            f"a traced value; wrap it with mha.captured(array)"
                            f" and index it, e.g. ids[q_idx]")
        raise TypeError(f"{what}: unsupported operand of type "
                        f"{type(x).__name__} for a traced value")

    def to_f32(self, x):
        if x.type == _F32:
            return x
        if x.type == _I1:
            raise TypeError("a boolean cannot be used as a number in a "
                            "modifier; use mha.where(cond, a, b)")
        i = self.emit(f"arith.index_cast {x.name} : index to i64", "i64")
        return self.emit(f"arith.sitofp {i.name} : i64 to f32", _F32)

    def unify(self, a, b, what):
        """Common type of two operands: index meets f32 as f32."""
        a, b = self.coerce(a, what), self.coerce(b, what)
        if a.type == b.type:
            return a, b
        if _I1 in (a.type, b.type):
            raise TypeError(f"{what}: cannot mix a boolean with a number; use "
                            f"mha.where(cond, a, b)")
        return self.to_f32(a), self.to_f32(b)


def _f32_literal(value):
    value = float(value)
    if np.isnan(value):
        return "0x7FC00000"
    if np.isinf(value):
        return "0x7F800000" if value > 0 else "0xFF800000"
    f32 = np.float32(value)
    if not np.isfinite(f32):
        raise ValueError(f"constant {value} overflows float32")
    return f"{float(f32):.9e}"


def _unsupported(what, hint=""):
    def method(self, *args, **kwargs):
        raise TypeError(f"unsupported operation {what} on a traced modifier "
                        f"value{hint}")
    return method


class _Symbol:
    """A value of a traced modifier: ``type`` is 'f32', 'index' or 'i1'."""

    __slots__ = ("tracer", "name", "type")

    def __init__(self, tracer, name, type_):
        self.tracer, self.name, self.type = tracer, name, type_

    def __repr__(self):
        return f"<traced {self.type} {self.name}>"

    # Arithmetic.
    def _arith(self, other, fop, iop, what, swap=False):
        t = self.tracer
        a, b = t.unify(self, other, what)
        if swap:
            a, b = b, a
        if a.type == _I1:
            raise TypeError(f"{what}: booleans have no arithmetic; use & | ^ "
                            f"or mha.where")
        if a.type == _F32:
            return t.emit(f"arith.{fop} {a.name}, {b.name} : f32", _F32)
        return t.emit(f"arith.{iop} {a.name}, {b.name} : index", _INDEX)

    def __add__(self, o):
        return self._arith(o, "addf", "addi", "'+'")

    def __radd__(self, o):
        return self._arith(o, "addf", "addi", "'+'", swap=True)

    def __sub__(self, o):
        return self._arith(o, "subf", "subi", "'-'")

    def __rsub__(self, o):
        return self._arith(o, "subf", "subi", "'-'", swap=True)

    def __mul__(self, o):
        return self._arith(o, "mulf", "muli", "'*'")

    def __rmul__(self, o):
        return self._arith(o, "mulf", "muli", "'*'", swap=True)

    def _truediv(self, o, swap):
        t = self.tracer
        a, b = t.unify(self, o, "'/'")
        a, b = t.to_f32(a), t.to_f32(b)  # true division, as in Python
        if swap:
            a, b = b, a
        return t.emit(f"arith.divf {a.name}, {b.name} : f32", _F32)

    def __truediv__(self, o):
        return self._truediv(o, False)

    def __rtruediv__(self, o):
        return self._truediv(o, True)

    def _int_only(self, o, what, swap):
        t = self.tracer
        a, b = t.coerce(self, what), t.coerce(o, what)
        if a.type != _INDEX or b.type != _INDEX:
            raise TypeError(f"{what} is supported on integer indices only, "
                            f"got {a.type} and {b.type}")
        return (b, a) if swap else (a, b)

    def _floordiv(self, o, swap):
        a, b = self._int_only(o, "'//'", swap)
        return self.tracer.emit(
            f"arith.floordivsi {a.name}, {b.name} : index", _INDEX)

    def __floordiv__(self, o):
        return self._floordiv(o, False)

    def __rfloordiv__(self, o):
        return self._floordiv(o, True)

    def _mod(self, o, swap):
        # Python's % takes the sign of the divisor: a - (a // b) * b.
        a, b = self._int_only(o, "'%'", swap)
        t = self.tracer
        q = t.emit(f"arith.floordivsi {a.name}, {b.name} : index", _INDEX)
        m = t.emit(f"arith.muli {q.name}, {b.name} : index", _INDEX)
        return t.emit(f"arith.subi {a.name}, {m.name} : index", _INDEX)

    def __mod__(self, o):
        return self._mod(o, False)

    def __rmod__(self, o):
        return self._mod(o, True)

    def __neg__(self):
        t = self.tracer
        if self.type == _F32:
            return t.emit(f"arith.negf {self.name} : f32", _F32)
        if self.type == _INDEX:
            return t.constant(0, _INDEX) - self
        raise TypeError("unary '-' on a boolean; use ~ to negate it")

    def __pos__(self):
        return self

    def __abs__(self):
        t = self.tracer
        if self.type == _F32:
            return t.emit(f"math.absf {self.name} : f32", _F32)
        if self.type == _INDEX:
            i = t.emit(f"arith.index_cast {self.name} : index to i64", "i64")
            a = t.emit(f"math.absi {i.name} : i64", "i64")
            return t.emit(f"arith.index_cast {a.name} : i64 to index", _INDEX)
        raise TypeError("abs() of a boolean")

    # Comparisons (a symbol is therefore unhashable, like a NumPy array).
    def _cmp(self, o, rel):
        t = self.tracer
        what = {"lt": "'<'", "le": "'<='", "gt": "'>'", "ge": "'>='",
                "eq": "'=='", "ne": "'!='"}[rel]
        a, b = t.unify(self, o, what)
        fpred, ipred = _CMP[rel]
        if a.type == _F32:
            return t.emit(f"arith.cmpf {fpred}, {a.name}, {b.name} : f32", _I1)
        if a.type == _I1:
            if rel not in ("eq", "ne"):
                raise TypeError(f"{what} on booleans")
            return t.emit(f"arith.cmpi {ipred}, {a.name}, {b.name} : i1", _I1)
        return t.emit(f"arith.cmpi {ipred}, {a.name}, {b.name} : index", _I1)

    def __lt__(self, o):
        return self._cmp(o, "lt")

    def __le__(self, o):
        return self._cmp(o, "le")

    def __gt__(self, o):
        return self._cmp(o, "gt")

    def __ge__(self, o):
        return self._cmp(o, "ge")

    def __eq__(self, o):
        return self._cmp(o, "eq")

    def __ne__(self, o):
        return self._cmp(o, "ne")

    __hash__ = None

    # Logic (i1) and bitwise (index) operators.
    def _logic(self, o, op, what):
        t = self.tracer
        a, b = t.coerce(self, what), t.coerce(o, what)
        if a.type != b.type or a.type == _F32:
            raise TypeError(f"{what} needs two booleans (comparisons) or two "
                            f"integers, got {a.type} and {b.type}")
        return t.emit(f"arith.{op} {a.name}, {b.name} : {a.type}", a.type)

    def __and__(self, o):
        return self._logic(o, "andi", "'&'")

    __rand__ = __and__

    def __or__(self, o):
        return self._logic(o, "ori", "'|'")

    __ror__ = __or__

    def __xor__(self, o):
        return self._logic(o, "xori", "'^'")

    __rxor__ = __xor__

    def __invert__(self):
        if self.type != _I1:
            raise TypeError(f"'~' needs a boolean, got {self.type}")
        return self ^ True

    # What tracing cannot follow.
    def __bool__(self):
        raise TypeError(
            "a traced modifier value has no truth value: 'if', 'and', 'or' "
            "and 'not' cannot branch on it; use mha.where(cond, a, b) and "
            "& | ~")

    def __index__(self):
        raise TypeError(
            "a traced index cannot index a Python sequence or a raw NumPy "
            "array; wrap the array with mha.captured(array) and index that, "
            "e.g. ids = mha.captured(doc_ids); ids[q_idx]")

    def __int__(self):
        raise TypeError("int() of a traced modifier value: its value is only "
                        "known when the compiled code runs")

    def __float__(self):
        raise TypeError("float() of a traced modifier value (e.g. from a "
                        "math.* function): use mha.tanh / mha.exp / abs")

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        raise TypeError(f"unsupported operation numpy.{ufunc.__name__} on a "
                        f"traced modifier value: use mha.tanh, mha.exp, "
                        f"mha.where, abs or the operators")

    def __array_function__(self, func, types, args, kwargs):
        raise TypeError(f"unsupported operation numpy.{func.__name__} on a "
                        f"traced modifier value: use mha.tanh, mha.exp, "
                        f"mha.where, abs or the operators")

    __pow__ = __rpow__ = _unsupported("'**'")
    __matmul__ = __rmatmul__ = _unsupported("'@'")
    __lshift__ = __rlshift__ = _unsupported("'<<'")
    __rshift__ = __rrshift__ = _unsupported("'>>'")
    __round__ = _unsupported("round()")
    __trunc__ = _unsupported("math.trunc()")
    __floor__ = _unsupported("math.floor()")
    __ceil__ = _unsupported("math.ceil()")
    __iter__ = _unsupported("iteration")
    __len__ = _unsupported("len()")
    __getitem__ = _unsupported("indexing", " (index a mha.captured array "
                               "with it instead)")
    __call__ = _unsupported("call")


def _is_symbolic(*xs):
    return any(isinstance(x, _Symbol) for x in xs)


def _tracer_of(*xs):
    return next(x.tracer for x in xs if isinstance(x, _Symbol))


def where(cond, a, b):
    """``a`` where ``cond`` holds, else ``b`` (``arith.select``); NumPy's
    ``where`` on arrays."""
    if not _is_symbolic(cond, a, b):
        return np.where(cond, a, b)
    t = _tracer_of(cond, a, b)
    c = t.coerce(cond, "mha.where")
    if c.type != _I1:
        raise TypeError(f"mha.where needs a boolean condition (a comparison), "
                        f"got {c.type}")
    x, y = t.unify(a, b, "mha.where")
    return t.emit(f"arith.select {c.name}, {x.name}, {y.name} : {x.type}",
                  x.type)


def _unary_math(name, np_fn):
    def fn(x):
        if not isinstance(x, _Symbol):
            return np_fn(x)
        t = x.tracer
        return t.emit(f"math.{name} {t.to_f32(x).name} : f32", _F32)
    fn.__name__ = name
    fn.__doc__ = (f"``{name}`` of a traced value (``math.{name}``, in f32) or "
                  f"``numpy.{name}`` of an array.")
    return fn


tanh = _unary_math("tanh", np.tanh)
exp = _unary_math("exp", np.exp)


class Captured:
    """An array read by a modifier: ``captured[q_idx]`` (one index per
    dimension, symbols or ints) reads one element. It is passed to the
    compiled function as an argument (float32, or bool for bool arrays;
    integers must be exact in float32, |x| <= 2**24), so new contents do not
    recompile. Created by :func:`captured`."""

    def __init__(self, array):
        a = np.asarray(array)
        if a.ndim == 0:
            raise ValueError("mha.captured needs an array of rank >= 1; use "
                             "a Python number for a scalar")
        if a.dtype == np.bool_:
            self.kind, data = _I1, np.ascontiguousarray(a)
        elif np.issubdtype(a.dtype, np.integer):
            if a.size and np.abs(a.astype(np.int64)).max() > 2 ** 24:
                raise ValueError("mha.captured: integer values must be at "
                                 "most 2**24 in magnitude (they travel as "
                                 "float32)")
            self.kind, data = _INDEX, np.ascontiguousarray(a, np.float32)
        elif np.issubdtype(a.dtype, np.floating):
            self.kind, data = _F32, np.ascontiguousarray(a, np.float32)
        else:
            raise TypeError(f"mha.captured: unsupported dtype {a.dtype}; "
                            f"expected bool, integer or float")
        self.array = a
        self.data = data

    @property
    def shape(self):
        return self.array.shape

    @property
    def ndim(self):
        return self.array.ndim

    def __repr__(self):
        return f"mha.captured({self.array!r})"

    def __getitem__(self, idx):
        idx = idx if isinstance(idx, tuple) else (idx,)
        if not _is_symbolic(*idx):
            return self.array[idx]  # NumPy (the reference) or plain ints
        if len(idx) != self.ndim:
            raise IndexError(f"a captured array of rank {self.ndim} needs "
                             f"{self.ndim} indices, got {len(idx)}")
        t = _tracer_of(*idx)
        names = []
        for i in idx:
            s = t.coerce(i, "captured array index")
            if s.type != _INDEX:
                raise TypeError(f"a captured array is indexed by integers, "
                                f"got {s.type}")
            names.append(s.name)
        arg = t.captures.add(self, idx)
        elem = "i1" if self.kind == _I1 else "f32"
        ttype = f"tensor<{'?x' * self.ndim}{elem}>"
        e = t.emit(f"tensor.extract {arg}[{', '.join(names)}] : {ttype}",
                   _I1 if self.kind == _I1 else _F32)
        if self.kind != _INDEX:
            return e
        i = t.emit(f"arith.fptosi {e.name} : f32 to i64", "i64")
        return t.emit(f"arith.index_cast {i.name} : i64 to index", _INDEX)


def captured(array):
    """Wraps an array (NumPy or anything ``numpy.asarray`` takes) so that
    modifiers can index it with symbols; see :class:`Captured`."""
    return array if isinstance(array, Captured) else Captured(array)


class _Captures:
    """The captured arrays of one op, in argument order, and the indices
    each dimension is read with (to check sizes when the raw block
    arguments index them)."""

    def __init__(self):
        self.arrays = []
        self.reads = []  # (position, dim, block argument name)

    def add(self, array, idx):
        for n, a in enumerate(self.arrays):
            if a is array:
                break
        else:
            n = len(self.arrays)
            self.arrays.append(array)
        for dim, i in enumerate(idx):
            if isinstance(i, _Symbol) and i.name in _BLOCK_ARGS:
                self.reads.append((n, dim, i.name))
        return f"%cap{n}"

    def types(self):
        return tuple(f"tensor<{'?x' * a.ndim}{'i1' if a.kind == _I1 else 'f32'}>"
                     for a in self.arrays)


#: The block argument names of the regions -> the extent they range over
#: (an index into (B, H, Sq, Skv)).
_BLOCK_ARGS = {"%b": 0, "%h": 1, "%q_idx": 2, "%kv_idx": 3}


class Traced:
    """The traced regions of one ``mha.attention``: ``score_mod`` /
    ``mask_mod`` region text (None when absent), the captured arrays in
    argument order and their MLIR types."""

    def __init__(self, score_mod, mask_mod, captures):
        self.score_mod = score_mod
        self.mask_mod = mask_mod
        self.captures = captures

    @property
    def capture_types(self):
        return self.captures.types()

    def key(self):
        """What the compiled function depends on: the region text and the
        captured arguments' types (not their values)."""
        return (self.score_mod, self.mask_mod, self.capture_types)

    def check_sizes(self, extents):
        """Raises when a captured array is read at a raw index beyond its
        size: ``extents`` = (B, H, Sq, Skv)."""
        names = ("b", "h", "q_idx", "kv_idx")
        for n, dim, arg in self.captures.reads:
            a = self.captures.arrays[n]
            need = extents[_BLOCK_ARGS[arg]]
            if a.shape[dim] < need:
                raise ValueError(
                    f"captured array #{n} of shape {a.shape} is indexed by "
                    f"{names[_BLOCK_ARGS[arg]]} (up to {need - 1}) in dim "
                    f"{dim}, but has only {a.shape[dim]} elements there")

    def arguments(self):
        return [a.data for a in self.captures.arrays]


def _call_user(fn, args, what):
    if not callable(fn):
        raise TypeError(f"{what} must be a function, got "
                        f"{type(fn).__name__}")
    try:
        return fn(*args)
    except IndexError as e:
        # NumPy turns the TypeError of _Symbol.__index__ into this one.
        if "only integers, slices" not in str(e):
            raise
        raise TypeError(
            f"{what}: a raw NumPy array cannot be indexed by a traced index; "
            f"wrap the array with mha.captured(array) and index that, e.g. "
            f"ids = mha.captured(doc_ids); ids[q_idx]") from e


def trace(score_mod=None, mask_mod=None):
    """Traces the modifiers into region text; None when both are None."""
    if score_mod is None and mask_mod is None:
        return None
    captures = _Captures()
    score_text = mask_text = None
    indices = [("%b", "b"), ("%h", "h"), ("%q_idx", "q_idx"),
               ("%kv_idx", "kv_idx")]
    if score_mod is not None:
        t = _Tracer("s", captures)
        score = _Symbol(t, "%score", _F32)
        idx = [_Symbol(t, n, _INDEX) for n, _ in indices]
        r = t.coerce(_call_user(score_mod, [score] + idx, "score_mod"),
                     "the result of score_mod")
        if r.type == _I1:
            raise TypeError("score_mod must return a number (the new score), "
                            "got a boolean; masks belong in mask_mod")
        r = t.to_f32(r)
        score_text = _region(
            "score_mod", "%score: f32, " + ", ".join(
                f"{n}: index" for n, _ in indices), t.lines, r.name, "f32")
    if mask_mod is not None:
        t = _Tracer("m", captures)
        idx = [_Symbol(t, n, _INDEX) for n, _ in indices]
        r = t.coerce(_call_user(mask_mod, idx, "mask_mod"),
                     "the result of mask_mod")
        if r.type != _I1:
            raise TypeError(f"mask_mod must return a boolean (a comparison, "
                            f"True = attend), got {r.type}")
        mask_text = _region(
            "mask_mod", ", ".join(f"{n}: index" for n, _ in indices),
            t.lines, r.name, "i1")
    return Traced(score_text, mask_text, captures)


def _region(name, args, lines, result, type_):
    body = "".join(f"      {line}\n" for line in lines)
    return (f"    {name} {{\n    ^bb0({args}):\n{body}"
            f"      mha.yield {result} : {type_}\n    }}\n")


def evaluate(score_mod, mask_mod, scores, extents):
    """The modifiers on NumPy arrays (for mha.reference): ``scores`` is
    [B, H, Sq, Skv]; returns (new scores, keep mask or None)."""
    b, h, sq, skv = extents
    grids = (np.arange(b).reshape(b, 1, 1, 1), np.arange(h).reshape(1, h, 1, 1),
             np.arange(sq).reshape(1, 1, sq, 1),
             np.arange(skv).reshape(1, 1, 1, skv))
    keep = None
    if score_mod is not None:
        scores = np.broadcast_to(score_mod(scores, *grids), scores.shape)
    if mask_mod is not None:
        keep = np.broadcast_to(np.asarray(mask_mod(*grids), dtype=bool),
                               (b, h, sq, skv))
    return scores, keep
