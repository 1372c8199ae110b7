// nnc: the compiler driver; `--emit=` stops after a stage (as Toy's toyc).
#include "codegen/common/Passes.h"
#include "codegen/gpu/Passes.h"
#include "codegen/package/Package.h"
#include "codegen/ptx/Passes.h"
#include "codegen/spirv/Passes.h"
#include "codegen/stats/Stats.h"
#include "mlir/Transforms/Passes.h"
#include "frontend/nn/Frontend.h"
#include "frontend/nn/Parser.h"
#ifdef NNC_HAVE_ONNX
#include "frontend/onnx/ImportONNX.h"
#endif
#include "ir/NNDialect.h"
#include "passes/Passes.h"

#ifdef NNC_HAVE_GRAPH
#include "codegen/graph/GraphEmitter.h"
#endif

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Parser/Parser.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"

namespace cl = llvm::cl;

namespace {
enum class Emit { Default, AST, NN, NNGrad, NNFused, Linalg, GPU, Plan, PTX, SPIRV, Graph, SO };
enum class Target { Both, Cuda, Vulkan };

cl::OptionCategory category("nnc options");

cl::opt<std::string> inputFile(cl::Positional, cl::desc("<model.nn>"),
                               cl::Required, cl::cat(category));
cl::opt<std::string> outputFile("o", cl::desc("Output file (default: stdout)"),
                                cl::value_desc("file"), cl::init("-"),
                                cl::cat(category));
cl::opt<Emit> emit(
    "emit", cl::desc("Stage to stop after and print:"), cl::init(Emit::Default),
    cl::values(
        clEnumValN(Emit::AST, "ast", "the syntax tree, with line:col"),
        clEnumValN(Emit::NN, "nn",
                   "the nn dialect after shape inference and canonicalization "
                   "(default)"),
        clEnumValN(Emit::Graph, "graph",
                   "the MLIR-free graph format (docs/graph-format.md)"),
        clEnumValN(Emit::NNGrad, "nn-grad",
                   "the nn dialect with @loss_grad and @train_step (after "
                   "nn-autodiff)"),
        clEnumValN(Emit::NNFused, "nn-fused",
                   "the nn dialect after decomposition and nn-fuse"),
        clEnumValN(Emit::Linalg, "linalg",
                   "linalg on tensors (after nn-decompose)"),
        clEnumValN(Emit::GPU, "gpu",
                   "host code over memrefs and outlined gpu kernels "
                   "(Vulkan's kernel set unless --target=cuda)"),
        clEnumValN(Emit::Plan, "plan",
                   "the launch plans the runtime evaluates "
                   "(docs/model-format.md; Vulkan's unless --target=cuda)"),
        clEnumValN(Emit::PTX, "ptx",
                   "CUDA's kernel set in one PTX module"),
        clEnumValN(Emit::SPIRV, "spirv",
                   "one DIR/<kernel>.spv per kernel (-o DIR)"),
        clEnumValN(Emit::SO, "so",
                   "model.so: kernels, plans, graph and metadata (the "
                   "default when -o ends in .so)")),
    cl::cat(category));
cl::opt<Target> target(
    "target", cl::desc("Kernels to put in model.so:"), cl::init(Target::Both),
    cl::values(clEnumValN(Target::Both, "all", "PTX and SPIR-V (default)"),
               clEnumValN(Target::Cuda, "cuda", "PTX only"),
               clEnumValN(Target::Vulkan, "vulkan", "SPIR-V only")),
    cl::cat(category));
cl::opt<std::string> gpuArch("gpu",
                             cl::desc("NVIDIA architecture of the PTX "
                                      "(default sm_80)"),
                             cl::value_desc("sm_XX"), cl::init("sm_80"),
                             cl::cat(category));
cl::opt<bool> withGrad(
    "grad",
    cl::desc("With --emit=graph: add @loss_grad (loss and param gradients)"),
    cl::init(false), cl::cat(category));
cl::opt<bool> noFuse(
    "no-fuse",
    cl::desc("Skip fusion (nn-fuse; nnc-gpu-merge-elementwise and "
             "nnc-gpu-merge-launches merge nothing): one kernel per op, to "
             "compare with fusion"),
    cl::init(false), cl::cat(category));
cl::opt<bool> fuseAttention(
    "fuse-attention",
    cl::desc("Rewrite softmax(q @ kT * c + mask) @ v into one attention op "
             "whose kernels never store the scores (nn-fuse-attention; "
             "default true, off with --no-fuse); =false keeps the matmuls "
             "and the softmax, to compare"),
    cl::init(true), cl::cat(category));
cl::opt<bool> timePasses(
    "pass-timing",
    cl::desc("Print the time of every compiler pass, one report per pipeline "
             "(front end, kernels, PTX, SPIR-V), on stderr"),
    cl::init(false), cl::cat(category));
cl::opt<bool> noSubgroupOps(
    "no-subgroup-ops",
    cl::desc("Combine a reduction's partial results in workgroup memory "
             "only, without subgroup operations (warp shuffles on CUDA, "
             "GroupNonUniformArithmetic on Vulkan): for a Vulkan device "
             "that lacks subgroup arithmetic"),
    cl::init(false), cl::cat(category));
enum class MergeLaunches { Auto, On, Off };
cl::opt<MergeLaunches> mergeLaunches(
    "merge-launches",
    cl::desc("Run independent kernels as one launch "
             "(nnc-gpu-merge-launches):"),
    cl::init(MergeLaunches::Auto),
    cl::values(
        clEnumValN(MergeLaunches::Auto, "auto",
                   "for CUDA's kernels only (default; a model.so for both "
                   "targets holds both kernel sets): a launch costs "
                   "microseconds on a GPU; on lavapipe the merged CNN and "
                   "MLP steps ran 5-10% slower"),
        clEnumValN(MergeLaunches::On, "on", "for every target"),
        clEnumValN(MergeLaunches::Off, "off", "never")),
    cl::cat(category));
enum class Tune { Auto, Cuda, Vulkan };
cl::opt<Tune> tune(
    "tune",
    cl::desc("Whose kernel choices each kernel set takes (merged launches, "
             "contraction tiles), unless --merge-launches or "
             "--contraction-tiles say otherwise:"),
    cl::init(Tune::Auto),
    cl::values(clEnumValN(Tune::Auto, "auto",
                          "each target its own (default)"),
               clEnumValN(Tune::Cuda, "cuda",
                          "CUDA's for every target: run CUDA's kernels on "
                          "Vulkan, e.g. to check them on lavapipe"),
               clEnumValN(Tune::Vulkan, "vulkan",
                          "Vulkan's for every target")),
    cl::cat(category));
enum class ContractionTiles { Auto, Registers, Workgroup };
cl::opt<ContractionTiles> contractionTiles(
    "contraction-tiles",
    cl::desc("Kernels for matmuls and convolutions "
             "(nnc-gpu-tile-contraction):"),
    cl::init(ContractionTiles::Auto),
    cl::values(
        clEnumValN(ContractionTiles::Auto, "auto",
                   "workgroup for CUDA's kernels, registers for Vulkan's "
                   "(default)"),
        clEnumValN(ContractionTiles::Registers, "registers",
                   "one row of threads, each with a 32 x 8 register tile, "
                   "reading A and B from memory: the fastest on lavapipe"),
        clEnumValN(ContractionTiles::Workgroup, "workgroup",
                   "16 x 16 threads, each with up to 8 x 8 outputs, A and "
                   "B staged through workgroup memory (shared memory on "
                   "CUDA), the next K-tile loaded while one is used")),
    cl::cat(category));
enum class StatsFormat { None, Json, Kernels };
// Spelt --stats on the command line; LLVM owns the option name "stats"
// (its pass statistics), so main() renames the argument before parsing.
cl::opt<StatsFormat> statsFormat(
    "nnc-stats",
    cl::desc("Print kernels, bytes moved, minimum bytes, arena and flops per "
             "entry (at B=256 unless --dim sets it) instead of compiling; "
             "of Vulkan's kernel set unless --target=cuda"),
    cl::init(StatsFormat::None),
    cl::values(clEnumValN(StatsFormat::Json, "json", "one JSON object"),
               clEnumValN(StatsFormat::Kernels, "kernels",
                          "every launch with the bytes it moves, largest "
                          "first")),
    cl::cat(category));
cl::list<std::string> dims(
    "dim", cl::desc("Fix a dynamic input dimension, e.g. --dim B=32"),
    cl::value_desc("NAME=N"), cl::cat(category));

const char *emitName(Emit e) {
  switch (e) {
  case Emit::Default: return "nn";
  case Emit::Plan: return "plan";
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
  std::vector<std::string> renamed;
  std::vector<const char *> args;
  for (int i = 0; i < argc; ++i) {
    llvm::StringRef a(argv[i]);
    if (a.consume_front("--stats") || a.consume_front("-stats"))
      renamed.push_back(("--nnc-stats" + a).str());
    else
      renamed.push_back(argv[i]);
  }
  for (const std::string &a : renamed)
    args.push_back(a.c_str());
  cl::ParseCommandLineOptions(
      int(args.size()), args.data(),
      "nnc: compiles a .nn model\n\n"
      "  nnc model.nn -o model.so      compile: kernels for CUDA and Vulkan\n"
      "  nnc model.nn                  print the nn dialect\n"
      "  nnc model.nn --emit=ast       print the syntax tree\n"
      "  nnc model.nn --emit=graph -o model.graph\n"
      "  nnc model.nn --emit=spirv -o DIR\n"
      "  nnc model.nn --stats=json --dim B=256\n");
  if (statsFormat != StatsFormat::None) {
    if (emit != Emit::Default)
      return fail("--stats compiles up to the launch plan; it takes no "
                  "--emit");
    emit = Emit::Plan;
  }
  if (emit == Emit::Default)
    emit = llvm::StringRef(outputFile).ends_with(".so") ? Emit::SO : Emit::NN;
#ifndef NNC_HAVE_GRAPH
  if (emit == Emit::Graph || emit == Emit::SO)
    return fail("--emit=graph is not available in this build (NNCGraph "
                "was not built)");
#endif
  if ((emit == Emit::SO || emit == Emit::SPIRV) && outputFile == "-")
    return fail(llvm::Twine("--emit=") + emitName(emit) +
                " writes files: give -o " +
                (emit == Emit::SO ? "model.so" : "DIR"));
  unsigned sm = 0;
  if (!llvm::StringRef(gpuArch).starts_with("sm_") ||
      llvm::StringRef(gpuArch).drop_front(3).getAsInteger(10, sm) || sm < 50)
    return fail("--gpu expects an NVIDIA architecture such as sm_80 or "
                "sm_90, got '" + gpuArch + "'");

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
  mlir::DialectRegistry registry;
  // Later stages lower through linalg, bufferization, gpu, spirv and nvvm.
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  nnc::registerPtxTranslations(registry);
  mlir::MLIRContext context(registry);
  // Diagnostics point at the source; users never see an op dump.
  context.printOpOnDiagnostic(false);
  mlir::SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);

  bool mlirInput = llvm::StringRef(inputFile).ends_with(".mlir");
  bool onnxInput = llvm::StringRef(inputFile).ends_with(".onnx");
  if (emit == Emit::AST && (mlirInput || onnxInput))
    return fail("--emit=ast needs a .nn input");
  std::unique_ptr<llvm::ToolOutputFile> output;
  if (emit != Emit::SO && emit != Emit::SPIRV) {
    std::string error;
    output = mlir::openOutputFile(outputFile, &error);
    if (!output)
      return fail(error);
  }
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
  } else if (onnxInput) {
#ifdef NNC_HAVE_ONNX
    nnc::ONNXImportOptions onnxOptions;
    onnxOptions.dims = options.dims;
    std::string error;
    module = nnc::importONNX(context, inputFile, onnxOptions, error);
    if (!module)
      return fail(error);
#else
    return fail("this nnc was built without ONNX import (libonnx-dev)");
#endif
  } else {
    module = nnc::compileNNSource(context, sourceMgr, options);
  }
  if (!module)
    return 1;
  nnc::registerNNPasses();
  nnc::registerCodegenPasses();
  mlir::registerCSEPass();
  auto runPipeline = [&](const std::string &pipeline) {
    mlir::PassManager pm(&context, mlir::ModuleOp::getOperationName());
    if (timePasses)
      pm.enableTiming();
    return mlir::succeeded(
               mlir::parsePassPipeline(pipeline, pm, llvm::errs())) &&
           mlir::succeeded(pm.run(*module));
  };
  if (!runPipeline("nn-infer-shapes,nn-canonicalize"))
    return 1;
  // A model with a `train` line gets @train_step (every stage after nn);
  // @loss_grad only where it is shown (--emit=nn-grad, --emit=graph --grad).
  bool lossGrad = emit == Emit::NNGrad || (emit == Emit::Graph && withGrad);
  // Attention as one op before nn-autodiff differentiates it.
  if (emit != Emit::NN && !noFuse && fuseAttention &&
      !runPipeline("func.func(nn-fuse-attention),nn-canonicalize"))
    return 1;
  if (emit != Emit::NN &&
      !runPipeline(std::string("nn-autodiff{loss-grad=") +
                   (lossGrad ? "true" : "false") + "},nn-canonicalize"))
    return 1;
  // --stats: the graph figures at concrete dims, on a copy of the module.
  nnc::ModelStats stats;
  if (statsFormat != StatsFormat::None) {
    mlir::OwningOpRef<mlir::ModuleOp> fixed = module->clone();
    std::string dimList;
    bool hasB = false;
    for (const std::string &d : dims) {
      dimList += (dimList.empty() ? "" : ",") + d;
      hasB |= llvm::StringRef(d).starts_with("B=");
    }
    if (!hasB)
      dimList += std::string(dimList.empty() ? "" : ",") + "B=256";
    mlir::PassManager pm(&context, mlir::ModuleOp::getOperationName());
    if (timePasses)
      pm.enableTiming();
    if (mlir::failed(mlir::parsePassPipeline(
            "nn-infer-shapes{dims=" + dimList + "}", pm, llvm::errs())) ||
        mlir::failed(pm.run(*fixed)) ||
        mlir::failed(nnc::computeGraphStats(*fixed, stats)))
      return 1;
  }
  if (emit == Emit::NN || emit == Emit::NNGrad) {
    module->print(output->os());
    output->keep();
    return 0;
  }

