//===- FuseRegions.cpp - nnc-fuse-regions ---------------------------------===//
//
// Each nn.fusion region holds linalg ops on tensors after nnc-lower-to-linalg.
// First the dims of op results are expressed through their inits (so that a
// `tensor.dim` of a producer is no second use of it), then linalg's
// elementwise fusion runs on the region's ops only, then the region is
// replaced by its ops. Elementwise generics left side by side over the same
// loops (a value yielded and also used inside) merge into one generic with
// all their results. The linalg ops of a `row` region carry
// `nnc.row_group = N` (one N per region), which nnc-gpu-row-kernels turns
// into one kernel with one workgroup per row; those of a `contraction`
// region carry `nnc.epilogue_group = N`, which nnc-gpu-tile-contraction
// turns into the contraction's kernel with the elementwise ops after it as
// its epilogue. A contraction outside any region whose f32 accumulator is
// read only by its rounding to f16/bf16 (a bare matmul of narrow floats)
// gets a group of its own with the rounding as its epilogue: its kernel
// writes the narrow result, and no f32 tensor reaches memory.
//===----------------------------------------------------------------------===//
#include "codegen/common/Passes.h"

#include "ir/NNOps.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace nnc {
#define GEN_PASS_DEF_NNCFUSEREGIONS
#include "codegen/common/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

/// Whether `op` is an all-parallel generic that writes each result at its
/// loop indices, over static loop ranges.
bool isMergeable(Operation *op) {
  auto generic = dyn_cast<linalg::GenericOp>(op);
  if (!generic || generic.getNumReductionLoops() != 0 ||
      generic.hasIndexSemantics() || !generic.hasPureTensorSemantics())
    return false;
  for (OpOperand &init : generic.getDpsInitsMutable())
    if (!generic.getMatchingIndexingMap(&init).isIdentity())
      return false;
  return llvm::none_of(generic.getStaticLoopRanges(), ShapedType::isDynamic);
}

/// A reduction generic that sibling reductions may merge with: tensors,
/// no linalg.index, at least one reduction loop.
bool isMergeableReduction(Operation *op) {
  auto generic = dyn_cast<linalg::GenericOp>(op);
  return generic && generic.getNumReductionLoops() != 0 &&
         !generic.hasIndexSemantics() && generic.hasPureTensorSemantics();
}

/// Whether `a` and `b` run the same loops: the same iterator types and
/// static sizes, and each dynamic loop read by both from the same dim of the
/// same value (so its size is the same at run time).
bool sameLoops(linalg::GenericOp a, linalg::GenericOp b) {
  if (a.getIteratorTypesArray() != b.getIteratorTypesArray() ||
      a.getStaticLoopRanges() != b.getStaticLoopRanges())
    return false;
  auto readers = [](linalg::GenericOp g, unsigned loop) {
    SmallVector<std::pair<Value, unsigned>> out;
    for (OpOperand *in : g.getDpsInputOperands()) {
      AffineMap map = g.getMatchingIndexingMap(in);
      for (unsigned r = 0; r < map.getNumResults(); ++r)
        if (map.getResult(r) == getAffineDimExpr(loop, g.getContext()))
          out.push_back({in->get(), r});
    }
    return out;
  };
  for (auto [loop, size] : llvm::enumerate(a.getStaticLoopRanges())) {
    if (!ShapedType::isDynamic(size))
      continue;
    auto ra = readers(a, loop), rb = readers(b, loop);
    if (llvm::none_of(ra, [&](auto p) { return llvm::is_contained(rb, p); }))
      return false;
  }
  return true;
}

/// Merges the generics left in one region that run the same loops into one
/// generic with all their results: the elementwise ones (`reductions`
/// false) or the reductions (true). After linalg's fusion, a value the
/// region yields and also uses (Adam's new moments, which the new param
/// reads) is computed both by a generic of its own and inside its consumer;
/// one generic writes each value once, in one kernel. Sibling reductions
/// (layer_norm's column sums for dgamma and dbeta) read what they share
/// once.
void mergeSiblings(Block &body, RewriterBase &rewriter, bool reductions) {
  SmallVector<linalg::GenericOp> members;
  for (Operation &op : body) {
    if (reductions ? !isMergeableReduction(&op) : !isMergeable(&op))
      continue;
    auto generic = cast<linalg::GenericOp>(op);
    if (!members.empty() && !sameLoops(members.front(), generic))
      continue;
    // It must not read a member's result (the merged op would read itself).
    bool reads = llvm::any_of(generic->getOperands(), [&](Value v) {
      return llvm::is_contained(members, v.getDefiningOp());
    });
    if (!reads)
      members.push_back(generic);
  }
  if (members.size() < 2)
    return;
  linalg::GenericOp last = members.back();
  // Every result must be used only after the last member (by the yield or
  // later ops), where the merged op will stand.
  for (linalg::GenericOp m : members)
    for (Operation *user : m->getUsers())
      if (user->getBlock() == &body && user != last &&
          !last->isBeforeInBlock(user) &&
          !isa<nnc::nn::YieldOp>(user))
        return;

  // Inputs deduplicated by (value, map); outputs in member order.
  SmallVector<Value> inputs, inits;
  SmallVector<AffineMap> inputMaps, initMaps;
  SmallVector<SmallVector<int64_t>> argOf; // per member: its block args
  for (linalg::GenericOp m : members) {
    SmallVector<int64_t> args;
    for (OpOperand *in : m.getDpsInputOperands()) {
      AffineMap map = m.getMatchingIndexingMap(in);
      int64_t at = -1;
      for (size_t i = 0; i < inputs.size(); ++i)
        if (inputs[i] == in->get() && inputMaps[i] == map)
          at = int64_t(i);
      if (at < 0) {
        at = int64_t(inputs.size());
        inputs.push_back(in->get());
        inputMaps.push_back(map);
      }
      args.push_back(at);
    }
    for (OpOperand &init : m.getDpsInitsMutable()) {
      args.push_back(-1 - int64_t(inits.size()));
      inits.push_back(init.get());
      initMaps.push_back(m.getMatchingIndexingMap(&init));
    }
    argOf.push_back(std::move(args));
  }
  SmallVector<AffineMap> maps = inputMaps;
  maps.append(initMaps.begin(), initMaps.end());
  SmallVector<utils::IteratorType> iterators =
      members.front().getIteratorTypesArray();
  rewriter.setInsertionPoint(last);
  auto merged = linalg::GenericOp::create(
      rewriter, last.getLoc(), ValueRange(inits).getTypes(), inputs, inits,
      maps, iterators,
      [&](OpBuilder &b, Location loc, ValueRange args) {
        SmallVector<Value> yields;
        for (auto [m, memberArgs] : llvm::zip(members, argOf)) {
          IRMapping map;
          for (auto [arg, at] :
               llvm::zip(m.getBlock()->getArguments(), memberArgs))
            map.map(arg, at >= 0 ? args[at]
                                 : args[inputs.size() + (-1 - at)]);
          for (Operation &op : m.getBlock()->without_terminator())
            b.clone(op, map);
          for (Value v : m.getBlock()->getTerminator()->getOperands())
            yields.push_back(map.lookupOrDefault(v));
        }
        linalg::YieldOp::create(b, loc, yields);
      });
  int64_t next = 0;
  for (linalg::GenericOp m : members) {
    int64_t n = m->getNumResults();
    rewriter.replaceOp(m, merged->getResults().slice(next, n));
    next += n;
  }
}

