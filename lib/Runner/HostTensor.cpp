//===- HostTensor.cpp - Dense host tensors for the runner -----------------===//

#include "mha/Runner/HostTensor.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLExtras.h"

#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>
#include <mutex>
#include <unistd.h>

using namespace mlir::mha::runner;

llvm::StringRef mlir::mha::runner::dtypeName(DType dtype) {
  switch (dtype) {
  case DType::F32:
    return "f32";
  case DType::F16:
    return "f16";
  case DType::BF16:
    return "bf16";
  case DType::I1:
    return "i1";
  }
  llvm_unreachable("unknown dtype");
}

std::optional<DType> mlir::mha::runner::parseDType(llvm::StringRef name) {
  for (DType dtype : kAllDTypes)
    if (dtypeName(dtype) == name)
      return dtype;
  return std::nullopt;
}

size_t mlir::mha::runner::dtypeSize(DType dtype) {
  switch (dtype) {
  case DType::F32:
    return 4;
  case DType::F16:
  case DType::BF16:
    return 2;
  case DType::I1:
    return 1;
  }
  llvm_unreachable("unknown dtype");
}

bool mlir::mha::runner::isFloat(DType dtype) { return dtype != DType::I1; }

static uint32_t floatBits(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  return bits;
}

static float bitsToFloat(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

float mlir::mha::runner::halfToFloat(uint16_t bits) {
  uint32_t sign = uint32_t(bits & 0x8000) << 16;
  uint32_t exponent = (bits >> 10) & 0x1f;
  uint32_t mantissa = bits & 0x3ff;
  if (exponent == 0x1f) // Inf or NaN; keep the NaN payload.
    return bitsToFloat(sign | 0x7f800000 | (mantissa << 13));
  if (exponent == 0) {
    if (mantissa == 0)
      return bitsToFloat(sign);
    // Subnormal: normalise the mantissa into an f32 normal.
    int shift = 0;
    while (!(mantissa & 0x400)) {
      mantissa <<= 1;
      ++shift;
    }
    mantissa &= 0x3ff;
    exponent = 127 - 15 + 1 - shift;
    return bitsToFloat(sign | (exponent << 23) | (mantissa << 13));
  }
  return bitsToFloat(sign | ((exponent + 127 - 15) << 23) | (mantissa << 13));
}

/// Rounds `value >> shift` to nearest, ties to even (integers only, so the
/// result does not depend on the host's floating-point environment).
static uint32_t shiftRoundEven(uint32_t value, unsigned shift) {
  if (shift == 0)
    return value;
  if (shift > 31)
    return 0;
  uint32_t quotient = value >> shift;
  uint32_t remainder = value & ((1u << shift) - 1);
  uint32_t half = 1u << (shift - 1);
  if (remainder > half || (remainder == half && (quotient & 1)))
    ++quotient;
  return quotient;
}

uint16_t mlir::mha::runner::floatToHalf(float value) {
  uint32_t bits = floatBits(value);
  uint16_t sign = (bits >> 16) & 0x8000;
  uint32_t magnitude = bits & 0x7fffffff;
  uint32_t exponent = magnitude >> 23;
  uint32_t mantissa = magnitude & 0x7fffff;
  if (exponent == 0xff) {
    if (mantissa == 0)
      return sign | 0x7c00;
    // Quiet NaN that keeps the top payload bits.
    return sign | 0x7e00 | (mantissa >> 13);
  }
  // Half normals have biased f32 exponents 113..142.
  if (exponent >= 113) {
    // Round the 23-bit mantissa to 10 bits; a carry correctly bumps the
    // exponent, up to Inf for values >= 65520.
    uint32_t rounded = shiftRoundEven(magnitude - (112u << 23), 13);
    return sign | std::min<uint32_t>(rounded, 0x7c00);
  }
  // Half subnormal (or zero): value / 2^-24 rounded to an integer. f32
  // subnormals are far below half's range and round to zero.
  if (exponent == 0)
    return sign;
  uint32_t significand = mantissa | 0x800000; // value = sig * 2^(e - 150)
  return sign | shiftRoundEven(significand, 126 - exponent);
}

float mlir::mha::runner::bf16ToFloat(uint16_t bits) {
  return bitsToFloat(uint32_t(bits) << 16);
}

uint16_t mlir::mha::runner::floatToBf16(float value) {
  uint32_t bits = floatBits(value);
  if ((bits & 0x7fffffff) > 0x7f800000) // NaN: truncate and keep it quiet.
    return (bits >> 16) | 0x40;
  // Overflow rounds to Inf through the carry.
  return shiftRoundEven(bits, 16);
}

HostTensor::HostTensor(DType dtype, std::vector<int64_t> shape)
    : dtype(dtype), shape(std::move(shape)) {
  bytes.assign(numElements() * dtypeSize(dtype), 0);
}

int64_t HostTensor::numElements() const {
  int64_t count = 1;
  for (int64_t dim : shape)
    count *= dim;
  return count;
}

float HostTensor::get(int64_t i) const {
  assert(i >= 0 && i < numElements() && "element index out of range");
  const uint8_t *ptr = bytes.data() + i * dtypeSize(dtype);
  switch (dtype) {
  case DType::F32: {
    float value;
    std::memcpy(&value, ptr, sizeof(value));
    return value;
  }
  case DType::F16:
  case DType::BF16: {
    uint16_t bits;
    std::memcpy(&bits, ptr, sizeof(bits));
    return dtype == DType::F16 ? halfToFloat(bits) : bf16ToFloat(bits);
  }
  case DType::I1:
    return *ptr ? 1.0f : 0.0f;
  }
  llvm_unreachable("unknown dtype");
}

void HostTensor::set(int64_t i, float value) {
  assert(i >= 0 && i < numElements() && "element index out of range");
  uint8_t *ptr = bytes.data() + i * dtypeSize(dtype);
  switch (dtype) {
  case DType::F32:
    std::memcpy(ptr, &value, sizeof(value));
    return;
  case DType::F16:
  case DType::BF16: {
    uint16_t bits =
        dtype == DType::F16 ? floatToHalf(value) : floatToBf16(value);
    std::memcpy(ptr, &bits, sizeof(bits));
    return;
  }
  case DType::I1:
    *ptr = value != 0.0f;
    return;
  }
  llvm_unreachable("unknown dtype");
}

static std::string describeTensor(DType dtype, llvm::ArrayRef<int64_t> shape) {
  std::string result = dtypeName(dtype).str() + "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      result += "x";
    result += std::to_string(shape[i]);
  }
  return result + "]";
}

