//===- NNGradients.cpp - Gradient rules of the nn ops (VJPs in nn ops) ----===//
//
// Each differentiable op states its vector-Jacobian product here, once, in nn
// ops built with inferred types, so dynamic dims flow through. Broadcasting
// operands get the cotangent summed back to their shape (`sumTo`).
//
//===----------------------------------------------------------------------===//
#include "ir/NNOps.h"
#include "ir/VJPBuilder.h"

#include "mlir/IR/BuiltinAttributes.h"

#include <cmath>

using namespace mlir;
using namespace nnc::nn;

#include "ir/NNInterfaces.cpp.inc"

namespace {

SmallVector<int64_t> allAxes(int64_t rank) {
  return llvm::to_vector(llvm::seq<int64_t>(0, rank));
}

bool isFloat(Value v) {
  return isa<FloatType>(cast<ShapedType>(v.getType()).getElementType());
}

} // namespace

// Elementwise binary ops. Integer operands have no gradient.

LogicalResult AddOp::buildVJP(OpBuilder &b, ArrayRef<Value> ct,
                              SmallVectorImpl<Value> &out) {
  VJPBuilder v{b, getLoc()};
  bool f = isFloat(getResult());
  return finish(out, {{f ? v.sumTo(ct[0], getLhs()) : Value(), f},
                      {f ? v.sumTo(ct[0], getRhs()) : Value(), f}});
}

LogicalResult SubOp::buildVJP(OpBuilder &b, ArrayRef<Value> ct,
                              SmallVectorImpl<Value> &out) {
  VJPBuilder v{b, getLoc()};
  bool f = isFloat(getResult());
  return finish(out, {{f ? v.sumTo(ct[0], getLhs()) : Value(), f},
                      {f ? v.sumTo(v.neg(ct[0]), getRhs()) : Value(), f}});
}

LogicalResult MulOp::buildVJP(OpBuilder &b, ArrayRef<Value> ct,
                              SmallVectorImpl<Value> &out) {
  VJPBuilder v{b, getLoc()};
  bool f = isFloat(getResult());
  return finish(out,
                {{f ? v.sumTo(v.mul(ct[0], getRhs()), getLhs()) : Value(), f},
                 {f ? v.sumTo(v.mul(ct[0], getLhs()), getRhs()) : Value(), f}});
}

// d(l / r) = g / r, -g * (l / r) / r.
LogicalResult DivOp::buildVJP(OpBuilder &b, ArrayRef<Value> ct,
                              SmallVectorImpl<Value> &out) {
  VJPBuilder v{b, getLoc()};
  bool f = isFloat(getResult());
  if (!f)
    return finish(out, {{Value(), false}, {Value(), false}});
  Value dl = v.sumTo(v.div(ct[0], getRhs()), getLhs());
  Value dr =
      v.sumTo(v.neg(v.div(v.mul(ct[0], getResult()), getRhs())), getRhs());
  return finish(out, {{dl, true}, {dr, true}});
}

// A comparison is piecewise constant: zero gradient, stated as none.
LogicalResult CompareOp::buildVJP(OpBuilder &, ArrayRef<Value>,
                                  SmallVectorImpl<Value> &out) {
  return finish(out, {{Value(), false}, {Value(), false}});
}

// Elementwise unary ops, written with the result `y` where that is cheaper.

LogicalResult NegOp::buildVJP(OpBuilder &b, ArrayRef<Value> ct,
                              SmallVectorImpl<Value> &out) {
  VJPBuilder v{b, getLoc()};
  bool f = isFloat(getResult());
  return finish(out, {{f ? v.neg(ct[0]) : Value(), f}});
}

LogicalResult ExpOp::buildVJP(OpBuilder &b, ArrayRef<Value> ct,
                              SmallVectorImpl<Value> &out) {
  VJPBuilder v{b, getLoc()};
  return finish(out, {{v.mul(ct[0], getResult()), true}});
}

LogicalResult LogOp::buildVJP(OpBuilder &b, ArrayRef<Value> ct,
                              SmallVectorImpl<Value> &out) {
  VJPBuilder v{b, getLoc()};
  return finish(out, {{v.div(ct[0], getX()), true}});
}

// d sqrt(x) = g / (2 y).
LogicalResult SqrtOp::buildVJP(OpBuilder &b, ArrayRef<Value> ct,
                               SmallVectorImpl<Value> &out) {
  VJPBuilder v{b, getLoc()};
  Value y = getResult();
  return finish(out, {{v.div(ct[0], v.mul(y, v.scalarLike(y, 2))), true}});
}

