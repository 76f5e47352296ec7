//===- MhaModule.cpp - nanobind bindings over the mha C API ---------------===//
//
// The low-level extension `mha._mha`: a context, compiled functions with
// their signatures, and running them. `Function.call` takes any DLPack /
// buffer-protocol host array (NumPy, PyTorch CPU tensors, ...) in place (a
// strided one is copied into C order here, with the GIL released) and
// returns the results as NumPy arrays, PyTorch tensors or plain DLPack
// objects that own the result buffer (no copy). Friendlier validation
// (dtypes, shape relations) lives in the Python package.
//
//===----------------------------------------------------------------------===//

#include "mha-c/MHA.h"

#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/shared_ptr.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/unique_ptr.h>
#include <nanobind/stl/vector.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

namespace nb = nanobind;
using namespace nb::literals;

namespace {

/// Compilation failed (parse, verify, signature, pipeline, target).
struct CompileError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
/// Raised as ValueError: bad inputs (including dynamic sizes that disagree,
/// found by the compiled code's shape checks), unknown pipeline.
struct InvalidArgument : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};
/// Raised as MemoryError: an allocation of the compiled code failed.
struct OutOfMemory : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string takeError(char *error, const char *fallback) {
  std::string message = error ? error : fallback;
  mhaStringFree(error);
  return message;
}

/// Raises the exception of a failed run: ValueError for bad inputs (also
/// dynamic sizes that disagree), MemoryError for a failed allocation,
/// RuntimeError otherwise.
void throwOnRunError(MhaStatus status, char *error) {
  if (status == MHA_ERROR_INVALID_ARGUMENT)
    throw InvalidArgument(takeError(error, "invalid inputs"));
  if (status == MHA_ERROR_OUT_OF_MEMORY)
    throw OutOfMemory(takeError(error, "out of memory"));
  if (status != MHA_SUCCESS)
    throw std::runtime_error(takeError(error, "run failed"));
}

/// Fills `shape` from the DLPack array `a`; false when `a` is not
/// C-contiguous (size-1 dims may have any stride).
template <typename Array>
bool readShape(const Array &a, std::vector<int64_t> &shape) {
  shape.resize(a.ndim());
  int64_t expected = 1;
  bool contiguous = true;
  for (size_t d = a.ndim(); d-- > 0;) {
    shape[d] = int64_t(a.shape(d));
    contiguous &= shape[d] == 1 || a.stride(d) == expected;
    expected *= shape[d];
  }
  return contiguous;
}

size_t elementSize(MhaDType dtype) {
  return dtype == MHA_DTYPE_F32 ? 4 : dtype == MHA_DTYPE_I1 ? 1 : 2;
}

/// Whether `strides` (in elements; empty: C order) are C order for `shape`.
bool isCOrder(const std::vector<int64_t> &shape,
              const std::vector<int64_t> &strides) {
  if (strides.empty())
    return true;
  int64_t expected = 1;
  for (size_t d = shape.size(); d-- > 0;) {
    if (shape[d] != 1 && strides[d] != expected)
      return false;
    expected *= shape[d];
  }
  return true;
}

/// The inputs of one call as the C API takes them. A strided input (a KV
/// cache slice, a transposed view) is copied into C order by stage(), with
/// the GIL released: one copy in C++ (rows memcpy'd), whatever framework
/// the array comes from, and no framework call.
struct Staged {
  std::vector<MhaBuffer> buffers;
  std::vector<std::vector<int64_t>> shapes;
  struct Copy {
    size_t index;
    const char *source;
    std::vector<int64_t> strides; // in elements
  };
  std::vector<Copy> copies;
  std::vector<std::unique_ptr<char[]>> owned;

  explicit Staged(size_t n) : shapes(n) { buffers.reserve(n); }

  /// Adds input `i`, whose shape is in shapes[i] already.
  void add(size_t i, const void *data, MhaDType dtype,
           std::vector<int64_t> strides) {
    std::vector<int64_t> &shape = shapes[i];
    buffers.push_back(MhaBuffer{const_cast<void *>(data), dtype,
                                int64_t(shape.size()), shape.data()});
    if (!isCOrder(shape, strides))
      copies.push_back(
          Copy{i, static_cast<const char *>(data), std::move(strides)});
  }

