//===- ConvGradOpToLinalg.cpp - conv and pooling gradients -> linalg ------===//
//
// Every gradient that flows from a forward result back to its input is a
// gather, written as a convolution over a "stuffed" cotangent: `dy`'s rows
// placed `stride` apart (zeros between them) in a zero tensor wide enough
// that every input cell reads a full window from it. Along one dim, with
// kernel K, dilation d, padding p and `L = (K - 1) d - p`:
//
//   dx[h] = sum_k stuffed[h + E + k d] * w[K - 1 - k]
//   stuffed[off + ho s] = dy[ho],  off = max(L, 0),  E = max(-L, 0)
//
// so all indexing maps stay affine (no tensor.extract, no scatter, no
// atomics). conv2d_grad_input is that with the flipped weights;
// avg_pool2d_grad with weights 1 / (kh kw); max_pool2d_grad stuffs, next to
// dy, the index of each window's chosen cell (-1 between windows) and keeps
// dy where that index is the cell's position in the window. The chosen
// cells come from a first generic that reduces each window in an order-free
// way (a total order on (value, index), PyTorch's rule). conv2d_grad_weight
// needs no stuffing: it correlates the zero-padded x with dy, per sample,
// and sums the samples in a second generic. Sums run in f32 for f16/bf16
// and round once. Only the batch may be dynamic.
//
// Loop order: the convolution gradients keep every loop a plain dim of some
// operand ([n, g, c, h, w, ...] with the conv group g a loop of its own),
// which is what the implicit-GEMM kernel (nnc-gpu-tile-contraction) needs
// to split them into M, N and K. The pooling gradients take the naive GPU
// mapping, which puts loop 0 on a block's threads and loops 1 and 2 on the
// grid and runs further parallel loops serially in each thread: their
// result [N, C, H, W] is computed as [N, C H W] with loop 0 the flat
// (c, h, w) and loop 1 the sample, then expanded, since a batch of 64
// would otherwise fill a quarter of each block.
//
//===----------------------------------------------------------------------===//
#include "codegen/common/PatternNNToLinalg.h"

using namespace mlir;
using namespace nnc::nn;

namespace nnc::codegen {
namespace {

/// The geometry of one spatial dim of a transposed window (see the header).
struct StuffedDim {
  int64_t offset; // where dy's first row lands
  int64_t shift;  // E: added to every read
  int64_t size;   // the stuffed dim's size
};

StuffedDim stuffedDim(int64_t in, int64_t out, int64_t kernel, int64_t stride,
                      int64_t pad, int64_t dilation) {
  int64_t l = (kernel - 1) * dilation - pad;
  StuffedDim s;
  s.offset = std::max<int64_t>(l, 0);
  s.shift = std::max<int64_t>(-l, 0);
  s.size = std::max(in + s.shift + (kernel - 1) * dilation,
                    s.offset + (out - 1) * stride + 1);
  return s;
}

/// `t [N, C, Ho, Wo]` placed in a `[N, C, size]` tensor of `fill`, its rows
/// and columns `stride` apart from `offset` on.
Value stuff(OpBuilder &b, Location loc, Value t, const StuffedDim dims[2],
            ArrayRef<int64_t> stride, Value fill) {
  auto type = cast<RankedTensorType>(t.getType());
  if (stride[0] == 1 && stride[1] == 1 && dims[0].offset == 0 &&
      dims[1].offset == 0 && dims[0].size == type.getDimSize(2) &&
      dims[1].size == type.getDimSize(3))
    return t;
  SmallVector<OpFoldResult> sizes = {
      dimSize(b, loc, t, 0), b.getIndexAttr(type.getDimSize(1)),
      b.getIndexAttr(dims[0].size), b.getIndexAttr(dims[1].size)};
  Value init = tensor::EmptyOp::create(b, loc, sizes, type.getElementType());
  init = linalg::FillOp::create(b, loc, ValueRange{fill}, ValueRange{init})
             .getResult(0);
  SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0), b.getIndexAttr(0),
                                       b.getIndexAttr(dims[0].offset),
                                       b.getIndexAttr(dims[1].offset)};
  SmallVector<OpFoldResult> tSizes = {
      dimSize(b, loc, t, 0), b.getIndexAttr(type.getDimSize(1)),
      b.getIndexAttr(type.getDimSize(2)), b.getIndexAttr(type.getDimSize(3))};
  SmallVector<OpFoldResult> strides = {b.getIndexAttr(1), b.getIndexAttr(1),
                                       b.getIndexAttr(stride[0]),
                                       b.getIndexAttr(stride[1])};
  return tensor::InsertSliceOp::create(b, loc, t, init, offsets, tSizes,
                                       strides)
      .getResult();
}

