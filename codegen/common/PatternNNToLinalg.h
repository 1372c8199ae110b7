//===- PatternNNToLinalg.h - Shared pieces of the nn -> linalg lowering ---===//
//
// Private to codegen/common: the populate function of each op family and the
// helpers they share (sizes, inits, broadcasting generics, scalar constants).
//
//===----------------------------------------------------------------------===//
#ifndef NNC_CODEGEN_COMMON_PATTERNNNTOLINALG_H
#define NNC_CODEGEN_COMMON_PATTERNNNTOLINALG_H

#include "ir/NNOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

namespace nnc::codegen {

/// Builds the scalar result of one element from the scalar operands.
using ScalarFn = llvm::function_ref<mlir::Value(
    mlir::OpBuilder &, mlir::Location, mlir::ValueRange)>;

/// The size of dim `dim` of `v`: an index attribute when static, else a
/// `tensor.dim`.
mlir::OpFoldResult dimSize(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Value v, int64_t dim);

/// `size` as an index value (an arith.constant when it is static).
mlir::Value toIndexValue(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::OpFoldResult size);

/// `v` with type `type` (a `tensor.cast` when the two differ only in how
/// static their dims are).
mlir::Value castToType(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                       mlir::Type type);

/// An elementwise `linalg.generic` over `operands` producing `resultType`
/// (its dtype; its shape may be more or less static than the broadcast
/// shape): operands are right-aligned, static dims of 1 broadcast through a
/// constant-0 index, a `?` result dim is sized from the first operand that
/// does not broadcast there. The result is cast to `resultType`.
mlir::Value buildBroadcastingGeneric(mlir::OpBuilder &b, mlir::Location loc,
                                     mlir::RankedTensorType resultType,
                                     mlir::ValueRange operands, ScalarFn body);

/// `x [N, C, H, W]` padded by `padding` ([h, w], symmetric per side) with
/// `padValue`; `x` itself when the padding is 0.
mlir::Value padNCHW(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                    llvm::ArrayRef<int64_t> padding, mlir::Value padValue);

/// `x` ([N, C, H, W], padded) without the rows (columns) past its window
/// where `windows` ([Ho, Wo] of `kernel` at `stride`) has one per column
/// (row): a window loop's map then folds to the plain dim and must read
/// exactly the extent the loop runs over, as linalg requires (x 3x3 pooled
/// by 2x2). `x` itself elsewhere.
mlir::Value cropToWindows(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                          llvm::ArrayRef<int64_t> windows,
                          llvm::ArrayRef<int64_t> kernel,
                          llvm::ArrayRef<int64_t> stride);

/// The sizes of a conv/pool result: N from `x` (it may be `?`), the rest
/// from the static dims of `resultType`.
llvm::SmallVector<mlir::OpFoldResult>
nchwResultSizes(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                mlir::RankedTensorType resultType);

/// A scalar constant of `type` (float or integer) with value `v`.
mlir::Value scalarConstant(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Type type, double v);

/// The identity of max (`lowest`) or min (`!lowest`): -inf/+inf for floats,
/// the extremes of the range for integers (0 and 2^w-1 for unsigned ones).
///
/// Integer types keep the nn dtype's signedness (ui8 ...) while the patterns
/// run, so that they pick signed or unsigned arith ops from it; the pass
/// then makes every type signless, as arith requires.
mlir::Value extremeConstant(mlir::OpBuilder &b, mlir::Location loc,
                            mlir::Type type, bool lowest);

/// The type sums and products accumulate in: f32 for f16/bf16 (the
/// reference accumulates in double), the element type otherwise.
mlir::Type accumulatorType(mlir::Type elementType);

/// `acc + x * y` in the type of `acc`: floats are converted to it first
/// (extf from f16/bf16), integers multiply and add as they are.
mlir::Value multiplyAdd(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                        mlir::Value y, mlir::Value acc);

/// A linalg.generic over `maps` and `iterators` that folds
/// `inputs[0] * inputs[1]` into `init` with multiplyAdd (any further inputs
/// only give loop sizes); its result.
mlir::Value multiplyAccumulate(mlir::OpBuilder &b, mlir::Location loc,
                               mlir::ValueRange inputs, mlir::Value init,
                               llvm::ArrayRef<mlir::AffineMap> maps,
                               llvm::ArrayRef<mlir::utils::IteratorType> iterators);

/// `v` converted to the float type `type` when it differs (extf/truncf).
mlir::Value convertFloat(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                         mlir::Type type);

/// The tensor `v` with its floats converted to `elementType` (a no-op when
/// it already has them).
mlir::Value convertTensorFloat(mlir::OpBuilder &b, mlir::Location loc,
                               mlir::Value v, mlir::Type elementType);

void populateElementwiseOpToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateReduceOpToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateMatmulOpToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateShapeOpToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateConv2DOpToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateConvGradOpToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populatePoolOpToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateGatherOpToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateAttentionOpToKernelPatterns(mlir::RewritePatternSet &patterns);

} // namespace nnc::codegen

#endif // NNC_CODEGEN_COMMON_PATTERNNNTOLINALG_H