  nnc::CompiledModel compiled;
#ifdef NNC_HAVE_GRAPH
  if (emit == Emit::Graph || emit == Emit::SO) {
    llvm::raw_string_ostream graph(compiled.graph);
    if (mlir::failed(nnc::emitGraph(*module, graph)))
      return 1;
    if (emit == Emit::Graph) {
      output->os() << compiled.graph;
      output->keep();
      return 0;
    }
  }
#endif

  // CSE after nn-decompose: a gradient rule that recomputes a forward
  // statistic (layer_norm's mean and variance) shares the forward's.
  if (!runPipeline(noFuse ? "func.func(nn-decompose,cse)"
                          : "func.func(nn-decompose,cse,nn-fuse)"))
    return 1;
  if (emit == Emit::NNFused) {
    module->print(output->os());
    output->keep();
    return 0;
  }
  if (!runPipeline("nnc-lower-to-linalg,nnc-fuse-regions"))
    return 1;
  if (emit == Emit::Linalg) {
    module->print(output->os());
    output->keep();
    return 0;
  }
  // The kernels of each target: a CUDA build merges independent launches
  // and stages contractions in workgroup memory; a Vulkan build (lavapipe)
  // does neither unless told. A model.so for both holds both kernel sets,
  // each with its own launch plans (`plan` for Vulkan, `plan:cuda`).
  struct KernelChoices {
    bool mergeLaunches, mergeBarriers, workgroupTiles;
    bool operator!=(const KernelChoices &o) const {
      return mergeLaunches != o.mergeLaunches ||
             mergeBarriers != o.mergeBarriers ||
             workgroupTiles != o.workgroupTiles;
    }
  };
  auto choicesFor = [&](bool cudaSet) {
    bool cuda = tune == Tune::Auto ? cudaSet : tune == Tune::Cuda;
    KernelChoices c;
    c.mergeLaunches =
        !noFuse && (mergeLaunches == MergeLaunches::On ||
                    (mergeLaunches == MergeLaunches::Auto && cuda));
    // On lavapipe a merged kernel with a barrier ran several times slower.
    c.mergeBarriers = c.mergeLaunches && cuda;
    c.workgroupTiles = contractionTiles == ContractionTiles::Workgroup ||
                       (contractionTiles == ContractionTiles::Auto && cuda);
    return c;
  };
  auto lowerToGpu = [&](mlir::ModuleOp m, const KernelChoices &c) {
    mlir::PassManager pm(&context, mlir::ModuleOp::getOperationName());
    if (timePasses)
      pm.enableTiming();
    nnc::buildLinalgToGpuPipeline(pm, /*merge=*/!noFuse, c.mergeLaunches,
                                  /*subgroups=*/!noSubgroupOps,
                                  c.workgroupTiles, c.mergeBarriers);
    return mlir::succeeded(pm.run(m));
  };
  // `module` gets CUDA's kernel set for --target=cuda and for --emit=ptx of
  // a build for both targets (the PTX its model.so holds), else Vulkan's:
  // --emit=gpu, --emit=plan and --stats show it. A model.so for both
  // targets lowers CUDA's set apart too (`cudaModule`) where it differs.
  bool cudaSet = target == Target::Cuda ||
                 (target == Target::Both && emit == Emit::PTX);
  mlir::OwningOpRef<mlir::ModuleOp> cudaModule;
  if (target == Target::Both && emit == Emit::SO &&
      choicesFor(true) != choicesFor(false)) {
    cudaModule = module->clone();
    if (!lowerToGpu(*cudaModule, choicesFor(true)))
      return 1;
  }
  if (!lowerToGpu(*module, choicesFor(cudaSet)))
    return 1;
  if (emit == Emit::GPU) {
    module->print(output->os());
    output->keep();
    return 0;
  }

