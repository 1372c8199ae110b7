//===- KernelUtils.h - helpers for nnc's own gpu kernels ------*- C++ -*-===//
#ifndef NNC_CODEGEN_GPU_KERNELUTILS_H
#define NNC_CODEGEN_GPU_KERNELUTILS_H

#include "mlir/Dialect/Affine/Utils.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/TypeSwitch.h"

namespace nnc::gpu_kernel {

/// True when every result of `map` is a loop dim or a constant, so that an
/// operand's indices can be computed from the loop indices alone.
inline bool isDimOrConstantMap(mlir::AffineMap map) {
  return llvm::all_of(map.getResults(), [](mlir::AffineExpr e) {
    return mlir::isa<mlir::AffineDimExpr, mlir::AffineConstantExpr>(e);
  });
}

/// The indices `map` gives for the loop indices `dims` (null where a loop
/// is not known; such a dim must not appear in `map`).
inline llvm::SmallVector<mlir::Value>
applyMap(mlir::OpBuilder &b, mlir::Location loc, mlir::AffineMap map,
         llvm::ArrayRef<mlir::Value> dims) {
  llvm::SmallVector<mlir::Value> indices;
  for (mlir::AffineExpr e : map.getResults()) {
    if (auto d = mlir::dyn_cast<mlir::AffineDimExpr>(e))
      indices.push_back(dims[d.getPosition()]);
    else
      indices.push_back(mlir::arith::ConstantIndexOp::create(
          b, loc, mlir::cast<mlir::AffineConstantExpr>(e).getValue()));
  }
  return indices;
}

/// Whether `map` reads `buffer` at the loop indices themselves: the
/// identity, up to a constant 0 on a dim of size 1 (canonicalization writes
/// a unit dim's index so: (d0, 0, d2, d3) for a [16, 1, 5, 5] weight).
inline bool readsOwnElement(mlir::AffineMap map, mlir::Value buffer) {
  if (map.isIdentity())
    return true;
  auto type = mlir::dyn_cast<mlir::ShapedType>(buffer.getType());
  if (!type || map.getNumResults() != map.getNumDims() ||
      type.getRank() != int64_t(map.getNumResults()))
    return false;
  for (auto [i, e] : llvm::enumerate(map.getResults())) {
    if (auto d = mlir::dyn_cast<mlir::AffineDimExpr>(e);
        d && d.getPosition() == i)
      continue;
    auto c = mlir::dyn_cast<mlir::AffineConstantExpr>(e);
    if (!c || c.getValue() != 0 || type.getDimSize(i) != 1)
      return false;
  }
  return true;
}

/// `map`'s indices for the loop indices `loops`, any affine expression
/// (a floordiv window read included); a dim `map` does not read may be null.
inline llvm::SmallVector<mlir::Value>
indicesOf(mlir::OpBuilder &b, mlir::Location loc, mlir::AffineMap map,
          llvm::ArrayRef<mlir::Value> loops) {
  if (isDimOrConstantMap(map))
    return applyMap(b, loc, map, loops);
  llvm::SmallVector<mlir::Value> dims;
  for (mlir::Value v : loops)
    dims.push_back(v ? v : mlir::arith::ConstantIndexOp::create(b, loc, 0));
  llvm::SmallVector<mlir::Value> indices;
  for (mlir::AffineExpr e : map.getResults())
    indices.push_back(mlir::affine::expandAffineExpr(b, loc, e, dims, {}));
  return indices;
}

/// The values of `op`'s DPS inputs at loop indices `loops`: each memref
/// loaded through its indexing map, a scalar input as it is.
inline llvm::SmallVector<mlir::Value>
loadInputs(mlir::OpBuilder &b, mlir::Location loc, mlir::linalg::LinalgOp op,
           llvm::ArrayRef<mlir::Value> loops) {
  llvm::SmallVector<mlir::Value> values;
  for (mlir::OpOperand *input : op.getDpsInputOperands()) {
    mlir::Value v = input->get();
    values.push_back(
        mlir::isa<mlir::MemRefType>(v.getType())
            ? mlir::memref::LoadOp::create(
                  b, loc, v,
                  indicesOf(b, loc, op.getMatchingIndexingMap(input), loops))
                  .getResult()
            : v);
  }
  return values;
}

/// The loop sizes of `op`, computed at `b` (on the host: memref.dim where a
/// size is dynamic, constants elsewhere).
inline llvm::SmallVector<mlir::Value> hostLoopSizes(mlir::OpBuilder &b,
                                                    mlir::Location loc,
                                                    mlir::linalg::LinalgOp op) {
  llvm::SmallVector<mlir::Value> sizes;
  for (mlir::Range r : op.createLoopRanges(b, loc))
    sizes.push_back(mlir::getValueOrCreateConstantIndexOp(b, loc, r.size));
  return sizes;
}

/// The product of `values` (index), `one` (a constant 1 made here when
/// null) when there are none.
inline mlir::Value productOf(mlir::OpBuilder &b, mlir::Location loc,
                             llvm::ArrayRef<mlir::Value> values,
                             mlir::Value one = nullptr) {
  mlir::Value p = one ? one : mlir::arith::ConstantIndexOp::create(b, loc, 1);
  for (mlir::Value v : values)
    p = mlir::arith::MulIOp::create(b, loc, p, v);
  return p;
}

/// Splits the linear index `linear` into indices over `sizes` (row major):
/// `out[dims[i]]` gets the index along `sizes[i]`.
inline void delinearize(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::Value linear, llvm::ArrayRef<int64_t> dims,
                        llvm::ArrayRef<mlir::Value> sizes,
                        llvm::MutableArrayRef<mlir::Value> out) {
  for (int64_t i = int64_t(dims.size()) - 1; i >= 0; --i) {
    if (i == 0) {
      out[dims[i]] = linear;
      break;
    }
    out[dims[i]] = mlir::arith::RemUIOp::create(b, loc, linear, sizes[i]);
    linear = mlir::arith::DivUIOp::create(b, loc, linear, sizes[i]);
  }
}

/// Clones the scalar body of `op` at `b` with its block arguments bound to
/// `args` (and each linalg.index to its loop in `loops`, where given);
/// returns the values it yields.
inline llvm::SmallVector<mlir::Value>
cloneBody(mlir::OpBuilder &b, mlir::linalg::LinalgOp op, mlir::ValueRange args,
          llvm::ArrayRef<mlir::Value> loops = {}) {
  mlir::Block *body = op.getBlock();
  mlir::IRMapping map;
  map.map(body->getArguments(), args);
  for (mlir::Operation &inner : body->without_terminator()) {
    // With the loop indices given, linalg.index d is loop d.
    if (auto index = mlir::dyn_cast<mlir::linalg::IndexOp>(inner);
        index && !loops.empty()) {
      map.map(index.getResult(), loops[index.getDim()]);
      continue;
    }
    b.clone(inner, map);
  }
  llvm::SmallVector<mlir::Value> results;
  for (mlir::Value v : body->getTerminator()->getOperands())
    results.push_back(map.lookupOrDefault(v));
  return results;
}

/// A body that only computes on its arguments (no memory access, no regions;
/// no linalg.index unless `allowIndex`), so it can be re-run in any thread on
/// loaded values (and its loop indices).
inline bool hasScalarBody(mlir::linalg::LinalgOp op, bool allowIndex = false) {
  if (op.hasIndexSemantics() && !allowIndex)
    return false;
  return llvm::all_of(
      op.getBlock()->without_terminator(), [](mlir::Operation &inner) {
        return inner.getNumRegions() == 0 && mlir::isMemoryEffectFree(&inner);
      });
}

/// scf.for over [lb, ub) carrying `inits`, guarded by `lb < ub`: MLIR's
/// scf -> SPIR-V lowering returns the loop results through variables that
/// only the body stores, so a loop that runs zero times would yield
/// undefined values instead of `inits`.
inline llvm::SmallVector<mlir::Value> buildGuardedLoop(
    mlir::OpBuilder &b, mlir::Location loc, mlir::Value lb, mlir::Value ub,
    mlir::Value step, mlir::ValueRange inits,
    llvm::function_ref<llvm::SmallVector<mlir::Value>(
        mlir::OpBuilder &, mlir::Location, mlir::Value, mlir::ValueRange)>
        body) {
  mlir::Value nonEmpty = mlir::arith::CmpIOp::create(
      b, loc, mlir::arith::CmpIPredicate::ult, lb, ub);
  auto guard = mlir::scf::IfOp::create(
      b, loc, nonEmpty,
      [&](mlir::OpBuilder &b, mlir::Location l) {
        auto loop = mlir::scf::ForOp::create(
            b, l, lb, ub, step, inits,
            [&](mlir::OpBuilder &b, mlir::Location l, mlir::Value iv,
                mlir::ValueRange acc) {
              mlir::scf::YieldOp::create(b, l, body(b, l, iv, acc));
            });
        mlir::scf::YieldOp::create(b, l, loop.getResults());
      },
      [&](mlir::OpBuilder &b, mlir::Location l) {
        mlir::scf::YieldOp::create(b, l, inits);
      });
  return llvm::SmallVector<mlir::Value>(guard.getResults());
}

/// buildGuardedLoop with one iteration argument.
inline mlir::Value buildGuardedFor(
    mlir::OpBuilder &b, mlir::Location loc, mlir::Value lb, mlir::Value ub,
    mlir::Value step, mlir::Value init,
    llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location,
                                   mlir::Value, mlir::Value)>
        body) {
  return buildGuardedLoop(
      b, loc, lb, ub, step, mlir::ValueRange{init},
      [&](mlir::OpBuilder &b, mlir::Location l, mlir::Value iv,
          mlir::ValueRange acc) {
        return llvm::SmallVector<mlir::Value>{body(b, l, iv, acc[0])};
      })[0];
}

