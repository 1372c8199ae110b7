//===- NNFolds.cpp - Folders and canonicalization patterns of nn ops ------===//
//
// Folds cover identities (x + 0, x * 1, neg(neg x), no-op reshapes, ...) and
// splat constants; the two rewrites that build a new op (composing
// transposes and reshapes) are OpRewritePatterns.
//
//===----------------------------------------------------------------------===//

#include "ir/NNOps.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/PatternMatch.h"

#include <limits>

using namespace mlir;
using namespace nnc::nn;

namespace {

/// Whether `attr` is a splat constant equal to the integer `v`.
bool isSplatOf(Attribute attr, int64_t v) {
  auto splat = dyn_cast_if_present<SplatElementsAttr>(attr);
  if (!splat)
    return false;
  Type element = splat.getElementType();
  if (isa<FloatType>(element)) {
    APFloat value = splat.getSplatValue<APFloat>();
    return value.compare(APFloat(value.getSemantics(), v)) == APFloat::cmpEqual;
  }
  if (auto integer = dyn_cast<IntegerType>(element))
    return splat.getSplatValue<APInt>() ==
           APInt(integer.getWidth(), v, /*isSigned=*/true);
  return false;
}

using FloatFn = function_ref<std::optional<APFloat>(APFloat, const APFloat &)>;
using IntFn = function_ref<std::optional<APInt>(const APInt &, const APInt &)>;

/// Folds an elementwise op of two splat constants into a splat of the
/// (static) result type.
Attribute foldSplats(Type resultType, Attribute lhs, Attribute rhs,
                     FloatFn onFloat, IntFn onInt) {
  auto type = dyn_cast<RankedTensorType>(resultType);
  auto l = dyn_cast_if_present<SplatElementsAttr>(lhs);
  auto r = dyn_cast_if_present<SplatElementsAttr>(rhs);
  if (!type || !type.hasStaticShape() || !l || !r ||
      l.getElementType() != type.getElementType() ||
      r.getElementType() != type.getElementType())
    return {};
  if (isa<FloatType>(type.getElementType())) {
    std::optional<APFloat> v =
        onFloat(l.getSplatValue<APFloat>(), r.getSplatValue<APFloat>());
    return v ? DenseElementsAttr::get(type, ArrayRef<APFloat>(*v))
             : Attribute();
  }
  if (type.getElementType().isInteger(1))
    return {};
  std::optional<APInt> v =
      onInt(l.getSplatValue<APInt>(), r.getSplatValue<APInt>());
  return v ? DenseElementsAttr::get(type, ArrayRef<APInt>(*v)) : Attribute();
}

/// `value` if it already has the op's result type (an identity fold).
OpFoldResult sameType(Value value, Type resultType) {
  return value.getType() == resultType ? OpFoldResult(value) : OpFoldResult();
}

/// A splat constant re-shaped to the op's static result type.
OpFoldResult resizedSplat(Attribute operand, Type resultType) {
  auto splat = dyn_cast_if_present<SplatElementsAttr>(operand);
  auto type = dyn_cast<RankedTensorType>(resultType);
  if (!splat || !type || !type.hasStaticShape() ||
      splat.getElementType() != type.getElementType())
    return {};
  return splat.resizeSplat(type);
}

constexpr auto kRound = APFloat::rmNearestTiesToEven;

} // namespace

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValueAttr(); }

OpFoldResult AddOp::fold(FoldAdaptor a) {
  if (isSplatOf(a.getRhs(), 0))
    if (OpFoldResult x = sameType(getLhs(), getType()))
      return x;
  if (isSplatOf(a.getLhs(), 0))
    if (OpFoldResult x = sameType(getRhs(), getType()))
      return x;
  return foldSplats(
      getType(), a.getLhs(), a.getRhs(),
      [](APFloat l, const APFloat &r) -> std::optional<APFloat> {
        l.add(r, kRound);
        return l;
      },
      [](const APInt &l, const APInt &r) -> std::optional<APInt> {
        return l + r;
      });
}

OpFoldResult SubOp::fold(FoldAdaptor a) {
  if (isSplatOf(a.getRhs(), 0))
    if (OpFoldResult x = sameType(getLhs(), getType()))
      return x;
  return foldSplats(
      getType(), a.getLhs(), a.getRhs(),
      [](APFloat l, const APFloat &r) -> std::optional<APFloat> {
        l.subtract(r, kRound);
        return l;
      },
      [](const APInt &l, const APInt &r) -> std::optional<APInt> {
        return l - r;
      });
}

OpFoldResult MulOp::fold(FoldAdaptor a) {
  if (isSplatOf(a.getRhs(), 1))
    if (OpFoldResult x = sameType(getLhs(), getType()))
      return x;
  if (isSplatOf(a.getLhs(), 1))
    if (OpFoldResult x = sameType(getRhs(), getType()))
      return x;
  return foldSplats(
      getType(), a.getLhs(), a.getRhs(),
      [](APFloat l, const APFloat &r) -> std::optional<APFloat> {
        l.multiply(r, kRound);
        return l;
      },
      [](const APInt &l, const APInt &r) -> std::optional<APInt> {
        return l * r;
      });
}