// d x^(-1/2) = -0.5 x^(-3/2) = -0.5 y^3.
LogicalResult RsqrtOp::buildVJP(OpBuilder &b, ArrayRef<Value> ct,
                                SmallVectorImpl<Value> &out) {
  VJPBuilder v{b, getLoc()};
  Value y = getResult();
  Value y3 = v.mul(v.mul(y, y), y);
  return finish(out, {{v.mul(ct[0], v.mul(y3, v.scalarLike(y, -0.5))), true}});
}

// d tanh = 1 - y^2.
LogicalResult TanhOp::buildVJP(OpBuilder &b, ArrayRef<Value> ct,
                               SmallVectorImpl<Value> &out) {
  VJPBuilder v{b, getLoc()};
  Value y = getResult();
  return finish(out,
                {{v.mul(ct[0], v.sub(v.scalarLike(y, 1), v.mul(y, y))), true}});
}

// d sigmoid = y (1 - y).
LogicalResult SigmoidOp::buildVJP(OpBuilder &b, ArrayRef<Value> ct,
                                  SmallVectorImpl<Value> &out) {
  VJPBuilder v{b, getLoc()};
  Value y = getResult();
  return finish(out,
                {{v.mul(ct[0], v.mul(y, v.sub(v.scalarLike(y, 1), y))), true}});
}

// The gradient passes where x > 0 (0 at x = 0, as PyTorch). It tests the
// result, y > 0 exactly where x > 0 (NaN and -0 included), because the
// backward keeps y anyway (the next layer's weight gradient reads it) and x
// need then never be stored.
LogicalResult ReluOp::buildVJP(OpBuilder &b, ArrayRef<Value> ct,
                               SmallVectorImpl<Value> &out) {
  VJPBuilder v{b, getLoc()};
  Value y = getResult();
  Value zero = v.scalarLike(y, 0);
  Value positive = zero ? v.make<CompareOp>(StringRef("gt"), y, zero) : Value();
  return finish(out, {{v.where(positive, ct[0], zero), true}});
}

LogicalResult WhereOp::buildVJP(OpBuilder &b, ArrayRef<Value> ct,
                                SmallVectorImpl<Value> &out) {
  VJPBuilder v{b, getLoc()};
  bool f = isFloat(getResult());
  if (!f)
    return finish(out, {{Value(), false}, {Value(), false}, {Value(), false}});
  Value zero = v.scalarLike(ct[0], 0);
  Value dl = v.sumTo(v.where(getCond(), ct[0], zero), getLhs());
  Value dr = v.sumTo(v.where(getCond(), zero, ct[0]), getRhs());
  return finish(out, {{Value(), false}, {dl, true}, {dr, true}});
}

// Between float types the gradient is cast back; from integers there is none.
LogicalResult CastOp::buildVJP(OpBuilder &b, ArrayRef<Value> ct,
                               SmallVectorImpl<Value> &out) {
  bool f = isFloat(getX()) && isFloat(getResult());
  Value g;
  if (f)
    g = CastOp::create(b, getLoc(), ct[0], getX().getType().getElementType())
            .getResult();
  return finish(out, {{g, f}});
}

// Reductions: the cotangent spreads back over the reduced axes.

static SmallVector<int64_t> reducedAxes(ArrayRef<int64_t> axes, int64_t rank) {
  return axes.empty() ? allAxes(rank) : SmallVector<int64_t>(axes);
}

LogicalResult SumOp::buildVJP(OpBuilder &b, ArrayRef<Value> ct,
                              SmallVectorImpl<Value> &out) {
  VJPBuilder v{b, getLoc()};
  bool f = isFloat(getResult());
  auto axes = reducedAxes(getAxes(), getX().getType().getRank());
  return finish(
      out, {{f ? v.unreduce(ct[0], getX(), axes, getKeepdims()) : Value(), f}});
}

LogicalResult MeanOp::buildVJP(OpBuilder &b, ArrayRef<Value> ct,
                               SmallVectorImpl<Value> &out) {
  VJPBuilder v{b, getLoc()};
  auto axes = reducedAxes(getAxes(), getX().getType().getRank());
  Value spread = v.unreduce(ct[0], getX(), axes, getKeepdims());
  return finish(out, {{v.div(spread, v.count(getX(), axes)), true}});
}

// Normalizations along one axis.