/// Every dim but the batch of the operands and the result must be static.
LogicalResult checkStatic(Operation *op, PatternRewriter &rewriter) {
  auto isOk = [](Type t) {
    auto rt = cast<RankedTensorType>(t);
    return rt.getRank() == 4 &&
           llvm::all_of(llvm::seq<int64_t>(1, 4),
                        [&](int64_t i) { return !rt.isDynamicDim(i); });
  };
  if (!llvm::all_of(op->getOperandTypes(), isOk) ||
      !isOk(op->getResult(0).getType()))
    return rewriter.notifyMatchFailure(op, "needs static C, H, W");
  return success();
}

/// A tensor of `sizes` filled with the scalar `value`.
Value filled(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
             Value value) {
  Value init = tensor::EmptyOp::create(b, loc, sizes, value.getType());
  return linalg::FillOp::create(b, loc, ValueRange{value}, ValueRange{init})
      .getResult(0);
}

/// A shape-only operand for the reduction loops, as linalg.pooling_* ops
/// take one: those loops appear in the other maps only inside sums, from
/// which linalg cannot tell their sizes. It is never read.
Value window(OpBuilder &b, Location loc, ArrayRef<int64_t> sizes, Type type) {
  return tensor::EmptyOp::create(b, loc, sizes, type);
}

/// The row-major coordinates in `sizes` of the flat index `p`.
SmallVector<AffineExpr> unflatten(AffineExpr p, ArrayRef<int64_t> sizes) {
  int64_t stride = 1;
  for (int64_t s : sizes)
    stride *= s;
  SmallVector<AffineExpr> coords;
  for (auto [i, s] : llvm::enumerate(sizes)) {
    stride /= s;
    AffineExpr e = stride == 1 ? p : p.floorDiv(stride);
    coords.push_back(i == 0 ? e : e % s);
  }
  return coords;
}

/// The per-sample extent `C H W` of a `[N, C, H, W]` type.
int64_t sampleSize(RankedTensorType t) {
  return t.getDimSize(1) * t.getDimSize(2) * t.getDimSize(3);
}

/// A `[N, C H W]` init for `result [N, C, H, W]` filled with `value`, N
/// taken from `like`.
Value flatInit(OpBuilder &b, Location loc, Value like, RankedTensorType result,
               Value value) {
  return filled(b, loc,
                {dimSize(b, loc, like, 0), b.getIndexAttr(sampleSize(result))},
                value);
}

/// `flat [N, C H W]` (rounded to `result`'s dtype) as `result [N, C, H, W]`.
Value expandSamples(OpBuilder &b, Location loc, Value flat,
                    RankedTensorType result) {
  flat = convertTensorFloat(b, loc, flat, result.getElementType());
  SmallVector<OpFoldResult> shape = {dimSize(b, loc, flat, 0)};
  for (int64_t i = 1; i < 4; ++i)
    shape.push_back(b.getIndexAttr(result.getDimSize(i)));
  auto type = RankedTensorType::get(
      {cast<RankedTensorType>(flat.getType()).getDimSize(0),
       result.getDimSize(1), result.getDimSize(2), result.getDimSize(3)},
      result.getElementType());
  Value v = tensor::ExpandShapeOp::create(
      b, loc, type, flat, ArrayRef<ReassociationIndices>{{0}, {1, 2, 3}},
      shape);
  return castToType(b, loc, v, result);
}

