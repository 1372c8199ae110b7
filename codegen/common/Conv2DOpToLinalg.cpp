//===- Conv2DOpToLinalg.cpp - nn.conv2d -> linalg -------------------------===//
//
// The input is zero-padded with `tensor.pad`; groups = 1 becomes
// `linalg.conv_2d_nchw_fchw`, groups > 1 one `linalg.generic` with the
// group as a loop of its own (input channel `g * C/groups + c`, output
// channel `g * O/groups + o`) into `[N, groups, O/groups, Ho, Wo]`,
// collapsed. Both accumulate
// f16/bf16 in f32; the bias (if any) is added and the result rounded once by
// a generic that broadcasts `bias [O]` along dim 1.
//
//===----------------------------------------------------------------------===//
#include "codegen/common/PatternNNToLinalg.h"

using namespace mlir;
using namespace nnc::nn;

namespace nnc::codegen {
namespace {

struct Conv2DOpToLinalg : public OpRewritePattern<Conv2DOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(Conv2DOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value x = op.getX(), w = op.getW();
    auto xType = cast<RankedTensorType>(x.getType());
    auto wType = cast<RankedTensorType>(w.getType());
    RankedTensorType resultType = op.getResult().getType();
    // Only the batch may be dynamic: the window arithmetic needs the rest.
    if (xType.getRank() != 4 || !wType.hasStaticShape() ||
        resultType.getRank() != 4)
      return rewriter.notifyMatchFailure(op, "needs static C, H, W and w");
    for (int64_t i = 1; i < 4; ++i)
      if (xType.isDynamicDim(i) || resultType.isDynamicDim(i))
        return rewriter.notifyMatchFailure(op, "needs static C, H, W");

    Type elem = resultType.getElementType();
    Type acc = accumulatorType(elem);
    int64_t groups = op.getGroups();
    ArrayRef<int64_t> stride = op.getStride(), dilation = op.getDilation();

    Value xp =
        padNCHW(rewriter, loc, x, op.getPadding(),
                scalarConstant(rewriter, loc, xType.getElementType(), 0));
    auto zeros = [&](ArrayRef<OpFoldResult> sizes) {
      Value empty = tensor::EmptyOp::create(rewriter, loc, sizes, acc);
      return linalg::FillOp::create(
                 rewriter, loc,
                 ValueRange{scalarConstant(rewriter, loc, acc, 0)},
                 ValueRange{empty})
          .getResult(0);
    };

    Value conv;
    if (groups == 1) {
      Value init = zeros(nchwResultSizes(rewriter, loc, x, resultType));
      conv = linalg::Conv2DNchwFchwOp::create(
                 rewriter, loc, TypeRange{init.getType()}, ValueRange{xp, w},
                 ValueRange{init}, rewriter.getI64VectorAttr(stride),
                 rewriter.getI64VectorAttr(dilation))
                 .getResult(0);
    } else {
      // Loops: [n, g, o, ho, wo, c, kh, kw] (o and c within group g) into
      // [N, G, O/G, Ho, Wo], then collapsed: every loop is read by the
      // operands as a plain dim, so the implicit-GEMM kernel
      // (nnc-gpu-tile-contraction) sees M = o, N = (n, ho, wo), K = (c, kh,
      // kw) and the groups on its grid.
      int64_t outPerGroup = wType.getDimSize(0) / groups;
      int64_t inPerGroup = wType.getDimSize(1);
      auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
      SmallVector<AffineMap> maps = {
          AffineMap::get(8, 0,
                         {d(0), d(1) * inPerGroup + d(5),
                          d(3) * stride[0] + d(6) * dilation[0],
                          d(4) * stride[1] + d(7) * dilation[1]},
                         ctx),
          AffineMap::get(8, 0, {d(1) * outPerGroup + d(2), d(5), d(6), d(7)},
                         ctx),
          AffineMap::get(8, 0, {d(0), d(1), d(2), d(3), d(4)}, ctx)};
      SmallVector<OpFoldResult> sizes5 = {
          dimSize(rewriter, loc, x, 0), rewriter.getIndexAttr(groups),
          rewriter.getIndexAttr(outPerGroup),
          rewriter.getIndexAttr(resultType.getDimSize(2)),
          rewriter.getIndexAttr(resultType.getDimSize(3))};
      Value init5 = zeros(sizes5);
      SmallVector<utils::IteratorType> iterators(5,
                                                 utils::IteratorType::parallel);
      iterators.append(3, utils::IteratorType::reduction);
      Value conv5 = multiplyAccumulate(rewriter, loc, ValueRange{xp, w}, init5,
                                       maps, iterators);
      conv = tensor::CollapseShapeOp::create(
          rewriter, loc, conv5,
          ArrayRef<ReassociationIndices>{{0}, {1, 2}, {3}, {4}});
    }

    Value result;
    if (Value bias = op.getBias()) {
      Value out = tensor::EmptyOp::create(
          rewriter, loc, nchwResultSizes(rewriter, loc, x, resultType), elem);
      auto id = AffineMap::getMultiDimIdentityMap(4, ctx);
      SmallVector<AffineMap> maps = {
          id, AffineMap::get(4, 0, {getAffineDimExpr(1, ctx)}, ctx), id};
      result =
          linalg::GenericOp::create(
              rewriter, loc, TypeRange{out.getType()}, ValueRange{conv, bias},
              ValueRange{out}, maps,
              SmallVector<utils::IteratorType>(4,
                                               utils::IteratorType::parallel),
              [&](OpBuilder &b, Location l, ValueRange args) {
                Value sum = arith::AddFOp::create(
                    b, l, args[0], convertFloat(b, l, args[1], acc));
                linalg::YieldOp::create(b, l, convertFloat(b, l, sum, elem));
              })
              .getResult(0);
    } else {
      result = convertTensorFloat(rewriter, loc, conv, elem);
    }
    rewriter.replaceOp(op, castToType(rewriter, loc, result, resultType));
    return success();
  }
};

} // namespace

void populateConv2DOpToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<Conv2DOpToLinalg>(patterns.getContext());
}

} // namespace nnc::codegen