/// memref<shape x elem> in workgroup memory.
inline mlir::MemRefType workgroupMemRef(llvm::ArrayRef<int64_t> shape,
                                        mlir::Type elem) {
  auto space = mlir::gpu::AddressSpaceAttr::get(
      elem.getContext(), mlir::gpu::GPUDialect::getWorkgroupAddressSpace());
  return mlir::MemRefType::get(shape, elem, mlir::MemRefLayoutAttrInterface(),
                               space);
}

/// The op that folds one element into the accumulator, and its kind.
struct Combiner {
  mlir::Operation *op;
  unsigned accOperand; // the operand that is the output's block argument
  mlir::arith::AtomicRMWKind kind;

  /// The combiner on `acc` and `element` at `b`, the accumulator in its
  /// operand's place.
  mlir::Value apply(mlir::OpBuilder &b, mlir::Value acc,
                    mlir::Value element) const {
    mlir::Operation *c = b.clone(*op);
    c->setOperand(accOperand, acc);
    c->setOperand(1 - accOperand, element);
    return c->getResult(0);
  }
};

inline std::optional<mlir::arith::AtomicRMWKind> combinerKind(mlir::Operation *op) {
  return llvm::TypeSwitch<mlir::Operation *, std::optional<mlir::arith::AtomicRMWKind>>(op)
      .Case([](mlir::arith::AddFOp) { return mlir::arith::AtomicRMWKind::addf; })
      .Case([](mlir::arith::AddIOp) { return mlir::arith::AtomicRMWKind::addi; })
      .Case([](mlir::arith::MulFOp) { return mlir::arith::AtomicRMWKind::mulf; })
      .Case([](mlir::arith::MulIOp) { return mlir::arith::AtomicRMWKind::muli; })
      .Case([](mlir::arith::MaximumFOp) { return mlir::arith::AtomicRMWKind::maximumf; })
      .Case([](mlir::arith::MinimumFOp) { return mlir::arith::AtomicRMWKind::minimumf; })
      .Case([](mlir::arith::MaxNumFOp) { return mlir::arith::AtomicRMWKind::maxnumf; })
      .Case([](mlir::arith::MinNumFOp) { return mlir::arith::AtomicRMWKind::minnumf; })
      .Case([](mlir::arith::MaxSIOp) { return mlir::arith::AtomicRMWKind::maxs; })
      .Case([](mlir::arith::MinSIOp) { return mlir::arith::AtomicRMWKind::mins; })
      .Case([](mlir::arith::MaxUIOp) { return mlir::arith::AtomicRMWKind::maxu; })
      .Case([](mlir::arith::MinUIOp) { return mlir::arith::AtomicRMWKind::minu; })
      .Case([](mlir::arith::OrIOp) { return mlir::arith::AtomicRMWKind::ori; })
      .Case([](mlir::arith::AndIOp) { return mlir::arith::AtomicRMWKind::andi; })
      .Default([](mlir::Operation *) { return std::nullopt; });
}

