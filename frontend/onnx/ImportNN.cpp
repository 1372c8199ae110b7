// ImportNN: ONNX's network layers — Conv, ConvTranspose, pooling,
// BatchNormalization, LayerNormalization and the NegativeLogLikelihoodLoss /
// SoftmaxCrossEntropyLoss losses — on nn.conv2d, the nn pools and
// compositions of elementwise ops and reductions.
#include "frontend/onnx/Importer.h"

#include "ir/NNOps.h"

#include "llvm/ADT/STLExtras.h"

#include <cmath>
#include <limits>
#include <numeric>

namespace nnc::onnximport {

namespace {

/// Per spatial dim: the pads before and after, the extra cells at the end
/// (ceil mode) and the output size of a pool or conv window.
struct Window {
  int64_t before = 0, after = 0, extra = 0, out = 0;
};

/// Output size and padding of a window of `k` cells, dilation `d` and
/// stride `s` over a static dim `in` (ONNX's auto_pad and ceil_mode rules).
std::optional<Window> window(int64_t in, int64_t k, int64_t s, int64_t d,
                             int64_t pb, int64_t pe, llvm::StringRef autoPad,
                             bool ceil) {
  Window w;
  int64_t span = (k - 1) * d + 1;
  if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
    w.out = (in + s - 1) / s;
    int64_t total = std::max<int64_t>((w.out - 1) * s + span - in, 0);
    w.before = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
    w.after = total - w.before;
    return w;
  }
  if (autoPad == "VALID")
    pb = pe = 0;
  w.before = pb;
  w.after = pe;
  int64_t room = in + pb + pe - span;
  if (room < 0)
    return std::nullopt;
  w.out = (ceil ? (room + s - 1) / s : room / s) + 1;
  if (ceil && (w.out - 1) * s >= in + pb)
    --w.out; // the last window must start inside the input or its pad
  w.extra = std::max<int64_t>((w.out - 1) * s + span - (in + pb + pe), 0);
  return w;
}

} // namespace

