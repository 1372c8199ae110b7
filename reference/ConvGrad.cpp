// Gradient kernels of conv2d and the pools: conv2d_grad_input,
// conv2d_grad_weight, max_pool2d_grad, avg_pool2d_grad.
//
// Each walks the forward op's loops and scatters the cotangent back into a
// double accumulator, the plain reading of the chain rule; the compiler
// lowers the same ops as gathers (codegen/common/ConvGradOpToLinalg.cpp), so
// the two share nothing but the definition.
#include "reference/Kernels.h"

#include <algorithm>
#include <cmath>

namespace nnc::ref {

namespace {

/// A required `[h, w]` attribute, each entry at least `min` and below 2^30.
Status pairAttr(const Op &op, const std::string &key, int64_t min,
                int64_t pair[2]) {
  std::vector<int64_t> v;
  Status s = getIntListAttr(op, key, v);
  if (!s.ok())
    return s;
  if (v.size() != 2 || v[0] < min || v[1] < min || v[0] >= (1 << 30) ||
      v[1] >= (1 << 30))
    return Status::failure("attribute '" + key + "' must hold 2 integers in [" +
                           std::to_string(min) + ", 2^30)");
  pair[0] = v[0];
  pair[1] = v[1];
  return Status::success();
}

/// The forward window's output size along one dim, or failure.
Status windowOut(int64_t in, int64_t kernel, int64_t stride, int64_t pad,
                 int64_t dil, const char *dim, int64_t &out) {
  int64_t span = dil * (kernel - 1) + 1;
  if (in + 2 * pad < span)
    return Status::failure(std::string("the window (") + std::to_string(span) +
                           ") is larger than the padded input " + dim);
  out = (in + 2 * pad - span) / stride + 1;
  return Status::success();
}

/// `t` must be `[d0, d1, d2, d3]` (rank 4, every given dim equal).
Status expectShape(const Tensor &t, const char *what, const Shape &want) {
  if (t.shape() == want)
    return Status::success();
  return Status::failure(std::string(what) + " must be " + shapeString(want) +
                         ", got " + t.typeString());
}

/// Guards the accumulator's allocation against absurd graph sizes.
Status checkSize(const Shape &shape) {
  double n = 1;
  for (int64_t d : shape)
    n *= static_cast<double>(d);
  if (n > double(int64_t(1) << 34))
    return Status::failure("result " + shapeString(shape) + " is too large");
  return Status::success();
}

/// Writes the double accumulator into a tensor of `dtype` and `shape`.
Tensor fromAccumulator(DType dtype, const Shape &shape,
                       const std::vector<double> &acc) {
  Tensor out(dtype, shape);
  for (int64_t i = 0; i < static_cast<int64_t>(acc.size()); ++i)
    out.setDouble(i, acc[i]);
  return out;
}

struct ConvAttrs {
  int64_t stride[2], pad[2], dil[2], groups;
};

Status convAttrs(const Op &op, ConvAttrs &a) {
  Status s;
  if (!(s = pairAttr(op, "stride", 1, a.stride)).ok() ||
      !(s = pairAttr(op, "padding", 0, a.pad)).ok() ||
      !(s = pairAttr(op, "dilation", 1, a.dil)).ok() ||
      !(s = getIntAttr(op, "groups", a.groups)).ok())
    return s;
  if (a.groups < 1 || a.groups >= (1 << 30))
    return Status::failure("groups must be in [1, 2^30)");
  return Status::success();
}

// dx[n, g Cg + c, ho sh - ph + i dh, wo sw - pw + j dw] +=
//     dy[n, o, ho, wo] * w[o, c, i, j].
Status conv2dGradInputKernel(const Op &op,
                             const std::vector<const Tensor *> &in,
                             Tensor &out) {
  Status s = expectOperands(op, in, 2, 2);
  if (!s.ok())
    return s;
  const Tensor &dy = *in[0], &w = *in[1];
  ConvAttrs a;
  int64_t size[2];
  if (!(s = convAttrs(op, a)).ok() ||
      !(s = pairAttr(op, "input_size", 1, size)).ok() ||
      !(s = needFloat(dy, "dy")).ok())
    return s;
  if (dy.rank() != 4 || w.rank() != 4 || dy.dtype() != w.dtype())
    return Status::failure("needs dy [N,O,Ho,Wo] and w [O,C/groups,kh,kw] of "
                           "one dtype, got " +
                           dy.typeString() + " and " + w.typeString());
  int64_t N = dy.shape()[0], O = w.shape()[0], Cg = w.shape()[1],
          KH = w.shape()[2], KW = w.shape()[3], H = size[0], W = size[1];
  if (O % a.groups)
    return Status::failure("the output channels of w are not a multiple of "
                           "groups");
  int64_t HO, WO;
  if (!(s = windowOut(H, KH, a.stride[0], a.pad[0], a.dil[0], "height", HO))
           .ok() ||
      !(s = windowOut(W, KW, a.stride[1], a.pad[1], a.dil[1], "width", WO))
           .ok() ||
      !(s = expectShape(dy, "dy", {N, O, HO, WO})).ok())
    return s;
  int64_t C = Cg * a.groups, Og = O / a.groups;
  Shape shape = {N, C, H, W};
  if (!(s = checkSize(shape)).ok())
    return s;
  std::vector<double> acc(numElements(shape), 0.0);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t o = 0; o < O; ++o) {
      int64_t g = o / Og;
      for (int64_t ho = 0; ho < HO; ++ho)
        for (int64_t wo = 0; wo < WO; ++wo) {
          double d = dy.getDouble(((n * O + o) * HO + ho) * WO + wo);
          for (int64_t c = 0; c < Cg; ++c)
            for (int64_t i = 0; i < KH; ++i) {
              int64_t h = ho * a.stride[0] - a.pad[0] + i * a.dil[0];
              if (h < 0 || h >= H)
                continue;
              for (int64_t j = 0; j < KW; ++j) {
                int64_t x = wo * a.stride[1] - a.pad[1] + j * a.dil[1];
                if (x < 0 || x >= W)
                  continue;
                acc[((n * C + g * Cg + c) * H + h) * W + x] +=
                    d * w.getDouble(((o * Cg + c) * KH + i) * KW + j);
              }
            }
        }
    }
  out = fromAccumulator(dy.dtype(), shape, acc);
  return Status::success();
}

// dw[o, c, i, j] += x[n, g Cg + c, ho sh - ph + i dh, wo sw - pw + j dw]
//                   * dy[n, o, ho, wo].
Status conv2dGradWeightKernel(const Op &op,
                              const std::vector<const Tensor *> &in,
                              Tensor &out) {
  Status s = expectOperands(op, in, 2, 2);
  if (!s.ok())
    return s;
  const Tensor &x = *in[0], &dy = *in[1];
  ConvAttrs a;
  int64_t kernel[2];
  if (!(s = convAttrs(op, a)).ok() ||
      !(s = pairAttr(op, "kernel_size", 1, kernel)).ok() ||
      !(s = needFloat(x, "x")).ok())
    return s;
  if (x.rank() != 4 || dy.rank() != 4 || x.dtype() != dy.dtype())
    return Status::failure("needs x [N,C,H,W] and dy [N,O,Ho,Wo] of one "
                           "dtype, got " +
                           x.typeString() + " and " + dy.typeString());
  int64_t N = x.shape()[0], C = x.shape()[1], H = x.shape()[2],
          W = x.shape()[3], O = dy.shape()[1], KH = kernel[0], KW = kernel[1];
  if (C % a.groups || O % a.groups)
    return Status::failure("channels are not multiples of groups");
  int64_t HO, WO;
  if (!(s = windowOut(H, KH, a.stride[0], a.pad[0], a.dil[0], "height", HO))
           .ok() ||
      !(s = windowOut(W, KW, a.stride[1], a.pad[1], a.dil[1], "width", WO))
           .ok() ||
      !(s = expectShape(dy, "dy", {N, O, HO, WO})).ok())
    return s;
  int64_t Cg = C / a.groups, Og = O / a.groups;
  Shape shape = {O, Cg, KH, KW};
  if (!(s = checkSize(shape)).ok())
    return s;
  std::vector<double> acc(numElements(shape), 0.0);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t o = 0; o < O; ++o) {
      int64_t g = o / Og;
      for (int64_t ho = 0; ho < HO; ++ho)
        for (int64_t wo = 0; wo < WO; ++wo) {
          double d = dy.getDouble(((n * O + o) * HO + ho) * WO + wo);
          for (int64_t c = 0; c < Cg; ++c)
            for (int64_t i = 0; i < KH; ++i) {
              int64_t h = ho * a.stride[0] - a.pad[0] + i * a.dil[0];
              if (h < 0 || h >= H)
                continue;
              for (int64_t j = 0; j < KW; ++j) {
                int64_t xw = wo * a.stride[1] - a.pad[1] + j * a.dil[1];
                if (xw < 0 || xw >= W)
                  continue;
                acc[((o * Cg + c) * KH + i) * KW + j] +=
                    d * x.getDouble(((n * C + g * Cg + c) * H + h) * W + xw);
              }
            }
        }
    }
  out = fromAccumulator(x.dtype(), shape, acc);
  return Status::success();
}

