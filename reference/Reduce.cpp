// Reduction kernels: sum, mean, max, min, argmax, softmax, log_softmax.
#include "reference/Kernels.h"

#include <cmath>

namespace nnc::ref {

namespace {

enum class Red { Sum, Mean, Max, Min };

Status reduce(Red k, const Op &op, const std::vector<const Tensor *> &in,
              Tensor &out) {
  Status s = expectOperands(op, in, 1, 1);
  if (!s.ok())
    return s;
  const Tensor &x = *in[0];
  std::vector<int64_t> axes;
  bool keepdims;
  const bool no = false;
  if (op.attr("axes") && !(s = getIntListAttr(op, "axes", axes)).ok())
    return s;
  if (!(s = getBoolAttr(op, "keepdims", keepdims, &no)).ok())
    return s;
  if ((k == Red::Sum || k == Red::Mean) && !(s = needNumeric(x, "operand")).ok())
    return s;
  if (k == Red::Mean && !(s = needFloat(x, "operand of mean")).ok())
    return s;
  std::vector<bool> reduced(x.rank(), axes.empty());
  for (int64_t a : axes) {
    if (!(s = needAxis(a, x.rank())).ok())
      return s;
    if (reduced[a])
      return Status::failure("axis " + std::to_string(a) + " listed twice");
    reduced[a] = true;
  }
  Shape outShape, keptShape; // keptShape: the output with reduced dims as 1
  int64_t count = 1;
  for (int64_t d = 0; d < x.rank(); ++d) {
    keptShape.push_back(reduced[d] ? 1 : x.shape()[d]);
    if (reduced[d])
      count *= x.shape()[d];
    if (!reduced[d] || keepdims)
      outShape.push_back(reduced[d] ? 1 : x.shape()[d]);
  }
  out = Tensor(x.dtype(), outShape);
  int64_t m = out.numel();
  if (count == 0 && (k == Red::Max || k == Red::Min) && m > 0)
    return Status::failure("cannot take the " +
                           std::string(k == Red::Max ? "max" : "min") +
                           " of an empty axis");
  // outIndex[i]: the output element that input element i reduces into.
  std::vector<int64_t> inStrides = stridesOf(x.shape());
  std::vector<int64_t> keptStrides = stridesOf(keptShape);
  bool fl = isFloat(x.dtype());
  std::vector<double> accF(m, 0);
  std::vector<int64_t> accI(m, 0);
  std::vector<bool> seen(m, false);
  for (int64_t i = 0; i < x.numel(); ++i) {
    int64_t rem = i, o = 0;
    for (int64_t d = 0; d < x.rank(); ++d) {
      int64_t idx = rem / inStrides[d];
      rem %= inStrides[d];
      if (!reduced[d])
        o += idx * keptStrides[d];
    }
    if (fl) {
      double v = x.getDouble(i);
      if (k == Red::Sum || k == Red::Mean)
        accF[o] += v;
      else if (!seen[o] || std::isnan(v) ||
               (k == Red::Max ? v > accF[o] : v < accF[o]))
        accF[o] = std::isnan(accF[o]) && seen[o] ? accF[o] : v;
    } else {
      int64_t v = k == Red::Sum ? x.getInt(i) : orderKey(x.dtype(), x.getInt(i));
      if (k == Red::Sum)
        accI[o] = wrapAdd(accI[o], v);
      else if (!seen[o] || (k == Red::Max ? v > accI[o] : v < accI[o]))
        accI[o] = v;
    }
    seen[o] = true;
  }
  for (int64_t o = 0; o < m; ++o) {
    if (fl)
      out.setDouble(o, k == Red::Mean ? accF[o] / double(count) : accF[o]);
    else // max/min accumulated order keys
      out.setInt(o, k == Red::Sum ? accI[o] : orderKey(x.dtype(), accI[o]));
  }
  return Status::success();
}

Status sumKernel(const Op &op, const std::vector<const Tensor *> &in, Tensor &out) {
  return reduce(Red::Sum, op, in, out);
}
Status meanKernel(const Op &op, const std::vector<const Tensor *> &in, Tensor &out) {
  return reduce(Red::Mean, op, in, out);
}
Status maxKernel(const Op &op, const std::vector<const Tensor *> &in, Tensor &out) {
  return reduce(Red::Max, op, in, out);
}
Status minKernel(const Op &op, const std::vector<const Tensor *> &in, Tensor &out) {
  return reduce(Red::Min, op, in, out);
}

// Splits `shape` around `axis`: outer * len * inner.
void splitAt(const Shape &shape, int64_t axis, int64_t &outer, int64_t &len,
             int64_t &inner) {
  outer = inner = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= shape[d];
  len = shape[axis];
  for (size_t d = axis + 1; d < shape.size(); ++d)
    inner *= shape[d];
}

Status argmaxKernel(const Op &op, const std::vector<const Tensor *> &in,
                    Tensor &out) {
  Status s = expectOperands(op, in, 1, 1);
  if (!s.ok())
    return s;
  const Tensor &x = *in[0];
  int64_t axis;
  bool keepdims;
  const bool no = false;
  if (!(s = getIntAttr(op, "axis", axis)).ok() ||
      !(s = getBoolAttr(op, "keepdims", keepdims, &no)).ok() ||
      !(s = needAxis(axis, x.rank())).ok() || !(s = needNumeric(x, "operand")).ok())
    return s;
  int64_t outer, len, inner;
  splitAt(x.shape(), axis, outer, len, inner);
  if (len == 0 && outer * inner > 0)
    return Status::failure("argmax of an empty axis");
  Shape shape = x.shape();
  if (keepdims)
    shape[axis] = 1;
  else
    shape.erase(shape.begin() + axis);
  out = Tensor(DType::I64, shape);
  bool fl = isFloat(x.dtype());
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t j = 0; j < inner; ++j) {
      int64_t best = 0;
      for (int64_t k = 1; k < len; ++k) {
        int64_t a = (o * len + k) * inner + j, b = (o * len + best) * inner + j;
        if (fl) {
          double va = x.getDouble(a), vb = x.getDouble(b);
          // NumPy: the first NaN is the maximum.
          if (!std::isnan(vb) && (std::isnan(va) || va > vb))
            best = k;
        } else if (orderKey(x.dtype(), x.getInt(a)) >
                   orderKey(x.dtype(), x.getInt(b))) {
          best = k;
        }
      }
      out.setInt(o * inner + j, best);
    }
  }
  return Status::success();
}

