//===- NNOps.cpp - Inference of elementwise, reduction and loss ops -------===//
//
// Each op's `inferResultType` is the single place that checks its operands
// and attributes. It serves three callers: the ODS builders that omit the
// result type, `inferReturnTypes` (which the frontend calls as a checker,
// with a location), and the verifier. Messages use nnc's type syntax.
//
//===----------------------------------------------------------------------===//

#include "ir/NNInference.h"

using namespace mlir;
using namespace nnc::nn;
using namespace nnc::nn::detail;

//===----------------------------------------------------------------------===//
// constant
//===----------------------------------------------------------------------===//

FailureOr<Type> ConstantOp::inferResultType(Loc loc, Adaptor a) {
  Checker c{loc, "constant"};
  auto type = dyn_cast<RankedTensorType>(a.getValue().getType());
  if (!type || !isNNElementType(type.getElementType()))
    return c.error(std::string("needs a tensor value ") +
                   describe(Dtypes::Any) + "; got " +
                   fmt(a.getValue().getType()));
  return Type(type);
}
NN_INFER_GLUE(ConstantOp)

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

namespace {
FailureOr<Type> inferBinary(const Checker &c, Value lhs, Value rhs, Dtypes kind,
                            Type resultElement = {}) {
  RankedTensorType l = c.tensor(lhs, "lhs", kind);
  if (!l)
    return failure();
  RankedTensorType r = c.tensor(rhs, "rhs", kind);
  if (!r || failed(c.sameDtype(l, r)))
    return failure();
  FailureOr<SmallVector<int64_t>> shape = broadcastShapes(c, {l, r});
  if (failed(shape))
    return failure();
  return Type(RankedTensorType::get(
      *shape, resultElement ? resultElement : l.getElementType()));
}

FailureOr<Type> inferUnary(const Checker &c, Value x, Dtypes kind) {
  RankedTensorType t = c.tensor(x, "x", kind);
  if (!t)
    return failure();
  return Type(t);
}
} // namespace

#define NN_BINARY(OP, KIND)                                                    \
  FailureOr<Type> OP::inferResultType(Loc loc, Adaptor a) {                    \
    return inferBinary(Checker{loc, userName<OP>()}, a.getLhs(), a.getRhs(),   \
                       Dtypes::KIND);                                          \
  }                                                                            \
  NN_INFER_GLUE(OP)

NN_BINARY(AddOp, Numeric)
NN_BINARY(SubOp, Numeric)
NN_BINARY(MulOp, Numeric)
NN_BINARY(DivOp, Numeric)
NN_BINARY(MaximumOp, Numeric)
NN_BINARY(MinimumOp, Numeric)
NN_BINARY(PowOp, Float)

FailureOr<Type> CompareOp::inferResultType(Loc loc, Adaptor a) {
  Checker c{loc, "compare"};
  StringRef p = a.getPredicate();
  if (!llvm::is_contained({"eq", "ne", "lt", "le", "gt", "ge"}, p))
    return c.error("predicate must be one of eq, ne, lt, le, gt, ge; got \"" +
                   p + "\"");
  return inferBinary(c, a.getLhs(), a.getRhs(), Dtypes::Any,
                     IntegerType::get(a.getLhs().getContext(), 1));
}
NN_INFER_GLUE(CompareOp)

#define NN_UNARY(OP, KIND)                                                     \
  FailureOr<Type> OP::inferResultType(Loc loc, Adaptor a) {                    \
    return inferUnary(Checker{loc, userName<OP>()}, a.getX(), Dtypes::KIND);   \
  }                                                                            \
  NN_INFER_GLUE(OP)

NN_UNARY(NegOp, Numeric)
NN_UNARY(AbsOp, Numeric)
NN_UNARY(ExpOp, Float)
NN_UNARY(LogOp, Float)
NN_UNARY(SqrtOp, Float)
NN_UNARY(RsqrtOp, Float)
NN_UNARY(TanhOp, Float)
NN_UNARY(SigmoidOp, Float)
NN_UNARY(ReluOp, Float)
NN_UNARY(SiluOp, Float)

FailureOr<Type> GeluOp::inferResultType(Loc loc, Adaptor a) {
  Checker c{loc, "gelu"};
  StringRef mode = a.getApproximate();
  if (mode != "none" && mode != "tanh")
    return c.error("approximate must be \"none\" or \"tanh\"; got \"" + mode +
                   "\"");
  return inferUnary(c, a.getX(), Dtypes::Float);
}
NN_INFER_GLUE(GeluOp)

