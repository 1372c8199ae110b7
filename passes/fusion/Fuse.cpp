//===- Fuse.cpp - nn-fuse: group ops into nn.fusion regions ---------------===//
//
// Walks each function backwards and pulls elementwise producers into the
// group of their consumer, so that a chain of elementwise and broadcast ops,
// or the elementwise ops that feed a reduction, run as one kernel: the
// values they pass each other never reach device memory.
//
// The cost model counts DRAM bytes. Pulling an elementwise producer P into
// its consumer's group saves writing P's result and reading it back (and P's
// inputs are read by the group instead of by a kernel of P's own); it costs
// recomputing P per element of the group where P is smaller than the group's
// iteration space (a broadcast), which reads no extra bytes. So a producer
// joins whenever that is legal:
//  - every user of P is in the group; or
//  - the group is elementwise, P has the group root's shape (the group can
//    write P's value as one more result) and no user of P outside the group
//    leads back into it (the group must stay one kernel, after its inputs and
//    before its users).
// A reduction (sum, max, min, mean) over the trailing axes of its input (a
// "row" reduction: softmax, log_softmax, layer_norm, rms_norm and their
// gradients) joins the group of its users when that group works on the same
// rows: elementwise ops of the reduction's input shape, further reductions of
// the same rows, and per-row values. Such a "row" group is one kernel with
// one workgroup per row (nnc-gpu-row-kernels): the row is read once and the
// reduced values never leave the workgroup. Any other reduction is the root
// of its group: its elementwise producers fuse in, its consumers do not.
// A contraction (matmul, conv2d and its gradients) joins the elementwise
// group of its users when that group works on the contraction's result
// shape: the group is its epilogue (bias, activation, residual, the
// backward's ReLU mask, the optimizer's update of a weight from its
// gradient), computed by the contraction's kernel on each output it holds in
// registers (nnc-gpu-tile-contraction), so the result is written only where
// it is used after the group. Ops that feed a contraction stay out of its
// group (they run before its kernel).
//
// Each group of two or more ops becomes an `nn.fusion` at its root; a value
// used after the group is yielded. The block is then ordered topologically.
//===----------------------------------------------------------------------===//
#include "passes/Passes.h"

#include "ir/NNOps.h"

#include "mlir/Analysis/TopologicalSortUtils.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SetVector.h"

#include <limits>

namespace nnc {
#define GEN_PASS_DEF_NNFUSE
#include "passes/Passes.h.inc"
} // namespace nnc

using namespace mlir;
using namespace nnc::nn;

namespace {

enum class Kind { None, Elementwise, Reduction, Row, Contraction };

Kind kindOf(Operation *op) {
  if (isa<AddOp, SubOp, MulOp, DivOp, MaximumOp, MinimumOp, PowOp, CompareOp,
          NegOp, AbsOp, ExpOp, LogOp, SqrtOp, RsqrtOp, TanhOp, SigmoidOp,
          ReluOp, SiluOp, GeluOp, WhereOp, CastOp, BroadcastToOp>(op))
    return Kind::Elementwise;
  // Over windows that tile x, each cell of dx reads its own window of x and
  // one dy: elementwise over x's shape (the ReLU mask after it fuses).
  if (auto pool = dyn_cast<MaxPool2DGradOp>(op); pool && pool.hasDisjointWindows())
    return Kind::Elementwise;
  if (isa<SumOp, MaxOp, MinOp, MeanOp>(op))
    return Kind::Reduction;
  if (isa<MatmulOp, Conv2DOp, Conv2DGradInputOp, Conv2DGradWeightOp>(op))
    return Kind::Contraction;
  return Kind::None;
}

/// Whether recomputing elementwise `op` in each of `groups` consumer groups
/// moves fewer bytes than writing its result once and reading it per group:
/// with at most two operands of the result's size (the others broadcast, so
/// they are small), k reads of them cost no more than one write and k reads
/// of the result plus one read of them.
bool shouldDuplicate(Operation *op, size_t groups) {
  if (groups > 4)
    return false;
  ArrayRef<int64_t> shape =
      cast<ShapedType>(op->getResult(0).getType()).getShape();
  int full = 0;
  for (Value v : op->getOperands())
    full += cast<ShapedType>(v.getType()).getShape() == shape ? 1 : 0;
  return full <= 2;
}

/// The first reduced axis when `op` is a reduction over the trailing axes
/// k..rank-1 of its input with k >= 1 (at least one row), else -1.
int64_t rowAxisOf(Operation *op) {
  if (kindOf(op) != Kind::Reduction)
    return -1;
  auto axes = op->getAttrOfType<DenseI64ArrayAttr>("axes");
  int64_t rank = cast<ShapedType>(op->getOperand(0).getType()).getRank();
  if (!axes || axes.empty())
    return -1;
  ArrayRef<int64_t> a = axes.asArrayRef();
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i] != rank - int64_t(a.size()) + int64_t(i))
      return -1;
  return a.front() >= 1 ? a.front() : -1;
}

