//===- LinalgToGpu.cpp - the naive linalg -> gpu kernel pipeline ----------===//
#include "codegen/gpu/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/GPU/Utils/GPUUtils.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

namespace nnc {
#define GEN_PASS_DEF_NNCGPUSINKCONSTANTS
#include "codegen/gpu/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

/// Threads per block of the naive mapping: the tile size of the outermost
/// parallel dim, which gpu-map-parallel-loops puts on thread x.
constexpr int64_t kThreadsPerBlock = 256;

struct GpuSinkConstants
    : public nnc::impl::NNCGpuSinkConstantsBase<GpuSinkConstants> {
  void runOnOperation() override {
    auto isConstant = [](Operation *op) {
      return op->hasTrait<OpTrait::ConstantLike>();
    };
    WalkResult result = getOperation()->walk([&](gpu::LaunchOp launch) {
      if (failed(sinkOperationsIntoLaunchOp(launch, isConstant)))
        return WalkResult::interrupt();
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace

void nnc::buildLinalgToGpuPipeline(OpPassManager &pm) {
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  // Frees the temporaries between kernels; returned buffers are retained.
  bufferization::buildBufferDeallocationPipeline(pm);

  pm.addPass(createConvertLinalgToParallelLoopsPass());
  pm.addPass(createParallelLoopTilingPass({kThreadsPerBlock}));
  // Folds the tiled steps to constants: convert-parallel-loops-to-gpu needs
  // constant steps and bounds it can see through affine.min.
  pm.addPass(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(createGpuMapParallelLoopsPass());
  pm.addPass(createConvertParallelLoopToGpuPass());
  pm.addPass(nnc::createNNCGpuSinkConstants());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createCanonicalizerPass());
}

void nnc::registerCodegenGpuPasses() {
  registerNNCCodegenGpuPasses();
  PassPipelineRegistration<>(
      "nnc-linalg-to-gpu",
      "Bufferize linalg on tensors and outline naive gpu kernels "
      "(one thread per element, 256 threads per block)",
      buildLinalgToGpuPipeline);
}
