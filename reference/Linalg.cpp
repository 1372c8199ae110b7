// Linear-algebra kernels: matmul, conv2d, max/avg pooling, global_avg_pool.
#include "reference/Kernels.h"

#include <cmath>

namespace nnc::ref {

namespace {

Status matmulKernel(const Op &op, const std::vector<const Tensor *> &in,
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
  if (a.rank() < 1 || b.rank() < 1)
    return Status::failure("operands must have rank >= 1, got " +
                           a.typeString() + " and " + b.typeString());
  // NumPy: a rank-1 lhs is [1,K], a rank-1 rhs is [K,1]; squeezed afterwards.
  Shape as = a.shape(), bs = b.shape();
  if (as.size() == 1)
    as.insert(as.begin(), 1);
  if (bs.size() == 1)
    bs.push_back(1);
  int64_t m = as[as.size() - 2], k = as.back(), k2 = bs[bs.size() - 2],
          n = bs.back();
  if (k != k2)
    return Status::failure("contraction dims differ: " + a.typeString() +
                           " @ " + b.typeString());
  Shape aBatch(as.begin(), as.end() - 2), bBatch(bs.begin(), bs.end() - 2), batch;
  if (!(s = broadcastShapes({aBatch, bBatch}, batch)).ok())
    return Status::failure("batch dims do not broadcast: " + a.typeString() +
                           " @ " + b.typeString());
  auto ma = broadcastIndexMap(aBatch, batch);
  auto mb = broadcastIndexMap(bBatch, batch);
  Shape outShape = batch;
  if (a.rank() > 1)
    outShape.push_back(m);
  if (b.rank() > 1)
    outShape.push_back(n);
  out = Tensor(a.dtype(), outShape);
  bool fl = isFloat(a.dtype());
  int64_t nb = numElements(batch);
  for (int64_t t = 0; t < nb; ++t) {
    int64_t aOff = ma[t] * m * k, bOff = mb[t] * k * n, oOff = t * m * n;
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        if (fl) {
          double acc = 0;
          for (int64_t p = 0; p < k; ++p)
            acc += a.getDouble(aOff + i * k + p) * b.getDouble(bOff + p * n + j);
          out.setDouble(oOff + i * n + j, acc);
        } else {
          int64_t acc = 0;
          for (int64_t p = 0; p < k; ++p)
            acc = wrapAdd(acc, wrapMul(a.getInt(aOff + i * k + p),
                                       b.getInt(bOff + p * n + j)));
          out.setInt(oOff + i * n + j, acc);
        }
      }
    }
  }
  return Status::success();
}

// A pair attribute: `[h, w]`, or one integer for both; `fallback` if absent.
Status getPair(const Op &op, const std::string &key, int64_t pair[2],
               const int64_t *fallback) {
  if (!op.attr(key)) {
    if (!fallback)
      return Status::failure("missing attribute '" + key + "'");
    pair[0] = fallback[0];
    pair[1] = fallback[1];
    return Status::success();
  }
  std::vector<int64_t> v;
  Status s = getIntListAttr(op, key, v);
  if (!s.ok())
    return s;
  if (v.size() == 1)
    v.push_back(v[0]);
  if (v.size() != 2)
    return Status::failure("attribute '" + key + "' must hold 2 integers");
  pair[0] = v[0];
  pair[1] = v[1];
  return Status::success();
}

Status outSize(int64_t in, int64_t pad, int64_t dil, int64_t kernel,
               int64_t stride, const char *dim, int64_t &out) {
  int64_t span = dil * (kernel - 1) + 1;
  if (in + 2 * pad < span)
    return Status::failure(std::string("the window (") + std::to_string(span) +
                           ") is larger than the padded input " + dim + " (" +
                           std::to_string(in + 2 * pad) + ")");
  out = (in + 2 * pad - span) / stride + 1;
  return Status::success();
}

