//===- MergeElementwise.cpp - independent elementwise ops as one kernel ---===//
//
// `nnc-gpu-merge-elementwise`: after the kernel passes, the linalg ops left
// that are all-parallel (elementwise updates, fills, casts: what the naive
// path would give a kernel each) and independent of each other run as one
// kernel over the concatenation of their iteration spaces, each thread
// taking the op whose range holds its linear index. A training step ends in
// such ops (each param's optimizer update, the bias gradients' updates, the
// scalars of the learning-rate schedule): they become one launch, as
// PyTorch's multi-tensor `foreach` optimizers are.
//
// An op joins the batch started by an earlier one when it neither reads
// nor writes what the batch writes and it can run there: every value it
// uses is defined before the first op (host work in between that defines
// them, such as an allocation, moves up with it), nothing in between reads
// what it writes or writes what it reads or writes; or when the batch can
// run where the op stands instead: nothing in between reads what the
// batch writes, writes what it touches, or frees a buffer it uses (Adam's
// step count, updated before the loss, and its bias corrections, after),
// but for small temporaries it reads: their frees wait until after it.
// Up to kOpenBatches batches are open at once: an op joins the first that
// takes it, else starts one (the oldest is then flushed).
// A batch of one is such a kernel too: its linear index walks the loops in
// row-major order, so neighbouring threads touch neighbouring elements (the
// naive mapping puts the outermost loop, the batch of an [N, C, H, W]
// tensor, on the threads). Per-point reductions (column sums, argmax; see
// isPerPointReduction) are members too: a thread per output point folds in
// registers, from the outputs' fills, which need no kernel then. With
// `merge=false` (nnc --no-fuse) only the per-point reductions are taken,
// each a batch of one.
//===----------------------------------------------------------------------===//
#include "codegen/gpu/KernelUtils.h"
#include "codegen/gpu/Passes.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace nnc {
#define GEN_PASS_DEF_NNCGPUMERGEELEMENTWISE
#include "codegen/gpu/Passes.h.inc"
} // namespace nnc

using namespace mlir;
using namespace nnc::gpu_kernel;

namespace {

constexpr int64_t kThreads = 256;
/// Workgroups at most (a grid-stride loop covers the rest): Vulkan devices
/// need only support 65535 along x.
constexpr int64_t kMaxGroups = 65535;
/// Bindings a kernel may take: lavapipe allows 32 storage buffers per
/// stage, and each memref and each scalar argument (sizes, offsets) is one.
/// A batch stops growing at 20 buffers, and at 28 counting two scalars per
/// op (its offset and its count, where they are not constants).
constexpr size_t kMaxBuffers = 20;
constexpr size_t kMaxBindings = 28;
/// A batch runs later (sinks) past the last other reader of a temporary
/// only while the temporary is at most this large.
constexpr int64_t kMaxSunkBytes = 1 << 16;

/// An all-parallel linalg op on buffers whose body only computes (on its
/// operands and loop indices) and whose outputs' maps are loop dims and
/// constants (inputs may read through any affine map: a pooling window); or
/// a per-point reduction (a thread per output point folds in registers).
bool isCandidate(Operation *op) {
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  if (linalgOp && isPerPointReduction(linalgOp))
    return true;
  if (!linalgOp || !linalgOp.hasPureBufferSemantics() ||
      linalgOp.getNumReductionLoops() != 0 ||
      !hasScalarBody(linalgOp, /*allowIndex=*/true))
    return false;
  return llvm::all_of(linalgOp.getDpsInitsMutable(), [&](OpOperand &init) {
    return isDimOrConstantMap(linalgOp.getMatchingIndexingMap(&init));
  });
}

/// Per per-point reduction whose fills were folded: each output's start
/// value (null: what it holds).
using InitValues = llvm::DenseMap<Operation *, SmallVector<Value>>;

/// Batches open at once: an op joins the first that takes it, so chains
/// of dependent ops (a gradient's rounding, then its param's update) fill
/// one batch per stage instead of alternating between two.
constexpr size_t kOpenBatches = 4;

class Batcher {
public:
  explicit Batcher(const InitValues &initValues) : initValues(initValues) {}

  /// Tries to add `op` to the current batch; false when it cannot join.
  bool tryJoin(Operation *op);
  void start(Operation *op) {
    members.assign({op});
    access = accessOf(op);
    buffers.clear();
    for (Value v : op->getOperands())
      if (isa<MemRefType>(v.getType()))
        buffers.insert(v);
  }
  /// Replaces the batch by one kernel.
  void flush();

private:
  /// Whether `op` (independent of the batch) can run at the batch's first
  /// op; moves the host work defining its operands up there if so.
  bool hoist(Operation *op, const Access &mine);
  /// Whether the batch can run where `op` stands instead; moves its members
  /// down to just before `op` if so.
  bool sink(Operation *op);

