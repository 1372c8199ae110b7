//===- MatmulOpToLinalg.cpp - nn.matmul -> linalg -------------------------===//
//
// 2-D operands become `linalg.matmul`, 3-D ones whose batch dims do not
// broadcast `linalg.batch_matmul`; every other case (batch dims that
// broadcast, other ranks, rank-1 operands) one `linalg.generic` over [batch...,
// m, n, k] whose indexing maps broadcast the batch dims and drop the promoted
// ones. An operand that is an nn.transpose of its last two dims (as the
// gradient rules write x^T dy and dy w^T) is read through the transposed
// map instead, in the generic: no kernel writes the transposed copy.
//
//===----------------------------------------------------------------------===//
#include "codegen/common/PatternNNToLinalg.h"

using namespace mlir;
using namespace nnc::nn;

namespace nnc::codegen {
namespace {

/// The source of `v` when it is an nn.transpose that swaps the last two dims
/// (and keeps the others), else null.
Value transposeSource(Value v) {
  auto t = v.getDefiningOp<TransposeOp>();
  if (!t)
    return nullptr;
  ArrayRef<int64_t> perm = t.getPerm();
  int64_t r = perm.size();
  if (r < 2 || perm[r - 1] != r - 2 || perm[r - 2] != r - 1)
    return nullptr;
  for (int64_t i = 0; i < r - 2; ++i)
    if (perm[i] != i)
      return nullptr;
  return t.getX();
}

struct MatmulOpToLinalg : public OpRewritePattern<MatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MatmulOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value lhs = op.getLhs(), rhs = op.getRhs();
    auto lType = cast<RankedTensorType>(lhs.getType());
    auto rType = cast<RankedTensorType>(rhs.getType());
    RankedTensorType resultType = op.getResult().getType();
    Type elem = resultType.getElementType();
    // f16/bf16 products accumulate in f32, then round once.
    Type acc = accumulatorType(elem);
    int64_t lRank = lType.getRank(), rRank = rType.getRank();
    Value zero = scalarConstant(rewriter, loc, acc, 0);
    // Operands read through a transposed map (the generic below).
    Value lSource = transposeSource(lhs), rSource = transposeSource(rhs);
    bool transposed = lSource || rSource;
    if (lSource)
      lhs = lSource;
    if (rSource)
      rhs = rSource;

    if (lRank == 2 && rRank == 2 && !transposed) {
      SmallVector<OpFoldResult> sizes = {dimSize(rewriter, loc, lhs, 0),
                                         dimSize(rewriter, loc, rhs, 1)};
      Value init = tensor::EmptyOp::create(rewriter, loc, sizes, acc);
      init = linalg::FillOp::create(rewriter, loc, ValueRange{zero},
                                    ValueRange{init})
                 .getResult(0);
      Value mm =
          linalg::MatmulOp::create(rewriter, loc, TypeRange{init.getType()},
                                   ValueRange{lhs, rhs}, ValueRange{init})
              .getResult(0);
      mm = convertTensorFloat(rewriter, loc, mm, elem);
      rewriter.replaceOp(op, castToType(rewriter, loc, mm, resultType));
      return success();
    }

    // One batch dim on each side that does not broadcast: batch_matmul.
    int64_t lb = lRank == 3 ? lType.getDimSize(0) : 0;
    int64_t rb = rRank == 3 ? rType.getDimSize(0) : 0;
    if (lRank == 3 && rRank == 3 && (lb == 1) == (rb == 1) && !transposed) {
      // The static one of the two batch sizes, if any.
      OpFoldResult batchSize = lType.isDynamicDim(0) && !rType.isDynamicDim(0)
                                   ? dimSize(rewriter, loc, rhs, 0)
                                   : dimSize(rewriter, loc, lhs, 0);
      SmallVector<OpFoldResult> sizes = {batchSize,
                                         dimSize(rewriter, loc, lhs, 1),
                                         dimSize(rewriter, loc, rhs, 2)};
      Value init = tensor::EmptyOp::create(rewriter, loc, sizes, acc);
      init = linalg::FillOp::create(rewriter, loc, ValueRange{zero},
                                    ValueRange{init})
                 .getResult(0);
      Value bmm = linalg::BatchMatmulOp::create(
                      rewriter, loc, TypeRange{init.getType()},
                      ValueRange{lhs, rhs}, ValueRange{init})
                      .getResult(0);
      bmm = convertTensorFloat(rewriter, loc, bmm, elem);
      rewriter.replaceOp(op, castToType(rewriter, loc, bmm, resultType));
      return success();
    }

