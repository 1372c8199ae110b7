//===- RowKernels.cpp - a row group as one workgroup per row --------------===//
//
// `nnc-gpu-row-kernels`: the linalg ops (on memrefs) of one `row` fusion
// region, marked `nnc.row_group` by nnc-fuse-regions, become one gpu.launch
// with one workgroup per row. The ops work on the same rows: reductions over
// the trailing loops ("inner") of a common iteration space, elementwise ops
// over all of it ("full"), and ops on one value per row ("per-row": the
// inner loops absent or of size 1), plus the fills of reduction inits.
//
// In each row, the ops run in order:
//  - a reduction: each thread folds elements tid, tid + T, ... of the row
//    with the op's body; the partials meet in workgroup memory (a tree);
//    every thread keeps the total in a register;
//  - a per-row op: every thread computes it from registers and loads;
//  - a full op: nothing, unless its result is used after the group; then
//    each thread computes and stores elements tid, tid + T, ...
// A value of the group is never read from memory: a reduction's or per-row
// op's from its register, a full op's by recomputing it from its own inputs
// (the reads then hit the row the workgroup reads anyway), a fill's as its
// constant. So the row is read from DRAM once, and a temporary that only the
// group used loses its buffer. A thread only reads the elements it wrote
// itself, so global memory needs no barrier. Results used after the group
// are stored (per-row ones by thread 0).
//
// Any op the kernel cannot take (another shape, index semantics, a read of a
// group value through a view, a buffer the group both reads from memory and
// overwrites) leaves the group to the other kernels, unchanged.
//===----------------------------------------------------------------------===//
#include "codegen/common/Passes.h"
#include "codegen/gpu/KernelUtils.h"
#include "codegen/gpu/Passes.h"

#include "mlir/Interfaces/ViewLikeInterface.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Support/MathExtras.h"

namespace nnc {
#define GEN_PASS_DEF_NNCGPUROWKERNELS
#include "codegen/gpu/Passes.h.inc"
} // namespace nnc

using namespace mlir;
using namespace nnc::gpu_kernel;

namespace {

constexpr int64_t kMaxThreads = 256;
constexpr int64_t kMaxGroups = 65535;

/// Where an operand's value comes from at one op of the group.
struct Def {
  enum Kind { Memory, Fill, Register, Full } kind = Memory;
  int64_t op = -1;    // the op of the group (Fill, Register, Full)
  int64_t result = 0; // which of its results
};

enum class Role { Fill, Reduction, PerRow, Full };

struct Member {
  linalg::LinalgOp op;
  Role role;
  SmallVector<Def> inputs; // one per DPS input
  Def init;                // a reduction's: the output's value before it
  SmallVector<bool> stored; // per result: used after the group
  std::optional<Combiner> combiner;
};

/// One row group: its ops, in order, and how each reads its operands.
class RowKernel {
public:
  RowKernel(ArrayRef<Operation *> ops, bool subgroups)
      : ops(ops), subgroups(subgroups) {}

  /// Checks that the kernel can take the group and resolves every operand.
  LogicalResult analyze();
  /// Replaces the group by the launch.
  void build();

private:
  LogicalResult classify();
  LogicalResult resolve();

  // Kernel construction, inside the launch.
  Value valueAt(OpBuilder &b, Location l, const Def &def, Value operand,
                ArrayRef<Value> indices);
  SmallVector<Value> computeFull(OpBuilder &b, Location l, int64_t i,
                                 ArrayRef<Value> loopIdx);
  SmallVector<Value> inputArgs(OpBuilder &b, Location l, int64_t i,
                               ArrayRef<Value> loopIdx);