OpFoldResult DivOp::fold(FoldAdaptor a) {
  if (isSplatOf(a.getRhs(), 1))
    if (OpFoldResult x = sameType(getLhs(), getType()))
      return x;
  bool isUnsigned = getType().getElementType().isUnsignedInteger();
  return foldSplats(
      getType(), a.getLhs(), a.getRhs(),
      [](APFloat l, const APFloat &r) -> std::optional<APFloat> {
        l.divide(r, kRound);
        return l;
      },
      [&](const APInt &l, const APInt &r) -> std::optional<APInt> {
        // Division by zero and INT_MIN / -1 are left to run time.
        bool overflow = false;
        if (r.isZero())
          return std::nullopt;
        APInt q = isUnsigned ? l.udiv(r) : l.sdiv_ov(r, overflow);
        return overflow ? std::nullopt : std::optional<APInt>(q);
      });
}

OpFoldResult NegOp::fold(FoldAdaptor a) {
  if (auto inner = getX().getDefiningOp<NegOp>())
    return inner.getX();
  auto splat = dyn_cast_if_present<SplatElementsAttr>(a.getX());
  if (!splat || !getType().hasStaticShape())
    return {};
  if (isa<FloatType>(splat.getElementType())) {
    APFloat v = splat.getSplatValue<APFloat>();
    v.changeSign();
    return DenseElementsAttr::get(getType(), ArrayRef<APFloat>(v));
  }
  APInt v = -splat.getSplatValue<APInt>();
  return DenseElementsAttr::get(getType(), ArrayRef<APInt>(v));
}

OpFoldResult CastOp::fold(FoldAdaptor) { return sameType(getX(), getType()); }

OpFoldResult ReshapeOp::fold(FoldAdaptor a) {
  // With at most one `?`, equal types mean equal shapes at run time too.
  RankedTensorType in = getX().getType();
  if (in == getType() &&
      llvm::count_if(in.getShape(), ShapedType::isDynamic) <= 1)
    return getX();
  return resizedSplat(a.getX(), getType());
}

OpFoldResult TransposeOp::fold(FoldAdaptor a) {
  if (llvm::equal(getPerm(), llvm::seq<int64_t>(0, getPerm().size())))
    return sameType(getX(), getType());
  return resizedSplat(a.getX(), getType());
}

OpFoldResult BroadcastToOp::fold(FoldAdaptor a) {
  // A result `?` only comes from a -1 that keeps the input's dim, so equal
  // types mean a no-op.
  if (OpFoldResult x = sameType(getX(), getType()))
    return x;
  return resizedSplat(a.getX(), getType());
}

OpFoldResult SliceOp::fold(FoldAdaptor) {
  if (getStep() != 1 || getX().getType() != getType())
    return {};
  int64_t n = getType().getDimSize(getAxis());
  bool known = !ShapedType::isDynamic(n);
  int64_t start = getStart(), end = getEnd();
  bool fromStart = start == 0 || (known && start <= -n);
  bool toEnd =
      end == std::numeric_limits<int64_t>::max() || (known && end >= n);
  return fromStart && toEnd ? OpFoldResult(getX()) : OpFoldResult();
}

OpFoldResult ConcatOp::fold(FoldAdaptor) {
  if (getInputs().size() != 1)
    return {};
  return sameType(getInputs().front(), getType());
}

namespace {

/// transpose(transpose(x, p1), p2) -> transpose(x, p1 o p2).
struct ComposeTransposes : OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TransposeOp op,
                                PatternRewriter &rewriter) const override {
    auto inner = op.getX().getDefiningOp<TransposeOp>();
    if (!inner)
      return failure();
    SmallVector<int64_t> perm;
    for (int64_t p : op.getPerm())
      perm.push_back(inner.getPerm()[p]);
    rewriter.replaceOpWithNewOp<TransposeOp>(op, op.getType(), inner.getX(),
                                             perm);
    return success();
  }
};

/// reshape(reshape(x)) -> reshape(x): only the last shape matters.
struct ComposeReshapes : OpRewritePattern<ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReshapeOp op,
                                PatternRewriter &rewriter) const override {
    auto inner = op.getX().getDefiningOp<ReshapeOp>();
    if (!inner)
      return failure();
    rewriter.replaceOpWithNewOp<ReshapeOp>(op, op.getType(), inner.getX(),
                                           op.getShape());
    return success();
  }
};

} // namespace

void TransposeOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                              MLIRContext *ctx) {
  patterns.add<ComposeTransposes>(ctx);
}

void ReshapeOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                            MLIRContext *ctx) {
  patterns.add<ComposeReshapes>(ctx);
}
