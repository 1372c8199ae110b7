//===- ElementwiseOpToLinalg.cpp - nn elementwise ops -> linalg.generic ---===//
//
// Unary, binary, compare, where, cast and constant. Each op is one
// broadcasting `linalg.generic` whose body is built by a scalar function of
// the op; the definitions follow docs/ops.md.
//
//===----------------------------------------------------------------------===//
#include "codegen/common/PatternNNToLinalg.h"

#include <cmath>

using namespace mlir;
using namespace nnc::nn;

namespace nnc::codegen {
namespace {

bool isFloat(Value v) { return isa<FloatType>(v.getType()); }

Value sigmoid(OpBuilder &b, Location loc, Value x) {
  Value one = scalarConstant(b, loc, x.getType(), 1.0);
  Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
  return arith::DivFOp::create(b, loc, one,
                               arith::AddFOp::create(b, loc, one, e));
}

/// The scalar body of each elementwise op, given its (broadcast) operands.
template <typename OpTy> struct Scalar;

bool isUnsigned(Value v) { return v.getType().isUnsignedInteger(); }

/// One arith op per kind of operand: float, signed and unsigned integer
/// (the nn type's signedness; the types become signless after the patterns).
#define NNC_FLOAT_INT_BINARY(NNOp, FOp, SIOp, UIOp)                            \
  template <> struct Scalar<NNOp> {                                            \
    static Value build(NNOp, OpBuilder &b, Location loc, ValueRange a) {       \
      if (isFloat(a[0]))                                                       \
        return FOp::create(b, loc, a[0], a[1]);                                \
      if (isUnsigned(a[0]))                                                    \
        return UIOp::create(b, loc, a[0], a[1]);                               \
      return SIOp::create(b, loc, a[0], a[1]);                                 \
    }                                                                          \
  };
NNC_FLOAT_INT_BINARY(AddOp, arith::AddFOp, arith::AddIOp, arith::AddIOp)
NNC_FLOAT_INT_BINARY(SubOp, arith::SubFOp, arith::SubIOp, arith::SubIOp)
NNC_FLOAT_INT_BINARY(MulOp, arith::MulFOp, arith::MulIOp, arith::MulIOp)
// Integer division truncates toward zero.
NNC_FLOAT_INT_BINARY(DivOp, arith::DivFOp, arith::DivSIOp, arith::DivUIOp)
// NaN-propagating, as NumPy's maximum/minimum.
NNC_FLOAT_INT_BINARY(MaximumOp, arith::MaximumFOp, arith::MaxSIOp,
                     arith::MaxUIOp)
NNC_FLOAT_INT_BINARY(MinimumOp, arith::MinimumFOp, arith::MinSIOp,
                     arith::MinUIOp)
#undef NNC_FLOAT_INT_BINARY

template <> struct Scalar<PowOp> {
  static Value build(PowOp, OpBuilder &b, Location loc, ValueRange a) {
    return math::PowFOp::create(b, loc, a[0], a[1]);
  }
};

template <> struct Scalar<CompareOp> {
  static Value build(CompareOp op, OpBuilder &b, Location loc, ValueRange a) {
    StringRef p = op.getPredicate();
    if (isFloat(a[0])) {
      // Ordered except `ne`: NaN compares unequal to everything.
      auto pred = llvm::StringSwitch<arith::CmpFPredicate>(p)
                      .Case("eq", arith::CmpFPredicate::OEQ)
                      .Case("ne", arith::CmpFPredicate::UNE)
                      .Case("lt", arith::CmpFPredicate::OLT)
                      .Case("le", arith::CmpFPredicate::OLE)
                      .Case("gt", arith::CmpFPredicate::OGT)
                      .Default(arith::CmpFPredicate::OGE);
      return arith::CmpFOp::create(b, loc, pred, a[0], a[1]);
    }
    // bool orders false < true: unsigned, since signed i1 true is -1.
    bool isBool = a[0].getType().isInteger(1) || isUnsigned(a[0]);
    auto pred = llvm::StringSwitch<arith::CmpIPredicate>(p)
                    .Case("eq", arith::CmpIPredicate::eq)
                    .Case("ne", arith::CmpIPredicate::ne)
                    .Case("lt", isBool ? arith::CmpIPredicate::ult
                                       : arith::CmpIPredicate::slt)
                    .Case("le", isBool ? arith::CmpIPredicate::ule
                                       : arith::CmpIPredicate::sle)
                    .Case("gt", isBool ? arith::CmpIPredicate::ugt
                                       : arith::CmpIPredicate::sgt)
                    .Default(isBool ? arith::CmpIPredicate::uge
                                    : arith::CmpIPredicate::sge);
    return arith::CmpIOp::create(b, loc, pred, a[0], a[1]);
  }
};

template <> struct Scalar<WhereOp> {
  static Value build(WhereOp, OpBuilder &b, Location loc, ValueRange a) {
    return arith::SelectOp::create(b, loc, a[0], a[1], a[2]);
  }
};

template <> struct Scalar<NegOp> {
  static Value build(NegOp, OpBuilder &b, Location loc, ValueRange a) {
    if (isFloat(a[0]))
      return arith::NegFOp::create(b, loc, a[0]);
    return arith::SubIOp::create(
        b, loc, scalarConstant(b, loc, a[0].getType(), 0), a[0]);
  }
};

template <> struct Scalar<AbsOp> {
  static Value build(AbsOp, OpBuilder &b, Location loc, ValueRange a) {
    if (isFloat(a[0]))
      return math::AbsFOp::create(b, loc, a[0]);
    if (isUnsigned(a[0]))
      return a[0];
    return math::AbsIOp::create(b, loc, a[0]);
  }
};

#define NNC_MATH_UNARY(NNOp, MathOp)                                           \
  template <> struct Scalar<NNOp> {                                            \
    static Value build(NNOp, OpBuilder &b, Location loc, ValueRange a) {       \
      return MathOp::create(b, loc, a[0]);                                     \
    }                                                                          \
  };
NNC_MATH_UNARY(ExpOp, math::ExpOp)
NNC_MATH_UNARY(LogOp, math::LogOp)
NNC_MATH_UNARY(SqrtOp, math::SqrtOp)
NNC_MATH_UNARY(RsqrtOp, math::RsqrtOp)
NNC_MATH_UNARY(TanhOp, math::TanhOp)
#undef NNC_MATH_UNARY

template <> struct Scalar<SigmoidOp> {
  static Value build(SigmoidOp, OpBuilder &b, Location loc, ValueRange a) {
    return sigmoid(b, loc, a[0]);
  }
};

template <> struct Scalar<ReluOp> {
  // maximumf keeps NaN, as the reference does.
  static Value build(ReluOp, OpBuilder &b, Location loc, ValueRange a) {
    return arith::MaximumFOp::create(
        b, loc, a[0], scalarConstant(b, loc, a[0].getType(), 0.0));
  }
};

template <> struct Scalar<SiluOp> {
  static Value build(SiluOp, OpBuilder &b, Location loc, ValueRange a) {
    return arith::MulFOp::create(b, loc, a[0], sigmoid(b, loc, a[0]));
  }
};

template <> struct Scalar<GeluOp> {
  static Value build(GeluOp op, OpBuilder &b, Location loc, ValueRange a) {
    Value x = a[0];
    Type t = x.getType();
    auto c = [&](double v) { return scalarConstant(b, loc, t, v); };
    Value inner;
    if (op.getApproximate() == "tanh") {
      // tanh(sqrt(2/pi) (x + 0.044715 x^3))
      Value x3 =
          arith::MulFOp::create(b, loc, x, arith::MulFOp::create(b, loc, x, x));
      Value poly = arith::AddFOp::create(
          b, loc, x, arith::MulFOp::create(b, loc, c(0.044715), x3));
      inner = math::TanhOp::create(
          b, loc,
          arith::MulFOp::create(b, loc, c(std::sqrt(2.0 / M_PI)), poly));
    } else {
      // erf(x / sqrt 2)
      inner = math::ErfOp::create(
          b, loc, arith::MulFOp::create(b, loc, x, c(M_SQRT1_2)));
    }
    Value half = arith::MulFOp::create(b, loc, c(0.5), x);
    return arith::MulFOp::create(b, loc, half,
                                 arith::AddFOp::create(b, loc, c(1.0), inner));
  }
};

/// Converts one scalar between nn dtypes: float -> int truncates toward
/// zero and saturates to the integer's range (NaN gives 0, as the reference
/// does), to bool is `x != 0`, from bool is 0/1, int -> int wraps (and
/// widens by the source's signedness).
Value convertScalar(OpBuilder &b, Location loc, Value x, Type to) {
  Type from = x.getType();
  if (from == to)
    return x;
  auto fromF = dyn_cast<FloatType>(from), toF = dyn_cast<FloatType>(to);
  if (to.isInteger(1)) {
    if (fromF)
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, x,
                                   scalarConstant(b, loc, from, 0.0));
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, x,
                                 scalarConstant(b, loc, from, 0));
  }
  bool fromU = from.isInteger(1) || from.isUnsignedInteger();
  if (fromF && toF) {
    unsigned fw = fromF.getWidth(), tw = toF.getWidth();
    if (fw < tw)
      return arith::ExtFOp::create(b, loc, to, x);
    if (fw > tw)
      return arith::TruncFOp::create(b, loc, to, x);
    // f16 <-> bf16: through f32, which holds both exactly.
    Value wide = arith::ExtFOp::create(b, loc, b.getF32Type(), x);
    return arith::TruncFOp::create(b, loc, to, wide);
  }
  if (!fromF && !toF) {
    unsigned fw = from.getIntOrFloatBitWidth(), tw = to.getIntOrFloatBitWidth();
    if (fw < tw)
      return fromU ? Value(arith::ExtUIOp::create(b, loc, to, x))
                   : Value(arith::ExtSIOp::create(b, loc, to, x));
    if (fw > tw)
      return arith::TruncIOp::create(b, loc, to, x);
    // Same width, other signedness: the same bits.
    return UnrealizedConversionCastOp::create(b, loc, TypeRange{to}, ValueRange{x})
        .getResult(0);
  }
  if (!fromF)
    return fromU ? Value(arith::UIToFPOp::create(b, loc, to, x))
                 : Value(arith::SIToFPOp::create(b, loc, to, x));
  // float -> int, saturating: the bounds are powers of two, exact in every
  // float type (or +-inf in f16, which then only catches infinities).
  unsigned w = to.getIntOrFloatBitWidth();
  bool toU = to.isUnsignedInteger();
  double hi = std::ldexp(1.0, toU ? w : w - 1), lo = toU ? 0.0 : -hi;
  Value truncated = toU ? Value(arith::FPToUIOp::create(b, loc, to, x))
                        : Value(arith::FPToSIOp::create(b, loc, to, x));
  Value tooBig = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGE, x,
                                       scalarConstant(b, loc, from, hi));
  Value tooSmall = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLE, x,
                                         scalarConstant(b, loc, from, lo));
  Value isNan = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, x, x);
  Value r = arith::SelectOp::create(
      b, loc, tooBig, extremeConstant(b, loc, to, false), truncated);
  r = arith::SelectOp::create(b, loc, tooSmall,
                              extremeConstant(b, loc, to, true), r);
  return arith::SelectOp::create(b, loc, isNan, scalarConstant(b, loc, to, 0),
                                 r);
}

