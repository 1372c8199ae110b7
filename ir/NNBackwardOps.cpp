//===- NNBackwardOps.cpp - Inference of the conv and pooling gradients ----===//
//
// The backward ops check what their forward op would: the attributes, the
// operands' ranks and dtypes, and that `dy` has the shape the forward result
// has for the given input size. Messages name the forward shapes, since
// that is what a user wrote when one of them is wrong.
//
//===----------------------------------------------------------------------===//

#include "ir/NNInference.h"

using namespace mlir;
using namespace nnc::nn;
using namespace nnc::nn::detail;

namespace {

/// Checks the forward conv's attributes.
LogicalResult checkConvAttrs(const Checker &c, ArrayRef<int64_t> stride,
                             ArrayRef<int64_t> padding,
                             ArrayRef<int64_t> dilation, int64_t groups) {
  if (failed(checkPair(c, "stride", stride, 1)) ||
      failed(checkPair(c, "padding", padding, 0)) ||
      failed(checkPair(c, "dilation", dilation, 1)))
    return failure();
  if (groups < 1)
    return c.error("groups must be >= 1; got " + Twine(groups));
  return success();
}

/// The spatial dims `[Ho, Wo]` of a forward result on `input [N, C, H, W]`
/// with window `kernel` (possibly `?`).
FailureOr<SmallVector<int64_t>>
outputSpatial(const Checker &c, RankedTensorType input,
              ArrayRef<int64_t> kernel, ArrayRef<int64_t> stride,
              ArrayRef<int64_t> padding, ArrayRef<int64_t> dilation) {
  SmallVector<int64_t> dims;
  for (int i = 0; i < 2; ++i) {
    FailureOr<int64_t> d =
        windowDim(c, input, input.getDimSize(2 + i), kernel[i], stride[i],
                  padding[i], dilation[i]);
    if (failed(d))
      return failure();
    dims.push_back(*d);
  }
  return dims;
}

/// `dy` must be compatible with `expected`, the forward result's shape.
LogicalResult checkCotangent(const Checker &c, RankedTensorType dy,
                             ArrayRef<int64_t> expected, const Twine &origin) {
  if (compatibleShapes(dy.getShape(), expected))
    return success();
  return c.error("needs dy " +
                 fmt(RankedTensorType::get(expected, dy.getElementType())) +
                 " (" + origin + "); got " + fmt(dy));
}

} // namespace

FailureOr<Type> Conv2DGradInputOp::inferResultType(Loc loc, Adaptor a) {
  Checker c{loc, "conv2d_grad_input"};
  RankedTensorType dy = c.tensor(a.getDy(), "dy", Dtypes::Float);
  if (!dy)
    return failure();
  RankedTensorType w = c.tensor(a.getW(), "w", Dtypes::Float);
  if (!w || failed(c.sameDtype(dy, w, "dy and w")))
    return failure();
  int64_t groups = a.getGroups();
  if (failed(checkPair(c, "input_size", a.getInputSize(), 1)) ||
      failed(checkConvAttrs(c, a.getStride(), a.getPadding(), a.getDilation(),
                            groups)))
    return failure();
  if (dy.getRank() != 4 || w.getRank() != 4)
    return c.error("needs dy [N, O, Ho, Wo] and w [O, C/groups, kh, kw]; "
                   "got " +
                   fmt(dy) + " and " + fmt(w));
  int64_t out = w.getDimSize(0), inPerGroup = w.getDimSize(1);
  if (!isDyn(out) && out % groups != 0)
    return c.error("needs the output channels " + Twine(out) +
                   " of w to be a multiple of groups = " + Twine(groups));
  int64_t channels = kDyn;
  if (!isDyn(inPerGroup) && llvm::MulOverflow(inPerGroup, groups, channels))
    return c.error("input channels " + Twine(inPerGroup) + " x groups " +
                   Twine(groups) + " overflow");
  ArrayRef<int64_t> size = a.getInputSize();
  auto input = RankedTensorType::get(
      {dy.getDimSize(0), channels, size[0], size[1]}, dy.getElementType());
  FailureOr<SmallVector<int64_t>> spatial =
      outputSpatial(c, input, w.getShape().drop_front(2), a.getStride(),
                    a.getPadding(), a.getDilation());
  if (failed(spatial))
    return failure();
  SmallVector<int64_t> expected = {dy.getDimSize(0), out, (*spatial)[0],
                                   (*spatial)[1]};
  if (failed(checkCotangent(c, dy, expected,
                            "conv2d of x " + fmt(input) + " with w " + fmt(w))))
    return failure();
  return Type(input);
}
NN_INFER_GLUE(Conv2DGradInputOp)

