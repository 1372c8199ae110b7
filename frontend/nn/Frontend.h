// Frontend: the one entry that turns .nn source into a verified nn module.
#ifndef NNC_FRONTEND_NN_FRONTEND_H
#define NNC_FRONTEND_NN_FRONTEND_H

#include "frontend/nn/AST.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/SourceMgr.h"

namespace nnc {

struct FrontendOptions {
  /// `--dim B=N`: input dimensions named B become static N.
  llvm::StringMap<int64_t> dims;
};

/// Lexes and parses the main buffer of `sourceMgr`. A syntax error is emitted
/// through `context`'s diagnostic engine at its FileLineColLoc (the buffer's
/// identifier is the file name), and null is returned.
std::unique_ptr<nnlang::Module> parseNNSource(mlir::MLIRContext &context,
                                              llvm::SourceMgr &sourceMgr);

/// Lexer + parser + MLIRGen + verifier on the main buffer of `sourceMgr`.
/// `load("x.npy")` paths are relative to the directory of the buffer's
/// identifier. Errors go to `context`'s diagnostic handler (install an
/// mlir::SourceMgrDiagnosticHandler on the same `sourceMgr` for clang-like
/// output); on any error the result is null. Never asserts on user input.
mlir::OwningOpRef<mlir::ModuleOp>
compileNNSource(mlir::MLIRContext &context, llvm::SourceMgr &sourceMgr,
                const FrontendOptions &options = {});

} // namespace nnc

#endif // NNC_FRONTEND_NN_FRONTEND_H