static int64_t normalizeAxis(int64_t axis, int64_t rank) {
  return axis < 0 ? axis + rank : axis;
}

// dx = y * (g - sum(g * y, axis)).
LogicalResult SoftmaxOp::buildVJP(OpBuilder &b, ArrayRef<Value> ct,
                                  SmallVectorImpl<Value> &out) {
  VJPBuilder v{b, getLoc()};
  Value y = getResult();
  int64_t axis = normalizeAxis(getAxis(), getX().getType().getRank());
  Value s = v.sum(v.mul(ct[0], y), {axis}, true);
  return finish(out, {{v.mul(y, v.sub(ct[0], s)), true}});
}

// dx = g - exp(y) * sum(g, axis).
LogicalResult LogSoftmaxOp::buildVJP(OpBuilder &b, ArrayRef<Value> ct,
                                     SmallVectorImpl<Value> &out) {
  VJPBuilder v{b, getLoc()};
  int64_t axis = normalizeAxis(getAxis(), getX().getType().getRank());
  Value s = v.sum(ct[0], {axis}, true);
  return finish(out, {{v.sub(ct[0], v.mul(v.exp(getResult()), s)), true}});
}

// d(A @ B) = g @ B^T, A^T @ g, batch dims summed back. Rank-1 operands
// (promoted by matmul) are not handled yet. A 2-D B under a batched A (a
// dense layer applied to [B, T, K] activations) gets its gradient from one
// 2-D product over all rows, A as [B*T, K] and g as [B*T, N] (reshapes of
// contiguous tensors: views), rather than one [K, N] product per batch
// that a sum then folds: the per-batch products would be written and read
// back once each, B times the weight's size.
LogicalResult MatmulOp::buildVJP(OpBuilder &b, ArrayRef<Value> ct,
                                 SmallVectorImpl<Value> &out) {
  VJPBuilder v{b, getLoc()};
  Value a = getLhs(), bm = getRhs();
  bool f = isFloat(getResult());
  if (!f)
    return finish(out, {{Value(), false}, {Value(), false}});
  int64_t ra = VJPBuilder::type(a).getRank(),
          rb = VJPBuilder::type(bm).getRank();
  if (ra < 2 || rb < 2)
    return mlir::emitError(getLoc())
           << "no gradient for 'matmul' with a rank-1 operand yet";
  auto swapLast = [](int64_t rank) {
    SmallVector<int64_t> perm = allAxes(rank);
    std::swap(perm[rank - 2], perm[rank - 1]);
    return perm;
  };
  Value da = v.sumTo(v.make<MatmulOp>(ct[0], v.transpose(bm, swapLast(rb))), a);
  auto at = VJPBuilder::type(a), gt = VJPBuilder::type(ct[0]);
  int64_t k = at.getDimSize(ra - 1), n = gt.getDimSize(gt.getRank() - 1);
  Value db;
  if (rb == 2 && ra > 2 && !ShapedType::isDynamic(k) &&
      !ShapedType::isDynamic(n)) {
    Value rows = v.reshapeLike(a, {ShapedType::kDynamic, k});
    Value g = v.reshapeLike(ct[0], {ShapedType::kDynamic, n});
    db = v.sumTo(v.make<MatmulOp>(v.transpose(rows, {1, 0}), g), bm);
  } else {
    db = v.sumTo(v.make<MatmulOp>(v.transpose(a, swapLast(ra)), ct[0]), bm);
  }
  return finish(out, {{da, true}, {db, true}});
}

// Shape ops: the inverse movement.

LogicalResult ReshapeOp::buildVJP(OpBuilder &b, ArrayRef<Value> ct,
                                  SmallVectorImpl<Value> &out) {
  VJPBuilder v{b, getLoc()};
  bool f = isFloat(getResult());
  return finish(
      out,
      {{f ? v.reshapeLike(ct[0], getX().getType().getShape()) : Value(), f}});
}

LogicalResult TransposeOp::buildVJP(OpBuilder &b, ArrayRef<Value> ct,
                                    SmallVectorImpl<Value> &out) {
  VJPBuilder v{b, getLoc()};
  bool f = isFloat(getResult());
  ArrayRef<int64_t> perm = getPerm();
  SmallVector<int64_t> inverse(perm.size());
  for (auto [i, p] : llvm::enumerate(perm))
    inverse[p] = i;
  return finish(out, {{f ? v.transpose(ct[0], inverse) : Value(), f}});
}

