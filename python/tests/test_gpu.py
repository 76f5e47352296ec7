"""pipeline="gpu": the gpu pipeline's CUDA kernels.

Compiling needs only the CUDA toolkit's ptxas, so it is tested everywhere.
Without an NVIDIA GPU and driver, runs raise RuntimeError with the CUDA
runtime's message (TestWithoutGPU). With one, every op feature is checked
against the float64 NumPy reference with the dtype tolerances of conftest,
and against PyTorch SDPA on the GPU when torch has CUDA (TestOnGPU; skipped
here with the reason).
"""

import numpy as np
import pytest

import mha
from mha import reference

from conftest import (DRIVER_LOADABLE, DTYPES, GPU_OPTIONS, assert_close,
                      random, requires_gpu, requires_no_gpu)

# (B, H, Hkv, Sq, Skv, D, Dv)
SHAPES = {
    "mha": (2, 4, 4, 16, 16, 32, 32),
    "gqa": (1, 8, 2, 33, 33, 64, 64),
    "mqa": (2, 6, 1, 20, 20, 16, 16),
    "sq_lt_skv": (1, 4, 2, 24, 100, 64, 64),
    "sq_gt_skv": (1, 2, 1, 40, 17, 32, 32),
    "dv_ne_d": (1, 4, 2, 12, 24, 32, 16),
    "odd": (1, 3, 3, 67, 130, 24, 24),
    "decode": (1, 8, 2, 1, 300, 128, 128),
    "tiles": (1, 2, 1, 129, 200, 64, 64),
}

SMALL = mha.ir.sdpa((1, 2, 8, 16), (1, 1, 8, 16), (1, 1, 8, 16), causal=True)


def make(rng, shape, dtype="f32"):
    b, h, hkv, sq, skv, d, dv = shape
    return (random(rng, (b, h, sq, d), dtype),
            random(rng, (b, hkv, skv, d), dtype),
            random(rng, (b, hkv, skv, dv), dtype))


def gpu_attention(q, k, v, **kw):
    return mha.attention(q, k, v, pipeline="gpu", options=GPU_OPTIONS, **kw)


# --------------------------------------------------------------------------
# Everywhere: compilation, options, the cache
# --------------------------------------------------------------------------

@pytest.mark.parametrize("options", ["", "chip=sm_80", "chip=sm_90a",
                                     "chip=sm_80 kernel=simt kv-splits=1",
                                     "chip=sm_80 format=isa"])
def test_compile(options):
    """Compiling needs ptxas, not a GPU."""
    f = mha.compile(SMALL, pipeline="gpu", options=options)
    assert f.pipeline == "gpu" and f.compile_seconds > 0
    assert f.args == (mha.TensorSpec("f32", (1, 2, 8, 16)),
                      mha.TensorSpec("f32", (1, 1, 8, 16)),
                      mha.TensorSpec("f32", (1, 1, 8, 16)))
    assert f.results == (mha.TensorSpec("f32", (1, 2, 8, 16)),)
    assert "[gpu]" in repr(f)


@pytest.mark.parametrize("dtype", DTYPES)
def test_compile_features(dtype):
    """Masks (bool and float), GQA, Sq != Skv, Dv != D, dynamic dims and
    layers all go through the gpu pipeline, with their signatures."""
    T = mha.TensorSpec

    def check(text, args, result):
        f = mha.compile(text, pipeline="gpu")
        assert f.pipeline == "gpu"
        assert f.args == tuple(T(t, s) for t, s in args)
        assert f.results == (T(dtype, result),)

    check(mha.ir.sdpa((1, 8, 5, 64), (1, 2, 40, 64), (1, 2, 40, 64),
                      dtype=dtype, mask_shape=(1, 1, 5, 40), mask_dtype="i1",
                      causal=True),
          [(dtype, (1, 8, 5, 64)), (dtype, (1, 2, 40, 64)),
           (dtype, (1, 2, 40, 64)), ("i1", (1, 1, 5, 40))], (1, 8, 5, 64))
    check(mha.ir.sdpa((2, 4, 7, 32), (2, 4, 9, 32), (2, 4, 9, 16),
                      dtype=dtype, mask_shape=(2, 4, 7, 9), mask_dtype=dtype),
          [(dtype, (2, 4, 7, 32)), (dtype, (2, 4, 9, 32)),
           (dtype, (2, 4, 9, 16)), (dtype, (2, 4, 7, 9))], (2, 4, 7, 16))
    check(mha.ir.sdpa((None, 4, None, 16), (None, 2, None, 16),
                      (None, 2, None, 16), dtype=dtype, causal=True),
          [(dtype, (None, 4, None, 16)), (dtype, (None, 2, None, 16)),
           (dtype, (None, 2, None, 16))], (None, 4, None, 16))
    check(mha.ir.mha_layer((2, 10, 64), (64, 64), (64, 32), (64, 32),
                           (64, 64), num_heads=4, num_kv_heads=2,
                           dtype=dtype, causal=True),
          [(dtype, (2, 10, 64)), (dtype, (64, 64)), (dtype, (64, 32)),
           (dtype, (64, 32)), (dtype, (64, 64))], (2, 10, 64))


