//===- PoolOpToLinalg.cpp - nn pooling ops -> linalg ----------------------===//
//
// max_pool2d pads with -inf and becomes `linalg.pooling_nchw_max`;
// avg_pool2d pads with 0, sums with `linalg.pooling_nchw_sum` (in f32 for
// f16/bf16) and divides by kh * kw, so padded cells count (PyTorch
// count_include_pad); global_avg_pool is an `nn.mean` over H, W, which the
// reduce family lowers.
//
//===----------------------------------------------------------------------===//
#include "codegen/common/PatternNNToLinalg.h"

using namespace mlir;
using namespace nnc::nn;

namespace nnc::codegen {
namespace {

/// Pads `x`, fills an init of `initType` elements with `identity` and applies
/// the pooling op `PoolOp` with `op`'s kernel and stride.
template <typename PoolOp, typename SourceOp>
Value buildPool(PatternRewriter &rewriter, SourceOp op, Value padValue,
                Type initType, Value identity) {
  Location loc = op.getLoc();
  Value x = op.getX();
  ArrayRef<int64_t> kernel = op.getKernel();
  Value xp = padNCHW(rewriter, loc, x, op.getPadding(), padValue);
  Value window = tensor::EmptyOp::create(rewriter, loc, kernel,
                                         getElementTypeOrSelf(x.getType()));
  Value init = tensor::EmptyOp::create(
      rewriter, loc,
      nchwResultSizes(rewriter, loc, x, op.getResult().getType()), initType);
  init = linalg::FillOp::create(rewriter, loc, ValueRange{identity},
                                ValueRange{init})
             .getResult(0);
  return PoolOp::create(rewriter, loc, TypeRange{init.getType()},
                        ValueRange{xp, window}, ValueRange{init},
                        rewriter.getI64VectorAttr(op.getStride()),
                        rewriter.getI64VectorAttr({1, 1}))
      .getResult(0);
}

/// Pooling needs every dim but the batch static.
LogicalResult checkPoolShapes(Operation *op, PatternRewriter &rewriter) {
  auto xType = cast<RankedTensorType>(op->getOperand(0).getType());
  auto rType = cast<RankedTensorType>(op->getResult(0).getType());
  if (xType.getRank() != 4 || rType.getRank() != 4)
    return rewriter.notifyMatchFailure(op, "needs rank 4");
  for (int64_t i = 1; i < 4; ++i)
    if (xType.isDynamicDim(i) || rType.isDynamicDim(i))
      return rewriter.notifyMatchFailure(op, "needs static C, H, W");
  return success();
}

struct MaxPool2DOpToLinalg : public OpRewritePattern<MaxPool2DOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MaxPool2DOp op,
                                PatternRewriter &rewriter) const override {
    if (failed(checkPoolShapes(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    RankedTensorType resultType = op.getResult().getType();
    Type elem = resultType.getElementType();
    // linalg's NCHW max pooling compares signed; there is no unsigned twin.
    if (elem.isUnsignedInteger())
      return rewriter.notifyMatchFailure(op, "unsigned elements");
    Value lowest = extremeConstant(rewriter, loc, elem, /*lowest=*/true);
    Value pool =
        buildPool<linalg::PoolingNchwMaxOp>(rewriter, op, lowest, elem, lowest);
    rewriter.replaceOp(op, castToType(rewriter, loc, pool, resultType));
    return success();
  }
};

struct AvgPool2DOpToLinalg : public OpRewritePattern<AvgPool2DOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AvgPool2DOp op,
                                PatternRewriter &rewriter) const override {
    if (failed(checkPoolShapes(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    RankedTensorType resultType = op.getResult().getType();
    Type elem = resultType.getElementType();
    if (!isa<FloatType>(elem))
      return rewriter.notifyMatchFailure(op, "needs a float");
    Type acc = accumulatorType(elem);
    Value sum = buildPool<linalg::PoolingNchwSumOp>(
        rewriter, op, scalarConstant(rewriter, loc, elem, 0), acc,
        scalarConstant(rewriter, loc, acc, 0));
    ArrayRef<int64_t> kernel = op.getKernel();
    double cells = static_cast<double>(kernel[0] * kernel[1]);
    Value avg = buildBroadcastingGeneric(
        rewriter, loc, resultType, ValueRange{sum},
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value q = arith::DivFOp::create(b, l, args[0],
                                          scalarConstant(b, l, acc, cells));
          return convertFloat(b, l, q, elem);
        });
    rewriter.replaceOp(op, avg);
    return success();
  }
};

struct GlobalAvgPoolOpToMean : public OpRewritePattern<GlobalAvgPoolOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(GlobalAvgPoolOp op,
                                PatternRewriter &rewriter) const override {
    rewriter.replaceOpWithNewOp<MeanOp>(op, op.getResult().getType(), op.getX(),
                                        ArrayRef<int64_t>{2, 3},
                                        /*keepdims=*/false);
    return success();
  }
};

} // namespace

void populatePoolOpToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<MaxPool2DOpToLinalg, AvgPool2DOpToLinalg, GlobalAvgPoolOpToMean>(
      patterns.getContext());
}

} // namespace nnc::codegen
