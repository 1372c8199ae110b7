//===- GpuToPtx.cpp - the gpu -> PTX pipeline and the PTX dump ------------===//
#include "codegen/ptx/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Pipelines/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

namespace nnc {
#define GEN_PASS_DEF_NNCDUMPPTX
#include "codegen/ptx/Passes.h.inc"
} // namespace nnc

using namespace mlir;

void nnc::buildGpuToPtxPipeline(OpPassManager &pm,
                                const GpuToPtxOptions &options) {
  gpu::GPUToNVVMPipelineOptions nvvm;
  nvvm.cubinChip = options.chip;
  // Without it LLVM aborts: the default PTX 6.0 does not know sm_80.
  nvvm.cubinFeatures = options.features;
  // PTX text in the #gpu.object, not a cubin: no CUDA driver at compile time.
  nvvm.cubinFormat = "isa";
  gpu::buildLowerToNVVMPassPipeline(pm, nvvm);
}

namespace {

struct DumpPtx : public nnc::impl::NNCDumpPtxBase<DumpPtx> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (std::error_code ec = llvm::sys::fs::create_directories(dir)) {
      module.emitError() << "nnc-dump-ptx: cannot create '" << dir
                         << "': " << ec.message();
      return signalPassFailure();
    }
    for (auto binary : module.getOps<gpu::BinaryOp>()) {
      for (Attribute attr : binary.getObjects()) {
        auto object = dyn_cast<gpu::ObjectAttr>(attr);
        if (!object || object.getFormat() != gpu::CompilationTarget::Assembly)
          continue;
        SmallString<128> path(dir);
        llvm::sys::path::append(path, binary.getSymName() + ".ptx");
        std::error_code ec;
        llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_Text);
        if (ec) {
          binary.emitError() << "nnc-dump-ptx: cannot write '" << path
                             << "': " << ec.message();
          return signalPassFailure();
        }
        os << object.getObject().getValue();
      }
    }
  }
};

} // namespace

void nnc::registerPtxTranslations(DialectRegistry &registry) {
  registerAllToLLVMIRTranslations(registry);
}

void nnc::registerCodegenPtxPasses() {
  registerNNCCodegenPtxPasses();
  PassPipelineRegistration<GpuToPtxOptions>(
      "nnc-gpu-to-ptx",
      "Lower outlined gpu kernels to PTX text in gpu.binary ops (NVVM)",
      buildGpuToPtxPipeline);
}
