//===- ShapeOpToLinalg.cpp - nn shape ops -> tensor/linalg ----------------===//
//
// reshape and flatten through tensor.collapse_shape/expand_shape, transpose
// as linalg.transpose, broadcast_to as a broadcasting linalg.generic, concat
// as tensor.concat and slice as tensor.extract_slice.
//
//===----------------------------------------------------------------------===//
#include "codegen/common/PatternNNToLinalg.h"

using namespace mlir;
using namespace nnc::nn;

namespace nnc::codegen {
namespace {

std::optional<int64_t> staticValue(OpFoldResult size) {
  if (auto attr = dyn_cast<Attribute>(size))
    return cast<IntegerAttr>(attr).getInt();
  return std::nullopt;
}

/// The shape of `sizes` with `?` where they are values.
SmallVector<int64_t> shapeOf(ArrayRef<OpFoldResult> sizes) {
  SmallVector<int64_t> shape;
  for (OpFoldResult s : sizes)
    shape.push_back(staticValue(s).value_or(ShapedType::kDynamic));
  return shape;
}

/// `x` as a 1-D tensor of all its elements (row-major), with its length.
Value flattenAll(OpBuilder &b, Location loc, Value x, OpFoldResult &length) {
  auto type = cast<RankedTensorType>(x.getType());
  if (type.getRank() == 0) {
    length = b.getIndexAttr(1);
    return tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get({1}, type.getElementType()), x,
        ArrayRef<ReassociationIndices>{}, ArrayRef<OpFoldResult>{length});
  }
  ReassociationIndices all;
  for (int64_t i = 0; i < type.getRank(); ++i)
    all.push_back(i);
  Value flat = tensor::CollapseShapeOp::create(b, loc, x, {all});
  length = dimSize(b, loc, flat, 0);
  return flat;
}

/// The 1-D `flat` of `length` elements as a tensor of `sizes`.
Value expandFlat(OpBuilder &b, Location loc, Value flat, OpFoldResult length,
                 ArrayRef<OpFoldResult> sizes) {
  auto elem = cast<RankedTensorType>(flat.getType()).getElementType();
  SmallVector<int64_t> shape = shapeOf(sizes);
  bool allStatic = llvm::none_of(shape, ShapedType::isDynamic);
  if (allStatic) {
    // A static result needs a static source length.
    int64_t n = 1;
    for (int64_t s : shape)
      n *= s;
    flat = castToType(b, loc, flat, RankedTensorType::get({n}, elem));
    if (shape.empty())
      return tensor::CollapseShapeOp::create(
          b, loc, RankedTensorType::get({}, elem), flat,
          ArrayRef<ReassociationIndices>{});
  }
  ReassociationIndices all;
  for (int64_t i = 0, e = shape.size(); i < e; ++i)
    all.push_back(i);
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(shape, elem), flat, {all}, sizes);
}

struct ReshapeOpToTensor : public OpRewritePattern<ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ReshapeOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    OpFoldResult length;
    Value flat = flattenAll(rewriter, loc, op.getX(), length);
    // The one -1 entry is the element count over the product of the others.
    int64_t known = 1;
    for (int64_t s : op.getShape())
      if (s != -1)
        known *= s;
    SmallVector<OpFoldResult> sizes;
    for (int64_t s : op.getShape()) {
      if (s != -1) {
        sizes.push_back(rewriter.getIndexAttr(s));
      } else if (std::optional<int64_t> n = staticValue(length)) {
        sizes.push_back(rewriter.getIndexAttr(known ? *n / known : 0));
      } else {
        Value total = toIndexValue(rewriter, loc, length);
        Value k = arith::ConstantIndexOp::create(rewriter, loc, known);
        sizes.push_back(
            arith::DivUIOp::create(rewriter, loc, total, k).getResult());
      }
    }
    Value result = expandFlat(rewriter, loc, flat, length, sizes);
    rewriter.replaceOp(
        op, castToType(rewriter, loc, result, op.getResult().getType()));
    return success();
  }
};

struct FlattenOpToTensor : public OpRewritePattern<FlattenOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(FlattenOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = op.getX();
    int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
    int64_t axis = static_cast<int64_t>(op.getAxis());
    Value result;
    if (axis > 0 && axis < rank) {
      ReassociationIndices outer, inner;
      for (int64_t i = 0; i < rank; ++i)
        (i < axis ? outer : inner).push_back(i);
      result =
          tensor::CollapseShapeOp::create(rewriter, loc, x, {outer, inner});
    } else {
      // One side is the empty product: [1, n] or [n, 1].
      OpFoldResult length;
      Value flat = flattenAll(rewriter, loc, x, length);
      SmallVector<OpFoldResult> sizes = {rewriter.getIndexAttr(1), length};
      if (axis != 0)
        std::swap(sizes[0], sizes[1]);
      result = expandFlat(rewriter, loc, flat, length, sizes);
    }
    rewriter.replaceOp(
        op, castToType(rewriter, loc, result, op.getResult().getType()));
    return success();
  }
};