struct PoolAttrs {
  int64_t kernel[2], stride[2], pad[2];
};

Status poolAttrs(const Op &op, PoolAttrs &a) {
  Status s;
  if (!(s = pairAttr(op, "kernel", 1, a.kernel)).ok() ||
      !(s = pairAttr(op, "stride", 1, a.stride)).ok() ||
      !(s = pairAttr(op, "padding", 0, a.pad)).ok())
    return s;
  if (2 * a.pad[0] > a.kernel[0] || 2 * a.pad[1] > a.kernel[1])
    return Status::failure("padding must be at most half the kernel");
  return Status::success();
}

// Each window's dy goes to the cell PyTorch's max_pool2d picks: starting
// from the window's first cell inside x, a cell replaces the current one if
// it is greater or NaN (so the first maximum, or the last NaN).
Status maxPool2dGradKernel(const Op &op, const std::vector<const Tensor *> &in,
                           Tensor &out) {
  Status s = expectOperands(op, in, 2, 2);
  if (!s.ok())
    return s;
  const Tensor &x = *in[0], &dy = *in[1];
  PoolAttrs a;
  if (!(s = poolAttrs(op, a)).ok() || !(s = needFloat(x, "x")).ok())
    return s;
  if (x.rank() != 4 || dy.dtype() != x.dtype())
    return Status::failure("needs x [N,C,H,W] and dy of its dtype, got " +
                           x.typeString() + " and " + dy.typeString());
  int64_t N = x.shape()[0], C = x.shape()[1], H = x.shape()[2],
          W = x.shape()[3], HO, WO;
  if (!(s = windowOut(H, a.kernel[0], a.stride[0], a.pad[0], 1, "height", HO))
           .ok() ||
      !(s = windowOut(W, a.kernel[1], a.stride[1], a.pad[1], 1, "width", WO))
           .ok() ||
      !(s = expectShape(dy, "dy", {N, C, HO, WO})).ok())
    return s;
  std::vector<double> acc(x.numel(), 0.0);
  for (int64_t nc = 0; nc < N * C; ++nc)
    for (int64_t ho = 0; ho < HO; ++ho)
      for (int64_t wo = 0; wo < WO; ++wo) {
        int64_t h0 = ho * a.stride[0] - a.pad[0];
        int64_t w0 = wo * a.stride[1] - a.pad[1];
        int64_t h1 = std::min(h0 + a.kernel[0], H);
        int64_t w1 = std::min(w0 + a.kernel[1], W);
        h0 = std::max<int64_t>(h0, 0);
        w0 = std::max<int64_t>(w0, 0);
        int64_t best = h0 * W + w0;
        double bestValue = -INFINITY;
        for (int64_t h = h0; h < h1; ++h)
          for (int64_t w = w0; w < w1; ++w) {
            double v = x.getDouble(nc * H * W + h * W + w);
            if (v > bestValue || std::isnan(v)) {
              bestValue = v;
              best = h * W + w;
            }
          }
        acc[nc * H * W + best] += dy.getDouble((nc * HO + ho) * WO + wo);
      }
  out = fromAccumulator(x.dtype(), x.shape(), acc);
  return Status::success();
}