LogicalResult BroadcastToOp::buildVJP(OpBuilder &b, ArrayRef<Value> ct,
                                      SmallVectorImpl<Value> &out) {
  VJPBuilder v{b, getLoc()};
  bool f = isFloat(getResult());
  return finish(out, {{f ? v.sumTo(ct[0], getX()) : Value(), f}});
}

// Losses. Both are means: the 0-d cotangent is divided by the count.

// d logits = g * (softmax(logits) - onehot(labels)) / B; labels: none.
LogicalResult CrossEntropyOp::buildVJP(OpBuilder &b, ArrayRef<Value> ct,
                                       SmallVectorImpl<Value> &out) {
  VJPBuilder v{b, getLoc()};
  Value logits = getLogits(), labels = getLabels();
  auto lt = VJPBuilder::type(logits);
  if (lt.isDynamicDim(1))
    return mlir::emitError(getLoc())
           << "the gradient of 'cross_entropy' needs a "
              "static class count, got "
           << formatType(lt);
  int64_t classes = lt.getDimSize(1);
  Type labelType = VJPBuilder::type(labels).getElementType();
  SmallVector<Attribute> iota;
  for (int64_t c = 0; c < classes; ++c)
    iota.push_back(b.getIntegerAttr(labelType, c));
  Value range = v.make<ConstantOp>(cast<ElementsAttr>(DenseElementsAttr::get(
      RankedTensorType::get({classes}, labelType), iota)));
  Value column = v.make<ReshapeOp>(labels, ArrayRef<int64_t>{-1, 1});
  Value hit = range && column
                  ? v.make<CompareOp>(StringRef("eq"), column, range)
                  : Value();
  Value onehot;
  if (hit)
    onehot = CastOp::create(b, getLoc(), hit, lt.getElementType());
  Value probs = v.make<SoftmaxOp>(logits, int64_t(1));
  Value scale = v.div(ct[0], v.count(logits, {0}));
  return finish(out,
                {{v.mul(v.sub(probs, onehot), scale), true}, {Value(), false}});
}

// d pred = 2 g (pred - target) / N; d target = its negation.
LogicalResult MseOp::buildVJP(OpBuilder &b, ArrayRef<Value> ct,
                              SmallVectorImpl<Value> &out) {
  VJPBuilder v{b, getLoc()};
  Value p = getPred(), t = getTarget();
  Value n = v.count(p, allAxes(VJPBuilder::type(p).getRank()));
  Value scale = v.div(v.mul(ct[0], v.scalarLike(p, 2)), n);
  Value dp = v.mul(v.sub(p, t), scale);
  return finish(out, {{dp, true}, {v.neg(dp), true}});
}

//===----------------------------------------------------------------------===//
// Piecewise ops: maximum, minimum, abs, and the max/min reductions
//===----------------------------------------------------------------------===//

// The cotangent goes to the operand that wins (`wins` is "gt" for maximum,
// "lt" for minimum); on a tie each operand gets half, as torch.maximum
// does and as central differences see it. A NaN operand gets nothing.
static LogicalResult buildExtremumVJP(Operation *op, StringRef wins,
                                      OpBuilder &b, ArrayRef<Value> ct,
                                      SmallVectorImpl<Value> &out) {
  if (!isFloat(op->getResult(0)))
    return finish(out, {{Value(), false}, {Value(), false}});
  VJPBuilder v{b, op->getLoc()};
  Value l = op->getOperand(0), r = op->getOperand(1), g = ct[0];
  Value half = v.select(v.compare("eq", l, r), v.mul(g, v.scalarLike(g, 0.5)));
  Value dl = v.where(v.compare(wins, l, r), g, half);
  Value dr = v.where(v.compare(wins, r, l), g, half);
  return finish(out, {{v.sumTo(dl, l), true}, {v.sumTo(dr, r), true}});
}

LogicalResult MaximumOp::buildVJP(OpBuilder &b, ArrayRef<Value> ct,
                                  SmallVectorImpl<Value> &out) {
  return buildExtremumVJP(*this, "gt", b, ct, out);
}

LogicalResult MinimumOp::buildVJP(OpBuilder &b, ArrayRef<Value> ct,
                                  SmallVectorImpl<Value> &out) {
  return buildExtremumVJP(*this, "lt", b, ct, out);
}