def test_compile_errors():
    with pytest.raises(mha.CompileError, match="no-such-option"):
        mha.compile(SMALL, pipeline="gpu", options="no-such-option=1")
    with pytest.raises(mha.CompileError, match="must be a multiple"):
        mha.compile(mha.ir.sdpa((1, 3, 4, 8), (1, 2, 4, 8), (1, 2, 4, 8)),
                    pipeline="gpu")


def test_unknown_pipeline_lists_the_pipelines():
    q = np.zeros((1, 2, 4, 8), np.float32)
    # No aliases ('cuda') and no other spellings ('GPU').
    for pipeline in ("tpu", "rocm", "gpu:0", "cuda", "GPU"):
        with pytest.raises(ValueError, match=f"unknown pipeline "
                           f"'{pipeline}': expected 'cpu', 'gpu' or "
                           f"'reference'"):
            mha.attention(q, q, q, pipeline=pipeline)


def run_or_runtime_error(call):
    """Calls a gpu function: its result with a GPU, None after the
    RuntimeError without one (compilation happened either way)."""
    try:
        return call()
    except RuntimeError as e:
        assert not isinstance(e, mha.CompileError), e
        return None


def test_pipeline_is_part_of_the_cache_key():
    mha.cache_clear()
    try:
        q = np.zeros((1, 2, 8, 16), np.float32)
        mha.attention(q, q, q)
        run_or_runtime_error(lambda: mha.attention(q, q, q, pipeline="gpu"))
        assert mha.cache_info().misses == 2
        # Both are cached: the gpu function fails when run, not compiled.
        run_or_runtime_error(lambda: mha.attention(q, q, q, pipeline="gpu"))
        mha.attention(q, q, q, pipeline="cpu")
        info = mha.cache_info()
        assert (info.hits, info.misses, info.currsize) == (2, 2, 2)
        # Options are part of it too.
        run_or_runtime_error(lambda: mha.attention(q, q, q, pipeline="gpu",
                                                   options="chip=sm_80"))
        assert mha.cache_info().misses == 3
    finally:
        mha.cache_clear()


# --------------------------------------------------------------------------
# Without a GPU: runs raise with the CUDA runtime's message
# --------------------------------------------------------------------------

NO_GPU_MESSAGE = ("CUDA" if DRIVER_LOADABLE else
                  "cannot load the CUDA driver library libcuda.so.1")


@requires_no_gpu
class TestWithoutGPU:

    def test_compiled_function_raises_when_called(self, rng):
        f = mha.compile(SMALL, pipeline="gpu")
        q = random(rng, (1, 2, 8, 16))
        k, v = random(rng, (1, 1, 8, 16)), random(rng, (1, 1, 8, 16))
        for _ in range(2):  # the failure is clean and repeatable
            with pytest.raises(RuntimeError, match=NO_GPU_MESSAGE) as info:
                f(q, k, v)
            assert not isinstance(info.value, mha.CompileError)
            assert str(info.value).startswith("run failed: ")
        # Signature errors are still reported first.
        with pytest.raises(TypeError, match="takes 3 arguments"):
            f(q, k)

    def test_attention_raises(self, rng):
        q, k, v = make(rng, SHAPES["gqa"])
        with pytest.raises(RuntimeError, match=NO_GPU_MESSAGE) as info:
            mha.attention(q, k, v, causal=True, pipeline="gpu")
        assert not isinstance(info.value, mha.CompileError)
        if not DRIVER_LOADABLE:
            assert "is the NVIDIA driver installed?" in str(info.value)
        # The cpu pipeline is unaffected.
        assert_close(mha.attention(q, k, v, causal=True),
                     reference.attention(q, k, v, causal=True))

    def test_layer_raises(self, rng):
        x = random(rng, (1, 6, 16))
        w = random(rng, (16, 16), scale=0.25)
        with pytest.raises(RuntimeError, match=NO_GPU_MESSAGE):
            mha.multi_head_attention(x, w, w, w, w, num_heads=2,
                                     pipeline="gpu")


# --------------------------------------------------------------------------
# On a GPU: against NumPy and PyTorch
# --------------------------------------------------------------------------

