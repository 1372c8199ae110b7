// Interpreter: binds inputs and params, then runs a func's ops in order.
#include "reference/Interpreter.h"
#include "reference/Kernels.h"

namespace nnc::ref {

// ---- Helpers shared by the kernels -------------------------------------

Status expectOperands(const Op &op, const std::vector<const Tensor *> &in,
                      size_t min, size_t max) {
  if (in.size() < min || in.size() > max) {
    std::string want = min == max ? std::to_string(min)
                                  : std::to_string(min) + " to " + std::to_string(max);
    return Status::failure("expects " + want + " operands, got " +
                           std::to_string(in.size()));
  }
  (void)op;
  return Status::success();
}

static Status missing(const std::string &key) {
  return Status::failure("missing attribute '" + key + "'");
}

Status getIntAttr(const Op &op, const std::string &key, int64_t &out,
                  const int64_t *fallback) {
  const Attr *a = op.attr(key);
  if (!a) {
    if (!fallback)
      return missing(key);
    out = *fallback;
    return Status::success();
  }
  if (a->kind != Attr::Kind::Int)
    return Status::failure("attribute '" + key + "' must be an integer");
  out = a->i;
  return Status::success();
}

Status getIntListAttr(const Op &op, const std::string &key,
                      std::vector<int64_t> &out) {
  const Attr *a = op.attr(key);
  if (!a)
    return missing(key);
  out.clear();
  if (a->kind == Attr::Kind::Int) { // a scalar where a list is expected
    out.push_back(a->i);
    return Status::success();
  }
  if (a->kind != Attr::Kind::List)
    return Status::failure("attribute '" + key + "' must be a list of integers");
  for (const Attr &e : a->list) {
    if (e.kind != Attr::Kind::Int)
      return Status::failure("attribute '" + key + "' must be a list of integers");
    out.push_back(e.i);
  }
  return Status::success();
}

Status getF64Attr(const Op &op, const std::string &key, double &out,
                  const double *fallback) {
  const Attr *a = op.attr(key);
  if (!a) {
    if (!fallback)
      return missing(key);
    out = *fallback;
    return Status::success();
  }
  if (!a->isNumber())
    return Status::failure("attribute '" + key + "' must be a number");
  out = a->asDouble();
  return Status::success();
}

Status getBoolAttr(const Op &op, const std::string &key, bool &out,
                   const bool *fallback) {
  const Attr *a = op.attr(key);
  if (!a) {
    if (!fallback)
      return missing(key);
    out = *fallback;
    return Status::success();
  }
  if (a->kind != Attr::Kind::Bool)
    return Status::failure("attribute '" + key + "' must be true or false");
  out = a->b;
  return Status::success();
}

Status getStringAttr(const Op &op, const std::string &key, std::string &out,
                     const std::string *fallback) {
  const Attr *a = op.attr(key);
  if (!a) {
    if (!fallback)
      return missing(key);
    out = *fallback;
    return Status::success();
  }
  if (a->kind != Attr::Kind::String && a->kind != Attr::Kind::Ident)
    return Status::failure("attribute '" + key + "' must be a string");
  out = a->s;
  return Status::success();
}

Status needFloat(const Tensor &t, const char *what) {
  if (!isFloat(t.dtype()))
    return Status::failure(std::string(what) + " must be a float tensor, got " +
                           t.typeString());
  return Status::success();
}

Status needNumeric(const Tensor &t, const char *what) {
  if (t.dtype() == DType::Bool)
    return Status::failure(std::string(what) + " must be numeric, got " +
                           t.typeString());
  return Status::success();
}

Status needAxis(int64_t axis, int64_t rank, const char *what) {
  if (axis < 0 || axis >= rank)
    return Status::failure(std::string(what) + " " + std::to_string(axis) +
                           " is out of range for rank " + std::to_string(rank));
  return Status::success();
}

Status broadcastShapes(const std::vector<Shape> &shapes, Shape &out) {
  size_t rank = 0;
  for (const auto &s : shapes)
    rank = std::max(rank, s.size());
  out.assign(rank, 1);
  for (size_t i = 0; i < rank; ++i) { // i counts from the right
    int64_t d = 1;
    for (const auto &s : shapes) {
      if (i >= s.size())
        continue;
      int64_t v = s[s.size() - 1 - i];
      if (v == 1)
        continue;
      if (d != 1 && d != v) {
        std::string msg = "shapes";
        for (const auto &t : shapes)
          msg += " " + shapeString(t);
        return Status::failure(msg + " do not broadcast");
      }
      d = v;
    }
    // A 0-sized dim against 1 gives 0 (NumPy).
    out[rank - 1 - i] = d;
  }
  return Status::success();
}

std::vector<int64_t> stridesOf(const Shape &shape) {
  std::vector<int64_t> st(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;)
    st[i - 1] = st[i] * shape[i];
  return st;
}

std::vector<int64_t> broadcastStrides(const Shape &in, const Shape &out) {
  std::vector<int64_t> inStrides = stridesOf(in);
  std::vector<int64_t> st(out.size(), 0);
  size_t off = out.size() - in.size();
  for (size_t i = 0; i < in.size(); ++i)
    st[off + i] = in[i] == 1 ? 0 : inStrides[i];
  return st;
}

std::vector<int64_t> broadcastIndexMap(const Shape &in, const Shape &out) {
  std::vector<int64_t> st = broadcastStrides(in, out);
  int64_t n = numElements(out);
  std::vector<int64_t> map(static_cast<size_t>(n));
  std::vector<int64_t> idx(out.size(), 0);
  int64_t src = 0;
  for (int64_t i = 0; i < n; ++i) {
    map[i] = src;
    // Increment the multi-index, carrying from the last dim.
    for (size_t d = out.size(); d-- > 0;) {
      ++idx[d];
      src += st[d];
      if (idx[d] < out[d])
        break;
      src -= st[d] * idx[d];
      idx[d] = 0;
    }
  }
  return map;
}

// ---- Binding and running -----------------------------------------------

static const KernelTable &kernels() {
  static const KernelTable table = [] {
    KernelTable t;
    registerElementwiseKernels(t);
    registerReduceKernels(t);
    registerNormKernels(t);
    registerLinalgKernels(t);
    registerAttentionKernels(t);
    registerConvGradKernels(t);
    registerShapeKernels(t);
    registerLossKernels(t);
    return t;
  }();
  return table;
}

bool isKnownOp(const std::string &name) { return kernels().count(name) != 0; }

Status declShape(const Decl &decl, const DimMap &dims, Shape &shape) {
  shape.clear();
  for (const Dim &d : decl.type.dims) {
    if (d.isStatic()) {
      shape.push_back(d.size);
      continue;
    }
    auto it = dims.find(d.name);
    if (it == dims.end())
      return Status::failure("'" + decl.name + "': the size of dim " + d.name +
                             " is not known");
    shape.push_back(it->second);
  }
  return Status::success();
}

bool readsValue(const Func &entry, const std::string &name) {
  for (const Op &op : entry.ops)
    for (const std::string &operand : op.operands)
      if (operand == name)
        return true;
  for (const auto &ret : entry.returns)
    if (ret.second == name)
      return true;
  return false;
}

Status bindInputs(const Graph &graph, const TensorMap &inputs, DimMap &dims,
                  const Func *entry) {
  std::map<std::string, std::string> dimSource; // dim name -> input that set it
  for (const auto &kv : inputs) {
    const Decl *d = graph.decl(kv.first);
    if (!d || d->kind != Decl::Kind::Input)
      return Status::failure("'" + kv.first + "' is not an input of model " +
                             graph.model);
  }
  for (const Decl &d : graph.decls) {
    if (d.kind != Decl::Kind::Input)
      continue;
    // An input the entry never reads is neither needed nor checked: the
    // labels of the last training batch may be left set for `forward`.
    if (entry && !readsValue(*entry, d.name))
      continue;
    auto it = inputs.find(d.name);
    if (it == inputs.end())
      return Status::failure("missing input '" + d.name + "' (" + d.type.str() +
                             ")");
    const Tensor &t = it->second;
    std::string who = "input " + d.name;
    if (t.dtype() != d.type.dtype)
      return Status::failure(who + ": expected dtype " + dtypeName(d.type.dtype) +
                             " (" + d.type.str() + "), got " + t.typeString());
    if (t.rank() != static_cast<int64_t>(d.type.dims.size()))
      return Status::failure(who + ": expected rank " +
                             std::to_string(d.type.dims.size()) + " (" +
                             d.type.str() + "), got " + t.typeString());
    for (size_t i = 0; i < d.type.dims.size(); ++i) {
      const Dim &dim = d.type.dims[i];
      int64_t actual = t.shape()[i];
      if (dim.isStatic()) {
        if (actual != dim.size)
          return Status::failure(who + ": dim " + std::to_string(i) + " is " +
                                 std::to_string(actual) + " but " + d.type.str() +
                                 " says " + std::to_string(dim.size));
        continue;
      }
      auto known = dims.find(dim.name);
      if (known == dims.end()) {
        dims[dim.name] = actual;
        dimSource[dim.name] = d.name;
      } else if (known->second != actual) {
        std::string src = dimSource.count(dim.name)
                              ? "input " + dimSource[dim.name]
                              : std::string("--dim");
        return Status::failure(who + ": dim " + dim.name + " is " +
                               std::to_string(actual) + " but " + src + " says " +
                               std::to_string(known->second));
      }
    }
  }
  return Status::success();
}

static Status checkResult(const Op &op, const Tensor &t) {
  if (t.dtype() != op.type.dtype || t.rank() != (int64_t)op.type.dims.size())
    return Status::failure("computed " + t.typeString() +
                           " but the declared result type is " + op.type.str());
  for (size_t i = 0; i < op.type.dims.size(); ++i)
    if (op.type.dims[i].isStatic() && op.type.dims[i].size != t.shape()[i])
      return Status::failure("computed " + t.typeString() +
                             " but the declared result type is " + op.type.str());
  return Status::success();
}

Status runFunc(const Graph &graph, const std::string &entry,
               const TensorMap &inputs, const TensorMap &params,
               NamedTensors &outputs, NamedTensors *updates) {
  outputs.clear();
  const Func *func = graph.func(entry);
  if (!func) {
    std::string names;
    for (const Func &f : graph.funcs)
      names += (names.empty() ? "" : ", ") + f.name;
    return Status::failure("model " + graph.model + " has no entry '" + entry +
                           "' (entries: " + names + ")");
  }
  DimMap dims;
  Status s = bindInputs(graph, inputs, dims, func);
  if (!s.ok())
    return s;
  std::map<std::string, const Tensor *> env;
  for (const auto &kv : inputs)
    env[kv.first] = &kv.second;
  for (const Decl &d : graph.decls) {
    if (d.kind == Decl::Kind::Input)
      continue;
    const char *role = d.kind == Decl::Kind::Param ? "param" : "state";
    auto it = params.find(d.name);
    if (it == params.end())
      return Status::failure(std::string("missing ") + role + " '" + d.name + "'");
    Shape shape;
    s = declShape(d, dims, shape);
    if (!s.ok())
      return s;
    if (it->second.dtype() != d.type.dtype || it->second.shape() != shape)
      return Status::failure(std::string(role) + " " + d.name + ": expected " +
                             dtypeName(d.type.dtype) + shapeString(shape) +
                             ", got " + it->second.typeString());
    env[d.name] = &it->second;
  }
  std::map<std::string, Tensor> values;
  for (const Op &op : func->ops) {
    std::string where = "%" + op.result + " = " + op.name + " (graph line " +
                        std::to_string(op.line) + "): ";
    auto k = kernels().find(op.name);
    if (k == kernels().end())
      return Status::failure(where + "unknown op '" + op.name + "'");
    std::vector<const Tensor *> args;
    for (const std::string &name : op.operands) {
      auto it = env.find(name);
      if (it == env.end())
        return Status::failure(where + "use of undefined value %" + name);
      args.push_back(it->second);
    }
    Tensor out;
    s = k->second(op, args, out);
    if (s.ok())
      s = checkResult(op, out);
    if (!s.ok())
      return Status::failure(where + s.message());
    Tensor &slot = values[op.result];
    slot = std::move(out);
    env[op.result] = &slot;
  }
  for (const auto &r : func->returns) {
    auto it = env.find(r.second);
    if (it == env.end())
      return Status::failure("return of undefined value %" + r.second);
    outputs.emplace_back(r.first, *it->second);
  }
  if (updates) {
    updates->clear();
    for (const auto &u : func->updates) {
      auto it = env.find(u.second);
      if (it == env.end())
        return Status::failure("update of undefined value %" + u.second);
      updates->emplace_back(u.first, *it->second);
    }
  }
  return Status::success();
}

} // namespace nnc::ref