// Every cell inside x of a window gets dy / (kh kw): the forward op divides
// by the whole window, padded cells included.
Status avgPool2dGradKernel(const Op &op, const std::vector<const Tensor *> &in,
                           Tensor &out) {
  Status s = expectOperands(op, in, 1, 1);
  if (!s.ok())
    return s;
  const Tensor &dy = *in[0];
  PoolAttrs a;
  int64_t size[2];
  if (!(s = poolAttrs(op, a)).ok() ||
      !(s = pairAttr(op, "input_size", 1, size)).ok() ||
      !(s = needFloat(dy, "dy")).ok())
    return s;
  if (dy.rank() != 4)
    return Status::failure("needs dy [N,C,Ho,Wo], got " + dy.typeString());
  int64_t N = dy.shape()[0], C = dy.shape()[1], H = size[0], W = size[1], HO,
          WO;
  if (!(s = windowOut(H, a.kernel[0], a.stride[0], a.pad[0], 1, "height", HO))
           .ok() ||
      !(s = windowOut(W, a.kernel[1], a.stride[1], a.pad[1], 1, "width", WO))
           .ok() ||
      !(s = expectShape(dy, "dy", {N, C, HO, WO})).ok())
    return s;
  Shape shape = {N, C, H, W};
  if (!(s = checkSize(shape)).ok())
    return s;
  double cells = double(a.kernel[0]) * double(a.kernel[1]);
  std::vector<double> acc(numElements(shape), 0.0);
  for (int64_t nc = 0; nc < N * C; ++nc)
    for (int64_t ho = 0; ho < HO; ++ho)
      for (int64_t wo = 0; wo < WO; ++wo) {
        double d = dy.getDouble((nc * HO + ho) * WO + wo) / cells;
        for (int64_t i = 0; i < a.kernel[0]; ++i) {
          int64_t h = ho * a.stride[0] - a.pad[0] + i;
          if (h < 0 || h >= H)
            continue;
          for (int64_t j = 0; j < a.kernel[1]; ++j) {
            int64_t w = wo * a.stride[1] - a.pad[1] + j;
            if (w >= 0 && w < W)
              acc[(nc * H + h) * W + w] += d;
          }
        }
      }
  out = fromAccumulator(dy.dtype(), shape, acc);
  return Status::success();
}

} // namespace

void registerConvGradKernels(KernelTable &t) {
  t["conv2d_grad_input"] = conv2dGradInputKernel;
  t["conv2d_grad_weight"] = conv2dGradWeightKernel;
  t["max_pool2d_grad"] = maxPool2dGradKernel;
  t["avg_pool2d_grad"] = avgPool2dGradKernel;
}

} // namespace nnc::ref