  const InitValues &initValues;
  SmallVector<Operation *> members;
  Access access; // of the members together
  llvm::DenseSet<Value> buffers; // the memrefs the members use
};

bool Batcher::tryJoin(Operation *op) {
  Access mine = accessOf(op);
  if (!mine.known)
    return false;
  llvm::DenseSet<Value> more = buffers;
  for (Value v : op->getOperands())
    if (isa<MemRefType>(v.getType()))
      more.insert(v);
  if (more.size() > kMaxBuffers ||
      more.size() + 2 * (members.size() + 1) > kMaxBindings)
    return false;
  // Independent of the batch.
  if (conflicts(mine, access))
    return false;
  if (!hoist(op, mine) && !sink(op))
    return false;
  members.push_back(op);
  buffers = std::move(more);
  for (Value v : mine.reads)
    access.reads.insert(v);
  for (Value v : mine.writes)
    access.writes.insert(v);
  return true;
}

bool Batcher::hoist(Operation *op, const Access &mine) {
  return hoistTo(op, members.front(), members, mine);
}

bool Batcher::sink(Operation *op) {
  // Running later would keep a temporary the batch reads alive longer
  // where the batch is its last reader: only small ones may (the arena
  // would grow by a large one; params and inputs live throughout anyway).
  Block *block = op->getBlock();
  // Small temporaries the batch reads: their frees between the front and
  // `op` wait until after it.
  llvm::DenseSet<Value> small;
  for (Value root : access.reads) {
    if (isa<BlockArgument>(root) || access.writes.contains(root))
      continue;
    auto type = dyn_cast<MemRefType>(root.getType());
    if (type && type.hasStaticShape() && memrefBytes(type) <= kMaxSunkBytes) {
      small.insert(root);
      continue;
    }
    SmallVector<OpOperand *> uses;
    usesThroughViews(root, uses);
    bool readLater = llvm::any_of(uses, [&](OpOperand *use) {
      Operation *top = block->findAncestorOpInBlock(*use->getOwner());
      return top && !isa<memref::DeallocOp>(top) &&
             !llvm::is_contained(members, top) &&
             (top == op || op->isBeforeInBlock(top));
    });
    if (!readLater)
      return false;
  }
  // Nothing between the front and `op` reads what the batch writes, writes
  // what it touches, or frees a buffer it uses.
  llvm::DenseSet<Value> used;
  for (Value v : buffers)
    used.insert(rootOf(v));
  SmallVector<Operation *> skip(members), frees;
  for (Operation *x = members.front()->getNextNode(); x && x != op;
       x = x->getNextNode())
    if (auto free = dyn_cast<memref::DeallocOp>(x);
        free && small.contains(rootOf(free.getMemref()))) {
      frees.push_back(x);
      skip.push_back(x);
    }
  if (!noConflictBetween(members.front(), op, skip, access, &used))
    return false;
  // The members use only values defined before them: they move down as
  // they are, in order, and those frees after them.
  for (Operation *m : members)
    m->moveBefore(op);
  for (Operation *f : frees)
    f->moveBefore(op);
  return true;
}

void Batcher::flush() {
  Operation *front = members.front();
  OpBuilder b(front);
  Location loc = front->getLoc();
  auto cst = [&](OpBuilder &b, int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  // Host: each op's loop sizes and its offset in the concatenation.
  SmallVector<SmallVector<Value>> sizes;
  SmallVector<Value> offsets, counts;
  Value total = cst(b, 0);
  SmallVector<Value> reducedCounts;
  for (Operation *m : members) {
    auto op = cast<linalg::LinalgOp>(m);
    // A reduction's range is its points (its parallel loops, first).
    HostLoops h = hostLoops(b, loc, op);
    reducedCounts.push_back(op.getNumReductionLoops() ? h.reduced : Value());
    sizes.push_back(std::move(h.sizes));
    offsets.push_back(total);
    counts.push_back(h.points);
    total = arith::AddIOp::create(b, loc, total, h.points);
  }
  Value groups = arith::MinUIOp::create(
      b, loc, arith::CeilDivUIOp::create(b, loc, total, cst(b, kThreads)),
      cst(b, kMaxGroups));
  Value one = cst(b, 1);
  auto launch =
      gpu::LaunchOp::create(b, loc, groups, one, one, cst(b, kThreads), one, one);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&launch.getBody().front());
    Value first = arith::AddIOp::create(
        b, loc,
        arith::MulIOp::create(b, loc, launch.getBlockIds().x, cst(b, kThreads)),
        launch.getThreadIds().x);
    Value stride = arith::MulIOp::create(b, loc, launch.getGridSize().x,
                                         cst(b, kThreads));
    scf::ForOp::create(
        b, loc, first, total, stride, ValueRange{},
        [&](OpBuilder &b, Location l, Value i, ValueRange) {
          for (auto [k, m] : llvm::enumerate(members)) {
            auto op = cast<linalg::LinalgOp>(m);
            Value local = members.size() == 1
                              ? i
                              : arith::SubIOp::create(b, l, i, offsets[k]);
            auto emit = [&](OpBuilder &b, Location l) {
              if (Value reduced = reducedCounts[k]) {
                SmallVector<Value> starts(op.getNumDpsInits());
                auto it = initValues.find(op);
                if (it != initValues.end())
                  starts = it->second;
                emitPerPoint(b, l, op, local, sizes[k], reduced, starts);
                return;
              }
              int64_t rank = op.getNumLoops();
              SmallVector<Value> loops(rank);
              SmallVector<int64_t> dims =
                  llvm::to_vector(llvm::seq<int64_t>(0, rank));
              if (rank > 0)
                delinearize(b, l, local, dims, sizes[k], loops);
              SmallVector<Value> args;
              Block *body = op.getBlock();
              for (OpOperand &operand : op->getOpOperands()) {
                Value v = operand.get();
                bool init = op.isDpsInit(&operand);
                if (!isa<MemRefType>(v.getType())) {
                  args.push_back(v);
                } else if (init && body->getArgument(operand.getOperandNumber())
                                       .use_empty()) {
                  args.push_back(arith::ConstantOp::create(
                      b, l,
                      b.getZeroAttr(cast<MemRefType>(v.getType())
                                        .getElementType())));
                } else {
                  args.push_back(memref::LoadOp::create(
                      b, l, v,
                      indicesOf(b, l, op.getMatchingIndexingMap(&operand),
                                loops)));
                }
              }
              SmallVector<Value> results = cloneBody(b, op, args, loops);
              for (auto [init, value] :
                   llvm::zip(op.getDpsInitsMutable(), results))
                memref::StoreOp::create(
                    b, l, value, init.get(),
                    applyMap(b, l, op.getMatchingIndexingMap(&init), loops));
            };
            // One op: the loop's bound is its count. Several: the op whose
            // range holds i, i >= offset (no wrap-around below it) and
            // local < count.
            if (members.size() == 1) {
              emit(b, l);
              continue;
            }
            Value inside = arith::AndIOp::create(
                b, l,
                arith::CmpIOp::create(b, l, arith::CmpIPredicate::uge, i,
                                      offsets[k]),
                arith::CmpIOp::create(b, l, arith::CmpIPredicate::ult, local,
                                      counts[k]));
            scf::IfOp::create(b, l, inside, [&](OpBuilder &b, Location l) {
              emit(b, l);
              scf::YieldOp::create(b, l);
            });
          }
          scf::YieldOp::create(b, l);
        });
    gpu::TerminatorOp::create(b, loc);
  }
  for (Operation *m : members)
    m->erase();
  members.clear();
}

