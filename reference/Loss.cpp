// Loss kernels: cross_entropy (integer labels) and mse, both 0-d means.
#include "reference/Kernels.h"

#include <cmath>

namespace nnc::ref {

namespace {

Status crossEntropyKernel(const Op &op, const std::vector<const Tensor *> &in,
                          Tensor &out) {
  Status s = expectOperands(op, in, 2, 2);
  if (!s.ok())
    return s;
  const Tensor &logits = *in[0], &labels = *in[1];
  if (!(s = needFloat(logits, "logits")).ok())
    return s;
  if (logits.rank() != 2)
    return Status::failure("logits must be [B, C], got " + logits.typeString());
  if (!isInt(labels.dtype()) || labels.shape() != Shape{logits.shape()[0]})
    return Status::failure("labels must be i32/i64[" +
                           std::to_string(logits.shape()[0]) + "], got " +
                           labels.typeString());
  int64_t B = logits.shape()[0], C = logits.shape()[1];
  double total = 0;
  for (int64_t b = 0; b < B; ++b) {
    int64_t label = labels.getInt(b);
    if (label < 0 || label >= C)
      return Status::failure("label " + std::to_string(label) + " at batch " +
                             std::to_string(b) + " is out of range [0, " +
                             std::to_string(C) + ")");
    double mx = -INFINITY;
    for (int64_t c = 0; c < C; ++c)
      mx = std::max(mx, logits.getDouble(b * C + c));
    double sum = 0;
    for (int64_t c = 0; c < C; ++c)
      sum += std::exp(logits.getDouble(b * C + c) - mx);
    total += std::log(sum) + mx - logits.getDouble(b * C + label);
  }
  out = Tensor(logits.dtype(), {});
  out.setDouble(0, total / double(B));
  return Status::success();
}

Status mseKernel(const Op &op, const std::vector<const Tensor *> &in,
                 Tensor &out) {
  Status s = expectOperands(op, in, 2, 2);
  if (!s.ok())
    return s;
  const Tensor &p = *in[0], &t = *in[1];
  if (p.dtype() != t.dtype() || p.shape() != t.shape())
    return Status::failure("pred and target must have the same type, got " +
                           p.typeString() + " and " + t.typeString());
  if (!(s = needFloat(p, "pred")).ok())
    return s;
  double total = 0;
  for (int64_t i = 0; i < p.numel(); ++i) {
    double d = p.getDouble(i) - t.getDouble(i);
    total += d * d;
  }
  out = Tensor(p.dtype(), {});
  out.setDouble(0, total / double(p.numel()));
  return Status::success();
}

} // namespace

void registerLossKernels(KernelTable &t) {
  t["cross_entropy"] = crossEntropyKernel;
  t["mse"] = mseKernel;
}

} // namespace nnc::ref
