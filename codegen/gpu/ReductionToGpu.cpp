//===- ReductionToGpu.cpp - reductions as one workgroup per output -------===//
//
// `nnc-gpu-tile-reduction`: a linalg op on memrefs with one output whose
// reduction loops are the innermost ones, innermost in every input too, and
// whose body folds into the output with one associative op (add, mul, max,
// min, and, or) becomes a gpu.launch with one workgroup per output element:
// each thread folds a strided slice of the reduced elements with the op's
// body, the partials meet in workgroup memory in a tree, and thread 0
// combines the total with the value the output held (the fill's init; a
// fill just before the reduction is folded in and needs no kernel).
//
//===----------------------------------------------------------------------===//
#include "codegen/gpu/KernelUtils.h"
#include "codegen/gpu/Passes.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"
#include "llvm/Support/MathExtras.h"

namespace nnc {
#define GEN_PASS_DEF_NNCGPUTILEREDUCTION
#include "codegen/gpu/Passes.h.inc"
} // namespace nnc

using namespace mlir;
using namespace nnc::gpu_kernel;

namespace {

/// Threads per workgroup when the reduced size is dynamic or large.
constexpr int64_t kMaxThreads = 256;
/// A static row shorter than this is cheaper as the naive serial loop.
constexpr int64_t kMinReduced = 32;
/// Vulkan guarantees at least this many workgroups along x; more outputs
/// than that are walked by a grid-stride loop.
constexpr int64_t kMaxGroups = 65535;

/// Loops [0, parallel) are parallel and [parallel, rank) reduced; every
/// input reads the reduced loops as its innermost dims, in order.
bool hasInnermostReduction(linalg::LinalgOp op) {
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  int64_t rank = iterators.size(), parallel = op.getNumParallelLoops();
  if (parallel == rank)
    return false;
  for (int64_t i = 0; i < rank; ++i)
    if ((i < parallel) != (iterators[i] == utils::IteratorType::parallel))
      return false;
  for (OpOperand *input : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(input);
    bool readsReduced = false;
    for (int64_t d = parallel; d < rank; ++d)
      readsReduced |= map.isFunctionOfDim(d);
    if (!readsReduced)
      continue;
    int64_t reduced = rank - parallel, results = map.getNumResults();
    if (results < reduced)
      return false;
    for (int64_t j = 0; j < reduced; ++j) {
      auto d = dyn_cast<AffineDimExpr>(map.getResult(results - reduced + j));
      if (!d || d.getPosition() != unsigned(parallel + j))
        return false;
    }
  }
  return true;
}

struct ReduceInWorkgroupMemory
    : public OpInterfaceRewritePattern<linalg::LinalgOp> {
  using OpInterfaceRewritePattern::OpInterfaceRewritePattern;

  LogicalResult matchAndRewrite(linalg::LinalgOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureBufferSemantics() || op.getNumDpsInits() != 1 ||
        op.getNumDpsInputs() == 0 || !hasScalarBody(op) ||
        !llvm::all_of(op.getIndexingMapsArray(), isDimOrConstantMap) ||
        !hasInnermostReduction(op))
      return rewriter.notifyMatchFailure(op, "not an innermost reduction");
    for (OpOperand *input : op.getDpsInputOperands())
      if (!isa<MemRefType>(input->get().getType()))
        return rewriter.notifyMatchFailure(op, "a scalar input");
    FailureOr<Combiner> combiner = matchCombiner(op);
    if (failed(combiner))
      return rewriter.notifyMatchFailure(op, "no add/mul/max/min combiner");

    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    int64_t rank = ranges.size(), parallel = op.getNumParallelLoops();
    int64_t staticReduced = 1;
    for (int64_t d = parallel; d < rank; ++d)
      staticReduced = ShapedType::isDynamic(ranges[d]) || staticReduced < 0
                          ? -1
                          : staticReduced * ranges[d];
    if (staticReduced >= 0 && staticReduced < kMinReduced)
      return rewriter.notifyMatchFailure(op, "too few elements to share");
    int64_t threads =
        staticReduced < 0
            ? kMaxThreads
            : std::min<int64_t>(kMaxThreads, llvm::PowerOf2Ceil(staticReduced));

    Location loc = op.getLoc();
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    Value out = op.getDpsInitOperand(0)->get();
    Type accType = combiner->op->getResult(0).getType();
    // Every output is stored; a fill just before needs no kernel of its
    // own: its value is the init.
    linalg::FillOp fill = fillBefore(op, out);
    Value fillValue = fill ? fill.getInputs()[0] : Value();

    // Host side: loop sizes, the output and reduced counts, the grid.
    SmallVector<Value> sizes = hostLoopSizes(rewriter, loc, op);
    Value c1 = arith::ConstantIndexOp::create(rewriter, loc, 1);
    Value outputs = productOf(
        rewriter, loc, ArrayRef<Value>(sizes).take_front(parallel), c1);
    Value reducedCount = productOf(
        rewriter, loc, ArrayRef<Value>(sizes).drop_front(parallel), c1);
    Value groups = arith::MinUIOp::create(
        rewriter, loc, outputs,
        arith::ConstantIndexOp::create(rewriter, loc, kMaxGroups));
    Value threadsV = arith::ConstantIndexOp::create(rewriter, loc, threads);
    auto launch = gpu::LaunchOp::create(
        rewriter, loc, groups, c1, c1, threadsV, c1, c1,
        /*dynamicSharedMemorySize=*/nullptr, /*asyncTokenType=*/nullptr,
        /*asyncDependencies=*/{},
        TypeRange{workgroupMemRef({threads}, accType)});
    Value partials = launch.getWorkgroupAttributions()[0];

    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPointToStart(&launch.getBody().front());
    Value tid = launch.getThreadIds().x;
    Value c0 = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value threadsK = arith::ConstantIndexOp::create(rewriter, loc, threads);
    SmallVector<int64_t> parallelDims, reducedDims;
    SmallVector<Value> parallelSizes, reducedSizes;
    for (int64_t d = 0; d < rank; ++d) {
      (d < parallel ? parallelDims : reducedDims).push_back(d);
      (d < parallel ? parallelSizes : reducedSizes).push_back(sizes[d]);
    }
    auto combine = [&](OpBuilder &b, Value element, Value acc) {
      Operation *c = b.clone(*combiner->op);
      c->setOperand(combiner->accOperand, acc);
      c->setOperand(1 - combiner->accOperand, element);
      return c->getResult(0);
    };

    scf::ForOp::create(
        rewriter, loc, launch.getBlockIds().x, outputs, launch.getGridSize().x,
        ValueRange{}, [&](OpBuilder &b, Location l, Value o, ValueRange) {
          SmallVector<Value> dims(rank);
          if (parallel > 0)
            delinearize(b, l, o, parallelDims, parallelSizes, dims);
          Value identity =
              arith::getIdentityValue(combiner->kind, accType, b, l);
          // This thread's slice: elements tid, tid + threads, ...
          Value slice = buildGuardedFor(
              b, l, tid, reducedCount, threadsK, identity,
              [&](OpBuilder &b, Location l, Value i, Value acc) {
                SmallVector<Value> at = dims;
                delinearize(b, l, i, reducedDims, reducedSizes, at);
                SmallVector<Value> args;
                for (OpOperand *input : op.getDpsInputOperands())
                  args.push_back(memref::LoadOp::create(
                      b, l, input->get(),
                      applyMap(b, l, op.getMatchingIndexingMap(input), at)));
                args.push_back(acc);
                return cloneBody(b, op, args)[0];
              });
          Value total = treeReduce(b, l, slice, partials, tid, threads, combine);
          // The output held the init (a fill's identity, or a prior value):
          // fold the total into it as the sequential loop would.
          Value first =
              arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, tid, c0);
          scf::IfOp::create(b, l, first, [&](OpBuilder &b, Location l) {
            SmallVector<Value> outIdx = applyMap(b, l, maps.back(), dims);
            Value init = fillValue ? fillValue
                                   : memref::LoadOp::create(b, l, out, outIdx)
                                         .getResult();
            memref::StoreOp::create(b, l, combine(b, total, init), out, outIdx);
            scf::YieldOp::create(b, l);
          });
          scf::YieldOp::create(b, l);
        });
    gpu::TerminatorOp::create(rewriter, loc);
    if (fill)
      rewriter.eraseOp(fill);
    rewriter.eraseOp(op);
    return success();
  }
};

struct GpuTileReduction
    : public nnc::impl::NNCGpuTileReductionBase<GpuTileReduction> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<ReduceInWorkgroupMemory>(&getContext());
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};

} // namespace
