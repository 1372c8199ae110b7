//===- GpuToPtx.cpp - the gpu -> PTX pipeline and the PTX dump ------------===//
#include "codegen/ptx/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/GPU/Pipelines/Passes.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

namespace nnc {
#define GEN_PASS_DEF_NNCDUMPPTX
#define GEN_PASS_DEF_NNCGPUSUBGROUPTOSHUFFLES
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
  pm.addNestedPass<gpu::GPUModuleOp>(nnc::createNNCGpuSubgroupToShuffles());
  gpu::buildLowerToNVVMPassPipeline(pm, nvvm);
}

namespace {

/// NVIDIA's warp.
constexpr unsigned kWarpSize = 32;

struct SubgroupToShuffles
    : public nnc::impl::NNCGpuSubgroupToShufflesBase<SubgroupToShuffles> {
  void runOnOperation() override {
    // The subgroup ids first: linear thread id / 32 (x-major), the
    // threads / 32 rounded up, and 32.
    IRRewriter rewriter(&getContext());
    getOperation()->walk([&](Operation *op) {
      if (!isa<gpu::SubgroupIdOp, gpu::NumSubgroupsOp, gpu::SubgroupSizeOp>(
              op))
        return;
      Location l = op->getLoc();
      rewriter.setInsertionPoint(op);
      if (isa<gpu::SubgroupSizeOp>(op)) {
        rewriter.replaceOp(
            op, arith::ConstantIndexOp::create(rewriter, l, kWarpSize));
        return;
      }
      auto blockDim = [&](gpu::Dimension d) -> Value {
        return gpu::BlockDimOp::create(rewriter, l, d);
      };
      auto threadId = [&](gpu::Dimension d) -> Value {
        return gpu::ThreadIdOp::create(rewriter, l, d);
      };
      Value bx = blockDim(gpu::Dimension::x);
      Value by = blockDim(gpu::Dimension::y);
      Value bz = blockDim(gpu::Dimension::z);
      Value warp = arith::ConstantIndexOp::create(rewriter, l, kWarpSize);
      Value result;
      if (isa<gpu::SubgroupIdOp>(op)) {
        Value tx = threadId(gpu::Dimension::x);
        Value ty = threadId(gpu::Dimension::y);
        Value tz = threadId(gpu::Dimension::z);
        Value linear = arith::AddIOp::create(
            rewriter, l,
            arith::MulIOp::create(
                rewriter, l,
                arith::AddIOp::create(rewriter, l,
                                      arith::MulIOp::create(rewriter, l, tz, by),
                                      ty),
                bx),
            tx);
        result = arith::DivUIOp::create(rewriter, l, linear, warp);
      } else {
        Value threads = arith::MulIOp::create(
            rewriter, l, arith::MulIOp::create(rewriter, l, bx, by), bz);
        result = arith::CeilDivUIOp::create(rewriter, l, threads, warp);
      }
      rewriter.replaceOp(op, result);
    });
    RewritePatternSet patterns(&getContext());
    populateGpuLowerSubgroupReduceToShufflePatterns(patterns, kWarpSize);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    WalkResult left = getOperation()->walk([](gpu::SubgroupReduceOp op) {
      op.emitError("nnc-gpu-subgroup-to-shuffles: no shuffle lowering for ")
          << op.getValue().getType();
      return WalkResult::interrupt();
    });
    if (left.wasInterrupted())
      signalPassFailure();
  }
};

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