  /// Makes the C-order copies (GIL released by the caller).
  void stage() {
    for (Copy &c : copies) {
      MhaBuffer &b = buffers[c.index];
      const std::vector<int64_t> &shape = shapes[c.index];
      size_t elt = elementSize(b.dtype);
      int64_t n = 1;
      for (int64_t d : shape)
        n *= d;
      auto dst =
          std::unique_ptr<char[]>(new char[std::max<int64_t>(n, 1) * elt]);
      if (n > 0)
        copyStrided(dst.get(), c.source, shape, c.strides, elt);
      b.data = dst.get();
      owned.push_back(std::move(dst));
    }
  }

private:
  /// Copies the strided array `src` into C order at `dst`: one memcpy per
  /// block of the trailing dims that are already in C order (a head of a
  /// KV cache slice [B, H, :n, D] is one block of n * D elements), else
  /// element by element.
  static void copyStrided(char *dst, const char *src,
                          const std::vector<int64_t> &shape,
                          const std::vector<int64_t> &strides, size_t elt) {
    size_t outer = shape.size(); // dims [0, outer) are iterated
    int64_t block = 1;           // elements of the C-order trailing dims
    while (outer > 0 &&
           (shape[outer - 1] == 1 || strides[outer - 1] == block)) {
      block *= shape[outer - 1];
      --outer;
    }
    bool blocks = outer < shape.size() || shape.empty();
    if (!blocks) { // innermost stride != 1: element by element
      block = shape.back();
      --outer;
    }
    std::vector<int64_t> index(outer, 0);
    for (;;) {
      const char *from = src;
      for (size_t d = 0; d < outer; ++d)
        from += index[d] * strides[d] * int64_t(elt);
      if (blocks) {
        std::memcpy(dst, from, block * elt);
        dst += block * elt;
      } else {
        for (int64_t j = 0; j < block; ++j, dst += elt)
          std::memcpy(dst, from + j * strides.back() * int64_t(elt), elt);
      }
      size_t d = outer;
      while (d-- > 0) {
        if (++index[d] < shape[d])
          break;
        index[d] = 0;
      }
      if (d == size_t(-1))
        return;
    }
  }
};

class Context {
public:
  Context() : context(mhaContextCreate()) {
    if (!context)
      throw std::runtime_error("mhaContextCreate failed");
  }
  ~Context() { mhaContextDestroy(context); }
  Context(const Context &) = delete;
  Context &operator=(const Context &) = delete;
  MhaContext *get() { return context; }

private:
  MhaContext *context;
};

using Spec = std::tuple<int, std::vector<int64_t>>; // (dtype, shape)

class Function {
public:
  Function(std::shared_ptr<Context> context, MhaFunction *function)
      : context(std::move(context)), function(function),
        numResults(mhaFunctionGetNumResults(function)) {}
  ~Function() { mhaFunctionDestroy(function); }
  Function(const Function &) = delete;
  Function &operator=(const Function &) = delete;

  std::string name() const { return mhaFunctionGetName(function); }
  std::string pipeline() const { return mhaFunctionGetPipeline(function); }
  double compileSeconds() const {
    return mhaFunctionGetCompileSeconds(function);
  }
  int64_t callsInFlight() const {
    return mhaFunctionGetCallsInFlight(function);
  }
  std::vector<Spec> args() const {
    std::vector<Spec> out;
    for (int64_t i = 0, e = mhaFunctionGetNumArgs(function); i < e; ++i) {
      const int64_t *shape = mhaFunctionGetArgShape(function, i);
      out.emplace_back(int(mhaFunctionGetArgDType(function, i)),
                       std::vector<int64_t>(
                           shape, shape + mhaFunctionGetArgRank(function, i)));
    }
    return out;
  }
  std::vector<Spec> results() const {
    std::vector<Spec> out;
    for (int64_t i = 0, e = mhaFunctionGetNumResults(function); i < e; ++i) {
      const int64_t *shape = mhaFunctionGetResultShape(function, i);
      out.emplace_back(
          int(mhaFunctionGetResultDType(function, i)),
          std::vector<int64_t>(shape,
                               shape + mhaFunctionGetResultRank(function, i)));
    }
    return out;
  }

  /// FLOPs of one call on inputs of these (dtype, shape)s, as the
  /// benchmarks count them (mhaFunctionGetFlops).
  double flops(const std::vector<Spec> &inputs) const {
    std::vector<MhaBuffer> buffers;
    buffers.reserve(inputs.size());
    for (const auto &[dtype, shape] : inputs)
      buffers.push_back(MhaBuffer{nullptr, MhaDType(dtype),
                                  int64_t(shape.size()), shape.data()});
    double count = 0;
    char *error = nullptr;
    if (mhaFunctionGetFlops(function, buffers.data(), int64_t(buffers.size()),
                            &count, &error) != MHA_SUCCESS)
      throw InvalidArgument(takeError(error, "unknown FLOPs"));
    return count;
  }

