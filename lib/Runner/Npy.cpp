//===- Npy.cpp - NumPy .npy reading and writing ---------------------------===//
//
// Format:
// https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
//
// bfloat16: `np.save` of an `ml_dtypes.bfloat16` array (numpy 2.4, ml_dtypes
// 0.6) writes descr '<V2' (bfloat16 has kind 'V', so its `dtype.str` is a
// 2-byte void). We read '<V2' as bf16. We write descr 'bfloat16' instead:
// `np.load` resolves that through `np.dtype('bfloat16')`, which works once
// ml_dtypes is imported and yields a real bfloat16 array (a '<V2' file
// would load as raw void and need `.view(ml_dtypes.bfloat16)`). Both
// descrs are accepted on input.
//
//===----------------------------------------------------------------------===//

#include "mha/Runner/Npy.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>
#include <optional>

using namespace mlir::mha::runner;
using llvm::StringRef;

static constexpr StringRef kMagic("\x93NUMPY", 6);
static constexpr StringRef kSupported =
    "'<f4' (f32), '<f2' (f16), '|b1' (bool), and bfloat16 ('<V2' as "
    "ml_dtypes saves it, or 'bfloat16')";

static llvm::Error npyError(StringRef name, const llvm::Twine &message) {
  return llvm::createStringError(
      std::make_error_code(std::errc::invalid_argument),
      "'" + name + "': " + message);
}

static std::optional<DType> descrToDType(StringRef descr) {
  if (descr == "<f4")
    return DType::F32;
  if (descr == "<f2")
    return DType::F16;
  if (descr == "|b1" || descr == "b1" || descr == "?" || descr == "|?")
    return DType::I1;
  if (descr == "<V2" || descr == "bfloat16")
    return DType::BF16;
  return std::nullopt;
}

static StringRef dtypeToDescr(DType dtype) {
  switch (dtype) {
  case DType::F32:
    return "<f4";
  case DType::F16:
    return "<f2";
  case DType::BF16:
    return "bfloat16";
  case DType::I1:
    return "|b1";
  }
  llvm_unreachable("unknown dtype");
}

