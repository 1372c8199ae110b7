//===- NNGradients.cpp - Gradient rules of the nn ops (VJPs in nn ops) ----===//
//
// Each differentiable op states its vector-Jacobian product here, once, in nn
// ops built with inferred types, so dynamic dims flow through. Broadcasting
// operands get the cotangent summed back to their shape (`sumTo`).
//
//===----------------------------------------------------------------------===//
#include "ir/NNOps.h"

#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;
using namespace nnc::nn;

#include "ir/NNInterfaces.cpp.inc"

namespace {

/// Builds gradient expressions at one location. Every method returns null
/// when an input is null or an op fails to check (the error is already
/// reported at the location), so a rule is written as straight-line code
/// and checked once at the end.
struct VJPBuilder {
  OpBuilder &b;
  Location loc;

  static RankedTensorType type(Value v) {
    return cast<RankedTensorType>(v.getType());
  }

  template <typename OpTy, typename... Args> Value make(Args &&...args) {
    auto op = createChecked<OpTy>(b, loc, std::forward<Args>(args)...);
    return op ? op->getResult(0) : Value();
  }
  Value add(Value x, Value y) { return x && y ? make<AddOp>(x, y) : Value(); }
  Value sub(Value x, Value y) { return x && y ? make<SubOp>(x, y) : Value(); }
  Value mul(Value x, Value y) { return x && y ? make<MulOp>(x, y) : Value(); }
  Value div(Value x, Value y) { return x && y ? make<DivOp>(x, y) : Value(); }
  Value neg(Value x) { return x ? make<NegOp>(x) : Value(); }
  Value exp(Value x) { return x ? make<ExpOp>(x) : Value(); }
  Value sum(Value x, ArrayRef<int64_t> axes, bool keepdims) {
    return x ? make<SumOp>(x, axes, keepdims) : Value();
  }
  Value where(Value c, Value x, Value y) {
    return c && x && y ? make<WhereOp>(c, x, y) : Value();
  }
  Value transpose(Value x, ArrayRef<int64_t> perm) {
    return x ? make<TransposeOp>(x, perm) : Value();
  }

  /// A 0-d constant of `elementType`.
  Value scalar(Type elementType, double v) {
    auto t = RankedTensorType::get({}, elementType);
    Attribute elt;
    if (auto ft = dyn_cast<FloatType>(elementType))
      elt = b.getFloatAttr(ft, v);
    else if (elementType.isInteger(1))
      elt = b.getBoolAttr(v != 0);
    else
      elt = b.getIntegerAttr(elementType, static_cast<int64_t>(v));
    return make<ConstantOp>(
        cast<ElementsAttr>(DenseElementsAttr::get(t, ArrayRef(elt))));
  }
  Value scalarLike(Value x, double v) {
    return x ? scalar(type(x).getElementType(), v) : Value();
  }

  /// `g` broadcast to the shape of `like` (same dtype): `where(true, g,
  /// like)` takes every element from `g` and needs no static shape.
  Value broadcastLike(Value g, Value like) {
    if (!g || !like)
      return Value();
    return where(scalar(b.getI1Type(), 1), g, like);
  }

  /// Sums a cotangent `g` (the broadcast shape) back to the shape of
  /// `operand`: leading extra dims are summed away, dims where the operand
  /// has a static 1 are summed with keepdims.
  Value sumTo(Value g, Value operand) {
    if (!g)
      return Value();
    auto gt = type(g), ot = type(operand);
    int64_t lead = gt.getRank() - ot.getRank();
    if (lead < 0)
      return emitError(loc) << "gradient has rank " << gt.getRank()
                            << " below its operand's " << ot.getRank(),
             Value();
    if (lead > 0)
      g = sum(g, llvm::to_vector(llvm::seq<int64_t>(0, lead)), false);
    if (!g)
      return Value();
    SmallVector<int64_t> axes;
    for (int64_t i = 0; i < ot.getRank(); ++i)
      if (ot.getDimSize(i) == 1 && type(g).getDimSize(i) != 1)
        axes.push_back(i);
    return axes.empty() ? g : sum(g, axes, true);
  }

  /// Reshapes `g` to the static shape of `like` where known; at most one
  /// dynamic dim (it becomes -1).
  Value reshapeLike(Value g, ArrayRef<int64_t> shape) {
    if (!g)
      return Value();
    SmallVector<int64_t> target(shape);
    if (llvm::count_if(target, ShapedType::isDynamic) > 1)
      return emitError(loc) << "this gradient needs a reshape to "
                            << formatType(RankedTensorType::get(
                                   shape, type(g).getElementType()))
                            << ", which has more than one dynamic dim",
             Value();
    for (int64_t &d : target)
      if (ShapedType::isDynamic(d))
        d = -1;
    if (type(g).getShape() == shape && !llvm::is_contained(shape, -1))
      return g;
    return make<ReshapeOp>(g, ArrayRef<int64_t>(target));
  }

  /// The cotangent `g` of a reduction of `x` over `axes` spread back to the
  /// shape of `x`.
  Value unreduce(Value g, Value x, ArrayRef<int64_t> axes, bool keepdims) {
    auto xt = type(x);
    if (!keepdims) {
      // Dims kept after all reduced ones broadcast as they are; otherwise
      // put the reduced dims back as 1.
      bool leading = llvm::all_of(llvm::enumerate(axes), [](auto it) {
        return static_cast<int64_t>(it.index()) == it.value();
      });
      if (!leading) {
        SmallVector<int64_t> shape(xt.getShape());
        for (int64_t a : axes)
          shape[a] = 1;
        g = reshapeLike(g, shape);
      }
    }
    return broadcastLike(g, x);
  }

  /// The number of elements of `x` over `axes`, as a 0-d constant when
  /// static, else as `sum(ones like x, axes, keepdims)`.
  Value count(Value x, ArrayRef<int64_t> axes) {
    auto xt = type(x);
    int64_t n = 1;
    bool isStatic = true;
    for (int64_t a : axes) {
      if (xt.isDynamicDim(a))
        isStatic = false;
      else
        n *= xt.getDimSize(a);
    }
    if (isStatic)
      return scalar(xt.getElementType(), static_cast<double>(n));
    return sum(broadcastLike(scalarLike(x, 1), x), axes, true);
  }
};

SmallVector<int64_t> allAxes(int64_t rank) {
  return llvm::to_vector(llvm::seq<int64_t>(0, rank));
}

bool isFloat(Value v) {
  return isa<FloatType>(cast<ShapedType>(v.getType()).getElementType());
}

/// Finishes a rule: fails if a gradient it meant to build came out null.
LogicalResult finish(SmallVectorImpl<Value> &out,
                     std::initializer_list<std::pair<Value, bool>> grads) {
  for (auto [g, wanted] : grads) {
    if (wanted && !g)
      return failure();
    out.push_back(wanted ? g : Value());
  }
  return success();
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

// The gradient passes where x > 0 (0 at x = 0, as PyTorch).
LogicalResult ReluOp::buildVJP(OpBuilder &b, ArrayRef<Value> ct,
                               SmallVectorImpl<Value> &out) {
  VJPBuilder v{b, getLoc()};
  Value x = getX();
  Value zero = v.scalarLike(x, 0);
  Value positive = zero ? v.make<CompareOp>(StringRef("gt"), x, zero) : Value();
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
// (promoted by matmul) are not handled yet.
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
  Value db = v.sumTo(v.make<MatmulOp>(v.transpose(a, swapLast(ra)), ct[0]), bm);
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