  /// Runs on host arrays read in place (any framework nanobind imports:
  /// DLPack, the buffer protocol), of any strides: a strided one is copied
  /// into C order once (Staged). uint16 arrays stand for bf16 (NumPy has no
  /// bf16: its ml_dtypes arrays are passed as uint16 views). Returns one
  /// array per result, of `framework` (0: NumPy, bf16 as uint16; 1:
  /// PyTorch; 2: a framework-neutral object with __dlpack__), owning the
  /// result buffer. The GIL is released while the compiled code runs.
  nb::list call(const std::vector<nb::ndarray<nb::ro>> &arrays, int framework) {
    Staged staged(arrays.size());
    for (size_t i = 0; i < arrays.size(); ++i) {
      const nb::ndarray<nb::ro> &a = arrays[i];
      if (a.device_type() != nb::device::cpu::value)
        throw InvalidArgument("argument " + std::to_string(i) +
                              " is not in host memory (DLPack device type " +
                              std::to_string(a.device_type()) +
                              "); pass a CPU array");
      std::optional<MhaDType> dtype = fromDLPack(a.dtype());
      if (!dtype)
        throw nb::type_error(("argument " + std::to_string(i) +
                              " has an unsupported element type (DLPack "
                              "code " +
                              std::to_string(a.dtype().code) + ", " +
                              std::to_string(a.dtype().bits) +
                              " bits); expected float32, float16, "
                              "bfloat16 or bool")
                                 .c_str());
      std::vector<int64_t> strides;
      if (!readShape(a, staged.shapes[i]))
        for (size_t d = 0; d < a.ndim(); ++d)
          strides.push_back(int64_t(a.stride(d)));
      staged.add(i, a.data(), *dtype, std::move(strides));
    }
    return runAndWrap(staged, framework);
  }

  /// Runs on host buffers given as (address, dtype code, shape, strides in
  /// elements; empty: C order): what the Python layer passes for PyTorch
  /// CPU tensors (data_ptr(), shape, stride()), whose DLPack export costs
  /// more than a tiny attention. The caller keeps the buffers alive for the
  /// call; strided ones are copied as in call(). Results as for call().
  nb::list callPointers(
      const std::vector<std::tuple<uintptr_t, int, std::vector<int64_t>,
                                   std::vector<int64_t>>> &args,
      int framework) {
    Staged staged(args.size());
    for (size_t i = 0; i < args.size(); ++i) {
      const auto &[address, dtype, shape, strides] = args[i];
      if (!strides.empty() && strides.size() != shape.size())
        throw InvalidArgument("argument " + std::to_string(i) + ": " +
                              std::to_string(strides.size()) +
                              " strides for rank " +
                              std::to_string(shape.size()));
      staged.shapes[i] = shape;
      staged.add(i, reinterpret_cast<const void *>(address), MhaDType(dtype),
                 strides);
    }
    return runAndWrap(staged, framework);
  }

  /// Runs a gpu function on CUDA device arrays in place (any DLPack
  /// exporter; PyTorch CUDA tensors from mha): `outputs` are C-contiguous
  /// device arrays of the results' dtypes and shapes, written on `stream`
  /// (a CUstream handle; 0: the legacy default stream). Errors name the
  /// array that is not in CUDA memory or not contiguous.
  void callDevice(const std::vector<nb::ndarray<nb::ro>> &inputs,
                  const std::vector<nb::ndarray<>> &outputs, uintptr_t stream) {
    std::vector<std::vector<int64_t>> shapes(inputs.size() + outputs.size());
    std::vector<MhaBuffer> in, out;
    auto add = [&](auto &a, const std::string &what, size_t slot,
                   std::vector<MhaBuffer> &to) {
      int type = a.device_type();
      if (type != nb::device::cuda::value &&
          type != nb::device::cuda_managed::value)
        throw InvalidArgument(what +
                              " is not in CUDA device memory (DLPack "
                              "device type " +
                              std::to_string(type) + ")");
      std::optional<MhaDType> dtype = fromDLPack(a.dtype());
      if (!dtype)
        throw nb::type_error(
            (what + " has an unsupported element type").c_str());
      std::vector<int64_t> &shape = shapes[slot];
      if (!readShape(a, shape))
        throw InvalidArgument(what + " is not C-contiguous");
      to.push_back(
          MhaBuffer{const_cast<void *>(static_cast<const void *>(a.data())),
                    *dtype, int64_t(shape.size()), shape.data()});
    };
    for (size_t i = 0; i < inputs.size(); ++i)
      add(inputs[i], "argument " + std::to_string(i), i, in);
    for (size_t i = 0; i < outputs.size(); ++i)
      add(outputs[i], "output " + std::to_string(i), inputs.size() + i, out);
    MhaStatus status;
    char *error = nullptr;
    {
      nb::gil_scoped_release release;
      status = mhaFunctionCallOnDevice(
          function, in.data(), int64_t(in.size()), out.data(),
          int64_t(out.size()), reinterpret_cast<void *>(stream), &error);
    }
    throwOnRunError(status, error);
  }

private:
  /// Runs `staged` and wraps each result for `framework`.
  nb::list runAndWrap(Staged &staged, int framework) {
    nb::list out;
    for (MhaTensor *tensor : runBuffers(staged))
      out.append(wrap(tensor, framework));
    return out;
  }

