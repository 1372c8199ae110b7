//===- LowerToLinalg.cpp - The nnc-lower-to-linalg pass -------------------===//
//
// Applies every op family's patterns, then reports each nn op that is left:
// one without a lowering fails the pass with a located error.
//
//===----------------------------------------------------------------------===//
#include "codegen/common/Passes.h"
#include "codegen/common/PatternNNToLinalg.h"

#include "mlir/IR/AttrTypeSubElements.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace nnc {
#define GEN_PASS_DEF_NNCLOWERTOLINALG
#include "codegen/common/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace nnc {
namespace {

/// ui8 -> i8 (and so on) in every type and constant of `module`: the
/// patterns chose unsigned arith ops from the nn types, and arith, linalg
/// and the GPU lowerings take signless integers only.
void dropSignedness(ModuleOp module) {
  MLIRContext *ctx = module.getContext();
  auto signless = [&](Type t) -> Type {
    auto i = dyn_cast<IntegerType>(t);
    return i && !i.isSignless() ? IntegerType::get(ctx, i.getWidth()) : t;
  };
  // Constants first: their attributes hold the type inside raw data.
  module.walk([&](arith::ConstantOp c) {
    Attribute v = c.getValue();
    if (auto i = dyn_cast<IntegerAttr>(v);
        i && signless(i.getType()) != i.getType())
      c.setValueAttr(IntegerAttr::get(signless(i.getType()), i.getValue()));
    else if (auto d = dyn_cast<DenseElementsAttr>(v);
             d && signless(d.getElementType()) != d.getElementType())
      c.setValueAttr(cast<TypedAttr>(d.bitcast(signless(d.getElementType()))));
  });
  AttrTypeReplacer replacer;
  replacer.addReplacement([&](IntegerType t) -> std::optional<Type> {
    if (t.isSignless())
      return std::nullopt;
    return IntegerType::get(ctx, t.getWidth());
  });
  replacer.recursivelyReplaceElementsIn(module, /*replaceAttrs=*/true,
                                        /*replaceLocs=*/false,
                                        /*replaceTypes=*/true);
  // Casts between a signed and an unsigned type of one width are now no-ops.
  module.walk([&](UnrealizedConversionCastOp cast) {
    if (cast->getNumOperands() == 1 && cast->getNumResults() == 1 &&
        cast.getOperand(0).getType() == cast.getResult(0).getType()) {
      cast.getResult(0).replaceAllUsesWith(cast.getOperand(0));
      cast->erase();
    }
  });
}

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
    codegen::populateAttentionOpToKernelPatterns(patterns);

    // Only the patterns rewrite: nn folders would change what is lowered,
    // and that is nn-canonicalize's job.
    GreedyRewriteConfig config;
    config.enableFolding(false).enableConstantCSE(false);
    config.setRegionSimplificationLevel(GreedySimplifyRegionLevel::Disabled);
    (void)applyPatternsGreedily(module, std::move(patterns), config);
    dropSignedness(module);

    Dialect *nnDialect = getContext().getLoadedDialect<nn::NNDialect>();
    bool failed = false;
    module.walk([&](Operation *op) {
      // Fusion regions stay until nnc-fuse-regions inlines them.
      if (op->getDialect() != nnDialect || isa<nn::FusionOp, nn::YieldOp, nn::AttentionKernelOp>(op))
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