// d |x| = g sign(x), with sign(0) = 0 as PyTorch.
LogicalResult AbsOp::buildVJP(OpBuilder &b, ArrayRef<Value> ct,
                              SmallVectorImpl<Value> &out) {
  if (!isFloat(getResult()))
    return finish(out, {{Value(), false}});
  VJPBuilder v{b, getLoc()};
  Value x = getX(), g = ct[0], zero = v.scalarLike(x, 0);
  Value dx = v.where(v.compare("gt", x, zero), g,
                     v.select(v.compare("lt", x, zero), v.neg(g)));
  return finish(out, {{dx, true}});
}

// The cotangent of each output goes to the elements of x equal to it,
// split evenly among ties: the rule of torch.amax/amin (and of central
// differences at a two-way tie). An output that is NaN equals no element,
// so a NaN row gets no gradient.
static LogicalResult buildReduceExtremumVJP(Operation *op, Value x,
                                            ArrayRef<int64_t> axes,
                                            bool keepdims, OpBuilder &b,
                                            ArrayRef<Value> ct,
                                            SmallVectorImpl<Value> &out) {
  if (!isFloat(x))
    return finish(out, {{Value(), false}});
  VJPBuilder v{b, op->getLoc()};
  auto all = reducedAxes(axes, VJPBuilder::type(x).getRank());
  Value y = op->getResult(0);
  Value hit = v.compare("eq", x, v.reducedLike(y, x, all, keepdims));
  Value ties = v.sum(v.castLike(hit, x), all, keepdims);
  Value share = v.reducedLike(v.div(ct[0], ties), x, all, keepdims);
  Value dx = v.select(hit, share);
  return finish(out, {{dx, true}});
}

LogicalResult MaxOp::buildVJP(OpBuilder &b, ArrayRef<Value> ct,
                              SmallVectorImpl<Value> &out) {
  return buildReduceExtremumVJP(*this, getX(), getAxes(), getKeepdims(), b, ct,
                                out);
}

LogicalResult MinOp::buildVJP(OpBuilder &b, ArrayRef<Value> ct,
                              SmallVectorImpl<Value> &out) {
  return buildReduceExtremumVJP(*this, getX(), getAxes(), getKeepdims(), b, ct,
                                out);
}

//===----------------------------------------------------------------------===//
// pow and the smooth activations
//===----------------------------------------------------------------------===//

// d x^y = g y x^(y-1) for x and g log(x) x^y for y. As PyTorch, the first
// is 0 where y == 0 and the second 0 where x == 0 and y >= 0: there the
// formulas give 0 * inf or log(0) for a term whose true value is 0.
LogicalResult PowOp::buildVJP(OpBuilder &b, ArrayRef<Value> ct,
                              SmallVectorImpl<Value> &out) {
  VJPBuilder v{b, getLoc()};
  Value x = getLhs(), y = getRhs(), z = getResult(), g = ct[0];
  Value zero = v.scalarLike(x, 0);
  Value ym1 = v.sub(y, v.scalarLike(y, 1));
  Value xPow = ym1 ? v.make<PowOp>(x, ym1) : Value();
  Value dx = v.where(v.compare("eq", y, zero), zero, v.mul(g, v.mul(y, xPow)));
  Value logX = v.make<LogOp>(x);
  Value baseZero = v.where(v.compare("eq", x, zero), v.compare("ge", y, zero),
                           v.scalar(b.getI1Type(), 0));
  Value dy = v.where(baseZero, zero, v.mul(g, v.mul(z, logX)));
  return finish(out, {{v.sumTo(dx, x), true}, {v.sumTo(dy, y), true}});
}

// d silu = s (1 + x (1 - s)) with s = sigmoid(x).
LogicalResult SiluOp::buildVJP(OpBuilder &b, ArrayRef<Value> ct,
                               SmallVectorImpl<Value> &out) {
  VJPBuilder v{b, getLoc()};
  Value x = getX(), s = v.make<SigmoidOp>(x), one = v.scalarLike(x, 1);
  Value d = v.mul(s, v.add(one, v.mul(x, v.sub(one, s))));
  return finish(out, {{v.mul(ct[0], d), true}});
}

