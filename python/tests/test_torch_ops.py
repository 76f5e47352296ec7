"""mha with PyTorch: tensors in and out, torch.ops.mha custom ops under eager
and torch.compile, the SDPA drop-in and its patch (skipped without
PyTorch)."""

import numpy as np
import pytest

import mha

torch = pytest.importorskip("torch")
import mha.torch as mt  # noqa: E402

F = torch.nn.functional


def rand(*shape, dtype=torch.float32):
    return torch.rand(*shape, generator=GEN).mul(2).sub(1).to(dtype)


GEN = torch.Generator().manual_seed(0)
TOL = {torch.float32: 2e-5, torch.float16: 2e-3, torch.bfloat16: 2e-2}


def ref(q, k, v, **kw):
    """PyTorch SDPA in float64."""
    d = lambda t: None if t is None else (  # noqa: E731
        t if t.dtype == torch.bool else t.double())
    mask = kw.pop("attn_mask", None)
    return F.scaled_dot_product_attention(q.double(), k.double(), v.double(),
                                          attn_mask=d(mask), **kw)


def close(actual, expected, dtype=torch.float32):
    assert actual.shape == expected.shape
    err = (actual.double() - expected.double()).abs().max().item()
    assert err <= TOL[dtype], err


# --------------------------------------------------------------------------
# Tensors in, tensors out
# --------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [torch.float32, torch.float16,
                                   torch.bfloat16], ids=str)
def test_torch_in_torch_out(dtype):
    q, k, v = rand(1, 4, 9, 16, dtype=dtype), rand(1, 2, 13, 16, dtype=dtype), \
        rand(1, 2, 13, 8, dtype=dtype)
    o = mha.attention(q, k, v)
    assert isinstance(o, torch.Tensor) and o.dtype == dtype
    close(o, ref(q, k, v, enable_gqa=True), dtype)


class SpyHandle:
    """Records the (address, strides) of each argument that a compiled
    function's binding receives."""

    def __init__(self, handle):
        self.handle, self.seen = handle, []

    def call_pointers(self, args, framework):
        self.seen.append([(a[0], tuple(a[3])) for a in args])
        return self.handle.call_pointers(args, framework)

    def __getattr__(self, name):
        return getattr(self.handle, name)


def test_zero_copy_inputs(monkeypatch):
    """Tensors reach the binding as themselves (data pointer and strides,
    no .contiguous() copy), also a strided KV cache slice, on the full path
    and on the call plan of repeated calls."""
    mha.cache_clear()
    q, cache = rand(1, 2, 4, 8), rand(1, 2, 16, 8)
    mha.attention(q, cache[:, :, :6], cache[:, :, :6])
    fn = next(iter(mha.api._cache.entries.values()))
    spy = fn._handle = SpyHandle(fn._handle)

    def no_copy(*args, **kwargs):
        raise AssertionError("an input was copied in Python")

    monkeypatch.setattr(torch.Tensor, "contiguous", no_copy)
    k = cache[:, :, :7]
    assert not k.is_contiguous()
    mha.api._cache.fast.clear()
    outs = [mha.attention(q, k, k), mha.attention(q, k, k)]  # full, plan
    expect = [(q.data_ptr(), ()), (k.data_ptr(), k.stride()),
              (k.data_ptr(), k.stride())]
    assert spy.seen == [expect, expect]
    monkeypatch.undo()
    for o in outs:
        close(o, ref(q, k, k))


