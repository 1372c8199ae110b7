//===- VJPBuilder.h - Building nn ops for gradients and updates -*- C++ -*-===//
//
// The helper the gradient rules (NNGradients.cpp, NNGradientsConv.cpp) and
// nn-autodiff's optimizer update build nn ops with: inferred types, and a
// null result once anything failed, so rules are straight-line code.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_IR_VJPBUILDER_H
#define NNC_IR_VJPBUILDER_H

#include "ir/NNOps.h"

#include "mlir/IR/BuiltinAttributes.h"

namespace nnc::nn {
namespace vjp_detail {
using namespace mlir;

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
  Value compare(StringRef predicate, Value x, Value y) {
    return x && y ? make<CompareOp>(predicate, x, y) : Value();
  }
  Value mean(Value x, ArrayRef<int64_t> axes, bool keepdims) {
    return x ? make<MeanOp>(x, axes, keepdims) : Value();
  }
  Value rsqrt(Value x) { return x ? make<RsqrtOp>(x) : Value(); }
  Value slice(Value x, int64_t axis, int64_t start, int64_t end) {
    return x ? make<SliceOp>(x, axis, start, end, int64_t(1)) : Value();
  }
  Value scatterAdd(Value x, Value indices, Value updates, int64_t axis) {
    return x && indices && updates
               ? make<ScatterAddOp>(x, indices, updates, axis)
               : Value();
  }

  /// A bool tensor `c` as 0/1 in the float dtype of `like`.
  Value castLike(Value c, Value like) {
    if (!c || !like)
      return Value();
    return CastOp::create(b, loc, c, type(like).getElementType()).getResult();
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
  /// `x` where `c`, else 0 (`x`'s dtype); `where` rather than a product
  /// with a 0/1 mask, so that an inf or NaN that is not picked stays out.
  Value select(Value c, Value x) { return where(c, x, scalarLike(x, 0)); }

  /// `g` broadcast to the shape of `like` (same dtype): `where(true, g,
  /// like)` takes every element from `g` and needs no static shape.
  Value broadcastLike(Value g, Value like) {
    if (!g || !like)
      return Value();
    return where(scalar(b.getI1Type(), 1), g, like);
  }
  Value zerosLike(Value x) { return broadcastLike(scalarLike(x, 0), x); }

  /// Sums a cotangent `g` (the broadcast shape) back to the shape of
  /// `operand`: leading extra dims are summed away, dims where the operand
  /// has a static 1 are summed with keepdims. A vector (a bias) summed over
  /// two or more leading dims sums the rows of `g` as [-1, N] instead: the
  /// same reshape as the 2-D weight gradient of the layer's matmul (see
  /// MatmulOp::buildVJP), which CSE makes one value, so that the sum can be
  /// a side sum of that product (nnc-gpu-tile-contraction).
  Value sumTo(Value g, Value operand) {
    if (!g)
      return Value();
    auto gt = type(g), ot = type(operand);
    int64_t lead = gt.getRank() - ot.getRank();
    if (lead < 0)
      return emitError(loc) << "gradient has rank " << gt.getRank()
                            << " below its operand's " << ot.getRank(),
             Value();
    if (lead >= 2 && ot.getRank() == 1 && ot.hasStaticShape() &&
        ot.getDimSize(0) != 1 && gt.getDimSize(lead) == ot.getDimSize(0))
      return sum(reshapeLike(g, {ShapedType::kDynamic, ot.getDimSize(0)}),
                 {0}, false);
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

  /// `g`, shaped as the result of a reduction of `x` over `axes`, made to
  /// broadcast against `x`: the reduced dims go back as 1 unless they all
  /// lead (then right-aligned broadcasting puts them back).
  Value reducedLike(Value g, Value x, ArrayRef<int64_t> axes, bool keepdims) {
    bool leading = llvm::all_of(llvm::enumerate(axes), [](auto it) {
      return static_cast<int64_t>(it.index()) == it.value();
    });
    if (keepdims || leading || !g)
      return g;
    SmallVector<int64_t> shape(type(x).getShape());
    for (int64_t a : axes)
      shape[a] = 1;
    return reshapeLike(g, shape);
  }

  /// The cotangent `g` of a reduction of `x` over `axes` spread back to the
  /// shape of `x`.
  Value unreduce(Value g, Value x, ArrayRef<int64_t> axes, bool keepdims) {
    return broadcastLike(reducedLike(g, x, axes, keepdims), x);
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

/// Finishes a rule: fails if a gradient it meant to build came out null.
inline LogicalResult finish(SmallVectorImpl<Value> &out,
                     std::initializer_list<std::pair<Value, bool>> grads) {
  for (auto [g, wanted] : grads) {
    if (wanted && !g)
      return failure();
    out.push_back(wanted ? g : Value());
  }
  return success();
}

} // namespace vjp_detail
using vjp_detail::finish;
using vjp_detail::VJPBuilder;
} // namespace nnc::nn

#endif // NNC_IR_VJPBUILDER_H
