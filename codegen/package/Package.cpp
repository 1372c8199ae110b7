//===- Package.cpp - kernels, plans and graph -> model.so -----------------===//
#include "codegen/package/Package.h"

#include "codegen/ptx/Passes.h"
#include "codegen/spirv/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/SPIRV/IR/SPIRVAttributes.h"
#include "mlir/Dialect/SPIRV/IR/SPIRVOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Pass/PassManager.h"

#include "llvm/IR/Constants.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"
#include <cstdlib>
#include <set>
#include <utility>

using namespace mlir;

namespace {

/// A copy of `module` with only its gpu.modules (the kernels).
OwningOpRef<ModuleOp> cloneKernels(ModuleOp module) {
  OwningOpRef<ModuleOp> copy = module.clone();
  // A kernel's workgroup size is its launch's block size (SPIR-V bakes it
  // into the shader). Outlining records it as known_block_size only where
  // it was constant then; canonicalization may fold it to one later (a
  // min(1, N - i) bound), so take it from the launch while it is here.
  copy->walk([&](gpu::LaunchFuncOp launch) {
    auto func = SymbolTable::lookupNearestSymbolFrom<gpu::GPUFuncOp>(
        launch, launch.getKernel());
    if (!func || func.getKnownBlockSizeAttr())
      return;
    SmallVector<int32_t, 3> size;
    for (Value v : {launch.getBlockSizeX(), launch.getBlockSizeY(),
                    launch.getBlockSizeZ()}) {
      APInt c;
      if (!matchPattern(v, m_ConstantInt(&c)))
        return;
      size.push_back(static_cast<int32_t>(c.getSExtValue()));
    }
    func.setKnownBlockSizeAttr(
        DenseI32ArrayAttr::get(module.getContext(), size));
  });
  for (Operation &op : llvm::make_early_inc_range(copy->getBody()->getOperations()))
    if (!isa<gpu::GPUModuleOp>(op))
      op.erase();
  return copy;
}

/// Moves every kernel into one gpu.module, each renamed after the module it
/// came from (outlining names modules uniquely, not functions).
LogicalResult mergeKernelModules(ModuleOp module) {
  SmallVector<gpu::GPUModuleOp> modules(module.getOps<gpu::GPUModuleOp>());
  OpBuilder b(module.getBodyRegion());
  b.setInsertionPointToEnd(module.getBody());
  auto merged = b.create<gpu::GPUModuleOp>(module.getLoc(), "nnc_kernels");
  Block &body = merged.getBodyRegion().front();
  for (gpu::GPUModuleOp m : modules) {
    for (Operation &op : llvm::make_early_inc_range(m.getBody()->getOperations())) {
      auto func = dyn_cast<gpu::GPUFuncOp>(op);
      if (!func)
        return op.emitError("package: unexpected op in a kernel module");
      func.setName(m.getName());
      op.moveBefore(&body, body.end());
    }
    m.erase();
  }
  return success();
}

/// MLIR links libdevice (the CUDA math library: expf, logf, ...) from the
/// toolkit that CUDA_ROOT/CUDA_HOME/CUDA_PATH names. When none is set, point
/// CUDA_HOME at the toolkit that holds the ptxas on PATH, or /usr/local/cuda.
void findCudaToolkit() {
  for (const char *var : {"CUDA_ROOT", "CUDA_HOME", "CUDA_PATH"})
    if (std::getenv(var))
      return;
  llvm::SmallVector<std::string> candidates;
  if (auto ptxas = llvm::sys::findProgramByName("ptxas"))
    candidates.push_back(
        llvm::sys::path::parent_path(llvm::sys::path::parent_path(*ptxas))
            .str());
  candidates.push_back("/usr/local/cuda");
  for (const std::string &dir : candidates) {
    llvm::SmallString<128> libdevice(dir);
    llvm::sys::path::append(libdevice, "nvvm", "libdevice", "libdevice.10.bc");
    if (llvm::sys::fs::exists(libdevice)) {
      setenv("CUDA_HOME", dir.c_str(), 0);
      return;
    }
  }
}

void putU32(std::string &s, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    s.push_back(char(v >> (8 * i)));
}
void putU64(std::string &s, uint64_t v) {
  for (int i = 0; i < 8; ++i)
    s.push_back(char(v >> (8 * i)));
}

} // namespace