bool Importer::importPool(llvm::StringRef op) {
  bool isMax = op == "MaxPool";
  if (!(isMax ? checkAttrs({"auto_pad", "ceil_mode", "dilations",
                            "kernel_shape", "pads", "storage_order", "strides"})
              : checkAttrs({"auto_pad", "ceil_mode", "count_include_pad",
                            "kernel_shape", "pads", "strides", "dilations"})))
    return false;
  if (isMax && wantsOutput(1))
    return fail("the Indices output is not supported");
  mlir::Value x = input(0);
  if (!x)
    return false;
  auto type = typeOf(x);
  int64_t rank = type.getRank(), nsp = rank - 2;
  if (nsp < 1 || nsp > 3)
    return fail("needs 1 to 3 spatial dims, got " + nn::formatType(type));
  for (int64_t d = 2; d < rank; ++d)
    if (type.isDynamicDim(d))
      return fail("needs static spatial dims, got " + nn::formatType(type));
  auto k = attrInts("kernel_shape");
  if (!k || int64_t(k->size()) != nsp)
    return fail("needs kernel_shape with one entry per spatial dim");
  std::vector<int64_t>
      s = attrInts("strides").value_or(std::vector<int64_t>(nsp, 1)),
      d = attrInts("dilations").value_or(std::vector<int64_t>(nsp, 1)),
      pads = attrInts("pads").value_or(std::vector<int64_t>(2 * nsp, 0));
  if (int64_t(s.size()) != nsp || int64_t(d.size()) != nsp ||
      int64_t(pads.size()) != 2 * nsp)
    return fail("strides, dilations and pads must match the spatial dims");
  std::string autoPad = attrString("auto_pad", "NOTSET");
  bool ceil = attrInt("ceil_mode", 0);
  bool includePad = attrInt("count_include_pad", 0);
  llvm::SmallVector<Window> ws;
  std::vector<int64_t> before(rank, 0), after(rank, 0), outShape;
  bool dilated = false;
  for (int64_t i = 0; i < nsp; ++i) {
    if ((*k)[i] < 1 || s[i] < 1 || d[i] < 1)
      return fail("kernel_shape, strides and dilations must be positive");
    auto w = window(type.getDimSize(2 + i), (*k)[i], s[i], d[i], pads[i],
                    pads[nsp + i], autoPad, ceil);
    if (!w)
      return fail("the window does not fit " + nn::formatType(type));
    ws.push_back(*w);
    before[2 + i] = w->before;
    after[2 + i] = w->after + w->extra;
    outShape.push_back(w->out);
    dilated |= d[i] != 1;
  }
  // Pad explicitly (-inf or 0), then pool without padding.
  mlir::Type et = typeOf(x).getElementType();
  double padValue = isMax ? -std::numeric_limits<double>::infinity() : 0.0;
  mlir::Value xp = padConstant(x, before, after, padValue);
  if (!xp)
    return false;
  int64_t volume = product(*k);
  mlir::Value y;
  if (nsp <= 2 && !dilated) {
    llvm::SmallVector<int64_t> kernel(k->begin(), k->end()),
        stride(s.begin(), s.end());
    if (nsp == 1) {
      auto pt = typeOf(xp);
      xp = reshape(xp,
                   {pt.getDimSize(0), pt.getDimSize(1), 1, pt.getDimSize(2)});
      kernel.insert(kernel.begin(), 1);
      stride.insert(stride.begin(), 1);
    }
    y = emit(isMax ? "nn.max_pool2d" : "nn.avg_pool2d", {xp},
             {namedI64s("kernel", kernel), namedI64s("stride", stride),
              namedI64s("padding", {0, 0})});
    if (y && nsp == 1)
      y = reshape(y, {type.getDimSize(0), type.getDimSize(1), outShape[0]});
  } else {
    // Dilated or 3-D windows: combine one strided slice per kernel cell.
    if (volume > 64)
      return fail("a dilated or 3-D window of " + std::to_string(volume) +
                  " cells is too large (at most 64)");
    for (int64_t cell = 0; cell < volume; ++cell) {
      mlir::Value part = xp;
      for (int64_t i = nsp - 1, rest = cell; i >= 0; --i) {
        int64_t o = (rest % (*k)[i]) * d[i];
        rest /= (*k)[i];
        part = slice(part, 2 + i, o, o + (outShape[i] - 1) * s[i] + 1, s[i]);
      }
      y = !y ? part : emit(isMax ? "nn.maximum" : "nn.add", {y, part});
      if (!y)
        return false;
    }
    if (!isMax)
      y = emit("nn.div", {y, scalar(et, volume)});
  }
  if (!y || isMax)
    return define(y);
  // nn.avg_pool2d divides by the whole window; ONNX divides by the cells
  // inside the input (or inside input and pads, with count_include_pad).
  std::vector<double> scale(product(outShape), 1.0);
  bool uniform = true;
  for (int64_t flat = 0; flat < int64_t(scale.size()); ++flat) {
    int64_t count = 1;
    for (int64_t i = nsp - 1, rest = flat; i >= 0; --i) {
      int64_t o = rest % outShape[i];
      rest /= outShape[i];
      int64_t lo = includePad ? -ws[i].before : 0;
      int64_t hi = type.getDimSize(2 + i) + (includePad ? ws[i].after : 0);
      int64_t n = 0;
      for (int64_t j = 0; j < (*k)[i]; ++j) {
        int64_t at = o * s[i] - ws[i].before + j * d[i];
        n += at >= lo && at < hi;
      }
      count *= n;
    }
    scale[flat] = count ? double(volume) / count : 0.0;
    uniform &= count == volume;
  }
  if (uniform)
    return define(y);
  Host h;
  h.shape.assign(outShape.begin(), outShape.end());
  h.dtype = et;
  h.f = scale;
  return define(emit("nn.mul", {y, constant(fromHost(h))}));
}

