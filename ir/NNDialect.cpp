//===- NNDialect.cpp - nn dialect registration and nnc's type syntax ------===//
#include "ir/NNDialect.h"
#include "ir/NNOps.h"

#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace nnc::nn;

#include "ir/NNOpsDialect.cpp.inc"

void NNDialect::initialize() { registerNNDialectOperations(this); }

Operation *NNDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                          Type type, Location loc) {
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return ConstantOp::create(builder, loc, elements);
}

std::string nnc::nn::formatDtype(Type elementType) {
  if (elementType.isInteger(1))
    return "bool";
  std::string text;
  llvm::raw_string_ostream os(text);
  elementType.print(os);
  return text;
}

std::string nnc::nn::formatType(Type type) {
  auto shaped = dyn_cast_or_null<TensorType>(type);
  if (!shaped) {
    if (!type)
      return "<null type>";
    if (type.isIntOrIndexOrFloat())
      return formatDtype(type);
    std::string text;
    llvm::raw_string_ostream os(text);
    type.print(os);
    return text;
  }
  std::string text = formatDtype(shaped.getElementType()) + "[";
  if (!shaped.hasRank())
    return text + "*]";
  llvm::raw_string_ostream os(text);
  llvm::interleave(
      shaped.getShape(), os,
      [&](int64_t dim) {
        if (ShapedType::isDynamic(dim))
          os << '?';
        else
          os << dim;
      },
      ",");
  os << ']';
  return text;
}
