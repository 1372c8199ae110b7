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

/// Column split: a per-point reduction whose inputs read a parallel loop
/// innermost (a column sum of [R, C] rows, layer_norm's dgamma and dbeta)
/// gives a GPU one thread per output, C threads in all, each folding R
/// elements: 768 threads for GPT-2's [8192, 768] norms, a few of the
/// hundred-odd SMs of a GPU busy. It becomes two per-point reductions: the
/// outermost reduced loop (static R0) is cut into S slices of R0 / S, and
/// partial[s, out] folds slice s (S * C threads, each reading R0 / S rows,
/// neighbouring threads neighbouring columns); then each output folds its S
/// partials in order into what it held. S is a power of two that divides
/// R0, with at least kColumnMinSlice rows per slice and about
/// kColumnThreads threads in all; fewer than 4 slices leave the op alone.
constexpr int64_t kColumnThreads = 1 << 17;
constexpr int64_t kColumnMinSlice = 64;

/// Each result's combiner (`yield comb(f(ins), acc_k)` per output), or
/// failure.
FailureOr<SmallVector<Combiner>> matchCombiners(linalg::LinalgOp op) {
  SmallVector<Combiner> out;
  for (unsigned k = 0; k < unsigned(op.getNumDpsInits()); ++k) {
    FailureOr<Combiner> c = matchCombiner(op, k);
    if (failed(c))
      return failure();
    out.push_back(*c);
  }
  return out;
}

/// Where input `in` of `op` reads loop `d`: the position of its one result
/// `d` (-1 where it does not read it), or nullopt where `d` appears in
/// another form (an expression, twice) or the dim is not static.
std::optional<int64_t> readsLoopAt(linalg::LinalgOp op, OpOperand *in,
                                   int64_t d) {
  AffineMap map = op.getMatchingIndexingMap(in);
  std::optional<int64_t> at = -1;
  for (auto [i, e] : llvm::enumerate(map.getResults())) {
    if (!e.isFunctionOfDim(d))
      continue;
    auto dim = dyn_cast<AffineDimExpr>(e);
    auto type = dyn_cast<MemRefType>(in->get().getType());
    if (!dim || *at >= 0 || !type || type.isDynamicDim(i))
      return std::nullopt;
    at = int64_t(i);
  }
  return at;
}

/// Whether threads of neighbouring outputs read neighbouring elements (or
/// the same one) of every input: none reads a reduced loop innermost while
/// also reading a parallel one. A column sum reads [R, C] with C innermost;
/// a per-row value [R] is the same element for every thread of a row. Not
/// a batch_norm's per-channel sum over N, H, W, whose W is innermost: a
/// workgroup per channel reads it in order.
bool readsColumns(linalg::LinalgOp op) {
  int64_t parallel = op.getNumParallelLoops();
  for (OpOperand *in : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(in);
    if (map.getNumResults() == 0)
      continue;
    AffineExpr last = map.getResults().back();
    bool lastReduced = false, anyParallel = false;
    for (int64_t d = 0; d < op.getNumLoops(); ++d) {
      if (d >= parallel)
        lastReduced |= last.isFunctionOfDim(d);
      else
        anyParallel |= map.isFunctionOfDim(d);
    }
    if (lastReduced && anyParallel)
      return false;
  }
  return true;
}

/// The slices of `op`'s outermost reduced loop, or 0 to leave it alone.
int64_t columnSlices(linalg::LinalgOp op) {
  if (!isPerPointReduction(op) || hasInnermostReduction(op) ||
      !readsColumns(op) ||
      op.getNumDpsInits() == 0 || !hasScalarBody(op, /*allowIndex=*/true))
    return 0;
  for (Value init : op.getDpsInits())
    if (!cast<MemRefType>(init.getType()).hasStaticShape())
      return 0;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t parallel = op.getNumParallelLoops(), outputs = 1;
  for (int64_t d = 0; d < parallel; ++d)
    outputs *= ranges[d];
  int64_t r0 = ranges[parallel];
  if (ShapedType::isDynamic(r0) || outputs * 2 > kColumnThreads)
    return 0;
  // Each input reads the split loop as a dim of its own (or not at all).
  for (OpOperand *in : op.getDpsInputOperands())
    if (!readsLoopAt(op, in, parallel))
      return 0;
  int64_t s = 1;
  while (s * 2 * outputs <= kColumnThreads && r0 % (s * 2) == 0 &&
         r0 / (s * 2) >= kColumnMinSlice)
    s *= 2;
  return s >= 4 ? s : 0;
}