Status conv2dKernel(const Op &op, const std::vector<const Tensor *> &in,
                    Tensor &out) {
  Status s = expectOperands(op, in, 2, 3);
  if (!s.ok())
    return s;
  const Tensor &x = *in[0], &w = *in[1];
  const Tensor *bias = in.size() == 3 ? in[2] : nullptr;
  int64_t stride[2], pad[2], dil[2], groups;
  const int64_t ones[2] = {1, 1}, zeros[2] = {0, 0}, one = 1;
  if (!(s = getPair(op, "stride", stride, ones)).ok() ||
      !(s = getPair(op, "padding", pad, zeros)).ok() ||
      !(s = getPair(op, "dilation", dil, ones)).ok() ||
      !(s = getIntAttr(op, "groups", groups, &one)).ok())
    return s;
  if (x.rank() != 4 || w.rank() != 4)
    return Status::failure("needs x [N,C,H,W] and w [O,C/groups,kh,kw], got " +
                           x.typeString() + " and " + w.typeString());
  if (x.dtype() != w.dtype() || (bias && bias->dtype() != x.dtype()))
    return Status::failure("operands must have the same dtype");
  if (!(s = needNumeric(x, "operand")).ok())
    return s;
  if (stride[0] < 1 || stride[1] < 1 || dil[0] < 1 || dil[1] < 1 || pad[0] < 0 ||
      pad[1] < 0 || groups < 1)
    return Status::failure("stride and dilation must be >= 1, padding >= 0, "
                           "groups >= 1");
  int64_t N = x.shape()[0], C = x.shape()[1], H = x.shape()[2], W = x.shape()[3];
  int64_t O = w.shape()[0], Cg = w.shape()[1], KH = w.shape()[2], KW = w.shape()[3];
  if (C % groups || O % groups || Cg != C / groups)
    return Status::failure("channels do not match: x " + x.typeString() +
                           ", w " + w.typeString() + ", groups " +
                           std::to_string(groups));
  if (bias && bias->shape() != Shape{O})
    return Status::failure("bias must be [" + std::to_string(O) + "], got " +
                           bias->typeString());
  int64_t HO, WO;
  if (!(s = outSize(H, pad[0], dil[0], KH, stride[0], "height", HO)).ok() ||
      !(s = outSize(W, pad[1], dil[1], KW, stride[1], "width", WO)).ok())
    return s;
  out = Tensor(x.dtype(), {N, O, HO, WO});
  bool fl = isFloat(x.dtype());
  int64_t Og = O / groups;
  for (int64_t n = 0; n < N; ++n)
    for (int64_t o = 0; o < O; ++o) {
      int64_t g = o / Og;
      for (int64_t ho = 0; ho < HO; ++ho)
        for (int64_t wo = 0; wo < WO; ++wo) {
          double accF = bias && fl ? bias->getDouble(o) : 0;
          int64_t accI = bias && !fl ? bias->getInt(o) : 0;
          for (int64_t c = 0; c < Cg; ++c)
            for (int64_t kh = 0; kh < KH; ++kh) {
              int64_t h = ho * stride[0] - pad[0] + kh * dil[0];
              if (h < 0 || h >= H)
                continue;
              for (int64_t kw = 0; kw < KW; ++kw) {
                int64_t ww = wo * stride[1] - pad[1] + kw * dil[1];
                if (ww < 0 || ww >= W)
                  continue;
                int64_t xi = ((n * C + g * Cg + c) * H + h) * W + ww;
                int64_t wi = ((o * Cg + c) * KH + kh) * KW + kw;
                if (fl)
                  accF += x.getDouble(xi) * w.getDouble(wi);
                else
                  accI = wrapAdd(accI, wrapMul(x.getInt(xi), w.getInt(wi)));
              }
            }
          int64_t oi = ((n * O + o) * HO + ho) * WO + wo;
          if (fl)
            out.setDouble(oi, accF);
          else
            out.setInt(oi, accI);
        }
    }
  return Status::success();
}