def test_decode_loop_uses_one_call_plan(monkeypatch):
    """A decode loop over a growing KV cache slice (NumPy and torch) runs
    on one call plan after its first step: no checks, key building or copy
    in Python per step (the binding copies the strided slice in C++)."""
    mha.cache_clear()
    q, cache = rand(1, 4, 1, 16), rand(1, 4, 40, 16)

    def no_copy(*args, **kwargs):
        raise AssertionError("an input was copied in Python")

    for qq, cc in ((q, cache), (q.numpy(), cache.numpy())):
        mha.attention(qq, cc[:, :, :20], cc[:, :, :20])
        plans = dict(mha.api._cache.fast)
        monkeypatch.setattr(mha.api, "_inputs", no_copy)  # the full path
        monkeypatch.setattr(torch.Tensor, "contiguous", no_copy)
        monkeypatch.setattr(np, "ascontiguousarray", no_copy)
        outs = {n: mha.attention(qq, cc[:, :, :n], cc[:, :, :n])
                for n in range(21, 40)}
        monkeypatch.undo()
        assert mha.api._cache.fast == plans
        for n, o in outs.items():
            close(torch.as_tensor(o), ref(q, cache[:, :, :n],
                                          cache[:, :, :n]))
    assert mha.cache_info().misses == 1


def test_strided_numpy_inputs():
    """NumPy views of any strides (negative, transposed, sliced) are read
    through the binding's one copy, and agree with contiguous copies."""
    q, k = rand(1, 2, 5, 8).numpy(), rand(1, 2, 12, 8).numpy()
    views = (k[:, :, ::-1], k.transpose(0, 1, 3, 2)[..., :8].transpose(
        0, 1, 3, 2), k[:, :, 2:10])
    for kv in views:
        assert not kv.flags.c_contiguous
        got = mha.attention(q, kv, kv)
        np.testing.assert_allclose(got, mha.attention(
            q, kv.copy(), kv.copy()), rtol=0, atol=0)


def test_non_contiguous_inputs():
    kt = rand(1, 2, 8, 20).transpose(2, 3)  # [1, 2, 20, 8], strided
    q = rand(1, 2, 30, 8)[:, :, ::3]        # every third query
    exp = rand(1, 1, 20, 8).expand(1, 2, 20, 8)  # stride 0
    assert not kt.is_contiguous() and not q.is_contiguous()
    close(mha.attention(q, kt, exp), ref(q, kt, exp))


def test_numpy_and_mixed():
    q, k = rand(1, 2, 4, 8), rand(1, 2, 6, 8)
    o = mha.attention(q.numpy(), k, k.numpy())
    assert isinstance(o, np.ndarray)
    close(torch.from_numpy(o), ref(q, k, k))


class DLPackOnly:
    """An array that only speaks DLPack."""

    def __init__(self, t):
        self.t = t

    def __dlpack__(self, **kw):
        return self.t.__dlpack__(**kw)

    def __dlpack_device__(self):
        return self.t.__dlpack_device__()


def test_other_dlpack_arrays():
    q, k = rand(1, 2, 4, 8), rand(1, 2, 6, 8)
    o = mha.attention(DLPackOnly(q), DLPackOnly(k), DLPackOnly(k))
    close(torch.from_numpy(np.asarray(o)), ref(q, k, k))


def test_torch_masks():
    q, k = rand(2, 4, 6, 8), rand(2, 4, 10, 8)
    keep = torch.rand(2, 1, 6, 10, generator=GEN) < 0.7
    keep[..., 0] = True
    close(mha.attention(q, k, k, mask=keep), ref(q, k, k, attn_mask=keep))
    bias = rand(6, 10)
    close(mha.attention(q, k, k, mask=bias), ref(q, k, k, attn_mask=bias))
    # A broadcast (expanded, stride-0) mask is narrowed, not copied.
    wide = bias.expand(2, 4, 6, 10)
    close(mha.attention(q, k, k, mask=wide), ref(q, k, k, attn_mask=bias))


def test_layer_torch():
    b, s, e, h = 2, 7, 32, 4
    x = rand(b, s, e)
    w = [rand(e, e) * 0.2 for _ in range(4)]
    y = mha.multi_head_attention(x, *w, num_heads=h)
    assert isinstance(y, torch.Tensor)
    expect = mha.multi_head_attention(x.numpy(), *(t.numpy() for t in w),
                                      num_heads=h)
    np.testing.assert_allclose(y.numpy(), expect, rtol=1e-6, atol=1e-6)
    z = torch.ops.mha.multi_head_attention(x, *w, h)
    np.testing.assert_allclose(z.numpy(), expect, rtol=1e-6, atol=1e-6)