std::string HostTensor::describe() const {
  return describeTensor(dtype, shape);
}

std::string TensorRef::describe() const { return describeTensor(dtype, shape); }

/// splitmix64: tiny, well mixed and fully specified, so random inputs are
/// identical on every platform and standard library.
static uint64_t splitmix64(uint64_t &state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

HostTensor mlir::mha::runner::randomTensor(DType dtype,
                                           std::vector<int64_t> shape,
                                           uint64_t seed, float range) {
  HostTensor tensor(dtype, std::move(shape));
  uint64_t state = seed;
  int64_t n = tensor.numElements();
  float probability = std::clamp(range, 0.0f, 1.0f);
  for (int64_t i = 0; i < n; ++i) {
    // 24 random bits give a float in [0, 1) exactly.
    float unit = float(splitmix64(state) >> 40) * 0x1p-24f;
    if (dtype == DType::I1) {
      tensor.set(i, unit < probability ? 1.0f : 0.0f);
      continue;
    }
    // 2u - 1 is exact; the product rounds once (IEEE), and set() may round
    // values close to `range` up to it for f16/bf16.
    tensor.set(i, (2.0f * unit - 1.0f) * range);
  }
  return tensor;
}

HostTensor mlir::mha::runner::randomArgument(DType dtype,
                                             std::vector<int64_t> shape,
                                             uint64_t seed, size_t position) {
  float range = dtype == DType::I1 ? 0.9f
                : shape.size() == 2
                    ? 1.0f / std::sqrt(float(std::max<int64_t>(shape[0], 1)))
                    : 1.0f;
  return randomTensor(dtype, std::move(shape), seed * 1000003 + position,
                      range);
}

std::string TensorSpec::describe() const {
  std::string s = "tensor<";
  for (int64_t d : shape)
    s += (d < 0 ? "?" : std::to_string(d)) + "x";
  return s + dtypeName(dtype).str() + ">";
}

llvm::Expected<uint64_t>
mlir::mha::runner::getTensorBytes(DType dtype, llvm::ArrayRef<int64_t> shape) {
  uint64_t bytes = dtypeSize(dtype);
  bool overflow = false;
  for (int64_t dim : shape) {
    uint64_t d = dim < 0 ? 0 : uint64_t(dim);
    overflow |= d != 0 && bytes > uint64_t(INT64_MAX) / d;
    bytes *= d;
  }
  // A zero dim makes the tensor empty whatever the others are.
  if (llvm::is_contained(shape, 0))
    return 0;
  if (overflow)
    return llvm::createStringError(describeTensor(dtype, shape) +
                                   " has more than 2^63 bytes");
  return bytes;
}

uint64_t mlir::mha::runner::getPhysicalMemory() {
  // Queried once (a system call): every run checks its results against it.
  static const uint64_t bytes = [] {
    long pages = ::sysconf(_SC_PHYS_PAGES), size = ::sysconf(_SC_PAGESIZE);
    return pages > 0 && size > 0 ? uint64_t(pages) * uint64_t(size) : 0;
  }();
  return bytes;
}

namespace {
struct MemoryLimit {
  std::mutex mutex;
  uint64_t bytes = 0; // 0: the physical memory
  std::string source;
};
MemoryLimit &memoryLimit() {
  static MemoryLimit limit;
  return limit;
}

std::string formatBytes(uint64_t bytes) {
  if (bytes >= (1ull << 30))
    return llvm::formatv("{0:f1} GiB", double(bytes) / double(1ull << 30));
  if (bytes >= (1ull << 20))
    return llvm::formatv("{0:f1} MiB", double(bytes) / double(1ull << 20));
  return std::to_string(bytes) + " bytes";
}
} // namespace

void mlir::mha::runner::setHostMemoryLimit(uint64_t bytes,
                                           llvm::StringRef source) {
  MemoryLimit &limit = memoryLimit();
  std::lock_guard<std::mutex> lock(limit.mutex);
  limit.bytes = bytes;
  limit.source = bytes ? source.str() : "";
}

uint64_t mlir::mha::runner::getHostMemoryLimit() {
  MemoryLimit &limit = memoryLimit();
  std::lock_guard<std::mutex> lock(limit.mutex);
  return limit.bytes ? limit.bytes : getPhysicalMemory();
}

llvm::Error mlir::mha::runner::checkHostAllocation(uint64_t bytes,
                                                   const llvm::Twine &what) {
  MemoryLimit &limit = memoryLimit();
  std::string source;
  uint64_t max;
  {
    std::lock_guard<std::mutex> lock(limit.mutex);
    max = limit.bytes ? limit.bytes : getPhysicalMemory();
    if (max == 0 || bytes <= max)
      return llvm::Error::success();
    source = limit.bytes ? limit.source : "the physical memory";
  }
  return llvm::createStringError(
      std::make_error_code(std::errc::not_enough_memory),
      what + " needs " + formatBytes(bytes) + ", more than the " +
          formatBytes(max) + " host memory limit" +
          (source.empty() ? "" : " (" + source + ")"));
}

llvm::Expected<HostTensor>
mlir::mha::runner::makeHostTensor(DType dtype, std::vector<int64_t> shape) {
  llvm::Expected<uint64_t> bytes = getTensorBytes(dtype, shape);
  if (!bytes)
    return bytes.takeError();
  if (llvm::Error err =
          checkHostAllocation(*bytes, describeTensor(dtype, shape)))
    return std::move(err);
  return HostTensor(dtype, std::move(shape));
}

llvm::Error
mlir::mha::runner::checkTensorInputs(llvm::StringRef entry,
                                     const std::vector<TensorSpec> &specs,
                                     llvm::ArrayRef<TensorRef> inputs) {
  if (inputs.size() != specs.size())
    return llvm::createStringError(
        "@" + entry.str() + " takes " + std::to_string(specs.size()) +
        " arguments, but " + std::to_string(inputs.size()) +
        " inputs were given");
  for (size_t i = 0; i < specs.size(); ++i) {
    const TensorSpec &spec = specs[i];
    const TensorRef &t = inputs[i];
    // Built only on failure: a tiny call costs a few microseconds.
    auto prefix = [&] {
      return "argument " + std::to_string(i) + " (" + spec.describe() + "): ";
    };
    if (t.dtype != spec.dtype)
      return llvm::createStringError(prefix() + "expected element type " +
                                     dtypeName(spec.dtype).str() + ", got " +
                                     t.describe());
    bool ok = t.shape.size() == spec.shape.size();
    for (size_t d = 0; ok && d < t.shape.size(); ++d)
      ok = spec.shape[d] < 0 || spec.shape[d] == t.shape[d];
    if (!ok)
      return llvm::createStringError(prefix() + "shape mismatch, got " +
                                     t.describe());
    if (llvm::Expected<uint64_t> bytes = getTensorBytes(t.dtype, t.shape);
        !bytes)
      return llvm::createStringError(prefix() +
                                     llvm::toString(bytes.takeError()));
  }
  return llvm::Error::success();
}