// "none": d (x Phi(x)) = Phi(x) + x phi(x), phi(x) = exp(-x^2 / 2) /
// sqrt(2 pi). nn has no erf, so Phi comes from the result: Phi = y / x,
// and near 0 (where y / x loses precision and is 0 / 0 at x = 0) from
// Phi(x) = 1/2 + x / sqrt(2 pi) + O(x^3), exact in f32 for |x| < 1e-3.
// "tanh": y = x (1 + t) / 2 with t = tanh(u), u = c (x + k x^3), so
// dy/dx = (1 + t) / 2 + x (1 - t^2) c (1 + 3 k x^2) / 2.
LogicalResult GeluOp::buildVJP(OpBuilder &b, ArrayRef<Value> ct,
                               SmallVectorImpl<Value> &out) {
  VJPBuilder v{b, getLoc()};
  Value x = getX();
  auto c = [&](double value) { return v.scalarLike(x, value); };
  Value x2 = v.mul(x, x), d;
  if (getApproximate() == "tanh") {
    const double k = 0.044715, s = std::sqrt(2.0 / M_PI);
    Value inner = v.mul(c(s), v.add(x, v.mul(c(k), v.mul(x2, x))));
    Value t = inner ? v.make<TanhOp>(inner) : Value();
    Value du = v.mul(c(s), v.add(c(1), v.mul(c(3 * k), x2)));
    Value slope = v.mul(v.mul(x, v.sub(c(1), v.mul(t, t))), du);
    d = v.mul(c(0.5), v.add(v.add(c(1), t), slope));
  } else {
    const double invSqrt2Pi = 1.0 / std::sqrt(2.0 * M_PI);
    Value absX = v.make<AbsOp>(x);
    Value nearZero = v.compare("lt", absX, c(1e-3));
    Value cdf = v.where(nearZero, v.add(c(0.5), v.mul(x, c(invSqrt2Pi))),
                        v.div(getResult(), x));
    Value pdf = v.mul(v.exp(v.mul(x2, c(-0.5))), c(invSqrt2Pi));
    d = v.add(cdf, v.mul(x, pdf));
  }
  return finish(out, {{v.mul(ct[0], d), true}});
}

//===----------------------------------------------------------------------===//
// Normalizations over axes, the statistics recomputed
//===----------------------------------------------------------------------===//

namespace {
/// The gradient of `xh = (x - mean) * r`, `r = rsqrt(var + eps)`, with the
/// mean and biased variance over `axes` taken from `x` itself: given
/// `a = d loss / d xh`, d x = r (a - mean(a) - xh mean(a xh)).
Value normalizedVJP(VJPBuilder &v, Value a, Value xh, Value r,
                    ArrayRef<int64_t> axes) {
  Value centered = v.sub(a, v.mean(a, axes, true));
  return v.mul(r, v.sub(centered, v.mul(xh, v.mean(v.mul(a, xh), axes, true))));
}

SmallVector<int64_t> axesFrom(int64_t from, int64_t rank) {
  return llvm::to_vector(llvm::seq<int64_t>(from, rank));
}
} // namespace

// y = xh gamma + beta: d gamma and d beta sum over the leading dims.
LogicalResult LayerNormOp::buildVJP(OpBuilder &b, ArrayRef<Value> ct,
                                    SmallVectorImpl<Value> &out) {
  VJPBuilder v{b, getLoc()};
  Value x = getX(), gamma = getGamma(), g = ct[0];
  auto axes = axesFrom(getAxis(), getX().getType().getRank());
  Value centered = v.sub(x, v.mean(x, axes, true));
  Value var = v.mean(v.mul(centered, centered), axes, true);
  Value r = v.rsqrt(v.add(var, v.scalarLike(x, getEps().convertToDouble())));
  Value xh = v.mul(centered, r);
  Value dx = normalizedVJP(v, v.mul(g, gamma), xh, r, axes);
  return finish(out, {{dx, true},
                      {v.sumTo(v.mul(g, xh), gamma), true},
                      {v.sumTo(g, getBeta()), true}});
}

// y = xh gamma with xh = x r, r = rsqrt(mean(x^2) + eps): with a = g gamma,
// d x = r (a - xh mean(a xh)).
LogicalResult RmsNormOp::buildVJP(OpBuilder &b, ArrayRef<Value> ct,
                                  SmallVectorImpl<Value> &out) {
  VJPBuilder v{b, getLoc()};
  Value x = getX(), gamma = getGamma(), g = ct[0];
  auto axes = axesFrom(getAxis(), getX().getType().getRank());
  Value meanSquare = v.mean(v.mul(x, x), axes, true);
  Value r =
      v.rsqrt(v.add(meanSquare, v.scalarLike(x, getEps().convertToDouble())));
  Value xh = v.mul(x, r);
  Value a = v.mul(g, gamma);
  Value dx = v.mul(r, v.sub(a, v.mul(xh, v.mean(v.mul(a, xh), axes, true))));
  return finish(out, {{dx, true}, {v.sumTo(v.mul(g, xh), gamma), true}});
}