def test_errors():
    q = rand(1, 2, 4, 8)
    with pytest.raises(TypeError, match="k has dtype float64"):
        mha.attention(q, q.double(), q)
    with pytest.raises(TypeError, match="q has dtype int32"):
        mha.attention(q.int(), q.int(), q.int())
    with pytest.raises(ValueError, match="must have the same head dim"):
        mha.attention(q, rand(1, 2, 4, 4), rand(1, 2, 4, 4))
    with pytest.raises(TypeError, match="mask has dtype float16"):
        mha.attention(q, q, q, mask=q.half())


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU")
def test_cuda_tensor_needs_the_gpu_pipeline():
    q = rand(1, 2, 4, 8).cuda()
    with pytest.raises(ValueError, match="on device cuda:0; mha runs on host "
                       r"memory.*used in place with pipeline='gpu'"):
        mha.attention(q, q, q)
    with pytest.raises(ValueError, match="k is in host memory but q is a "
                       "CUDA tensor"):
        mha.attention(q, q.cpu(), q.cpu(), pipeline="gpu")


def test_device_tensors_are_rejected_by_device_type():
    """The device dispatch without a GPU: a tensor on another device (meta)
    and a DLPack array that reports CUDA memory raise ValueError naming
    it, for both pipelines; the binding's device entry refuses host
    arrays."""
    meta = torch.empty(1, 2, 4, 8, device="meta")
    for pipeline in ("cpu", "gpu"):
        with pytest.raises(ValueError, match="q is on device meta"):
            mha.attention(meta, meta, meta, pipeline=pipeline)

    class CudaArray:  # what a CuPy / JAX GPU array reports
        shape, ndim = (1, 2, 4, 8), 4

        def __dlpack__(self, **kwargs):
            raise AssertionError("must not be read")

        def __dlpack_device__(self):
            return (2, 0)

    host = rand(1, 2, 4, 8)
    for pipeline in ("cpu", "gpu"):
        with pytest.raises(ValueError, match=r"q \(CudaArray\) is in CUDA "
                           r"device memory \(DLPack device type 2\)"):
            mha.attention(CudaArray(), host, host, pipeline=pipeline)
    fn = mha.compile(mha.ir.sdpa((1, 2, 4, 8), (1, 2, 4, 8), (1, 2, 4, 8)),
                     pipeline="gpu")
    out = torch.empty(1, 2, 4, 8)
    with pytest.raises(ValueError, match="argument 0 is not in CUDA device "
                       "memory"):
        fn._handle.call_device([host, host, host], [out], 0)


# --------------------------------------------------------------------------
# Shapes: one compile for a decode loop; static_shapes pins them
# --------------------------------------------------------------------------

def test_decode_loop_compiles_once():
    mha.cache_clear()
    q = rand(1, 8, 1, 16)
    cache = rand(2, 8, 40, 16)
    for skv in range(20, 40):
        k = cache[:1, :, :skv]
        close(mha.attention(q, k, k), ref(q, k, k))
    # Another batch and a prefill longer than STATIC_SQ_MAX: one more each.
    qp = rand(2, 8, 33, 16)
    close(mha.attention(qp, cache, cache), ref(qp, cache, cache))
    qp = rand(1, 8, 20, 16)
    close(mha.attention(qp, cache[:1], cache[:1]), ref(qp, cache[:1],
                                                        cache[:1]))
    assert mha.cache_info().misses == 2
    assert mha.cache_info().hits == 20


def test_static_shapes():
    mha.cache_clear()
    q, k = rand(1, 2, 20, 8), rand(1, 2, 30, 8)
    mha.attention(q, k, k, static_shapes=True)
    mha.attention(q, k[:, :, :29], k[:, :, :29], static_shapes=True)
    assert mha.cache_info().misses == 2
    fns = list(mha.api._cache.entries.values())
    assert [f.args[1].shape for f in fns] == [(1, 2, 30, 8), (1, 2, 29, 8)]
    # Repeated calls (call plans) keep the exact shapes apart, also for a
    # NumPy bool flag.
    for flag in (True, np.bool_(True)):
        for n in (30, 29, 28):
            kn = k[:, :, :n]
            close(mha.attention(q, kn, kn, static_shapes=flag), ref(q, kn, kn))
    assert mha.cache_info().misses == 3


