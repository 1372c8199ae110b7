//===- PromoteAccumulators.cpp - keep loop accumulators in registers ------===//
//
// The naive path lowers a reduction to one thread per output element running
// `scf.for` over the reduction dims, with the running value loaded from and
// stored back to the output buffer on every iteration:
//
//   scf.for %k = ... { %a = memref.load %C[%i]; ...; memref.store %s, %C[%i] }
//
// This pass rewrites such a loop (innermost first, then outward, so that a
// nest of reduction loops becomes one load before and one store after the
// outermost loop) to carry the value as an iter_arg:
//
//   %a0 = memref.load %C[%i]
//   %r = scf.for %k = ... iter_args(%a = %a0) { ...; scf.yield %s }
//   memref.store %r, %C[%i]
//
// Only when it is safe:
//  - the load and the store are ops of the loop body itself (not nested in an
//    scf.if or an inner loop), on the same memref with the same index values,
//    all defined outside the loop, and the load comes first;
//  - no other op in the body (recursively) writes any memory, has effects it
//    does not describe (calls, unknown ops) or is a gpu.barrier;
//  - no other op in the body reads %C or any memref derived from the same
//    root value (a kernel argument, an allocation) through views. Distinct
//    kernel arguments can in principle be views of one buffer, but the other
//    reads of a reduction body are its linalg inputs, which bufferization
//    never places in the output's memory;
//  - if the loop may run zero times (bounds not both constant), the hoisted
//    load and store are guarded by `lb < ub` so that a thread whose loop is
//    empty still touches nothing.
// Pure loop-invariant ops are hoisted first (LICM), so the linear indices
// computed by nnc-gpu-flatten-memrefs inside the loop qualify too.
//===----------------------------------------------------------------------===//
#include "codegen/gpu/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Transforms/LoopInvariantCodeMotionUtils.h"