  /// Copies the strided inputs and runs, with the GIL released; returns the
  /// results, owned by the caller; throws on failure. Reentrant
  /// (mhaFunctionCall keeps no state in the function): calls from several
  /// threads run concurrently.
  std::vector<MhaTensor *> runBuffers(Staged &staged) {
    MhaStatus status;
    char *error = nullptr;
    std::vector<MhaTensor *> tensors(numResults, nullptr);
    {
      nb::gil_scoped_release release;
      staged.stage();
      status = mhaFunctionCall(function, staged.buffers.data(),
                               int64_t(staged.buffers.size()), tensors.data(),
                               numResults, &error);
    }
    throwOnRunError(status, error);
    return tensors;
  }

  static std::optional<MhaDType> fromDLPack(nb::dlpack::dtype dtype) {
    using Code = nb::dlpack::dtype_code;
    if (dtype.lanes != 1)
      return std::nullopt;
    if (dtype.code == uint8_t(Code::Float) && dtype.bits == 32)
      return MHA_DTYPE_F32;
    if (dtype.code == uint8_t(Code::Float) && dtype.bits == 16)
      return MHA_DTYPE_F16;
    if ((dtype.code == uint8_t(Code::Bfloat) && dtype.bits == 16) ||
        (dtype.code == uint8_t(Code::UInt) && dtype.bits == 16))
      return MHA_DTYPE_BF16;
    if (dtype.code == uint8_t(Code::Bool) && dtype.bits == 8)
      return MHA_DTYPE_I1;
    return std::nullopt;
  }

  /// An array of `framework` owning `tensor` (freed with the array).
  static nb::object wrap(MhaTensor *tensor, int framework) {
    MhaBuffer view = mhaTensorGetBuffer(tensor);
    nb::capsule owner(tensor, [](void *p) noexcept {
      mhaTensorDestroy(static_cast<MhaTensor *>(p));
    });
    std::vector<size_t> shape(view.shape, view.shape + view.rank);
    nb::dlpack::dtype dtype;
    switch (view.dtype) {
    case MHA_DTYPE_F32:
      dtype = nb::dtype<float>();
      break;
    case MHA_DTYPE_F16:
      dtype = {uint8_t(nb::dlpack::dtype_code::Float), 16, 1};
      break;
    case MHA_DTYPE_BF16:
      dtype = framework == 0
                  ? nb::dtype<uint16_t>()
                  : nb::dlpack::dtype{uint8_t(nb::dlpack::dtype_code::Bfloat),
                                      16, 1};
      break;
    case MHA_DTYPE_I1:
      dtype = nb::dtype<bool>();
      break;
    }
    if (framework == 1)
      return nb::ndarray<nb::pytorch>(view.data, shape.size(), shape.data(),
                                      owner, nullptr, dtype)
          .cast();
    if (framework == 2)
      return nb::ndarray<nb::array_api>(view.data, shape.size(), shape.data(),
                                        owner, nullptr, dtype)
          .cast();
    return nb::ndarray<nb::numpy>(view.data, shape.size(), shape.data(), owner,
                                  nullptr, dtype)
        .cast();
  }

  std::shared_ptr<Context> context; // outlives the function
  MhaFunction *function;
  int64_t numResults;
};

