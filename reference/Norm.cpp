// Normalization kernels: layer_norm, rms_norm, batch_norm.
#include "reference/Kernels.h"

#include <cmath>

namespace nnc::ref {

namespace {

// x viewed as [rows, cols] with cols = prod(shape[axis:]).
Status rowsAndCols(const Tensor &x, int64_t axis, const Tensor *gamma,
                   const Tensor *beta, int64_t &rows, int64_t &cols) {
  if (axis < 0 || axis >= x.rank())
    return Status::failure("axis " + std::to_string(axis) +
                           " is out of range for rank " + std::to_string(x.rank()));
  Shape tail(x.shape().begin() + axis, x.shape().end());
  for (const Tensor *p : {gamma, beta}) {
    if (!p)
      continue;
    if (p->dtype() != x.dtype() || p->shape() != tail)
      return Status::failure(std::string(p == gamma ? "gamma" : "beta") +
                             " must be " + dtypeName(x.dtype()) +
                             shapeString(tail) + ", got " + p->typeString());
  }
  cols = numElements(tail);
  rows = cols == 0 ? 0 : x.numel() / cols;
  return Status::success();
}

Status layerNormKernel(const Op &op, const std::vector<const Tensor *> &in,
                       Tensor &out) {
  Status s = expectOperands(op, in, 3, 3);
  if (!s.ok())
    return s;
  const Tensor &x = *in[0];
  int64_t axis, rows, cols;
  double eps;
  const double defaultEps = 1e-5;
  if (!(s = needFloat(x, "operand")).ok() ||
      !(s = getIntAttr(op, "axis", axis)).ok() ||
      !(s = getF64Attr(op, "eps", eps, &defaultEps)).ok() ||
      !(s = rowsAndCols(x, axis, in[1], in[2], rows, cols)).ok())
    return s;
  out = Tensor(x.dtype(), x.shape());
  for (int64_t r = 0; r < rows; ++r) {
    double mean = 0, var = 0;
    for (int64_t c = 0; c < cols; ++c)
      mean += x.getDouble(r * cols + c);
    mean /= double(cols);
    for (int64_t c = 0; c < cols; ++c) {
      double d = x.getDouble(r * cols + c) - mean;
      var += d * d;
    }
    var /= double(cols);
    double inv = 1.0 / std::sqrt(var + eps);
    for (int64_t c = 0; c < cols; ++c)
      out.setDouble(r * cols + c, (x.getDouble(r * cols + c) - mean) * inv *
                                          in[1]->getDouble(c) +
                                      in[2]->getDouble(c));
  }
  return Status::success();
}

Status rmsNormKernel(const Op &op, const std::vector<const Tensor *> &in,
                     Tensor &out) {
  Status s = expectOperands(op, in, 2, 2);
  if (!s.ok())
    return s;
  const Tensor &x = *in[0];
  int64_t axis, rows, cols;
  double eps;
  const double defaultEps = 1e-6;
  if (!(s = needFloat(x, "operand")).ok() ||
      !(s = getIntAttr(op, "axis", axis)).ok() ||
      !(s = getF64Attr(op, "eps", eps, &defaultEps)).ok() ||
      !(s = rowsAndCols(x, axis, in[1], nullptr, rows, cols)).ok())
    return s;
  out = Tensor(x.dtype(), x.shape());
  for (int64_t r = 0; r < rows; ++r) {
    double ms = 0;
    for (int64_t c = 0; c < cols; ++c) {
      double v = x.getDouble(r * cols + c);
      ms += v * v;
    }
    ms /= double(cols);
    double inv = 1.0 / std::sqrt(ms + eps);
    for (int64_t c = 0; c < cols; ++c)
      out.setDouble(r * cols + c,
                    x.getDouble(r * cols + c) * inv * in[1]->getDouble(c));
  }
  return Status::success();
}

Status batchNormKernel(const Op &op, const std::vector<const Tensor *> &in,
                       Tensor &out) {
  Status s = expectOperands(op, in, 5, 5);
  if (!s.ok())
    return s;
  const Tensor &x = *in[0];
  double eps;
  bool training;
  const double defaultEps = 1e-5;
  const bool no = false;
  if (!(s = needFloat(x, "operand")).ok() ||
      !(s = getF64Attr(op, "eps", eps, &defaultEps)).ok() ||
      !(s = getBoolAttr(op, "training", training, &no)).ok())
    return s;
  if (x.rank() < 2)
    return Status::failure("input must be [N, C, ...], got " + x.typeString());
  int64_t n = x.shape()[0], c = x.shape()[1];
  int64_t inner = c == 0 || n == 0 ? 0 : x.numel() / (n * c);
  const char *names[] = {"gamma", "beta", "mean", "var"};
  for (int i = 1; i < 5; ++i)
    if (in[i]->dtype() != x.dtype() || in[i]->shape() != Shape{c})
      return Status::failure(std::string(names[i - 1]) + " must be " +
                             dtypeName(x.dtype()) + "[" + std::to_string(c) +
                             "], got " + in[i]->typeString());
  out = Tensor(x.dtype(), x.shape());
  for (int64_t ch = 0; ch < c; ++ch) {
    double mean = in[3]->getDouble(ch), var = in[4]->getDouble(ch);
    if (training) { // batch statistics, biased variance
      double count = double(n * inner), sum = 0, sq = 0;
      for (int64_t b = 0; b < n; ++b)
        for (int64_t i = 0; i < inner; ++i)
          sum += x.getDouble((b * c + ch) * inner + i);
      mean = sum / count;
      for (int64_t b = 0; b < n; ++b)
        for (int64_t i = 0; i < inner; ++i) {
          double d = x.getDouble((b * c + ch) * inner + i) - mean;
          sq += d * d;
        }
      var = sq / count;
    }
    double inv = 1.0 / std::sqrt(var + eps);
    double g = in[1]->getDouble(ch), bt = in[2]->getDouble(ch);
    for (int64_t b = 0; b < n; ++b)
      for (int64_t i = 0; i < inner; ++i) {
        int64_t idx = (b * c + ch) * inner + i;
        out.setDouble(idx, (x.getDouble(idx) - mean) * inv * g + bt);
      }
  }
  return Status::success();
}

} // namespace

void registerNormKernels(KernelTable &t) {
  t["layer_norm"] = layerNormKernel;
  t["rms_norm"] = rmsNormKernel;
  t["batch_norm"] = batchNormKernel;
}

} // namespace nnc::ref