/// Loops: 2 parallel (the flat cell, the sample), then `reduced` reductions.
SmallVector<utils::IteratorType> sampleIterators(int64_t reduced) {
  SmallVector<utils::IteratorType> it(2, utils::IteratorType::parallel);
  it.append(reduced, utils::IteratorType::reduction);
  return it;
}

/// The map of a `[N, C H W]` output: loop 1 is the sample, loop 0 the cell.
AffineMap sampleMap(MLIRContext *ctx, unsigned loops) {
  return AffineMap::get(
      loops, 0, {getAffineDimExpr(1, ctx), getAffineDimExpr(0, ctx)}, ctx);
}

struct Conv2DGradInputOpToLinalg : public OpRewritePattern<Conv2DGradInputOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(Conv2DGradInputOp op,
                                PatternRewriter &rewriter) const override {
    if (failed(checkStatic(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value dy = op.getDy(), w = op.getW();
    auto dyType = cast<RankedTensorType>(dy.getType());
    auto wType = cast<RankedTensorType>(w.getType());
    RankedTensorType resultType = op.getResult().getType();
    Type elem = resultType.getElementType(), acc = accumulatorType(elem);
    ArrayRef<int64_t> stride = op.getStride(), padding = op.getPadding(),
                      dilation = op.getDilation(), size = op.getInputSize();
    int64_t groups = op.getGroups();
    int64_t kh = wType.getDimSize(2), kw = wType.getDimSize(3);
    int64_t inPerGroup = wType.getDimSize(1);
    int64_t outPerGroup = wType.getDimSize(0) / groups;

    StuffedDim dims[2] = {stuffedDim(size[0], dyType.getDimSize(2), kh,
                                     stride[0], padding[0], dilation[0]),
                          stuffedDim(size[1], dyType.getDimSize(3), kw,
                                     stride[1], padding[1], dilation[1])};
    Value stuffed = stuff(rewriter, loc, dy, dims, stride,
                          scalarConstant(rewriter, loc, elem, 0));
    // Loops: [n, g, c, h, w, o, i, j] (c and o within group g) into
    // [N, G, C/G, H, W], then collapsed: every loop is read as a plain dim,
    // so the implicit-GEMM kernel (nnc-gpu-tile-contraction) sees M = c,
    // N = (n, h, w), K = (o, i, j) and the groups on its grid.
    auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
    AffineExpr o = d(1) * outPerGroup + d(5);
    SmallVector<AffineMap> maps = {
        AffineMap::get(8, 0,
                       {d(0), o, d(3) + dims[0].shift + d(6) * dilation[0],
                        d(4) + dims[1].shift + d(7) * dilation[1]},
                       ctx),
        AffineMap::get(8, 0, {o, d(2), (kh - 1) - d(6), (kw - 1) - d(7)}, ctx),
        AffineMap::get(8, 0, {d(5), d(6), d(7)}, ctx),
        AffineMap::get(8, 0, {d(0), d(1), d(2), d(3), d(4)}, ctx)};
    Value init =
        filled(rewriter, loc,
               {dimSize(rewriter, loc, dy, 0), rewriter.getIndexAttr(groups),
                rewriter.getIndexAttr(inPerGroup),
                rewriter.getIndexAttr(resultType.getDimSize(2)),
                rewriter.getIndexAttr(resultType.getDimSize(3))},
               scalarConstant(rewriter, loc, acc, 0));
    SmallVector<utils::IteratorType> iterators(5,
                                               utils::IteratorType::parallel);
    iterators.append(3, utils::IteratorType::reduction);
    Value shape = window(rewriter, loc, {outPerGroup, kh, kw}, elem);
    Value sum = multiplyAccumulate(rewriter, loc,
                                   ValueRange{stuffed, w, shape}, init, maps,
                                   iterators);
    sum = tensor::CollapseShapeOp::create(
        rewriter, loc, sum,
        ArrayRef<ReassociationIndices>{{0}, {1, 2}, {3}, {4}});
    sum = convertTensorFloat(rewriter, loc, sum, elem);
    rewriter.replaceOp(op, castToType(rewriter, loc, sum, resultType));
    return success();
  }
};

struct Conv2DGradWeightOpToLinalg
    : public OpRewritePattern<Conv2DGradWeightOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(Conv2DGradWeightOp op,
                                PatternRewriter &rewriter) const override {
    RankedTensorType resultType = op.getResult().getType();
    if (failed(checkStatic(op, rewriter)) || resultType.isDynamicDim(0))
      return rewriter.notifyMatchFailure(op, "needs static shapes");
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value x = op.getX(), dy = op.getDy();
    Type elem = resultType.getElementType(), acc = accumulatorType(elem);
    ArrayRef<int64_t> stride = op.getStride(), dilation = op.getDilation();
    int64_t groups = op.getGroups();
    int64_t inPerGroup = resultType.getDimSize(1);
    int64_t outPerGroup = resultType.getDimSize(0) / groups;

    Value xp = padNCHW(rewriter, loc, x, op.getPadding(),
                       scalarConstant(rewriter, loc, elem, 0));

    // Loops [g, o, c, i, j, n, ho, wo] (o and c within group g) into
    // [G, O/G, C/G, kh, kw]: the implicit-GEMM kernel sees M = o, N = (c, i,
    // j), K = (n, ho, wo) and g on its grid; the samples are summed in the
    // one contraction (split over K by nnc-gpu-tile-contraction where the
    // outputs are few), so no per-sample partials are written. With one
    // group the g loop is left out: the result is the weight's own shape, and
    // the elementwise ops after it (the optimizer's update) fuse as its
    // epilogue.
    auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
    bool grouped = groups > 1;
    int64_t first = grouped ? 1 : 0; // the g loop, where there is one
    auto gd = [&](int64_t i) { return d(first + i); }; // o c i j n ho wo
    AffineExpr noOffset = getAffineConstantExpr(0, ctx);
    AffineExpr gIn = grouped ? d(0) * inPerGroup : noOffset;
    AffineExpr gOut = grouped ? d(0) * outPerGroup : noOffset;
    int64_t loops = first + 7;
    SmallVector<AffineExpr> outExprs;
    if (grouped)
      outExprs.push_back(d(0));
    for (int64_t i = 0; i < 4; ++i)
      outExprs.push_back(gd(i));
    SmallVector<AffineMap> maps = {
        AffineMap::get(loops, 0,
                       {gd(4), gIn + gd(1), gd(5) * stride[0] + gd(2) * dilation[0],
                        gd(6) * stride[1] + gd(3) * dilation[1]},
                       ctx),
        AffineMap::get(loops, 0, {gd(4), gOut + gd(0), gd(5), gd(6)}, ctx),
        AffineMap::get(loops, 0, outExprs, ctx)};
    Value zero = scalarConstant(rewriter, loc, acc, 0);
    SmallVector<OpFoldResult> sizes;
    if (grouped)
      sizes.push_back(rewriter.getIndexAttr(groups));
    for (int64_t v : {outPerGroup, inPerGroup, resultType.getDimSize(2),
                      resultType.getDimSize(3)})
      sizes.push_back(rewriter.getIndexAttr(v));
    Value total = filled(rewriter, loc, sizes, zero);
    SmallVector<utils::IteratorType> iterators(first + 4,
                                               utils::IteratorType::parallel);
    iterators.append(3, utils::IteratorType::reduction);
    total = multiplyAccumulate(rewriter, loc, ValueRange{xp, dy}, total, maps,
                               iterators);
    if (grouped)
      total = tensor::CollapseShapeOp::create(
          rewriter, loc, total,
          ArrayRef<ReassociationIndices>{{0, 1}, {2}, {3}, {4}});
    Value result = convertTensorFloat(rewriter, loc, total, elem);
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct AvgPool2DGradOpToLinalg : public OpRewritePattern<AvgPool2DGradOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AvgPool2DGradOp op,
                                PatternRewriter &rewriter) const override {
    if (failed(checkStatic(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value dy = op.getDy();
    auto dyType = cast<RankedTensorType>(dy.getType());
    RankedTensorType resultType = op.getResult().getType();
    Type elem = resultType.getElementType(), acc = accumulatorType(elem);
    ArrayRef<int64_t> kernel = op.getKernel(), stride = op.getStride(),
                      padding = op.getPadding(), size = op.getInputSize();
    StuffedDim dims[2] = {stuffedDim(size[0], dyType.getDimSize(2), kernel[0],
                                     stride[0], padding[0], 1),
                          stuffedDim(size[1], dyType.getDimSize(3), kernel[1],
                                     stride[1], padding[1], 1)};
    Value stuffed = stuff(rewriter, loc, dy, dims, stride,
                          scalarConstant(rewriter, loc, elem, 0));
    Value init = flatInit(rewriter, loc, dy, resultType,
                          scalarConstant(rewriter, loc, acc, 0));
    // Loops: [(c, h, w), n, i, j]. The window is summed as it is read, so
    // it needs no flip.
    auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
    SmallVector<AffineExpr> chw =
        unflatten(d(0), resultType.getShape().drop_front());
    SmallVector<AffineMap> maps = {
        AffineMap::get(4, 0,
                       {d(1), chw[0], chw[1] + dims[0].shift + d(2),
                        chw[2] + dims[1].shift + d(3)},
                       ctx),
        AffineMap::get(4, 0, {d(2), d(3)}, ctx), sampleMap(ctx, 4)};
    double cells = static_cast<double>(kernel[0]) * kernel[1];
    Value shape = window(rewriter, loc, kernel, elem);
    Value sum =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{init.getType()},
            ValueRange{stuffed, shape}, ValueRange{init}, maps,
            sampleIterators(2),
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value g =
                  arith::DivFOp::create(b, l, convertFloat(b, l, args[0], acc),
                                        scalarConstant(b, l, acc, cells));
              linalg::YieldOp::create(
                  b, l, ValueRange{arith::AddFOp::create(b, l, args[2], g)});
            })
            .getResult(0);
    rewriter.replaceOp(op, expandSamples(rewriter, loc, sum, resultType));
    return success();
  }
};

struct MaxPool2DGradOpToLinalg : public OpRewritePattern<MaxPool2DGradOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MaxPool2DGradOp op,
                                PatternRewriter &rewriter) const override {
    if (failed(checkStatic(op, rewriter)))
      return failure();
    ArrayRef<int64_t> kernel = op.getKernel();
    if (kernel[0] * kernel[1] >= std::numeric_limits<int32_t>::max())
      return rewriter.notifyMatchFailure(op, "window positions need i32");
    if (Value dx = disjointWindows(rewriter, op)) {
      rewriter.replaceOp(op, dx);
      return success();
    }
    Value chosen = chooseCells(rewriter, op);
    rewriter.replaceOp(op, gatherChosen(rewriter, op, chosen, op.getDy()));
    return success();
  }

  /// Windows that tile x exactly (MaxPool2DGradOp::hasDisjointWindows: the
  /// common 2x2 pooling): each cell lies in one window, so dx is
  /// elementwise over x. Each cell reads its window (kh kw values of x) and
  /// the window's dy and takes dy if it is the window's chosen cell
  /// (PyTorch's rule: the first maximum in row-major order, the last NaN),
  /// else 0. One generic over x's loops [n, c, h, w] that writes dx at its
  /// indices, so nnc-fuse-regions fuses it with the elementwise ops around
  /// it (the backward's ReLU mask); instead of the chosen indices, two
  /// stuffed tensors and a gather. Null where the windows overlap or leave
  /// cells out.
  static Value disjointWindows(PatternRewriter &rewriter, MaxPool2DGradOp op) {
    if (!op.hasDisjointWindows())
      return Value();
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value x = op.getX(), dy = op.getDy();
    auto xType = cast<RankedTensorType>(x.getType());
    RankedTensorType resultType = op.getResult().getType();
    ArrayRef<int64_t> kernel = op.getKernel();
    auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
    AffineExpr row = d(2).floorDiv(kernel[0]), col = d(3).floorDiv(kernel[1]);
    SmallVector<Value> inputs;
    SmallVector<AffineMap> maps;
    for (int64_t i = 0; i < kernel[0]; ++i)
      for (int64_t j = 0; j < kernel[1]; ++j) {
        inputs.push_back(x);
        maps.push_back(AffineMap::get(
            4, 0, {d(0), d(1), row * kernel[0] + i, col * kernel[1] + j},
            ctx));
      }
    inputs.push_back(dy);
    maps.push_back(AffineMap::get(4, 0, {d(0), d(1), row, col}, ctx));
    maps.push_back(AffineMap::getMultiDimIdentityMap(4, ctx));
    SmallVector<OpFoldResult> sizes = {dimSize(rewriter, loc, x, 0)};
    for (int64_t i = 1; i < 4; ++i)
      sizes.push_back(rewriter.getIndexAttr(xType.getDimSize(i)));
    Value init = tensor::EmptyOp::create(rewriter, loc, sizes,
                                         resultType.getElementType());
    int64_t cells = kernel[0] * kernel[1];
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{init.getType()}, inputs, ValueRange{init},
        maps, SmallVector<utils::IteratorType>(4, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange args) {
          auto cst = [&](int64_t v) {
            return arith::ConstantIndexOp::create(b, l, v).getResult();
          };
          Value best = args[0], chosen = cst(0);
          for (int64_t c = 1; c < cells; ++c) {
            Value v = args[c];
            // A NaN beats everything (so the last NaN wins); a number
            // beats a smaller number (so the first maximum stays).
            Value isNan =
                arith::CmpFOp::create(b, l, arith::CmpFPredicate::UNO, v, v);
            Value greater =
                arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT, v, best);
            Value take = arith::OrIOp::create(b, l, isNan, greater);
            best = arith::SelectOp::create(b, l, take, v, best);
            chosen = arith::SelectOp::create(b, l, take, cst(c), chosen);
          }
          // This cell's position in its window.
          Value hi = linalg::IndexOp::create(b, l, 2);
          Value wi = linalg::IndexOp::create(b, l, 3);
          Value own = arith::AddIOp::create(
              b, l,
              arith::MulIOp::create(
                  b, l, arith::RemUIOp::create(b, l, hi, cst(kernel[0])),
                  cst(kernel[1])),
              arith::RemUIOp::create(b, l, wi, cst(kernel[1])));
          Value hit = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq,
                                            chosen, own);
          Value zero = arith::ConstantOp::create(
              b, l, b.getZeroAttr(resultType.getElementType()));
          linalg::YieldOp::create(
              b, l,
              ValueRange{arith::SelectOp::create(b, l, hit, args[cells], zero)});
        });
    return castToType(rewriter, loc, generic.getResult(0), resultType);
  }

  /// `[N, C, Ho, Wo]` i32: the position `i kw + j` in each window of the
  /// cell PyTorch routes the gradient to. Cells are ranked by a total order,
  /// so the reduction's result does not depend on its order: a NaN above
  /// every number, the later NaN above an earlier one; numbers by value,
  /// then the earlier cell first. Cells in the padding are never taken.
  static Value chooseCells(PatternRewriter &rewriter, MaxPool2DGradOp op) {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value x = op.getX(), dy = op.getDy();
    auto xType = cast<RankedTensorType>(x.getType());
    auto dyType = cast<RankedTensorType>(dy.getType());
    Type elem = xType.getElementType(), i32 = rewriter.getI32Type();
    ArrayRef<int64_t> kernel = op.getKernel(), stride = op.getStride(),
                      padding = op.getPadding();
    ArrayRef<int64_t> windows = dyType.getShape().drop_front();
    int64_t inSize[2] = {xType.getDimSize(2), xType.getDimSize(3)};
    Value lowest = extremeConstant(rewriter, loc, elem, /*lowest=*/true);
    Value xp = cropToWindows(rewriter, loc,
                             padNCHW(rewriter, loc, x, padding, lowest),
                             windows.drop_front(), kernel, stride);
    Value best = flatInit(rewriter, loc, x, dyType, lowest);
    Value index = flatInit(rewriter, loc, x, dyType,
                           scalarConstant(rewriter, loc, i32,
                                          std::numeric_limits<int32_t>::max()));

    // Loops: [(c, ho, wo), n, i, j].
    auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
    SmallVector<AffineExpr> cyx = unflatten(d(0), windows);
    SmallVector<AffineMap> maps = {
        AffineMap::get(4, 0,
                       {d(1), cyx[0], cyx[1] * stride[0] + d(2),
                        cyx[2] * stride[1] + d(3)},
                       ctx),
        AffineMap::get(4, 0, {d(2), d(3)}, ctx), sampleMap(ctx, 4),
        sampleMap(ctx, 4)};
    Value shape = window(rewriter, loc, kernel, elem);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{best.getType(), index.getType()},
        ValueRange{xp, shape}, ValueRange{best, index}, maps,
        sampleIterators(2), [&](OpBuilder &b, Location l, ValueRange args) {
          Value v = args[0], top = args[2], topIdx = args[3];
          auto cst = [&](int64_t v) {
            return arith::ConstantIndexOp::create(b, l, v).getResult();
          };
          auto cmpi = [&](arith::CmpIPredicate p, Value a, Value c) {
            return arith::CmpIOp::create(b, l, p, a, c).getResult();
          };
          auto cmpf = [&](arith::CmpFPredicate p, Value a, Value c) {
            return arith::CmpFOp::create(b, l, p, a, c).getResult();
          };
          auto both = [&](Value a, Value c) {
            return arith::AndIOp::create(b, l, a, c).getResult();
          };
          auto either = [&](Value a, Value c) {
            return arith::OrIOp::create(b, l, a, c).getResult();
          };
          Value i = linalg::IndexOp::create(b, l, 2);
          Value j = linalg::IndexOp::create(b, l, 3);
          Value cell = arith::IndexCastOp::create(
              b, l, i32,
              arith::AddIOp::create(
                  b, l, arith::MulIOp::create(b, l, i, cst(kernel[1])), j));
          Value vNan = cmpf(arith::CmpFPredicate::UNO, v, v);
          Value topNan = cmpf(arith::CmpFPredicate::UNO, top, top);
          Value topNum = arith::XOrIOp::create(
              b, l, topNan,
              arith::ConstantOp::create(b, l, b.getBoolAttr(true)));
          Value earlier = cmpi(arith::CmpIPredicate::slt, cell, topIdx);
          Value later = cmpi(arith::CmpIPredicate::sgt, cell, topIdx);
          // A number beats a number; NaN never compares greater or equal.
          Value beatsNum = both(
              topNum,
              either(cmpf(arith::CmpFPredicate::OGT, v, top),
                     both(cmpf(arith::CmpFPredicate::OEQ, v, top), earlier)));
          Value beatsNan = both(vNan, either(topNum, later));
          Value take = either(beatsNum, beatsNan);
          // Padded cells: the window's row or column outside x. The
          // window's (ho, wo) comes from the flat loop 0.
          Value flat = linalg::IndexOp::create(b, l, 0);
          Value windowPos[2] = {
              arith::RemUIOp::create(
                  b, l, arith::DivUIOp::create(b, l, flat, cst(windows[2])),
                  cst(windows[1])),
              arith::RemUIOp::create(b, l, flat, cst(windows[2]))};
          Value offset[2] = {i, j};
          for (int k = 0; k < 2; ++k) {
            if (padding[k] == 0)
              continue;
            Value pos = arith::AddIOp::create(
                b, l, arith::MulIOp::create(b, l, windowPos[k], cst(stride[k])),
                offset[k]);
            Value inside =
                both(cmpi(arith::CmpIPredicate::sge, pos, cst(padding[k])),
                     cmpi(arith::CmpIPredicate::slt, pos,
                          cst(inSize[k] + padding[k])));
            take = both(take, inside);
          }
          linalg::YieldOp::create(
              b, l,
              ValueRange{arith::SelectOp::create(b, l, take, v, top),
                         arith::SelectOp::create(b, l, take, cell, topIdx)});
        });
    SmallVector<OpFoldResult> shape4 = {dimSize(rewriter, loc, x, 0)};
    for (int64_t s : windows)
      shape4.push_back(rewriter.getIndexAttr(s));
    return tensor::ExpandShapeOp::create(
        rewriter, loc, RankedTensorType::get(dyType.getShape(), i32),
        generic.getResult(1), ArrayRef<ReassociationIndices>{{0}, {1, 2, 3}},
        shape4);
  }

  /// dx[h, w]: the sum of the stuffed dy over the windows whose chosen cell
  /// is (h, w), i.e. where the stuffed position equals the cell's position
  /// in that window.
  static Value gatherChosen(PatternRewriter &rewriter, MaxPool2DGradOp op,
                            Value chosen, Value dy) {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto dyType = cast<RankedTensorType>(dy.getType());
    RankedTensorType resultType = op.getResult().getType();
    Type elem = resultType.getElementType(), acc = accumulatorType(elem);
    Type i32 = rewriter.getI32Type();
    ArrayRef<int64_t> kernel = op.getKernel(), stride = op.getStride(),
                      padding = op.getPadding();
    StuffedDim dims[2] = {
        stuffedDim(resultType.getDimSize(2), dyType.getDimSize(2), kernel[0],
                   stride[0], padding[0], 1),
        stuffedDim(resultType.getDimSize(3), dyType.getDimSize(3), kernel[1],
                   stride[1], padding[1], 1)};
    Value stuffedDy = stuff(rewriter, loc, dy, dims, stride,
                            scalarConstant(rewriter, loc, elem, 0));
    Value stuffedIdx = stuff(rewriter, loc, chosen, dims, stride,
                             scalarConstant(rewriter, loc, i32, -1));
    Value init = flatInit(rewriter, loc, dy, resultType,
                          scalarConstant(rewriter, loc, acc, 0));

    // Loops: [(c, h, w), n, i, j]; (i, j) counts the window backwards.
    auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
    SmallVector<AffineExpr> chw =
        unflatten(d(0), resultType.getShape().drop_front());
    AffineMap read =
        AffineMap::get(4, 0,
                       {d(1), chw[0], chw[1] + dims[0].shift + d(2),
                        chw[2] + dims[1].shift + d(3)},
                       ctx);
    SmallVector<AffineMap> maps = {
        read, read, AffineMap::get(4, 0, {d(2), d(3)}, ctx), sampleMap(ctx, 4)};
    Value shape = window(rewriter, loc, kernel, elem);
    Value sum =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{init.getType()},
            ValueRange{stuffedIdx, stuffedDy, shape}, ValueRange{init}, maps,
            sampleIterators(2),
            [&](OpBuilder &b, Location l, ValueRange args) {
              auto cst = [&](int64_t v) {
                return arith::ConstantIndexOp::create(b, l, v).getResult();
              };
              // The cell sits at (kh - 1 - i, kw - 1 - j) of that window.
              Value row = arith::SubIOp::create(
                  b, l, cst(kernel[0] - 1), linalg::IndexOp::create(b, l, 2));
              Value col = arith::SubIOp::create(
                  b, l, cst(kernel[1] - 1), linalg::IndexOp::create(b, l, 3));
              Value cell = arith::IndexCastOp::create(
                  b, l, i32,
                  arith::AddIOp::create(
                      b, l, arith::MulIOp::create(b, l, row, cst(kernel[1])),
                      col));
              Value hit = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq,
                                                args[0], cell);
              Value g = arith::SelectOp::create(
                  b, l, hit, convertFloat(b, l, args[1], acc),
                  scalarConstant(b, l, acc, 0));
              linalg::YieldOp::create(
                  b, l, ValueRange{arith::AddFOp::create(b, l, args[3], g)});
            })
            .getResult(0);
    return expandSamples(rewriter, loc, sum, resultType);
  }
};

} // namespace

void populateConvGradOpToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<Conv2DGradInputOpToLinalg, Conv2DGradWeightOpToLinalg,
               AvgPool2DGradOpToLinalg, MaxPool2DGradOpToLinalg>(
      patterns.getContext());
}

} // namespace nnc::codegen
