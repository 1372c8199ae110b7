// Args: command-line parsing helpers (see Args.h).
#include "tools/common/Args.h"

#include <cerrno>
#include <cstdlib>

namespace nnc::tools {

bool parseI64(const std::string &s, int64_t &out) {
  if (s.empty())
    return false;
  char *end = nullptr;
  errno = 0;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno || *end)
    return false;
  out = v;
  return true;
}

bool splitAssign(const std::string &arg, std::string &name,
                 std::string &value) {
  size_t eq = arg.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == arg.size())
    return false;
  name = arg.substr(0, eq);
  value = arg.substr(eq + 1);
  return true;
}

bool endsWith(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool ArgReader::is(const char *flag) const {
  std::string f = flag;
  return arg_ == f || arg_.rfind(f + "=", 0) == 0;
}

bool ArgReader::value(std::string &out) {
  size_t eq = arg_.find('=');
  if (arg_.rfind("--", 0) == 0 && eq != std::string::npos) {
    out = arg_.substr(eq + 1);
    return true;
  }
  if (i_ + 1 >= argc_)
    return false;
  out = argv_[++i_];
  return true;
}

} // namespace nnc::tools