  ArrayRef<Operation *> ops;
  bool subgroups; // combine the threads' partials with subgroup operations
  SmallVector<Member> members;
  int64_t outerRank = 0, innerRank = 0;
  SmallVector<int64_t> innerStatic; // static inner sizes (or dynamic)
  int64_t firstReduction = -1;
  llvm::DenseSet<Operation *> inGroup;
  // Per row, while building: the registers of reductions and per-row ops.
  llvm::DenseMap<std::pair<int64_t, int64_t>, Value> registers;
};

bool isIdentityOutput(linalg::LinalgOp op) {
  return llvm::all_of(op.getDpsInitsMutable(), [&](OpOperand &init) {
    return op.getMatchingIndexingMap(&init).isIdentity();
  });
}

LogicalResult RowKernel::classify() {
  for (Operation *raw : ops) {
    auto op = cast<linalg::LinalgOp>(raw);
    if (!op.hasPureBufferSemantics())
      return failure();
    Member m;
    m.op = op;
    if (auto fill = dyn_cast<linalg::FillOp>(raw)) {
      m.role = Role::Fill;
      members.push_back(m);
      continue;
    }
    if (!isa<linalg::GenericOp>(raw) || !hasScalarBody(op))
      return failure();
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    int64_t rank = ranges.size(), reduced = op.getNumReductionLoops();
    if (reduced > 0) {
      int64_t parallel = rank - reduced;
      if (!parallelLoopsFirst(op) || op.getNumDpsInits() != 1)
        return failure();
      FailureOr<Combiner> comb = matchCombiner(op);
      if (failed(comb))
        return failure();
      m.combiner = *comb;
      // The output is indexed by the row alone.
      for (AffineExpr e : op.getIndexingMapsArray().back().getResults())
        if (auto d = dyn_cast<AffineDimExpr>(e); d && d.getPosition() >= parallel)
          return failure();
      if (firstReduction < 0) {
        firstReduction = members.size();
        outerRank = parallel;
        innerRank = reduced;
        innerStatic.assign(ranges.begin() + parallel, ranges.end());
      } else if (parallel != outerRank || reduced != innerRank ||
                 ArrayRef<int64_t>(ranges).drop_front(parallel) !=
                     ArrayRef<int64_t>(innerStatic)) {
        return failure();
      }
      m.role = Role::Reduction;
    } else {
      m.role = Role::Full; // refined once the rows are known
    }
    members.push_back(m);
  }
  if (firstReduction < 0)
    return failure();
  for (Member &m : members) {
    if (m.role != Role::Full)
      continue;
    SmallVector<int64_t> ranges = m.op.getStaticLoopRanges();
    int64_t rank = ranges.size();
    bool unitTail =
        rank >= outerRank && llvm::all_of(ArrayRef<int64_t>(ranges).drop_front(
                                              outerRank),
                                          [](int64_t s) { return s == 1; });
    bool full = rank == outerRank + innerRank &&
                ArrayRef<int64_t>(ranges).drop_front(outerRank) ==
                    ArrayRef<int64_t>(innerStatic);
    if (full && isIdentityOutput(m.op))
      m.role = Role::Full;
    else if (unitTail)
      m.role = Role::PerRow;
    else
      return failure();
    // Elementwise bodies read no output values.
    for (BlockArgument arg :
         m.op.getBlock()->getArguments().drop_front(m.op.getNumDpsInputs()))
      if (!arg.use_empty())
        return failure();
  }
  return success();
}

LogicalResult RowKernel::resolve() {
  // The latest definition of each buffer by an op of the group.
  llvm::DenseMap<Value, Def> defs;
  llvm::DenseSet<Value> readFromMemory, written;
  for (auto [i, m] : llvm::enumerate(members)) {
    linalg::LinalgOp op = m.op;
    for (OpOperand *input : op.getDpsInputOperands()) {
      Value v = input->get();
      Def def;
      if (isa<MemRefType>(v.getType())) {
        Value root = rootOf(v);
        auto it = defs.find(root);
        if (it != defs.end())
          def = it->second;
        else
          readFromMemory.insert(root);
      }
      AffineMap map = op.getMatchingIndexingMap(input);
      if (def.kind == Def::Register) {
        // A register holds the current row's value: the reader must index
        // it by the row alone.
        if (m.role != Role::PerRow &&
            llvm::any_of(map.getResults(), [&](AffineExpr e) {
              auto d = dyn_cast<AffineDimExpr>(e);
              return d && d.getPosition() >= outerRank;
            }))
          return failure();
      }
      if (def.kind == Def::Full) {
        // Recomputed at the reader's indices: the same loops, unviewed.
        Member &producer = members[def.op];
        if (m.role == Role::PerRow || !map.isIdentity() ||
            v != producer.op.getDpsInits()[def.result])
          return failure();
      }
      m.inputs.push_back(def);
    }
    if (m.role == Role::Reduction) {
      Value root = rootOf(m.op.getDpsInits()[0]);
      auto it = defs.find(root);
      if (it != defs.end()) {
        if (it->second.kind == Def::Full)
          return failure();
        m.init = it->second;
      }
    }
    for (auto [r, init] : llvm::enumerate(op.getDpsInits())) {
      Value root = rootOf(init);
      Def def;
      def.op = i;
      def.result = r;
      def.kind = m.role == Role::Fill        ? Def::Fill
                 : m.role == Role::Full      ? Def::Full
                                             : Def::Register;
      // A full value is recomputed from the buffer it was written to only
      // through that buffer itself.
      if (def.kind == Def::Full && init != root)
        return failure();
      defs[root] = def;
      written.insert(root);
    }
  }
  // What the group leaves behind: the results used after it.
  for (Member &m : members) {
    for (Value init : m.op.getDpsInits()) {
      Value root = rootOf(init);
      bool last = defs[root].op == &m - members.data();
      bool keep = last && usedOutside(root, inGroup);
      if (keep && m.role == Role::Fill)
        return failure();
      m.stored.push_back(keep);
    }
  }
  // A buffer the group overwrites must not be read from memory by it.
  for (Value root : readFromMemory)
    if (written.contains(root))
      return failure();
  return success();
}

LogicalResult RowKernel::analyze() {
  inGroup.insert(ops.begin(), ops.end());
  Block *block = ops.front()->getBlock();
  // Between the first and the last op only host work may sit: buffers,
  // views, sizes, constants and deallocations (moved after the kernel).
  for (Operation *op = ops.front(); op != ops.back(); op = op->getNextNode()) {
    if (!op || op->getBlock() != block)
      return failure();
    if (inGroup.contains(op) || isHostWork(op))
      continue;
    return failure();
  }
  if (failed(classify()) || failed(resolve()))
    return failure();
  return success();
}

Value RowKernel::valueAt(OpBuilder &b, Location l, const Def &def,
                         Value operand, ArrayRef<Value> indices) {
  switch (def.kind) {
  case Def::Memory:
    if (!isa<MemRefType>(operand.getType()))
      return operand;
    return memref::LoadOp::create(b, l, operand, indices);
  case Def::Fill:
    return cast<linalg::FillOp>(*members[def.op].op).getInputs()[0];
  case Def::Register:
    return registers.lookup({def.op, def.result});
  case Def::Full:
    return computeFull(b, l, def.op, indices)[def.result];
  }
  llvm_unreachable("unknown definition");
}

SmallVector<Value> RowKernel::inputArgs(OpBuilder &b, Location l, int64_t i,
                                        ArrayRef<Value> loopIdx) {
  Member &m = members[i];
  SmallVector<Value> args;
  for (auto [input, def] : llvm::zip(m.op.getDpsInputOperands(), m.inputs))
    args.push_back(valueAt(
        b, l, def, input->get(),
        applyMap(b, l, m.op.getMatchingIndexingMap(input), loopIdx)));
  return args;
}

SmallVector<Value> RowKernel::computeFull(OpBuilder &b, Location l, int64_t i,
                                          ArrayRef<Value> loopIdx) {
  Member &m = members[i];
  SmallVector<Value> args = inputArgs(b, l, i, loopIdx);
  // The output arguments are unused (checked in classify).
  for (Value init : m.op.getDpsInits())
    args.push_back(arith::ConstantOp::create(
        b, l, b.getZeroAttr(cast<MemRefType>(init.getType()).getElementType())));
  return cloneBody(b, m.op, args);
}

void RowKernel::build() {
  Operation *last = ops.back();
  OpBuilder b(last);
  Location loc = last->getLoc();
  linalg::LinalgOp reduction = members[firstReduction].op;

  // Host side: the row count, the row length, the grid.
  SmallVector<Value> sizes = hostLoopSizes(b, loc, reduction);
  Value c1 = arith::ConstantIndexOp::create(b, loc, 1);
  ArrayRef<Value> loops = ArrayRef<Value>(sizes).take_front(outerRank + innerRank);
  Value rows = productOf(b, loc, loops.take_front(outerRank), c1);
  Value rowLength = productOf(b, loc, loops.drop_front(outerRank), c1);
  int64_t staticLength = 1;
  for (int64_t s : innerStatic)
    staticLength = ShapedType::isDynamic(s) || staticLength < 0
                       ? -1
                       : staticLength * s;
  int64_t threads =
      staticLength < 0
          ? kMaxThreads
          : std::min<int64_t>(kMaxThreads, llvm::PowerOf2Ceil(staticLength));
  // One scratch array per accumulator type.
  SmallVector<Type> scratchTypes;
  for (Member &m : members)
    if (m.role == Role::Reduction) {
      Type t = m.combiner->op->getResult(0).getType();
      if (!llvm::is_contained(scratchTypes, t))
        scratchTypes.push_back(t);
    }
  SmallVector<Type> attributions;
  for (Type t : scratchTypes)
    attributions.push_back(workgroupMemRef({threads}, t));

  Value groups = arith::MinUIOp::create(
      b, loc, rows, arith::ConstantIndexOp::create(b, loc, kMaxGroups));
  Value threadsV = arith::ConstantIndexOp::create(b, loc, threads);
  auto launch = gpu::LaunchOp::create(
      b, loc, groups, c1, c1, threadsV, c1, c1,
      /*dynamicSharedMemorySize=*/nullptr, /*asyncTokenType=*/nullptr,
      /*asyncDependencies=*/{}, attributions);

  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&launch.getBody().front());
  Value tid = launch.getThreadIds().x;
  Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
  SmallVector<int64_t> outerDims, innerDims;
  SmallVector<Value> outerSizes, innerSizes;
  for (int64_t d = 0; d < outerRank + innerRank; ++d) {
    (d < outerRank ? outerDims : innerDims).push_back(d);
    (d < outerRank ? outerSizes : innerSizes).push_back(sizes[d]);
  }