LogicalResult nnc::lowerKernelsToPtx(ModuleOp gpuModule,
                                     const PackageOptions &options,
                                     std::string &ptx) {
  OwningOpRef<ModuleOp> kernels = cloneKernels(gpuModule);
  if (failed(mergeKernelModules(*kernels)))
    return failure();
  findCudaToolkit();
  PassManager pm(gpuModule.getContext());
  if (options.timePasses)
    pm.enableTiming();
  GpuToPtxOptions ptxOptions;
  ptxOptions.chip = options.chip;
  ptxOptions.features = options.ptxFeatures;
  buildGpuToPtxPipeline(pm, ptxOptions);
  if (failed(pm.run(*kernels)))
    return failure();
  for (auto binary : kernels->getOps<gpu::BinaryOp>())
    for (Attribute attr : binary.getObjects())
      if (auto object = dyn_cast<gpu::ObjectAttr>(attr))
        if (object.getFormat() == gpu::CompilationTarget::Assembly) {
          ptx = object.getObject().getValue().str();
          if (ptx.find(".extern .func") != std::string::npos &&
              ptx.find("__nv_") != std::string::npos)
            return gpuModule.emitError(
                "the kernels call CUDA's libdevice math functions, but no "
                "CUDA toolkit with nvvm/libdevice was found: set CUDA_HOME, "
                "or compile with --target=vulkan");
          return success();
        }
  return gpuModule.emitError("package: the NVVM pipeline produced no PTX");
}

LogicalResult nnc::lowerKernels(ModuleOp gpuModule,
                                const PackageOptions &options,
                                CompiledModel &out) {
  if (options.spirv) {
    // SPIR-V for Vulkan 1.1 has no bfloat16; say so at the model's line:
    // the first kernel op of bf16 values that has one (ops a pass made
    // without a location come first in some kernels: log_softmax's).
    auto isBF16 = [](Type t) { return getElementTypeOrSelf(t).isBF16(); };
    Operation *first = nullptr, *located = nullptr;
    gpuModule.walk([&](Operation *op) {
      if (!op->getParentOfType<gpu::GPUModuleOp>() ||
          (llvm::none_of(op->getResultTypes(), isBF16) &&
           llvm::none_of(op->getOperandTypes(), isBF16)))
        return WalkResult::advance();
      if (!first)
        first = op;
      if (!op->getLoc()->findInstanceOf<FileLineColLoc>())
        return WalkResult::advance();
      located = op;
      return WalkResult::interrupt();
    });
    if (first) {
      (located ? located : first)
          ->emitError("bf16 cannot run on Vulkan (SPIR-V has no bfloat16 "
                      "type): compile with --target=cuda, or use f16 or f32");
      return failure();
    }
    OwningOpRef<ModuleOp> kernels = cloneKernels(gpuModule);
    PassManager pm(gpuModule.getContext());
    if (options.timePasses)
      pm.enableTiming();
    GpuToSpirvOptions spirvOptions;
    spirvOptions.int64 = true;
    spirvOptions.float64 = true;
    spirvOptions.smallTypes = true;
    buildGpuToSpirvPipeline(pm, spirvOptions);
    if (failed(pm.run(*kernels)))
      return failure();
    auto emit = [&](StringRef name, ArrayRef<uint32_t> words) {
      SpirvKernel k;
      k.module = name.str();
      k.words.assign(words.begin(), words.end());
      out.spirv.push_back(std::move(k));
      return success();
    };
    if (failed(serializeSpirvModules(*kernels, emit)))
      return failure();
    // Capabilities, in the order serializeSpirvModules walks the modules.
    size_t i = 0;
    for (auto spv : kernels->getOps<spirv::ModuleOp>()) {
      if (i >= out.spirv.size())
        break;
      if (auto triple = spv.getVceTriple())
        for (spirv::Capability cap : triple->getCapabilities())
          out.spirv[i].capabilities.push_back(
              spirv::stringifyCapability(cap).str());
      ++i;
    }
  }
  if (options.ptx && failed(lowerKernelsToPtx(gpuModule, options, out.ptx)))
    return failure();
  return success();
}

namespace {
std::string formatPlanText(const nnc::PlanTables &tables,
                           const std::string &plans) {
  std::string plan;
  llvm::raw_string_ostream os(plan);
  os << "nnc-plan 1\n";
  for (auto [i, k] : llvm::enumerate(tables.kernels))
    os << "kernel " << i << " " << k.module << " " << k.function << " "
       << k.block[0] << " "
       << k.block[1] << " " << k.block[2] << "\n";
  for (auto [i, g] : llvm::enumerate(tables.globals))
    os << "global " << i << " " << g.name << " " << g.dtype << " "
       << g.bytes.size() << "\n";
  os << plans;
  return plan;
}
} // namespace

std::string nnc::formatPlans(const CompiledModel &model) {
  return formatPlanText(model.tables, model.plans);
}