namespace nnc {
#define GEN_PASS_DEF_NNCGPUPROMOTEACCUMULATORS
#include "codegen/gpu/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

/// The value a memref is a view of: follows view-like ops (subview,
/// reinterpret_cast, cast, expand/collapse_shape, ...) and the base buffer of
/// extract_strided_metadata back to a block argument or an allocation.
Value rootOf(Value v) {
  while (true) {
    Operation *def = v.getDefiningOp();
    if (!def)
      return v;
    if (auto view = dyn_cast<ViewLikeOpInterface>(def)) {
      v = view.getViewSource();
      continue;
    }
    if (auto meta = dyn_cast<memref::ExtractStridedMetadataOp>(def)) {
      v = meta.getSource();
      continue;
    }
    return v;
  }
}

bool inKernel(Operation *op) {
  return op->getParentOfType<gpu::GPUFuncOp>() ||
         op->getParentOfType<gpu::LaunchOp>();
}

/// Whether every op nested in `loop`'s body other than `load` and `store`
/// leaves the accumulator alone: no writes, no barriers, no undescribed
/// effects, no reads of memory rooted at `root`.
bool bodyIsSafe(scf::ForOp loop, memref::LoadOp load, memref::StoreOp store,
                Value root) {
  WalkResult result = loop.getBody()->walk([&](Operation *op) {
    if (op == load.getOperation() || op == store.getOperation())
      return WalkResult::advance();
    if (isa<gpu::BarrierOp>(op))
      return WalkResult::interrupt();
    // Any use of a memref with the accumulator's root (a view of it passed
    // to some op) disqualifies, whatever the op does with it.
    for (Value operand : op->getOperands())
      if (isa<BaseMemRefType>(operand.getType()) && rootOf(operand) == root)
        return WalkResult::interrupt();
    if (op->hasTrait<OpTrait::HasRecursiveMemoryEffects>())
      return WalkResult::advance(); // nested ops are walked on their own
    auto iface = dyn_cast<MemoryEffectOpInterface>(op);
    if (!iface)
      return WalkResult::interrupt(); // unknown effects (calls, ...)
    SmallVector<MemoryEffects::EffectInstance> effects;
    iface.getEffects(effects);
    for (const MemoryEffects::EffectInstance &e : effects) {
      if (isa<MemoryEffects::Allocate>(e.getEffect()))
        continue;
      if (!isa<MemoryEffects::Read>(e.getEffect()))
        return WalkResult::interrupt(); // writes and frees
      Value v = e.getValue();
      if (!v || !isa<BaseMemRefType>(v.getType()))
        return WalkResult::interrupt(); // a read of unknown memory
      if (rootOf(v) == root)
        return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return !result.wasInterrupted();
}

/// Finds a load/store pair of `loop` that can be promoted.
std::optional<std::pair<memref::LoadOp, memref::StoreOp>>
findCandidate(scf::ForOp loop) {
  Block *body = loop.getBody();
  for (auto store : body->getOps<memref::StoreOp>()) {
    Value mem = store.getMemRef();
    if (!loop.isDefinedOutsideOfLoop(mem))
      continue;
    if (!llvm::all_of(store.getIndices(), [&](Value i) {
          return loop.isDefinedOutsideOfLoop(i);
        }))
      continue;
    memref::LoadOp match;
    for (auto load : body->getOps<memref::LoadOp>()) {
      if (!load->isBeforeInBlock(store))
        break;
      if (load.getMemRef() == mem && load.getIndices() == store.getIndices()) {
        match = load;
        break;
      }
    }
    if (!match)
      continue;
    // The guarded form needs a placeholder of the element type.
    if (!isa<IntegerType, IndexType, FloatType>(match.getType()))
      continue;
    if (!bodyIsSafe(loop, match, store, rootOf(mem)))
      continue;
    return std::make_pair(match, store);
  }
  return std::nullopt;
}

/// Whether the loop is known to run at least once.
bool runsAtLeastOnce(scf::ForOp loop) {
  std::optional<int64_t> lb = getConstantIntValue(loop.getLowerBound());
  std::optional<int64_t> ub = getConstantIntValue(loop.getUpperBound());
  return lb && ub && *lb < *ub;
}

/// Rewrites `loop` for one pair; returns the new loop.
scf::ForOp promote(IRRewriter &rewriter, scf::ForOp loop, memref::LoadOp load,
                   memref::StoreOp store) {
  Location loc = loop.getLoc();
  Value mem = store.getMemRef();
  SmallVector<Value> indices(store.getIndices());
  Type elemType = load.getType();

  rewriter.setInsertionPoint(loop);
  Value nonEmpty;
  Value init;
  if (runsAtLeastOnce(loop)) {
    init = memref::LoadOp::create(rewriter, loc, mem, indices);
  } else {
    nonEmpty = arith::CmpIOp::create(
        rewriter, loc,
        loop.getUnsignedCmp() ? arith::CmpIPredicate::ult
                              : arith::CmpIPredicate::slt,
        loop.getLowerBound(), loop.getUpperBound());
    auto ifOp = scf::IfOp::create(rewriter, loc, TypeRange{elemType}, nonEmpty,
                                  /*withElseRegion=*/true);
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPointToStart(ifOp.thenBlock());
    Value v = memref::LoadOp::create(rewriter, loc, mem, indices);
    scf::YieldOp::create(rewriter, loc, v);
    rewriter.setInsertionPointToStart(ifOp.elseBlock());
    // Never read: the loop does not run and the store below is skipped.
    Value undef = arith::ConstantOp::create(rewriter, loc, elemType,
                                            rewriter.getZeroAttr(elemType));
    scf::YieldOp::create(rewriter, loc, undef);
    init = ifOp.getResult(0);
  }

  Value stored = store.getValueToStore();
  FailureOr<LoopLikeOpInterface> replaced =
      cast<LoopLikeOpInterface>(loop.getOperation())
          .replaceWithAdditionalYields(
              rewriter, ValueRange{init},
              /*replaceInitOperandUsesInLoop=*/false,
              [&](OpBuilder &, Location, ArrayRef<BlockArgument>) {
                return SmallVector<Value>{stored};
              });
  assert(succeeded(replaced) && "scf.for always takes new yields");
  auto newLoop = cast<scf::ForOp>(replaced->getOperation());
  // The body was moved over: `load` and `store` now live in the new loop.
  Value acc = newLoop.getRegionIterArgs().back();
  rewriter.replaceAllUsesWith(load.getResult(), acc);
  rewriter.eraseOp(load);
  rewriter.eraseOp(store);

  Value result = newLoop.getResults().back();
  rewriter.setInsertionPointAfter(newLoop);
  if (nonEmpty) {
    auto ifOp = scf::IfOp::create(rewriter, loc, TypeRange{}, nonEmpty,
                                  /*withElseRegion=*/false);
    rewriter.setInsertionPointToStart(ifOp.thenBlock());
  }
  memref::StoreOp::create(rewriter, loc, result, mem, indices);
  return newLoop;
}

struct GpuPromoteAccumulators
    : public nnc::impl::NNCGpuPromoteAccumulatorsBase<GpuPromoteAccumulators> {
  void runOnOperation() override {
    // Post-order: inner loops before the loops around them.
    SmallVector<scf::ForOp> loops;
    getOperation()->walk([&](scf::ForOp loop) {
      if (inKernel(loop))
        loops.push_back(loop);
    });
    IRRewriter rewriter(&getContext());
    for (scf::ForOp loop : loops) {
      moveLoopInvariantCode(cast<LoopLikeOpInterface>(loop.getOperation()));
      while (auto pair = findCandidate(loop))
        loop = promote(rewriter, loop, pair->first, pair->second);
    }
  }
};

} // namespace
