//===- Canonicalize.cpp - nn-canonicalize: nn folds, patterns and DCE -----===//
#include "passes/Passes.h"

#include "ir/NNOps.h"

#include "mlir/IR/Iterators.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace nnc {
#define GEN_PASS_DEF_NNCANONICALIZE
#include "passes/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

struct NNCanonicalize : nnc::impl::NNCanonicalizeBase<NNCanonicalize> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    Dialect *nn = ctx->getOrLoadDialect<nnc::nn::NNDialect>();
    RewritePatternSet patterns(ctx);
    nn->getCanonicalizationPatterns(patterns);
    for (RegisteredOperationName name : ctx->getRegisteredOperations())
      if (&name.getDialect() == nn)
        name.getCanonicalizationPatterns(patterns, ctx);
    // Not converging within the driver's iteration limit leaves valid IR;
    // like upstream -canonicalize, that is not an error.
    (void)applyPatternsGreedily(getOperation(), std::move(patterns));

    // The driver erases the dead ops it visits; sweep once more, users
    // before producers, so that chains left dead vanish entirely.
    getOperation()->walk<WalkOrder::PostOrder, ReverseIterator>(
        [](Operation *op) {
          if (isOpTriviallyDead(op))
            op->erase();
        });
  }
};

} // namespace
