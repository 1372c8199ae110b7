//===- Decompose.cpp - nn-decompose: composite nn ops into primitive ones -===//
//
// softmax, log_softmax, layer_norm, rms_norm, batch_norm, mse and
// cross_entropy become elementwise ops, reductions with keepdims and
// reshapes, which is all the fuser and codegen need to know about. The
// activations (silu, sigmoid, gelu, rsqrt) stay: codegen has them.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "ir/NNOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

#include <numeric>

namespace nnc {
#define GEN_PASS_DEF_NNDECOMPOSE
#include "passes/Passes.h.inc"
} // namespace nnc

using namespace mlir;
using namespace nnc::nn;

namespace {

/// Builds the primitive ops of one rewrite at the composite op's location.
/// Every op is type-checked as it is built (createChecked). A verified
/// composite always decomposes, so a check that fails is a bug here; it is
/// reported at the op, every later build is skipped, and `replace` erases
/// what was built so that the composite op stays as it was.
class Emitter {
public:
  Emitter(PatternRewriter &rewriter, Operation *op)
      : rewriter(rewriter), loc(op->getLoc()) {}

  template <typename OpTy, typename... Args> Value build(Args &&...args) {
    if (broken)
      return {};
    OpTy op = createChecked<OpTy>(rewriter, loc, std::forward<Args>(args)...);
    if (!op) {
      broken = true;
      return {};
    }
    built.push_back(op);
    return op.getResult();
  }

  Value add(Value l, Value r) { return build<AddOp>(l, r); }
  Value sub(Value l, Value r) { return build<SubOp>(l, r); }
  Value mul(Value l, Value r) { return build<MulOp>(l, r); }
  Value div(Value l, Value r) { return build<DivOp>(l, r); }

  template <typename ReduceOp>
  Value reduce(Value x, ArrayRef<int64_t> axes, bool keepdims) {
    return build<ReduceOp>(x, axes, keepdims);
  }

  /// A 0-d constant of `elementType` (f32, f16 or bf16; rounded to it).
  Value scalar(Type elementType, double value) {
    auto type = RankedTensorType::get({}, elementType);
    return build<ConstantOp>(cast<ElementsAttr>(
        DenseElementsAttr::get(type, FloatAttr::get(elementType, value))));
  }

  Value castTo(Value x, Type dtype) {
    if (broken)
      return {};
    FailureOr<Type> type = CastOp::inferResultType(loc, x.getType(), dtype);
    if (failed(type)) {
      broken = true;
      return {};
    }
    CastOp op = CastOp::create(rewriter, loc, *type, x);
    built.push_back(op);
    return op.getResult();
  }

  /// Replaces `op` by `result`, which takes `op`'s declared result type:
  /// that may be more static than the inferred one, and users (a
  /// func.return) expect it exactly. The two are compatible because the
  /// decomposition computes the same shape the composite op inferred.
  LogicalResult replace(Operation *op, Value result) {
    if (broken) {
      for (Operation *b : llvm::reverse(built))
        rewriter.eraseOp(b);
      return rewriter.notifyMatchFailure(op, "decomposition does not check");
    }
    rewriter.modifyOpInPlace(result.getDefiningOp(), [&] {
      result.setType(op->getResult(0).getType());
    });
    rewriter.replaceOp(op, result);
    return success();
  }

private:
  PatternRewriter &rewriter;
  Location loc;
  SmallVector<Operation *> built;
  bool broken = false;
};

Type elementTypeOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getElementType();
}

int64_t rankOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getRank();
}

/// Axes `from..rank-1` of `x`.
SmallVector<int64_t> trailingAxes(Value x, int64_t from) {
  SmallVector<int64_t> axes(rankOf(x) - from);
  std::iota(axes.begin(), axes.end(), from);
  return axes;
}

