//===- GatherOpToLinalg.cpp - nn.gather, nn.embedding, nn.dropout ---------===//
//
// gather (NumPy take) and embedding (a take along axis 0) become one
// `linalg.generic` over the result that reads the index tensor and
// `tensor.extract`s from `x`. dropout is the identity outside training.
//
//===----------------------------------------------------------------------===//
#include "codegen/common/PatternNNToLinalg.h"

using namespace mlir;
using namespace nnc::nn;

namespace nnc::codegen {
namespace {

/// `take(x, indices, axis)` as a generic over the result
/// `x.shape[:axis] + indices.shape + x.shape[axis+1:]`.
Value buildTake(PatternRewriter &rewriter, Location loc, Value x, Value indices,
                int64_t axis, RankedTensorType resultType) {
  MLIRContext *ctx = rewriter.getContext();
  auto xType = cast<RankedTensorType>(x.getType());
  auto iType = cast<RankedTensorType>(indices.getType());
  int64_t xRank = xType.getRank(), iRank = iType.getRank();
  int64_t rank = resultType.getRank();

  SmallVector<OpFoldResult> sizes;
  for (int64_t i = 0; i < axis; ++i)
    sizes.push_back(dimSize(rewriter, loc, x, i));
  for (int64_t i = 0; i < iRank; ++i)
    sizes.push_back(dimSize(rewriter, loc, indices, i));
  for (int64_t i = axis + 1; i < xRank; ++i)
    sizes.push_back(dimSize(rewriter, loc, x, i));
  Value init =
      tensor::EmptyOp::create(rewriter, loc, sizes, xType.getElementType());
  Value extent = toIndexValue(rewriter, loc, dimSize(rewriter, loc, x, axis));

  SmallVector<AffineExpr> iExprs;
  for (int64_t i = 0; i < iRank; ++i)
    iExprs.push_back(getAffineDimExpr(axis + i, ctx));
  SmallVector<AffineMap> maps = {AffineMap::get(rank, 0, iExprs, ctx),
                                 AffineMap::getMultiDimIdentityMap(rank, ctx)};
  auto generic = linalg::GenericOp::create(
      rewriter, loc, TypeRange{init.getType()}, ValueRange{indices},
      ValueRange{init}, maps,
      SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
      [&](OpBuilder &b, Location l, ValueRange args) {
        Value idx = arith::IndexCastOp::create(b, l, b.getIndexType(), args[0]);
        // Negative indices count from the end (NumPy). Out-of-range ones are
        // clamped to [0, extent - 1]: device code cannot report an error, and
        // clamping keeps every read in bounds.
        Value zero = arith::ConstantIndexOp::create(b, l, 0);
        Value one = arith::ConstantIndexOp::create(b, l, 1);
        Value negative =
            arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, idx, zero);
        idx = arith::SelectOp::create(
            b, l, negative, arith::AddIOp::create(b, l, idx, extent), idx);
        idx = arith::MaxSIOp::create(b, l, idx, zero);
        idx = arith::MinSIOp::create(b, l, idx,
                                     arith::SubIOp::create(b, l, extent, one));
        SmallVector<Value> at;
        for (int64_t i = 0; i < axis; ++i)
          at.push_back(linalg::IndexOp::create(b, l, i));
        at.push_back(idx);
        for (int64_t i = axis + iRank; i < rank; ++i)
          at.push_back(linalg::IndexOp::create(b, l, i));
        linalg::YieldOp::create(
            b, l, tensor::ExtractOp::create(b, l, x, at).getResult());
      });
  return castToType(rewriter, loc, generic.getResult(0), resultType);
}

struct GatherOpToLinalg : public OpRewritePattern<GatherOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(GatherOp op,
                                PatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, buildTake(rewriter, op.getLoc(), op.getX(),
                                     op.getIndices(), op.getAxis(),
                                     op.getResult().getType()));
    return success();
  }
};

struct EmbeddingOpToLinalg : public OpRewritePattern<EmbeddingOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(EmbeddingOp op,
                                PatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, buildTake(rewriter, op.getLoc(), op.getTable(),
                                     op.getIds(), /*axis=*/0,
                                     op.getResult().getType()));
    return success();
  }
};

struct DropoutOpToIdentity : public OpRewritePattern<DropoutOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(DropoutOp op,
                                PatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, castToType(rewriter, op.getLoc(), op.getX(),
                                      op.getResult().getType()));
    return success();
  }
};

} // namespace

void populateGatherOpToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<GatherOpToLinalg, EmbeddingOpToLinalg, DropoutOpToIdentity>(
      patterns.getContext());
}

} // namespace nnc::codegen