# --------------------------------------------------------------------------
# Custom ops
# --------------------------------------------------------------------------

def test_op_eager():
    q, k, v = rand(2, 4, 8, 16), rand(2, 2, 12, 16), rand(2, 2, 12, 16)
    o = torch.ops.mha.attention(q, k, v, None, True)
    i = torch.arange(8)[:, None]
    j = torch.arange(12)[None, :]
    close(o, ref(q, k, v, attn_mask=j <= i + 4, enable_gqa=True))


def test_opcheck():
    q, k, v = rand(2, 4, 8, 16), rand(2, 2, 12, 16), rand(2, 2, 12, 16)
    torch.library.opcheck(torch.ops.mha.attention.default, (q, k, v))
    torch.library.opcheck(torch.ops.mha.attention.default, (q, k, v),
                          {"mask": rand(8, 12), "causal": True})
    x, w = rand(1, 5, 16), [rand(16, 16) for _ in range(4)]
    torch.library.opcheck(torch.ops.mha.multi_head_attention.default,
                          (x, *w, 2))


def test_backward_raises():
    q = rand(1, 2, 4, 8).requires_grad_()
    k = rand(1, 2, 4, 8)
    for out in (torch.ops.mha.attention(q, k, k), mha.attention(q, k, k),
                mt.scaled_dot_product_attention(q, k, k)):
        assert out.requires_grad
        with pytest.raises(RuntimeError, match="no backward pass"):
            out.sum().backward()
    x = rand(1, 3, 8)
    w = [rand(8, 8).requires_grad_() for _ in range(4)]
    with pytest.raises(RuntimeError, match="no backward pass"):
        mha.multi_head_attention(x, *w, num_heads=2).sum().backward()


