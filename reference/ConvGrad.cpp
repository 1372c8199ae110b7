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

/// The sizes of a conv2d's taps: the batch, the output channels O, the
/// input channels per group Cg, the input H x W, the output HO x WO and the
/// kernel KH x KW.
struct ConvSizes {
  int64_t N, O, Cg, H, W, HO, WO, KH, KW;
};

/// HO and WO from the window arithmetic; fails unless dy is [N, O, HO, WO].
Status outputSizes(const ConvAttrs &a, const Tensor &dy, ConvSizes &z) {
  Status s;
  if (!(s = windowOut(z.H, z.KH, a.stride[0], a.pad[0], a.dil[0], "height",
                      z.HO))
           .ok() ||
      !(s = windowOut(z.W, z.KW, a.stride[1], a.pad[1], a.dil[1], "width",
                      z.WO))
           .ok())
    return s;
  return expectShape(dy, "dy", {z.N, z.O, z.HO, z.WO});
}

/// Every tap of the conv: for each output cell (n, o, ho, wo) of dy
/// [N, O, HO, WO] and each (c, i, j) of its window whose input cell (h, x)
/// lies inside the input, `f(d, xIndex, wIndex)` with the cell's dy value
/// and the flat indices into x [N, C, H, W] and w [O, Cg, KH, KW].
template <typename F>
void forEachTap(const ConvAttrs &a, const ConvSizes &z, const Tensor &dy,
                F f) {
  int64_t Og = z.O / a.groups, C = z.Cg * a.groups;
  for (int64_t n = 0; n < z.N; ++n)
    for (int64_t o = 0; o < z.O; ++o) {
      int64_t g = o / Og;
      for (int64_t ho = 0; ho < z.HO; ++ho)
        for (int64_t wo = 0; wo < z.WO; ++wo) {
          double d = dy.getDouble(((n * z.O + o) * z.HO + ho) * z.WO + wo);
          for (int64_t c = 0; c < z.Cg; ++c)
            for (int64_t i = 0; i < z.KH; ++i) {
              int64_t h = ho * a.stride[0] - a.pad[0] + i * a.dil[0];
              if (h < 0 || h >= z.H)
                continue;
              for (int64_t j = 0; j < z.KW; ++j) {
                int64_t x = wo * a.stride[1] - a.pad[1] + j * a.dil[1];
                if (x < 0 || x >= z.W)
                  continue;
                f(d, ((n * C + g * z.Cg + c) * z.H + h) * z.W + x,
                  ((o * z.Cg + c) * z.KH + i) * z.KW + j);
              }
            }
        }
    }
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
  ConvSizes z;
  z.N = dy.shape()[0];
  z.O = w.shape()[0];
  z.Cg = w.shape()[1];
  z.KH = w.shape()[2];
  z.KW = w.shape()[3];
  z.H = size[0];
  z.W = size[1];
  if (z.O % a.groups)
    return Status::failure("the output channels of w are not a multiple of "
                           "groups");
  if (!(s = outputSizes(a, dy, z)).ok())
    return s;
  Shape shape = {z.N, z.Cg * a.groups, z.H, z.W};
  if (!(s = checkSize(shape)).ok())
    return s;
  std::vector<double> acc(numElements(shape), 0.0);
  forEachTap(a, z, dy, [&](double d, int64_t xAt, int64_t wAt) {
    acc[xAt] += d * w.getDouble(wAt);
  });
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
  ConvSizes z;
  z.N = x.shape()[0];
  z.H = x.shape()[2];
  z.W = x.shape()[3];
  z.O = dy.shape()[1];
  z.KH = kernel[0];
  z.KW = kernel[1];
  int64_t C = x.shape()[1];
  if (C % a.groups || z.O % a.groups)
    return Status::failure("channels are not multiples of groups");
  z.Cg = C / a.groups;
  if (!(s = outputSizes(a, dy, z)).ok())
    return s;
  Shape shape = {z.O, z.Cg, z.KH, z.KW};
  if (!(s = checkSize(shape)).ok())
    return s;
  std::vector<double> acc(numElements(shape), 0.0);
  forEachTap(a, z, dy, [&](double d, int64_t xAt, int64_t wAt) {
    acc[wAt] += d * x.getDouble(xAt);
  });
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