// Per channel (axis 1) over the other axes. In training the statistics are
// the batch's (biased variance) and the gradient flows through them; in
// inference `mean` and `var` are constants. Either way the running
// statistics are state, not trained: they get no gradient.
LogicalResult BatchNormOp::buildVJP(OpBuilder &b, ArrayRef<Value> ct,
                                    SmallVectorImpl<Value> &out) {
  VJPBuilder v{b, getLoc()};
  Value x = getX(), g = ct[0];
  int64_t rank = getX().getType().getRank();
  SmallVector<int64_t> axes = axesFrom(1, rank);
  axes[0] = 0;
  // [C] -> [C, 1, ...] to broadcast against [N, C, ...]; -1 keeps a
  // dynamic C.
  auto perChannel = [&](Value c) -> Value {
    if (rank == 2 || !c)
      return c;
    SmallVector<int64_t> shape(rank - 1, 1);
    shape[0] = -1;
    return v.make<ReshapeOp>(c, ArrayRef<int64_t>(shape));
  };
  Value eps = v.scalarLike(x, getEps().convertToDouble());
  Value a = v.mul(g, perChannel(getGamma()));
  Value xh, dx;
  if (getTraining()) {
    Value centered = v.sub(x, v.mean(x, axes, true));
    Value var = v.mean(v.mul(centered, centered), axes, true);
    Value r = v.rsqrt(v.add(var, eps));
    xh = v.mul(centered, r);
    dx = normalizedVJP(v, a, xh, r, axes);
  } else {
    Value r = v.rsqrt(v.add(perChannel(getVar()), eps));
    xh = v.mul(v.sub(x, perChannel(getMean())), r);
    dx = v.mul(a, r);
  }
  return finish(out, {{dx, true},
                      {v.sum(v.mul(g, xh), axes, false), true},
                      {v.sum(g, axes, false), true},
                      {Value(), false},
                      {Value(), false}});
}

//===----------------------------------------------------------------------===//
// Movement: flatten, concat, slice, gather, embedding
//===----------------------------------------------------------------------===//

LogicalResult FlattenOp::buildVJP(OpBuilder &b, ArrayRef<Value> ct,
                                  SmallVectorImpl<Value> &out) {
  VJPBuilder v{b, getLoc()};
  bool f = isFloat(getResult());
  return finish(
      out,
      {{f ? v.reshapeLike(ct[0], getX().getType().getShape()) : Value(), f}});
}

// Each input gets its slice of the cotangent. Offsets count from the front
// up to the one input that may be dynamic along the axis, and from the back
// (Python's negative indices) after it.
LogicalResult ConcatOp::buildVJP(OpBuilder &b, ArrayRef<Value> ct,
                                 SmallVectorImpl<Value> &out) {
  ValueRange inputs = getInputs();
  if (!isFloat(getResult())) {
    out.append(inputs.size(), Value());
    return success();
  }
  VJPBuilder v{b, getLoc()};
  int64_t axis = getAxis();
  SmallVector<int64_t> sizes;
  for (Value in : inputs)
    sizes.push_back(VJPBuilder::type(in).getDimSize(axis));
  if (llvm::count_if(sizes, ShapedType::isDynamic) > 1)
    return mlir::emitError(getLoc())
           << "the gradient of 'concat' needs the sizes along axis " << axis
           << " of all inputs but one to be static";
  // `front`: the offset of the current input while all before it are
  // static; `back`: the total size of the inputs after it, once all of
  // those are static (the slice end then counts from the back).
  int64_t front = 0, back = 0;
  bool fromFront = true;
  for (int64_t s : sizes)
    back += ShapedType::isDynamic(s) ? 0 : s;
  for (int64_t size : sizes) {
    bool dynamic = ShapedType::isDynamic(size);
    if (!dynamic)
      back -= size;
    int64_t fromBack = back == 0 ? INT64_MAX : -back;
    int64_t start = fromFront ? front : -(back + size);
    int64_t end = fromFront && !dynamic ? front + size : fromBack;
    Value d = v.slice(ct[0], axis, start, end);
    if (!d)
      return failure();
    out.push_back(d);
    fromFront = fromFront && !dynamic;
    front += dynamic ? 0 : size;
  }
  return success();
}

