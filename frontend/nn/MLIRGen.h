// MLIRGen: lowers a .nn AST to the nn dialect (func.func @forward and @loss).
#ifndef NNC_FRONTEND_NN_MLIRGEN_H
#define NNC_FRONTEND_NN_MLIRGEN_H

#include "frontend/nn/AST.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringMap.h"

namespace nnc::nnlang {

struct MLIRGenOptions {
  /// Directory that `load("file.npy")` paths are relative to.
  std::string baseDir;
  /// `--dim B=N`: input dimensions named B become static N.
  llvm::StringMap<int64_t> dims;
};

/// Builds the module described in docs/graph-format.md ("How the nn dialect
/// carries the same facts"). Every op is created with its inferred type;
/// the first error is emitted at its source location and null is returned.
mlir::OwningOpRef<mlir::ModuleOp> mlirGen(mlir::MLIRContext &context,
                                          const Module &module,
                                          const MLIRGenOptions &options);

} // namespace nnc::nnlang

#endif // NNC_FRONTEND_NN_MLIRGEN_H
