//===- HostTensor.h - Dense host tensors for the runner ---------*- C++ -*-===//
//
// A C-order host buffer with a dtype and a shape: what .npy files hold, what
// the JIT reads and writes, and what the oracle computes on.
//
//===----------------------------------------------------------------------===//

#ifndef MHA_RUNNER_HOSTTENSOR_H
#define MHA_RUNNER_HOSTTENSOR_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mlir::mha::runner {

/// Element types the runner supports (the element types of mha ops).
enum class DType { F32, F16, BF16, I1 };
/// Every DType, in enum order.
inline constexpr DType kAllDTypes[] = {DType::F32, DType::F16, DType::BF16,
                                       DType::I1};

/// "f32", "f16", "bf16", "i1".
llvm::StringRef dtypeName(DType dtype);
/// The inverse of dtypeName; std::nullopt for any other name.
std::optional<DType> parseDType(llvm::StringRef name);
/// Bytes per element in memory (i1 is one byte, as NumPy's bool).
size_t dtypeSize(DType dtype);
bool isFloat(DType dtype);

/// IEEE half / bfloat16 conversions (round to nearest even).
float halfToFloat(uint16_t bits);
uint16_t floatToHalf(float value);
float bf16ToFloat(uint16_t bits);
uint16_t floatToBf16(float value);

struct HostTensor {
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes; // numElements() * dtypeSize(dtype), C order

  HostTensor() = default;
  /// Zero-initialised tensor.
  HostTensor(DType dtype, std::vector<int64_t> shape);

  int64_t numElements() const;
  void *data() { return bytes.data(); }
  const void *data() const { return bytes.data(); }

  /// Element `i` (flat, C order) as float; i1 reads as 0 or 1.
  float get(int64_t i) const;
  /// Stores `value` rounded to the dtype; i1 stores value != 0.
  void set(int64_t i, float value);

  /// "f32[2x8x128x64]".
  std::string describe() const;
};

/// A non-owning view of C-order data: how inputs reach compiled code without
/// copies.
struct TensorRef {
  DType dtype;
  std::vector<int64_t> shape;
  const void *data;

  TensorRef(DType dtype, std::vector<int64_t> shape, const void *data)
      : dtype(dtype), shape(std::move(shape)), data(data) {}
  TensorRef(const HostTensor &t) : TensorRef(t.dtype, t.shape, t.data()) {}

  /// "f32[2x8x128x64]".
  std::string describe() const;
};

/// A tensor argument or result of a compiled entry; dynamic dims are
/// negative (ShapedType::kDynamic in the JIT, -1 in AOT manifests).
struct TensorSpec {
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  /// "tensor<1x?x64xf32>".
  std::string describe() const;
};

/// Bytes of a C-order tensor of `dtype` and `shape` (negative dims count as
/// 0); an error when the count or the size overflows 63 bits, naming the
/// tensor.
llvm::Expected<uint64_t> getTensorBytes(DType dtype,
                                        llvm::ArrayRef<int64_t> shape);

/// The most bytes the runner allocates for host tensors at once (inputs it
/// generates or reads, results it copies out): the physical memory by
/// default, so that an allocation that cannot succeed is an error, not an
/// abort or an OOM kill. `source` names where a limit came from for its
/// error messages ("--max-memory"); 0 restores the default.
void setHostMemoryLimit(uint64_t bytes, llvm::StringRef source = "");
uint64_t getHostMemoryLimit();
/// The physical memory of this machine in bytes (0 when unknown).
uint64_t getPhysicalMemory();
/// Fails, naming `what`, when `bytes` exceed the host memory limit.
llvm::Error checkHostAllocation(uint64_t bytes, const llvm::Twine &what);
/// A zero-initialised tensor of `dtype` and `shape`, or an error when its
/// size overflows or exceeds the host memory limit (never an abort).
llvm::Expected<HostTensor> makeHostTensor(DType dtype,
                                          std::vector<int64_t> shape);

/// Checks that `inputs` match the arguments `specs` of @`entry` (count,
/// dtype, static dims, a size that does not overflow); errors name the
/// argument position.
llvm::Error checkTensorInputs(llvm::StringRef entry,
                              const std::vector<TensorSpec> &specs,
                              llvm::ArrayRef<TensorRef> inputs);

/// Uniform values in [-range, range) for floats; for i1, true with
/// probability `range` clamped to [0, 1]. Deterministic for a seed.
HostTensor randomTensor(DType dtype, std::vector<int64_t> shape, uint64_t seed,
                        float range = 1.0f);

/// The random value of argument `position` of an entry function for
/// `--seed=seed` (mha-run, mha-aot-check): randomTensor seeded with
/// seed * 1000003 + position; floats in [-1, 1), rank-2 tensors (weights) in
/// +-1/sqrt(rows) (PyTorch's nn.Linear init, keeps random layers well
/// conditioned), i1 true with probability 0.9.
HostTensor randomArgument(DType dtype, std::vector<int64_t> shape,
                          uint64_t seed, size_t position);

} // namespace mlir::mha::runner

#endif // MHA_RUNNER_HOSTTENSOR_H
