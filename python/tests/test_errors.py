"""The error contract of the Python package: bad values raise ValueError or
TypeError naming the culprit, compilation problems (bad pipeline options
included) raise CompileError with our message, and nothing is printed to
stderr nor kills the interpreter (LLVM fatal errors included)."""

import numpy as np
import pytest

import mha

SDPA = mha.ir.sdpa((1, 2, 4, 8), (1, 2, 4, 8), (1, 2, 4, 8))


def qkv(dtype=np.float32):
    return tuple(np.zeros((1, 2, 4, 8), dtype) for _ in range(3))


@pytest.mark.parametrize("scale", [1e300, 1e-300, 3.5e38])
def test_scale_out_of_float32_range_is_a_value_error(scale):
    with pytest.raises(ValueError, match="scale must be finite and positive "
                       "in float32"):
        mha.attention(*qkv(), scale=scale)
    with pytest.raises(ValueError, match="scale must be finite in float32"):
        mha.ir.sdpa((1, 2, 4, 8), (1, 2, 4, 8), (1, 2, 4, 8), scale=scale)


def test_big_endian_arrays_name_their_byte_order():
    q, k, v = qkv()
    big = q.astype(">f4")
    with pytest.raises(TypeError, match=r"q has dtype float32 \(big-endian "
                       r">f4; convert with a.astype\(a.dtype.newbyteorder"):
        mha.attention(big, k, v)
    f = mha.compile(SDPA, pipeline="reference")
    with pytest.raises(TypeError, match=r"argument 0 of @main .*: expected "
                       r"dtype float32, got float32 \(big-endian >f4"):
        f(big, k, v)
    # Converted, it runs.
    f(big.astype(big.dtype.newbyteorder("=")), k, v)


@pytest.mark.parametrize("options, match", [
    ("bogus=1", r"unknown option 'bogus' \(mha-cpu-pipeline has: target-cpu, "
                r"target-features, q-tile, "),
    ("q-tile=abc", r"option q-tile: 'abc' is not an integer"),
    ("threads=-1", r"option threads: '-1' is not a non-negative integer"),
])
def test_bad_pipeline_options_are_one_error_and_no_stderr(capfd, options,
                                                          match):
    with pytest.raises(mha.CompileError, match=match) as info:
        mha.compile(SDPA, options=options)
    assert str(info.value).startswith(f"invalid cpu pipeline options "
                                      f"'{options}': ")
    err = capfd.readouterr().err
    assert err == "", err


@pytest.mark.parametrize("options, match", [
    ("format=garbage", r"option format: 'garbage' is not one of bin, fatbin, "
                       r"isa, llvm"),
    ("cuda-path=/nonexistent", r"option cuda-path: '/nonexistent' is not a "
                               r"directory"),
    ("kernel=fastest", r"option kernel: 'fastest' is not one of auto, mma, "
                       r"wgmma, simt"),
    # LLVM's NVPTX back end would end the process on these.
    ("chip=sm_100 features=+ptx80 format=isa",
     r"chip sm_100 needs PTX 8.6 or later, but features=\+ptx80 asks for "
     r"PTX 8.0"),
    ("features=+ptx60 format=isa", r"chip sm_90a needs PTX 8.0 or later"),
    ("chip=sm_99 format=isa", r"chip sm_99 is not one LLVM can generate "
                              r"code for \(it knows sm_20, "),
])
def test_bad_gpu_options_fail_the_compile(capfd, options, match):
    with pytest.raises(mha.CompileError, match=match):
        mha.compile(SDPA, pipeline="gpu", options=options)
    with pytest.raises(mha.CompileError, match=match):
        mha.attention(*qkv(), pipeline="gpu", options=options)
    assert capfd.readouterr().err == ""


def test_a_chip_newer_than_the_default_ptx_compiles():
    # sm_100 needs PTX 8.6: without features, the pipeline asks for it.
    f = mha.compile(SDPA, pipeline="gpu", options="chip=sm_100 format=isa")
    assert f.pipeline == "gpu"


def test_signature_errors_do_not_name_a_tool():
    text = """func.func @main(%x: tensor<4xi32>) -> tensor<4xi32> {
  return %x : tensor<4xi32>
}"""
    with pytest.raises(mha.CompileError) as info:
        mha.compile(text)
    message = str(info.value)
    assert "(supported: ranked tensors of f32, f16, bf16 and i1)" in message
    assert "mha-run" not in message


def test_sizes_that_overflow_are_compile_errors():
    t = "tensor<4611686018427387904x4xf32>"
    text = f"func.func @main(%x: {t}) -> {t} {{\n  return %x : {t}\n}}"
    with pytest.raises(mha.CompileError, match=r"argument 0 of @main "
                       r"\(tensor<4611686018427387904x4xf32>\) has more than "
                       r"2\^63 bytes"):
        mha.compile(text)


def test_results_larger_than_memory_are_refused_before_the_call():
    t = "tensor<100000x100000x100000xf32>"
    text = f"""func.func @main(%x: tensor<1xf32>) -> {t} {{
  %e = tensor.empty() : {t}
  return %e : {t}
}}"""
    f = mha.compile(text, pipeline="reference")
    with pytest.raises(MemoryError,
                       match=r"the results of @main .* more than the .* host "
                             r"memory limit \(the physical memory\)"):
        f(np.zeros(1, np.float32))