struct FuseRegions : nnc::impl::NNCFuseRegionsBase<FuseRegions> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    SmallVector<nnc::nn::FusionOp> fusions;
    module.walk([&](nnc::nn::FusionOp f) { fusions.push_back(f); });

    int64_t rowGroups = 0, epilogueGroups = 0;
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
      bool contractionRegion =
          fusion.getKind() == std::optional<StringRef>("contraction");
      linalg::ControlFusionFn control = [fusion,
                                         contractionRegion](OpOperand *operand) {
        Operation *producer = operand->get().getDefiningOp();
        Operation *consumer = operand->getOwner();
        // A contraction keeps its two operands (nnc-gpu-tile-contraction
        // reads them by their maps); its epilogue fuses, not its inputs.
        if (auto linalgOp = dyn_cast<linalg::LinalgOp>(consumer);
            linalgOp && linalgOp.getNumReductionLoops() != 0 &&
            contractionRegion)
          return false;
        // A splat constant folds into the body (where(true, 1, x) then
        // reads no x): it costs nothing wherever it is defined.
        if (producer && isa<arith::ConstantOp>(producer) &&
            consumer->getParentOp() == fusion)
          return true;
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

      Block &body = fusion.getBody().front();
      if (fusion.getKind() != std::optional<StringRef>("row")) {
        IRRewriter rewriter(ctx);
        mergeSiblings(body, rewriter, /*reductions=*/false);
        if (fusion.getKind() == std::optional<StringRef>("reduction"))
          mergeSiblings(body, rewriter, /*reductions=*/true);
      }
      if (fusion.getKind() == std::optional<StringRef>("row")) {
        auto id = IntegerAttr::get(IntegerType::get(ctx, 64), rowGroups++);
        for (Operation &op : body)
          if (isa<linalg::LinalgOp>(op))
            op.setAttr(nnc::kRowGroupAttr, id);
      }
      if (fusion.getKind() == std::optional<StringRef>("contraction")) {
        auto id =
            IntegerAttr::get(IntegerType::get(ctx, 64), epilogueGroups++);
        for (Operation &op : body)
          if (isa<linalg::LinalgOp>(op))
            op.setAttr(nnc::kEpilogueGroupAttr, id);
      }

      // Inline: the region's ops take the fusion op's place.
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

    // A contraction left alone (not in a region) whose accumulator only its
    // rounding reads: the rounding is its epilogue. (The dims of results are
    // first taken from their inits, as in the regions: the rounding's
    // tensor.empty of a dynamic size reads no dim of the accumulator then.)
    {
      RewritePatternSet dims(ctx);
      memref::populateResolveRankedShapedTypeResultDimsPatterns(dims);
      tensor::DimOp::getCanonicalizationPatterns(dims, ctx);
      (void)applyPatternsGreedily(module, std::move(dims), config);
    }
    module.walk([&](linalg::LinalgOp op) {
      if (op->hasAttr(nnc::kEpilogueGroupAttr) || op->getNumResults() != 1 ||
          op.getNumDpsInputs() != 2 || op.getNumReductionLoops() == 0 ||
          !op.hasPureTensorSemantics() || !op->getResult(0).hasOneUse())
        return;
      auto user =
          dyn_cast<linalg::GenericOp>(*op->getResult(0).getUsers().begin());
      if (!user || !user.hasPureTensorSemantics() || !nnc::floatCastOf(user) ||
          user->hasAttr(nnc::kEpilogueGroupAttr) ||
          user->getBlock() != op->getBlock())
        return;
      auto id = IntegerAttr::get(IntegerType::get(ctx, 64), epilogueGroups++);
      op->setAttr(nnc::kEpilogueGroupAttr, id);
      user->setAttr(nnc::kEpilogueGroupAttr, id);
    });
  }
};

} // namespace
