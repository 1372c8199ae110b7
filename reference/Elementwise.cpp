// Elementwise kernels: arithmetic, comparisons, activations, where, cast,
// constant and dropout (a Philox mask in training, else the identity).
#include "reference/Kernels.h"
#include "reference/Philox.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace nnc::ref {

namespace {

enum class Bin { Add, Sub, Mul, Div, Max, Min, Pow };

double floatBinary(Bin k, double a, double b) {
  switch (k) {
  case Bin::Add:
    return a + b;
  case Bin::Sub:
    return a - b;
  case Bin::Mul:
    return a * b;
  case Bin::Div:
    return a / b;
  case Bin::Max:
    return (std::isnan(a) || std::isnan(b)) ? std::nan("") : (a > b ? a : b);
  case Bin::Min:
    return (std::isnan(a) || std::isnan(b)) ? std::nan("") : (a < b ? a : b);
  case Bin::Pow:
    return std::pow(a, b);
  }
  return 0;
}

Status binary(Bin k, const Op &op, const std::vector<const Tensor *> &in,
              Tensor &out) {
  Status s = expectOperands(op, in, 2, 2);
  if (!s.ok())
    return s;
  const Tensor &a = *in[0], &b = *in[1];
  if (a.dtype() != b.dtype())
    return Status::failure("operands must have the same dtype, got " +
                           a.typeString() + " and " + b.typeString());
  if (!(s = needNumeric(a, "operand")).ok())
    return s;
  if (k == Bin::Pow && !(s = needFloat(a, "operand")).ok())
    return s;
  Shape shape;
  if (!(s = broadcastShapes({a.shape(), b.shape()}, shape)).ok())
    return s;
  out = Tensor(a.dtype(), shape);
  std::vector<int64_t> ma = broadcastIndexMap(a.shape(), shape);
  std::vector<int64_t> mb = broadcastIndexMap(b.shape(), shape);
  int64_t n = out.numel();
  if (isFloat(a.dtype())) {
    for (int64_t i = 0; i < n; ++i)
      out.setDouble(i, floatBinary(k, a.getDouble(ma[i]), b.getDouble(mb[i])));
    return Status::success();
  }
  DType dt = a.dtype();
  bool uns = isUnsigned(dt);
  for (int64_t i = 0; i < n; ++i) {
    int64_t x = a.getInt(ma[i]), y = b.getInt(mb[i]), r = 0;
    switch (k) {
    case Bin::Add:
      r = wrapAdd(x, y);
      break;
    case Bin::Sub:
      r = wrapSub(x, y);
      break;
    case Bin::Mul:
      r = wrapMul(x, y);
      break;
    case Bin::Div:
      if (y == 0)
        return Status::failure("integer division by zero");
      if (uns)
        r = static_cast<int64_t>(uint64_t(x) / uint64_t(y));
      else // C++ truncates toward zero
        r = (y == -1) ? wrapSub(0, x) : x / y;
      break;
    case Bin::Max:
      r = orderKey(dt, x) > orderKey(dt, y) ? x : y;
      break;
    case Bin::Min:
      r = orderKey(dt, x) < orderKey(dt, y) ? x : y;
      break;
    case Bin::Pow:
      break;
    }
    out.setInt(i, r);
  }
  return Status::success();
}

#define BINARY_KERNEL(NAME, KIND)                                              \
  Status NAME(const Op &op, const std::vector<const Tensor *> &in,             \
              Tensor &out) {                                                   \
    return binary(KIND, op, in, out);                                          \
  }
BINARY_KERNEL(addKernel, Bin::Add)
BINARY_KERNEL(subKernel, Bin::Sub)
BINARY_KERNEL(mulKernel, Bin::Mul)
BINARY_KERNEL(divKernel, Bin::Div)
BINARY_KERNEL(maximumKernel, Bin::Max)
BINARY_KERNEL(minimumKernel, Bin::Min)
BINARY_KERNEL(powKernel, Bin::Pow)
#undef BINARY_KERNEL

Status compareKernel(const Op &op, const std::vector<const Tensor *> &in,
                     Tensor &out) {
  Status s = expectOperands(op, in, 2, 2);
  if (!s.ok())
    return s;
  std::string pred;
  if (!(s = getStringAttr(op, "predicate", pred)).ok())
    return s;
  // Accept the enum's printed form too: "#nn<predicate lt>".
  if (pred.size() > 2 && pred.find(' ') != std::string::npos) {
    pred = pred.substr(pred.rfind(' ') + 1);
    if (!pred.empty() && pred.back() == '>')
      pred.pop_back();
  }
  int p = pred == "eq" ? 0 : pred == "ne" ? 1 : pred == "lt" ? 2
        : pred == "le" ? 3 : pred == "gt" ? 4 : pred == "ge" ? 5 : -1;
  if (p < 0)
    return Status::failure("unknown predicate '" + pred +
                           "' (expected eq, ne, lt, le, gt or ge)");
  const Tensor &a = *in[0], &b = *in[1];
  if (a.dtype() != b.dtype())
    return Status::failure("operands must have the same dtype, got " +
                           a.typeString() + " and " + b.typeString());
  Shape shape;
  if (!(s = broadcastShapes({a.shape(), b.shape()}, shape)).ok())
    return s;
  out = Tensor(DType::Bool, shape);
  std::vector<int64_t> ma = broadcastIndexMap(a.shape(), shape);
  std::vector<int64_t> mb = broadcastIndexMap(b.shape(), shape);
  bool fl = isFloat(a.dtype());
  for (int64_t i = 0; i < out.numel(); ++i) {
    bool r;
    if (fl) {
      double x = a.getDouble(ma[i]), y = b.getDouble(mb[i]);
      r = p == 0 ? x == y : p == 1 ? x != y : p == 2 ? x < y
        : p == 3 ? x <= y : p == 4 ? x > y : x >= y;
    } else {
      int64_t x = orderKey(a.dtype(), a.getInt(ma[i]));
      int64_t y = orderKey(a.dtype(), b.getInt(mb[i]));
      r = p == 0 ? x == y : p == 1 ? x != y : p == 2 ? x < y
        : p == 3 ? x <= y : p == 4 ? x > y : x >= y;
    }
    out.setInt(i, r ? 1 : 0);
  }
  return Status::success();
}

enum class Un { Neg, Abs, Exp, Log, Sqrt, Rsqrt, Tanh, Sigmoid, Relu, Silu,
                GeluErf, GeluTanh };

double floatUnary(Un k, double x) {
  switch (k) {
  case Un::Neg:
    return -x;
  case Un::Abs:
    return std::fabs(x);
  case Un::Exp:
    return std::exp(x);
  case Un::Log:
    return std::log(x);
  case Un::Sqrt:
    return std::sqrt(x);
  case Un::Rsqrt:
    return 1.0 / std::sqrt(x);
  case Un::Tanh:
    return std::tanh(x);
  case Un::Sigmoid:
    return 1.0 / (1.0 + std::exp(-x));
  case Un::Relu:
    return std::isnan(x) ? x : (x > 0 ? x : 0.0);
  case Un::Silu:
    return x / (1.0 + std::exp(-x));
  case Un::GeluErf:
    return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
  case Un::GeluTanh: {
    const double c = std::sqrt(2.0 / M_PI);
    return 0.5 * x * (1.0 + std::tanh(c * (x + 0.044715 * x * x * x)));
  }
  }
  return 0;
}

Status unary(Un k, const Op &op, const std::vector<const Tensor *> &in,
             Tensor &out) {
  Status s = expectOperands(op, in, 1, 1);
  if (!s.ok())
    return s;
  const Tensor &x = *in[0];
  bool numericOk = k == Un::Neg || k == Un::Abs;
  if (!(s = numericOk ? needNumeric(x, "operand") : needFloat(x, "operand")).ok())
    return s;
  out = Tensor(x.dtype(), x.shape());
  int64_t n = x.numel();
  if (isFloat(x.dtype())) {
    for (int64_t i = 0; i < n; ++i)
      out.setDouble(i, floatUnary(k, x.getDouble(i)));
    return Status::success();
  }
  for (int64_t i = 0; i < n; ++i) {
    int64_t v = x.getInt(i);
    bool negate = k == Un::Neg || (v < 0 && !isUnsigned(x.dtype()));
    out.setInt(i, negate ? wrapSub(0, v) : v);
  }
  return Status::success();
}

#define UNARY_KERNEL(NAME, KIND)                                               \
  Status NAME(const Op &op, const std::vector<const Tensor *> &in,             \
              Tensor &out) {                                                   \
    return unary(KIND, op, in, out);                                           \
  }
UNARY_KERNEL(negKernel, Un::Neg)
UNARY_KERNEL(absKernel, Un::Abs)
UNARY_KERNEL(expKernel, Un::Exp)
UNARY_KERNEL(logKernel, Un::Log)
UNARY_KERNEL(sqrtKernel, Un::Sqrt)
UNARY_KERNEL(rsqrtKernel, Un::Rsqrt)
UNARY_KERNEL(tanhKernel, Un::Tanh)
UNARY_KERNEL(sigmoidKernel, Un::Sigmoid)
UNARY_KERNEL(reluKernel, Un::Relu)
UNARY_KERNEL(siluKernel, Un::Silu)
#undef UNARY_KERNEL

Status geluKernel(const Op &op, const std::vector<const Tensor *> &in,
                  Tensor &out) {
  std::string approx;
  const std::string none = "none";
  Status s = getStringAttr(op, "approximate", approx, &none);
  if (!s.ok())
    return s;
  if (approx != "none" && approx != "tanh")
    return Status::failure("approximate must be \"none\" or \"tanh\", got \"" +
                           approx + "\"");
  return unary(approx == "tanh" ? Un::GeluTanh : Un::GeluErf, op, in, out);
}

Status whereKernel(const Op &op, const std::vector<const Tensor *> &in,
                   Tensor &out) {
  Status s = expectOperands(op, in, 3, 3);
  if (!s.ok())
    return s;
  const Tensor &c = *in[0], &a = *in[1], &b = *in[2];
  if (c.dtype() != DType::Bool)
    return Status::failure("condition must be bool, got " + c.typeString());
  if (a.dtype() != b.dtype())
    return Status::failure("branches must have the same dtype, got " +
                           a.typeString() + " and " + b.typeString());
  Shape shape;
  if (!(s = broadcastShapes({c.shape(), a.shape(), b.shape()}, shape)).ok())
    return s;
  out = Tensor(a.dtype(), shape);
  auto mc = broadcastIndexMap(c.shape(), shape);
  auto ma = broadcastIndexMap(a.shape(), shape);
  auto mb = broadcastIndexMap(b.shape(), shape);
  size_t es = dtypeSize(a.dtype());
  for (int64_t i = 0; i < out.numel(); ++i) {
    bool pick = c.bytes()[mc[i]] != 0;
    const uint8_t *src = pick ? &a.bytes()[ma[i] * es] : &b.bytes()[mb[i] * es];
    std::memcpy(&out.bytes()[i * es], src, es);
  }
  return Status::success();
}

Status castKernel(const Op &op, const std::vector<const Tensor *> &in,
                  Tensor &out) {
  Status s = expectOperands(op, in, 1, 1);
  if (!s.ok())
    return s;
  const Tensor &x = *in[0];
  out = Tensor(op.type.dtype, x.shape());
  bool viaDouble = isFloat(x.dtype()) || isFloat(out.dtype());
  for (int64_t i = 0; i < x.numel(); ++i) {
    if (viaDouble) // float→int truncates and saturates, →bool is != 0
      out.setDouble(i, x.getDouble(i));
    else // int→int wraps
      out.setInt(i, x.getInt(i));
  }
  return Status::success();
}

Status constantKernel(const Op &op, const std::vector<const Tensor *> &in,
                      Tensor &out) {
  Status s = expectOperands(op, in, 0, 0);
  if (!s.ok())
    return s;
  const Attr *value = op.attr("value");
  if (!value)
    return Status::failure("missing attribute 'value'");
  Shape shape;
  for (const Dim &d : op.type.dims) {
    if (!d.isStatic())
      return Status::failure("a constant needs a static result type, got " +
                             op.type.str());
    shape.push_back(d.size);
  }
  double total = 1;
  for (int64_t d : shape)
    total *= double(d);
  if (total > double(int64_t(1) << 32))
    return Status::failure("constant type " + op.type.str() + " is too large");
  std::vector<Attr> elems;
  if (value->kind == Attr::Kind::List)
    elems = value->list;
  else
    elems.push_back(*value);
  out = Tensor(op.type.dtype, shape);
  int64_t n = out.numel();
  if (elems.size() != 1 && static_cast<int64_t>(elems.size()) != n)
    return Status::failure("value has " + std::to_string(elems.size()) +
                           " elements but " + op.type.str() + " holds " +
                           std::to_string(n));
  for (int64_t i = 0; i < n; ++i) {
    const Attr &e = elems.size() == 1 ? elems[0] : elems[i];
    if (e.kind == Attr::Kind::Bool)
      out.setInt(i, e.b ? 1 : 0);
    else if (e.kind == Attr::Kind::Int)
      out.setInt(i, e.i);
    else if (e.kind == Attr::Kind::Float)
      out.setDouble(i, e.f);
    else
      return Status::failure("constant elements must be numbers or booleans");
  }
  return Status::success();
}

// With training=true, element i is kept iff u >= p for the Philox draw of
// docs/graph-format.md at counter (i lo, i hi, uint32(step), 0), and kept
// values are scaled by 1 / (1 - p); dropped ones are 0 (not x * 0, which
// would turn an inf into NaN). The optional operand `step` defaults to 0.
Status dropoutKernel(const Op &op, const std::vector<const Tensor *> &in,
                     Tensor &out) {
  Status s = expectOperands(op, in, 1, 2);
  if (!s.ok())
    return s;
  if (!(s = needFloat(*in[0], "operand")).ok())
    return s;
  double p;
  int64_t seed;
  bool training;
  const double half = 0.5;
  const int64_t zero = 0;
  const bool no = false;
  if (!(s = getF64Attr(op, "p", p, &half)).ok() ||
      !(s = getIntAttr(op, "seed", seed, &zero)).ok() ||
      !(s = getBoolAttr(op, "training", training, &no)).ok())
    return s;
  if (!(p >= 0 && p < 1))
    return Status::failure("p must be in [0, 1), got " + std::to_string(p));
  uint32_t step = 0;
  if (in.size() == 2) {
    const Tensor &t = *in[1];
    if (t.dtype() != DType::F32 || t.rank() != 0)
      return Status::failure("step must be f32[], got " + t.typeString());
    double v = t.getDouble(0);
    if (!(v >= 0 && v < 4294967296.0))
      return Status::failure("step must be a count in [0, 2^32), got " +
                             std::to_string(v));
    step = static_cast<uint32_t>(v);
  }
  out = *in[0];
  if (!training)
    return Status::success();
  const double scale = 1.0 / (1.0 - p);
  const PhiloxKey key = {uint32_t(uint64_t(seed)),
                         uint32_t(uint64_t(seed) >> 32)};
  for (int64_t i = 0; i < out.numel(); ++i) {
    uint64_t index = static_cast<uint64_t>(i);
    PhiloxCounter w =
        philox4x32_10({uint32_t(index), uint32_t(index >> 32), step, 0}, key);
    bool keep = std::ldexp(double(w[0] >> 8), -24) >= p;
    out.setDouble(i, keep ? in[0]->getDouble(i) * scale : 0.0);
  }
  return Status::success();
}

} // namespace

void registerElementwiseKernels(KernelTable &t) {
  t["add"] = addKernel;
  t["sub"] = subKernel;
  t["mul"] = mulKernel;
  t["div"] = divKernel;
  t["maximum"] = maximumKernel;
  t["minimum"] = minimumKernel;
  t["pow"] = powKernel;
  t["compare"] = compareKernel;
  t["neg"] = negKernel;
  t["abs"] = absKernel;
  t["exp"] = expKernel;
  t["log"] = logKernel;
  t["sqrt"] = sqrtKernel;
  t["rsqrt"] = rsqrtKernel;
  t["tanh"] = tanhKernel;
  t["sigmoid"] = sigmoidKernel;
  t["relu"] = reluKernel;
  t["silu"] = siluKernel;
  t["gelu"] = geluKernel;
  t["where"] = whereKernel;
  t["cast"] = castKernel;
  t["constant"] = constantKernel;
  t["dropout"] = dropoutKernel;
}

} // namespace nnc::ref
