//===- Utility.cpp - Helpers shared by the nn -> linalg patterns ----------===//
#include "codegen/common/PatternNNToLinalg.h"

#include "llvm/ADT/APFloat.h"

using namespace mlir;

namespace nnc::codegen {

OpFoldResult dimSize(OpBuilder &b, Location loc, Value v, int64_t dim) {
  auto type = cast<RankedTensorType>(v.getType());
  if (!type.isDynamicDim(dim))
    return b.getIndexAttr(type.getDimSize(dim));
  return tensor::DimOp::create(b, loc, v, dim).getResult();
}

Value toIndexValue(OpBuilder &b, Location loc, OpFoldResult size) {
  if (auto v = dyn_cast<Value>(size))
    return v;
  return arith::ConstantIndexOp::create(
      b, loc, cast<IntegerAttr>(cast<Attribute>(size)).getInt());
}

Value castToType(OpBuilder &b, Location loc, Value v, Type type) {
  if (v.getType() == type)
    return v;
  return tensor::CastOp::create(b, loc, type, v);
}

Value buildBroadcastingGeneric(OpBuilder &b, Location loc,
                               RankedTensorType resultType, ValueRange operands,
                               ScalarFn body) {
  int64_t rank = resultType.getRank();
  MLIRContext *ctx = b.getContext();

  // Operand `k`'s dim aligned with result dim `i`, or -1 when it has none.
  auto alignedDim = [&](Value operand, int64_t i) -> int64_t {
    int64_t r = cast<RankedTensorType>(operand.getType()).getRank();
    int64_t j = i - (rank - r);
    return j >= 0 ? j : -1;
  };
  auto broadcastsAt = [&](Value operand, int64_t j) {
    return j < 0 ||
           cast<RankedTensorType>(operand.getType()).getDimSize(j) == 1;
  };

  SmallVector<OpFoldResult> sizes;
  for (int64_t i = 0; i < rank; ++i) {
    if (!resultType.isDynamicDim(i)) {
      sizes.push_back(b.getIndexAttr(resultType.getDimSize(i)));
      continue;
    }
    OpFoldResult size = b.getIndexAttr(1);
    for (Value operand : operands) {
      int64_t j = alignedDim(operand, i);
      if (!broadcastsAt(operand, j)) {
        size = dimSize(b, loc, operand, j);
        break;
      }
    }
    sizes.push_back(size);
  }
  Value init =
      tensor::EmptyOp::create(b, loc, sizes, resultType.getElementType());

  SmallVector<AffineMap> maps;
  for (Value operand : operands) {
    int64_t r = cast<RankedTensorType>(operand.getType()).getRank();
    SmallVector<AffineExpr> exprs;
    for (int64_t j = 0; j < r; ++j) {
      int64_t i = j + (rank - r);
      exprs.push_back(broadcastsAt(operand, j) ? getAffineConstantExpr(0, ctx)
                                               : getAffineDimExpr(i, ctx));
    }
    maps.push_back(AffineMap::get(rank, 0, exprs, ctx));
  }
  maps.push_back(b.getMultiDimIdentityMap(rank));
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);

  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, operands, ValueRange{init}, maps,
      iterators, [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value result = body(nb, nloc, args.drop_back());
        linalg::YieldOp::create(nb, nloc, result);
      });
  return castToType(b, loc, generic.getResult(0), resultType);
}

Value scalarConstant(OpBuilder &b, Location loc, Type type, double v) {
  if (isa<FloatType>(type))
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(type, v));
  return arith::ConstantOp::create(
      b, loc, b.getIntegerAttr(type, static_cast<int64_t>(v)));
}

