// Shape kernels: reshape, transpose, flatten, concat, slice, broadcast_to,
// gather, embedding, which move elements without arithmetic, for every
// dtype; and scatter_add (gather's gradient), which adds them.
#include "reference/Kernels.h"

#include <cstring>

namespace nnc::ref {

namespace {

void copyElem(const Tensor &src, int64_t si, Tensor &dst, int64_t di) {
  size_t es = dtypeSize(src.dtype());
  std::memcpy(&dst.bytes()[di * es], &src.bytes()[si * es], es);
}

Status reshapeKernel(const Op &op, const std::vector<const Tensor *> &in,
                     Tensor &out) {
  Status s = expectOperands(op, in, 1, 1);
  if (!s.ok())
    return s;
  std::vector<int64_t> shape;
  if (!(s = getIntListAttr(op, "shape", shape)).ok())
    return s;
  const Tensor &x = *in[0];
  int64_t known = 1, inferAt = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (inferAt >= 0)
        return Status::failure("shape " + shapeString(shape) +
                               " has more than one -1");
      inferAt = static_cast<int64_t>(i);
    } else if (shape[i] < 0) {
      return Status::failure("bad dim " + std::to_string(shape[i]) +
                             " in shape " + shapeString(shape));
    } else {
      known *= shape[i];
    }
  }
  if (inferAt >= 0) {
    if (known == 0 || x.numel() % known)
      return Status::failure("cannot reshape " + x.typeString() + " (" +
                             std::to_string(x.numel()) + " elements) into " +
                             shapeString(shape));
    shape[inferAt] = x.numel() / known;
  } else if (known != x.numel()) {
    return Status::failure("cannot reshape " + x.typeString() + " (" +
                           std::to_string(x.numel()) + " elements) into " +
                           shapeString(shape));
  }
  out = x;
  out.reshapeInPlace(shape);
  return Status::success();
}

Status transposeKernel(const Op &op, const std::vector<const Tensor *> &in,
                       Tensor &out) {
  Status s = expectOperands(op, in, 1, 1);
  if (!s.ok())
    return s;
  std::vector<int64_t> perm;
  if (!(s = getIntListAttr(op, "perm", perm)).ok())
    return s;
  const Tensor &x = *in[0];
  if (static_cast<int64_t>(perm.size()) != x.rank())
    return Status::failure("perm " + shapeString(perm) + " does not match rank " +
                           std::to_string(x.rank()));
  std::vector<bool> used(perm.size(), false);
  Shape shape;
  for (int64_t p : perm) {
    if (p < 0 || p >= x.rank() || used[p])
      return Status::failure("perm " + shapeString(perm) +
                             " is not a permutation");
    used[p] = true;
    shape.push_back(x.shape()[p]);
  }
  out = Tensor(x.dtype(), shape);
  std::vector<int64_t> inStrides = stridesOf(x.shape()), outStrides = stridesOf(shape);
  for (int64_t i = 0; i < out.numel(); ++i) {
    int64_t rem = i, src = 0;
    for (size_t d = 0; d < shape.size(); ++d) {
      int64_t idx = rem / outStrides[d];
      rem %= outStrides[d];
      src += idx * inStrides[perm[d]];
    }
    copyElem(x, src, out, i);
  }
  return Status::success();
}

Status flattenKernel(const Op &op, const std::vector<const Tensor *> &in,
                     Tensor &out) {
  Status s = expectOperands(op, in, 1, 1);
  if (!s.ok())
    return s;
  int64_t axis;
  if (!(s = getIntAttr(op, "axis", axis)).ok())
    return s;
  const Tensor &x = *in[0];
  if (axis < 0 || axis > x.rank())
    return Status::failure("axis " + std::to_string(axis) +
                           " is out of range [0, " + std::to_string(x.rank()) + "]");
  int64_t a = 1, b = 1;
  for (int64_t d = 0; d < x.rank(); ++d)
    (d < axis ? a : b) *= x.shape()[d];
  out = x;
  out.reshapeInPlace({a, b});
  return Status::success();
}