/// (x - m) - log(sum(exp(x - m))) with m = max(x): the max keeps exp from
/// overflowing. Shared by log_softmax and cross_entropy, which builds it
/// directly since the walk driver does not revisit the ops it creates.
Value buildLogSoftmax(Emitter &e, Value x, int64_t axis) {
  Value shifted = e.sub(x, e.reduce<MaxOp>(x, {axis}, true));
  Value sum = e.reduce<SumOp>(e.build<ExpOp>(shifted), {axis}, true);
  return e.sub(shifted, e.build<LogOp>(sum));
}

/// softmax(x) = e / sum(e) with e = exp(x - max(x)).
struct DecomposeSoftmax : OpRewritePattern<SoftmaxOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SoftmaxOp op,
                                PatternRewriter &rewriter) const override {
    Emitter e(rewriter, op);
    int64_t axis = op.getAxis();
    Value x = op.getX();
    Value exp = e.build<ExpOp>(e.sub(x, e.reduce<MaxOp>(x, {axis}, true)));
    return e.replace(op, e.div(exp, e.reduce<SumOp>(exp, {axis}, true)));
  }
};

struct DecomposeLogSoftmax : OpRewritePattern<LogSoftmaxOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(LogSoftmaxOp op,
                                PatternRewriter &rewriter) const override {
    Emitter e(rewriter, op);
    return e.replace(op, buildLogSoftmax(e, op.getX(), op.getAxis()));
  }
};

/// (x - mean) * rsqrt(var + eps) * gamma + beta, with the mean and the
/// biased variance over axis..rank-1; gamma and beta are x.shape[axis:],
/// so they broadcast as they are.
struct DecomposeLayerNorm : OpRewritePattern<LayerNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(LayerNormOp op,
                                PatternRewriter &rewriter) const override {
    Emitter e(rewriter, op);
    Value x = op.getX();
    SmallVector<int64_t> axes = trailingAxes(x, op.getAxis());
    Value centered = e.sub(x, e.reduce<MeanOp>(x, axes, true));
    Value var = e.reduce<MeanOp>(e.mul(centered, centered), axes, true);
    Value eps = e.scalar(elementTypeOf(x), op.getEps().convertToDouble());
    Value normed = e.mul(centered, e.build<RsqrtOp>(e.add(var, eps)));
    return e.replace(op, e.add(e.mul(normed, op.getGamma()), op.getBeta()));
  }
};

/// x * rsqrt(mean(x * x) + eps) * gamma over axis..rank-1.
struct DecomposeRmsNorm : OpRewritePattern<RmsNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(RmsNormOp op,
                                PatternRewriter &rewriter) const override {
    Emitter e(rewriter, op);
    Value x = op.getX();
    SmallVector<int64_t> axes = trailingAxes(x, op.getAxis());
    Value meanSquare = e.reduce<MeanOp>(e.mul(x, x), axes, true);
    Value eps = e.scalar(elementTypeOf(x), op.getEps().convertToDouble());
    Value normed = e.mul(x, e.build<RsqrtOp>(e.add(meanSquare, eps)));
    return e.replace(op, e.mul(normed, op.getGamma()));
  }
};

/// (x - mean) * rsqrt(var + eps) * gamma + beta per channel (axis 1 of
/// [N, C, ...]). The [C] operands are reshaped to [C, 1, ...] so that they
/// broadcast over the trailing dims; in training the statistics are the
/// biased batch ones over every axis but 1, kept as [1, C, 1, ...].
struct DecomposeBatchNorm : OpRewritePattern<BatchNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(BatchNormOp op,
                                PatternRewriter &rewriter) const override {
    Emitter e(rewriter, op);
    Value x = op.getX();
    int64_t rank = rankOf(x);
    // [C] -> [C, 1, ...]; -1 keeps a dynamic C working.
    auto perChannel = [&](Value v) {
      if (rank == 2)
        return v;
      SmallVector<int64_t> shape(rank - 1, 1);
      shape[0] = -1;
      return e.build<ReshapeOp>(v, ArrayRef<int64_t>(shape));
    };
    Value centered, var;
    if (op.getTraining()) {
      SmallVector<int64_t> axes = trailingAxes(x, 1);
      axes[0] = 0;
      centered = e.sub(x, e.reduce<MeanOp>(x, axes, true));
      var = e.reduce<MeanOp>(e.mul(centered, centered), axes, true);
    } else {
      centered = e.sub(x, perChannel(op.getMean()));
      var = perChannel(op.getVar());
    }
    Value eps = e.scalar(elementTypeOf(x), op.getEps().convertToDouble());
    Value normed = e.mul(centered, e.build<RsqrtOp>(e.add(var, eps)));
    Value scaled = e.mul(normed, perChannel(op.getGamma()));
    return e.replace(op, e.add(scaled, perChannel(op.getBeta())));
  }
};