class Block(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = torch.nn.Linear(16, 16)

    def forward(self, q, k, v):
        o = torch.ops.mha.attention(self.proj(q), k, v, None, True)
        return torch.relu(o) + 1


@pytest.mark.parametrize("backend", ["aot_eager", "inductor"])
def test_torch_compile_fullgraph(backend):
    torch._dynamo.reset()
    m = Block().eval()
    compiled = torch.compile(m, fullgraph=True, backend=backend, dynamic=True)
    with torch.no_grad():
        for skv in (12, 13):  # dynamic: a second length does not recompile
            q, k = rand(1, 2, 4, 16), rand(1, 2, skv, 16)
            torch.testing.assert_close(compiled(q, k, k), m(q, k, k))


# --------------------------------------------------------------------------
# SDPA drop-in
# --------------------------------------------------------------------------

@pytest.mark.parametrize("sq,skv", [(9, 9), (5, 12), (12, 5), (1, 7)])
@pytest.mark.parametrize("is_causal", [False, True])
def test_sdpa_semantics(sq, skv, is_causal):
    """PyTorch's is_causal is top-left aligned: for sq != skv it differs
    from mha's bottom-right causal; both alignments are checked."""
    q, k, v = rand(2, 4, sq, 8), rand(2, 4, skv, 8), rand(2, 4, skv, 8)
    got = mt.scaled_dot_product_attention(q, k, v, is_causal=is_causal)
    close(got, ref(q, k, v, is_causal=is_causal))
    if is_causal and sq != skv and sq <= skv:
        # mha's own causal (bottom-right) is a different, also correct mask.
        i, j = torch.arange(sq)[:, None], torch.arange(skv)[None, :]
        close(mha.attention(q, k, v, causal=True),
              ref(q, k, v, attn_mask=j <= i + skv - sq))
        assert not torch.allclose(got, mha.attention(q, k, v, causal=True))


def test_sdpa_fully_masked_row_is_zero_as_in_pytorch():
    q, k = rand(1, 2, 3, 8), rand(1, 2, 5, 8)
    mask = torch.ones(3, 5, dtype=torch.bool)
    mask[1] = False  # query 1 sees no key
    got = mt.scaled_dot_product_attention(q, k, k, attn_mask=mask)
    assert torch.equal(got[:, :, 1], torch.zeros(1, 2, 8))
    close(got, F.scaled_dot_product_attention(q, k, k, attn_mask=mask))


def test_sdpa_masks_gqa_scale_rank3():
    q, k, v = rand(2, 4, 6, 8), rand(2, 2, 10, 8), rand(2, 2, 10, 8)
    keep = torch.rand(6, 10, generator=GEN) < 0.6
    keep[:, 0] = True
    kw = dict(enable_gqa=True, scale=0.3)
    close(mt.scaled_dot_product_attention(q, k, v, keep, **kw),
          ref(q, k, v, attn_mask=keep, **kw))
    bias = rand(2, 1, 6, 10)
    close(mt.scaled_dot_product_attention(q, k, v, bias, **kw),
          ref(q, k, v, attn_mask=bias, **kw))
    q3, k3 = rand(3, 5, 8), rand(3, 7, 8)
    close(mt.scaled_dot_product_attention(q3, k3, k3), ref(q3, k3, k3))


def test_sdpa_errors():
    q = rand(1, 2, 4, 8)
    with pytest.raises(ValueError, match="dropout_p=0.1 is not supported"):
        mt.scaled_dot_product_attention(q, q, q, dropout_p=0.1)
    with pytest.raises(ValueError, match="enable_gqa=True"):
        mt.scaled_dot_product_attention(q, rand(1, 1, 4, 8), rand(1, 1, 4, 8))
    with pytest.raises(ValueError, match="cannot be combined"):
        mt.scaled_dot_product_attention(q, q, q, torch.ones(4, 4, dtype=bool),
                                        is_causal=True)


def counting_patch():
    calls = []
    real = mt.scaled_dot_product_attention

    def count(*a, **kw):
        calls.append(1)
        return real(*a, **kw)
    return calls, count


def test_patch_runs_stock_modules_on_mha(monkeypatch):
    calls, count = counting_patch()
    monkeypatch.setattr(mt, "scaled_dot_product_attention", count)
    torch.manual_seed(1)
    layer = torch.nn.TransformerEncoderLayer(
        d_model=32, nhead=4, dim_feedforward=64, dropout=0.0,
        batch_first=True)
    mha_layer = torch.nn.MultiheadAttention(32, 4, batch_first=True)
    # Training mode turns the fused inference fast path off, so the modules
    # call F.scaled_dot_product_attention (dropout is 0).
    layer.train()
    mha_layer.train()
    x = rand(2, 9, 32)
    causal = torch.nn.Transformer.generate_square_subsequent_mask(9)
    with torch.no_grad():
        expect = layer(x, src_mask=causal, is_causal=True)
        expect_attn = mha_layer(x, x, x, need_weights=False)[0]
        original = F.scaled_dot_product_attention
        with mt.patch_sdpa():
            assert F.scaled_dot_product_attention is not original
            got = layer(x, src_mask=causal, is_causal=True)
            got_attn = mha_layer(x, x, x, need_weights=False)[0]
        assert F.scaled_dot_product_attention is original
    assert len(calls) == 2
    torch.testing.assert_close(got, expect, atol=2e-5, rtol=2e-5)
    torch.testing.assert_close(got_attn, expect_attn, atol=2e-5, rtol=2e-5)


class HFStyleAttention(torch.nn.Module):
    """The shape of a Hugging Face *SdpaAttention module."""

    def __init__(self, e=32, h=4, hkv=2):
        super().__init__()
        self.h, self.hkv, self.d = h, hkv, e // h
        self.q = torch.nn.Linear(e, h * self.d)
        self.kv = torch.nn.Linear(e, 2 * hkv * self.d)
        self.o = torch.nn.Linear(h * self.d, e)

    def forward(self, x, past=None):
        b, s, _ = x.shape
        q = self.q(x).view(b, s, self.h, self.d).transpose(1, 2)
        k, v = self.kv(x).view(b, s, 2, self.hkv, self.d).permute(2, 0, 3, 1,
                                                                   4)
        if past is not None:
            k, v = torch.cat([past[0], k], 2), torch.cat([past[1], v], 2)
        o = torch.nn.functional.scaled_dot_product_attention(
            q, k, v, is_causal=past is None, enable_gqa=True)
        return self.o(o.transpose(1, 2).reshape(b, s, -1)), (k, v)


def test_patch_hf_style_prefill_and_decode(monkeypatch):
    calls, count = counting_patch()
    monkeypatch.setattr(mt, "scaled_dot_product_attention", count)
    torch.manual_seed(2)
    m = HFStyleAttention().eval()
    x = rand(1, 6, 32)
    step = rand(1, 1, 32)
    with torch.no_grad():
        y, past = m(x)
        z, _ = m(step, past)
        with mt.patch_sdpa():
            y2, past2 = m(x)
            z2, _ = m(step, past2)
    assert len(calls) == 2
    torch.testing.assert_close(y2, y, atol=2e-5, rtol=2e-5)
    torch.testing.assert_close(z2, z, atol=2e-5, rtol=2e-5)


def test_repeated_calls_keep_the_grad_and_layout_handling():
    """The fast path of repeated calls (same dtypes and shapes) leaves
    tensors that require grad or are not contiguous to the full path."""
    q = rand(1, 2, 4, 8)
    expect = mha.attention(q, q, q)
    torch.testing.assert_close(mha.attention(q, q, q), expect)
    g = q.clone().requires_grad_()
    with pytest.raises(RuntimeError, match="no backward pass"):
        mha.attention(g, g, g).sum().backward()
    t = q.transpose(2, 3).contiguous().transpose(2, 3)
    assert not t.is_contiguous()
    torch.testing.assert_close(mha.attention(t, t, t), expect)


def fake_cuda(*shape, device="cuda"):
    """A CUDA tensor's metadata without a GPU (FakeTensorMode): enough for
    the device checks, which read .device / .is_cuda only."""
    from torch._subclasses.fake_tensor import FakeTensorMode
    with FakeTensorMode():
        return torch.empty(*shape, device=device)


def test_cuda_tensor_errors_without_a_gpu():
    """The CUDA device checks, run everywhere: a CUDA tensor with the cpu
    pipeline, a tensor on cuda:1, and CUDA tensors mixed with host arrays
    (inputs or the mask) raise ValueError naming the argument, before
    anything is compiled."""
    q, host = fake_cuda(1, 2, 4, 8), rand(1, 2, 4, 8)
    assert q.is_cuda and q.device.index == 0
    mha.cache_clear()
    with pytest.raises(ValueError, match=r"q is on device cuda:0; mha runs on "
                       r"host memory: pass q.cpu\(\) \(CUDA tensors are used "
                       r"in place with pipeline='gpu'\)"):
        mha.attention(q, q, q)
    with pytest.raises(ValueError, match=r"k is on device cuda:0"):
        mha.attention(host, q, q)
    other = fake_cuda(1, 2, 4, 8, device="cuda:1")
    with pytest.raises(ValueError, match=r"q is on cuda:1; the gpu pipeline's "
                       r"functions run on CUDA device 0"):
        mha.attention(other, other, other, pipeline="gpu")
    with pytest.raises(ValueError, match="v is in host memory but q is a CUDA "
                       "tensor"):
        mha.attention(q, q, host, pipeline="gpu")
    with pytest.raises(ValueError, match="k is a CUDA tensor but q is in host "
                       "memory"):
        mha.attention(host, q, host, pipeline="gpu")
    with pytest.raises(ValueError, match="mask is a CUDA tensor but q is in "
                       "host memory"):
        mha.attention(host, host, host, mask=fake_cuda(1, 1, 4, 4).bool(),
                      pipeline="gpu")
    with pytest.raises(ValueError, match="x is on device cuda:0"):
        mha.multi_head_attention(fake_cuda(1, 3, 8), *[rand(8, 8)] * 4,
                                 num_heads=2)
    assert mha.cache_info().misses == 0