Value extremeConstant(OpBuilder &b, Location loc, Type type, bool lowest) {
  if (auto ft = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(
        b, loc,
        b.getFloatAttr(type, APFloat::getInf(ft.getFloatSemantics(), lowest)));
  unsigned width = type.getIntOrFloatBitWidth();
  APInt value;
  if (type.isUnsignedInteger())
    value = lowest ? APInt::getMinValue(width) : APInt::getMaxValue(width);
  else
    value = lowest ? APInt::getSignedMinValue(width)
                   : APInt::getSignedMaxValue(width);
  return arith::ConstantOp::create(b, loc, b.getIntegerAttr(type, value));
}

Type accumulatorType(Type elementType) {
  if (elementType.isF16() || elementType.isBF16())
    return Float32Type::get(elementType.getContext());
  return elementType;
}

Value multiplyAdd(OpBuilder &b, Location loc, Value x, Value y, Value acc) {
  if (isa<FloatType>(acc.getType())) {
    x = convertFloat(b, loc, x, acc.getType());
    y = convertFloat(b, loc, y, acc.getType());
    return arith::AddFOp::create(b, loc, acc,
                                 arith::MulFOp::create(b, loc, x, y));
  }
  return arith::AddIOp::create(b, loc, acc,
                               arith::MulIOp::create(b, loc, x, y));
}

Value multiplyAccumulate(OpBuilder &b, Location loc, ValueRange inputs,
                         Value init, ArrayRef<AffineMap> maps,
                         ArrayRef<utils::IteratorType> iterators) {
  size_t out = inputs.size();
  return linalg::GenericOp::create(
             b, loc, TypeRange{init.getType()}, inputs, ValueRange{init},
             maps, iterators,
             [&](OpBuilder &b, Location l, ValueRange args) {
               linalg::YieldOp::create(
                   b, l, multiplyAdd(b, l, args[0], args[1], args[out]));
             })
      .getResult(0);
}

Value convertFloat(OpBuilder &b, Location loc, Value v, Type type) {
  unsigned from = v.getType().getIntOrFloatBitWidth();
  unsigned to = type.getIntOrFloatBitWidth();
  if (v.getType() == type)
    return v;
  if (from < to)
    return arith::ExtFOp::create(b, loc, type, v);
  return arith::TruncFOp::create(b, loc, type, v);
}

Value convertTensorFloat(OpBuilder &b, Location loc, Value v,
                         Type elementType) {
  auto type = cast<RankedTensorType>(v.getType());
  if (type.getElementType() == elementType)
    return v;
  return buildBroadcastingGeneric(
      b, loc, RankedTensorType::get(type.getShape(), elementType), v,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        return convertFloat(nb, nloc, args[0], elementType);
      });
}

Value padNCHW(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> padding,
              Value padValue) {
  if (padding[0] == 0 && padding[1] == 0)
    return x;
  SmallVector<OpFoldResult> pads = {b.getIndexAttr(0), b.getIndexAttr(0),
                                    b.getIndexAttr(padding[0]),
                                    b.getIndexAttr(padding[1])};
  return tensor::PadOp::create(b, loc, Type(), x, pads, pads, padValue)
      .getResult();
}

Value cropToWindows(OpBuilder &b, Location loc, Value x,
                    ArrayRef<int64_t> windows, ArrayRef<int64_t> kernel,
                    ArrayRef<int64_t> stride) {
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<OpFoldResult> offsets(4, b.getIndexAttr(0)), sizes, strides(
                                                                  4, b.getIndexAttr(1));
  sizes = {dimSize(b, loc, x, 0), b.getIndexAttr(type.getDimSize(1))};
  bool crop = false;
  for (int k = 0; k < 2; ++k) {
    int64_t extent = type.getDimSize(2 + k);
    int64_t need = (windows[k] - 1) * stride[k] + kernel[k];
    if (ShapedType::isDynamic(extent) || windows[k] != 1 || need >= extent) {
      sizes.push_back(b.getIndexAttr(extent));
      if (ShapedType::isDynamic(extent))
        return x;
      continue;
    }
    sizes.push_back(b.getIndexAttr(need));
    crop = true;
  }
  if (!crop)
    return x;
  return tensor::ExtractSliceOp::create(b, loc, x, offsets, sizes, strides)
      .getResult();
}

SmallVector<OpFoldResult> nchwResultSizes(OpBuilder &b, Location loc, Value x,
                                          RankedTensorType resultType) {
  SmallVector<OpFoldResult> sizes = {dimSize(b, loc, x, 0)};
  for (int64_t i = 1; i < 4; ++i)
    sizes.push_back(b.getIndexAttr(resultType.getDimSize(i)));
  return sizes;
}

} // namespace nnc::codegen
