// Attention kernels: attention, attention_lse, attention_grad (docs/ops.md),
// by their definitions: the scores of one batch as a [Tq, Tk] matrix in
// double, a softmax of each row, products; only the results are rounded.
#include "reference/Kernels.h"

#include <cmath>

namespace nnc::ref {

namespace {

/// The operands of one attention op, checked, and its scores.
struct Attention {
  const Tensor *q = nullptr, *k = nullptr, *v = nullptr, *mask = nullptr;
  double scale = 1;
  int64_t batches = 1, tq = 0, tk = 0, d = 0, dv = 0;
  Shape batch;

  /// q, k, v (unless `noV`) and the optional mask at `maskIndex`.
  Status init(const Op &op, const std::vector<const Tensor *> &in, bool noV,
              size_t maskIndex) {
    q = in[0];
    k = in[1];
    v = noV ? nullptr : in[2];
    mask = in.size() > maskIndex ? in[maskIndex] : nullptr;
    Status s = getF64Attr(op, "scale", scale);
    if (!s.ok() || !(s = needFloat(*q, "q")).ok())
      return s;
    for (const Tensor *t : {k, v, mask})
      if (t && t->dtype() != q->dtype())
        return Status::failure("operands must have one dtype, got " +
                               q->typeString() + " and " + t->typeString());
    int64_t rank = q->rank();
    auto sameBatch = [&](const Tensor *t) {
      return t->rank() == rank &&
             std::equal(q->shape().begin(), q->shape().end() - 2,
                        t->shape().begin());
    };
    if (rank < 2 || !sameBatch(k) || (v && !sameBatch(v)))
      return Status::failure("needs q, k and v with the same batch dims, got " +
                             q->typeString() + ", " + k->typeString() +
                             (v ? ", " + v->typeString() : std::string()));
    batch.assign(q->shape().begin(), q->shape().end() - 2);
    batches = numElements(batch);
    tq = q->shape()[rank - 2];
    d = q->shape()[rank - 1];
    tk = k->shape()[rank - 2];
    if (k->shape()[rank - 1] != d)
      return Status::failure("q and k have different head sizes: " +
                             q->typeString() + ", " + k->typeString());
    if (v) {
      dv = v->shape()[rank - 1];
      if (v->shape()[rank - 2] != tk)
        return Status::failure("k and v have different key counts: " +
                               k->typeString() + ", " + v->typeString());
    }
    if (mask && (mask->rank() != 2 || mask->shape()[0] != tq ||
                 mask->shape()[1] != tk))
      return Status::failure("the mask must be [Tq, Tk], got " +
                             mask->typeString());
    return Status::success();
  }

  /// The scores of batch `b`, row-major [tq, tk].
  std::vector<double> scores(int64_t b) const {
    std::vector<double> s(size_t(tq * tk));
    for (int64_t i = 0; i < tq; ++i)
      for (int64_t j = 0; j < tk; ++j) {
        double dot = 0;
        for (int64_t e = 0; e < d; ++e)
          dot += q->getDouble((b * tq + i) * d + e) *
                 k->getDouble((b * tk + j) * d + e);
        s[size_t(i * tk + j)] =
            scale * dot + (mask ? mask->getDouble(i * tk + j) : 0.0);
      }
    return s;
  }

