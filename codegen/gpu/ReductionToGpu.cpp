//===- ReductionToGpu.cpp - reductions as gpu kernels ---------------------===//
//
// `nnc-gpu-tile-reduction`: a linalg op on memrefs with one output whose
// body folds into the output with one associative op (add, mul, max, min,
// and, or), and whose reduction loops are the innermost ones, innermost in
// every input too (rows), or which has few outputs and many elements to
// reduce each (the bias gradient of a convolution: 16 sums over N H W),
// becomes a gpu.launch with one workgroup per output element: each thread
// folds a strided slice of the reduced elements with the op's body, the
// partials meet in workgroup memory in a tree, and thread 0 combines the
// total with the value the output held (the fill's init; a fill just before
// the reduction is folded in and needs no kernel).
//
// Any other reduction with its parallel loops first (column sums: the
// reduced loop is outer in the input; sibling sums merged into one op with
// several outputs; argmax) is a per-point reduction that
// nnc-gpu-merge-elementwise runs as a thread per output point.
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
/// A reduction whose reduced loops are not innermost still gets a workgroup
/// per output when it has at most this many outputs, each of at least
/// kManyReduced elements (otherwise a thread per output keeps more threads
/// busy).
constexpr int64_t kFewOutputs = 1024;
constexpr int64_t kManyReduced = 4096;

/// Loops [0, parallel) are parallel and [parallel, rank) reduced; every
/// input reads the reduced loops as its innermost dims, in order.
bool hasInnermostReduction(linalg::LinalgOp op) {
  int64_t rank = op.getNumLoops(), parallel = op.getNumParallelLoops();
  if (parallel == rank || !parallelLoopsFirst(op))
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

/// Parallel loops first, then reductions; at most kFewOutputs outputs
/// (static), each folding at least kManyReduced elements or a dynamic count.
bool fewLongOutputs(linalg::LinalgOp op) {
  if (!parallelLoopsFirst(op))
    return false;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t parallel = op.getNumParallelLoops(), outputs = 1, reduced = 1;
  bool dynamicReduced = false;
  for (int64_t d = 0; d < int64_t(ranges.size()); ++d) {
    if (d < parallel) {
      if (ShapedType::isDynamic(ranges[d]))
        return false;
      outputs *= ranges[d];
    } else if (ShapedType::isDynamic(ranges[d])) {
      dynamicReduced = true;
    } else {
      reduced *= ranges[d];
    }
  }
  return parallel < int64_t(ranges.size()) && outputs <= kFewOutputs &&
         (dynamicReduced || reduced >= kManyReduced);
}

struct ReduceInWorkgroupMemory
    : public OpInterfaceRewritePattern<linalg::LinalgOp> {
  ReduceInWorkgroupMemory(MLIRContext *context, bool subgroups)
      : OpInterfaceRewritePattern(context), subgroups(subgroups) {}
  bool subgroups; // combine the threads' partials with subgroup operations

  LogicalResult matchAndRewrite(linalg::LinalgOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureBufferSemantics() || op.getNumDpsInits() != 1 ||
        op.getNumDpsInputs() == 0 || !hasScalarBody(op) ||
        !isDimOrConstantMap(op.getIndexingMapsArray().back()) ||
        !(hasInnermostReduction(op) || fewLongOutputs(op)))
      return rewriter.notifyMatchFailure(op, "not a reduction of rows");
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
    HostLoops loops = hostLoops(rewriter, loc, op);
    Value c1 = loops.one;
    Value outputs = loops.points, reducedCount = loops.reduced;
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
    auto combine = [&](OpBuilder &b, Value element, Value acc) {
      return combiner->apply(b, acc, element);
    };

    scf::ForOp::create(
        rewriter, loc, launch.getBlockIds().x, outputs, launch.getGridSize().x,
        ValueRange{}, [&](OpBuilder &b, Location l, Value o, ValueRange) {
          SmallVector<Value> dims(rank);
          if (parallel > 0)
            delinearize(b, l, o, loops.split.parallelDims,
                        loops.split.parallelSizes, dims);
          Value identity =
              arith::getIdentityValue(combiner->kind, accType, b, l);
          // This thread's slice: elements tid, tid + threads, ...
          Value slice = buildGuardedFor(
              b, l, tid, reducedCount, threadsK, identity,
              [&](OpBuilder &b, Location l, Value i, Value acc) {
                SmallVector<Value> at = dims;
                delinearize(b, l, i, loops.split.reducedDims,
                            loops.split.reducedSizes, at);
                SmallVector<Value> args = loadInputs(b, l, op, at);
                args.push_back(acc);
                return cloneBody(b, op, args)[0];
              });
          Value total = treeReduce(
              b, l, slice, partials, tid, threads, combine,
              subgroups ? subgroupKind(combiner->kind, accType) : std::nullopt,
              identity);
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
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<ReduceInWorkgroupMemory>(&getContext(), subgroups);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};

} // namespace
