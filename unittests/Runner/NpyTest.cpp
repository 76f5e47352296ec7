//===- NpyTest.cpp - .npy reading and writing tests -----------------------===//

#include "mha/Runner/Npy.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

using namespace mlir::mha::runner;

namespace {

/// A .npy file with a version 1.0 header around `dict` and `data`.
std::string npyFile(llvm::StringRef dict, llvm::StringRef data,
                    unsigned major = 1) {
  std::string header = dict.str() + "\n";
  std::string out("\x93NUMPY", 6);
  out += char(major);
  out += char(0);
  size_t len = header.size();
  out += char(len & 0xff);
  out += char((len >> 8) & 0xff);
  if (major != 1) {
    out += char((len >> 16) & 0xff);
    out += char((len >> 24) & 0xff);
  }
  return out + header + data.str();
}

/// Expects parsing to fail with a message containing each of `parts`.
void expectError(llvm::StringRef contents,
                 std::initializer_list<llvm::StringRef> parts) {
  llvm::Expected<HostTensor> result = parseNpy(contents, "in.npy");
  ASSERT_FALSE(bool(result)) << "parsing unexpectedly succeeded";
  std::string message = llvm::toString(result.takeError());
  EXPECT_NE(message.find("'in.npy'"), std::string::npos) << message;
  for (llvm::StringRef part : parts)
    EXPECT_NE(message.find(part.str()), std::string::npos)
        << "message: " << message << "\nmissing: " << part.str();
}

HostTensor mustParse(llvm::StringRef contents) {
  llvm::Expected<HostTensor> result = parseNpy(contents, "in.npy");
  if (!result) {
    ADD_FAILURE() << llvm::toString(result.takeError());
    return HostTensor();
  }
  return std::move(*result);
}

const char *kF32Dict =
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
const std::string kTwoFloats("\x00\x00\x80\x3f\x00\x00\x20\xc0", 8);

TEST(NpyTest, RoundTripEveryDtypeAndRank) {
  const std::vector<std::vector<int64_t>> shapes = {
      {}, {1}, {5}, {2, 3}, {2, 1, 3, 4}, {0}, {3, 0, 2}};
  for (DType dtype : {DType::F32, DType::F16, DType::BF16, DType::I1}) {
    for (const auto &shape : shapes) {
      HostTensor tensor = randomTensor(dtype, shape, 11, 0.5f);
      std::string file = serializeNpy(tensor);
      // NumPy aligns the data to 64 bytes; so do we.
      EXPECT_EQ((file.size() - tensor.bytes.size()) % 64, 0u);
      HostTensor back = mustParse(file);
      EXPECT_EQ(back.dtype, dtype) << tensor.describe();
      EXPECT_EQ(back.shape, shape) << tensor.describe();
      EXPECT_EQ(back.bytes, tensor.bytes) << tensor.describe();
    }
  }
}

TEST(NpyTest, SerializedHeader) {
  HostTensor t(DType::F32, {2, 3});
  std::string file = serializeNpy(t);
  EXPECT_EQ(file.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  EXPECT_NE(file.find("{'descr': '<f4', 'fortran_order': False, 'shape': "
                      "(2, 3), }"),
            std::string::npos);
  EXPECT_EQ(file[file.size() - 24 - 1], '\n');
  EXPECT_NE(serializeNpy(HostTensor(DType::F16, {7})).find("'shape': (7,)"),
            std::string::npos);
  EXPECT_NE(serializeNpy(HostTensor(DType::I1, {})).find("'shape': ()"),
            std::string::npos);
  EXPECT_NE(serializeNpy(HostTensor(DType::I1, {})).find("'|b1'"),
            std::string::npos);
  EXPECT_NE(serializeNpy(HostTensor(DType::BF16, {1})).find("'bfloat16'"),
            std::string::npos);
}

TEST(NpyTest, FileRoundTrip) {
  llvm::SmallString<128> path;
  ASSERT_FALSE(llvm::sys::fs::createTemporaryFile("mha-npy-test", "npy", path));
  HostTensor tensor = randomTensor(DType::F16, {3, 4}, 5);
  llvm::Error error = writeNpy(path, tensor);
  ASSERT_FALSE(bool(error)) << llvm::toString(std::move(error));
  llvm::Expected<HostTensor> back = readNpy(path);
  ASSERT_TRUE(bool(back)) << llvm::toString(back.takeError());
  EXPECT_EQ(back->shape, tensor.shape);
  EXPECT_EQ(back->bytes, tensor.bytes);
  llvm::sys::fs::remove(path);
}

TEST(NpyTest, HandWrittenVersion1) {
  HostTensor t = mustParse(npyFile(kF32Dict, kTwoFloats));
  EXPECT_EQ(t.dtype, DType::F32);
  ASSERT_EQ(t.shape, (std::vector<int64_t>{2}));
  EXPECT_EQ(t.get(0), 1.0f);
  EXPECT_EQ(t.get(1), -2.5f);
}

TEST(NpyTest, HandWrittenVersion2And3) {
  // Keys in another order, double quotes, no trailing comma, extra spaces.
  const char *dict =
      "{\"shape\": ( 1 , 2 ), \"fortran_order\": False, \"descr\": \"<f2\"}";
  std::string data("\x00\x3c\x00\xc1", 4);
  for (unsigned major : {2u, 3u}) {
    HostTensor t = mustParse(npyFile(dict, data, major));
    EXPECT_EQ(t.dtype, DType::F16);
    ASSERT_EQ(t.shape, (std::vector<int64_t>{1, 2}));
    EXPECT_EQ(t.get(0), 1.0f);
    EXPECT_EQ(t.get(1), -2.5f);
  }
}

TEST(NpyTest, Scalar) {
  HostTensor t = mustParse(
      npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (), }",
              llvm::StringRef("\x00\x00\x60\x40", 4)));
  ASSERT_TRUE(t.shape.empty());
  ASSERT_EQ(t.bytes.size(), 4u);
  EXPECT_EQ(t.numElements(), 1);
  EXPECT_EQ(t.get(0), 3.5f);
}

