//===- NNInference.h - Shared checks of nn type inference -------*- C++ -*-===//
//
// Private to ir/: the checker that words errors for users, NumPy
// broadcasting, and the glue that turns an op's `inferResultType` into its
// `inferReturnTypes`, `isCompatibleReturnTypes` and `verify`.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_IR_NNINFERENCE_H
#define NNC_IR_NNINFERENCE_H

#include "ir/NNOps.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdio>
#include <optional>
#include <string>

namespace nnc::nn::detail {

using namespace mlir;

using Loc = std::optional<Location>;

/// Which element types an operand accepts.
enum class Dtypes { Any, Numeric, Float, Index, Bool };

inline bool isNNElementType(Type t) {
  if (auto i = dyn_cast<IntegerType>(t)) {
    unsigned w = i.getWidth();
    if (w == 1)
      return i.isSignless();
    return !i.isSigned() && (w == 8 || w == 16 || w == 32 || w == 64);
  }
  return t.isF64() || t.isF32() || t.isF16() || t.isBF16();
}

inline bool accepts(Dtypes kind, Type t) {
  switch (kind) {
  case Dtypes::Any:
    return isNNElementType(t);
  case Dtypes::Numeric:
    return isNNElementType(t) && !t.isInteger(1);
  case Dtypes::Float:
    return t.isF64() || t.isF32() || t.isF16() || t.isBF16();
  case Dtypes::Index:
    return t.isSignlessInteger(32) || t.isSignlessInteger(64);
  case Dtypes::Bool:
    return t.isInteger(1);
  }
  return false;
}

inline const char *describe(Dtypes kind) {
  switch (kind) {
  case Dtypes::Any:
    return "of an nn dtype (f64, f32, f16, bf16, i8, i16, i32, i64, u8, u16, "
           "u32, u64 or bool)";
  case Dtypes::Numeric:
    return "numeric (f64, f32, f16, bf16, i8, i16, i32, i64, u8, u16, u32 or "
           "u64)";
  case Dtypes::Float:
    return "float (f64, f32, f16 or bf16)";
  case Dtypes::Index:
    return "integer (i32 or i64)";
  case Dtypes::Bool:
    return "bool";
  }
  return "";
}

inline std::string formatList(ArrayRef<int64_t> values) {
  std::string text = "[";
  llvm::raw_string_ostream os(text);
  llvm::interleave(values, os, ",");
  os << ']';
  return text;
}

inline std::string formatShape(ArrayRef<int64_t> dims) {
  std::string text = "[";
  llvm::raw_string_ostream os(text);
  llvm::interleave(
      dims, os,
      [&](int64_t d) {
        if (ShapedType::isDynamic(d))
          os << '?';
        else
          os << d;
      },
      ",");
  os << ']';
  return text;
}

inline std::string fmt(Type t) { return formatType(t); }

inline std::string fmtNum(double v) {
  char buffer[32];
  snprintf(buffer, sizeof(buffer), "%g", v);
  return buffer;
}

inline constexpr int64_t kDyn = ShapedType::kDynamic;
inline bool isDyn(int64_t d) { return ShapedType::isDynamic(d); }

/// Reports problems of one op, prefixed with its user-facing name
/// (`'matmul' ...`), at an optional location.
struct Checker {
  Loc loc;
  StringRef op;

  FailureOr<Type> error(const Twine &message) const {
    (void)emitOptionalError(loc, "'", op, "' ", message.str());
    return failure();
  }

  /// The operand `v` as a ranked tensor of `kind`, or null after reporting.
  RankedTensorType tensor(Value v, StringRef name, Dtypes kind) const {
    if (!v) {
      (void)error("is missing its " + name + " operand");
      return {};
    }
    auto t = dyn_cast<RankedTensorType>(v.getType());
    if (!t) {
      (void)error("needs " + name + " to be a ranked tensor; got " +
                  fmt(v.getType()));
      return {};
    }
    if (!accepts(kind, t.getElementType())) {
      (void)error("needs " + name + " to be " + describe(kind) + "; got " +
                  fmt(t));
      return {};
    }
    return t;
  }

  /// Checks that `axis` indexes a dim of `t`.
  LogicalResult axis(int64_t axis, RankedTensorType t,
                     StringRef name = "axis") const {
    if (axis >= 0 && axis < t.getRank())
      return success();
    if (t.getRank() == 0)
      return error(name + " " + Twine(axis) + " is invalid for the 0-d " +
                   fmt(t));
    return error(name + " " + Twine(axis) + " is out of range [0, " +
                 Twine(t.getRank()) + ") for " + fmt(t));
  }