ArrayRef<int64_t> shapeOf(Value v) {
  return cast<ShapedType>(v.getType()).getShape();
}

struct Group {
  Operation *root;
  Kind kind;
  llvm::SetVector<Operation *> ops; // in discovery order (root first)
  /// For a row group, or a reduction that may become one: the shape of the
  /// full rows and the first row axis.
  SmallVector<int64_t> domain;
  int64_t rowAxis = -1;
  /// For a contraction group: the contraction whose epilogue the rest is.
  Operation *contraction = nullptr;
  /// The first and last block positions of the members (see `reaches`).
  int64_t first = std::numeric_limits<int64_t>::max(), last = -1;

  /// Whether an elementwise op of this shape fits the group's rows: the
  /// full shape, or one value per row (the row axes 1 or dropped).
  bool fitsRows(ArrayRef<int64_t> shape) const {
    if (rowAxis < 0)
      return true;
    if (shape == ArrayRef<int64_t>(domain))
      return true;
    ArrayRef<int64_t> outer = ArrayRef<int64_t>(domain).take_front(rowAxis);
    if (shape == outer)
      return true;
    return shape.size() == domain.size() && shape.take_front(rowAxis) == outer &&
           llvm::all_of(shape.drop_front(rowAxis),
                        [](int64_t d) { return d == 1; });
  }
};

/// A sum, mean, max or min over every axis of a tensor of rank 2 or more
/// (keepdims false), where the function also reduces rows of that shape
/// over axes 1.., becomes the same reduction over the trailing axes, then
/// over the first: the inner one is a row reduction, which can join the
/// row group that computes its input (the loss sum(y * t) of a layer_norm's
/// output in the same kernel), and the outer one reads one value per row.
/// Each row holds as many elements, so a mean of row means is the mean.
void splitFullReductions(Block &body) {
  // Only where row reductions of that shape exist (a row group the inner
  // reduction may join); elsewhere one kernel does it all.
  llvm::SmallVector<SmallVector<int64_t>> rowShapes;
  for (Operation &op : body)
    if (rowAxisOf(&op) == 1)
      rowShapes.push_back(llvm::to_vector(shapeOf(op.getOperand(0))));
  SmallVector<Operation *> full;
  for (Operation &op : body) {
    if (!isa<SumOp, MeanOp, MaxOp, MinOp>(op))
      continue;
    auto axes = op.getAttrOfType<DenseI64ArrayAttr>("axes");
    auto keep = op.getAttrOfType<BoolAttr>("keepdims");
    auto type = dyn_cast<RankedTensorType>(op.getOperand(0).getType());
    if (!axes || !type || type.getRank() < 2 || (keep && keep.getValue()))
      continue;
    // No axes means all of them.
    SmallVector<int64_t> all = llvm::to_vector(llvm::seq<int64_t>(0, type.getRank()));
    if ((!axes.empty() && axes.asArrayRef() != ArrayRef<int64_t>(all)) ||
        !llvm::is_contained(rowShapes, llvm::to_vector(type.getShape())))
      continue;
    full.push_back(&op);
  }
  for (Operation *op : full) {
    OpBuilder b(op);
    auto type = cast<RankedTensorType>(op->getOperand(0).getType());
    SmallVector<int64_t> trailing =
        llvm::to_vector(llvm::seq<int64_t>(1, type.getRank()));
    Operation *inner = nullptr, *outer = nullptr;
    auto build = [&](auto tag) {
      using OpTy = decltype(tag);
      inner = createChecked<OpTy>(b, op->getLoc(), op->getOperand(0),
                                  ArrayRef<int64_t>(trailing), false);
      if (inner)
        outer = createChecked<OpTy>(b, op->getLoc(), inner->getResult(0),
                                    ArrayRef<int64_t>{0}, false);
    };
    if (isa<SumOp>(op))
      build(SumOp());
    else if (isa<MeanOp>(op))
      build(MeanOp());
    else if (isa<MaxOp>(op))
      build(MaxOp());
    else
      build(MinOp());
    if (!outer || outer->getResult(0).getType() != op->getResult(0).getType()) {
      if (outer)
        outer->erase();
      if (inner)
        inner->erase();
      continue;
    }
    op->getResult(0).replaceAllUsesWith(outer->getResult(0));
    op->erase();
  }
}

