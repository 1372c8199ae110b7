//===- NNDialect.cpp - nn dialect registration and nnc's type syntax ------===//
#include "ir/NNDialect.h"
#include "ir/NNOps.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringSwitch.h"
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
  if (elementType.isUnsignedInteger())
    return "u" + std::to_string(elementType.getIntOrFloatBitWidth());
  std::string text;
  llvm::raw_string_ostream os(text);
  elementType.print(os);
  return text;
}

Type nnc::nn::parseDtype(MLIRContext *ctx, llvm::StringRef name) {
  Builder b(ctx);
  auto integer = [&](unsigned width, bool isUnsigned) -> Type {
    return IntegerType::get(ctx, width,
                            isUnsigned ? IntegerType::Unsigned
                                       : IntegerType::Signless);
  };
  return llvm::StringSwitch<Type>(name)
      .Case("f64", b.getF64Type())
      .Case("f32", b.getF32Type())
      .Case("f16", b.getF16Type())
      .Case("bf16", b.getBF16Type())
      .Case("i8", integer(8, false))
      .Case("i16", integer(16, false))
      .Case("i32", integer(32, false))
      .Case("i64", integer(64, false))
      .Case("u8", integer(8, true))
      .Case("u16", integer(16, true))
      .Case("u32", integer(32, true))
      .Case("u64", integer(64, true))
      .Case("bool", b.getI1Type())
      .Default(Type());
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