/// Result `k` of the body must be `comb(f(inputs), acc_k)` with acc_k (the
/// k-th output's block argument) used only there.
inline mlir::FailureOr<Combiner> matchCombiner(mlir::linalg::LinalgOp op,
                                               unsigned k) {
  mlir::Block *body = op.getBlock();
  mlir::BlockArgument acc = body->getArgument(op.getNumDpsInputs() + k);
  mlir::Value yielded = body->getTerminator()->getOperand(k);
  mlir::Operation *comb = yielded.getDefiningOp();
  if (!comb || comb->getBlock() != body || comb->getNumOperands() != 2 ||
      !acc.hasOneUse() || acc.getUses().begin()->getOwner() != comb)
    return mlir::failure();
  std::optional<mlir::arith::AtomicRMWKind> kind = combinerKind(comb);
  if (!kind)
    return mlir::failure();
  unsigned accOperand = comb->getOperand(0) == acc ? 0 : 1;
  if (comb->getOperand(accOperand) != acc)
    return mlir::failure();
  return Combiner{comb, accOperand, *kind};
}

/// The body must be `yield comb(f(inputs), acc)` with acc used only there.
inline mlir::FailureOr<Combiner> matchCombiner(mlir::linalg::LinalgOp op) {
  return matchCombiner(op, 0);
}

