//===- GatherOpToLinalg.cpp - gather, embedding, scatter_add, dropout -----===//
//
// gather (NumPy take) and embedding (a take along axis 0) become one
// `linalg.generic` over the result that reads the index tensor and
// `tensor.extract`s from `x`. scatter_add, their gradient, is a generic over
// `x` that reduces over the indices. dropout is the identity outside
// training and a Philox 4x32-10 mask computed per element in training.
//
//===----------------------------------------------------------------------===//
#include "codegen/common/PatternNNToLinalg.h"

#include <array>
#include <cmath>

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

/// `result = x; result[p, indices[j], q] += updates[p, j, q]` as a generic
/// over `x`'s dims (parallel) and the index dims (reductions, innermost):
/// each element of the result adds the updates whose index is its position
/// along `axis`. Indices are wrapped and clamped as `buildTake` does, so the
/// gradient goes where the device's gather read. f16/bf16 accumulate in
/// f32. Every update is compared with every position: O(|x| |indices|),
/// but deterministic and without atomics.
struct ScatterAddOpToLinalg : public OpRewritePattern<ScatterAddOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ScatterAddOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value x = op.getX(), indices = op.getIndices(), updates = op.getUpdates();
    auto xType = cast<RankedTensorType>(x.getType());
    int64_t axis = op.getAxis(), xRank = xType.getRank();
    int64_t iRank = cast<RankedTensorType>(indices.getType()).getRank();
    Type element = xType.getElementType();
    Type acc = accumulatorType(element);
    Value extent = toIndexValue(rewriter, loc, dimSize(rewriter, loc, x, axis));
    Value init = convertTensorFloat(rewriter, loc, x, acc);

    auto dims = [&](int64_t from, int64_t to) {
      SmallVector<AffineExpr> exprs;
      for (int64_t i = from; i < to; ++i)
        exprs.push_back(getAffineDimExpr(i, ctx));
      return exprs;
    };
    int64_t loops = xRank + iRank;
    SmallVector<AffineExpr> updateExprs = dims(0, axis);
    llvm::append_range(updateExprs, dims(xRank, loops));
    llvm::append_range(updateExprs, dims(axis + 1, xRank));
    SmallVector<AffineMap> maps = {
        AffineMap::get(loops, 0, dims(xRank, loops), ctx),
        AffineMap::get(loops, 0, updateExprs, ctx),
        AffineMap::get(loops, 0, dims(0, xRank), ctx)};
    SmallVector<utils::IteratorType> iterators(xRank,
                                               utils::IteratorType::parallel);
    iterators.append(iRank, utils::IteratorType::reduction);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{init.getType()}, ValueRange{indices, updates},
        ValueRange{init}, maps, iterators,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value idx =
              arith::IndexCastOp::create(b, l, b.getIndexType(), args[0]);
          Value zero = arith::ConstantIndexOp::create(b, l, 0);
          Value one = arith::ConstantIndexOp::create(b, l, 1);
          Value negative =
              arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, idx, zero);
          idx = arith::SelectOp::create(
              b, l, negative, arith::AddIOp::create(b, l, idx, extent), idx);
          idx = arith::MaxSIOp::create(b, l, idx, zero);
          idx = arith::MinSIOp::create(
              b, l, idx, arith::SubIOp::create(b, l, extent, one));
          Value here =
              arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, idx,
                                    linalg::IndexOp::create(b, l, axis));
          Value update =
              isa<FloatType>(acc) ? convertFloat(b, l, args[1], acc) : args[1];
          Value added = arith::SelectOp::create(b, l, here, update,
                                                scalarConstant(b, l, acc, 0));
          Value sum = isa<FloatType>(acc)
                          ? Value(arith::AddFOp::create(b, l, args[2], added))
                          : Value(arith::AddIOp::create(b, l, args[2], added));
          linalg::YieldOp::create(b, l, sum);
        });
    Value result =
        convertTensorFloat(rewriter, loc, generic.getResult(0), element);
    rewriter.replaceOp(op, castToType(rewriter, loc, result, op.getType()));
    return success();
  }
};

/// Ten rounds of Philox 4x32 on `c` in i32 arithmetic; the key schedule
/// is a compile-time constant (the seed is an attribute). `mulhi`/`mullo`
/// come from one 32x32->64 `arith.mului_extended`.
Value philoxW0(OpBuilder &b, Location loc, std::array<Value, 4> c,
               uint64_t seed) {
  const uint32_t M0 = 0xD2511F53u, M1 = 0xCD9E8D57u;
  const uint32_t W0 = 0x9E3779B9u, W1 = 0xBB67AE85u;
  Type i32 = b.getI32Type();
  auto constant = [&](uint32_t v) -> Value {
    return arith::ConstantOp::create(
        b, loc, b.getIntegerAttr(i32, static_cast<int32_t>(v)));
  };
  uint32_t k0 = uint32_t(seed), k1 = uint32_t(seed >> 32);
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      k0 += W0;
      k1 += W1;
    }
    auto p0 = arith::MulUIExtendedOp::create(b, loc, constant(M0), c[0]);
    auto p1 = arith::MulUIExtendedOp::create(b, loc, constant(M1), c[2]);
    Value n0 = arith::XOrIOp::create(
        b, loc, arith::XOrIOp::create(b, loc, p1.getHigh(), c[1]),
        constant(k0));
    Value n2 = arith::XOrIOp::create(
        b, loc, arith::XOrIOp::create(b, loc, p0.getHigh(), c[3]),
        constant(k1));
    c = {n0, p1.getLow(), n2, p0.getLow()};
  }
  return c[0];
}