  LogicalResult sameDtype(RankedTensorType a, RankedTensorType b,
                          StringRef what = "operands") const {
    if (a.getElementType() == b.getElementType())
      return success();
    return error("needs " + what + " of the same dtype; got " + fmt(a) +
                 " and " + fmt(b));
  }
};

/// NumPy broadcasting of two dims; nullopt when incompatible.
inline std::optional<int64_t> broadcastDim(int64_t a, int64_t b) {
  if (a == b)
    return a;
  if (a == 1)
    return b;
  if (b == 1)
    return a;
  if (isDyn(a))
    return b;
  if (isDyn(b))
    return a;
  return std::nullopt;
}

/// NumPy broadcasting of shapes (right-aligned); reports on failure.
inline FailureOr<SmallVector<int64_t>>
broadcastShapes(const Checker &c, ArrayRef<RankedTensorType> types,
                StringRef what = "") {
  size_t rank = 0;
  for (RankedTensorType t : types)
    rank = std::max<size_t>(rank, t.getRank());
  SmallVector<int64_t> shape(rank, 1);
  for (RankedTensorType t : types) {
    size_t offset = rank - t.getRank();
    for (auto [i, d] : llvm::enumerate(t.getShape())) {
      std::optional<int64_t> merged = broadcastDim(shape[offset + i], d);
      if (!merged) {
        std::string list;
        for (auto [k, other] : llvm::enumerate(types))
          list += (k == 0 ? "" : (k + 1 == types.size() ? " and " : ", ")) +
                  fmt(other);
        (void)c.error("cannot broadcast " + what + list + " (dim " +
                      Twine(shape[offset + i]) + " vs " + Twine(d) + ")");
        return failure();
      }
      shape[offset + i] = *merged;
    }
  }
  return shape;
}

/// Two dims that must be equal where both are known; the more static one.
inline std::optional<int64_t> mergeDim(int64_t a, int64_t b) {
  if (isDyn(a))
    return b;
  if (isDyn(b) || a == b)
    return a;
  return std::nullopt;
}

/// The product of static dims; nullopt if one is dynamic or it overflows.
inline std::optional<int64_t> staticProduct(ArrayRef<int64_t> dims) {
  int64_t p = 1;
  for (int64_t d : dims)
    if (isDyn(d) || llvm::MulOverflow(p, d, p))
      return std::nullopt;
  return p;
}

inline bool compatibleShapes(ArrayRef<int64_t> a, ArrayRef<int64_t> b) {
  return a.size() == b.size() && llvm::all_of(llvm::zip(a, b), [](auto p) {
           return mergeDim(std::get<0>(p), std::get<1>(p)).has_value();
         });
}

/// The user-facing name of an op: its mnemonic without `nn.`.
template <typename OpTy> StringRef userName() {
  return OpTy::getOperationName().drop_front(
      NNDialect::getDialectNamespace().size() + 1);
}

/// The operand count an op with fixed operands has, if any.
template <typename OpTy> std::optional<unsigned> fixedOperandCount() {
  if constexpr (OpTy::template hasTrait<OpTrait::ZeroOperands>())
    return 0;
  else if constexpr (OpTy::template hasTrait<OpTrait::OneOperand>())
    return 1;
  else if constexpr (OpTy::template hasTrait<OpTrait::NOperands<2>::Impl>())
    return 2;
  else if constexpr (OpTy::template hasTrait<OpTrait::NOperands<3>::Impl>())
    return 3;
  else if constexpr (OpTy::template hasTrait<OpTrait::NOperands<5>::Impl>())
    return 5;
  else
    return std::nullopt;
}

template <typename OpTy>
inline LogicalResult
inferReturnTypesImpl(MLIRContext *ctx, Loc loc, ValueRange operands,
                     DictionaryAttr attrs, OpaqueProperties props,
                     RegionRange regions, SmallVectorImpl<Type> &results) {
  Checker c{loc, userName<OpTy>()};
  if (std::optional<unsigned> n = fixedOperandCount<OpTy>();
      n && operands.size() != *n)
    return c.error("takes " + Twine(*n) + " operands; got " +
                   Twine(operands.size()));
  if constexpr (OpTy::template hasTrait<OpTrait::AtLeastNOperands<2>::Impl>())
    if (operands.size() < 2)
      return c.error("takes at least 2 operands; got " +
                     Twine(operands.size()));
  if (llvm::any_of(operands, [](Value v) { return !v; }))
    return c.error("got a null operand");
  // The frontend may pass attributes as a dictionary and no properties.
  typename OpTy::Properties local;
  if (!props) {
    if (attrs) {
      auto emit = [&] { return emitError(loc ? *loc : UnknownLoc::get(ctx)); };
      if (failed(OpTy::setPropertiesFromAttr(local, attrs, emit)))
        return failure();
    }
    props = OpaqueProperties(&local);
  }
  typename OpTy::Adaptor adaptor(operands, attrs, props, regions);
  // Missing or mistyped attributes: the adaptor's own check.
  if (loc) {
    if (failed(adaptor.verify(*loc)))
      return failure();
  } else {
    ScopedDiagnosticHandler silence(ctx,
                                    [](Diagnostic &) { return success(); });
    if (failed(adaptor.verify(UnknownLoc::get(ctx))))
      return failure();
  }
  FailureOr<Type> type = OpTy::inferResultType(loc, adaptor);
  if (failed(type))
    return failure();
  results.push_back(*type);
  return success();
}

inline bool areCompatible(TypeRange l, TypeRange r) {
  if (l.size() != r.size())
    return false;
  for (auto [a, b] : llvm::zip(l, r)) {
    auto ta = dyn_cast<RankedTensorType>(a);
    auto tb = dyn_cast<RankedTensorType>(b);
    if (!ta || !tb) {
      if (a != b)
        return false;
      continue;
    }
    if (ta.getElementType() != tb.getElementType() ||
        !compatibleShapes(ta.getShape(), tb.getShape()))
      return false;
  }
  return true;
}

/// Checks a `[h, w]` attribute whose entries are each at least `min`.
inline LogicalResult checkPair(const Checker &c, StringRef name,
                               ArrayRef<int64_t> values, int64_t min) {
  if (values.size() == 2 && values[0] >= min && values[1] >= min)
    return success();
  return c.error(name + " must be 2 integers [h, w], each >= " + Twine(min) +
                 "; got " + formatList(values));
}

/// One spatial output dim of a convolution or pooling window over the dim
/// `in` of `x` (named in errors).
inline FailureOr<int64_t> windowDim(const Checker &c, RankedTensorType x,
                                    int64_t in, int64_t kernel, int64_t stride,
                                    int64_t pad, int64_t dilation) {
  if (isDyn(in) || isDyn(kernel))
    return kDyn;
  // Attributes come from users: keep the arithmetic in a safe range.
  constexpr int64_t kLimit = int64_t(1) << 30;
  if (kernel > kLimit || stride > kLimit || pad > kLimit || dilation > kLimit) {
    (void)c.error("window attributes must be below 2^30");
    return failure();
  }
  if (in > (int64_t(1) << 62)) {
    (void)c.error("spatial dims must be below 2^62; got " + Twine(in));
    return failure();
  }
  int64_t extent = dilation * (kernel - 1) + 1;
  if (in + 2 * pad < extent) {
    (void)c.error("window of extent " + Twine(extent) +
                  " does not fit the input " + fmt(x) + " padded by " +
                  Twine(pad));
    return failure();
  }
  return (in + 2 * pad - extent) / stride + 1;
}

/// Checks the attributes of a pooling window (max_pool2d, avg_pool2d and
/// their gradients).
inline LogicalResult checkPoolAttrs(const Checker &c, ArrayRef<int64_t> kernel,
                                    ArrayRef<int64_t> stride,
                                    ArrayRef<int64_t> padding) {
  if (failed(checkPair(c, "kernel", kernel, 1)) ||
      failed(checkPair(c, "stride", stride, 1)) ||
      failed(checkPair(c, "padding", padding, 0)))
    return failure();
  if (padding[0] * 2 > kernel[0] || padding[1] * 2 > kernel[1])
    return c.error("padding " + formatList(padding) +
                   " must be at most half the kernel " + formatList(kernel));
  return success();
}

/// The result type of pooling `x [N, C, H, W]`.
inline FailureOr<Type> inferPool(const Checker &c, Value xv, Dtypes kind,
                                 ArrayRef<int64_t> kernel,
                                 ArrayRef<int64_t> stride,
                                 ArrayRef<int64_t> padding) {
  RankedTensorType x = c.tensor(xv, "x", kind);
  if (!x)
    return failure();
  if (x.getRank() != 4)
    return c.error("needs x [N, C, H, W]; got " + fmt(x));
  if (failed(checkPoolAttrs(c, kernel, stride, padding)))
    return failure();
  SmallVector<int64_t> shape = {x.getDimSize(0), x.getDimSize(1)};
  for (int i = 0; i < 2; ++i) {
    FailureOr<int64_t> d = windowDim(c, x, x.getDimSize(2 + i), kernel[i],
                                     stride[i], padding[i], 1);
    if (failed(d))
      return failure();
    shape.push_back(*d);
  }
  return Type(RankedTensorType::get(shape, x.getElementType()));
}

template <typename OpTy> LogicalResult verifyInferred(OpTy op) {
  FailureOr<Type> inferred =
      OpTy::inferResultType(op.getLoc(), typename OpTy::Adaptor(op));
  if (failed(inferred))
    return failure();
  Type actual = op.getResult().getType();
  if (!areCompatible(*inferred, actual))
    return emitError(op.getLoc())
           << "'" << userName<OpTy>() << "' result type " << fmt(actual)
           << " does not match the inferred " << fmt(*inferred);
  return success();
}

} // namespace nnc::nn::detail

#define NN_INFER_GLUE(OP)                                                      \
  LogicalResult OP::inferReturnTypes(                                          \
      MLIRContext *ctx, std::optional<Location> loc, ValueRange operands,      \
      DictionaryAttr attrs, OpaqueProperties props, RegionRange regions,       \
      SmallVectorImpl<Type> &results) {                                        \
    return inferReturnTypesImpl<OP>(ctx, loc, operands, attrs, props, regions, \
                                    results);                                  \
  }                                                                            \
  bool OP::isCompatibleReturnTypes(TypeRange l, TypeRange r) {                 \
    return areCompatible(l, r);                                                \
  }                                                                            \
  LogicalResult OP::verify() { return verifyInferred(*this); }

#endif // NNC_IR_NNINFERENCE_H
