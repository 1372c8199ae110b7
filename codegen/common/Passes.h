//===- Passes.h - nnc's code-generation passes ------------------*- C++ -*-===//
#ifndef NNC_CODEGEN_COMMON_PASSES_H
#define NNC_CODEGEN_COMMON_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace nnc {

/// Set by nnc-fuse-regions on the linalg ops of one `row` fusion region
/// (an i64, one per region); read by nnc-gpu-row-kernels.
constexpr llvm::StringLiteral kRowGroupAttr = "nnc.row_group";

/// Set by nnc-fuse-regions on the linalg ops of one `contraction` fusion
/// region (an i64, one per region); nnc-gpu-tile-contraction computes the
/// elementwise ops of the group in the contraction's kernel (its epilogue).
constexpr llvm::StringLiteral kEpilogueGroupAttr = "nnc.epilogue_group";

/// The float conversion (arith.truncf or arith.extf) that linalg.generic
/// `g` applies element by element and does nothing else -- one input and
/// one init, both at the loop indices, a body that converts the input and
/// yields it -- or null: the rounding of an f16/bf16 contraction's (or
/// sum's) f32 accumulator that the lowering writes after it.
inline mlir::Operation *floatCastOf(mlir::linalg::GenericOp g) {
  if (g.getNumDpsInputs() != 1 || g.getNumDpsInits() != 1 ||
      g.getNumReductionLoops() != 0 ||
      !llvm::all_of(g.getIndexingMapsArray(),
                    [](mlir::AffineMap m) { return m.isIdentity(); }))
    return nullptr;
  mlir::Block *body = g.getBlock();
  mlir::Operation &cast = body->front();
  if (body->getOperations().size() != 2 ||
      !mlir::isa<mlir::arith::TruncFOp, mlir::arith::ExtFOp>(cast) ||
      cast.getOperand(0) != body->getArgument(0) ||
      body->getTerminator()->getOperand(0) != cast.getResult(0))
    return nullptr;
  return &cast;
}

#define GEN_PASS_DECL
#include "codegen/common/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "codegen/common/Passes.h.inc"

/// Registers every code-generation pass (`nnc-lower-to-linalg`) with the
/// global pass registry, for nnc-opt and textual pipelines.
inline void registerCodegenPasses() { registerNNCCodegenPasses(); }

} // namespace nnc

#endif // NNC_CODEGEN_COMMON_PASSES_H