bool Importer::importConv(bool transposed) {
  if (!checkAttrs(
          transposed
              ? std::initializer_list<llvm::StringRef>{"auto_pad", "dilations",
                                                       "group", "kernel_shape",
                                                       "output_padding",
                                                       "output_shape", "pads",
                                                       "strides"}
              : std::initializer_list<llvm::StringRef>{"auto_pad", "dilations",
                                                       "group", "kernel_shape",
                                                       "pads", "strides"}))
    return false;
  mlir::Value x = input(0);
  mlir::Value w = x ? input(1) : x;
  mlir::Value bias;
  if (!w || (hasInput(2) && !(bias = input(2))))
    return false;
  auto xt = typeOf(x), wt = typeOf(w);
  int64_t nsp = xt.getRank() - 2;
  if (nsp != 1 && nsp != 2)
    return fail("needs 1 or 2 spatial dims, got " + nn::formatType(xt));
  if (wt.getRank() != xt.getRank() || !wt.hasStaticShape())
    return fail("needs weights of the input's rank with a static shape, got " +
                nn::formatType(wt));
  for (int64_t d = 2; d < xt.getRank(); ++d)
    if (xt.isDynamicDim(d))
      return fail("needs static spatial dims, got " + nn::formatType(xt));
  std::vector<int64_t> k(wt.getShape().drop_front(2));
  if (auto ks = attrInts("kernel_shape"); ks && *ks != k)
    return fail("kernel_shape does not match the weights");
  std::vector<int64_t>
      s = attrInts("strides").value_or(std::vector<int64_t>(nsp, 1)),
      d = attrInts("dilations").value_or(std::vector<int64_t>(nsp, 1)),
      pads = attrInts("pads").value_or(std::vector<int64_t>(2 * nsp, 0)),
      outPad =
          attrInts("output_padding").value_or(std::vector<int64_t>(nsp, 0));
  if (int64_t(s.size()) != nsp || int64_t(d.size()) != nsp ||
      int64_t(pads.size()) != 2 * nsp || int64_t(outPad.size()) != nsp)
    return fail("strides, dilations, pads and output_padding must match the "
                "spatial dims");
  int64_t groups = attrInt("group", 1);
  std::string autoPad = attrString("auto_pad", "NOTSET");
  for (int64_t i = 0; i < nsp; ++i)
    if (s[i] < 1 || d[i] < 1 || outPad[i] < 0)
      return fail("strides and dilations must be positive");
  if (nsp == 1) {
    // 1-D as 2-D with a height of 1.
    x = reshape(x, {xt.isDynamicDim(0) ? -1 : xt.getDimSize(0),
                    xt.getDimSize(1), 1, xt.getDimSize(2)});
    w = reshape(w, {wt.getDimSize(0), wt.getDimSize(1), 1, wt.getDimSize(2)});
    for (auto *v : {&k, &s, &d})
      v->insert(v->begin(), 1);
    outPad.insert(outPad.begin(), 0);
    pads = {0, pads[0], 0, pads[1]};
  }
  int64_t n = xt.isDynamicDim(0) ? -1 : xt.getDimSize(0);
  llvm::SmallVector<int64_t> spatial(typeOf(x).getShape().drop_front(2));
  mlir::Value y;
  if (!transposed) {
    std::vector<int64_t> before(4, 0), after(4, 0);
    bool symmetric = true;
    for (int i = 0; i < 2; ++i) {
      auto win = window(spatial[i], k[i], s[i], d[i], pads[i], pads[2 + i],
                        autoPad, false);
      if (!win)
        return fail("the kernel does not fit " + nn::formatType(xt));
      before[2 + i] = win->before;
      after[2 + i] = win->after;
      symmetric &= win->before == win->after;
    }
    llvm::SmallVector<int64_t> padding = {before[2], before[3]};
    if (!symmetric) {
      x = padConstant(x, before, after, 0.0);
      padding = {0, 0};
    }
    llvm::SmallVector<mlir::Value> operands = {x, w};
    if (bias)
      operands.push_back(bias);
    y = x ? emit("nn.conv2d", operands,
                 {namedI64s("stride", s), namedI64s("padding", padding),
                  namedI64s("dilation", d), namedI64("groups", groups)})
          : x;
  } else {
    // The transposed convolution is conv2d's input gradient: computed
    // unpadded over `before + size` rows, then cropped to the output.
    auto outShape = attrInts("output_shape");
    llvm::SmallVector<int64_t> size, start, length;
    for (int i = 0; i < 2; ++i) {
      int64_t full =
          s[i] * (spatial[i] - 1) + outPad[i] + (k[i] - 1) * d[i] + 1;
      int64_t pb = pads[i], pe = pads[2 + i];
      int64_t j = int64_t(i) - (2 - int64_t(outShape ? outShape->size() : 0));
      if (outShape || autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
        int64_t out =
            outShape ? (j >= 0 ? (*outShape)[j] : 1) : spatial[i] * s[i];
        int64_t total = full - out;
        pb = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
        if (total < 0)
          pb = 0;
        pe = full - out - pb;
      }
      int64_t out = full - pb - pe;
      if (pb < 0 || out < 1)
        return fail("pads do not fit the output");
      // conv2d over `rows` must give the input's size back: rows within
      // [lo, lo + stride - 1]; rows past the full output are zeros.
      int64_t lo = full - outPad[i];
      int64_t rows = std::max(pb + out, lo);
      if (rows > lo + s[i] - 1)
        return fail("output_padding or output_shape is too large for the "
                    "strides");
      size.push_back(rows);
      start.push_back(pb);
      length.push_back(out);
    }
    y = emit("nn.conv2d_grad_input", {x, w},
             {namedI64s("input_size", size), namedI64s("stride", s),
              namedI64s("padding", {0, 0}), namedI64s("dilation", d),
              namedI64("groups", groups)});
    for (int i = 0; y && i < 2; ++i)
      if (start[i] > 0 || length[i] < size[i])
        y = slice(y, 2 + i, start[i], start[i] + length[i]);
    if (y && bias)
      y = emit("nn.add", {y, reshape(bias, {typeOf(y).getDimSize(1), 1, 1})});
  }
  if (y && nsp == 1) {
    auto yt = typeOf(y);
    y = reshape(y, {n, yt.getDimSize(1), yt.getDimSize(3)});
  }
  return define(y);
}