Status softmaxImpl(bool logarithm, const Op &op,
                   const std::vector<const Tensor *> &in, Tensor &out) {
  Status s = expectOperands(op, in, 1, 1);
  if (!s.ok())
    return s;
  const Tensor &x = *in[0];
  int64_t axis;
  if (!(s = getIntAttr(op, "axis", axis)).ok() ||
      !(s = needAxis(axis, x.rank())).ok() || !(s = needFloat(x, "operand")).ok())
    return s;
  int64_t outer, len, inner;
  splitAt(x.shape(), axis, outer, len, inner);
  out = Tensor(x.dtype(), x.shape());
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t j = 0; j < inner; ++j) {
      auto at = [&](int64_t k) { return (o * len + k) * inner + j; };
      double mx = -INFINITY;
      for (int64_t k = 0; k < len; ++k)
        mx = std::max(mx, x.getDouble(at(k)));
      double sum = 0;
      for (int64_t k = 0; k < len; ++k)
        sum += std::exp(x.getDouble(at(k)) - mx);
      for (int64_t k = 0; k < len; ++k) {
        double v = x.getDouble(at(k)) - mx;
        out.setDouble(at(k), logarithm ? v - std::log(sum) : std::exp(v) / sum);
      }
    }
  }
  return Status::success();
}

Status softmaxKernel(const Op &op, const std::vector<const Tensor *> &in,
                     Tensor &out) {
  return softmaxImpl(false, op, in, out);
}
Status logSoftmaxKernel(const Op &op, const std::vector<const Tensor *> &in,
                        Tensor &out) {
  return softmaxImpl(true, op, in, out);
}

} // namespace

void registerReduceKernels(KernelTable &t) {
  t["sum"] = sumKernel;
  t["mean"] = meanKernel;
  t["max"] = maxKernel;
  t["min"] = minKernel;
  t["argmax"] = argmaxKernel;
  t["softmax"] = softmaxKernel;
  t["log_softmax"] = logSoftmaxKernel;
}

} // namespace nnc::ref