/// Whether `op` sums an input of a contraction over exactly the axes the
/// contraction folds it over: the bias gradient beside a dense layer's
/// weight gradient (`sum(dz, axes=[0])` and `x^T @ dz`) or a convolution's
/// (`sum(dy, axes=[0, 2, 3])` and `conv2d_grad_weight(x, dy)`).
/// nnc-gpu-tile-contraction computes such a sum in the contraction's kernel
/// (one more output column), which reads the input anyway.
bool isSideSum(Operation *op) {
  auto sum = dyn_cast<SumOp>(op);
  if (!sum || sum.getKeepdims())
    return false;
  Value x = sum.getX();
  ArrayRef<int64_t> axes = sum.getAxes();
  auto rank = cast<ShapedType>(x.getType()).getRank();
  return llvm::any_of(x.getUsers(), [&](Operation *user) {
    if (isa<MatmulOp>(user) && rank == 2 &&
        user->getOperand(0) != user->getOperand(1))
      return axes == ArrayRef<int64_t>{user->getOperand(0) == x ? 1 : 0};
    if (auto grad = dyn_cast<Conv2DGradWeightOp>(user))
      return grad->getOperand(1) == x && grad->getOperand(0) != x &&
             grad.getGroups() == 1 && rank == 4 &&
             axes == ArrayRef<int64_t>{0, 2, 3};
    return false;
  });
}

/// What a reduction group reduces, for merging siblings: the root's input
/// shape, its axes and its result type; nullopt for other groups.
std::optional<std::tuple<SmallVector<int64_t>, SmallVector<int64_t>, Type>>
reductionDomain(const Group &g) {
  if (g.kind != Kind::Reduction && g.kind != Kind::Row)
    return std::nullopt;
  Operation *root = g.root;
  if (g.kind == Kind::Row) {
    // A row group's reductions all reduce its rows.
    auto it = llvm::find_if(g.ops, [](Operation *m) {
      return kindOf(m) == Kind::Reduction;
    });
    if (it == g.ops.end())
      return std::nullopt;
    root = *it;
  }
  if (kindOf(root) != Kind::Reduction || g.ops.empty())
    return std::nullopt;
  auto axes = root->getAttrOfType<DenseI64ArrayAttr>("axes");
  if (!axes)
    return std::nullopt;
  return std::make_tuple(llvm::to_vector(shapeOf(root->getOperand(0))),
                         llvm::to_vector(axes.asArrayRef()),
                         g.kind == Kind::Row ? Type()
                                             : root->getResult(0).getType());
}

/// Whether a path from group a into group b passes an op of neither (then
/// the two cannot be one kernel: that op runs between them).
template <typename Reaches>
bool pathThroughOthers(const std::vector<Group> &groups,
                       const llvm::DenseMap<Operation *, int> &groupOf,
                       Reaches &reaches, int a, int b) {
  SmallVector<Operation *> users;
  for (Operation *op : groups[a].ops)
    for (Value r : op->getResults())
      for (Operation *user : r.getUsers()) {
        auto it = groupOf.find(user);
        if (it == groupOf.end() || (it->second != a && it->second != b))
          users.push_back(user);
      }
  return reaches(users, b);
}

/// Whether some op of group a reaches group b.
template <typename Reaches>
bool dependsOn(const std::vector<Group> &groups, Reaches &reaches, int a,
               int b) {
  return reaches(groups[a].ops.getArrayRef(), b);
}

/// Moves the ops of group `from` into group `into`; the later root leads.
void absorb(std::vector<Group> &groups,
            llvm::DenseMap<Operation *, int> &groupOf, int into, int from) {
  for (Operation *op : groups[from].ops) {
    groups[into].ops.insert(op);
    groupOf[op] = into;
  }
  if (groups[into].root->isBeforeInBlock(groups[from].root))
    groups[into].root = groups[from].root;
  groups[into].first = std::min(groups[into].first, groups[from].first);
  groups[into].last = std::max(groups[into].last, groups[from].last);
  groups[from].ops.clear();
}

