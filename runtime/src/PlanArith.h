// PlanArith: the integer semantics of launch-plan register ops, shared by
// the compiler (which folds them, codegen/package/LaunchPlan.cpp) and the
// runtime (which evaluates them, runtime/src/Plan.cpp), so the two agree.
#ifndef NNC_RUNTIME_SRC_PLANARITH_H
#define NNC_RUNTIME_SRC_PLANARITH_H

#include <algorithm>
#include <cstdint>
#include <string>

namespace nnc::plan {

/// r = a OP b with MLIR arith's semantics (wrap-around add/sub/mul, signed
/// division truncating, ceildiv/floordiv rounding as named). False for an
/// unknown op or a division by zero (or INT64_MIN / -1).
inline bool evalBinary(const std::string &op, int64_t a, int64_t b, int64_t &r) {
  uint64_t ua = uint64_t(a), ub = uint64_t(b);
  if (op == "add") r = int64_t(ua + ub);
  else if (op == "sub") r = int64_t(ua - ub);
  else if (op == "mul") r = int64_t(ua * ub);
  else if (op == "mins") r = std::min(a, b);
  else if (op == "maxs") r = std::max(a, b);
  else if (op == "minu") r = int64_t(std::min(ua, ub));
  else if (op == "maxu") r = int64_t(std::max(ua, ub));
  else if (op == "and") r = int64_t(ua & ub);
  else if (op == "or") r = int64_t(ua | ub);
  else if (op == "xor") r = int64_t(ua ^ ub);
  else if (b == 0 || (b == -1 && a == INT64_MIN)) return false;
  else if (op == "divs") r = a / b;
  else if (op == "divu") r = int64_t(ua / ub);
  else if (op == "rems") r = a % b;
  else if (op == "remu") r = int64_t(ua % ub);
  else if (op == "ceildivs")
    r = a / b + ((a % b != 0) && ((a < 0) == (b < 0)) ? 1 : 0);
  else if (op == "floordivs")
    r = a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
  else if (op == "ceildivu") r = int64_t(ua / ub + (ua % ub != 0 ? 1 : 0));
  else return false;
  return true;
}

} // namespace nnc::plan

#endif // NNC_RUNTIME_SRC_PLANARITH_H