    // Loops: [batch..., m (lhs rank >= 2), n (rhs rank >= 2), k].
    int64_t lBatch = std::max<int64_t>(lRank - 2, 0);
    int64_t rBatch = std::max<int64_t>(rRank - 2, 0);
    int64_t batch = std::max(lBatch, rBatch);
    bool hasM = lRank >= 2, hasN = rRank >= 2;
    int64_t m = batch, n = batch + (hasM ? 1 : 0), k = n + (hasN ? 1 : 0);
    int64_t loops = k + 1;
    auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };

    // A batch dim of an operand broadcasts when it is a static 1.
    auto batchExprs = [&](RankedTensorType t, int64_t own) {
      SmallVector<AffineExpr> exprs;
      for (int64_t j = 0; j < own; ++j)
        exprs.push_back(t.getDimSize(j) == 1 ? getAffineConstantExpr(0, ctx)
                                             : d(j + batch - own));
      return exprs;
    };
    SmallVector<AffineExpr> lExprs = batchExprs(lType, lBatch);
    if (hasM)
      lExprs.push_back(d(m));
    lExprs.push_back(d(k));
    SmallVector<AffineExpr> rExprs = batchExprs(rType, rBatch);
    rExprs.push_back(d(k));
    if (hasN)
      rExprs.push_back(d(n));
    // A transposed operand (rank >= 2) reads its last two dims swapped.
    if (lSource)
      std::swap(lExprs[lRank - 2], lExprs[lRank - 1]);
    if (rSource)
      std::swap(rExprs[rRank - 2], rExprs[rRank - 1]);

    SmallVector<AffineExpr> outExprs;
    SmallVector<OpFoldResult> sizes;
    for (int64_t i = 0; i < batch; ++i) {
      outExprs.push_back(d(i));
      OpFoldResult size = rewriter.getIndexAttr(1);
      int64_t jl = i - (batch - lBatch), jr = i - (batch - rBatch);
      if (jl >= 0 && lType.getDimSize(jl) != 1)
        size = dimSize(rewriter, loc, lhs, jl);
      else if (jr >= 0 && rType.getDimSize(jr) != 1)
        size = dimSize(rewriter, loc, rhs, jr);
      sizes.push_back(size);
    }
    if (hasM) {
      outExprs.push_back(d(m));
      sizes.push_back(dimSize(rewriter, loc, lhs, lSource ? lRank - 1 : lRank - 2));
    }
    if (hasN) {
      outExprs.push_back(d(n));
      sizes.push_back(dimSize(rewriter, loc, rhs, rSource ? rRank - 2 : rRank - 1));
    }

    Value init = tensor::EmptyOp::create(rewriter, loc, sizes, acc);
    init = linalg::FillOp::create(rewriter, loc, ValueRange{zero},
                                  ValueRange{init})
               .getResult(0);
    SmallVector<AffineMap> maps = {AffineMap::get(loops, 0, lExprs, ctx),
                                   AffineMap::get(loops, 0, rExprs, ctx),
                                   AffineMap::get(loops, 0, outExprs, ctx)};
    SmallVector<utils::IteratorType> iterators(loops,
                                               utils::IteratorType::parallel);
    iterators.back() = utils::IteratorType::reduction;
    Value product = multiplyAccumulate(rewriter, loc, ValueRange{lhs, rhs},
                                       init, maps, iterators);
    Value result = convertTensorFloat(rewriter, loc, product, elem);
    rewriter.replaceOp(op, castToType(rewriter, loc, result, resultType));
    return success();
  }
};

} // namespace

void populateMatmulOpToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<MatmulOpToLinalg>(patterns.getContext());
}

} // namespace nnc::codegen