/// Rewrites `op` into its partial sums over `slices` slices and their fold
/// (see kColumnThreads). An input that reads the split loop is read through
/// a view whose dim [R0] is [slices, R0 / slices].
void splitColumns(linalg::GenericOp op, int64_t slices,
                  ArrayRef<Combiner> combiners) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  MLIRContext *ctx = op.getContext();
  int64_t rank = op.getNumLoops(), parallel = op.getNumParallelLoops();
  int64_t chunk = op.getStaticLoopRanges()[parallel] / slices;
  // New loops: (s, the old ones): old loop d is d + 1, the split loop's
  // position within its slice.
  auto renumbered = [&](AffineExpr e) { return e.shiftDims(rank, 1); };
  AffineExpr sDim = getAffineDimExpr(0, ctx);

  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  for (OpOperand *in : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(in);
    int64_t at = *readsLoopAt(op, in, parallel);
    SmallVector<AffineExpr> results;
    Value value = in->get();
    for (auto [i, e] : llvm::enumerate(map.getResults())) {
      if (int64_t(i) == at)
        results.push_back(sDim);
      results.push_back(renumbered(e));
    }
    if (at >= 0) {
      auto type = cast<MemRefType>(value.getType());
      SmallVector<int64_t> shape;
      SmallVector<ReassociationIndices> groups;
      for (int64_t i = 0; i < type.getRank(); ++i) {
        ReassociationIndices group{int64_t(shape.size())};
        if (i == at) {
          shape.push_back(slices);
          group.push_back(int64_t(shape.size()));
          shape.push_back(chunk);
        } else {
          shape.push_back(type.getDimSize(i));
        }
        groups.push_back(group);
      }
      FailureOr<MemRefType> expanded =
          memref::ExpandShapeOp::computeExpandedType(type, shape, groups);
      value = memref::ExpandShapeOp::create(b, loc, *expanded, value, groups);
    }
    inputs.push_back(value);
    maps.push_back(AffineMap::get(rank + 1, 0, results, ctx));
  }
  SmallVector<Value> partials;
  SmallVector<AffineMap> finalMaps;
  for (auto [k, init] : llvm::enumerate(op.getDpsInits())) {
    auto type = cast<MemRefType>(init.getType());
    SmallVector<int64_t> shape{slices};
    llvm::append_range(shape, type.getShape());
    Value partial = memref::AllocOp::create(
        b, loc, MemRefType::get(shape, type.getElementType()));
    // At the block's start: the kernels that take the fill (merged
    // launches) may start before this op's position.
    OpBuilder top(op->getBlock(), op->getBlock()->begin());
    Value identity = arith::getIdentityValue(
        combiners[k].kind, type.getElementType(), top, loc);
    linalg::FillOp::create(b, loc, identity, partial);
    partials.push_back(partial);
    AffineMap out = op.getMatchingIndexingMap(op.getDpsInitOperand(k));
    SmallVector<AffineExpr> results{sDim};
    for (AffineExpr e : out.getResults())
      results.push_back(renumbered(e));
    maps.push_back(AffineMap::get(rank + 1, 0, results, ctx));
    // The fold: loops (parallel..., s); partial[s, out(parallel)].
    SmallVector<AffineExpr> at{getAffineDimExpr(parallel, ctx)};
    llvm::append_range(at, out.getResults());
    finalMaps.push_back(AffineMap::get(parallel + 1, 0, at, ctx));
  }
  SmallVector<utils::IteratorType> iterators{utils::IteratorType::parallel};
  llvm::append_range(iterators, op.getIteratorTypesArray());
  auto part = linalg::GenericOp::create(b, loc, TypeRange{}, inputs, partials,
                                        maps, iterators);
  IRMapping mapping;
  op.getRegion().cloneInto(&part.getRegion(), mapping);
  // Loop indices in the body move with their loops.
  SmallVector<linalg::IndexOp> indices;
  part.getRegion().walk([&](linalg::IndexOp i) { indices.push_back(i); });
  for (linalg::IndexOp i : indices) {
    OpBuilder ib(i);
    int64_t d = i.getDim();
    Value moved = linalg::IndexOp::create(ib, i.getLoc(), d + 1);
    if (d == parallel) {
      Value s = linalg::IndexOp::create(ib, i.getLoc(), 0);
      Value c = arith::ConstantIndexOp::create(ib, i.getLoc(), chunk);
      moved = arith::AddIOp::create(
          ib, i.getLoc(), arith::MulIOp::create(ib, i.getLoc(), s, c), moved);
    }
    i.replaceAllUsesWith(moved);
    i.erase();
  }

  // The fold of the slices into the outputs, in slice order.
  for (OpOperand &o : op.getDpsInitsMutable())
    finalMaps.push_back(AffineMap::get(
        parallel + 1, 0, op.getMatchingIndexingMap(&o).getResults(), ctx));
  SmallVector<utils::IteratorType> foldIterators(parallel,
                                                 utils::IteratorType::parallel);
  foldIterators.push_back(utils::IteratorType::reduction);
  int64_t n = op.getNumDpsInits();
  linalg::GenericOp::create(
      b, loc, TypeRange{}, partials, op.getDpsInits(), finalMaps,
      foldIterators, [&](OpBuilder &fb, Location l, ValueRange args) {
        SmallVector<Value> folded;
        for (int64_t k = 0; k < n; ++k)
          folded.push_back(combiners[k].apply(fb, args[n + k], args[k]));
        linalg::YieldOp::create(fb, l, folded);
      });
  for (Value partial : partials)
    memref::DeallocOp::create(b, loc, partial);
  op.erase();
}

struct GpuTileReduction
    : public nnc::impl::NNCGpuTileReductionBase<GpuTileReduction> {
  using Base::Base;
  void runOnOperation() override {
    SmallVector<std::pair<linalg::GenericOp, int64_t>> columns;
    getOperation()->walk([&](linalg::GenericOp op) {
      if (int64_t s = columnSlices(op))
        columns.push_back({op, s});
    });
    for (auto [op, s] : columns) {
      FailureOr<SmallVector<Combiner>> combiners = matchCombiners(op);
      if (succeeded(combiners))
        splitColumns(op, s, *combiners);
    }
    RewritePatternSet patterns(&getContext());
    patterns.add<ReduceInWorkgroupMemory>(&getContext(), subgroups);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};

} // namespace
