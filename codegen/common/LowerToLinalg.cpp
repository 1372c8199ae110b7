//===- LowerToLinalg.cpp - The nnc-lower-to-linalg pass -------------------===//
//
// Applies every op family's patterns, then reports each nn op that is left:
// one without a lowering fails the pass with a located error.
//
//===----------------------------------------------------------------------===//
#include "codegen/common/Passes.h"
#include "codegen/common/PatternNNToLinalg.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace nnc {
#define GEN_PASS_DEF_NNCLOWERTOLINALG
#include "codegen/common/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace nnc {
namespace {

struct LowerToLinalgPass
    : public impl::NNCLowerToLinalgBase<LowerToLinalgPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    RewritePatternSet patterns(&getContext());
    codegen::populateElementwiseOpToLinalgPatterns(patterns);
    codegen::populateReduceOpToLinalgPatterns(patterns);
    codegen::populateMatmulOpToLinalgPatterns(patterns);
    codegen::populateShapeOpToLinalgPatterns(patterns);
    codegen::populateConv2DOpToLinalgPatterns(patterns);
    codegen::populateConvGradOpToLinalgPatterns(patterns);
    codegen::populatePoolOpToLinalgPatterns(patterns);
    codegen::populateGatherOpToLinalgPatterns(patterns);

    // Only the patterns rewrite: nn folders would change what is lowered,
    // and that is nn-canonicalize's job.
    GreedyRewriteConfig config;
    config.enableFolding(false).enableConstantCSE(false);
    config.setRegionSimplificationLevel(GreedySimplifyRegionLevel::Disabled);
    (void)applyPatternsGreedily(module, std::move(patterns), config);

    Dialect *nnDialect = getContext().getLoadedDialect<nn::NNDialect>();
    bool failed = false;
    module.walk([&](Operation *op) {
      if (op->getDialect() != nnDialect)
        return;
      op->emitError() << "nnc-lower-to-linalg: no lowering for '"
                      << op->getName() << "' yet";
      failed = true;
    });
    if (failed)
      signalPassFailure();
  }
};

} // namespace
} // namespace nnc