/// The subgroup operation that folds values as `kind` does, for f32 and i32
/// where both lowerings keep its meaning, or nullopt. Not the float max and
/// min: OpGroupNonUniformFMax leaves a NaN's result undefined, and
/// maximumf must give NaN (torch.max does). Not and/or: the SPIR-V lowering
/// has none for them.
inline std::optional<mlir::gpu::AllReduceOperation>
subgroupKind(mlir::arith::AtomicRMWKind kind, mlir::Type type) {
  using mlir::arith::AtomicRMWKind;
  using mlir::gpu::AllReduceOperation;
  if (!type.isF32() && !type.isInteger(32))
    return std::nullopt;
  switch (kind) {
  case AtomicRMWKind::addf:
  case AtomicRMWKind::addi:
    return AllReduceOperation::ADD;
  case AtomicRMWKind::mulf:
  case AtomicRMWKind::muli:
    return AllReduceOperation::MUL;
  case AtomicRMWKind::maxs:
    return AllReduceOperation::MAXSI;
  case AtomicRMWKind::mins:
    return AllReduceOperation::MINSI;
  case AtomicRMWKind::maxu:
    return AllReduceOperation::MAXUI;
  case AtomicRMWKind::minu:
    return AllReduceOperation::MINUI;
  default:
    return std::nullopt;
  }
}

/// Workgroups of at least this many threads combine with subgroup
/// operations (a warp's threads all run: NVIDIA's shuffles need the whole
/// warp).
constexpr int64_t kSubgroupMinThreads = 32;

/// The combination of the threads' `partial`s (one per thread `tid` of
/// `threads`, a power of two) in workgroup memory `scratch`. With
/// `subgroup` (the combiner's subgroup operation, `identity` its identity)
/// and at least kSubgroupMinThreads threads: each subgroup folds its lanes'
/// partials with that operation (warp shuffles on NVIDIA,
/// OpGroupNonUniform* on Vulkan), its first lane stores the result in
/// scratch[subgroup id], and after one barrier every subgroup folds those
/// results the same way. Otherwise a tree, one barrier per level.
/// Every thread gets the total; a final barrier lets the next use of
/// `scratch` begin.
inline mlir::Value treeReduce(mlir::OpBuilder &b, mlir::Location l, mlir::Value partial, mlir::Value scratch,
                        mlir::Value tid, int64_t threads,
                        llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Value, mlir::Value)>
                            combine,
                        std::optional<mlir::gpu::AllReduceOperation> subgroup =
                            std::nullopt,
                        mlir::Value identity = nullptr) {
  if (subgroup && identity && threads >= kSubgroupMinThreads) {
    // Not marked uniform: SPIR-V would take that for OpGroup*, which needs
    // the Groups capability (OpenCL kernels), not OpGroupNonUniform*.
    mlir::Value folded = mlir::gpu::SubgroupReduceOp::create(
        b, l, partial, *subgroup, /*uniform=*/false);
    mlir::Value lane = mlir::gpu::LaneIdOp::create(b, l, /*upperBound=*/nullptr);
    mlir::Value id = mlir::gpu::SubgroupIdOp::create(b, l, /*upperBound=*/nullptr);
    mlir::Value count =
        mlir::gpu::NumSubgroupsOp::create(b, l, /*upperBound=*/nullptr);
    mlir::Value c0 = mlir::arith::ConstantIndexOp::create(b, l, 0);
    mlir::Value first =
        mlir::arith::CmpIOp::create(b, l, mlir::arith::CmpIPredicate::eq, lane, c0);
    mlir::scf::IfOp::create(b, l, first, [&](mlir::OpBuilder &b, mlir::Location l) {
      mlir::memref::StoreOp::create(b, l, folded, scratch, id);
      mlir::scf::YieldOp::create(b, l);
    });
    mlir::gpu::BarrierOp::create(b, l);
    // Every subgroup folds the subgroups' results the same way: lane i
    // takes results i, i + size, ... (one on NVIDIA, where 8 warps make 256
    // threads; four on lavapipe's 8-lane subgroups), then the subgroup
    // operation again. Each thread gets the same total, after one barrier.
    mlir::Value size =
        mlir::gpu::SubgroupSizeOp::create(b, l, /*upperBound=*/nullptr);
    mlir::Value mine = buildGuardedFor(
        b, l, lane, count, size, identity,
        [&](mlir::OpBuilder &b, mlir::Location l, mlir::Value i, mlir::Value acc) {
          return combine(b, mlir::memref::LoadOp::create(b, l, scratch, i), acc);
        });
    mlir::Value total = mlir::gpu::SubgroupReduceOp::create(
        b, l, mine, *subgroup, /*uniform=*/false);
    mlir::gpu::BarrierOp::create(b, l);
    return total;
  }
  mlir::memref::StoreOp::create(b, l, partial, scratch, tid);
  mlir::gpu::BarrierOp::create(b, l);
  for (int64_t half = threads / 2; half >= 1; half /= 2) {
    mlir::Value halfV = mlir::arith::ConstantIndexOp::create(b, l, half);
    mlir::Value lower =
        mlir::arith::CmpIOp::create(b, l, mlir::arith::CmpIPredicate::ult, tid, halfV);
    mlir::scf::IfOp::create(b, l, lower, [&](mlir::OpBuilder &b, mlir::Location l) {
      mlir::Value mine = mlir::memref::LoadOp::create(b, l, scratch, tid);
      mlir::Value other = mlir::memref::LoadOp::create(
          b, l, scratch, mlir::ValueRange{mlir::arith::AddIOp::create(b, l, tid, halfV)});
      mlir::memref::StoreOp::create(b, l, combine(b, other, mine), scratch, tid);
      mlir::scf::YieldOp::create(b, l);
    });
    mlir::gpu::BarrierOp::create(b, l);
  }
  mlir::Value c0 = mlir::arith::ConstantIndexOp::create(b, l, 0);
  mlir::Value total = mlir::memref::LoadOp::create(b, l, scratch, c0);
  mlir::gpu::BarrierOp::create(b, l);
  return total;
}

