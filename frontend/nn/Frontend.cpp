// Frontend: the one entry that turns .nn source into a verified nn module.
#include "frontend/nn/Frontend.h"

#include "frontend/nn/MLIRGen.h"
#include "frontend/nn/Parser.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "llvm/Support/Path.h"

using namespace nnc;

std::unique_ptr<nnlang::Module>
nnc::parseNNSource(mlir::MLIRContext &context, llvm::SourceMgr &sourceMgr) {
  const llvm::MemoryBuffer *buffer =
      sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
  nnlang::SyntaxError error;
  auto module = nnlang::parseSource(buffer->getBuffer(),
                                    buffer->getBufferIdentifier(), error);
  if (!module)
    mlir::emitError(mlir::FileLineColLoc::get(&context, *error.loc.file,
                                              error.loc.line, error.loc.col))
        << error.message;
  return module;
}

mlir::OwningOpRef<mlir::ModuleOp>
nnc::compileNNSource(mlir::MLIRContext &context, llvm::SourceMgr &sourceMgr,
                     const FrontendOptions &options) {
  // A user mistake is reported at its source; the op dump MLIR appends to
  // verifier errors by default would only confuse.
  context.printOpOnDiagnostic(false);
  // Any error means failure, even one a code path forgot to propagate.
  bool sawError = false;
  mlir::ScopedDiagnosticHandler watch(&context, [&](mlir::Diagnostic &diag) {
    if (diag.getSeverity() == mlir::DiagnosticSeverity::Error)
      sawError = true;
    return mlir::failure(); // let the caller's handler print it
  });
  auto ast = parseNNSource(context, sourceMgr);
  if (!ast)
    return nullptr;
  nnlang::MLIRGenOptions genOptions;
  genOptions.dims = options.dims;
  llvm::StringRef file =
      sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID())
          ->getBufferIdentifier();
  genOptions.baseDir = llvm::sys::path::parent_path(file).str();
  auto module = nnlang::mlirGen(context, *ast, genOptions);
  if (module && !sawError && mlir::succeeded(mlir::verify(*module)))
    return module;
  if (!sawError) // every failure must say why, even an unforeseen one
    mlir::emitError(mlir::FileLineColLoc::get(&context, file, 1, 1))
        << "internal error: the model failed to compile without a diagnostic";
  return nullptr;
}