bool Importer::importNLL(mlir::Value logProb, mlir::Value target,
                         mlir::Value weight,
                         llvm::SmallVectorImpl<mlir::Value> &outs) {
  // loss[n, d...] = -logProb[n, target[n, d...], d...] * weight[target],
  // picked with a one-hot mask over the class axis 1.
  auto xt = typeOf(logProb);
  int64_t rank = xt.getRank();
  if (rank < 2 || xt.isDynamicDim(1))
    return fail("needs input [N, C, ...] with a static C, got " +
                nn::formatType(xt));
  int64_t classes = xt.getDimSize(1);
  mlir::Type et = xt.getElementType(), i64 = builder.getI64Type();
  std::string reduction = attrString("reduction", "mean");
  if (reduction != "none" && reduction != "sum" && reduction != "mean")
    return fail("unsupported attribute value reduction=" + reduction);
  auto tt = typeOf(target);
  if (tt.getRank() != rank - 1)
    return fail("needs target of rank " + std::to_string(rank - 1) + ", got " +
                nn::formatType(tt));
  llvm::SmallVector<int64_t> unsq;
  for (int64_t d : tt.getShape())
    unsq.push_back(d == mlir::ShapedType::kDynamic ? -1 : d);
  unsq.insert(unsq.begin() + 1, 1);
  std::vector<int64_t> iota(classes), iotaShape(rank, 1);
  std::iota(iota.begin(), iota.end(), 0);
  iotaShape[1] = classes;
  mlir::Value t = cast(target, i64);
  mlir::Value hot = compare("eq", reshape(t, unsq), i64s(iota, iotaShape));
  mlir::Value zero = scalar(et, 0);
  mlir::Value picked =
      hot ? reduce("nn.sum", emit("nn.where", {hot, logProb, zero}), {1}, false)
          : hot;
  mlir::Value loss = picked ? emit("nn.neg", {picked}) : picked;
  // The weight of each element: weight[target], 0 where ignored.
  mlir::Value wt;
  if (weight) {
    llvm::SmallVector<int64_t> wshape(rank, 1);
    wshape[1] = classes;
    wt =
        reduce("nn.sum", emit("nn.where", {hot, reshape(weight, wshape), zero}),
               {1}, false);
  }
  if (const auto *ii = attr("ignore_index")) {
    mlir::Value keep = compare("ne", t, scalar(i64, ii->i()));
    wt = wt ? emit("nn.where", {keep, wt, zero}) : cast(keep, et);
  }
  if (!loss)
    return false;
  if (wt)
    loss = emit("nn.mul", {loss, wt});
  if (!loss)
    return false;
  if (reduction == "none") {
    outs.push_back(loss);
    return true;
  }
  llvm::SmallVector<int64_t> all(rank - 1);
  std::iota(all.begin(), all.end(), 0);
  if (reduction == "mean" && !wt) {
    outs.push_back(reduce("nn.mean", loss, all, false));
    return bool(outs.back());
  }
  mlir::Value sum = reduce("nn.sum", loss, all, false);
  if (reduction == "mean")
    sum = emit("nn.div", {sum, reduce("nn.sum", wt, all, false)});
  outs.push_back(sum);
  return bool(sum);
}

