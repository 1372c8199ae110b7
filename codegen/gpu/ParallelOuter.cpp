//===- ParallelOuter.cpp - parallel loops of linalg ops outermost ---------===//
//
// convert-linalg-to-parallel-loops nests loops in iterator order: a parallel
// dim after a reduction dim becomes an scf.parallel inside an scf.for, which
// no GPU mapping accepts (a reduction over a middle axis, over the batch
// axis, keepdims forms). Permuting the loops so that every parallel dim comes
// first (relative order kept) gives one outer scf.parallel per op, mapped to
// threads, with the reductions as loops inside each thread.
//===----------------------------------------------------------------------===//
#include "codegen/gpu/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"

namespace nnc {
#define GEN_PASS_DEF_NNCGPUPARALLELOUTER
#include "codegen/gpu/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

struct GpuParallelOuter
    : public nnc::impl::NNCGpuParallelOuterBase<GpuParallelOuter> {
  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> ops;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (op.hasPureBufferSemantics() && needsInterchange(op))
        ops.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : ops) {
      rewriter.setInsertionPoint(op);
      auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
      if (!generic) {
        FailureOr<linalg::GenericOp> g = linalg::generalizeNamedOp(rewriter, op);
        if (failed(g)) {
          op->emitError("cannot generalize this op to reorder its loops");
          return signalPassFailure();
        }
        generic = *g;
      }
      SmallVector<unsigned> order;
      SmallVector<utils::IteratorType> iterators =
          generic.getIteratorTypesArray();
      for (auto [i, it] : llvm::enumerate(iterators))
        if (it == utils::IteratorType::parallel)
          order.push_back(unsigned(i));
      for (auto [i, it] : llvm::enumerate(iterators))
        if (it != utils::IteratorType::parallel)
          order.push_back(unsigned(i));
      if (failed(linalg::interchangeGenericOp(rewriter, generic, order))) {
        generic.emitError("cannot reorder the loops of this op");
        return signalPassFailure();
      }
    }
  }

  /// A parallel loop after a non-parallel one.
  static bool needsInterchange(linalg::LinalgOp op) {
    bool sawReduction = false;
    for (utils::IteratorType it : op.getIteratorTypesArray()) {
      if (it != utils::IteratorType::parallel)
        sawReduction = true;
      else if (sawReduction)
        return true;
    }
    return false;
  }
};

} // namespace