FailureOr<Type> Conv2DGradWeightOp::inferResultType(Loc loc, Adaptor a) {
  Checker c{loc, "conv2d_grad_weight"};
  RankedTensorType x = c.tensor(a.getX(), "x", Dtypes::Float);
  if (!x)
    return failure();
  RankedTensorType dy = c.tensor(a.getDy(), "dy", Dtypes::Float);
  if (!dy || failed(c.sameDtype(x, dy, "x and dy")))
    return failure();
  int64_t groups = a.getGroups();
  if (failed(checkPair(c, "kernel_size", a.getKernelSize(), 1)) ||
      failed(checkConvAttrs(c, a.getStride(), a.getPadding(), a.getDilation(),
                            groups)))
    return failure();
  if (x.getRank() != 4 || dy.getRank() != 4)
    return c.error("needs x [N, C, H, W] and dy [N, O, Ho, Wo]; got " + fmt(x) +
                   " and " + fmt(dy));
  int64_t channels = x.getDimSize(1), out = dy.getDimSize(1);
  if (!isDyn(channels) && channels % groups != 0)
    return c.error("needs the input channels " + Twine(channels) +
                   " of x to be a multiple of groups = " + Twine(groups));
  if (!isDyn(out) && out % groups != 0)
    return c.error("needs the output channels " + Twine(out) +
                   " of dy to be a multiple of groups = " + Twine(groups));
  ArrayRef<int64_t> kernel = a.getKernelSize();
  FailureOr<SmallVector<int64_t>> spatial = outputSpatial(
      c, x, kernel, a.getStride(), a.getPadding(), a.getDilation());
  if (failed(spatial))
    return failure();
  std::optional<int64_t> batch = mergeDim(x.getDimSize(0), dy.getDimSize(0));
  SmallVector<int64_t> expected = {batch.value_or(x.getDimSize(0)), out,
                                   (*spatial)[0], (*spatial)[1]};
  auto weights = RankedTensorType::get(
      {out, isDyn(channels) ? kDyn : channels / groups, kernel[0], kernel[1]},
      x.getElementType());
  if (failed(
          checkCotangent(c, dy, expected,
                         "conv2d of x " + fmt(x) + " with w " + fmt(weights))))
    return failure();
  return Type(weights);
}
NN_INFER_GLUE(Conv2DGradWeightOp)

FailureOr<Type> MaxPool2DGradOp::inferResultType(Loc loc, Adaptor a) {
  Checker c{loc, "max_pool2d_grad"};
  FailureOr<Type> pooled = inferPool(c, a.getX(), Dtypes::Float, a.getKernel(),
                                     a.getStride(), a.getPadding());
  if (failed(pooled))
    return failure();
  auto x = cast<RankedTensorType>(a.getX().getType());
  RankedTensorType dy = c.tensor(a.getDy(), "dy", Dtypes::Float);
  if (!dy || failed(c.sameDtype(x, dy, "x and dy")) ||
      failed(checkCotangent(c, dy, cast<RankedTensorType>(*pooled).getShape(),
                            "max_pool2d of x " + fmt(x))))
    return failure();
  return Type(x);
}
NN_INFER_GLUE(MaxPool2DGradOp)

bool MaxPool2DGradOp::hasDisjointWindows() {
  auto x = dyn_cast<RankedTensorType>(getX().getType());
  ArrayRef<int64_t> kernel = getKernel(), stride = getStride(),
                    padding = getPadding();
  if (!x || x.getRank() != 4 || kernel.size() != 2 || stride != kernel ||
      padding.size() != 2 || padding[0] != 0 || padding[1] != 0)
    return false;
  int64_t h = x.getDimSize(2), w = x.getDimSize(3);
  return !ShapedType::isDynamic(h) && !ShapedType::isDynamic(w) &&
         kernel[0] > 0 && kernel[1] > 0 && h % kernel[0] == 0 &&
         w % kernel[1] == 0 && kernel[0] * kernel[1] <= 16;
}

FailureOr<Type> AvgPool2DGradOp::inferResultType(Loc loc, Adaptor a) {
  Checker c{loc, "avg_pool2d_grad"};
  RankedTensorType dy = c.tensor(a.getDy(), "dy", Dtypes::Float);
  if (!dy || failed(checkPair(c, "input_size", a.getInputSize(), 1)))
    return failure();
  if (dy.getRank() != 4)
    return c.error("needs dy [N, C, Ho, Wo]; got " + fmt(dy));
  ArrayRef<int64_t> size = a.getInputSize();
  auto input = RankedTensorType::get(
      {dy.getDimSize(0), dy.getDimSize(1), size[0], size[1]},
      dy.getElementType());
  ArrayRef<int64_t> kernel = a.getKernel(), stride = a.getStride(),
                    padding = a.getPadding();
  if (failed(checkPoolAttrs(c, kernel, stride, padding)))
    return failure();
  FailureOr<SmallVector<int64_t>> spatial =
      outputSpatial(c, input, kernel, stride, padding, {1, 1});
  if (failed(spatial))
    return failure();
  SmallVector<int64_t> expected = {dy.getDimSize(0), dy.getDimSize(1),
                                   (*spatial)[0], (*spatial)[1]};
  if (failed(checkCotangent(c, dy, expected, "avg_pool2d of x " + fmt(input))))
    return failure();
  return Type(input);
}
NN_INFER_GLUE(AvgPool2DGradOp)