  nnc::PackageOptions package;
  package.chip = gpuArch;
  // PTX ISA 8.0 knows sm_50 ... sm_90; newer parts need a newer ISA.
  package.ptxFeatures = sm >= 100 ? "+ptx87" : "+ptx80";
  package.timePasses = timePasses;
  package.spirv = target != Target::Cuda;
  package.ptx = target != Target::Vulkan;
  if (emit == Emit::PTX) {
    std::string ptx;
    if (mlir::failed(nnc::lowerKernelsToPtx(*module, package, ptx)))
      return 1;
    output->os() << ptx;
    output->keep();
    return 0;
  }
  {
    llvm::raw_string_ostream plans(compiled.plans);
    if (mlir::failed(nnc::buildLaunchPlans(*module, compiled.tables, plans)))
      return 1;
  }
  if (statsFormat != StatsFormat::None) {
    std::string error = nnc::computePlanStats(
        nnc::formatPlans(compiled), stats, nnc::collectKernelParts(*module));
    if (!error.empty())
      return fail("--stats: " + error);
    if (statsFormat == StatsFormat::Kernels)
      nnc::printStatsKernels(stats, output->os());
    else
      nnc::printStatsJson(stats, output->os());
    output->keep();
    return 0;
  }
  if (emit == Emit::Plan) {
    output->os() << nnc::formatPlans(compiled);
    output->keep();
    return 0;
  }
  if (emit == Emit::SPIRV) {
    package.ptx = false;
    package.spirv = true;
  }
  if (cudaModule) {
    // Vulkan's kernels from `module`, CUDA's (and their plans) from
    // `cudaModule`.
    llvm::raw_string_ostream plans(compiled.cudaPlans);
    if (mlir::failed(
            nnc::buildLaunchPlans(*cudaModule, compiled.cudaTables, plans)))
      return 1;
    compiled.hasCudaPlans = true;
    nnc::PackageOptions ptxOnly = package;
    ptxOnly.spirv = false;
    if (mlir::failed(nnc::lowerKernels(*cudaModule, ptxOnly, compiled)))
      return 1;
  }
  nnc::PackageOptions own = package;
  own.ptx = own.ptx && !cudaModule; // CUDA's kernels came from cudaModule
  if (mlir::failed(nnc::lowerKernels(*module, own, compiled)))
    return 1;
  if (emit == Emit::SPIRV) {
    if (std::error_code ec = llvm::sys::fs::create_directories(outputFile))
      return fail("cannot create '" + outputFile + "': " + ec.message());
    for (const nnc::SpirvKernel &k : compiled.spirv) {
      llvm::SmallString<128> path(outputFile);
      llvm::sys::path::append(path, k.module + ".spv");
      std::error_code ec;
      llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
      if (ec)
        return fail("cannot write '" + path + "': " + ec.message());
      os.write(reinterpret_cast<const char *>(k.words.data()),
               k.words.size() * sizeof(uint32_t));
    }
    return 0;
  }
  compiled.meta = "compiler nnc\nsource " +
                  llvm::sys::path::filename(inputFile).str() + "\ntargets" +
                  (package.ptx ? " cuda" : "") +
                  (package.spirv ? " vulkan" : "") + "\ngpu " + gpuArch + "\n";
  std::string error;
  if (!nnc::writeSharedObject(nnc::packModel(compiled), outputFile, error))
    return fail("cannot write '" + outputFile + "': " + error);
  return 0;
}