@requires_gpu
class TestOnGPU:

    @pytest.mark.parametrize("causal", [False, True])
    @pytest.mark.parametrize("name", sorted(SHAPES))
    @pytest.mark.parametrize("dtype", DTYPES)
    def test_shapes(self, rng, dtype, name, causal):
        q, k, v = make(rng, SHAPES[name], dtype)
        o = gpu_attention(q, k, v, causal=causal)
        assert o.shape == q.shape[:3] + (v.shape[3],) and o.dtype == q.dtype
        assert_close(o, reference.attention(q, k, v, causal=causal), dtype)

    @pytest.mark.parametrize("mask_shape", [(1, 1, 1, 40), (2, 1, 24, 40),
                                            (2, 4, 24, 40), (24, 40)], ids=str)
    @pytest.mark.parametrize("kind", ["bool", "float"])
    @pytest.mark.parametrize("dtype", DTYPES)
    def test_masks(self, rng, dtype, kind, mask_shape):
        q, k, v = make(rng, (2, 4, 2, 24, 40, 64, 64), dtype)
        if kind == "bool":
            mask = rng.uniform(size=mask_shape) < 0.7
        else:
            mask = rng.normal(size=mask_shape).astype(np.float32)
            mask[rng.uniform(size=mask_shape) < 0.2] = -np.inf
            mask = mask.astype(q.dtype)
        for causal in (False, True):
            o = gpu_attention(q, k, v, mask=mask, causal=causal)
            assert_close(o, reference.attention(q, k, v, mask=mask,
                                                causal=causal), dtype)

    @pytest.mark.parametrize("dtype", DTYPES)
    def test_fully_masked_rows_are_zero(self, rng, dtype):
        q, k, v = make(rng, (1, 2, 2, 8, 16, 32, 32), dtype)
        keep = np.ones((1, 2, 8, 16), dtype=bool)
        keep[0, 0, 3] = False
        keep[0, 1, 7] = False
        o = gpu_attention(q, k, v, mask=keep)
        assert np.all(o[0, 0, 3] == 0) and np.all(o[0, 1, 7] == 0)
        assert_close(o, reference.attention(q, k, v, mask=keep), dtype)
        # Causal with Sq > Skv: the first Sq - Skv queries see no key.
        q, k, v = make(rng, (1, 2, 1, 20, 12, 32, 32), dtype)
        o = gpu_attention(q, k, v, causal=True)
        assert np.all(o[:, :, :8] == 0)
        assert_close(o, reference.attention(q, k, v, causal=True), dtype)

    def test_scale_and_kernels(self, rng):
        q, k, v = make(rng, (1, 4, 2, 48, 80, 64, 64), "f16")
        expected = reference.attention(q, k, v, causal=True, scale=0.3)
        for kernel in ("auto", "mma", "simt"):
            o = mha.attention(q, k, v, causal=True, scale=0.3, pipeline="gpu",
                              options=f"{GPU_OPTIONS} kernel={kernel}")
            assert_close(o, expected, "f16")

    @pytest.mark.parametrize("splits", ["kv-splits=0", "kv-splits=1",
                                        "kv-splits=4"])
    def test_decode_splits(self, rng, splits):
        q, k, v = make(rng, (2, 16, 4, 1, 1000, 128, 128), "f16")
        mask = rng.uniform(size=(2, 1, 1, 1000)) < 0.9
        o = mha.attention(q, k, v, mask=mask, pipeline="gpu",
                          options=f"{GPU_OPTIONS} {splits}")
        assert_close(o, reference.attention(q, k, v, mask=mask), "f16")

    def test_compile_dynamic_and_multiple_results(self, rng):
        f = mha.compile(mha.ir.sdpa((None, 4, None, 32), (None, 2, None, 32),
                                    (None, 2, None, 32), causal=True),
                        pipeline="gpu", options=GPU_OPTIONS)
        for b, sq, skv in [(1, 5, 9), (3, 17, 17), (2, 1, 40)]:
            q = random(rng, (b, 4, sq, 32))
            k, v = random(rng, (b, 2, skv, 32)), random(rng, (b, 2, skv, 32))
            assert_close(f(q, k, v), reference.attention(q, k, v, causal=True))

    def test_inputs_are_not_modified_and_results_are_owned(self, rng):
        q, k, v = make(rng, SHAPES["gqa"], "f16")
        copies = [a.copy() for a in (q, k, v)]
        o = gpu_attention(q, k, v, causal=True)
        expected = o.copy()
        o2 = gpu_attention(q, k, v, causal=True)
        for a, c in zip((q, k, v), copies):
            np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(o, expected)
        np.testing.assert_array_equal(o2, expected)

    @pytest.mark.parametrize("dtype", DTYPES)
    def test_layer(self, rng, dtype):
        e, h, hkv, d = 64, 4, 2, 16
        x = random(rng, (2, 10, e), dtype)
        s = 1 / np.sqrt(e)
        w = [random(rng, (e, h * d), dtype, s), random(rng, (e, hkv * d), dtype, s),
             random(rng, (e, hkv * d), dtype, s), random(rng, (h * d, e), dtype, s)]
        y = mha.multi_head_attention(x, *w, num_heads=h, num_kv_heads=hkv,
                                     causal=True, pipeline="gpu",
                                     options=GPU_OPTIONS)
        assert y.shape == x.shape and y.dtype == x.dtype
        assert_close(y, reference.multi_head_attention(
            x, *w, num_heads=h, num_kv_heads=hkv, causal=True), dtype)


