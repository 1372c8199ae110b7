// Args: command-line parsing helpers shared by nnc-run and nnc-train.
#ifndef NNC_TOOLS_COMMON_ARGS_H
#define NNC_TOOLS_COMMON_ARGS_H

#include <cstdint>
#include <string>

namespace nnc::tools {

/// A whole decimal integer (no trailing characters).
bool parseI64(const std::string &s, int64_t &out);
/// "NAME=VALUE" with both parts non-empty.
bool splitAssign(const std::string &arg, std::string &name, std::string &value);
bool endsWith(const std::string &s, const std::string &suffix);

/// Walks argv; a flag's value is given as `--flag VALUE` or `--flag=VALUE`.
class ArgReader {
public:
  ArgReader(int argc, char **argv) : argc_(argc), argv_(argv) {}

  /// Moves to the next argument; false past the last.
  bool next() { return ++i_ < argc_ && (arg_ = argv_[i_], true); }
  const std::string &arg() const { return arg_; }
  /// Whether the current argument is `flag` or `flag=VALUE`.
  bool is(const char *flag) const;
  /// The current flag's value (after '=', or the next argument, which is
  /// consumed); false when there is none.
  bool value(std::string &out);

private:
  int argc_;
  char **argv_;
  int i_ = 0;
  std::string arg_;
};

} // namespace nnc::tools

#endif // NNC_TOOLS_COMMON_ARGS_H
