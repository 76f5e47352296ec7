//===- CheckedOptions.cpp - Pipeline options parsed into an error ---------===//

#include "mha/Pipelines/CheckedOptions.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::mha;
using llvm::StringRef;

std::optional<std::string>
mha::options_impl::checkOptionValue(llvm::cl::parser<int64_t> &,
                                    StringRef value) {
  int64_t parsed; // as cl::parser<long>: any radix prefix
  if (value.getAsInteger(0, parsed))
    return "'" + value.str() + "' is not an integer";
  return std::nullopt;
}

std::optional<std::string>
mha::options_impl::checkOptionValue(llvm::cl::parser<unsigned> &,
                                    StringRef value) {
  unsigned parsed;
  if (value.getAsInteger(0, parsed))
    return "'" + value.str() + "' is not a non-negative integer";
  return std::nullopt;
}

std::optional<std::string>
mha::options_impl::checkOptionValue(llvm::cl::parser<bool> &, StringRef value) {
  if (llvm::is_contained(
          {"", "true", "True", "TRUE", "1", "false", "False", "FALSE", "0"},
          value))
    return std::nullopt;
  return "'" + value.str() + "' is not true or false";
}

std::optional<std::string>
mha::options_impl::checkOptionValue(llvm::cl::parser<std::string> &,
                                    StringRef) {
  return std::nullopt;
}

std::optional<std::string>
mha::options_impl::checkOptionValue(llvm::cl::parser<GPUChip> &,
                                    StringRef value) {
  llvm::Expected<GPUChip> chip = GPUChip::parse(value);
  if (!chip)
    return llvm::toString(chip.takeError());
  return std::nullopt;
}

std::optional<std::string>
mha::options_impl::checkOptionValue(llvm::cl::generic_parser_base &parser,
                                    StringRef value) {
  std::vector<std::string> names;
  for (unsigned i = 0, e = parser.getNumOptions(); i < e; ++i) {
    if (parser.getOption(i) == value)
      return std::nullopt;
    names.push_back(parser.getOption(i).str());
  }
  return "'" + value.str() + "' is not one of " + llvm::join(names, ", ");
}

namespace {
/// One `key[=value]` of a textual option list.
struct KeyValue {
  StringRef key, value;
};

/// Splits `text` as PassOptions::parseFromString does: options separated by
/// whitespace, a value running to the next whitespace outside quotes and
/// braces. Returns an error message on an unterminated quote or brace.
std::optional<std::string> splitOptions(StringRef text,
                                        std::vector<KeyValue> &out) {
  while (true) {
    text = text.ltrim();
    if (text.empty())
      return std::nullopt;
    size_t end = 0;
    int braces = 0;
    char quote = 0;
    for (; end < text.size(); ++end) {
      char c = text[end];
      if (quote) {
        if (c == quote)
          quote = 0;
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '{') {
        ++braces;
      } else if (c == '}') {
        --braces;
      } else if (braces == 0 && llvm::isSpace(c)) {
        break;
      }
    }
    StringRef item = text.take_front(end);
    if (quote)
      return "unterminated quote in '" + item.str() + "'";
    if (braces != 0)
      return "unbalanced braces in '" + item.str() + "'";
    auto [key, value] = item.split('=');
    // Quoted and braced values reach the option without their delimiters.
    if (value.size() >= 2 && ((value.front() == '{' && value.back() == '}') ||
                              (value.front() == '"' && value.back() == '"') ||
                              (value.front() == '\'' && value.back() == '\'')))
      value = value.drop_front().drop_back();
    out.push_back({key, value});
    text = text.drop_front(end);
  }
}
} // namespace

llvm::Error
mha::options_impl::parseCheckedOptions(mlir::detail::PassOptions &options,
                                       llvm::ArrayRef<OptionCheck> checks,
                                       StringRef pipeline, StringRef text) {
  auto names = [&] {
    std::string list;
    for (const OptionCheck &c : checks)
      list += (list.empty() ? "" : ", ") + c.name;
    return list;
  };
  std::vector<KeyValue> items;
  if (std::optional<std::string> error = splitOptions(text, items))
    return llvm::createStringError(*error);
  for (const KeyValue &item : items) {
    const OptionCheck *check = llvm::find_if(
        checks, [&](const OptionCheck &c) { return c.name == item.key; });
    if (check == checks.end())
      return llvm::createStringError("unknown option '" + item.key.str() +
                                     "' (" + pipeline.str() +
                                     " has: " + names() + ")");
    if (std::optional<std::string> error = check->check(item.value))
      return llvm::createStringError("option " + item.key.str() + ": " +
                                     *error);
  }
  // Every option and value is known to parse: assign them. Whatever MLIR
  // still finds wrong comes back in the error, not on stderr.
  std::string diagnostics;
  llvm::raw_string_ostream os(diagnostics);
  if (failed(options.parseFromString(text, os))) {
    StringRef message = StringRef(diagnostics).trim();
    message.consume_front("<Pass-Options-Parser>: ");
    return llvm::createStringError(
        message.empty() ? "cannot parse '" + text.str() + "'" : message.str());
  }
  return llvm::Error::success();
}