/// The buffer a memref is a view of (through view-like ops).
inline mlir::Value rootOf(mlir::Value v) {
  while (auto view = v.getDefiningOp<mlir::ViewLikeOpInterface>())
    v = view.getViewSource();
  return v;
}

/// The uses of `v` and of every view of it, the views' reads of their
/// sources left out.
inline void usesThroughViews(mlir::Value v,
                             llvm::SmallVectorImpl<mlir::OpOperand *> &uses) {
  for (mlir::OpOperand &use : v.getUses()) {
    mlir::Operation *user = use.getOwner();
    if (auto view = mlir::dyn_cast<mlir::ViewLikeOpInterface>(user);
        view && view.getViewSource() == v) {
      usesThroughViews(user->getResult(0), uses);
      continue;
    }
    uses.push_back(&use);
  }
}

/// Whether `v` (and every view of it) is used only by deallocs and views.
inline bool onlyFreedOrViewed(mlir::Value v) {
  llvm::SmallVector<mlir::OpOperand *> uses;
  usesThroughViews(v, uses);
  return llvm::all_of(uses, [](mlir::OpOperand *use) {
    return mlir::isa<mlir::memref::DeallocOp>(use->getOwner());
  });
}

/// Erases the deallocs and views of `v` (see onlyFreedOrViewed).
inline void eraseFreesAndViews(mlir::Value v) {
  for (mlir::Operation *user : llvm::make_early_inc_range(v.getUsers())) {
    if (!mlir::isa<mlir::memref::DeallocOp>(user))
      eraseFreesAndViews(user->getResult(0));
    user->erase();
  }
}

/// Erases allocation `root` with its deallocs and views when nothing else
/// uses it any more.
inline void eraseIfUnused(mlir::Value root) {
  auto alloc = root.getDefiningOp<mlir::memref::AllocOp>();
  if (!alloc || !onlyFreedOrViewed(root))
    return;
  eraseFreesAndViews(root);
  alloc->erase();
}

/// Whether the buffer `root` is used by an op outside `group` (other than
/// views and deallocs): the caller's buffers always are.
inline bool usedOutside(mlir::Value root,
                        const llvm::DenseSet<mlir::Operation *> &group) {
  if (mlir::isa<mlir::BlockArgument>(root))
    return true;
  llvm::SmallVector<mlir::OpOperand *> uses;
  usesThroughViews(root, uses);
  return llvm::any_of(uses, [&](mlir::OpOperand *use) {
    mlir::Operation *user = use->getOwner();
    return !group.contains(user) && !mlir::isa<mlir::memref::DeallocOp>(user);
  });
}

/// Moves the deallocs in [from, to) of one block after `launch` (in their
/// order): the kernel that replaced the ops up to `to` still reads them.
inline void moveDeallocsAfter(mlir::Operation *from, mlir::Operation *to,
                              mlir::Operation *launch) {
  llvm::SmallVector<mlir::Operation *> deallocs;
  for (mlir::Operation *op = from; op != to; op = op->getNextNode())
    if (mlir::isa<mlir::memref::DeallocOp>(op))
      deallocs.push_back(op);
  for (mlir::Operation *op : llvm::reverse(deallocs))
    op->moveAfter(launch);
}

/// Host work that may sit between the ops of one kernel (a row group, a
/// contraction and its epilogue): buffers, views, sizes, constants and
/// deallocations (moved after the kernel).
inline bool isHostWork(mlir::Operation *op) {
  if (mlir::isa<mlir::memref::AllocOp, mlir::memref::DeallocOp,
                mlir::memref::DimOp, mlir::ViewLikeOpInterface>(op))
    return true;
  return op->getNumRegions() == 0 && mlir::isMemoryEffectFree(op) &&
         llvm::all_of(op->getResultTypes(), [](mlir::Type t) {
           return t.isIndex() || t.isIntOrFloat();
         });
}

