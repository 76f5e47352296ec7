//===- CheckedOptions.h - Pipeline options parsed into an error -*- C++ -*-===//
//
// MLIR's PassOptions::parseFromString reports a bad option value through
// llvm::cl, which writes to stderr whatever stream the caller passes, and
// its messages name neither the pipeline nor the valid options. The mha
// pipelines' options derive from CheckedPipelineOptions instead: every
// option is checked against its own parser first (unknown name, bad value),
// and the error comes back as an llvm::Error that names the option the user
// gave and the valid ones, so the tools, the C API and Python report it as
// their own error, and nothing reaches stderr.
//
//===----------------------------------------------------------------------===//

#ifndef MHA_PIPELINES_CHECKEDOPTIONS_H
#define MHA_PIPELINES_CHECKEDOPTIONS_H

#include "mha/Target/GPUChip.h"

#include "mlir/Pass/PassOptions.h"
#include "llvm/Support/Error.h"

#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace mlir::mha {

namespace options_impl {
/// Why `value` is not a valid value of an option with `parser` (for its
/// message), or std::nullopt when it is. Mirrors what the parser accepts.
std::optional<std::string> checkOptionValue(llvm::cl::parser<int64_t> &,
                                            llvm::StringRef value);
std::optional<std::string> checkOptionValue(llvm::cl::parser<unsigned> &,
                                            llvm::StringRef value);
std::optional<std::string> checkOptionValue(llvm::cl::parser<bool> &,
                                            llvm::StringRef value);
std::optional<std::string> checkOptionValue(llvm::cl::parser<std::string> &,
                                            llvm::StringRef value);
std::optional<std::string> checkOptionValue(llvm::cl::parser<GPUChip> &,
                                            llvm::StringRef value);
/// An option with named values (cl::values): one of the names.
std::optional<std::string>
checkOptionValue(llvm::cl::generic_parser_base &parser, llvm::StringRef value);

/// One option of a CheckedPipelineOptions: its name and value check.
struct OptionCheck {
  std::string name;
  std::function<std::optional<std::string>(llvm::StringRef)> check;
};

/// Checks `text` (the pipeline's textual options, "a=1 b={x y}") against
/// `checks`, then parses it into `options`; the error names `pipeline`.
llvm::Error parseCheckedOptions(mlir::detail::PassOptions &options,
                                llvm::ArrayRef<OptionCheck> checks,
                                llvm::StringRef pipeline, llvm::StringRef text);
} // namespace options_impl

/// The options of an mha pipeline (`Derived`), declared with the nested
/// `Option` so that `parse` checks each before MLIR sees it.
template <typename Derived>
struct CheckedPipelineOptions : public PassPipelineOptions<Derived> {
  /// A pipeline option (as mlir::detail::PassOptions::Option) whose textual
  /// value parse checks first.
  template <typename T>
  struct Option : public mlir::detail::PassOptions::Option<T> {
    using Base = mlir::detail::PassOptions::Option<T>;
    using Base::operator=;

    template <typename... Args>
    Option(CheckedPipelineOptions &owner, llvm::StringRef arg, Args &&...args)
        : Base(owner, arg, std::forward<Args>(args)...) {
      owner.checks.push_back({arg.str(), [this](llvm::StringRef value) {
                                return options_impl::checkOptionValue(
                                    this->getParser(), value);
                              }});
    }
  };

  /// Parses `text` into these options; an unknown option or a bad value is
  /// an error naming it, the valid options or values, and `pipeline`.
  llvm::Error parse(llvm::StringRef text, llvm::StringRef pipeline) {
    return options_impl::parseCheckedOptions(*this, checks, pipeline, text);
  }

  /// The names of the options, in declaration order.
  std::vector<std::string> getOptionNames() const {
    std::vector<std::string> names;
    for (const options_impl::OptionCheck &c : checks)
      names.push_back(c.name);
    return names;
  }

private:
  std::vector<options_impl::OptionCheck> checks;
};

} // namespace mlir::mha

#endif // MHA_PIPELINES_CHECKEDOPTIONS_H
