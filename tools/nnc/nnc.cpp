// nnc: the compiler driver; `--emit=` stops after a stage (as Toy's toyc).
#include "codegen/common/Passes.h"
#include "frontend/nn/Frontend.h"
#include "frontend/nn/Parser.h"
#include "ir/NNDialect.h"
#include "passes/Passes.h"

#ifdef NNC_HAVE_GRAPH
#include "codegen/graph/GraphEmitter.h"
#endif

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Parser/Parser.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"

namespace cl = llvm::cl;

namespace {
enum class Emit { AST, NN, NNGrad, NNFused, Linalg, GPU, PTX, SPIRV, Graph, SO };

cl::OptionCategory category("nnc options");

cl::opt<std::string> inputFile(cl::Positional, cl::desc("<model.nn>"),
                               cl::Required, cl::cat(category));
cl::opt<std::string> outputFile("o", cl::desc("Output file (default: stdout)"),
                                cl::value_desc("file"), cl::init("-"),
                                cl::cat(category));
cl::opt<Emit> emit(
    "emit", cl::desc("Stage to stop after and print:"), cl::init(Emit::NN),
    cl::values(
        clEnumValN(Emit::AST, "ast", "the syntax tree, with line:col"),
        clEnumValN(Emit::NN, "nn",
                   "the nn dialect after shape inference and canonicalization "
                   "(default)"),
        clEnumValN(Emit::Graph, "graph",
                   "the MLIR-free graph format (docs/graph-format.md)"),
        clEnumValN(Emit::NNGrad, "nn-grad", "(not implemented yet)"),
        clEnumValN(Emit::NNFused, "nn-fused", "(not implemented yet)"),
        clEnumValN(Emit::Linalg, "linalg",
                   "linalg on tensors (after nn-decompose)"),
        clEnumValN(Emit::GPU, "gpu", "(not implemented yet)"),
        clEnumValN(Emit::PTX, "ptx", "(not implemented yet)"),
        clEnumValN(Emit::SPIRV, "spirv", "(not implemented yet)"),
        clEnumValN(Emit::SO, "so", "(not implemented yet)")),
    cl::cat(category));
cl::list<std::string> dims(
    "dim", cl::desc("Fix a dynamic input dimension, e.g. --dim B=32"),
    cl::value_desc("NAME=N"), cl::cat(category));

const char *emitName(Emit e) {
  switch (e) {
  case Emit::AST: return "ast";
  case Emit::NN: return "nn";
  case Emit::NNGrad: return "nn-grad";
  case Emit::NNFused: return "nn-fused";
  case Emit::Linalg: return "linalg";
  case Emit::GPU: return "gpu";
  case Emit::PTX: return "ptx";
  case Emit::SPIRV: return "spirv";
  case Emit::Graph: return "graph";
  case Emit::SO: return "so";
  }
  return "?";
}

int fail(const llvm::Twine &message) {
  llvm::WithColor::error(llvm::errs(), "nnc") << message << "\n";
  return 1;
}
} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "nnc: compiles a .nn model\n\n"
      "  nnc model.nn                  print the nn dialect\n"
      "  nnc model.nn --emit=ast       print the syntax tree\n"
      "  nnc model.nn --emit=graph -o model.graph\n");

  if (emit != Emit::AST && emit != Emit::NN && emit != Emit::Graph &&
      emit != Emit::Linalg)
    return fail(llvm::Twine("--emit=") + emitName(emit) +
                " is not implemented yet (available: ast, nn, linalg, graph)");
#ifndef NNC_HAVE_GRAPH
  if (emit == Emit::Graph)
    return fail("--emit=graph is not available in this build (NNCGraph "
                "was not built)");
#endif

  nnc::FrontendOptions options;
  for (const std::string &d : dims) {
    auto [name, value] = llvm::StringRef(d).split('=');
    int64_t n;
    if (name.empty() || value.getAsInteger(10, n) || n < 0)
      return fail("--dim expects NAME=N with N >= 0, got '" + d + "'");
    options.dims[name] = n;
  }

  auto buffer = llvm::MemoryBuffer::getFileOrSTDIN(inputFile, /*IsText=*/true);
  if (!buffer)
    return fail("cannot read '" + inputFile + "': " +
                buffer.getError().message());
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(*buffer), llvm::SMLoc());

  mlir::MLIRContext context;
  // Diagnostics point at the source; users never see an op dump.
  context.printOpOnDiagnostic(false);
  mlir::SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);

  std::string error;
  auto output = mlir::openOutputFile(outputFile, &error);
  if (!output)
    return fail(error);

  bool mlirInput = llvm::StringRef(inputFile).ends_with(".mlir");
  if (emit == Emit::AST && mlirInput)
    return fail("--emit=ast needs a .nn input");
  if (emit == Emit::AST) {
    auto ast = nnc::parseNNSource(context, sourceMgr);
    if (!ast)
      return 1;
    nnc::nnlang::dumpAST(*ast, output->os());
    output->keep();
    return 0;
  }

  // An .mlir input (the nn dialect, e.g. from --emit=nn) skips the frontend:
  // it lets the later stages be tested on hand-written IR.
  mlir::OwningOpRef<mlir::ModuleOp> module;
  if (mlirInput) {
    context.loadDialect<nnc::nn::NNDialect, mlir::func::FuncDialect,
                        mlir::arith::ArithDialect>();
    module = mlir::parseSourceFile<mlir::ModuleOp>(sourceMgr, &context);
  } else {
    module = nnc::compileNNSource(context, sourceMgr, options);
  }
  if (!module)
    return 1;

  nnc::registerNNPasses();
  nnc::registerCodegenPasses();
  mlir::PassManager pm(&context, mlir::ModuleOp::getOperationName());
  // The pipeline text is relative to the module-anchored pass manager.
  std::string pipeline = "nn-infer-shapes,nn-canonicalize";
  if (emit == Emit::Linalg)
    pipeline += ",func.func(nn-decompose),nnc-lower-to-linalg";
  if (mlir::failed(mlir::parsePassPipeline(pipeline, pm, llvm::errs())))
    return 1;
  if (mlir::failed(pm.run(*module)))
    return 1;

  if (emit == Emit::NN || emit == Emit::Linalg) {
    module->print(output->os());
  } else {
#ifdef NNC_HAVE_GRAPH
    if (mlir::failed(nnc::emitGraph(*module, output->os())))
      return 1;
#endif
  }
  output->keep();
  return 0;
}