  scf::ForOp::create(
      b, loc, launch.getBlockIds().x, rows, launch.getGridSize().x,
      ValueRange{}, [&](OpBuilder &b, Location l, Value row, ValueRange) {
        registers.clear();
        SmallVector<Value> outer(outerRank + innerRank);
        if (outerRank > 0)
          delinearize(b, l, row, outerDims, outerSizes, outer);
        Value isFirst =
            arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, tid, c0);
        // The loop indices of element `i` of the row.
        auto at = [&](OpBuilder &b, Location l, Value i) {
          SmallVector<Value> idx = outer;
          delinearize(b, l, i, innerDims, innerSizes, idx);
          return idx;
        };
        // The loop indices of a per-row op: the row, then zeros.
        auto rowIdx = [&](linalg::LinalgOp op) {
          SmallVector<Value> idx(outer.begin(), outer.begin() + outerRank);
          idx.resize(op.getNumLoops(), c0);
          return idx;
        };
        auto storeIf = [&](Value cond, Value v, Value buffer,
                           ArrayRef<Value> idx) {
          scf::IfOp::create(b, l, cond, [&](OpBuilder &b, Location l) {
            memref::StoreOp::create(b, l, v, buffer, idx);
            scf::YieldOp::create(b, l);
          });
        };

        for (auto [i, m] : llvm::enumerate(members)) {
          linalg::LinalgOp op = m.op;
          switch (m.role) {
          case Role::Fill:
            break;
          case Role::PerRow: {
            SmallVector<Value> idx = rowIdx(op);
            SmallVector<Value> results = computeFull(b, l, i, idx);
            for (auto [r, v] : llvm::enumerate(results)) {
              registers[{int64_t(i), int64_t(r)}] = v;
              if (m.stored[r])
                storeIf(isFirst, v, op.getDpsInits()[r],
                        applyMap(b, l, op.getIndexingMapsArray()[op.getNumDpsInputs() + r], idx));
            }
            break;
          }
          case Role::Reduction: {
            Type accType = m.combiner->op->getResult(0).getType();
            Value scratch = launch.getWorkgroupAttributions()[llvm::find(
                                scratchTypes, accType) - scratchTypes.begin()];
            auto combine = [&](OpBuilder &b, Value element, Value acc) {
              return m.combiner->apply(b, acc, element);
            };
            Value identity =
                arith::getIdentityValue(m.combiner->kind, accType, b, l);
            Value partial = buildGuardedFor(
                b, l, tid, rowLength, threadsV, identity,
                [&](OpBuilder &b, Location l, Value e, Value acc) {
                  SmallVector<Value> args = inputArgs(b, l, i, at(b, l, e));
                  args.push_back(acc);
                  return cloneBody(b, op, args)[0];
                });
            Value total = treeReduce(
                b, l, partial, scratch, tid, threads, combine,
                subgroups ? subgroupKind(m.combiner->kind, accType)
                          : std::nullopt,
                identity);
            Value out = op.getDpsInits()[0];
            SmallVector<Value> outIdx =
                applyMap(b, l, op.getIndexingMapsArray().back(), outer);
            Value init = valueAt(b, l, m.init, out, outIdx);
            Value result = combine(b, total, init);
            registers[{int64_t(i), 0}] = result;
            if (m.stored[0])
              storeIf(isFirst, result, out, outIdx);
            break;
          }
          case Role::Full: {
            if (!llvm::is_contained(m.stored, true))
              break;
            Value step = threadsV;
            scf::ForOp::create(
                b, l, tid, rowLength, step, ValueRange{},
                [&](OpBuilder &b, Location l, Value e, ValueRange) {
                  SmallVector<Value> idx = at(b, l, e);
                  SmallVector<Value> results = computeFull(b, l, i, idx);
                  for (auto [r, v] : llvm::enumerate(results))
                    if (m.stored[r])
                      memref::StoreOp::create(b, l, v, op.getDpsInits()[r],
                                              idx);
                  scf::YieldOp::create(b, l);
                });
            break;
          }
          }
        }
        scf::YieldOp::create(b, l);
      });
  gpu::TerminatorOp::create(b, loc);

  // Deallocations between the group's ops wait until the kernel is done.
  moveDeallocsAfter(ops.front(), last, launch);

  // The group's ops go; a buffer only they used goes with them.
  llvm::SetVector<Value> roots;
  for (Member &m : members)
    for (Value init : m.op.getDpsInits())
      roots.insert(rootOf(init));
  for (Operation *op : llvm::reverse(ops))
    op->erase();
  for (Value root : roots)
    eraseIfUnused(root);
}

struct GpuRowKernels
    : public nnc::impl::NNCGpuRowKernelsBase<GpuRowKernels> {
  using Base::Base;
  void runOnOperation() override {
    // The groups in the order of their first op.
    llvm::MapVector<int64_t, SmallVector<Operation *>> groups;
    SmallVector<Operation *> marked;
    getOperation()->walk([&](Operation *op) {
      if (auto id = op->getAttrOfType<IntegerAttr>(nnc::kRowGroupAttr)) {
        groups[id.getInt()].push_back(op);
        marked.push_back(op);
      }
    });
    for (Operation *op : marked)
      op->removeAttr(nnc::kRowGroupAttr);
    for (auto &[id, ops] : groups) {
      RowKernel kernel(ops, subgroups);
      if (succeeded(kernel.analyze()))
        kernel.build();
    }
  }
};

} // namespace