std::string nnc::packModel(const CompiledModel &model) {
  std::vector<std::pair<std::string, std::string>> sections;
  sections.push_back({"meta", model.meta});
  sections.push_back({"graph", model.graph});
  sections.push_back({"plan", formatPlans(model)});
  // Both kernel sets come from one linalg module, so a global of the same
  // name holds the same bytes in both and is stored once; one that differs
  // (a kernel pass's own constant) gets a name of its own.
  nnc::PlanTables cuda = model.cudaTables;
  for (PlanGlobal &g : cuda.globals)
    for (const PlanGlobal &v : model.tables.globals)
      if (v.name == g.name && v.bytes != g.bytes) {
        g.name += ".cuda";
        break;
      }
  if (model.hasCudaPlans)
    sections.push_back({"plan:cuda", formatPlanText(cuda, model.cudaPlans)});
  std::set<std::string> stored;
  for (const nnc::PlanTables *tables : {&model.tables, &std::as_const(cuda)})
    for (const PlanGlobal &g : tables->globals)
      if (stored.insert(g.name).second)
        sections.push_back(
            {"global:" + g.name, std::string(g.bytes.begin(), g.bytes.end())});
  for (const SpirvKernel &k : model.spirv) {
    sections.push_back(
        {"spirv:" + k.module,
         std::string(reinterpret_cast<const char *>(k.words.data()),
                     k.words.size() * 4)});
    sections.push_back({"spirv-caps:" + k.module,
                        llvm::join(k.capabilities, " ")});
  }
  if (!model.ptx.empty())
    sections.push_back({"ptx", model.ptx});

  std::string blob = "NNCMODEL";
  putU32(blob, kModelFormatVersion);
  putU32(blob, uint32_t(sections.size()));
  putU64(blob, 0); // total size, patched below
  for (auto &[name, data] : sections) {
    putU32(blob, uint32_t(name.size()));
    blob += name;
    putU64(blob, data.size());
    blob += data;
  }
  uint64_t total = blob.size();
  for (int i = 0; i < 8; ++i)
    blob[16 + i] = char(total >> (8 * i));
  return blob;
}

bool nnc::writeSharedObject(const std::string &blob, const std::string &path,
                            std::string &error) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  std::string triple = llvm::sys::getDefaultTargetTriple();
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(llvm::Triple(triple), error);
  if (!target)
    return false;
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      llvm::Triple(triple), "generic", "", llvm::TargetOptions(),
      llvm::Reloc::PIC_));
  if (!machine) {
    error = "cannot create a target machine for " + triple;
    return false;
  }
  llvm::LLVMContext context;
  llvm::Module module("nnc_model", context);
  module.setTargetTriple(llvm::Triple(triple));
  module.setDataLayout(machine->createDataLayout());
  llvm::Constant *data = llvm::ConstantDataArray::getRaw(
      blob, blob.size(), llvm::Type::getInt8Ty(context));
  auto *global = new llvm::GlobalVariable(module, data->getType(),
                                          /*isConstant=*/true,
                                          llvm::GlobalValue::ExternalLinkage,
                                          data, "nnc_model_blob");
  global->setAlignment(llvm::Align(16));

  llvm::SmallString<128> object;
  int fd;
  if (std::error_code ec = llvm::sys::fs::createTemporaryFile("nnc-model", "o",
                                                              fd, object)) {
    error = "cannot create a temporary object file: " + ec.message();
    return false;
  }
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    llvm::legacy::PassManager pm;
    if (machine->addPassesToEmitFile(pm, os, nullptr,
                                     llvm::CodeGenFileType::ObjectFile)) {
      error = "the target cannot emit object files";
      llvm::sys::fs::remove(object);
      return false;
    }
    pm.run(module);
  }
  // The object needs no libc: a plain `ld -shared` links it.
  std::string linker;
  for (const char *name : {"ld", "ld.lld-22", "ld.lld", "cc"})
    if (auto found = llvm::sys::findProgramByName(name)) {
      linker = *found;
      break;
    }
  if (linker.empty()) {
    llvm::sys::fs::remove(object);
    error = "no system linker found (ld, ld.lld or cc on PATH); install "
            "binutils";
    return false;
  }
  llvm::SmallVector<llvm::StringRef> args = {linker, "-shared", "-o", path,
                                             object};
  std::string message;
  int rc = llvm::sys::ExecuteAndWait(linker, args, std::nullopt, {}, 0, 0,
                                     &message);
  llvm::sys::fs::remove(object);
  if (rc != 0) {
    error = "linking '" + path + "' with " + linker + " failed" +
            (message.empty() ? "" : ": " + message);
    return false;
  }
  return true;
}