/// Sibling reductions over the same domain that do not depend on each
/// other (layer_norm's backward: the column sums of dgamma, dbeta and dx's
/// bias gradient; two row means of the same cotangent) run as one kernel
/// that reads what they share once: their groups merge. Row groups merge
/// with row groups or row-capable reductions of the same rows, also when
/// one reads the other's values directly (one row kernel, phase after
/// phase); other reductions with reductions of the same input shape, axes
/// and result. A lone side sum (isSideSum) merges with none: its
/// contraction's kernel computes it without reading its input again.
template <typename Reaches, typename TryAbsorb>
void mergeSiblings(std::vector<Group> &groups,
                   llvm::DenseMap<Operation *, int> &groupOf,
                   Reaches &reaches, TryAbsorb &tryAbsorb) {
  auto dependsOn = [&](int a, int b) {
    return ::dependsOn(groups, reaches, a, b);
  };
  auto sideSum = [&](size_t g) {
    return groups[g].ops.size() == 1 && isSideSum(groups[g].root);
  };
  for (size_t i = 0; i < groups.size(); ++i) {
    auto di = reductionDomain(groups[i]);
    if (!di || sideSum(i))
      continue;
    bool rowI = groups[i].kind == Kind::Row || groups[i].rowAxis >= 0;
    for (size_t j = i + 1; j < groups.size(); ++j) {
      auto dj = reductionDomain(groups[j]);
      if (!dj || sideSum(j))
        continue;
      bool rowJ = groups[j].kind == Kind::Row || groups[j].rowAxis >= 0;
      bool rows = rowI && rowJ && groups[i].rowAxis == groups[j].rowAxis &&
                  groups[i].domain == groups[j].domain;
      bool same = groups[i].kind == Kind::Reduction &&
                  groups[j].kind == Kind::Reduction && *di == *dj;
      if (!rows && !same)
        continue;
      // Siblings; or, for rows, a group that reads the other's values only
      // directly (a row reduction of the cotangent a forward row kernel
      // computes): the row kernel computes it in a later phase.
      bool ij = dependsOn(int(i), int(j)), ji = dependsOn(int(j), int(i));
      bool ok = (!ij && !ji) ||
                (rows && ij != ji &&
                 !(ij ? pathThroughOthers(groups, groupOf, reaches, int(i),
                                          int(j))
                      : pathThroughOthers(groups, groupOf, reaches, int(j),
                                          int(i))));
      if (!ok || !tryAbsorb(int(i), int(j)))
        continue;
      if (rows)
        groups[i].kind = Kind::Row;
    }
  }
}

/// Two elementwise groups of one shape where the later reads the earlier's
/// values directly, with no op of another group on a path between them, run
/// as one kernel: their groups merge. Adam's step count and the bias
/// corrections computed from it (0-d values that many groups read, so each
/// stays a group of its own) become one launch.
template <typename Reaches, typename TryAbsorb>
void mergeElementwiseChains(std::vector<Group> &groups,
                            llvm::DenseMap<Operation *, int> &groupOf,
                            Reaches &reaches, TryAbsorb &tryAbsorb) {
  auto readsFrom = [&](int later, int earlier) {
    return llvm::any_of(groups[later].ops, [&](Operation *op) {
      return llvm::any_of(op->getOperands(), [&](Value v) {
        Operation *def = v.getDefiningOp();
        auto it = def ? groupOf.find(def) : groupOf.end();
        return it != groupOf.end() && it->second == earlier;
      });
    });
  };
  for (size_t i = 0; i < groups.size(); ++i) {
    if (groups[i].kind != Kind::Elementwise || groups[i].ops.empty())
      continue;
    for (size_t j = 0; j < groups.size(); ++j) {
      if (j == i || groups[j].kind != Kind::Elementwise ||
          groups[j].ops.empty() ||
          shapeOf(groups[i].root->getResult(0)) !=
              shapeOf(groups[j].root->getResult(0)))
        continue;
      // j reads i; i must not read j, nor reach it through others.
      if (!readsFrom(int(j), int(i)) || readsFrom(int(i), int(j)) ||
          pathThroughOthers(groups, groupOf, reaches, int(i), int(j)))
        continue;
      tryAbsorb(int(i), int(j));
    }
  }
}

