// GraphEmitter: serializes nn-dialect functions into nnc's MLIR-free graph format.
#ifndef NNC_CODEGEN_GRAPH_GRAPHEMITTER_H
#define NNC_CODEGEN_GRAPH_GRAPHEMITTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LogicalResult.h"
#include "llvm/Support/raw_ostream.h"

namespace nnc {

/// Writes `module` (an nn module as produced by MLIRGen, after shape inference)
/// in the format of docs/graph-format.md. Emits an MLIR error at the offending
/// op's location and returns failure for anything the format cannot express.
mlir::LogicalResult emitGraph(mlir::ModuleOp module, llvm::raw_ostream &os);

} // namespace nnc

#endif // NNC_CODEGEN_GRAPH_GRAPHEMITTER_H