std::unique_ptr<Function>
compile(std::shared_ptr<Context> context, const std::string &text,
        const std::string &entry, const std::string &pipeline,
        const std::string &options, const std::string &targetCpu,
        const std::string &targetFeatures) {
  MhaFunction *function = nullptr;
  char *error = nullptr;
  MhaStatus status;
  {
    nb::gil_scoped_release release;
    status = mhaCompileForTarget(
        context->get(), text.data(), int64_t(text.size()), entry.c_str(),
        pipeline.c_str(), options.c_str(), targetCpu.c_str(),
        targetFeatures.c_str(), &function, &error);
  }
  if (status == MHA_ERROR_INVALID_ARGUMENT)
    throw InvalidArgument(takeError(error, "invalid argument"));
  if (status != MHA_SUCCESS)
    throw CompileError(takeError(error, "compilation failed"));
  return std::make_unique<Function>(std::move(context), function);
}

} // namespace

NB_MODULE(_mha, m) {
  m.doc() = "Low-level bindings of the mha-mlir C API (use the `mha` "
            "package instead).";
  nb::exception<CompileError>(m, "CompileError", PyExc_RuntimeError);
  nb::register_exception_translator([](const std::exception_ptr &p, void *) {
    try {
      std::rethrow_exception(p);
    } catch (const InvalidArgument &e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const OutOfMemory &e) {
      PyErr_SetString(PyExc_MemoryError, e.what());
    }
  });

  m.attr("DTYPE_F32") = int(MHA_DTYPE_F32);
  m.attr("DTYPE_F16") = int(MHA_DTYPE_F16);
  m.attr("DTYPE_BF16") = int(MHA_DTYPE_BF16);
  m.attr("DTYPE_I1") = int(MHA_DTYPE_I1);
  m.attr("DYNAMIC") = int64_t(MHA_DYNAMIC_DIM);
  m.def("version", [] { return std::string(mhaVersion()); });
  m.def(
      "default_tolerance",
      [](int dtype) {
        double atol = 0, rtol = 0;
        if (mhaDefaultTolerance(MhaDType(dtype), &atol, &rtol) != MHA_SUCCESS)
          throw InvalidArgument("unknown dtype code " + std::to_string(dtype));
        return std::make_tuple(atol, rtol);
      },
      "dtype"_a, "(atol, rtol) that results of a dtype are verified with.");
  m.def(
      "attention_flops",
      [](int64_t b, int64_t h, int64_t sq, int64_t skv, int64_t d, int64_t dv,
         bool causal) {
        return mhaAttentionFlops(b, h, sq, skv, d, dv, causal);
      },
      "b"_a, "h"_a, "sq"_a, "skv"_a, "d"_a, "dv"_a, "causal"_a,
      "FLOPs of one attention as the benchmarks count them.");

  nb::class_<Context>(m, "Context").def(nb::init<>());

  nb::class_<Function>(m, "Function")
      .def_prop_ro("name", &Function::name)
      .def_prop_ro("pipeline", &Function::pipeline)
      .def_prop_ro("compile_seconds", &Function::compileSeconds)
      .def_prop_ro("calls_in_flight", &Function::callsInFlight,
                   "calls of this function running now, on any thread")
      .def_prop_ro("args", &Function::args,
                   "[(dtype, shape)] with -1 for dynamic dims")
      .def_prop_ro("results", &Function::results,
                   "[(dtype, shape)] with -1 for dynamic dims")
      .def("flops", &Function::flops, "inputs"_a,
           "FLOPs of one call on [(dtype, shape)] inputs.")
      .def("call_pointers", &Function::callPointers, "args"_a,
           "framework"_a = 0,
           "Runs on [(address, dtype code, shape, strides)] host buffers "
           "that the caller keeps alive (strides in elements, () for C "
           "order); results as for call.")
      .def("call_device", &Function::callDevice, "inputs"_a, "outputs"_a,
           "stream"_a = 0,
           "Runs a gpu function on CUDA device arrays in place, writing "
           "`outputs` (device arrays of the results' shapes) on `stream`.")
      .def("call", &Function::call, "arrays"_a, "framework"_a = 0,
           "Runs on host arrays of any strides (DLPack / buffer protocol; "
           "uint16 for bf16); returns one array per result: NumPy "
           "(framework=0, bf16 as uint16), PyTorch (1) or DLPack (2).");

  m.def("compile", &compile, "context"_a, "text"_a, "entry"_a = "",
        "pipeline"_a = "cpu", "options"_a = "", "target_cpu"_a = "",
        "target_features"_a = "",
        "Compiles MLIR text for a CPU (\"\": the host) and LLVM features "
        "(\"+a,-b\"); raises CompileError with the diagnostics.");
}