namespace {
/// The header dictionary, a Python literal such as
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`.
struct Header {
  std::string descr;
  bool descrIsString = true;
  bool fortranOrder = false;
  std::vector<int64_t> shape;
};

/// A minimal parser for the subset of Python literals NumPy writes.
class HeaderParser {
public:
  explicit HeaderParser(StringRef text) : text(text) {}

  /// Returns an error message, or an empty string on success.
  std::string parse(Header &header) {
    bool seenDescr = false, seenOrder = false, seenShape = false;
    if (!consume('{'))
      return "expected '{' at the start of the header dictionary";
    while (true) {
      skipSpace();
      if (consume('}'))
        break;
      std::string key;
      if (!parseString(key))
        return "expected a quoted key in the header dictionary";
      if (!consume(':'))
        return "expected ':' after key '" + key + "'";
      if (key == "descr") {
        seenDescr = true;
        skipSpace();
        if (peek() == '[' || peek() == '(') {
          // Structured dtype: skip it and report it as unsupported later.
          header.descrIsString = false;
          if (!skipBalanced())
            return "malformed 'descr' value";
        } else if (!parseString(header.descr)) {
          return "'descr' must be a string";
        }
      } else if (key == "fortran_order") {
        seenOrder = true;
        skipSpace();
        if (text.consume_front("True"))
          header.fortranOrder = true;
        else if (text.consume_front("False"))
          header.fortranOrder = false;
        else
          return "'fortran_order' must be True or False";
      } else if (key == "shape") {
        seenShape = true;
        if (std::string error = parseShape(header.shape); !error.empty())
          return error;
      } else {
        return "unexpected key '" + key + "' in the header dictionary";
      }
      skipSpace();
      if (consume(','))
        continue;
      if (consume('}'))
        break;
      return "expected ',' or '}' in the header dictionary";
    }
    skipSpace();
    if (!text.empty())
      return "unexpected text after the header dictionary";
    if (!seenDescr)
      return "header dictionary has no 'descr' key";
    if (!seenOrder)
      return "header dictionary has no 'fortran_order' key";
    if (!seenShape)
      return "header dictionary has no 'shape' key";
    return "";
  }

private:
  char peek() const { return text.empty() ? '\0' : text.front(); }

  void skipSpace() { text = text.ltrim(" \t\r\n"); }

  bool consume(char c) {
    skipSpace();
    return text.consume_front(StringRef(&c, 1));
  }

  bool parseString(std::string &out) {
    skipSpace();
    char quote = peek();
    if (quote != '\'' && quote != '"')
      return false;
    size_t end = text.find(quote, 1);
    if (end == StringRef::npos)
      return false;
    out = text.slice(1, end).str();
    text = text.drop_front(end + 1);
    return true;
  }

  bool skipBalanced() {
    int depth = 0;
    while (!text.empty()) {
      char c = text.front();
      if (c == '\'' || c == '"') {
        std::string ignored;
        if (!parseString(ignored))
          return false;
        continue;
      }
      text = text.drop_front();
      if (c == '[' || c == '(')
        ++depth;
      else if ((c == ']' || c == ')') && --depth == 0)
        return true;
    }
    return false;
  }

  std::string parseShape(std::vector<int64_t> &shape) {
    const char *bad = "'shape' must be a tuple of non-negative integers";
    if (!consume('('))
      return bad;
    bool trailingComma = false;
    while (true) {
      skipSpace();
      if (consume(')'))
        break;
      if (!shape.empty() && !trailingComma)
        return bad;
      size_t digits = text.find_first_not_of("0123456789");
      if (digits == 0 || digits == StringRef::npos)
        return bad;
      unsigned long long dim;
      if (llvm::getAsUnsignedInteger(text.take_front(digits), 10, dim) ||
          dim > uint64_t(INT64_MAX))
        return bad;
      text = text.drop_front(digits);
      text.consume_front("L"); // Python 2 longs.
      shape.push_back(int64_t(dim));
      trailingComma = consume(',');
      if (!trailingComma && peek() != ')')
        return bad;
    }
    // A one-element tuple needs its comma: "(3)" is an int, not a tuple.
    if (shape.size() == 1 && !trailingComma)
      return bad;
    return "";
  }

  StringRef text;
};
} // namespace

llvm::Expected<HostTensor> mlir::mha::runner::parseNpy(StringRef contents,
                                                       StringRef name) {
  if (!contents.starts_with(kMagic))
    return npyError(name, "not a .npy file (bad magic string)");
  if (contents.size() < 8)
    return npyError(name, "truncated .npy preamble");
  unsigned major = uint8_t(contents[6]), minor = uint8_t(contents[7]);
  if ((major != 1 && major != 2 && major != 3) || minor != 0)
    return npyError(name, "unsupported .npy format version " +
                              llvm::Twine(major) + "." + llvm::Twine(minor) +
                              " (supported: 1.0, 2.0, 3.0)");
  size_t lengthBytes = major == 1 ? 2 : 4;
  size_t prefix = 8 + lengthBytes;
  if (contents.size() < prefix)
    return npyError(name, "truncated .npy header");
  uint64_t headerLength =
      major == 1
          ? uint64_t(llvm::support::endian::read16le(contents.data() + 8))
          : uint64_t(llvm::support::endian::read32le(contents.data() + 8));
  if (contents.size() - prefix < headerLength)
    return npyError(name, "truncated .npy header (header length " +
                              llvm::Twine(headerLength) + ", file has " +
                              llvm::Twine(contents.size() - prefix) +
                              " bytes after the preamble)");
  StringRef headerText = contents.substr(prefix, headerLength);

  Header header;
  if (std::string error = HeaderParser(headerText).parse(header);
      !error.empty())
    return npyError(name, "malformed .npy header: " + error);

  if (!header.descrIsString)
    return npyError(name, "structured dtypes are not supported; supported "
                          "dtypes: " +
                              kSupported);
  std::optional<DType> dtype = descrToDType(header.descr);
  if (!dtype) {
    if (StringRef(header.descr).starts_with(">"))
      return npyError(name, "big-endian data ('" + header.descr +
                                "') is not supported; save with "
                                "arr.astype(arr.dtype.newbyteorder('<'))");
    return npyError(name, "unsupported dtype '" + header.descr +
                              "'; supported dtypes: " + kSupported);
  }
  if (header.fortranOrder)
    return npyError(name, "Fortran-order arrays are not supported; save "
                          "with np.ascontiguousarray");

  // Element count with overflow checking; the data must match exactly.
  uint64_t count = 1;
  bool overflow = false;
  for (int64_t dim : header.shape) {
    if (dim != 0 && count > UINT64_MAX / uint64_t(dim) / 4)
      overflow = true;
    count *= uint64_t(dim);
  }
  HostTensor probe;
  probe.dtype = *dtype;
  probe.shape = header.shape;
  StringRef data = contents.drop_front(prefix + headerLength);
  uint64_t expectedBytes = count * dtypeSize(*dtype);
  if (overflow || expectedBytes != data.size())
    return npyError(name, "data is " + llvm::Twine(data.size()) +
                              " bytes but " + probe.describe() + " needs " +
                              (overflow ? llvm::Twine("more than 2^64")
                                        : llvm::Twine(expectedBytes)) +
                              (data.size() < expectedBytes || overflow
                                   ? " (truncated file?)"
                                   : " (trailing bytes)"));

  llvm::Expected<HostTensor> made = makeHostTensor(*dtype, header.shape);
  if (!made)
    return npyError(name, llvm::toString(made.takeError()));
  HostTensor tensor = std::move(*made);
  if (!data.empty())
    std::memcpy(tensor.data(), data.data(), data.size());
  if (*dtype == DType::I1) // Normalise to 0/1 as NumPy's bool does.
    for (uint8_t &byte : tensor.bytes)
      byte = byte != 0;
  return tensor;
}

llvm::Expected<HostTensor> mlir::mha::runner::readNpy(StringRef path) {
  // Not a device or a pipe (/dev/zero would be read forever): a regular
  // file's size is known, and parseNpy checks it against the header.
  llvm::sys::fs::file_status status;
  if (std::error_code ec = llvm::sys::fs::status(path, status))
    return llvm::createStringError(ec, "cannot open '" + path +
                                           "': " + ec.message());
  if (!llvm::sys::fs::is_regular_file(status))
    return npyError(path, "not a regular file");
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                  /*RequiresNullTerminator=*/false);
  if (std::error_code ec = buffer.getError())
    return llvm::createStringError(ec, "cannot open '" + path +
                                           "': " + ec.message());
  return parseNpy((*buffer)->getBuffer(), path);
}

std::string mlir::mha::runner::serializeNpy(const HostTensor &tensor) {
  std::string dict = "{'descr': '" + dtypeToDescr(tensor.dtype).str() +
                     "', 'fortran_order': False, 'shape': (";
  for (int64_t dim : tensor.shape)
    dict += std::to_string(dim) + (tensor.shape.size() == 1 ? "," : ", ");
  if (tensor.shape.size() > 1)
    dict.resize(dict.size() - 2);
  dict += "), }";
  // Pad with spaces and end with '\n' so the data starts 64-byte aligned.
  size_t total = kMagic.size() + 4 + dict.size() + 1;
  dict.append((64 - total % 64) % 64, ' ');
  dict += '\n';
  assert(dict.size() <= 0xffff && "header too long for version 1.0");

  std::string out = kMagic.str();
  out += '\x01';
  out += '\x00';
  out += char(dict.size() & 0xff);
  out += char(dict.size() >> 8);
  out += dict;
  out.append(reinterpret_cast<const char *>(tensor.bytes.data()),
             tensor.bytes.size());
  return out;
}

llvm::Error mlir::mha::runner::writeNpy(StringRef path,
                                        const HostTensor &tensor) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
  if (ec)
    return llvm::createStringError(ec, "cannot write '" + path +
                                           "': " + ec.message());
  os << serializeNpy(tensor);
  os.close();
  if (os.has_error()) {
    ec = os.error();
    os.clear_error();
    return llvm::createStringError(ec, "cannot write '" + path +
                                           "': " + ec.message());
  }
  return llvm::Error::success();
}