template <> struct Scalar<CastOp> {
  static Value build(CastOp op, OpBuilder &b, Location loc, ValueRange a) {
    return convertScalar(b, loc, a[0],
                         op.getResult().getType().getElementType());
  }
};

/// Lowers any elementwise nn op to a broadcasting `linalg.generic`.
template <typename OpTy>
struct ElementwiseOpToGeneric : public OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
    Value result = buildBroadcastingGeneric(
        rewriter, op.getLoc(), resultType, op->getOperands(),
        [&](OpBuilder &b, Location loc, ValueRange args) {
          return Scalar<OpTy>::build(op, b, loc, args);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// `nn.constant` is `arith.constant` of the same elements.
struct ConstantOpToArith : public OpRewritePattern<ConstantOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ConstantOp op,
                                PatternRewriter &rewriter) const override {
    auto value = dyn_cast<TypedAttr>(op.getValue());
    if (!value)
      return rewriter.notifyMatchFailure(op, "value is not a typed attribute");
    Value c = arith::ConstantOp::create(rewriter, op.getLoc(), value);
    rewriter.replaceOp(
        op, castToType(rewriter, op.getLoc(), c, op.getResult().getType()));
    return success();
  }
};

} // namespace

void populateElementwiseOpToLinalgPatterns(RewritePatternSet &patterns) {
  patterns
      .add<ElementwiseOpToGeneric<AddOp>, ElementwiseOpToGeneric<SubOp>,
           ElementwiseOpToGeneric<MulOp>, ElementwiseOpToGeneric<DivOp>,
           ElementwiseOpToGeneric<MaximumOp>, ElementwiseOpToGeneric<MinimumOp>,
           ElementwiseOpToGeneric<PowOp>, ElementwiseOpToGeneric<CompareOp>,
           ElementwiseOpToGeneric<WhereOp>, ElementwiseOpToGeneric<NegOp>,
           ElementwiseOpToGeneric<AbsOp>, ElementwiseOpToGeneric<ExpOp>,
           ElementwiseOpToGeneric<LogOp>, ElementwiseOpToGeneric<SqrtOp>,
           ElementwiseOpToGeneric<RsqrtOp>, ElementwiseOpToGeneric<TanhOp>,
           ElementwiseOpToGeneric<SigmoidOp>, ElementwiseOpToGeneric<ReluOp>,
           ElementwiseOpToGeneric<SiluOp>, ElementwiseOpToGeneric<GeluOp>,
           ElementwiseOpToGeneric<CastOp>, ConstantOpToArith>(
          patterns.getContext());
}

} // namespace nnc::codegen
