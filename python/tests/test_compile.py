"""mha.compile: signatures, calling conventions, CompileError."""

import numpy as np
import pytest

import mha
from mha import reference

from conftest import GPU_OPTIONS, assert_close, random, requires_gpu

TWO_RESULTS = """
func.func @two(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>)
    -> (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) {
  %a = mha.attention %q, %k, %k
      : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x2x8x16xf32>
  %b = mha.attention %q, %k, %k {causal}
      : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x2x8x16xf32>
  return %a, %b : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>
}
func.func private @helper() -> ()
"""

DYNAMIC = mha.ir.sdpa((None, 4, None, 16), (None, 2, None, 16), (None, 2, None, 16),
                      causal=True)


@pytest.mark.parametrize("pipeline", [
    p if p != "gpu" else pytest.param(p, marks=requires_gpu)
    for p in mha.PIPELINES])
def test_signature_and_call(rng, pipeline):
    f = mha.compile(TWO_RESULTS, pipeline=pipeline,
                    options=GPU_OPTIONS if pipeline == "gpu" else "")
    assert f.name == "two" and f.pipeline == pipeline
    assert f.compile_seconds > 0
    assert f.args == (mha.TensorSpec("f32", (1, 2, 8, 16)),) * 2
    assert len(f.results) == 2 and str(f.results[0]) == "tensor<1x2x8x16xf32>"
    assert "@two(" in repr(f) and pipeline in repr(f)
    q, k = random(rng, (1, 2, 8, 16)), random(rng, (1, 2, 8, 16))
    a, b = f(q, k)
    assert_close(a, reference.attention(q, k, k))
    assert_close(b, reference.attention(q, k, k, causal=True))


def test_dynamic_dims(rng):
    f = mha.compile(DYNAMIC)
    assert f.args[0].shape == (None, 4, None, 16)
    assert f.results[0].shape == (None, 4, None, 16)
    for b, sq, skv in [(1, 5, 9), (3, 17, 17), (2, 1, 40)]:
        q = random(rng, (b, 4, sq, 16))
        k, v = random(rng, (b, 2, skv, 16)), random(rng, (b, 2, skv, 16))
        o = f(q, k, v)
        assert o.shape == (b, 4, sq, 16)
        assert_close(o, reference.attention(q, k, v, causal=True))


def test_builders_are_accepted(rng):
    builder = mha.ir.SDPA((1, 2, 4, 8), (1, 2, 4, 8), (1, 2, 4, 8), scale=0.5)
    f = mha.compile(builder)
    q = random(rng, (1, 2, 4, 8))
    assert_close(f(q, q, q), reference.attention(q, q, q, scale=0.5))


def test_entry_selection(rng):
    text = (mha.ir.sdpa((1, 1, 4, 8), (1, 1, 4, 8), (1, 1, 4, 8), name="a") +
            mha.ir.sdpa((1, 1, 4, 8), (1, 1, 4, 8), (1, 1, 4, 8), causal=True,
                        name="b"))
    with pytest.raises(mha.CompileError, match="exactly one public function"):
        mha.compile(text)
    q = random(rng, (1, 1, 4, 8))
    b = mha.compile(text, entry="b")
    assert b.name == "b"
    assert_close(b(q, q, q), reference.attention(q, q, q, causal=True))


def test_bool_and_bf16_signatures(rng):
    from mha import _dtypes
    if _dtypes.bfloat16 is None:
        pytest.skip("ml_dtypes not installed")
    text = mha.ir.sdpa((1, 2, 4, 8), (1, 2, 6, 8), (1, 2, 6, 8), dtype="bf16",
                       mask_shape=(1, 1, 4, 6), mask_dtype="i1")
    f = mha.compile(text)
    assert [a.dtype for a in f.args] == ["bf16", "bf16", "bf16", "i1"]
    assert f.args[3].numpy_dtype == np.bool_
    q = random(rng, (1, 2, 4, 8), "bf16")
    k = random(rng, (1, 2, 6, 8), "bf16")
    m = rng.uniform(size=(1, 1, 4, 6)) < 0.5
    o = f(q, k, k, m)
    assert o.dtype == _dtypes.bfloat16
    assert_close(o, reference.attention(q, k, k, mask=m), "bf16")


class TestCompileErrors:
    def test_parse_error_has_location(self):
        with pytest.raises(mha.CompileError) as e:
            mha.compile("func.func @f(%a: tensor<2xf32>) -> tensor<2xf32> {\n"
                        "  return %b : tensor<2xf32>\n}\n")
        assert "<input>:2:" in str(e.value) and "%b" in str(e.value)

    def test_verifier_error(self):
        text = mha.ir.sdpa((1, 3, 4, 8), (1, 2, 4, 8), (1, 2, 4, 8))
        with pytest.raises(mha.CompileError, match="must be a multiple"):
            mha.compile(text)

    def test_unsupported_signature(self):
        text = "func.func @f(%a: tensor<2xi32>) -> tensor<2xi32> {\n" \
               "  return %a : tensor<2xi32>\n}\n"
        with pytest.raises(mha.CompileError, match="unsupported type"):
            mha.compile(text)

    def test_bad_pipeline_options(self):
        with pytest.raises(mha.CompileError, match="no-such-option"):
            mha.compile(DYNAMIC, options="no-such-option=3")

    def test_unknown_entry(self):
        with pytest.raises(mha.CompileError, match="nope"):
            mha.compile(DYNAMIC, entry="nope")

    def test_is_a_runtime_error(self):
        assert issubclass(mha.CompileError, RuntimeError)

    def test_bad_pipelines(self):
        with pytest.raises(ValueError, match="unknown pipeline 'fast': "
                           "expected 'cpu', 'reference' or 'gpu'"):
            mha.compile(DYNAMIC, pipeline="fast")
        with pytest.raises(ValueError, match="unknown pipeline"):
            mha.compile(DYNAMIC, pipeline="cuda")  # no aliases
        with pytest.raises(TypeError):
            mha.compile(42)
        with pytest.raises(TypeError):
            mha.compile(DYNAMIC, options=3)


class TestCallErrors:
    f = None

    @pytest.fixture(autouse=True)
    def fn(self):
        if TestCallErrors.f is None:
            TestCallErrors.f = mha.compile(TWO_RESULTS, pipeline="reference")
        self.f = TestCallErrors.f

    def test_count(self):
        q = np.zeros((1, 2, 8, 16), np.float32)
        with pytest.raises(TypeError, match="takes 2 arguments"):
            self.f(q)

    def test_dtype(self):
        q = np.zeros((1, 2, 8, 16), np.float32)
        with pytest.raises(TypeError, match="argument 1 .*float64"):
            self.f(q, q.astype(np.float64))

    def test_shape(self):
        q = np.zeros((1, 2, 8, 16), np.float32)
        with pytest.raises(ValueError, match="argument 1 .*shape mismatch"):
            self.f(q, np.zeros((1, 2, 9, 16), np.float32))
        with pytest.raises(ValueError, match="shape mismatch"):
            self.f(q, np.zeros((2, 8, 16), np.float32))

    def test_not_an_array(self):
        with pytest.raises(TypeError, match="numpy.ndarray"):
            self.f([[0.0]], np.zeros((1, 2, 8, 16), np.float32))

    def test_non_contiguous_is_copied(self):
        q = np.arange(256, dtype=np.float32).reshape(1, 2, 16, 8)
        q = q.swapaxes(2, 3)
        k = np.ones((1, 2, 8, 16), np.float32)
        np.testing.assert_array_equal(self.f(q, k),
                                      self.f(np.ascontiguousarray(q), k))