/// mean((p - t) * (p - t)) over all axes.
struct DecomposeMse : OpRewritePattern<MseOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MseOp op,
                                PatternRewriter &rewriter) const override {
    Emitter e(rewriter, op);
    Value diff = e.sub(op.getPred(), op.getTarget());
    return e.replace(op, e.reduce<MeanOp>(e.mul(diff, diff), {}, false));
  }
};

bool hasStaticClasses(CrossEntropyOp op) {
  return !cast<RankedTensorType>(op.getLogits().getType()).isDynamicDim(1);
}

/// -mean_b(sum_c(onehot * log_softmax(logits))), onehot[b, c] =
/// (labels[b] == c) as the logits' dtype, compared against a constant
/// [0, C) of the labels' dtype. The constant needs a static C: with a
/// dynamic C the op is left alone. A label outside [0, C) selects nothing
/// (contributes 0) instead of being an error.
struct DecomposeCrossEntropy : OpRewritePattern<CrossEntropyOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(CrossEntropyOp op,
                                PatternRewriter &rewriter) const override {
    if (!hasStaticClasses(op))
      return rewriter.notifyMatchFailure(op, "class count is dynamic");
    auto logits = cast<RankedTensorType>(op.getLogits().getType());
    int64_t classes = logits.getDimSize(1);

    Emitter e(rewriter, op);
    Type labelType = elementTypeOf(op.getLabels());
    SmallVector<APInt> iota;
    for (int64_t c = 0; c < classes; ++c)
      iota.push_back(APInt(labelType.getIntOrFloatBitWidth(), c));
    auto iotaType = RankedTensorType::get({classes}, labelType);
    Value classIds = e.build<ConstantOp>(
        cast<ElementsAttr>(DenseElementsAttr::get(iotaType, iota)));
    Value column = e.build<ReshapeOp>(op.getLabels(), ArrayRef<int64_t>{-1, 1});
    Value hit = e.build<CompareOp>(StringRef("eq"), column, classIds);
    Value onehot = e.castTo(hit, logits.getElementType());
    Value logProbs = buildLogSoftmax(e, op.getLogits(), 1);
    Value picked = e.reduce<SumOp>(e.mul(onehot, logProbs), {1}, false);
    Value mean = e.reduce<MeanOp>(picked, {}, false);
    return e.replace(op, e.build<NegOp>(mean));
  }
};

struct NNDecompose : nnc::impl::NNDecomposeBase<NNDecompose> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    patterns.add<DecomposeSoftmax, DecomposeLogSoftmax, DecomposeLayerNorm,
                 DecomposeRmsNorm, DecomposeBatchNorm, DecomposeMse,
                 DecomposeCrossEntropy>(ctx);
    // One walk suffices: the patterns build primitive ops only. Folding and
    // dead-code removal are nn-canonicalize's job; this driver does neither,
    // so the output is exactly what the patterns build.
    walkAndApplyPatterns(getOperation(), std::move(patterns));
    // A composite op left over (bar cross_entropy with a dynamic C) means a
    // decomposition did not check; the Emitter reported it at the op.
    WalkResult left = getOperation()->walk([](Operation *op) {
      auto ce = dyn_cast<CrossEntropyOp>(op);
      if ((ce && hasStaticClasses(ce)) ||
          isa<SoftmaxOp, LogSoftmaxOp, LayerNormOp, RmsNormOp, BatchNormOp,
              MseOp>(op))
        return WalkResult::interrupt();
      return WalkResult::advance();
    });
    if (left.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace
