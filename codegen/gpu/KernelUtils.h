//===- KernelUtils.h - helpers for nnc's own gpu kernels ------*- C++ -*-===//
#ifndef NNC_CODEGEN_GPU_KERNELUTILS_H
#define NNC_CODEGEN_GPU_KERNELUTILS_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"

namespace nnc::gpu_kernel {

/// True when every result of `map` is a loop dim or a constant, so that an
/// operand's indices can be computed from the loop indices alone.
inline bool isDimOrConstantMap(mlir::AffineMap map) {
  return llvm::all_of(map.getResults(), [](mlir::AffineExpr e) {
    return mlir::isa<mlir::AffineDimExpr, mlir::AffineConstantExpr>(e);
  });
}

/// The indices `map` gives for the loop indices `dims` (null where a loop
/// is not known; such a dim must not appear in `map`).
inline llvm::SmallVector<mlir::Value>
applyMap(mlir::OpBuilder &b, mlir::Location loc, mlir::AffineMap map,
         llvm::ArrayRef<mlir::Value> dims) {
  llvm::SmallVector<mlir::Value> indices;
  for (mlir::AffineExpr e : map.getResults()) {
    if (auto d = mlir::dyn_cast<mlir::AffineDimExpr>(e))
      indices.push_back(dims[d.getPosition()]);
    else
      indices.push_back(mlir::arith::ConstantIndexOp::create(
          b, loc, mlir::cast<mlir::AffineConstantExpr>(e).getValue()));
  }
  return indices;
}

/// Splits the linear index `linear` into indices over `sizes` (row major):
/// `out[dims[i]]` gets the index along `sizes[i]`.
inline void delinearize(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::Value linear, llvm::ArrayRef<int64_t> dims,
                        llvm::ArrayRef<mlir::Value> sizes,
                        llvm::MutableArrayRef<mlir::Value> out) {
  for (int64_t i = int64_t(dims.size()) - 1; i >= 0; --i) {
    if (i == 0) {
      out[dims[i]] = linear;
      break;
    }
    out[dims[i]] = mlir::arith::RemUIOp::create(b, loc, linear, sizes[i]);
    linear = mlir::arith::DivUIOp::create(b, loc, linear, sizes[i]);
  }
}

/// Clones the scalar body of `op` at `b` with its block arguments bound to
/// `args`; returns the values it yields.
inline llvm::SmallVector<mlir::Value> cloneBody(mlir::OpBuilder &b,
                                                mlir::linalg::LinalgOp op,
                                                mlir::ValueRange args) {
  mlir::Block *body = op.getBlock();
  mlir::IRMapping map;
  map.map(body->getArguments(), args);
  for (mlir::Operation &inner : body->without_terminator())
    b.clone(inner, map);
  llvm::SmallVector<mlir::Value> results;
  for (mlir::Value v : body->getTerminator()->getOperands())
    results.push_back(map.lookupOrDefault(v));
  return results;
}

/// A body that only computes on its arguments (no linalg.index, no memory
/// access, no regions), so it can be re-run in any thread on loaded values.
inline bool hasScalarBody(mlir::linalg::LinalgOp op) {
  if (op.hasIndexSemantics())
    return false;
  return llvm::all_of(
      op.getBlock()->without_terminator(), [](mlir::Operation &inner) {
        return inner.getNumRegions() == 0 && mlir::isMemoryEffectFree(&inner);
      });
}

/// scf.for with one iteration argument, guarded by `lb < ub`: MLIR's
/// scf -> SPIR-V lowering returns the loop result through a variable that
/// only the body stores, so a loop that runs zero times would yield an
/// undefined value instead of `init`.
inline mlir::Value buildGuardedFor(
    mlir::OpBuilder &b, mlir::Location loc, mlir::Value lb, mlir::Value ub,
    mlir::Value step, mlir::Value init,
    llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location,
                                   mlir::Value, mlir::Value)>
        body) {
  mlir::Value nonEmpty = mlir::arith::CmpIOp::create(
      b, loc, mlir::arith::CmpIPredicate::ult, lb, ub);
  auto guard = mlir::scf::IfOp::create(
      b, loc, nonEmpty,
      [&](mlir::OpBuilder &b, mlir::Location l) {
        auto loop = mlir::scf::ForOp::create(
            b, l, lb, ub, step, mlir::ValueRange{init},
            [&](mlir::OpBuilder &b, mlir::Location l, mlir::Value iv,
                mlir::ValueRange acc) {
              mlir::scf::YieldOp::create(
                  b, l, mlir::ValueRange{body(b, l, iv, acc[0])});
            });
        mlir::scf::YieldOp::create(b, l, loop.getResults());
      },
      [&](mlir::OpBuilder &b, mlir::Location l) {
        mlir::scf::YieldOp::create(b, l, mlir::ValueRange{init});
      });
  return guard.getResult(0);
}

/// memref<shape x elem> in workgroup memory.
inline mlir::MemRefType workgroupMemRef(llvm::ArrayRef<int64_t> shape,
                                        mlir::Type elem) {
  auto space = mlir::gpu::AddressSpaceAttr::get(
      elem.getContext(), mlir::gpu::GPUDialect::getWorkgroupAddressSpace());
  return mlir::MemRefType::get(shape, elem, mlir::MemRefLayoutAttrInterface(),
                               space);
}

} // namespace nnc::gpu_kernel

#endif // NNC_CODEGEN_GPU_KERNELUTILS_H