/// The linalg.fill that writes `out` last before `op`, when nothing between
/// them uses `out` or a view of it: every output then starts from the
/// fill's value, and the kernel that writes every element of `out` makes
/// the fill (a kernel of its own, writing all of `out`) needless.
inline mlir::linalg::FillOp fillBefore(mlir::Operation *op, mlir::Value out) {
  mlir::Block *block = op->getBlock();
  llvm::SmallVector<mlir::Operation *> users;
  llvm::SmallVector<mlir::Value> work{out};
  while (!work.empty()) {
    mlir::Value v = work.pop_back_val();
    for (mlir::Operation *user : v.getUsers()) {
      mlir::Operation *top = block->findAncestorOpInBlock(*user);
      if (!top)
        return nullptr;
      if (auto view = mlir::dyn_cast<mlir::ViewLikeOpInterface>(user);
          view && view.getViewSource() == v)
        work.push_back(user->getResult(0));
      else
        users.push_back(top);
    }
  }
  mlir::linalg::FillOp fill;
  for (mlir::Operation *user : users)
    if (auto f = mlir::dyn_cast<mlir::linalg::FillOp>(user);
        f && f.getOutputs()[0] == out && f->isBeforeInBlock(op) &&
        (!fill || fill->isBeforeInBlock(f)))
      fill = f;
  if (!fill)
    return nullptr;
  for (mlir::Operation *user : users)
    if (user != op && user != fill && fill->isBeforeInBlock(user) &&
        user->isBeforeInBlock(op))
      return nullptr;
  return fill;
}

/// The buffers an op reads and writes (their roots); `known` is false when
/// it touches memory in a way these helpers do not follow.
struct Access {
  llvm::DenseSet<mlir::Value> reads, writes;
  bool known = true;
};

inline Access accessOf(mlir::Operation *root) {
  using namespace mlir;
  Access a;
  root->walk([&](Operation *op) {
    if (auto load = dyn_cast<memref::LoadOp>(op)) {
      a.reads.insert(rootOf(load.getMemRef()));
    } else if (auto store = dyn_cast<memref::StoreOp>(op)) {
      a.writes.insert(rootOf(store.getMemRef()));
    } else if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op)) {
      for (OpOperand *in : linalgOp.getDpsInputOperands())
        if (isa<MemRefType>(in->get().getType()))
          a.reads.insert(rootOf(in->get()));
      for (Value init : linalgOp.getDpsInits()) {
        a.reads.insert(rootOf(init));
        a.writes.insert(rootOf(init));
      }
      return WalkResult::skip();
    } else if (auto copy = dyn_cast<memref::CopyOp>(op)) {
      a.reads.insert(rootOf(copy.getSource()));
      a.writes.insert(rootOf(copy.getTarget()));
    } else if (!isa<memref::AllocOp, memref::DeallocOp, memref::DimOp,
                    ViewLikeOpInterface, gpu::LaunchOp, gpu::TerminatorOp,
                    gpu::BarrierOp, memref::AllocaOp, gpu::SubgroupReduceOp,
                    gpu::LaneIdOp, gpu::SubgroupIdOp, gpu::NumSubgroupsOp,
                    gpu::SubgroupSizeOp>(
                   op) &&
               !isMemoryEffectFree(op) && op->getNumRegions() == 0) {
      a.known = false;
    }
    return WalkResult::advance();
  });
  return a;
}

/// Bytes of a memref of type `t`, each dynamic dim counted as `dynamicDim`.
inline int64_t memrefBytes(mlir::MemRefType t, int64_t dynamicDim = 0) {
  int64_t n = 1;
  for (int64_t d : t.getShape())
    n *= mlir::ShapedType::isDynamic(d) ? dynamicDim : d;
  return n * ((t.getElementTypeBitWidth() + 7) / 8);
}

/// Host work that defines values (moved up with the op that needs them).
inline bool isMovableHostWork(mlir::Operation *op) {
  if (mlir::isa<mlir::memref::AllocOp, mlir::memref::DimOp,
                mlir::ViewLikeOpInterface>(op))
    return true;
  return op->getNumRegions() == 0 && mlir::isMemoryEffectFree(op);
}

/// Collects into `moves` the host ops (after `front`, in its block) that
/// define `v`, each after its own operands' definitions; false if one
/// cannot move.
inline bool movableDefs(mlir::Value v, mlir::Operation *front,
                        llvm::SetVector<mlir::Operation *> &moves) {
  mlir::Operation *def = v.getDefiningOp();
  if (!def || def->getBlock() != front->getBlock() ||
      def->isBeforeInBlock(front) || moves.contains(def))
    return true;
  if (!isMovableHostWork(def))
    return false;
  for (mlir::Value operand : def->getOperands())
    if (!movableDefs(operand, front, moves))
      return false;
  moves.insert(def);
  return true;
}