// The cotangent goes back into zeros at the sliced positions. With a static
// dim the positions are known: step 1 concatenates zeros around the
// cotangent, a larger step scatter-adds it at a constant list of indices.
// With a dynamic dim only step 1 with `start` and `end` of the same sign
// (so that the positions before, inside and after are known to be ordered)
// is supported.
LogicalResult SliceOp::buildVJP(OpBuilder &b, ArrayRef<Value> ct,
                                SmallVectorImpl<Value> &out) {
  if (!isFloat(getResult()))
    return finish(out, {{Value(), false}});
  VJPBuilder v{b, getLoc()};
  Value x = getX(), g = ct[0];
  int64_t axis = getAxis(), step = getStep();
  int64_t start = static_cast<int64_t>(getStart());
  int64_t end = static_cast<int64_t>(getEnd());
  int64_t n = getX().getType().getDimSize(axis);
  Value zeros = v.zerosLike(x);
  // Zeros before `from` and from `to` on, around the cotangent.
  auto pad = [&](bool before, int64_t from, bool after, int64_t to) -> Value {
    SmallVector<Value> pieces;
    if (before)
      pieces.push_back(v.slice(zeros, axis, 0, from));
    pieces.push_back(g);
    if (after)
      pieces.push_back(v.slice(zeros, axis, to, INT64_MAX));
    if (llvm::any_of(pieces, [](Value p) { return !p; }))
      return Value();
    return pieces.size() == 1 ? g : v.make<ConcatOp>(ValueRange(pieces), axis);
  };
  Value dx;
  if (!ShapedType::isDynamic(n)) {
    auto clamp = [n](int64_t i) {
      if (i < 0)
        i = i < -n ? 0 : i + n;
      return std::min(i, n);
    };
    int64_t first = clamp(start), last = clamp(end);
    int64_t len = last > first ? (last - first - 1) / step + 1 : 0;
    if (len == 0) {
      dx = zeros;
    } else if (step == 1) {
      dx = pad(first > 0, first, last < n, last);
    } else {
      SmallVector<int64_t> positions;
      for (int64_t k = 0; k < len; ++k)
        positions.push_back(first + k * step);
      Value indices = v.make<ConstantOp>(cast<ElementsAttr>(
          DenseElementsAttr::get(RankedTensorType::get({len}, b.getI64Type()),
                                 ArrayRef<int64_t>(positions))));
      dx = v.scatterAdd(zeros, indices, g, axis);
    }
  } else {
    if (step != 1 || (start < 0) != (end < 0))
      return mlir::emitError(getLoc())
             << "the gradient of 'slice' along the dynamic dim " << axis
             << " of " << formatType(getX().getType())
             << " needs step 1 and start and end of the same sign; got start "
             << start << ", end " << end << ", step " << step;
    if (end <= start)
      dx = zeros; // empty for every size of the dim
    else
      dx = pad(start != 0, start, end != INT64_MAX, end);
  }
  return finish(out, {{dx, true}});
}

// d x = scatter_add(zeros like x, indices, g); the indices get none.
LogicalResult GatherOp::buildVJP(OpBuilder &b, ArrayRef<Value> ct,
                                 SmallVectorImpl<Value> &out) {
  if (!isFloat(getResult()))
    return finish(out, {{Value(), false}, {Value(), false}});
  VJPBuilder v{b, getLoc()};
  Value dx = v.scatterAdd(v.zerosLike(getX()), getIndices(), ct[0], getAxis());
  return finish(out, {{dx, true}, {Value(), false}});
}

LogicalResult EmbeddingOp::buildVJP(OpBuilder &b, ArrayRef<Value> ct,
                                    SmallVectorImpl<Value> &out) {
  if (!isFloat(getResult()))
    return finish(out, {{Value(), false}, {Value(), false}});
  VJPBuilder v{b, getLoc()};
  Value dt = v.scatterAdd(v.zerosLike(getTable()), getIds(), ct[0], 0);
  return finish(out, {{dt, true}, {Value(), false}});
}

// Dropout is linear and diagonal with a mask that depends on the element's
// position, seed and step only: its VJP is the same dropout of the
// cotangent (the identity outside training). `step` gets none.
LogicalResult DropoutOp::buildVJP(OpBuilder &b, ArrayRef<Value> ct,
                                  SmallVectorImpl<Value> &out) {
  Value dx = ct[0];
  if (getTraining()) {
    VJPBuilder v{b, getLoc()};
    dx = v.make<DropoutOp>(ct[0], getStep(), getPAttr(), getSeedAttr(),
                           getTrainingAttr());
  }
  out.push_back(dx);
  if (getStep())
    out.push_back(Value());
  return dx ? success() : failure();
}