def _torch_cuda():
    try:
        import torch
    except ImportError:
        return None
    return torch if torch.cuda.is_available() else None


torch = _torch_cuda()
requires_torch_cuda = pytest.mark.skipif(
    torch is None, reason="needs PyTorch with CUDA (torch.cuda.is_available())")


def torch_sdpa(q, k, v, mask=None, causal=False):
    """PyTorch SDPA on the GPU in float32 (GQA by repeating K/V heads;
    mha's bottom-right causal as an explicit mask when Sq != Skv)."""
    F = torch.nn.functional
    t = lambda a: torch.from_numpy(np.asarray(a, np.float32)).cuda()  # noqa
    tq, tk, tv = t(q), t(k), t(v)
    group = q.shape[1] // k.shape[1]
    tk = tk.repeat_interleave(group, dim=1)
    tv = tv.repeat_interleave(group, dim=1)
    sq, skv = q.shape[2], k.shape[2]
    kw = {}
    if causal:
        i, j = np.arange(sq)[:, None], np.arange(skv)[None, :]
        causal_mask = j <= i + (skv - sq)
        mask = causal_mask if mask is None else \
            (mask & causal_mask if mask.dtype == np.bool_ else
             np.where(causal_mask, mask.astype(np.float32), -np.inf))
    if mask is not None:
        kw["attn_mask"] = torch.from_numpy(
            mask if mask.dtype == np.bool_ else mask.astype(np.float32)).cuda()
    return F.scaled_dot_product_attention(tq, tk, tv, **kw).cpu().numpy()


@requires_gpu
@requires_torch_cuda
class TestAgainstTorch:

    @pytest.mark.parametrize("causal", [False, True])
    @pytest.mark.parametrize("shape", [(2, 8, 8, 128, 128, 64),
                                       (1, 8, 2, 33, 200, 128),
                                       (1, 16, 4, 1, 777, 128)], ids=str)
    @pytest.mark.parametrize("dtype", DTYPES)
    def test_sdpa(self, rng, dtype, shape, causal):
        b, h, hkv, sq, skv, d = shape
        q, k, v = make(rng, (b, h, hkv, sq, skv, d, d), dtype)
        assert_close(gpu_attention(q, k, v, causal=causal),
                     torch_sdpa(q, k, v, causal=causal), dtype)

    @pytest.mark.parametrize("dtype", DTYPES)
    def test_masked(self, rng, dtype):
        q, k, v = make(rng, (2, 4, 2, 12, 24, 64, 64), dtype)
        keep = rng.uniform(size=(2, 1, 12, 24)) < 0.7
        keep[..., 0] = True  # PyTorch gives NaN for fully masked rows
        assert_close(gpu_attention(q, k, v, mask=keep, causal=True),
                     torch_sdpa(q, k, v, mask=keep, causal=True), dtype)


@requires_gpu
@requires_torch_cuda
@pytest.mark.parametrize("dtype", DTYPES)
def test_cuda_tensors_in_place(rng, dtype):
    """CUDA tensors in, a CUDA tensor out (mhaFunctionCallOnDevice), on the
    current stream, also a side stream; bf16 as torch.bfloat16. Untested on
    hardware when written (no GPU in development or CI)."""
    q, k, v = make(rng, (2, 8, 2, 33, 200, 64, 64), dtype)
    expect = reference.attention(q, k, v, causal=True)
    to_torch = {"f32": torch.float32, "f16": torch.float16,
                "bf16": torch.bfloat16}[dtype]

    def cuda(a):
        a = np.asarray(a)
        if dtype == "bf16":
            return torch.from_numpy(a.view(np.uint16).astype(np.int16)) \
                .view(torch.bfloat16).cuda()
        return torch.from_numpy(a).cuda()

    tq, tk, tv = cuda(q), cuda(k), cuda(v)
    o = mha.attention(tq, tk, tv, causal=True, pipeline="gpu",
                      options=GPU_OPTIONS)
    assert o.is_cuda and o.dtype == to_torch and tuple(o.shape) == q.shape
    assert_close(o.float().cpu().numpy(), expect, dtype)
    side = torch.cuda.Stream()
    with torch.cuda.stream(side):
        o2 = mha.attention(tq, tk, tv, causal=True, pipeline="gpu",
                           options=GPU_OPTIONS)
    side.synchronize()
    assert torch.equal(o, o2)