struct TransposeOpToLinalg : public OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(TransposeOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = op.getX();
    ArrayRef<int64_t> perm = op.getPerm();
    SmallVector<OpFoldResult> sizes;
    for (int64_t p : perm)
      sizes.push_back(dimSize(rewriter, loc, x, p));
    Value init = tensor::EmptyOp::create(
        rewriter, loc, sizes,
        cast<RankedTensorType>(x.getType()).getElementType());
    Value result =
        linalg::TransposeOp::create(rewriter, loc, x, init, perm)->getResult(0);
    rewriter.replaceOp(
        op, castToType(rewriter, loc, result, op.getResult().getType()));
    return success();
  }
};

struct BroadcastToOpToGeneric : public OpRewritePattern<BroadcastToOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(BroadcastToOp op,
                                PatternRewriter &rewriter) const override {
    Value result = buildBroadcastingGeneric(
        rewriter, op.getLoc(), op.getResult().getType(), ValueRange{op.getX()},
        [](OpBuilder &, Location, ValueRange args) { return args[0]; });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct ConcatOpToTensor : public OpRewritePattern<ConcatOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ConcatOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value result = tensor::ConcatOp::create(
        rewriter, loc, static_cast<int64_t>(op.getAxis()), op.getInputs());
    rewriter.replaceOp(
        op, castToType(rewriter, loc, result, op.getResult().getType()));
    return success();
  }
};

/// Python's slice bounds: a negative bound counts from the end, then both
/// are clamped to [0, n].
OpFoldResult clampBound(OpBuilder &b, Location loc, int64_t bound,
                        OpFoldResult n) {
  if (std::optional<int64_t> sn = staticValue(n)) {
    int64_t v = bound < 0 ? std::max<int64_t>(bound + *sn, 0)
                          : std::min<int64_t>(bound, *sn);
    return b.getIndexAttr(v);
  }
  Value nv = toIndexValue(b, loc, n);
  if (bound < 0) {
    Value shifted = arith::AddIOp::create(
        b, loc, nv, arith::ConstantIndexOp::create(b, loc, bound));
    return arith::MaxSIOp::create(b, loc, shifted,
                                  arith::ConstantIndexOp::create(b, loc, 0))
        .getResult();
  }
  return arith::MinSIOp::create(
             b, loc, arith::ConstantIndexOp::create(b, loc, bound), nv)
      .getResult();
}

struct SliceOpToTensor : public OpRewritePattern<SliceOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(SliceOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = op.getX();
    int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
    int64_t axis = static_cast<int64_t>(op.getAxis());
    int64_t step = static_cast<int64_t>(op.getStep());
    if (step < 1)
      return rewriter.notifyMatchFailure(op, "step must be >= 1");
    OpFoldResult n = dimSize(rewriter, loc, x, axis);
    OpFoldResult start =
        clampBound(rewriter, loc, static_cast<int64_t>(op.getStart()), n);
    OpFoldResult end =
        clampBound(rewriter, loc, static_cast<int64_t>(op.getEnd()), n);
    // len(range(start, end, step)) = ceil(max(end - start, 0) / step).
    OpFoldResult count;
    std::optional<int64_t> s = staticValue(start), e = staticValue(end);
    if (s && e) {
      count = rewriter.getIndexAttr((std::max<int64_t>(*e - *s, 0) + step - 1) /
                                    step);
    } else {
      Value span =
          arith::SubIOp::create(rewriter, loc, toIndexValue(rewriter, loc, end),
                                toIndexValue(rewriter, loc, start));
      span = arith::MaxSIOp::create(
          rewriter, loc, span,
          arith::ConstantIndexOp::create(rewriter, loc, 0));
      Value rounded = arith::AddIOp::create(
          rewriter, loc, span,
          arith::ConstantIndexOp::create(rewriter, loc, step - 1));
      count = arith::DivUIOp::create(
                  rewriter, loc, rounded,
                  arith::ConstantIndexOp::create(rewriter, loc, step))
                  .getResult();
    }
    SmallVector<OpFoldResult> offsets, sizes, strides;
    for (int64_t i = 0; i < rank; ++i) {
      bool onAxis = i == axis;
      offsets.push_back(onAxis ? start : rewriter.getIndexAttr(0));
      sizes.push_back(onAxis ? count : dimSize(rewriter, loc, x, i));
      strides.push_back(rewriter.getIndexAttr(onAxis ? step : 1));
    }
    Value result = tensor::ExtractSliceOp::create(rewriter, loc, x, offsets,
                                                  sizes, strides);
    rewriter.replaceOp(
        op, castToType(rewriter, loc, result, op.getResult().getType()));
    return success();
  }
};

} // namespace

void populateShapeOpToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<ReshapeOpToTensor, FlattenOpToTensor, TransposeOpToLinalg,
               BroadcastToOpToGeneric, ConcatOpToTensor, SliceOpToTensor>(
      patterns.getContext());
}

} // namespace nnc::codegen
