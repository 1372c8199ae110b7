// Inputs: helpers of nnc-run (see Inputs.h).
#include "tools/nnc-run/Inputs.h"

#include "reference/Philox.h"

#include <cmath>
#include <cstdio>
#include <map>
#include <set>

namespace nnc::run {

using namespace nnc::ref;

std::string formatValue(const Tensor &t, int64_t i) {
  char buf[64];
  if (isFloat(t.dtype()))
    std::snprintf(buf, sizeof buf, "%.6g", t.getDouble(i));
  else if (t.dtype() == DType::Bool)
    std::snprintf(buf, sizeof buf, "%s", t.getInt(i) ? "true" : "false");
  else if (t.dtype() == DType::U64)
    std::snprintf(buf, sizeof buf, "%llu",
                  static_cast<unsigned long long>(t.getInt(i)));
  else
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(t.getInt(i)));
  return buf;
}

void printSummary(const std::string &name, const Tensor &t) {
  std::string line = name + ": " + t.typeString() + " = ";
  if (t.rank() == 0) {
    line += formatValue(t, 0);
  } else {
    line += "[";
    int64_t n = t.numel(), shown = n < 8 ? n : 8;
    for (int64_t i = 0; i < shown; ++i)
      line += (i ? ", " : "") + formatValue(t, i);
    if (n > shown)
      line += ", ... (" + std::to_string(n) + " values)";
    line += "]";
  }
  std::printf("%s\n", line.c_str());
}

Tensor randomInput(DType dtype, const Shape &shape, uint64_t seed,
                   uint64_t stream, int64_t intBound) {
  Tensor t(dtype, shape);
  // Each input draws from its own seed so that adding an input does not
  // change the others.
  uint64_t s = seed * 1000003u + stream;
  for (int64_t i = 0; i < t.numel(); ++i) {
    double u = philoxUniform(s, uint64_t(i));
    if (isFloat(dtype))
      t.setDouble(i, 2 * u - 1);
    else if (dtype == DType::Bool)
      t.setInt(i, u < 0.5 ? 0 : 1);
    else
      t.setInt(i, static_cast<int64_t>(std::floor(u * double(intBound))));
  }
  return t;
}

// The exclusive upper bound for random values of an integer input that some
// op uses as labels or indices (cross_entropy, embedding, gather), directly
// or through ops that only move or select its values (a token-level loss
// reshapes labels [B, T] to [B * T]), read from the declared static dim
// they index; 10 when nothing bounds it.
int64_t indexBound(const Graph &graph, const std::string &input) {
  static const std::set<std::string> moves = {
      "reshape", "flatten", "transpose", "slice", "broadcast_to", "cast"};
  int64_t bound = 10;
  for (const Func &f : graph.funcs) {
    std::map<std::string, const TypeSpec *> types;
    for (const Decl &d : graph.decls)
      types[d.name] = &d.type;
    std::set<std::string> copies = {input}; // values that are input's values
    for (const Op &op : f.ops) {
      types[op.result] = &op.type;
      if (moves.count(op.name) && !op.operands.empty() &&
          copies.count(op.operands[0]))
        copies.insert(op.result);
      if (op.operands.size() != 2 || !copies.count(op.operands[1]))
        continue;
      int64_t axis = -1;
      if (op.name == "cross_entropy")
        axis = 1;
      else if (op.name == "embedding")
        axis = 0;
      else if (op.name == "gather")
        axis = op.attr("axis") && op.attr("axis")->kind == Attr::Kind::Int
                   ? op.attr("axis")->i
                   : 0;
      auto it = types.find(op.operands[0]);
      if (axis < 0 || it == types.end() ||
          axis >= static_cast<int64_t>(it->second->dims.size()))
        continue;
      const Dim &dim = it->second->dims[axis];
      if (dim.isStatic() && dim.size > 0 && dim.size < bound)
        bound = dim.size;
    }
  }
  return bound;
}

} // namespace nnc::run