  /// log(sum(exp(row))) of each row of `s`.
  std::vector<double> logSumExp(const std::vector<double> &s) const {
    std::vector<double> lse(static_cast<size_t>(tq));
    for (int64_t i = 0; i < tq; ++i) {
      double mx = -INFINITY;
      for (int64_t j = 0; j < tk; ++j)
        mx = std::max(mx, s[size_t(i * tk + j)]);
      double sum = 0;
      for (int64_t j = 0; j < tk; ++j)
        sum += std::exp(s[size_t(i * tk + j)] - mx);
      lse[size_t(i)] = mx + std::log(sum);
    }
    return lse;
  }
};

Status attentionKernel(const Op &op, const std::vector<const Tensor *> &in,
                       Tensor &out) {
  Status s = expectOperands(op, in, 3, 4);
  Attention a;
  if (!s.ok() || !(s = a.init(op, in, false, 3)).ok())
    return s;
  Shape shape = a.batch;
  shape.push_back(a.tq);
  shape.push_back(a.dv);
  out = Tensor(a.q->dtype(), shape);
  for (int64_t b = 0; b < a.batches; ++b) {
    std::vector<double> sc = a.scores(b), lse = a.logSumExp(sc);
    for (int64_t i = 0; i < a.tq; ++i)
      for (int64_t e = 0; e < a.dv; ++e) {
        double acc = 0;
        for (int64_t j = 0; j < a.tk; ++j)
          acc += std::exp(sc[size_t(i * a.tk + j)] - lse[size_t(i)]) *
                 a.v->getDouble((b * a.tk + j) * a.dv + e);
        out.setDouble((b * a.tq + i) * a.dv + e, acc);
      }
  }
  return Status::success();
}

Status attentionLseKernel(const Op &op, const std::vector<const Tensor *> &in,
                          Tensor &out) {
  Status s = expectOperands(op, in, 2, 3);
  Attention a;
  if (!s.ok() || !(s = a.init(op, in, true, 2)).ok())
    return s;
  Shape shape = a.batch;
  shape.push_back(a.tq);
  out = Tensor(DType::F32, shape);
  for (int64_t b = 0; b < a.batches; ++b) {
    std::vector<double> lse = a.logSumExp(a.scores(b));
    for (int64_t i = 0; i < a.tq; ++i)
      out.setDouble(b * a.tq + i, lse[size_t(i)]);
  }
  return Status::success();
}

// Operands q, k, v, lse, delta, dout[, mask]. The probabilities come from
// the given lse (as the kernels do), ds = p * (dout . v - delta).
Status attentionGradKernel(const Op &op, const std::vector<const Tensor *> &in,
                           Tensor &out) {
  Status s = expectOperands(op, in, 6, 7);
  Attention a;
  if (!s.ok() || !(s = a.init(op, in, false, 6)).ok())
    return s;
  std::string wrt;
  if (!(s = getStringAttr(op, "wrt", wrt)).ok())
    return s;
  if (wrt != "q" && wrt != "k" && wrt != "v")
    return Status::failure("wrt must be q, k or v, got " + wrt);
  const Tensor &lse = *in[3], &delta = *in[4], &dout = *in[5];
  if (lse.numel() != a.batches * a.tq || delta.numel() != a.batches * a.tq ||
      dout.numel() != a.batches * a.tq * a.dv)
    return Status::failure("lse, delta or dout has the wrong size: " +
                           lse.typeString() + ", " + delta.typeString() +
                           ", " + dout.typeString());
  const Tensor &like = wrt == "q" ? *a.q : wrt == "k" ? *a.k : *a.v;
  out = Tensor(like.dtype(), like.shape());
  int64_t width = wrt == "v" ? a.dv : a.d;
  int64_t rows = wrt == "q" ? a.tq : a.tk;
  std::vector<double> acc(size_t(rows * width));
  for (int64_t b = 0; b < a.batches; ++b) {
    std::vector<double> sc = a.scores(b);
    std::fill(acc.begin(), acc.end(), 0.0);
    for (int64_t i = 0; i < a.tq; ++i)
      for (int64_t j = 0; j < a.tk; ++j) {
        double p = std::exp(sc[size_t(i * a.tk + j)] -
                            lse.getDouble(b * a.tq + i));
        if (wrt == "v") {
          for (int64_t e = 0; e < a.dv; ++e)
            acc[size_t(j * width + e)] +=
                p * dout.getDouble((b * a.tq + i) * a.dv + e);
          continue;
        }
        double dp = 0;
        for (int64_t e = 0; e < a.dv; ++e)
          dp += dout.getDouble((b * a.tq + i) * a.dv + e) *
                a.v->getDouble((b * a.tk + j) * a.dv + e);
        double ds = p * (dp - delta.getDouble(b * a.tq + i)) * a.scale;
        for (int64_t e = 0; e < a.d; ++e) {
          if (wrt == "q")
            acc[size_t(i * width + e)] +=
                ds * a.k->getDouble((b * a.tk + j) * a.d + e);
          else
            acc[size_t(j * width + e)] +=
                ds * a.q->getDouble((b * a.tq + i) * a.d + e);
        }
      }
    for (int64_t r = 0; r < rows * width; ++r)
      out.setDouble(b * rows * width + r, acc[size_t(r)]);
  }
  return Status::success();
}

} // namespace

void registerAttentionKernels(KernelTable &t) {
  t["attention"] = attentionKernel;
  t["attention_lse"] = attentionLseKernel;
  t["attention_grad"] = attentionGradKernel;
}

} // namespace nnc::ref
