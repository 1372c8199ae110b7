//===- NNOps.h - The ops of the nn dialect -----------------------*- C++
//-*-===//
#ifndef NNC_IR_NNOPS_H
#define NNC_IR_NNOPS_H

#include "ir/NNDialect.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.h"

#include <optional>

#include "ir/NNInterfaces.h.inc"

#define GET_OP_CLASSES
#include "ir/NNOps.h.inc"

namespace nnc::nn {

/// The largest head size (the last dim of q, k and v) of nn.attention and
/// its gradient: each kernel thread keeps rows of that size in registers.
inline constexpr int64_t kMaxAttentionHead = 128;

/// Whether the attention kernels take elements of type `t` (they compute in
/// f32): f32, f16 or bf16.
inline bool isAttentionElement(mlir::Type t) {
  return t.isF32() || t.isF16() || t.isBF16();
}

/// Whether `d` is a head size the attention kernels take: static, 1 to
/// kMaxAttentionHead.
inline bool isAttentionHead(int64_t d) {
  return !mlir::ShapedType::isDynamic(d) && d >= 1 && d <= kMaxAttentionHead;
}

/// Whether `lse` is the log-sum-exp of `attention`'s scores (the same q, k,
/// mask and scale, later in the same block): the forward's kernel computes
/// both (nnc-lower-to-linalg), so `lse` costs nothing more (nnc --stats).
bool sharesScores(AttentionOp attention, AttentionLseOp lse);

/// The nn.attention among q's users whose scores `lse` shares, or null.
AttentionOp scoresOf(AttentionLseOp lse);

/// The nn.attention_lse among q's users that shares `attention`'s scores,
/// or null.
AttentionLseOp lseOf(AttentionOp attention);

/// Creates an nn op like `OpTy::create(b, loc, args...)`, but checks its
/// operands and attributes first: on a problem (bad shapes, dtypes, axes,
/// missing attributes) the error is reported at `loc`, in nnc's type
/// syntax, and a null op is returned instead of aborting. `args` are those
/// of the ODS builder that takes an explicit result type, minus that type:
///   createChecked<AddOp>(b, loc, lhs, rhs)
///   createChecked<SumOp>(b, loc, x, ArrayRef<int64_t>{1}, /*keepdims=*/false)
///   createChecked<LayerNormOp>(b, loc, x, g, beta, int64_t(1), APFloat(1e-5))
/// (`nn.cast` has no inferred type: use CastOp::inferResultType.)
template <typename OpTy, typename... Args>
OpTy createChecked(mlir::OpBuilder &b, mlir::Location loc, Args &&...args) {
  mlir::OperationState state(loc, OpTy::getOperationName());
  OpTy::build(b, state, mlir::Type(b.getNoneType()),
              std::forward<Args>(args)...);
  llvm::SmallVector<mlir::Type, 1> types;
  if (mlir::failed(OpTy::inferReturnTypes(
          b.getContext(), loc, state.operands,
          state.attributes.getDictionary(b.getContext()),
          state.getRawProperties(), state.regions, types)))
    return nullptr;
  state.types.assign(types.begin(), types.end());
  return llvm::cast<OpTy>(b.create(state));
}

} // namespace nnc::nn

#endif // NNC_IR_NNOPS_H