/// dropout: the identity outside training. In training, a generic over `x`
/// computes each element's row-major index, draws Philox at counter
/// (index lo, index hi, uint32(step), 0) under the seed, and keeps the
/// element, scaled by 1 / (1 - p), iff (w0 >> 8) * 2^-24 >= p, i.e. iff
/// w0 >> 8 >= ceil(p 2^24), which is exact in integers (docs/ops.md).
struct DropoutOpToLinalg : public OpRewritePattern<DropoutOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(DropoutOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = op.getX();
    if (!op.getTraining()) {
      rewriter.replaceOp(op, castToType(rewriter, loc, x, op.getType()));
      return success();
    }
    auto xType = cast<RankedTensorType>(x.getType());
    int64_t rank = xType.getRank();
    double p = op.getP().convertToDouble();
    uint64_t seed = op.getSeed();
    auto threshold = static_cast<uint32_t>(std::ceil(std::ldexp(p, 24)));

    SmallVector<OpFoldResult> sizes;
    SmallVector<Value> extents;
    for (int64_t i = 0; i < rank; ++i) {
      sizes.push_back(dimSize(rewriter, loc, x, i));
      extents.push_back(toIndexValue(rewriter, loc, sizes.back()));
    }
    Value init =
        tensor::EmptyOp::create(rewriter, loc, sizes, xType.getElementType());
    MLIRContext *ctx = rewriter.getContext();
    SmallVector<Value> inputs = {x};
    SmallVector<AffineMap> maps = {
        AffineMap::getMultiDimIdentityMap(rank, ctx)};
    if (Value step = op.getStep()) {
      inputs.push_back(step);
      maps.push_back(AffineMap::get(rank, 0, {}, ctx));
    }
    maps.push_back(AffineMap::getMultiDimIdentityMap(rank, ctx));
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{init.getType()}, inputs, ValueRange{init},
        maps,
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Type i32 = b.getI32Type(), i64 = b.getI64Type();
          // The row-major index, as i64 so that its high word is defined.
          Value index = rank == 0
                            ? Value(arith::ConstantIndexOp::create(b, l, 0))
                            : Value(linalg::IndexOp::create(b, l, 0));
          for (int64_t i = 1; i < rank; ++i)
            index = arith::AddIOp::create(
                b, l, arith::MulIOp::create(b, l, index, extents[i]),
                linalg::IndexOp::create(b, l, i));
          Value wide = arith::IndexCastUIOp::create(b, l, i64, index);
          Value lo = arith::TruncIOp::create(b, l, i32, wide);
          Value hi = arith::TruncIOp::create(
              b, l, i32,
              arith::ShRUIOp::create(
                  b, l, wide,
                  arith::ConstantOp::create(b, l, b.getI64IntegerAttr(32))));
          Value zero32 =
              arith::ConstantOp::create(b, l, b.getI32IntegerAttr(0));
          Value step = args.size() == 3
                           ? Value(arith::FPToUIOp::create(b, l, i32, args[1]))
                           : zero32;
          Value w0 = philoxW0(b, l, {lo, hi, step, zero32}, seed);
          Value bits = arith::ShRUIOp::create(
              b, l, w0,
              arith::ConstantOp::create(b, l, b.getI32IntegerAttr(8)));
          Value keep = arith::CmpIOp::create(
              b, l, arith::CmpIPredicate::uge, bits,
              arith::ConstantOp::create(
                  b, l,
                  b.getIntegerAttr(i32, static_cast<int32_t>(threshold))));
          Type t = args[0].getType();
          Value scaled = arith::MulFOp::create(
              b, l, args[0], scalarConstant(b, l, t, 1.0 / (1.0 - p)));
          linalg::YieldOp::create(
              b, l,
              arith::SelectOp::create(b, l, keep, scaled,
                                      scalarConstant(b, l, t, 0.0))
                  .getResult());
        });
    rewriter.replaceOp(
        op, castToType(rewriter, loc, generic.getResult(0), op.getType()));
    return success();
  }
};

} // namespace

void populateGatherOpToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<GatherOpToLinalg, EmbeddingOpToLinalg, ScatterAddOpToLinalg,
               DropoutOpToLinalg>(patterns.getContext());
}

} // namespace nnc::codegen