inline bool intersects(const llvm::DenseSet<mlir::Value> &a,
                       const llvm::DenseSet<mlir::Value> &b) {
  return llvm::any_of(a, [&](mlir::Value v) { return b.contains(v); });
}

/// Whether running `a` and `b` in the other order could change a result:
/// one reads what the other writes, or both write a buffer.
inline bool conflicts(const Access &a, const Access &b) {
  return intersects(a.reads, b.writes) || intersects(a.writes, b.reads) ||
         intersects(a.writes, b.writes);
}

/// Whether no op strictly between `from` and `to` in one block, but those
/// in `skip` and host work, conflicts with `access`: work with those
/// accesses may run at either end. With `used` (the buffers the work uses,
/// roots), freeing one of them in between conflicts too; without it,
/// deallocations are passed over. `accessFn` gives an op's accesses
/// (default: accessOf).
inline bool noConflictBetween(
    mlir::Operation *from, mlir::Operation *to,
    llvm::ArrayRef<mlir::Operation *> skip, const Access &access,
    const llvm::DenseSet<mlir::Value> *used,
    llvm::function_ref<const Access &(mlir::Operation *)> accessFn =
        nullptr) {
  for (mlir::Operation *x = from->getNextNode(); x != to;
       x = x->getNextNode()) {
    if (llvm::is_contained(skip, x))
      continue;
    if (auto free = mlir::dyn_cast<mlir::memref::DeallocOp>(x)) {
      if (used && used->contains(rootOf(free.getMemref())))
        return false;
      continue;
    }
    if (isMovableHostWork(x))
      continue;
    Access computed;
    const Access &between = accessFn ? accessFn(x) : (computed = accessOf(x));
    if (!between.known || conflicts(between, access))
      return false;
  }
  return true;
}

/// Whether `op` (whose accesses are `mine`) can run at `front`, earlier in
/// its block, instead of where it stands (noConflictBetween). If so, moves
/// the host work defining its operands and the values its regions capture
/// up before `front`. `accept`, where given, sees the host ops to move
/// first and may refuse.
inline bool hoistTo(
    mlir::Operation *op, mlir::Operation *front,
    llvm::ArrayRef<mlir::Operation *> skip, const Access &mine,
    llvm::function_ref<bool(llvm::ArrayRef<mlir::Operation *>)> accept =
        nullptr,
    llvm::function_ref<const Access &(mlir::Operation *)> accessFn =
        nullptr) {
  // A buffer it uses cannot be freed in between (no dealloc precedes a
  // use): deallocations need no check.
  if (!noConflictBetween(front, op, skip, mine, /*used=*/nullptr, accessFn))
    return false;
  llvm::SetVector<mlir::Operation *> moves;
  for (mlir::Value v : op->getOperands())
    if (!movableDefs(v, front, moves))
      return false;
  bool capturesLate = false;
  op->walk([&](mlir::Operation *inner) {
    for (mlir::Value v : inner->getOperands())
      if (mlir::Operation *def = v.getDefiningOp();
          def && def->getBlock() == front->getBlock() && !op->isAncestor(def) &&
          !def->isBeforeInBlock(front) && !movableDefs(v, front, moves))
        capturesLate = true;
  });
  if (capturesLate)
    return false;
  if (accept && !accept(moves.getArrayRef()))
    return false;
  for (mlir::Operation *def : moves)
    def->moveBefore(front);
  return true;
}

/// Whether every parallel loop of `op` comes before every reduction loop.
inline bool parallelLoopsFirst(mlir::linalg::LinalgOp op) {
  llvm::SmallVector<mlir::utils::IteratorType> iterators =
      op.getIteratorTypesArray();
  int64_t parallel = op.getNumParallelLoops();
  for (auto [d, it] : llvm::enumerate(iterators))
    if ((int64_t(d) < parallel) != (it == mlir::utils::IteratorType::parallel))
      return false;
  return true;
}

/// A reduction each of whose output elements one point of its parallel
/// loops computes: buffers, parallel loops first, every output's map a
/// permutation of the parallel loops, a body that only computes (on its
/// operands and loop indices), no input reading an output. A thread per
/// point can fold its reduced elements in order in registers (column
/// sums, argmax's value and index, sibling sums merged into one op).
inline bool isPerPointReduction(mlir::linalg::LinalgOp op) {
  using namespace mlir;
  if (!op.hasPureBufferSemantics() || op.getNumReductionLoops() == 0 ||
      op.getNumDpsInputs() == 0 || !hasScalarBody(op, /*allowIndex=*/true) ||
      !parallelLoopsFirst(op))
    return false;
  int64_t rank = op.getNumLoops(), parallel = op.getNumParallelLoops();
  for (OpOperand &init : op.getDpsInitsMutable()) {
    AffineMap map = op.getMatchingIndexingMap(&init);
    if (int64_t(map.getNumResults()) != parallel)
      return false;
    llvm::SmallVector<bool> seen(rank, false);
    for (AffineExpr e : map.getResults()) {
      auto dim = dyn_cast<AffineDimExpr>(e);
      if (!dim || int64_t(dim.getPosition()) >= parallel ||
          seen[dim.getPosition()])
        return false;
      seen[dim.getPosition()] = true;
    }
  }
  llvm::DenseSet<Value> outRoots;
  for (Value init : op.getDpsInits())
    outRoots.insert(rootOf(init));
  for (OpOperand *input : op.getDpsInputOperands())
    if (isa<MemRefType>(input->get().getType()) &&
        outRoots.contains(rootOf(input->get())))
      return false;
  return true;
}