FailureOr<Type> WhereOp::inferResultType(Loc loc, Adaptor a) {
  Checker c{loc, "where"};
  RankedTensorType cond = c.tensor(a.getCond(), "cond", Dtypes::Bool);
  if (!cond)
    return failure();
  RankedTensorType l = c.tensor(a.getLhs(), "lhs", Dtypes::Any);
  if (!l)
    return failure();
  RankedTensorType r = c.tensor(a.getRhs(), "rhs", Dtypes::Any);
  if (!r || failed(c.sameDtype(l, r, "lhs and rhs")))
    return failure();
  FailureOr<SmallVector<int64_t>> shape = broadcastShapes(c, {cond, l, r});
  if (failed(shape))
    return failure();
  return Type(RankedTensorType::get(*shape, l.getElementType()));
}
NN_INFER_GLUE(WhereOp)

//===----------------------------------------------------------------------===//
// cast
//===----------------------------------------------------------------------===//

FailureOr<Type> CastOp::inferResultType(Loc loc, Type x, Type dtype) {
  Checker c{loc, "cast"};
  auto t = dyn_cast<RankedTensorType>(x);
  if (!t || !isNNElementType(t.getElementType()))
    return c.error(std::string("needs x to be a tensor ") +
                   describe(Dtypes::Any) + "; got " + fmt(x));
  if (!dtype || !isNNElementType(dtype))
    return c.error("cannot cast to " + (dtype ? fmt(dtype) : "<null>") +
                   "; the dtypes are f64, f32, f16, bf16, i8, i16, i32, i64, "
                   "u8, u16, u32, u64 and bool");
  return Type(t.clone(dtype));
}

void CastOp::build(OpBuilder &b, OperationState &state, Value x, Type dtype) {
  Type type = RankedTensorType::get(
      cast<RankedTensorType>(x.getType()).getShape(), dtype);
  build(b, state, type, x);
}

