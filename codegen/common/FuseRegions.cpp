//===- FuseRegions.cpp - nnc-fuse-regions ---------------------------------===//
//
// Each nn.fusion region holds linalg ops on tensors after nnc-lower-to-linalg.
// First the dims of op results are expressed through their inits (so that a
// `tensor.dim` of a producer is no second use of it), then linalg's
// elementwise fusion runs on the region's ops only, then the region is
// replaced by its ops.
//===----------------------------------------------------------------------===//
#include "codegen/common/Passes.h"

#include "ir/NNOps.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace nnc {
#define GEN_PASS_DEF_NNCFUSEREGIONS
#include "codegen/common/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

struct FuseRegions : nnc::impl::NNCFuseRegionsBase<FuseRegions> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    SmallVector<nnc::nn::FusionOp> fusions;
    module.walk([&](nnc::nn::FusionOp f) { fusions.push_back(f); });

    GreedyRewriteConfig config;
    config.setRegionSimplificationLevel(GreedySimplifyRegionLevel::Disabled);
    for (nnc::nn::FusionOp fusion : fusions) {
      {
        RewritePatternSet dims(ctx);
        memref::populateResolveRankedShapedTypeResultDimsPatterns(dims);
        tensor::DimOp::getCanonicalizationPatterns(dims, ctx);
        (void)applyPatternsGreedily(fusion.getBody(), std::move(dims),
                                    config);
      }
      RewritePatternSet patterns(ctx);
      linalg::ControlFusionFn control = [fusion](OpOperand *operand) {
        Operation *producer = operand->get().getDefiningOp();
        Operation *consumer = operand->getOwner();
        if (!producer || producer->getParentOp() != fusion ||
            consumer->getParentOp() != fusion)
          return false;
        // A producer also used elsewhere stays a result of the fused op,
        // which an op with reduction loops cannot write.
        auto generic = dyn_cast<linalg::GenericOp>(consumer);
        bool otherUses = !operand->get().hasOneUse();
        return !otherUses ||
               (generic && generic.getNumReductionLoops() == 0);
      };
      linalg::populateElementwiseOpsFusionPatterns(patterns, control);
      linalg::populateEraseUnusedOperandsAndResultsPatterns(patterns);
      (void)applyPatternsGreedily(fusion.getBody(), std::move(patterns),
                                  config);

      // Inline: the region's ops take the fusion op's place.
      Block &body = fusion.getBody().front();
      Operation *yield = body.getTerminator();
      for (auto [result, value] :
           llvm::zip(fusion.getResults(), yield->getOperands()))
        result.replaceAllUsesWith(value);
      Block *outer = fusion->getBlock();
      outer->getOperations().splice(fusion->getIterator(),
                                    body.getOperations(), body.begin(),
                                    yield->getIterator());
      fusion->erase();
    }
  }
};

} // namespace