bool Importer::importResize() {
  if (opset < 11)
    return fail("Resize before opset 11 is not supported");
  if (!checkAttrs({"coordinate_transformation_mode", "cubic_coeff_a",
                   "exclude_outside", "extrapolation_value", "mode",
                   "nearest_mode"}))
    return false;
  mlir::Value x = input(0);
  if (!x)
    return false;
  auto xt = typeOf(x);
  int64_t rank = xt.getRank();
  if (!needStatic(xt, "Resize"))
    return false;
  std::string mode = attrString("mode", "nearest");
  std::string coord =
      attrString("coordinate_transformation_mode", "half_pixel");
  std::string nearest = attrString("nearest_mode", "round_prefer_floor");
  if (mode != "nearest" && mode != "linear" && mode != "cubic")
    return fail("unsupported attribute value mode=" + mode);
  if (!llvm::is_contained({"half_pixel", "pytorch_half_pixel", "align_corners",
                           "asymmetric", "tf_half_pixel_for_nn"},
                          coord))
    return fail("unsupported attribute value coordinate_transformation_mode=" +
                coord);
  // Output sizes and scales: `sizes` (known or declared) or known `scales`.
  std::vector<int64_t> out(rank);
  std::vector<double> scale(rank);
  if (hasInput(3)) {
    std::vector<int64_t> sizes;
    if (known(3)) {
      auto c = constInput(3);
      if (!c)
        return false;
      sizes = *c;
    } else if (auto d = declaredShape(node->output(0))) {
      sizes.assign(d->begin(), d->end());
    } else {
      return constInput(3).has_value();
    }
    if (int64_t(sizes.size()) != rank)
      return fail("sizes must have one entry per dim");
    for (int64_t i = 0; i < rank; ++i) {
      out[i] = sizes[i];
      scale[i] = double(sizes[i]) / xt.getDimSize(i);
    }
  } else if (const Tensor *t = hasInput(2) ? known(2) : nullptr) {
    Host h = toHost(*t);
    if (h.size() != rank)
      return fail("scales must have one entry per dim");
    for (int64_t i = 0; i < rank; ++i) {
      scale[i] = h.at(i);
      out[i] = int64_t(std::floor(xt.getDimSize(i) * scale[i]));
    }
  } else {
    return fail("scales computed at run time are not supported (constant "
                "scales, or sizes known or declared, are)");
  }
  for (int64_t i = 0; i + 2 < rank; ++i)
    if (out[i] != xt.getDimSize(i) || scale[i] != 1)
      return fail("resizes only the last two dims");
  double a = attrFloat("cubic_coeff_a", -0.75f);
  bool exclude = attrInt("exclude_outside", 0);
  // Each resized dim is a matrix [out, in] of interpolation weights.
  mlir::Value y = x;
  for (int64_t i = std::max<int64_t>(rank - 2, 0); i < rank; ++i) {
    int64_t in = xt.getDimSize(i), n = out[i];
    if (n == in && scale[i] == 1)
      continue;
    if (n < 1)
      return fail("resizes a dim to " + std::to_string(n));
    Host m;
    m.shape = {n, in};
    m.dtype = xt.getElementType();
    m.f.assign(n * in, 0.0);
    for (int64_t o = 0; o < n; ++o) {
      double s = scale[i], src;
      if (coord == "half_pixel")
        src = (o + 0.5) / s - 0.5;
      else if (coord == "pytorch_half_pixel")
        src = n > 1 ? (o + 0.5) / s - 0.5 : 0;
      else if (coord == "align_corners")
        src = n == 1 ? 0 : double(o) * (in - 1) / (n - 1);
      else if (coord == "asymmetric")
        src = o / s;
      else
        src = (o + 0.5) / s;
      auto clampIdx = [&](int64_t j) {
        return std::clamp<int64_t>(j, 0, in - 1);
      };
      double *row = &m.f[o * in];
      if (mode == "nearest") {
        double fl = std::floor(src), frac = src - fl;
        int64_t j;
        if (nearest == "floor")
          j = int64_t(fl);
        else if (nearest == "ceil")
          j = int64_t(std::ceil(src));
        else if (nearest == "round_prefer_ceil")
          j = int64_t(frac == 0.5 ? fl + 1 : std::round(src));
        else if (nearest == "round_prefer_floor")
          j = int64_t(frac == 0.5 ? fl : std::round(src));
        else
          return fail("unsupported attribute value nearest_mode=" + nearest);
        row[clampIdx(j)] = 1;
      } else if (mode == "linear") {
        src = std::clamp(src, 0.0, double(in - 1));
        int64_t j = int64_t(std::floor(src));
        double r = src - j;
        row[clampIdx(j)] += 1 - r;
        row[clampIdx(j + 1)] += r;
      } else {
        int64_t j = int64_t(std::floor(src));
        double r = src - j;
        double c[4] = {
            ((a * (r + 1) - 5 * a) * (r + 1) + 8 * a) * (r + 1) - 4 * a,
            ((a + 2) * r - (a + 3)) * r * r + 1,
            ((a + 2) * (1 - r) - (a + 3)) * (1 - r) * (1 - r) + 1,
            ((a * (2 - r) - 5 * a) * (2 - r) + 8 * a) * (2 - r) - 4 * a};
        double total = 0;
        for (int t = 0; t < 4; ++t) {
          int64_t k = j - 1 + t;
          if (exclude && (k < 0 || k >= in))
            c[t] = 0;
          total += c[t];
        }
        for (int t = 0; t < 4; ++t)
          row[clampIdx(j - 1 + t)] += exclude ? c[t] / total : c[t];
      }
    }
    mlir::Value w = constant(fromHost(m));
    if (i == rank - 2 && rank >= 2)
      y = emit("nn.matmul", {w, y});
    else if (w)
      y = emit("nn.matmul", {y, transpose(w, {1, 0})});
    if (!y)
      return false;
  }
  return define(y);
}