TEST(NpyTest, Bool) {
  HostTensor t = mustParse(
      npyFile("{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }",
              llvm::StringRef("\x01\x00\x01", 3)));
  EXPECT_EQ(t.dtype, DType::I1);
  EXPECT_EQ(t.bytes, (std::vector<uint8_t>{1, 0, 1}));
}

TEST(NpyTest, BFloat16AsNumPySavesIt) {
  // The exact bytes np.save writes for
  // np.array([[1.0, -2.5, 3.0]], dtype=ml_dtypes.bfloat16) (numpy 2.4,
  // ml_dtypes 0.6): descr '<V2' with a 118-byte header.
  std::string dict = "{'descr': '<V2', 'fortran_order': False, 'shape': "
                     "(1, 3), }" +
                     std::string(58, ' ');
  ASSERT_EQ(dict.size() + 1, 118u);
  std::string file =
      npyFile(dict, llvm::StringRef("\x80\x3f\x20\xc0\x40\x40", 6));
  ASSERT_EQ(file.size(), 134u);
  HostTensor t = mustParse(file);
  EXPECT_EQ(t.dtype, DType::BF16);
  ASSERT_EQ(t.shape, (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(t.get(0), 1.0f);
  EXPECT_EQ(t.get(1), -2.5f);
  EXPECT_EQ(t.get(2), 3.0f);
}

TEST(NpyTest, RejectBadMagic) {
  expectError("GIF89a....", {"bad magic"});
  expectError("", {"bad magic"});
}

TEST(NpyTest, RejectUnsupportedVersion) {
  expectError(npyFile(kF32Dict, kTwoFloats, 4), {"version 4.0"});
}

TEST(NpyTest, RejectTruncatedHeader) {
  std::string file = npyFile(kF32Dict, "");
  expectError(file.substr(0, 30), {"truncated", "header"});
  expectError(file.substr(0, 9), {"truncated", "header"});
  expectError(file.substr(0, 7), {"truncated"});
}

TEST(NpyTest, RejectMalformedHeader) {
  expectError(npyFile("{'descr': '<f4', 'shape': (2,), }", kTwoFloats),
              {"malformed", "'fortran_order'"});
  expectError(npyFile("{'fortran_order': False, 'shape': (2,), }", kTwoFloats),
              {"malformed", "'descr'"});
  expectError(npyFile("{'descr': '<f4', 'fortran_order': False}", kTwoFloats),
              {"malformed", "'shape'"});
  for (const char *shape : {"(2)", "(a,)", "(-2,)", "[2]", "(2 2)", "(,)"})
    expectError(npyFile(std::string("{'descr': '<f4', 'fortran_order': "
                                    "False, 'shape': ") +
                            shape + "}",
                        kTwoFloats),
                {"malformed", "'shape' must be a tuple"});
  expectError(npyFile("'descr': '<f4'", kTwoFloats), {"malformed"});
  expectError(npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': "
                      "(2,), 'extra': 1}",
                      kTwoFloats),
              {"malformed", "'extra'"});
  expectError(npyFile("{'descr': '<f4', 'fortran_order': 0, 'shape': (2,)}",
                      kTwoFloats),
              {"malformed", "True or False"});
  expectError(npyFile(std::string(kF32Dict) + " junk", kTwoFloats),
              {"malformed", "after the header"});
}

TEST(NpyTest, RejectFortranOrder) {
  expectError(
      npyFile("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }",
              kTwoFloats),
      {"Fortran-order arrays are not supported; save with "
       "np.ascontiguousarray"});
}

TEST(NpyTest, RejectBigEndian) {
  expectError(
      npyFile("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }",
              kTwoFloats),
      {"big-endian", "'>f4'"});
}

TEST(NpyTest, RejectUnsupportedDtypes) {
  for (const char *descr : {"<f8", "<i4", "<u1", "|V4"})
    expectError(
        npyFile(std::string("{'descr': '") + descr +
                    "', 'fortran_order': False, 'shape': (2,), }",
                std::string(16, '\0')),
        {"unsupported dtype", descr, "'<f4'", "'<f2'", "'|b1'", "bfloat16"});
  expectError(npyFile("{'descr': [('a', '<f4')], 'fortran_order': False, "
                      "'shape': (2,), }",
                      kTwoFloats),
              {"structured dtypes are not supported"});
}

TEST(NpyTest, RejectDataSizeMismatch) {
  expectError(npyFile(kF32Dict, kTwoFloats.substr(0, 7)),
              {"data is 7 bytes", "f32[2] needs 8", "truncated"});
  expectError(npyFile(kF32Dict, kTwoFloats + "x"),
              {"data is 9 bytes", "trailing bytes"});
  expectError(
      npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", ""),
      {"data is 0 bytes", "needs 4"});
}

TEST(NpyTest, ReadMissingFile) {
  llvm::Expected<HostTensor> result = readNpy("/nonexistent/dir/x.npy");
  ASSERT_FALSE(bool(result));
  EXPECT_EQ(llvm::toString(result.takeError()),
            "cannot open '/nonexistent/dir/x.npy': No such file or directory");
}

TEST(NpyTest, ErrorNamesTheFile) {
  llvm::SmallString<128> path;
  ASSERT_FALSE(llvm::sys::fs::createTemporaryFile("mha-npy-bad", "npy", path));
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec);
    ASSERT_FALSE(ec);
    os << "not numpy";
  }
  llvm::Expected<HostTensor> result = readNpy(path);
  ASSERT_FALSE(bool(result));
  std::string message = llvm::toString(result.takeError());
  EXPECT_NE(message.find(path.str().str()), std::string::npos) << message;
  llvm::sys::fs::remove(path);
}

} // namespace
