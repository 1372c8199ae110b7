// FrontendFuzzer: libFuzzer target over lexer + parser + MLIRGen + verifier.
//
// Any input must either compile or produce diagnostics; a crash, a hang or a
// sanitizer report is a bug (tests/fuzz/run.sh turns it into a failure).
#include "frontend/nn/Frontend.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // A fresh context per input: nothing leaks from one input into the next.
  mlir::MLIRContext context;
  context.disableMultithreading();
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(
          llvm::StringRef(reinterpret_cast<const char *>(data), size),
          "fuzz.nn"),
      llvm::SMLoc());
  unsigned errors = 0;
  mlir::ScopedDiagnosticHandler handler(&context, [&](mlir::Diagnostic &d) {
    errors += d.getSeverity() == mlir::DiagnosticSeverity::Error;
    return mlir::success();
  });
  mlir::OwningOpRef<mlir::ModuleOp> module =
      nnc::compileNNSource(context, sourceMgr);
  // The frontend promises a verified module whenever it reports no error.
  if (module && mlir::failed(mlir::verify(*module)))
    __builtin_trap();
  if (!module && errors == 0)
    __builtin_trap(); // a failure without a diagnostic leaves the user blind
  return 0;
}