std::optional<bool> Importer::importNNOp(llvm::StringRef op) {
  if (op == "Resize")
    return importResize();
  if (op == "MaxPool" || op == "AveragePool")
    return importPool(op);
  if (op == "Conv" || op == "ConvTranspose")
    return importConv(op == "ConvTranspose");

  if (op == "GlobalAveragePool" || op == "GlobalMaxPool") {
    mlir::Value x = checkAttrs({}) ? input(0) : mlir::Value();
    if (!x)
      return false;
    int64_t rank = typeOf(x).getRank();
    if (rank < 3)
      return fail("needs [N, C, ...], got " + nn::formatType(typeOf(x)));
    std::vector<int64_t> axes(rank - 2);
    std::iota(axes.begin(), axes.end(), 2);
    return define(
        reduce(op == "GlobalMaxPool" ? "nn.max" : "nn.mean", x, axes, true));
  }

  if (op == "BatchNormalization") {
    if (opset < 7
            ? !checkAttrs({"epsilon", "momentum", "is_test", "spatial"})
            : !checkAttrs({"epsilon", "momentum", "spatial", "training_mode"}))
      return false;
    if (!attrInt("spatial", 1))
      return fail("unsupported attribute value spatial=0");
    bool training =
        opset >= 14 ? attrInt("training_mode", 0)
                    : (opset < 7 && !attrInt("is_test", 0)) || wantsOutput(1);
    llvm::SmallVector<mlir::Value> in;
    for (int i = 0; i < 5; ++i)
      if (mlir::Value v = input(i))
        in.push_back(v);
      else
        return false;
    double eps = attrFloat("epsilon", 1e-5f);
    double momentum = attrFloat("momentum", 0.9f);
    if (!training)
      return define(emit("nn.batch_norm", in,
                         {named("momentum", builder.getF64FloatAttr(0.1)),
                          named("eps", builder.getF64FloatAttr(eps)),
                          named("training", builder.getBoolAttr(false))}));
    if (opset < 14)
      return fail("training-mode BatchNormalization needs opset 14+");
    // Batch statistics (biased variance) normalize; the running statistics
    // move toward them by 1 - momentum.
    auto xt = typeOf(in[0]);
    int64_t rank = xt.getRank();
    if (rank < 2 || xt.isDynamicDim(1))
      return fail("needs [N, C, ...] with a static C");
    std::vector<int64_t> axes = {0}, cshape(rank, 1);
    for (int64_t a = 2; a < rank; ++a)
      axes.push_back(a);
    cshape[1] = xt.getDimSize(1);
    mlir::Type et = xt.getElementType();
    mlir::Value mean = reduce("nn.mean", in[0], axes, true);
    mlir::Value dev = mean ? emit("nn.sub", {in[0], mean}) : mean;
    mlir::Value var =
        dev ? reduce("nn.mean", emit("nn.mul", {dev, dev}), axes, true) : dev;
    mlir::Value inv =
        var ? emit("nn.rsqrt", {emit("nn.add", {var, scalar(et, eps)})}) : var;
    mlir::Value y = inv ? emit("nn.mul", {dev, inv}) : inv;
    y = y ? emit("nn.mul", {y, reshape(in[1], cshape)}) : y;
    y = y ? emit("nn.add", {y, reshape(in[2], cshape)}) : y;
    auto running = [&](mlir::Value old, mlir::Value batch) -> mlir::Value {
      mlir::Value b = reshape(batch, {xt.getDimSize(1)});
      return b ? emit("nn.add", {emit("nn.mul", {old, scalar(et, momentum)}),
                                 emit("nn.mul", {b, scalar(et, 1 - momentum)})})
               : b;
    };
    mlir::Value rm = y && wantsOutput(1) ? running(in[3], mean) : mlir::Value();
    mlir::Value rv = y && wantsOutput(2) ? running(in[4], var) : mlir::Value();
    if (!y || (wantsOutput(1) && !rm) || (wantsOutput(2) && !rv))
      return false;
    return defineAll({y, rm, rv});
  }

  if (op == "LayerNormalization") {
    if (!checkAttrs({"axis", "epsilon", "stash_type"}))
      return false;
    mlir::Value x = input(0);
    mlir::Value scale = x ? input(1) : x;
    mlir::Value bias;
    if (!scale || (hasInput(2) && !(bias = input(2))))
      return false;
    auto xt = typeOf(x);
    int64_t rank = xt.getRank();
    auto a = axis(attrInt("axis", -1), rank);
    if (!a)
      return false;
    double eps = attrFloat("epsilon", 1e-5f);
    mlir::Type et = xt.getElementType();
    llvm::ArrayRef<int64_t> normShape = xt.getShape().drop_front(*a);
    bool exact = typeOf(scale).getShape() == normShape &&
                 (!bias || typeOf(bias).getShape() == normShape);
    if (!wantsOutput(1) && !wantsOutput(2) && exact && bias)
      return define(emit(
          "nn.layer_norm", {x, scale, bias},
          {namedI64("axis", *a), named("eps", builder.getF64FloatAttr(eps))}));
    // With the Mean / InvStdDev outputs (or a broadcast scale), composed;
    // stash_type 1 computes in f32.
    mlir::Type st = attrInt("stash_type", 1) == 1 ? builder.getF32Type() : et;
    std::vector<int64_t> axes;
    for (int64_t d = *a; d < rank; ++d)
      axes.push_back(d);
    mlir::Value xs = cast(x, st);
    mlir::Value mean = reduce("nn.mean", xs, axes, true);
    mlir::Value dev = mean ? emit("nn.sub", {xs, mean}) : mean;
    mlir::Value var =
        dev ? reduce("nn.mean", emit("nn.mul", {dev, dev}), axes, true) : dev;
    mlir::Value inv =
        var ? emit("nn.rsqrt", {emit("nn.add", {var, scalar(st, eps)})}) : var;
    mlir::Value y = inv ? cast(emit("nn.mul", {dev, inv}), et) : inv;
    y = y ? emit("nn.mul", {y, scale}) : y;
    if (y && bias)
      y = emit("nn.add", {y, bias});
    if (!y)
      return false;
    return defineAll({y, mean, inv});
  }

  if (op == "NegativeLogLikelihoodLoss" || op == "SoftmaxCrossEntropyLoss") {
    // Both: scores, targets and optional class weights; the softmax form
    // takes logits (their log_softmax is its second output).
    if (!checkAttrs({"ignore_index", "reduction"}))
      return false;
    mlir::Value x = input(0);
    mlir::Value t = x ? input(1) : x;
    mlir::Value w;
    if (!t || (hasInput(2) && !(w = input(2))))
      return false;
    bool softmax = op == "SoftmaxCrossEntropyLoss";
    mlir::Value logProb =
        softmax ? emit("nn.log_softmax", {x}, {namedI64("axis", 1)}) : x;
    llvm::SmallVector<mlir::Value> outs;
    if (!logProb || !importNLL(logProb, t, w, outs))
      return false;
    if (softmax)
      outs.push_back(logProb);
    return defineAll(outs);
  }

  return std::nullopt;
}

} // namespace nnc::onnximport
