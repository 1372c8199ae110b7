//===- NNDialect.h - The nn dialect and nnc's type syntax --------*- C++
//-*-===//
#ifndef NNC_IR_NNDIALECT_H
#define NNC_IR_NNDIALECT_H

#include "mlir/IR/Dialect.h"

#include <string>

#include "ir/NNOpsDialect.h.inc"

namespace nnc::nn {

/// Prints a type the way nnc's users write it: `f32[?,784]`, `bool[3]` for
/// an i1 tensor, `f32[]` for a 0-d tensor, `f32[*]` for an unranked one and
/// `f32` for a scalar. Types outside nnc's vocabulary print as MLIR does.
std::string formatType(mlir::Type type);

/// The dtype name of an element type (`f32`, `u8` for ui8, `bool` for i1,
/// ...).
std::string formatDtype(mlir::Type elementType);

/// The element type of a `.nn` dtype name (`f64 f32 f16 bf16 i8 i16 i32 i64
/// u8 u16 u32 u64 bool`), or null for another name.
mlir::Type parseDtype(mlir::MLIRContext *ctx, llvm::StringRef name);

} // namespace nnc::nn

#endif // NNC_IR_NNDIALECT_H