LogicalResult CastOp::verify() {
  auto result = cast<RankedTensorType>(getType());
  FailureOr<Type> inferred =
      inferResultType(getLoc(), getX().getType(), result.getElementType());
  if (failed(inferred))
    return failure();
  if (!areCompatible(*inferred, result))
    return mlir::emitError(getLoc())
           << "'cast' keeps the shape; " << fmt(getX().getType())
           << " cannot become " << fmt(result);
  return success();
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

namespace {
/// Checks normalized axes (sorted, unique, in range) of `x`.
LogicalResult checkAxes(const Checker &c, ArrayRef<int64_t> axes,
                        RankedTensorType x) {
  for (auto [i, axis] : llvm::enumerate(axes)) {
    if (axis < 0 || axis >= x.getRank() || (i > 0 && axes[i - 1] >= axis))
      return c.error("axes " + formatList(axes) +
                     " must be sorted, unique and in [0, " +
                     Twine(x.getRank()) + ") for " + fmt(x));
  }
  return success();
}

SmallVector<int64_t> reducedShape(RankedTensorType x, ArrayRef<int64_t> axes,
                                  bool keepdims) {
  SmallVector<int64_t> shape;
  for (auto [i, d] : llvm::enumerate(x.getShape())) {
    bool reduced = axes.empty() || llvm::is_contained(axes, (int64_t)i);
    if (!reduced)
      shape.push_back(d);
    else if (keepdims)
      shape.push_back(1);
  }
  return shape;
}

FailureOr<Type> inferReduce(const Checker &c, Value xv, ArrayRef<int64_t> axes,
                            bool keepdims, Dtypes kind) {
  RankedTensorType x = c.tensor(xv, "x", kind);
  if (!x || failed(checkAxes(c, axes, x)))
    return failure();
  return Type(RankedTensorType::get(reducedShape(x, axes, keepdims),
                                    x.getElementType()));
}
} // namespace

#define NN_REDUCE(OP, KIND)                                                    \
  FailureOr<Type> OP::inferResultType(Loc loc, Adaptor a) {                    \
    return inferReduce(Checker{loc, userName<OP>()}, a.getX(), a.getAxes(),    \
                       a.getKeepdims(), Dtypes::KIND);                         \
  }                                                                            \
  NN_INFER_GLUE(OP)

NN_REDUCE(SumOp, Numeric)
NN_REDUCE(MeanOp, Float)
NN_REDUCE(MaxOp, Numeric)
NN_REDUCE(MinOp, Numeric)

FailureOr<Type> ArgmaxOp::inferResultType(Loc loc, Adaptor a) {
  Checker c{loc, "argmax"};
  RankedTensorType x = c.tensor(a.getX(), "x", Dtypes::Numeric);
  int64_t axis = a.getAxis();
  if (!x || failed(c.axis(axis, x)))
    return failure();
  return Type(RankedTensorType::get(reducedShape(x, {axis}, a.getKeepdims()),
                                    IntegerType::get(x.getContext(), 64)));
}
NN_INFER_GLUE(ArgmaxOp)

//===----------------------------------------------------------------------===//
// Normalizations
//===----------------------------------------------------------------------===//

namespace {
FailureOr<Type> inferAxisOp(const Checker &c, Value xv, int64_t axis) {
  RankedTensorType x = c.tensor(xv, "x", Dtypes::Float);
  if (!x || failed(c.axis(axis, x)))
    return failure();
  return Type(x);
}

/// A per-feature parameter of `x` (gamma, beta, running stats) must have
/// `x`'s dtype and the given shape.
LogicalResult checkParam(const Checker &c, Value v, StringRef name,
                         RankedTensorType x, ArrayRef<int64_t> shape,
                         const Twine &origin) {
  RankedTensorType t = c.tensor(v, name, Dtypes::Float);
  if (!t)
    return failure();
  if (t.getElementType() == x.getElementType() &&
      compatibleShapes(t.getShape(), shape))
    return success();
  return c.error("needs " + name + " " +
                 fmt(RankedTensorType::get(shape, x.getElementType())) + " (" +
                 origin + "); got " + fmt(t));
}

LogicalResult checkNonNegative(const Checker &c, StringRef name, double v) {
  if (v >= 0)
    return success();
  return c.error(name + " must be >= 0; got " + fmtNum(v));
}

FailureOr<Type> inferTrailingNorm(const Checker &c, Value xv, int64_t axis,
                                  double eps, ArrayRef<Value> params,
                                  ArrayRef<StringRef> names) {
  FailureOr<Type> type = inferAxisOp(c, xv, axis);
  if (failed(type) || failed(checkNonNegative(c, "eps", eps)))
    return failure();
  auto x = cast<RankedTensorType>(*type);
  ArrayRef<int64_t> shape = x.getShape().drop_front(axis);
  for (auto [v, name] : llvm::zip(params, names))
    if (failed(checkParam(c, v, name, x, shape,
                          "x.shape[" + Twine(axis) + ":] of " + fmt(x))))
      return failure();
  return type;
}
} // namespace

FailureOr<Type> SoftmaxOp::inferResultType(Loc loc, Adaptor a) {
  return inferAxisOp(Checker{loc, "softmax"}, a.getX(), a.getAxis());
}
NN_INFER_GLUE(SoftmaxOp)

FailureOr<Type> LogSoftmaxOp::inferResultType(Loc loc, Adaptor a) {
  return inferAxisOp(Checker{loc, "log_softmax"}, a.getX(), a.getAxis());
}
NN_INFER_GLUE(LogSoftmaxOp)

FailureOr<Type> LayerNormOp::inferResultType(Loc loc, Adaptor a) {
  return inferTrailingNorm(Checker{loc, "layer_norm"}, a.getX(), a.getAxis(),
                           a.getEps().convertToDouble(),
                           {a.getGamma(), a.getBeta()}, {"gamma", "beta"});
}
NN_INFER_GLUE(LayerNormOp)

void LayerNormOp::build(OpBuilder &b, OperationState &state, Value x,
                        Value gamma, Value beta, int64_t axis, double eps) {
  build(b, state, x, gamma, beta, b.getI64IntegerAttr(axis),
        b.getF64FloatAttr(eps));
}

FailureOr<Type> RmsNormOp::inferResultType(Loc loc, Adaptor a) {
  return inferTrailingNorm(Checker{loc, "rms_norm"}, a.getX(), a.getAxis(),
                           a.getEps().convertToDouble(), {a.getGamma()},
                           {"gamma"});
}
NN_INFER_GLUE(RmsNormOp)

void RmsNormOp::build(OpBuilder &b, OperationState &state, Value x, Value gamma,
                      int64_t axis, double eps) {
  build(b, state, x, gamma, b.getI64IntegerAttr(axis), b.getF64FloatAttr(eps));
}

FailureOr<Type> BatchNormOp::inferResultType(Loc loc, Adaptor a) {
  Checker c{loc, "batch_norm"};
  RankedTensorType x = c.tensor(a.getX(), "x", Dtypes::Float);
  if (!x)
    return failure();
  if (x.getRank() < 2)
    return c.error("needs x [N, C, ...] of rank >= 2; got " + fmt(x));
  double momentum = a.getMomentum().convertToDouble();
  if (!(momentum >= 0 && momentum <= 1))
    return c.error("momentum must be in [0, 1]; got " + fmtNum(momentum));
  if (failed(checkNonNegative(c, "eps", a.getEps().convertToDouble())))
    return failure();
  int64_t channels = x.getDimSize(1);
  std::string origin = "the channel dim of " + fmt(x);
  Value params[] = {a.getGamma(), a.getBeta(), a.getMean(), a.getVar()};
  StringRef names[] = {"gamma", "beta", "mean", "var"};
  for (auto [v, name] : llvm::zip(params, names))
    if (failed(checkParam(c, v, name, x, {channels}, origin)))
      return failure();
  return Type(x);
}
NN_INFER_GLUE(BatchNormOp)

void BatchNormOp::build(OpBuilder &b, OperationState &state, Value x,
                        Value gamma, Value beta, Value mean, Value var,
                        double momentum, double eps, bool training) {
  build(b, state, x, gamma, beta, mean, var, b.getF64FloatAttr(momentum),
        b.getF64FloatAttr(eps), b.getBoolAttr(training));
}

//===----------------------------------------------------------------------===//
// Losses and dropout
//===----------------------------------------------------------------------===//

FailureOr<Type> CrossEntropyOp::inferResultType(Loc loc, Adaptor a) {
  Checker c{loc, "cross_entropy"};
  RankedTensorType logits = c.tensor(a.getLogits(), "logits", Dtypes::Float);
  if (!logits)
    return failure();
  RankedTensorType labels = c.tensor(a.getLabels(), "labels", Dtypes::Index);
  if (!labels)
    return failure();
  if (logits.getRank() != 2 || labels.getRank() != 1 ||
      !mergeDim(logits.getDimSize(0), labels.getDimSize(0)))
    return c.error("needs logits [B, C] and labels [B]; got " + fmt(logits) +
                   " and " + fmt(labels));
  return Type(RankedTensorType::get({}, logits.getElementType()));
}
NN_INFER_GLUE(CrossEntropyOp)

FailureOr<Type> MseOp::inferResultType(Loc loc, Adaptor a) {
  Checker c{loc, "mse"};
  RankedTensorType pred = c.tensor(a.getPred(), "pred", Dtypes::Float);
  if (!pred)
    return failure();
  RankedTensorType target = c.tensor(a.getTarget(), "target", Dtypes::Float);
  if (!target)
    return failure();
  if (pred.getElementType() != target.getElementType() ||
      !compatibleShapes(pred.getShape(), target.getShape()))
    return c.error("needs pred and target of the same type; got " + fmt(pred) +
                   " and " + fmt(target));
  return Type(RankedTensorType::get({}, pred.getElementType()));
}
NN_INFER_GLUE(MseOp)

FailureOr<Type> DropoutOp::inferResultType(Loc loc, Adaptor a) {
  Checker c{loc, "dropout"};
  double p = a.getP().convertToDouble();
  if (!(p >= 0 && p < 1))
    return c.error("p must be in [0, 1); got " + fmtNum(p));
  if (Value step = a.getStep()) {
    RankedTensorType t = c.tensor(step, "step", Dtypes::Float);
    if (!t)
      return failure();
    if (t.getRank() != 0 || !t.getElementType().isF32())
      return c.error("needs step to be a 0-d f32 (the step count); got " +
                     fmt(t));
  }
  return inferUnary(c, a.getX(), Dtypes::Float);
}
NN_INFER_GLUE(DropoutOp)

void DropoutOp::build(OpBuilder &b, OperationState &state, Value x, double p,
                      int64_t seed, bool training, Value step) {
  build(b, state, x, step, b.getF64FloatAttr(p), b.getI64IntegerAttr(seed),
        b.getBoolAttr(training));
}

//===----------------------------------------------------------------------===//
// nn.fusion
//===----------------------------------------------------------------------===//

LogicalResult FusionOp::verify() {
  auto yield = dyn_cast<YieldOp>(getBody().front().getTerminator());
  if (!yield)
    return emitOpError("region must end in nn.yield");
  if (yield.getValues().getTypes() != getResultTypes())
    return emitOpError("yields ")
           << yield.getValues().size()
           << " values whose types differ from the results";
  return success();
}
