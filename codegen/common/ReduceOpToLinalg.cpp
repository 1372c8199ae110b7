//===- ReduceOpToLinalg.cpp - nn reductions -> linalg.generic -------------===//
//
// sum/mean/max/min over axes and argmax along one axis: a `linalg.generic`
// with reduction iterators into a `linalg.fill`ed init of the reduced shape
// (reduced dims removed); keepdims re-inserts them with tensor.expand_shape.
//
//===----------------------------------------------------------------------===//
#include "codegen/common/PatternNNToLinalg.h"

#include "llvm/ADT/SmallBitVector.h"

using namespace mlir;
using namespace nnc::nn;

namespace nnc::codegen {
namespace {

/// The reduced (keepdims = false) sizes of `x` without the dims in `reduced`.
SmallVector<OpFoldResult> keptSizes(OpBuilder &b, Location loc, Value x,
                                    const llvm::SmallBitVector &reduced) {
  SmallVector<OpFoldResult> sizes;
  for (int64_t i = 0, e = reduced.size(); i < e; ++i)
    if (!reduced[i])
      sizes.push_back(dimSize(b, loc, x, i));
  return sizes;
}

/// The map from the loops over `x` to the kept dims.
AffineMap keptMap(MLIRContext *ctx, const llvm::SmallBitVector &reduced) {
  SmallVector<AffineExpr> exprs;
  for (int64_t i = 0, e = reduced.size(); i < e; ++i)
    if (!reduced[i])
      exprs.push_back(getAffineDimExpr(i, ctx));
  return AffineMap::get(reduced.size(), 0, exprs, ctx);
}

SmallVector<utils::IteratorType>
iterators(const llvm::SmallBitVector &reduced) {
  SmallVector<utils::IteratorType> its;
  for (int64_t i = 0, e = reduced.size(); i < e; ++i)
    its.push_back(reduced[i] ? utils::IteratorType::reduction
                             : utils::IteratorType::parallel);
  return its;
}

/// `v` (the reduced tensor) as the op's result: with keepdims, the reduced
/// dims come back as 1 through tensor.expand_shape; then cast to `resultType`.
Value finishReduction(OpBuilder &b, Location loc, Value v,
                      const llvm::SmallBitVector &reduced, bool keepdims,
                      Value x, RankedTensorType resultType) {
  if (keepdims) {
    int64_t rank = reduced.size();
    SmallVector<int64_t> shape;
    SmallVector<OpFoldResult> outputShape;
    for (int64_t i = 0; i < rank; ++i) {
      OpFoldResult s =
          reduced[i] ? OpFoldResult(b.getIndexAttr(1)) : dimSize(b, loc, x, i);
      outputShape.push_back(s);
      auto attr = dyn_cast<Attribute>(s);
      shape.push_back(attr ? cast<IntegerAttr>(attr).getInt()
                           : ShapedType::kDynamic);
    }
    // Each kept dim owns the reduced dims before it; trailing reduced dims
    // join the last group. With no kept dim, the reassociation is empty.
    SmallVector<ReassociationIndices> groups;
    ReassociationIndices current;
    for (int64_t i = 0; i < rank; ++i) {
      current.push_back(i);
      if (!reduced[i]) {
        groups.push_back(current);
        current.clear();
      }
    }
    if (!current.empty() && !groups.empty())
      groups.back().append(current.begin(), current.end());
    auto expandedType =
        RankedTensorType::get(shape, resultType.getElementType());
    v = tensor::ExpandShapeOp::create(b, loc, expandedType, v, groups,
                                      outputShape);
  }
  return castToType(b, loc, v, resultType);
}

llvm::SmallBitVector reducedDims(int64_t rank, ArrayRef<int64_t> axes) {
  llvm::SmallBitVector reduced(rank, axes.empty());
  for (int64_t a : axes)
    reduced.set(a);
  return reduced;
}

enum class Combiner { Sum, Max, Min };

template <typename OpTy, Combiner kind, bool isMean = false>
struct ReduceOpToGeneric : public OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value x = op.getX();
    auto xType = cast<RankedTensorType>(x.getType());
    Type elem = xType.getElementType();
    bool isF = isa<FloatType>(elem);
    bool isU = elem.isUnsignedInteger();
    int64_t rank = xType.getRank();
    llvm::SmallBitVector reduced = reducedDims(rank, op.getAxes());

    // Sums of f16/bf16 accumulate in f32; max/min are exact in any type.
    Type acc = kind == Combiner::Sum ? accumulatorType(elem) : elem;
    Value identity =
        kind == Combiner::Sum
            ? scalarConstant(rewriter, loc, acc, 0)
            : extremeConstant(rewriter, loc, acc, kind == Combiner::Max);
    Value init = tensor::EmptyOp::create(
        rewriter, loc, keptSizes(rewriter, loc, x, reduced), acc);
    init = linalg::FillOp::create(rewriter, loc, ValueRange{identity},
                                  ValueRange{init})
               .getResult(0);
    SmallVector<AffineMap> maps = {rewriter.getMultiDimIdentityMap(rank),
                                   keptMap(ctx, reduced)};
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{init.getType()}, ValueRange{x},
        ValueRange{init}, maps, iterators(reduced),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value r, in = isF ? convertFloat(b, l, args[0], acc) : args[0];
          switch (kind) {
          case Combiner::Sum:
            r = isF ? Value(arith::AddFOp::create(b, l, in, args[1]))
                    : Value(arith::AddIOp::create(b, l, args[0], args[1]));
            break;
          case Combiner::Max:
            r = isF   ? Value(arith::MaximumFOp::create(b, l, args[0], args[1]))
                : isU ? Value(arith::MaxUIOp::create(b, l, args[0], args[1]))
                      : Value(arith::MaxSIOp::create(b, l, args[0], args[1]));
            break;
          case Combiner::Min:
            r = isF   ? Value(arith::MinimumFOp::create(b, l, args[0], args[1]))
                : isU ? Value(arith::MinUIOp::create(b, l, args[0], args[1]))
                      : Value(arith::MinSIOp::create(b, l, args[0], args[1]));
            break;
          }
          linalg::YieldOp::create(b, l, r);
        });
    Value result = generic.getResult(0);

    if (isMean) {
      // Divide by the number of reduced elements (mean is float only).
      Value count = arith::ConstantIndexOp::create(rewriter, loc, 1);
      for (int64_t i = 0; i < rank; ++i)
        if (reduced[i])
          count = arith::MulIOp::create(
              rewriter, loc, count,
              toIndexValue(rewriter, loc, dimSize(rewriter, loc, x, i)));
      Value countI64 = arith::IndexCastUIOp::create(
          rewriter, loc, rewriter.getI64Type(), count);
      Value countF = arith::UIToFPOp::create(rewriter, loc, acc, countI64);
      auto sumType = cast<RankedTensorType>(result.getType());
      result = buildBroadcastingGeneric(
          rewriter, loc, sumType, ValueRange{result},
          [&](OpBuilder &b, Location l, ValueRange args) {
            return arith::DivFOp::create(b, l, args[0], countF);
          });
    }
    result = convertTensorFloat(rewriter, loc, result, elem);
    rewriter.replaceOp(op, finishReduction(rewriter, loc, result, reduced,
                                           op.getKeepdims(), x,
                                           op.getResult().getType()));
    return success();
  }
};

/// argmax: the value and the i64 index travel together. The combine step
/// is order-independent so that any reduction order gives NumPy's answer:
/// NaN beats everything, and among equal values the smaller index wins.
struct ArgmaxOpToGeneric : public OpRewritePattern<ArgmaxOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ArgmaxOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value x = op.getX();
    auto xType = cast<RankedTensorType>(x.getType());
    Type elem = xType.getElementType();
    Type i64 = rewriter.getI64Type();
    bool isF = isa<FloatType>(elem);
    int64_t rank = xType.getRank();
    int64_t axis = static_cast<int64_t>(op.getAxis());
    llvm::SmallBitVector reduced = reducedDims(rank, {axis});

    SmallVector<OpFoldResult> sizes = keptSizes(rewriter, loc, x, reduced);
    Value values = tensor::EmptyOp::create(rewriter, loc, sizes, elem);
    values = linalg::FillOp::create(
                 rewriter, loc,
                 ValueRange{extremeConstant(rewriter, loc, elem, true)},
                 ValueRange{values})
                 .getResult(0);
    Value indices = tensor::EmptyOp::create(rewriter, loc, sizes, i64);
    indices =
        linalg::FillOp::create(
            rewriter, loc, ValueRange{scalarConstant(rewriter, loc, i64, 0)},
            ValueRange{indices})
            .getResult(0);
    AffineMap out = keptMap(ctx, reduced);
    SmallVector<AffineMap> maps = {rewriter.getMultiDimIdentityMap(rank), out,
                                   out};
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{values.getType(), indices.getType()},
        ValueRange{x}, ValueRange{values, indices}, maps, iterators(reduced),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value v = args[0], best = args[1], bestIdx = args[2];
          Value idx = arith::IndexCastOp::create(
              b, l, i64, linalg::IndexOp::create(b, l, axis));
          Value earlier = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt,
                                                idx, bestIdx);
          Value take;
          if (isF) {
            Value vNan =
                arith::CmpFOp::create(b, l, arith::CmpFPredicate::UNO, v, v);
            Value bestNan = arith::CmpFOp::create(
                b, l, arith::CmpFPredicate::UNO, best, best);
            Value greater =
                arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT, v, best);
            Value equal =
                arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ, v, best);
            Value bothNan = arith::AndIOp::create(b, l, vNan, bestNan);
            Value tie = arith::AndIOp::create(
                b, l, arith::OrIOp::create(b, l, equal, bothNan), earlier);
            Value notBestNan = arith::XOrIOp::create(
                b, l, bestNan,
                arith::ConstantOp::create(b, l, b.getBoolAttr(true)));
            // v wins if: v is the first NaN seen, or beats a non-NaN best.
            Value beats = arith::AndIOp::create(
                b, l, notBestNan, arith::OrIOp::create(b, l, vNan, greater));
            take = arith::OrIOp::create(b, l, beats, tie);
          } else {
            Value greater = arith::CmpIOp::create(
                b, l,
                elem.isUnsignedInteger() ? arith::CmpIPredicate::ugt
                                         : arith::CmpIPredicate::sgt,
                v, best);
            Value equal =
                arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, v, best);
            take = arith::OrIOp::create(
                b, l, greater, arith::AndIOp::create(b, l, equal, earlier));
          }
          Value newBest = arith::SelectOp::create(b, l, take, v, best);
          Value newIdx = arith::SelectOp::create(b, l, take, idx, bestIdx);
          linalg::YieldOp::create(b, l, ValueRange{newBest, newIdx});
        });
    rewriter.replaceOp(op, finishReduction(rewriter, loc, generic.getResult(1),
                                           reduced, op.getKeepdims(), x,
                                           op.getResult().getType()));
    return success();
  }
};

} // namespace

void populateReduceOpToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<ReduceOpToGeneric<SumOp, Combiner::Sum>,
               ReduceOpToGeneric<MeanOp, Combiner::Sum, /*isMean=*/true>,
               ReduceOpToGeneric<MaxOp, Combiner::Max>,
               ReduceOpToGeneric<MinOp, Combiner::Min>, ArgmaxOpToGeneric>(
      patterns.getContext());
}

} // namespace nnc::codegen