/// Moves each full reduction (a reduction region or a reduction op left
/// alone, with 0-d results) up to just after the last op whose values it
/// uses: the loss of a training step is then computed before the
/// optimizer's scalars, so that the scalar work after it (the mean's
/// division) can join them in one kernel.
void hoistReductions(Block &body) {
  SmallVector<Operation *> order;
  for (Operation &op : body.without_terminator())
    order.push_back(&op);
  for (Operation *op : order) {
    auto fusion = dyn_cast<FusionOp>(op);
    // Row regions write full rows (softmax's output): they stay.
    bool reduction =
        fusion ? fusion.getKind() == std::optional<StringRef>("reduction")
               : kindOf(op) == Kind::Reduction;
    // Full reductions only (a loss, a norm): elsewhere the schedule
    // nn-fuse found is kept (moving per-channel sums early in a BatchNorm
    // backward made the arena larger and a kernel more).
    if (!reduction || llvm::any_of(op->getResultTypes(), [](Type t) {
          return cast<ShapedType>(t).getRank() != 0;
        }))
      continue;
    // The latest op in the body that defines a value `op` uses.
    Operation *last = nullptr;
    op->walk([&](Operation *inner) {
      for (Value v : inner->getOperands()) {
        Operation *def = v.getDefiningOp();
        if (!def || def->getBlock() != &body)
          continue;
        if (!last || last->isBeforeInBlock(def))
          last = def;
      }
    });
    if (!last)
      op->moveBefore(&body.front());
    else if (last->getNextNode() != op)
      op->moveAfter(last);
  }
}