/// The loops of an op whose parallel loops come first, split for
/// delinearizing: the parallel ones (an output point) and the reduced ones,
/// each with its sizes.
struct LoopSplit {
  llvm::SmallVector<int64_t> parallelDims, reducedDims;
  llvm::SmallVector<mlir::Value> parallelSizes, reducedSizes;
};

inline LoopSplit splitLoops(llvm::ArrayRef<mlir::Value> sizes,
                            int64_t parallel) {
  LoopSplit split;
  for (int64_t d = 0; d < int64_t(sizes.size()); ++d) {
    (d < parallel ? split.parallelDims : split.reducedDims).push_back(d);
    (d < parallel ? split.parallelSizes : split.reducedSizes)
        .push_back(sizes[d]);
  }
  return split;
}

/// A reduction's loops on the host (parallel loops first): their sizes, the
/// number of output points and of elements each folds, and the loops split
/// for delinearizing in the kernel.
struct HostLoops {
  llvm::SmallVector<mlir::Value> sizes;
  mlir::Value one, points, reduced;
  LoopSplit split;
};

inline HostLoops hostLoops(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::linalg::LinalgOp op) {
  HostLoops h;
  int64_t parallel = op.getNumParallelLoops();
  h.sizes = hostLoopSizes(b, loc, op);
  h.one = mlir::arith::ConstantIndexOp::create(b, loc, 1);
  llvm::ArrayRef<mlir::Value> sizes(h.sizes);
  h.points = productOf(b, loc, sizes.take_front(parallel), h.one);
  h.reduced = productOf(b, loc, sizes.drop_front(parallel), h.one);
  h.split = splitLoops(h.sizes, parallel);
  return h;
}

/// One point `p` (a linear index over the parallel loops, row-major) of
/// per-point reduction `op` (isPerPointReduction) in a kernel: its outputs
/// start from `initValues` (a fill's value; null: what the output holds),
/// fold the `reduced` elements in order with the op's body in registers
/// and are stored once. `sizes` are the op's loop sizes.
inline void emitPerPoint(mlir::OpBuilder &b, mlir::Location l,
                         mlir::linalg::LinalgOp op, mlir::Value p,
                         llvm::ArrayRef<mlir::Value> sizes,
                         mlir::Value reduced,
                         llvm::ArrayRef<mlir::Value> initValues) {
  using namespace mlir;
  int64_t rank = sizes.size(), parallel = op.getNumParallelLoops();
  LoopSplit split = splitLoops(sizes, parallel);
  SmallVector<Value> dims(rank);
  if (parallel > 0)
    delinearize(b, l, p, split.parallelDims, split.parallelSizes, dims);
  SmallVector<SmallVector<Value>> outIdx;
  SmallVector<Value> inits;
  for (auto [init, value] : llvm::zip(op.getDpsInitsMutable(), initValues)) {
    outIdx.push_back(applyMap(b, l, op.getMatchingIndexingMap(&init), dims));
    inits.push_back(value ? value
                          : memref::LoadOp::create(b, l, init.get(),
                                                   outIdx.back())
                                .getResult());
  }
  Value c0 = arith::ConstantIndexOp::create(b, l, 0);
  Value c1 = arith::ConstantIndexOp::create(b, l, 1);
  SmallVector<Value> totals = buildGuardedLoop(
      b, l, c0, reduced, c1, inits,
      [&](OpBuilder &b, Location l, Value r, ValueRange accs) {
        SmallVector<Value> at = dims;
        delinearize(b, l, r, split.reducedDims, split.reducedSizes, at);
        SmallVector<Value> args = loadInputs(b, l, op, at);
        args.append(accs.begin(), accs.end());
        return cloneBody(b, op, args, at);
      });
  for (auto [total, init, idx] : llvm::zip(totals, op.getDpsInits(), outIdx))
    memref::StoreOp::create(b, l, total, init, idx);
}

} // namespace nnc::gpu_kernel

#endif // NNC_CODEGEN_GPU_KERNELUTILS_H