Status concatKernel(const Op &op, const std::vector<const Tensor *> &in,
                    Tensor &out) {
  if (in.empty())
    return Status::failure("needs at least one operand");
  int64_t axis;
  Status s = getIntAttr(op, "axis", axis);
  if (!s.ok())
    return s;
  const Tensor &first = *in[0];
  if (!(s = needAxis(axis, first.rank())).ok())
    return s;
  Shape shape = first.shape();
  shape[axis] = 0;
  for (const Tensor *t : in) {
    bool ok = t->dtype() == first.dtype() && t->rank() == first.rank();
    for (int64_t d = 0; ok && d < first.rank(); ++d)
      ok = d == axis || t->shape()[d] == first.shape()[d];
    if (!ok)
      return Status::failure("operands " + first.typeString() + " and " +
                             t->typeString() + " cannot be joined on axis " +
                             std::to_string(axis));
    shape[axis] += t->shape()[axis];
  }
  out = Tensor(first.dtype(), shape);
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= shape[d];
  for (size_t d = axis + 1; d < shape.size(); ++d)
    inner *= shape[d];
  size_t es = dtypeSize(first.dtype());
  int64_t offset = 0; // along axis
  for (const Tensor *t : in) {
    int64_t len = t->shape()[axis];
    for (int64_t o = 0; o < outer; ++o) {
      size_t bytes = static_cast<size_t>(len * inner) * es;
      if (bytes)
        std::memcpy(&out.bytes()[((o * shape[axis] + offset) * inner) * es],
                    &t->bytes()[(o * len * inner) * es], bytes);
    }
    offset += len;
  }
  return Status::success();
}

Status sliceKernel(const Op &op, const std::vector<const Tensor *> &in,
                   Tensor &out) {
  Status s = expectOperands(op, in, 1, 1);
  if (!s.ok())
    return s;
  const Tensor &x = *in[0];
  int64_t axis, start, end, step;
  const int64_t zero = 0, one = 1;
  if (!(s = getIntAttr(op, "axis", axis)).ok() ||
      !(s = needAxis(axis, x.rank())).ok())
    return s;
  int64_t n = x.shape()[axis];
  if (!(s = getIntAttr(op, "start", start, &zero)).ok() ||
      !(s = getIntAttr(op, "end", end, &n)).ok() ||
      !(s = getIntAttr(op, "step", step, &one)).ok())
    return s;
  if (step < 1)
    return Status::failure("step must be >= 1, got " + std::to_string(step));
  // Python slice semantics with a positive step.
  auto clamp = [n](int64_t v) {
    if (v < 0)
      v += n;
    return v < 0 ? 0 : (v > n ? n : v);
  };
  start = clamp(start);
  end = clamp(end);
  int64_t len = end > start ? (end - start + step - 1) / step : 0;
  Shape shape = x.shape();
  shape[axis] = len;
  out = Tensor(x.dtype(), shape);
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= shape[d];
  for (size_t d = axis + 1; d < shape.size(); ++d)
    inner *= shape[d];
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t k = 0; k < len; ++k)
      for (int64_t j = 0; j < inner; ++j)
        copyElem(x, (o * n + start + k * step) * inner + j, out,
                 (o * len + k) * inner + j);
  return Status::success();
}

Status broadcastToKernel(const Op &op, const std::vector<const Tensor *> &in,
                         Tensor &out) {
  Status s = expectOperands(op, in, 1, 1);
  if (!s.ok())
    return s;
  std::vector<int64_t> shape;
  if (!(s = getIntListAttr(op, "shape", shape)).ok())
    return s;
  const Tensor &x = *in[0];
  if (x.rank() > static_cast<int64_t>(shape.size()))
    return Status::failure("cannot broadcast " + x.typeString() + " to " +
                           shapeString(shape) + " (rank would shrink)");
  size_t off = shape.size() - x.shape().size();
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (i < off)
        return Status::failure("-1 in " + shapeString(shape) +
                               " has no input dim to keep");
      shape[i] = x.shape()[i - off];
    } else if (shape[i] < 0) {
      return Status::failure("bad dim in shape " + shapeString(shape));
    }
    if (i >= off && x.shape()[i - off] != 1 && x.shape()[i - off] != shape[i])
      return Status::failure("cannot broadcast " + x.typeString() + " to " +
                             shapeString(shape));
  }
  double total = 1;
  for (int64_t d : shape)
    total *= double(d);
  if (total > double(int64_t(1) << 32))
    return Status::failure("shape " + shapeString(shape) + " is too large");
  out = Tensor(x.dtype(), shape);
  auto map = broadcastIndexMap(x.shape(), shape);
  for (int64_t i = 0; i < out.numel(); ++i)
    copyElem(x, map[i], out, i);
  return Status::success();
}

Status gatherImpl(const Tensor &x, const Tensor &idx, int64_t axis,
                  bool allowNegative, Tensor &out) {
  if (!isInt(idx.dtype()))
    return Status::failure("indices must be i32 or i64, got " + idx.typeString());
  Status s = needAxis(axis, x.rank());
  if (!s.ok())
    return s;
  Shape shape(x.shape().begin(), x.shape().begin() + axis);
  shape.insert(shape.end(), idx.shape().begin(), idx.shape().end());
  shape.insert(shape.end(), x.shape().begin() + axis + 1, x.shape().end());
  out = Tensor(x.dtype(), shape);
  int64_t outer = 1, inner = 1, n = x.shape()[axis], m = idx.numel();
  for (int64_t d = 0; d < axis; ++d)
    outer *= x.shape()[d];
  for (int64_t d = axis + 1; d < x.rank(); ++d)
    inner *= x.shape()[d];
  for (int64_t k = 0; k < m; ++k) {
    int64_t v = idx.getInt(k);
    if (v < -n || v >= n || (!allowNegative && v < 0))
      return Status::failure("index " + std::to_string(v) + " (element " +
                             std::to_string(k) + ") is out of range for a dim of " +
                             std::to_string(n));
  }
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t k = 0; k < m; ++k) {
      int64_t v = idx.getInt(k);
      if (v < 0)
        v += n;
      for (int64_t j = 0; j < inner; ++j)
        copyElem(x, (o * n + v) * inner + j, out, (o * m + k) * inner + j);
    }
  return Status::success();
}

