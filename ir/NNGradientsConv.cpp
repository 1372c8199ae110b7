//===- NNGradientsConv.cpp - Gradient rules of conv2d and the pools -------===//
//
// conv2d, max_pool2d and avg_pool2d differentiate into the backward ops of
// NNOps.td (conv2d_grad_input, conv2d_grad_weight, max_pool2d_grad,
// avg_pool2d_grad), which carry the forward op's attributes; a bias gets the
// cotangent summed over N, H, W and global_avg_pool spreads it back evenly.
// The backward ops take the input's H, W as attributes, so a rule needs them
// static (as the lowering of the forward op does).
//
//===----------------------------------------------------------------------===//
#include "ir/NNOps.h"
#include "ir/VJPBuilder.h"

#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;
using namespace nnc::nn;

namespace {

/// Builds the nn op `OpTy` with an inferred type; null (the problem already
/// reported at `loc`) when an operand is null or the op does not check.
template <typename OpTy, typename... Args>
Value make(OpBuilder &b, Location loc, Args &&...args) {
  auto op = createChecked<OpTy>(b, loc, std::forward<Args>(args)...);
  return op ? op->getResult(0) : Value();
}

RankedTensorType tensorType(Value v) {
  return cast<RankedTensorType>(v.getType());
}

bool isFloat(Value v) { return isa<FloatType>(tensorType(v).getElementType()); }

/// The static `[H, W]` of `x [N, C, H, W]`, or failure reported at `loc`.
FailureOr<SmallVector<int64_t>> staticSpatial(Location loc, Value x,
                                              StringRef op) {
  RankedTensorType t = tensorType(x);
  if (t.getRank() == 4 && !t.isDynamicDim(2) && !t.isDynamicDim(3))
    return SmallVector<int64_t>{t.getDimSize(2), t.getDimSize(3)};
  return emitError(loc) << "the gradient of '" << op
                        << "' needs the input's H and W static; got "
                        << formatType(t);
}

/// A 0-d float constant of `x`'s dtype.
Value scalarLike(OpBuilder &b, Location loc, Value x, double v) {
  auto t = RankedTensorType::get({}, tensorType(x).getElementType());
  Attribute elt = b.getFloatAttr(t.getElementType(), v);
  return make<ConstantOp>(
      b, loc, cast<ElementsAttr>(DenseElementsAttr::get(t, ArrayRef(elt))));
}

} // namespace

// dx is the transposed convolution of dy with w, dw the correlation of x
// with dy, d bias the sum of dy over all dims but the channel.
LogicalResult Conv2DOp::buildVJP(OpBuilder &b, ArrayRef<Value> ct,
                                 SmallVectorImpl<Value> &out) {
  Location loc = getLoc();
  Value dy = ct[0], x = getX(), w = getW();
  FailureOr<SmallVector<int64_t>> inputSize = staticSpatial(loc, x, "conv2d");
  if (failed(inputSize))
    return failure();
  auto kernel = tensorType(w).getShape().drop_front(2);
  if (ShapedType::isDynamicShape(kernel))
    return mlir::emitError(loc)
           << "the gradient of 'conv2d' needs a static kernel size; got w "
           << formatType(w.getType());
  Value dx =
      make<Conv2DGradInputOp>(b, loc, dy, w, ArrayRef(*inputSize), getStride(),
                              getPadding(), getDilation(), getGroups());
  Value dw = make<Conv2DGradWeightOp>(b, loc, x, dy, kernel, getStride(),
                                      getPadding(), getDilation(), getGroups());
  if (!getBias())
    return finish(out, {{dx, true}, {dw, true}});
  Value db = make<SumOp>(b, loc, dy, ArrayRef<int64_t>{0, 2, 3},
                         /*keepdims=*/false);
  return finish(out, {{dx, true}, {dw, true}, {db, true}});
}

// Integer pooling has no gradient.
LogicalResult MaxPool2DOp::buildVJP(OpBuilder &b, ArrayRef<Value> ct,
                                    SmallVectorImpl<Value> &out) {
  if (!isFloat(getX()))
    return finish(out, {{Value(), false}});
  Value dx = make<MaxPool2DGradOp>(b, getLoc(), getX(), ct[0], getKernel(),
                                   getStride(), getPadding());
  return finish(out, {{dx, true}});
}

LogicalResult AvgPool2DOp::buildVJP(OpBuilder &b, ArrayRef<Value> ct,
                                    SmallVectorImpl<Value> &out) {
  Location loc = getLoc();
  FailureOr<SmallVector<int64_t>> inputSize =
      staticSpatial(loc, getX(), "avg_pool2d");
  if (failed(inputSize))
    return failure();
  Value dx = make<AvgPool2DGradOp>(b, loc, ct[0], ArrayRef(*inputSize),
                                   getKernel(), getStride(), getPadding());
  return finish(out, {{dx, true}});
}

// dx[n, c, h, w] = dy[n, c] / (H W): dy becomes [N, C, 1, 1] (one dim may be
// dynamic), is broadcast to x's shape by `where(true, g, x)` and divided by
// the cell count (summed from ones when H or W is dynamic).
LogicalResult GlobalAvgPoolOp::buildVJP(OpBuilder &b, ArrayRef<Value> ct,
                                        SmallVectorImpl<Value> &out) {
  Location loc = getLoc();
  Value x = getX(), dy = ct[0];
  RankedTensorType xt = tensorType(x);
  SmallVector<int64_t> shape = {xt.getDimSize(0), xt.getDimSize(1), 1, 1};
  if (xt.isDynamicDim(0) && xt.isDynamicDim(1))
    return mlir::emitError(loc)
           << "the gradient of 'global_avg_pool' needs N or C static; got "
           << formatType(xt);
  for (int64_t &d : shape)
    if (ShapedType::isDynamic(d))
      d = -1;
  Value g = make<ReshapeOp>(b, loc, dy, ArrayRef<int64_t>(shape));
  auto trueType = RankedTensorType::get({}, b.getI1Type());
  Value yes = make<ConstantOp>(b, loc,
                               cast<ElementsAttr>(DenseElementsAttr::get(
                                   trueType, ArrayRef<bool>{true})));
  Value spread = g && yes ? make<WhereOp>(b, loc, yes, g, x) : Value();
  Value count;
  if (!xt.isDynamicDim(2) && !xt.isDynamicDim(3)) {
    count = scalarLike(b, loc, x,
                       static_cast<double>(xt.getDimSize(2)) *
                           static_cast<double>(xt.getDimSize(3)));
  } else {
    Value one = scalarLike(b, loc, x, 1);
    Value ones = one && yes ? make<WhereOp>(b, loc, yes, one, x) : Value();
    if (ones)
      count = make<SumOp>(b, loc, ones, ArrayRef<int64_t>{2, 3},
                          /*keepdims=*/true);
  }
  Value dx = spread && count ? make<DivOp>(b, loc, spread, count) : Value();
  return finish(out, {{dx, true}});
}