Status pool(bool isMax, const Op &op, const std::vector<const Tensor *> &in,
            Tensor &out) {
  Status s = expectOperands(op, in, 1, 1);
  if (!s.ok())
    return s;
  const Tensor &x = *in[0];
  int64_t kernel[2], stride[2], pad[2];
  const int64_t zeros[2] = {0, 0};
  if (!(s = getPair(op, "kernel", kernel, nullptr)).ok() ||
      !(s = getPair(op, "stride", stride, kernel)).ok() ||
      !(s = getPair(op, "padding", pad, zeros)).ok())
    return s;
  if (x.rank() != 4)
    return Status::failure("needs x [N,C,H,W], got " + x.typeString());
  if (!(s = isMax ? needNumeric(x, "operand") : needFloat(x, "operand")).ok())
    return s;
  if (kernel[0] < 1 || kernel[1] < 1 || stride[0] < 1 || stride[1] < 1 ||
      pad[0] < 0 || pad[1] < 0)
    return Status::failure("kernel and stride must be >= 1, padding >= 0");
  int64_t N = x.shape()[0], C = x.shape()[1], H = x.shape()[2], W = x.shape()[3];
  int64_t HO, WO;
  if (!(s = outSize(H, pad[0], 1, kernel[0], stride[0], "height", HO)).ok() ||
      !(s = outSize(W, pad[1], 1, kernel[1], stride[1], "width", WO)).ok())
    return s;
  out = Tensor(x.dtype(), {N, C, HO, WO});
  bool fl = isFloat(x.dtype());
  for (int64_t nc = 0; nc < N * C; ++nc)
    for (int64_t ho = 0; ho < HO; ++ho)
      for (int64_t wo = 0; wo < WO; ++wo) {
        double accF = isMax ? -INFINITY : 0;
        int64_t accI = 0;
        bool any = false;
        for (int64_t kh = 0; kh < kernel[0]; ++kh) {
          int64_t h = ho * stride[0] - pad[0] + kh;
          if (h < 0 || h >= H)
            continue; // padding: -inf for max, 0 (but counted) for avg
          for (int64_t kw = 0; kw < kernel[1]; ++kw) {
            int64_t w = wo * stride[1] - pad[1] + kw;
            if (w < 0 || w >= W)
              continue;
            int64_t xi = (nc * H + h) * W + w;
            if (!fl) {
              int64_t v = orderKey(x.dtype(), x.getInt(xi));
              accI = any ? std::max(accI, v) : v;
            } else if (isMax) {
              double v = x.getDouble(xi);
              if (std::isnan(v) || v > accF)
                accF = std::isnan(accF) ? accF : v;
            } else {
              accF += x.getDouble(xi);
            }
            any = true;
          }
        }
        int64_t oi = (nc * HO + ho) * WO + wo;
        if (!fl)
          out.setInt(oi, orderKey(x.dtype(), accI));
        else
          out.setDouble(oi, isMax ? accF : accF / double(kernel[0] * kernel[1]));
      }
  return Status::success();
}

Status maxPoolKernel(const Op &op, const std::vector<const Tensor *> &in,
                     Tensor &out) {
  return pool(true, op, in, out);
}
Status avgPoolKernel(const Op &op, const std::vector<const Tensor *> &in,
                     Tensor &out) {
  return pool(false, op, in, out);
}

Status globalAvgPoolKernel(const Op &op, const std::vector<const Tensor *> &in,
                           Tensor &out) {
  Status s = expectOperands(op, in, 1, 1);
  if (!s.ok())
    return s;
  const Tensor &x = *in[0];
  if (x.rank() != 4)
    return Status::failure("needs x [N,C,H,W], got " + x.typeString());
  if (!(s = needFloat(x, "operand")).ok())
    return s;
  int64_t N = x.shape()[0], C = x.shape()[1], HW = x.shape()[2] * x.shape()[3];
  out = Tensor(x.dtype(), {N, C});
  for (int64_t nc = 0; nc < N * C; ++nc) {
    double acc = 0;
    for (int64_t i = 0; i < HW; ++i)
      acc += x.getDouble(nc * HW + i);
    out.setDouble(nc, acc / double(HW));
  }
  return Status::success();
}

} // namespace

void registerLinalgKernels(KernelTable &t) {
  t["matmul"] = matmulKernel;
  t["conv2d"] = conv2dKernel;
  t["max_pool2d"] = maxPoolKernel;
  t["avg_pool2d"] = avgPoolKernel;
  t["global_avg_pool"] = globalAvgPoolKernel;
}

} // namespace nnc::ref