// NumPy `take`: negative indices count from the end.
Status gatherKernel(const Op &op, const std::vector<const Tensor *> &in,
                    Tensor &out) {
  Status s = expectOperands(op, in, 2, 2);
  if (!s.ok())
    return s;
  int64_t axis;
  const int64_t zero = 0;
  if (!(s = getIntAttr(op, "axis", axis, &zero)).ok())
    return s;
  return gatherImpl(*in[0], *in[1], axis, true, out);
}

// PyTorch `embedding`: ids must lie in [0, V).
Status embeddingKernel(const Op &op, const std::vector<const Tensor *> &in,
                       Tensor &out) {
  Status s = expectOperands(op, in, 2, 2);
  if (!s.ok())
    return s;
  if (in[0]->rank() != 2)
    return Status::failure("table must be [V, D], got " + in[0]->typeString());
  return gatherImpl(*in[0], *in[1], 0, false, out);
}

// The inverse of gather: out = x, then out[o, indices[k], j] +=
// updates[o, k, j]. Float sums are taken in double and rounded once per
// element, so repeated indices do not round at every add.
Status scatterAddKernel(const Op &op, const std::vector<const Tensor *> &in,
                        Tensor &out) {
  Status s = expectOperands(op, in, 3, 3);
  if (!s.ok())
    return s;
  const Tensor &x = *in[0], &idx = *in[1], &upd = *in[2];
  int64_t axis;
  if (!(s = getIntAttr(op, "axis", axis)).ok() ||
      !(s = needAxis(axis, x.rank())).ok() || !(s = needNumeric(x, "x")).ok())
    return s;
  if (!isInt(idx.dtype()))
    return Status::failure("indices must be i32 or i64, got " +
                           idx.typeString());
  Shape shape(x.shape().begin(), x.shape().begin() + axis);
  shape.insert(shape.end(), idx.shape().begin(), idx.shape().end());
  shape.insert(shape.end(), x.shape().begin() + axis + 1, x.shape().end());
  if (upd.dtype() != x.dtype() || upd.shape() != shape)
    return Status::failure("updates must be " +
                           std::string(dtypeName(x.dtype())) +
                           shapeString(shape) + ", got " + upd.typeString());
  int64_t outer = 1, inner = 1, n = x.shape()[axis], m = idx.numel();
  for (int64_t d = 0; d < axis; ++d)
    outer *= x.shape()[d];
  for (int64_t d = axis + 1; d < x.rank(); ++d)
    inner *= x.shape()[d];
  for (int64_t k = 0; k < m; ++k) {
    int64_t v = idx.getInt(k);
    if (v < -n || v >= n)
      return Status::failure(
          "index " + std::to_string(v) + " (element " + std::to_string(k) +
          ") is out of range for a dim of " + std::to_string(n));
  }
  out = x;
  bool fl = isFloat(x.dtype());
  std::vector<double> accF(fl ? x.numel() : 0);
  for (size_t i = 0; i < accF.size(); ++i)
    accF[i] = x.getDouble(int64_t(i));
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t k = 0; k < m; ++k) {
      int64_t v = idx.getInt(k);
      if (v < 0)
        v += n;
      for (int64_t j = 0; j < inner; ++j) {
        int64_t to = (o * n + v) * inner + j, from = (o * m + k) * inner + j;
        if (fl)
          accF[to] += upd.getDouble(from);
        else
          out.setInt(to, wrapAdd(out.getInt(to), upd.getInt(from)));
      }
    }
  for (size_t i = 0; i < accF.size(); ++i)
    out.setDouble(int64_t(i), accF[i]);
  return Status::success();
}

} // namespace

void registerShapeKernels(KernelTable &t) {
  t["reshape"] = reshapeKernel;
  t["transpose"] = transposeKernel;
  t["flatten"] = flattenKernel;
  t["concat"] = concatKernel;
  t["slice"] = sliceKernel;
  t["broadcast_to"] = broadcastToKernel;
  t["gather"] = gatherKernel;
  t["embedding"] = embeddingKernel;
  t["scatter_add"] = scatterAddKernel;
}

} // namespace nnc::ref
