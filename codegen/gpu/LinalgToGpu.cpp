//===- LinalgToGpu.cpp - the naive linalg -> gpu kernel pipeline ----------===//
#include "codegen/gpu/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/GPU/Utils/GPUUtils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

namespace nnc {
#define GEN_PASS_DEF_NNCGPUSINKCONSTANTS
#define GEN_PASS_DEF_NNCGPUCOPYTOLINALG
#define GEN_PASS_DEF_NNCGPULAUNCHHOSTCOMPUTE
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
    // Constants, and pure scalar math on non-index values (an f32 made from
    // a dynamic size, as a mean divides by): the kernel recomputes them and
    // the host plan, which only does index arithmetic, never sees a float.
    auto isConstant = [](Operation *op) {
      if (op->hasTrait<OpTrait::ConstantLike>())
        return true;
      if (!isMemoryEffectFree(op) || op->getNumRegions() != 0 ||
          op->getNumResults() != 1 || isa<memref::DimOp>(op))
        return false;
      Type type = op->getResult(0).getType();
      return type.isIntOrFloat() && !type.isIndex();
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

struct GpuCopyToLinalg
    : public nnc::impl::NNCGpuCopyToLinalgBase<GpuCopyToLinalg> {
  void runOnOperation() override {
    SmallVector<memref::CopyOp> copies;
    getOperation()->walk([&](memref::CopyOp copy) { copies.push_back(copy); });
    for (memref::CopyOp copy : copies) {
      OpBuilder b(copy);
      linalg::CopyOp::create(b, copy.getLoc(), copy.getSource(),
                             copy.getTarget());
      copy.erase();
    }
  }
};

struct GpuLaunchHostCompute
    : public nnc::impl::NNCGpuLaunchHostComputeBase<GpuLaunchHostCompute> {
  /// What the launch plan evaluates on the host (codegen/package).
  static bool isHostOp(Operation *op) {
    if (op->hasTrait<OpTrait::ConstantLike>() || op->hasTrait<OpTrait::IsTerminator>())
      return true;
    if (isa<memref::AllocOp, memref::AllocaOp, memref::DeallocOp, memref::DimOp,
            memref::CastOp, memref::CollapseShapeOp, memref::ExpandShapeOp,
            memref::SubViewOp, memref::ReinterpretCastOp, memref::GetGlobalOp,
            gpu::LaunchFuncOp, gpu::LaunchOp>(op))
      return true;
    auto indexLike = [](Type t) { return t.isIndex() || t.isInteger(1); };
    return isMemoryEffectFree(op) && op->getNumRegions() == 0 &&
           llvm::all_of(op->getOperandTypes(), indexLike) &&
           llvm::all_of(op->getResultTypes(), indexLike);
  }

  static bool isPureCompute(Operation *op) {
    return !isHostOp(op) && isMemoryEffectFree(op) && op->getNumRegions() == 0;
  }

  void runOnOperation() override {
    getOperation()->walk([&](func::FuncOp func) {
      if (!func.isExternal())
        wrap(func.getBody().front());
    });
  }

  void wrap(Block &block) {
    // A pure op used elsewhere than next to its users is cloned before each
    // user, so that no value crosses from one run into another.
    SmallVector<Operation *> pure;
    for (Operation &op : block)
      if (isPureCompute(&op))
        pure.push_back(&op);
    for (Operation *op : llvm::reverse(pure)) {
      for (OpOperand &use : llvm::make_early_inc_range(op->getUses())) {
        Operation *user = block.findAncestorOpInBlock(*use.getOwner());
        OpBuilder b(user);
        // Into a launch that uses it: a copy before the launch would start a
        // run of its own and end up in another kernel.
        if (auto launch = dyn_cast<gpu::LaunchOp>(user))
          b.setInsertionPointToStart(&launch.getBody().front());
        Operation *copy = b.clone(*op);
        use.set(copy->getResult(cast<OpResult>(use.get()).getResultNumber()));
      }
      op->erase();
    }
    SmallVector<SmallVector<Operation *>> runs;
    bool open = false;
    for (Operation &op : block) {
      if (isHostOp(&op)) {
        open = false;
        continue;
      }
      if (!open)
        runs.emplace_back();
      open = true;
      runs.back().push_back(&op);
    }
    for (ArrayRef<Operation *> run : runs) {
      OpBuilder b(run.front());
      Location loc = run.front()->getLoc();
      Value one = arith::ConstantIndexOp::create(b, loc, 1);
      auto launch = gpu::LaunchOp::create(b, loc, one, one, one, one, one, one);
      Block &body = launch.getBody().front();
      OpBuilder inner = OpBuilder::atBlockEnd(&body);
      auto terminator = gpu::TerminatorOp::create(inner, loc);
      for (Operation *op : run)
        op->moveBefore(terminator);
    }
  }
};

} // namespace

void nnc::buildLinalgToGpuPipeline(OpPassManager &pm, bool merge,
                                   bool mergeLaunches, bool subgroups,
                                   bool workgroupTiles, bool mergeBarriers) {
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  // Frees the temporaries between kernels; returned buffers are retained.
  bufferization::buildBufferDeallocationPipeline(pm);
  // A returned view of an argument is cloned: bufferization.clone becomes an
  // alloc and a copy, which the next pass turns into a kernel.
  pm.addPass(createConvertBufferizationToMemRefPass());
  pm.addPass(createCanonicalizerPass());

  pm.addPass(nnc::createNNCGpuCopyToLinalg());
  // The optimizer's last kernel writes each param's buffer itself.
  pm.addPass(nnc::createNNCGpuUpdateInPlace());
  // A row group's ops become one kernel before anything reorders them.
  pm.addPass(nnc::createNNCGpuRowKernels(
      nnc::NNCGpuRowKernelsOptions{/*subgroups=*/subgroups}));
  // Vulkan's (lavapipe's) attention threads take up to 16 rows each: each
  // loaded key or query row then serves them all (on CUDA their registers
  // would spill).
  pm.addPass(nnc::createNNCGpuAttention(
      nnc::NNCGpuAttentionOptions{/*rowsPerThread=*/workgroupTiles ? 1 : 16}));
  pm.addPass(nnc::createNNCGpuParallelOuter());
  // Contractions (convolutions and their gradients as implicit GEMM,
  // matmuls), the matrix-vector products left (workgroup-memory tiles) and
  // reductions get kernels of their own; every other linalg op takes the
  // naive path below.
  pm.addPass(nnc::createNNCGpuTileContraction(
      nnc::NNCGpuTileContractionOptions{/*sideSums=*/merge,
                                        /*poolEpilogues=*/merge,
                                        /*workgroupTiles=*/workgroupTiles}));
  pm.addPass(nnc::createNNCGpuTileMatmul());
  pm.addPass(nnc::createNNCGpuTileReduction(
      nnc::NNCGpuTileReductionOptions{/*subgroups=*/subgroups}));
  // The elementwise ops and per-point reductions left: independent ones as
  // one kernel (with --no-fuse a kernel each).
  pm.addPass(nnc::createNNCGpuMergeElementwise(
      nnc::NNCGpuMergeElementwiseOptions{/*merge=*/merge}));
  pm.addPass(createConvertLinalgToParallelLoopsPass());
  pm.addPass(createParallelLoopTilingPass({kThreadsPerBlock}));
  // Folds the tiled steps to constants: convert-parallel-loops-to-gpu needs
  // constant steps and bounds it can see through affine.min.
  pm.addPass(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(createGpuMapParallelLoopsPass());
  pm.addPass(createConvertParallelLoopToGpuPass());
  pm.addPass(nnc::createNNCGpuLaunchHostCompute());
  // Independent kernels as one launch (horizontal fusion).
  if (mergeLaunches)
    pm.addPass(nnc::createNNCGpuMergeLaunches(
        nnc::NNCGpuMergeLaunchesOptions{/*barriers=*/mergeBarriers}));
  pm.addPass(nnc::createNNCGpuFlattenMemrefs());
  pm.addPass(nnc::createNNCGpuSinkConstants());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addPass(nnc::createNNCGpuRecordLaunchParts());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createCanonicalizerPass());
  // One copy of each grid computation per entry, not one per launch.
  pm.addPass(createCSEPass());
  // After CSE, so that a load and a store of the same element share their
  // index values: each thread's reduction loops keep the running value in a
  // register instead of loading and storing the output on every iteration.
  pm.addPass(nnc::createNNCGpuPromoteAccumulators());
  // Canonicalization may fold strided metadata into affine.apply; the launch
  // plan reads plain arith.
  pm.addPass(createLowerAffinePass());
  // Free each temporary after its last launch, so the arena reuses it.
  pm.addNestedPass<func::FuncOp>(nnc::createNNPlanMemory());
}

void nnc::registerCodegenGpuPasses() {
  registerNNCCodegenGpuPasses();
  PassPipelineRegistration<>(
      "nnc-linalg-to-gpu",
      "Bufferize linalg on tensors and outline naive gpu kernels "
      "(one thread per element, 256 threads per block)",
      [](OpPassManager &pm) { buildLinalgToGpuPipeline(pm); });
}