struct GpuMergeElementwise
    : public nnc::impl::NNCGpuMergeElementwiseBase<GpuMergeElementwise> {
  using Base::Base;
  void runOnOperation() override {
    getOperation()->walk([&](func::FuncOp func) {
      if (func.isExternal())
        return;
      Block &block = func.getBody().front();
      SmallVector<Operation *> ops;
      for (Operation &op : block)
        ops.push_back(&op);
      InitValues initValues;
      // A per-point reduction starts from its outputs' fills: they need no
      // kernel (and would keep it out of the batch they join).
      for (Operation *op : ops) {
        auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
        if (!linalgOp || !isPerPointReduction(linalgOp))
          continue;
        SmallVector<Value> starts;
        bool any = false;
        for (Value init : linalgOp.getDpsInits()) {
          linalg::FillOp fill = fillBefore(op, init);
          starts.push_back(fill ? fill.getInputs()[0] : Value());
          if (fill) {
            llvm::erase(ops, fill.getOperation());
            fill->erase();
            any = true;
          }
        }
        if (any)
          initValues[op] = std::move(starts);
      }
      std::vector<std::unique_ptr<Batcher>> open;
      for (Operation *op : ops) {
        // Without merging only the per-point reductions get this kernel
        // (the elementwise ops keep the naive path, as --no-fuse compares).
        if (!isCandidate(op) ||
            (!merge && !isPerPointReduction(cast<linalg::LinalgOp>(op))))
          continue;
        if (merge && llvm::any_of(open, [&](const std::unique_ptr<Batcher> &b) {
              return b->tryJoin(op);
            }))
          continue;
        if (open.size() == (merge ? kOpenBatches : 1)) {
          open.front()->flush();
          open.erase(open.begin());
        }
        open.push_back(std::make_unique<Batcher>(initValues));
        open.back()->start(op);
      }
      for (std::unique_ptr<Batcher> &b : open)
        b->flush();
    });
  }
};

} // namespace