struct NNFuse : nnc::impl::NNFuseBase<NNFuse> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    Block &body = func.getBody().front();
    llvm::DenseMap<Operation *, int> groupOf;
    std::vector<Group> groups;

    // Block positions of the ops (a clone takes its original's: it sits
    // just before it).
    llvm::DenseMap<Operation *, int64_t> pos;

    // Whether some path from one of `starts` (ops outside group g) reaches
    // an op of g.
    // The paths run through groups, not only through values: a group is one
    // kernel, so whatever any of its ops computes comes after everything
    // any of them reads (a group may hold chains that no value links: an op
    // reaching one of them reaches the others' users too). Values lead
    // forward in the block, groups anywhere among their members: a walk
    // stops at ops after `horizon`, the last position from which a path can
    // still come back to g (g's last member, extended by every group that
    // spans it, until none does). Stopping at g's root instead missed paths
    // that leave g's span and come back through a group reaching into it
    // (random models: groups that reached themselves).
    auto reaches = [&](ArrayRef<Operation *> starts, int g) {
      int64_t horizon = groups[g].last;
      for (bool grew = true; grew;) {
        grew = false;
        for (const Group &h : groups)
          if (!h.ops.empty() && h.first <= horizon && h.last > horizon) {
            horizon = h.last;
            grew = true;
          }
      }
      SmallVector<Operation *> work(starts.begin(), starts.end());
      llvm::DenseSet<Operation *> seen;
      llvm::DenseSet<int> expanded;
      while (!work.empty()) {
        Operation *op = work.pop_back_val();
        if (!seen.insert(op).second)
          continue;
        auto it = groupOf.find(op);
        if (it != groupOf.end() && it->second == g)
          return true;
        if (it != groupOf.end() && it->second != g &&
            expanded.insert(it->second).second)
          for (Operation *member : groups[it->second].ops)
            work.push_back(member);
        auto at = pos.find(op);
        if (at != pos.end() && at->second > horizon)
          continue;
        for (Value r : op->getResults())
          for (Operation *user : r.getUsers())
            if (Operation *top = body.findAncestorOpInBlock(*user))
              work.push_back(top);
      }
      return false;
    };

    // Whether a user outside group g leads back into g (joining g would
    // make the group depend on itself).
    auto leadsBack = [&](ArrayRef<Operation *> users, int g) {
      SmallVector<Operation *> starts;
      for (Operation *user : users) {
        Operation *top = body.findAncestorOpInBlock(*user);
        auto it = top ? groupOf.find(top) : groupOf.end();
        if (top && (it == groupOf.end() || it->second != g))
          starts.push_back(top);
      }
      return reaches(starts, g);
    };

    // Whether group g reaches itself through another node (a group, or an
    // op in none): it could not run as one kernel.
    auto reachesItself = [&](int g) {
      SmallVector<Operation *> users;
      for (Operation *m : groups[g].ops)
        for (Value r : m->getResults())
          users.append(r.getUsers().begin(), r.getUsers().end());
      return leadsBack(users, g);
    };
    // Merges the groups `from` into `into` unless the result would reach
    // itself (two chains that no value links, each fed by the other's
    // users: the checks before a merge look at paths between ops).
    auto tryMerge = [&](int into, ArrayRef<int> from) {
      Group saved = groups[into];
      std::vector<Group> savedFrom;
      for (int g : from) {
        savedFrom.push_back(groups[g]);
        absorb(groups, groupOf, into, g);
      }
      if (!reachesItself(into))
        return true;
      groups[into] = saved;
      for (Operation *m : saved.ops)
        groupOf[m] = into;
      for (auto [g, old] : llvm::zip(from, savedFrom)) {
        groups[g] = old;
        for (Operation *m : old.ops)
          groupOf[m] = g;
      }
      return false;
    };
    auto tryAbsorb = [&](int into, int from) {
      return tryMerge(into, ArrayRef<int>{from});
    };

    auto newGroup = [&](Operation *op, Kind kind) {
      groupOf[op] = int(groups.size());
      Group g;
      g.root = op;
      g.kind = kind;
      g.ops.insert(op);
      g.first = g.last = pos.lookup(op);
      g.rowAxis = rowAxisOf(op);
      if (g.rowAxis >= 0)
        g.domain = llvm::to_vector(shapeOf(op->getOperand(0)));
      groups.push_back(std::move(g));
    };
    // Whether row reduction `op` may join group g: g works on the rows
    // `op` reduces (an elementwise group of the rows' shape, or a group
    // around a reduction of the same rows) and no other user of `op` leads
    // back into g.
    auto rowJoin = [&](Operation *op, int g, ArrayRef<Operation *> users) {
      int64_t axis = rowAxisOf(op);
      Group &group = groups[g];
      ArrayRef<int64_t> rows = shapeOf(op->getOperand(0));
      bool same =
          group.kind == Kind::Elementwise
              ? shapeOf(group.root->getResult(0)) == rows &&
                    llvm::all_of(group.ops,
                                 [&](Operation *m) {
                                   Group probe;
                                   probe.rowAxis = axis;
                                   probe.domain = llvm::to_vector(rows);
                                   return probe.fitsRows(
                                       shapeOf(m->getResult(0)));
                                 })
              : group.rowAxis == axis && ArrayRef<int64_t>(group.domain) == rows;
      if (axis < 0 || !same)
        return false;
      return !leadsBack(users, g);
    };
    // Whether contraction `op` may join group g as its epilogue's producer:
    // g is elementwise (no reduction, no other contraction) over op's
    // result shape, and no user of op outside g leads back into g.
    auto epilogueJoin = [&](Operation *op, int g,
                            ArrayRef<Operation *> users) {
      Group &group = groups[g];
      if (group.kind != Kind::Elementwise ||
          shapeOf(group.root->getResult(0)) != shapeOf(op->getResult(0)))
        return false;
      return !leadsBack(users, g);
    };
    auto join = [&](Operation *op, int g) {
      groupOf[op] = g;
      groups[g].ops.insert(op);
      groups[g].first = std::min(groups[g].first, pos.lookup(op));
      groups[g].last = std::max(groups[g].last, pos.lookup(op));
    };
    // Whether a group is, or may still become, a contraction's epilogue:
    // two such groups stay apart (each contraction keeps its epilogue; the
    // walk meets a contraction after its users).
    auto epilogueOf = [&](const Group &group) {
      if (group.kind == Kind::Contraction)
        return true;
      return llvm::any_of(group.ops, [&](Operation *m) {
        return llvm::any_of(m->getOperands(), [&](Value v) {
          Operation *def = v.getDefiningOp();
          return def && kindOf(def) == Kind::Contraction &&
                 !groupOf.count(def) &&
                 shapeOf(v) == shapeOf(group.root->getResult(0));
        });
      });
    };
    // The groups of one value's users as one group, where they are
    // elementwise groups (at most one an epilogue) over the value's shape
    // and none depends on another: an f16 param's Adam moment, computed in
    // f32, is read by its rounding into the state and by the param's
    // update; one kernel computes it and writes both, where recomputing it
    // in each group would be two kernels reading the gradient and the
    // moments twice.
    auto mergeUserGroups = [&](llvm::SetVector<int> &users,
                               ArrayRef<int64_t> shape) {
      int into = users[0], epilogues = 0;
      for (int g : users) {
        Group &group = groups[g];
        if ((group.kind != Kind::Elementwise &&
             group.kind != Kind::Contraction) ||
            shapeOf(group.root->getResult(0)) != shape)
          return;
        if (epilogueOf(group)) {
          if (++epilogues > 1)
            return;
          into = g;
        }
      }
      for (int a : users)
        for (int b : users)
          if (a != b && dependsOn(groups, reaches, a, b))
            return;
      SmallVector<int> from;
      for (int g : users)
        if (g != into)
          from.push_back(g);
      if (!tryMerge(into, from))
        return;
      users.clear();
      users.insert(into);
    };

    splitFullReductions(body);

    SmallVector<Operation *> order;
    for (Operation &op : body) {
      pos[&op] = int64_t(order.size());
      order.push_back(&op);
    }
    for (Operation *op : llvm::reverse(order)) {
      Kind kind = kindOf(op);
      if (kind == Kind::None || op->getNumResults() != 1)
        continue;
      Value result = op->getResult(0);
      // The groups of the users, latest user's group first; users in none.
      llvm::SetVector<int> userGroups;
      bool outside = false;
      SmallVector<Operation *> users(result.getUsers());
      llvm::sort(users, [&](Operation *a, Operation *b) {
        return body.findAncestorOpInBlock(*b)->isBeforeInBlock(
            body.findAncestorOpInBlock(*a));
      });
      for (Operation *user : users) {
        auto it = groupOf.find(body.findAncestorOpInBlock(*user));
        if (it == groupOf.end())
          outside = true;
        else
          userGroups.insert(it->second);
      }
      // A row reduction joins the (latest) group of its users that works
      // on its rows; the others read its per-row result, which the group
      // yields (a value per row: little to write).
      if (kind == Kind::Reduction) {
        auto target = llvm::find_if(
            userGroups, [&](int g) { return rowJoin(op, g, users); });
        if (target != userGroups.end()) {
          Group &g = groups[*target];
          g.kind = Kind::Row;
          g.rowAxis = rowAxisOf(op);
          g.domain = llvm::to_vector(shapeOf(op->getOperand(0)));
          join(op, *target);
          continue;
        }
      }
      // A full reduction (a 0-d value: the loss) whose users are all in one
      // elementwise group of 0-d values (the loss's negation) leads that
      // group: the ops after it become one generic after the reduction
      // instead of a kernel each.
      if (kind == Kind::Reduction && shapeOf(result).empty() && !outside &&
          userGroups.size() == 1) {
        int g = userGroups[0];
        Group &group = groups[g];
        bool scalars =
            group.kind == Kind::Elementwise &&
            llvm::all_of(group.ops, [](Operation *m) {
              return llvm::all_of(m->getResultTypes(), [](Type t) {
                return cast<ShapedType>(t).getRank() == 0;
              });
            });
        if (scalars && !leadsBack(users, g)) {
          group.kind = Kind::Reduction;
          join(op, g);
          continue;
        }
      }
      // A contraction joins the latest group of its users that is
      // elementwise over the contraction's result shape: its epilogue (the
      // forward's activation, say, rather than the backward's mask).
      if (kind == Kind::Contraction) {
        auto target = llvm::find_if(
            userGroups, [&](int g) { return epilogueJoin(op, g, users); });
        if (target != userGroups.end()) {
          groups[*target].kind = Kind::Contraction;
          groups[*target].contraction = op;
          join(op, *target);
        }
        continue;
      }
      // The groups whose contraction this op feeds: it must run before
      // their kernels, so it cannot be part of them.
      for (int g : llvm::to_vector(userGroups)) {
        Operation *c = groups[g].contraction;
        if (c && llvm::is_contained(c->getOperands(), result)) {
          userGroups.remove(g);
          outside = true;
        }
      }
      if (kind != Kind::Elementwise || userGroups.empty()) {
        newGroup(op, kind);
        continue;
      }
      // Whether op's result fits every group it would join; a reduction
      // group stops being a row candidate when an op of another shape
      // joins it.
      ArrayRef<int64_t> shape = shapeOf(result);
      bool fits = llvm::all_of(userGroups, [&](int g) {
        return groups[g].kind != Kind::Row || groups[g].fitsRows(shape);
      });
      auto joinFitting = [&](Operation *m, int g) {
        if (!groups[g].fitsRows(shapeOf(m->getResult(0))))
          groups[g].rowAxis = -1;
        join(m, g);
      };
      if (fits && !outside && userGroups.size() > 1)
        mergeUserGroups(userGroups, shape);
      if (fits && !outside && userGroups.size() == 1) {
        joinFitting(op, userGroups[0]);
        continue;
      }
      if (fits && !outside && shouldDuplicate(op, userGroups.size())) {
        // Recompute the producer in each consumer group: reading its inputs
        // again costs fewer bytes than writing it once and reading it back.
        joinFitting(op, userGroups[0]);
        for (int g : llvm::drop_begin(userGroups)) {
          OpBuilder b(op);
          Operation *copy = b.clone(*op);
          pos[copy] = pos[op];
          result.replaceUsesWithIf(copy->getResult(0), [&](OpOperand &use) {
            auto it = groupOf.find(body.findAncestorOpInBlock(*use.getOwner()));
            return it != groupOf.end() && it->second == g;
          });
          joinFitting(copy, g);
        }
        continue;
      }
      // Join the latest user's group and write the value as one more result
      // of it, if that keeps every group one kernel.
      int target = userGroups[0];
      Group &tg = groups[target];
      bool ok = ((tg.kind == Kind::Elementwise ||
                  tg.kind == Kind::Contraction) &&
                 result.getType() == tg.root->getResult(0).getType()) ||
                (tg.kind == Kind::Row && tg.fitsRows(shape));
      if (ok && !leadsBack(users, target))
        join(op, target);
      else
        newGroup(op, kind);
    }

    mergeSiblings(groups, groupOf, reaches, tryAbsorb);
    mergeElementwiseChains(groups, groupOf, reaches, tryAbsorb);
    // A last guard: a group that still reaches itself is dissolved, its ops
    // left to kernels of their own (fewer fusions, never a cycle). Every
    // join and merge above checks the paths back into its group, so this
    // should not fire: it fired on 10 of random models 1..200 while
    // `reaches` stopped at the group's root (lit @span_back), and on none
    // of seeds 1..420 since.
    for (int g = 0; g < int(groups.size()); ++g)
      if (groups[g].ops.size() > 1 && reachesItself(g)) {
        for (Operation *m : groups[g].ops)
          groupOf.erase(m);
        groups[g].ops.clear();
        g = -1; // others may have reached themselves through it
      }

    bool changed = false;
    for (Group &g : groups) {
      if (g.ops.size() < 2)
        continue;
      changed = true;
      SmallVector<Operation *> members(g.ops.begin(), g.ops.end());
      llvm::sort(members, [](Operation *a, Operation *b) {
        return a->isBeforeInBlock(b);
      });
      llvm::DenseSet<Operation *> inGroup(members.begin(), members.end());
      SmallVector<Value> yielded;
      for (Operation *m : members)
        for (Value r : m->getResults())
          if (llvm::any_of(r.getUsers(), [&](Operation *u) {
                return !inGroup.contains(body.findAncestorOpInBlock(*u));
              }))
            yielded.push_back(r);
      OpBuilder b(g.root);
      b.setInsertionPointAfter(g.root);
      auto fusion = FusionOp::create(
          b, g.root->getLoc(), ValueRange(yielded).getTypes(),
          b.getStringAttr(g.kind == Kind::Row           ? "row"
                          : g.kind == Kind::Reduction   ? "reduction"
                          : g.kind == Kind::Contraction ? "contraction"
                                                        : "elementwise"));
      Block *inner = new Block();
      fusion.getBody().push_back(inner);
      for (Operation *m : members)
        m->moveBefore(inner, inner->end());
      b.setInsertionPointToEnd(inner);
      YieldOp::create(b, g.root->getLoc(), yielded);
      for (auto [v, r] : llvm::zip(yielded, fusion.getResults()))
        v.replaceUsesWithIf(r, [&](OpOperand &use) {
          return use.getOwner()->getParentOp() != fusion &&
                 !fusion->isProperAncestor(use.getOwner());
        });
    }
    if (changed &&
        !sortTopologically(&body, body.without_terminator()))
      func.emitError("nn-fuse: the fusion groups form a cycle");
    hoistReductions(body);
  }
};

} // namespace
