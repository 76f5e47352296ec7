"""ONNX Runtime as a benchmark peer: one-node models built in code with
com.microsoft ``MultiHeadAttention`` (prefill) and ``GroupQueryAttention``
(decode with a KV cache), run by the CPU execution provider.

Needs the optional packages ``onnxruntime`` and ``onnx``
(``pip install onnxruntime onnx``, or the ``bench`` extra of the package);
``available()`` says whether they import. ONNX Runtime takes its native
layouts: queries, keys and values ``[B, S, H*D]`` for ``MultiHeadAttention``,
the KV cache ``[B, Hkv, S, D]`` for ``GroupQueryAttention``. The converters
here turn mha's ``[B, H, S, D]`` into them once, outside the timed calls.
"""

import numpy as np


def available():
    """Why ONNX Runtime cannot run here, or None when it can."""
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
    except ImportError as e:
        return (f"{e.name or 'onnxruntime'} is not installed "
                f"(pip install onnxruntime onnx)")
    return None


def _session(model, threads, spin):
    import onnxruntime as ort
    so = ort.SessionOptions()
    if not spin:
        # Idle pool threads sleep instead of spinning on the cores that the
        # next system timed needs.
        so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.log_severity_level = 3
    return ort.InferenceSession(model.SerializeToString(), so,
                                providers=["CPUExecutionProvider"])


def _model(node, inputs, outputs):
    from onnx import helper
    graph = helper.make_graph([node], "attention", inputs, outputs)
    return helper.make_model(graph, opset_imports=[
        helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)])


_ELEM = {"float32": 1, "float16": 10, "bfloat16": 16}  # onnx.TensorProto


def _elem(dtype):
    name = np.dtype(dtype).name
    if name not in _ELEM:
        raise ValueError(f"no ONNX element type for {name}")
    return _ELEM[name]


def to_bsd(x):
    """[B, H, S, D] -> [B, S, H*D] (contiguous), ONNX Runtime's layout."""
    b, h, s, d = x.shape
    return np.ascontiguousarray(x.transpose(0, 2, 1, 3).reshape(b, s, h * d))


def from_bsd(x, h):
    """[B, S, H*D] -> [B, H, S, D]."""
    b, s, hd = x.shape
    return np.ascontiguousarray(x.reshape(b, s, h, hd // h).transpose(0, 2, 1, 3))


def multi_head_attention(q, k, v, causal, threads, spin=True):
    """A callable running com.microsoft MultiHeadAttention on q, k, v
    ([B, H, S, D], H == Hkv, Sq == Skv when causal) with ``threads``
    intra-op threads (``spin=False``: idle ones sleep); it returns ONNX Runtime's [B, Sq, H*D] result (convert
    with ``from_bsd``). Raises whatever ONNX Runtime raises when it has no
    kernel for the dtype."""
    from onnx import helper
    b, h, sq, d = q.shape
    skv = k.shape[2]
    if k.shape[1] != h:
        raise ValueError("MultiHeadAttention needs as many K/V heads as "
                         "query heads (use group_query_attention)")
    elem = _elem(q.dtype)
    vi = helper.make_tensor_value_info
    node = helper.make_node("MultiHeadAttention", ["q", "k", "v"], ["o"],
                            domain="com.microsoft", num_heads=h,
                            unidirectional=int(bool(causal)),
                            scale=float(1 / np.sqrt(d)))
    model = _model(node, [vi("q", elem, [b, sq, h * d]),
                          vi("k", elem, [b, skv, h * d]),
                          vi("v", elem, [b, skv, h * d])],
                   [vi("o", elem, [b, sq, h * d])])
    sess = _session(model, threads, spin)
    import onnxruntime as ort
    feeds = {n: ort.OrtValue.ortvalue_from_numpy(to_bsd(x))
             for n, x in (("q", q), ("k", k), ("v", v))}
    io = sess.io_binding()
    for name, value in feeds.items():
        io.bind_ortvalue_input(name, value)
    io.bind_output("o")

    def run():
        sess.run_with_iobinding(io)
        return io.get_outputs()[0].numpy()
    return run


def group_query_attention(q, k, v, threads, spin=True):
    """A callable running com.microsoft GroupQueryAttention for one decode
    step: q [B, H, 1, D] attends to the whole K/V cache [B, Hkv, Skv, D].
    The cache is bound as both past and present key/value (ONNX Runtime's
    shared-buffer KV cache, as ONNX Runtime GenAI runs it): each call writes
    the step's own key, the last row of the cache, in place and reads the
    rest, with no copy of the cache. Returns [B, 1, H*D]."""
    import onnxruntime as ort
    from onnx import TensorProto, helper
    b, h, sq, d = q.shape
    hkv, skv = k.shape[1], k.shape[2]
    if sq != 1:
        raise ValueError(f"group_query_attention times one decode step "
                         f"(Sq = 1), got Sq = {sq}")
    elem = _elem(q.dtype)
    vi = helper.make_tensor_value_info
    names = ["q", "k", "v", "past_k", "past_v", "seqlens_k", "total"]
    node = helper.make_node("GroupQueryAttention", names,
                            ["o", "present_k", "present_v"],
                            domain="com.microsoft", num_heads=h,
                            kv_num_heads=hkv, scale=float(1 / np.sqrt(d)))
    cache = [b, hkv, skv, d]
    model = _model(node, [vi("q", elem, [b, sq, h * d]),
                          vi("k", elem, [b, sq, hkv * d]),
                          vi("v", elem, [b, sq, hkv * d]),
                          vi("past_k", elem, cache), vi("past_v", elem, cache),
                          vi("seqlens_k", TensorProto.INT32, [b]),
                          vi("total", TensorProto.INT32, [])],
                   [vi("o", elem, [b, sq, h * d]),
                    vi("present_k", elem, cache), vi("present_v", elem, cache)])
    sess = _session(model, threads, spin)
    kc, vc = np.ascontiguousarray(k).copy(), np.ascontiguousarray(v).copy()
    kov = ort.OrtValue.ortvalue_from_numpy(kc)
    vov = ort.OrtValue.ortvalue_from_numpy(vc)
    io = sess.io_binding()
    for name, x in (("q", to_bsd(q)), ("k", to_bsd(k[:, :, skv - sq:])),
                    ("v", to_bsd(v[:, :, skv - sq:])),
                    ("seqlens_k", np.full((b,), skv - 1, np.int32)),
                    ("total", np.array(skv, np.int32))):
        io.bind_ortvalue_input(name, ort.OrtValue.ortvalue_from_numpy(x))
    io.bind_ortvalue_input("past_k", kov)
    io.bind_ortvalue_input("past_v", vov)
    io.bind_output("o")
    io.bind_ortvalue_output("present_k", kov)
    io.bind_ortvalue_output("present_v", vov)
    keep = (kc, vc)  # the OrtValues borrow these arrays

    def run():
        assert keep
        sess.run_with_iobinding(io)
        return io.get_outputs()[0].numpy()
    return run
